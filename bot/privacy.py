"""Masking personal data before it leaves for an agents' tool (Slack) or a log: emails, phone
numbers, postcodes, street addresses and names, alone or inside free text (pure).

What is kept is enough to tell two customers apart and to address them, not to find them:
`jane.doe@example.com` -> `j***@e***.com`, `+1 415-555-0132` -> `+* ***-***-**32`,
`SW1A 1AA` -> `SW** ***`, `221B Baker Street` -> `*** *** Street`, `Jane Doe` -> `Jane D.`.
Order ids, tracking numbers and amounts in a text are left alone (they are how an agent finds the
case, and identify nobody on their own).

Logs get less still (`loggable`, `loggable_error`, and `PersonalDataFilter` for the log handlers of
the Rasa server and the action server, see rasa_logging.yml): besides the masking, the values a
database error quotes, slip-link tokens and chat-service tokens are withheld, and so is every field
of a structured (JSON) log event that carries what a customer wrote.
"""
from __future__ import annotations

import json
import logging
import re
import traceback
from typing import Any, List, Optional, Set, Tuple

from bot.text import EMAIL, POSTCODE, find_entities

MASK = "***"

# 7-15 digits (E.164 allows 15), optionally led by + or (, grouped by spaces, dots, dashes or brackets.
_PHONE = re.compile(r"(?<![\w+\-/#=.])(?:\+|\(\+?)?[0-9](?:[0-9]|[ .\-()]{1,3}(?=[0-9(])){5,22}[0-9](?![\w\-/])",
                    re.ASCII)  # not part of a reference (RMA-0000000011), a path or a query value
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9:.]+)?", re.ASCII)

# Street addresses: a house number, the street's name and its kind, as written in English
# ("221B Baker Street", "1600 Pennsylvania Ave"), French ("12 rue de la Paix", "5 bis, avenue Foch")
# and German or Dutch ("Hauptstraße 5", "Kerkstraat 12a"). Groups `number` and `name` are masked.
_HOUSE = r"(?P<number>[0-9]{1,5}[A-Za-z]?(?:[-/][0-9]{1,5}[A-Za-z]?)?(?:\s*(?:bis|ter)\b)?)"
_WORD = r"(?!(?:a|an|and|at|by|for|from|in|my|of|on|or|the|to|with|your)\b)[^\W\d][\w'’.-]*"  # "2 of the way"
_EN_KIND = ("street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|square|sq"
            "|terrace|close|crescent|parkway|pkwy|highway|hwy|row|mews|gardens|grove|walk|circle")
_FR_KIND = "rue|avenue|av|boulevard|bd|place|chemin|allée|allee|impasse|quai|route|cours"
_DE_KIND = "straße|strasse|str|weg|gasse|platz|allee|straat|laan|gracht|plein"
_ADDRESSES = [re.compile(pattern, re.IGNORECASE) for pattern in (
    rf"(?<![\w\-/#.]){_HOUSE},?\s+(?P<name>{_WORD}(?:\s+{_WORD}){{0,3}}?)\s+(?:{_EN_KIND})\b\.?",
    rf"(?<![\w\-/#.]){_HOUSE},?\s+(?:{_FR_KIND})\b\.?\s+(?P<name>{_WORD}(?:\s+{_WORD}){{0,4}})",
    rf"(?<![\w\-/#.])(?P<name>[^\W\d][\w-]*?)(?:{_DE_KIND})\.?\s+{_HOUSE}(?![\w\-/])",
)]


def mask_email(email: str) -> str:
    """`jane.doe@example.com` -> `j***@e***.com`: first letter of the mailbox and of the domain, and
    the top-level domain."""
    email = (email or "").strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        return MASK
    labels = [label for label in domain.split(".") if label]
    if len(labels) < 2:
        return f"{local[0]}{MASK}@{MASK}"
    return f"{local[0]}{MASK}@{labels[0][0]}{MASK}.{labels[-1]}"


def mask_phone(phone: str) -> str:
    """Every digit but the last two becomes `*`; a leading `+` and the grouping stay:
    `+1 415-555-0132` -> `+* ***-***-**32`."""
    digits = sum(c.isdigit() for c in phone or "")
    if digits == 0:
        return MASK
    keep_from = digits - 2 if digits > 4 else digits  # a 4-digit "phone" is masked whole
    out, seen = [], 0
    for c in phone:
        if c.isdigit():
            out.append(c if seen >= keep_from else "*")
            seen += 1
        else:
            out.append(c)
    return "".join(out).strip()


