"""Masking personal data before it leaves for an agents' tool (Slack): emails, phone numbers,
postcodes and names, alone or inside free text (pure).

What is kept is enough to tell two customers apart and to address them, not to find them:
`jane.doe@example.com` -> `j***@e***.com`, `+1 415-555-0132` -> `+* ***-***-**32`,
`SW1A 1AA` -> `SW** ***`, `Jane Doe` -> `Jane D.`. Order ids, tracking numbers and amounts in a
text are left alone (they are how an agent finds the case, and identify nobody on their own).
"""
from __future__ import annotations

import re
from typing import List, Tuple

from bot.text import EMAIL, POSTCODE, find_entities

MASK = "***"

# 7-15 digits (E.164 allows 15), optionally led by + or (, grouped by spaces, dots, dashes or brackets.
_PHONE = re.compile(r"(?<![\w+\-/#=.])(?:\+|\(\+?)?[0-9](?:[0-9]|[ .\-()]{1,3}(?=[0-9(])){5,22}[0-9](?![\w\-/])",
                    re.ASCII)  # not part of a reference (RMA-0000000011), a path or a query value
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9:.]+)?", re.ASCII)


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
    """`text` with every email address, phone number and postcode in it masked."""
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
