"""Normalise customer text; find order ids, emails, postcodes, tracking numbers and amounts in it.

Pure. `find_*(raw)` returns `(start, end, value)` spans on the raw text, values normalised;
`parse_*(answer)` returns the one value in a customer's answer, or None.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Iterator, List, NamedTuple, Optional, Tuple

ORDER_ID = "order_id"
EMAIL = "email"
POSTCODE = "postcode"
TRACKING_NUMBER = "tracking_number"
AMOUNT = "amount"

# Zero-width characters and bidi marks/overrides/isolates: removed before anything is matched.
_IGNORED = frozenset(
    [chr(c) for c in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x200E, 0x200F)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)
_FLAGS = re.ASCII | re.IGNORECASE
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASH = f"[{_DASHES}]"
_SEP = f"(?: ?{_DASH} ?| )"  # between groups of an order id: a dash (maybe spaced) or one space


class Span(NamedTuple):
    """A value found in a text: `text[start:end]` is what the customer wrote, `value` is normalised."""

    start: int
    end: int
    value: str


class Entity(NamedTuple):
    """A typed span, as the NLU entity extractor reports it."""

    kind: str
    start: int
    end: int
    value: str


# ---------------------------------------------------------------------------------------------------
# Normalisation


def _normalise_mapped(text: str) -> Tuple[str, List[int], List[int]]:
    """Normalise `text` and return it with, for each output character, its raw start and end offsets."""
    out: List[str] = []
    starts: List[int] = []
    ends: List[int] = []
    pending_space: Optional[Tuple[int, int]] = None
    i, n = 0, len(text)
    while i < n:
        if text[i] in _IGNORED:
            i += 1
            continue
        j = i + 1  # a base character with its combining marks is normalised as one cluster
        while j < n and unicodedata.combining(text[j]):
            j += 1
        for ch in unicodedata.normalize("NFKC", text[i:j]):
            if ch.isspace():
                if pending_space is None:
                    pending_space = (i, j)
                continue
            if pending_space is not None:
                if out:
                    out.append(" ")
                    starts.append(pending_space[0])
                    ends.append(pending_space[1])
                pending_space = None
            out.append(ch)
            starts.append(i)
            ends.append(j)
        i = j
    return "".join(out), starts, ends


def normalise(text: str) -> str:
    """NFKC, drop zero-width and bidi control characters, collapse whitespace to single spaces, strip."""
    return _normalise_mapped(text)[0]


# ---------------------------------------------------------------------------------------------------
# Patterns (ASCII only: after NFKC, a Cyrillic or Arabic look-alike never counts as a letter or digit)

_AMAZON = re.compile(rf"(?<![0-9])(?:[0-9]{{3}}{_SEP}[0-9]{{7}}{_SEP}[0-9]{{7}}|[0-9]{{17}})", _FLAGS)
_EBAY = re.compile(rf"(?<![0-9])[0-9]{{2}}{_SEP}[0-9]{{5}}{_SEP}[0-9]{{5}}", _FLAGS)
_HASH_ID = re.compile(r"# ?(?P<id>[0-9]{4,10})", _FLAGS)
_WORD_ID = re.compile(
    r"\b(?:order|ordr|oder|odrer|orden|commande|bestellung)s?"
    r"(?:\s*(?:number|numb|num|nbr|no|nr|id|ref)\b\.?|\s*n\u00b0)?"
    r"(?:\s*(?:is|was)\b)?\s*[:=#]?\s*(?P<id>[0-9]{4,10})",
    _FLAGS,
)
_EMAIL = re.compile(
    r"(?<![a-z0-9._%+-])[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,8}\.[a-z]{2,24}(?![a-z0-9-])",
    _FLAGS,
)
# UPS: 1Z, 6-character shipper, 2-digit service, 8-digit package; often printed "1Z 999 AA1 01 2345 6784"
_UPS = re.compile(r"1Z ?[0-9A-Z]{3} ?[0-9A-Z]{3} ?[0-9]{2} ?[0-9]{4} ?[0-9]{4}", _FLAGS)
_USPS = re.compile(r"(?<![0-9])(?:[0-9]{20,22}|9[0-9]{3}(?: [0-9]{4}){4}(?: [0-9]{2})?)", _FLAGS)
_S10 = re.compile(r"[A-Z]{2}[0-9]{9}[A-Z]{2}", _FLAGS)  # UPU format used by USPS and other posts
_WEAK_TRACKING = re.compile(r"(?<![0-9])(?:[0-9]{15}|[0-9]{12}|[0-9]{10})", _FLAGS)  # FedEx 15/12, DHL 10
_TRACKING_CONTEXT = re.compile(
    r"\b(?:track\w*|trk|fedex|fed ex|dhl|ups|usps|waybill|awb|courier|shipment|parcel|consignment)\b",
    _FLAGS,
)
_ZIP = re.compile(r"(?<![0-9])[0-9]{5}(?:-[0-9]{4})?", _FLAGS)  # US ZIP, ZIP+4; also French and German codes
_UK = re.compile(
    r"(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRV-Y]?) ?[0-9][ABD-HJLNP-UW-Z]{2}",
    _FLAGS,
)
_CA = re.compile(r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]", _FLAGS)

_NUM = (
    r"(?<![0-9.,])(?P<num>[0-9]{1,3}(?:,[0-9]{3}){1,3}(?:\.[0-9]{1,2})?"
    r"|[0-9]{1,3}(?:\.[0-9]{3}){1,3}(?:,[0-9]{1,2})?|[0-9]{1,9}(?:[.,][0-9]{1,2})?)"
)
_SYMBOLS = {"US$": "USD", "C$": "CAD", "CA$": "CAD", "A$": "AUD", "$": "USD", "\u20ac": "EUR", "\u00a3": "GBP"}
_WORDS = {
    "dollar": "USD", "dollars": "USD", "bucks": "USD", "euro": "EUR", "euros": "EUR",
    "pound": "GBP", "pounds": "GBP", "quid": "GBP",
}
_CODES = ("USD", "EUR", "GBP", "CAD", "AUD", "CHF")
_SYM = r"(?P<sym>US\$|CA\$|C\$|A\$|\$|\u20ac|\u00a3)"
_CODE = rf"(?P<code>{'|'.join(_CODES)})\b"
_WORD = rf"(?P<word>{'|'.join(sorted(_WORDS, key=len, reverse=True))})\b"
_AMOUNTS = [
    re.compile(rf"{_SYM} ?{_NUM}", _FLAGS),
    re.compile(rf"\b{_CODE} ?{_NUM}", _FLAGS),
    re.compile(rf"{_NUM} ?(?:{_SYM}|{_CODE}|{_WORD})", _FLAGS),
]

# Characters that may not touch a match: they would make it part of a longer token.
_GLUE = set(_DASHES) | set("_#@/+&%$\u20ac\u00a3")


def _free(text: str, start: int, end: int, allow_before: str = "") -> bool:
    """True when text[start:end] is a whole token: no letter, digit or joining character touches it."""
    if start > 0:
        before = text[start - 1]
        if before not in allow_before:
            if before.isalnum() or before in _GLUE:
                return False
            if before in ".," and start > 1 and text[start - 2].isdigit():
                return False
    if end < len(text):
        after = text[end]
        if after.isalnum() or after in _GLUE or unicodedata.category(after).startswith("M"):
            return False  # (a mark on the last symbol makes it another symbol, as it would anywhere else)
        if after in ".," and end + 1 < len(text) and text[end + 1].isdigit():
            return False
    return True


def _digits(s: str) -> str:
    return re.sub(r"[^0-9]", "", s, flags=re.ASCII)


def _amount_value(num: str, currency: str) -> Optional[str]:
    if "," in num and "." in num:
        decimal_mark = "." if num.rfind(".") > num.rfind(",") else ","
    elif "," in num:
        decimal_mark = "," if len(num) - num.rfind(",") - 1 != 3 else ""
    elif "." in num:
        decimal_mark = "." if len(num) - num.rfind(".") - 1 != 3 else ""
    else:
        decimal_mark = ""
    thousands = {",", "."} - {decimal_mark}
    plain = "".join(c for c in num if c not in thousands).replace(",", ".")
    try:
        return f"{Decimal(plain):.2f} {currency}"
    except InvalidOperation:
        return None


# ---------------------------------------------------------------------------------------------------
# Candidates on normalised text. Lower rank wins when two candidates overlap.


def _candidates(norm: str) -> Iterator[Tuple[int, str, int, int, str]]:
    for m in _EMAIL.finditer(norm):
        if _free(norm, m.start(), m.end()):
            yield 0, EMAIL, m.start(), m.end(), m.group().lower()
    for m in _AMAZON.finditer(norm):
        if _free(norm, m.start(), m.end(), allow_before="#"):
            d = _digits(m.group())
            yield 1, ORDER_ID, m.start(), m.end(), f"{d[:3]}-{d[3:10]}-{d[10:]}"
    for m in _EBAY.finditer(norm):
        if _free(norm, m.start(), m.end(), allow_before="#"):
            d = _digits(m.group())
            yield 1, ORDER_ID, m.start(), m.end(), f"{d[:2]}-{d[2:7]}-{d[7:]}"
    for m in _HASH_ID.finditer(norm):
        if _free(norm, m.start(), m.end()):
            yield 1, ORDER_ID, m.start(), m.end(), "#" + m.group("id")
    for m in _WORD_ID.finditer(norm):
        if _free(norm, m.start(), m.end()):
            yield 2, ORDER_ID, m.start("id"), m.end("id"), "#" + m.group("id")
    for pattern in (_UPS, _USPS, _S10):
        for m in pattern.finditer(norm):
            if _free(norm, m.start(), m.end()):
                yield 3, TRACKING_NUMBER, m.start(), m.end(), m.group().replace(" ", "").upper()
    if _TRACKING_CONTEXT.search(norm):
        for m in _WEAK_TRACKING.finditer(norm):
            if _free(norm, m.start(), m.end()):
                yield 4, TRACKING_NUMBER, m.start(), m.end(), m.group()
    for pattern in _AMOUNTS:
        for m in pattern.finditer(norm):
            if not _free(norm, m.start(), m.end()):
                continue
            sym, code, word = (m.groupdict().get(k) for k in ("sym", "code", "word"))
            currency = _SYMBOLS[sym.upper()] if sym else code.upper() if code else _WORDS[word.lower()]
            value = _amount_value(m.group("num"), currency)
            if value is not None:
                yield 5, AMOUNT, m.start(), m.end(), value
    for m in _CA.finditer(norm):
        if _free(norm, m.start(), m.end()):
            code = m.group().replace(" ", "").upper()
            yield 6, POSTCODE, m.start(), m.end(), f"{code[:3]} {code[3:]}"
    for m in _UK.finditer(norm):
        if _free(norm, m.start(), m.end()):
            code = m.group().replace(" ", "").upper()
            yield 6, POSTCODE, m.start(), m.end(), f"{code[:-3]} {code[-3:]}"
    for m in _ZIP.finditer(norm):
        if _free(norm, m.start(), m.end()):
            yield 7, POSTCODE, m.start(), m.end(), m.group()


def find_entities(text: str) -> List[Entity]:
    """Every order id, email, postcode, tracking number and amount in `text`, non-overlapping, in order.

    Offsets are on `text` as given (before normalisation); values are normalised.
    """
    norm, starts, ends = _normalise_mapped(text)
    chosen: List[Tuple[int, str, int, int, str]] = []
    taken = bytearray(len(norm))
    for cand in sorted(_candidates(norm), key=lambda c: (c[0], c[2] - c[3], c[2])):
        _, _, s, e, _ = cand
        if not any(taken[s:e]):
            taken[s:e] = b"\x01" * (e - s)
            chosen.append(cand)
    chosen.sort(key=lambda c: c[2])
    found = [Entity(kind, starts[s], ends[e - 1], value) for _, kind, s, e, value in chosen]
    return [e for e in found if not (e.kind == ORDER_ID and _fullwidth(text[e.start:e.end]))]


def _fullwidth(raw: str) -> bool:
    """Fullwidth forms (`１`, `＃`) look like an order number without being one as typed: NFKC reads
    them as ASCII, but an order number is never matched from them (a look-alike, like Cyrillic `О`)."""
    return any("\uff01" <= ch <= "\uff5e" for ch in raw)


def _find(text: str, kind: str) -> List[Span]:
    return [Span(e.start, e.end, e.value) for e in find_entities(text) if e.kind == kind]


def _single(spans: List[Span]) -> Optional[str]:
    values = {s.value for s in spans}
    return values.pop() if len(values) == 1 else None


def _bare(text: str) -> str:
    """The answer without surrounding spaces and sentence punctuation."""
    return normalise(text).strip(" .,;:!?\"'()[]")


# ---------------------------------------------------------------------------------------------------
# Public finders and parsers


def find_order_ids(text: str) -> List[Span]:
    """Amazon `114-3941689-8772232`, eBay `12-34567-89012`, Shopify/web `#1001` or `order 1001` -> `#1001`."""
    return _find(text, ORDER_ID)


def parse_order_id(text: str) -> Optional[str]:
    """The one order id in an answer; a bare answer of 4-10 digits counts as a Shopify/web id."""
    found = _single(find_order_ids(text))
    if found is not None:
        return found
    bare = _bare(text)
    return "#" + bare if re.fullmatch(r"[0-9]{4,10}", bare, re.ASCII) and not _fullwidth(text) else None


def find_emails(text: str) -> List[Span]:
    """Email addresses, lower-cased."""
    return _find(text, EMAIL)


def parse_email(text: str) -> Optional[str]:
    return _single(find_emails(text))


def find_postcodes(text: str) -> List[Span]:
    """US ZIP (`94107`, `94107-1234`), French/German 5 digits, UK `SW1A 1AA`, Canada `M5V 2T6` (upper-cased)."""
    return _find(text, POSTCODE)


def parse_postcode(text: str) -> Optional[str]:
    return _single(find_postcodes(text))


def find_tracking_numbers(text: str) -> List[Span]:
    """UPS `1Z…`, USPS 20-22 digits, UPU `EC123456789US`; FedEx 12/15 and DHL 10 digits only near a
    tracking or carrier word (bare digits are more often order ids or phone numbers)."""
    return _find(text, TRACKING_NUMBER)


def parse_tracking_number(text: str) -> Optional[str]:
    """The one tracking number in an answer; a bare answer of 10, 12 or 15 digits counts too."""
    found = _single(find_tracking_numbers(text))
    if found is not None:
        return found
    bare = _bare(text)
    return bare if re.fullmatch(r"[0-9]{15}|[0-9]{12}|[0-9]{10}", bare, re.ASCII) else None


def find_amounts(text: str) -> List[Span]:
    """Money with a currency: `$25`, `25.99 EUR`, `€30`, `12,50 €`, `40 bucks` -> `"25.00 USD"`."""
    return _find(text, AMOUNT)


def parse_amount(text: str) -> Optional[str]:
    return _single(find_amounts(text))