def mask_postcode(postcode: str) -> str:
    """The first two characters stay, the others become `*`: `94107` -> `94***`, `SW1A 1AA` ->
    `SW** ***`, `M5V 2T6` -> `M5* ***` (an area, not an address)."""
    postcode = (postcode or "").strip()
    if not postcode:
        return ""
    out, seen = [], 0
    for c in postcode:
        if c.isalnum():
            out.append(c if seen < 2 else "*")
            seen += 1
        else:
            out.append(c)
    return "".join(out)


def mask_address(address: str) -> str:
    """The house number and the street's name become `***`, the kind of street stays:
    `221B Baker Street` -> `*** *** Street`, `12 rue de la Paix` -> `*** rue ***`,
    `Hauptstraße 5` -> `***straße ***`. Text that is not a street address comes back whole."""
    address = address or ""
    for pattern in _ADDRESSES:
        m = pattern.fullmatch(address.strip())
        if m:
            return _mask_groups(m)
    return address


def _mask_groups(m: "re.Match[str]") -> str:
    text, base = m.group(), m.start()
    for name in sorted(("number", "name"), key=m.start, reverse=True):
        start, end = m.start(name) - base, m.end(name) - base
        text = text[:start] + MASK + text[end:]
    return text


def mask_name(name: str) -> str:
    """The first name and the initial of the last: `Jane Doe` -> `Jane D.`, `Jean-Luc de la Tour` ->
    `Jean-Luc T.`; a single name stays as it is (agents need something to call the customer)."""
    parts = (name or "").split()
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} {parts[-1][0].upper()}."


def mask_text(text: str) -> str:
    """`text` with every email address, phone number, postcode and street address in it masked
    (names in free text cannot be told from other words: they stay)."""
    if not text:
        return text or ""
    spans: List[Tuple[int, int, str]] = []
    kept: List[Tuple[int, int]] = []  # order ids, tracking numbers, amounts: never read as phones
    postcodes: List[Tuple[int, int]] = []
    for entity in find_entities(text):
        if entity.kind == EMAIL:
            spans.append((entity.start, entity.end, mask_email(text[entity.start:entity.end])))
        elif entity.kind == POSTCODE:
            postcodes.append((entity.start, entity.end))
        else:
            kept.append((entity.start, entity.end))
    taken = kept + [(s, e) for s, e, _ in spans]
    for pattern in _ADDRESSES:  # before phones and postcodes: "221B" and "5" are part of the address
        for m in pattern.finditer(text):
            if not _overlaps(m.start(), m.end(), taken):
                spans.append((m.start(), m.end(), _mask_groups(m)))
                taken.append((m.start(), m.end()))
    for m in _PHONE.finditer(text):  # before postcodes: "07700 900123" is a phone, not ZIP 07700
        start, end = m.span()
        digits = sum(c.isdigit() for c in m.group())
        if not 7 <= digits <= 15 or _ISO_DATE.fullmatch(m.group()) or _overlaps(start, end, taken):
            continue
        spans.append((start, end, mask_phone(m.group())))
        taken.append((start, end))
    for start, end in postcodes:
        if not _overlaps(start, end, taken):
            spans.append((start, end, mask_postcode(text[start:end])))
    out, last = [], 0
    for start, end, masked in sorted(spans):
        out.append(text[last:start])
        out.append(masked)
        last = end
    out.append(text[last:])
    return "".join(out)


def _overlaps(start: int, end: int, spans: List[Tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


# -- logs ---------------------------------------------------------------------------------------

# What a database error quotes: SQLAlchemy's bound values (`[parameters: (...)]`, on one line; also
# inside a JSON log line, where its line break is `\n`) and PostgreSQL's `DETAIL:  Key (...)=(...)`.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\\n|$)", re.MULTILINE)
_DB_DETAIL = re.compile(r"DETAIL: .*?(?=\\n|$)", re.MULTILINE)
_LINK_TOKEN = re.compile(r"([?&]t=)[^\s&#'\"\\]+")  # a slip link's access token
_SERVICE_TOKEN = re.compile(r"\bbot[0-9]{5,}:[\w-]{20,}|\bxox[a-z]-[\w-]{10,}|\bxapp-[\w-]{10,}", re.ASCII)
_HOST_PORT = re.compile(r"(?<![\w@.-])(?:localhost|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|\[[0-9a-f:]+\]|(?:[\w-]+\.)+[a-z]{2,})"
                        r":[0-9]{2,5}\b", re.ASCII | re.IGNORECASE)  # `127.0.0.1:18300` has no postcode

# Fields of a structured log event that carry what a customer wrote, slot values or whole trackers
# (the keys Rasa itself lists as anonymizable): withheld whole, as no mask finds a name in them.
CUSTOMER_FIELDS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message", "tracker", "slots", "value", "events",
})


