"""Rasa replies as Telegram messages: HTML-escaped text with clickable links, split at 4096.

Every character from Rasa (order data, agents' words) is escaped, and only the links this module
makes are markup, so no text can break or inject formatting. Long texts are split on paragraph,
line or word boundaries before escaping, so no tag or entity is ever cut in two.
"""
from __future__ import annotations

import html
import re
from typing import Any, Dict, List, Optional

from bot import responses as said
from bot.catalogue import catalogue, spoken_language
from bot.ids import parse_rma_id

MAX_TEXT = 4096  # Telegram's limit per message, counted in UTF-16 code units after parsing
MAX_CAPTION = 1024
URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
TRAILING = ".,;:!?)]}"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def to_html(text: str) -> str:
    """`text` for parse_mode HTML: everything escaped, http(s) URLs as <a href> links."""
    out: List[str] = []
    position = 0
    for match in URL.finditer(text):
        url = match.group(0).rstrip(TRAILING)
        out.append(html.escape(text[position:match.start()], quote=False))
        out.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url, quote=False)}</a>')
        position = match.start() + len(url)
    out.append(html.escape(text[position:], quote=False))
    return "".join(out)


def split_text(text: str, limit: int = MAX_TEXT) -> List[str]:
    """`text` in parts of at most `limit` UTF-16 units, cut at the last paragraph break, else line
    break, else space that fits (in the second half of the part if there is one, so no part is
    needlessly short); a word longer than `limit` is cut where it must be."""
    parts: List[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        window = _prefix(rest, limit)
        breaks = [_last(rest, separator, len(window)) for separator in ("\n\n", "\n", " ")]
        cut = (next((i for i in breaks if i >= len(window) // 2), 0)  # the strongest break in the second half
               or next((i for i in breaks if i > 0), len(window)))
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            parts.append(head)
    if rest:
        parts.append(rest)
    return parts


def _last(text: str, separator: str, end: int) -> int:
    """Where the last `separator` starting at or before `end` begins (a break right after the
    window counts), or -1."""
    return text.rfind(separator, 0, end + len(separator))


def _prefix(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-16 units (never half a surrogate pair)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def reply_payloads(reply: Dict[str, Any]) -> List[Dict[str, Any]]:
    """One Rasa reply as Telegram outbox payloads, in order: its text in parts (the buttons on the
    last), then the return slip as a document (with the language spoken, `bot.catalogue.speaking`, when it
    is not English). Text stays plain here; the sender escapes it."""
    text = reply.get("text") if isinstance(reply.get("text"), str) else ""
    if isinstance(reply.get("image"), str):
        text = f"{text}\n{reply['image']}".strip()
    buttons = [{"title": str(b["title"]), "payload": str(b["payload"])} for b in reply.get("buttons") or []
               if isinstance(b, dict) and "title" in b and "payload" in b]
    payloads: List[Dict[str, Any]] = [{"text": part} for part in split_text(text)]
    if buttons:
        if not payloads:
            payloads.append({"text": catalogue().text(said.CHOOSE)})
        payloads[-1]["buttons"] = buttons
    rma_id = _slip_rma(reply.get("custom"))
    if rma_id:  # drawn in the language the reply is rendered in (the router's `speaking`)
        language = spoken_language()
        payloads.append({"document": {"return_slip": rma_id, **({"language": language} if language != "en" else {})}})
    return payloads


def _slip_rma(custom: Any) -> Optional[str]:
    slip = custom.get("return_slip") if isinstance(custom, dict) else None
    rma_id = slip.get("rma_id") if isinstance(slip, dict) else None
    return rma_id if isinstance(rma_id, str) and parse_rma_id(rma_id) == rma_id else None