def loggable(text: Any) -> str:
    """`text` fit for a log line: the values a database error quotes and the tokens of slip links
    and chat services withheld, then every email, phone number, postcode and street address masked.
    Log an id or a count rather than a customer's words: a name in free text stays."""
    text = str(text)
    text = _SQL_PARAMETERS.sub("[parameters withheld]", text)
    text = _DB_DETAIL.sub("DETAIL: withheld", text)
    text = _SERVICE_TOKEN.sub(MASK, text)
    text = _LINK_TOKEN.sub(r"\1" + MASK, text)
    out, last = [], 0
    for m in _HOST_PORT.finditer(text):
        out += [mask_text(text[last:m.start()]), m.group()]
        last = m.end()
    return "".join(out + [mask_text(text[last:])])


# Exceptions whose message says what went wrong with a resource (a connection, a file, a lock, a
# timeout) and never quotes a customer: kept, after `loggable`. Every other message is withheld, since
# it may quote anything a customer typed (`'too tight, mail me at …' is not a valid ReturnReason`).
_SAFE_MESSAGE_TYPES = frozenset({"OperationalError", "InterfaceError", "DisconnectionError", "TimeoutError",
                                 "CancelledError", "ConnectError", "ConnectTimeout", "ReadTimeout", "PoolTimeout",
                                 "RemoteProtocolError", "ClientConnectorError", "ServerDisconnectedError"})


def loggable_error(exc: Optional[BaseException]) -> str:
    """What failed, where: the traceback of `exc` and its causes (file, line, function and the code
    line, all ours or a library's) with each exception's type, and its message only when it is about
    a resource (`_SAFE_MESSAGE_TYPES`, OSError), never a value that may come from a customer."""
    if exc is None:
        return ""
    parts: List[str] = []
    seen: Set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
        parts.append(f"Traceback (most recent call last):\n{frames}{_exception_line(exc)}")
        cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
        exc = cause
    joiner = "\n\nThe above exception was the cause of (or happened while handling) the one below:\n\n"
    return loggable(joiner.join(reversed(parts)).rstrip())


def _exception_line(exc: BaseException) -> str:
    name = type(exc).__qualname__
    module = type(exc).__module__
    kind = name if module in ("builtins", None) else f"{module}.{name}"
    if isinstance(exc, OSError) or name in _SAFE_MESSAGE_TYPES:
        return f"{kind}: {exc}"
    return f"{kind} (message withheld: it may quote a customer)"


class PersonalDataFilter(logging.Filter):
    """A filter for log handlers (rasa_logging.yml puts it on the Rasa server's and the action
    server's): every record leaves with its message and traceback `loggable`, and in structured
    events (Rasa's JSON log lines) the `CUSTOMER_FIELDS` and exception locals are withheld."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.msg, record.args = _loggable_message(record.getMessage()), ()
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = loggable_error(record.exc_info[1])
            elif record.exc_text:
                record.exc_text = loggable(record.exc_text)
            if record.stack_info:
                record.stack_info = loggable(record.stack_info)
        except Exception:  # noqa: BLE001 - a log line must never break the program that writes it
            record.msg, record.args = f"{record.name}: a log message withheld (it could not be checked)", ()
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def _loggable_message(message: str) -> str:
    if message.startswith("{"):
        try:
            event = json.loads(message)
        except ValueError:
            event = None
        if isinstance(event, dict):
            return loggable(json.dumps(_withheld(event)))
    return loggable(message)


def _withheld(event: dict) -> dict:
    out = {}
    for key, value in event.items():
        if key in CUSTOMER_FIELDS:
            out[key] = MASK
        elif key == "exception" and isinstance(value, list):  # structlog's dict tracebacks
            out[key] = [_without_locals(part) for part in value]
        else:
            out[key] = value
    return out


def _without_locals(part: Any) -> Any:
    if not isinstance(part, dict):
        return MASK
    part = {k: v for k, v in part.items() if k != "locals"}
    if "exc_value" in part:
        safe = str(part.get("exc_type", "")).rsplit(".", 1)[-1] in _SAFE_MESSAGE_TYPES
        part["exc_value"] = loggable(part["exc_value"]) if safe else "(withheld: it may quote a customer)"
    if isinstance(part.get("frames"), list):
        part["frames"] = [{k: v for k, v in f.items() if k != "locals"} if isinstance(f, dict) else MASK
                          for f in part["frames"]]
    return part
