"""RMA numbers: random (not sequential), Crockford base32, with a check character.

`RMA-` + 9 random symbols + 1 check symbol, e.g. `RMA-7K3QX9M2AB`. The check symbol is the
value of the body modulo 37 in Crockford's check alphabet, so a mistyped or swapped symbol is caught.
New numbers are drawn until the check symbol is a letter or digit: Crockford's five extra symbols
(`*~$=U`) are awkward to read out, and `*`, `$` and `=` need care in links and patterns. Numbers
made before that rule, ending in one of them, still parse.
"""
from __future__ import annotations

import re
import secrets
from typing import Callable, Optional

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CHECK_ALPHABET = ALPHABET + "*~$=U"  # Crockford's 37 check symbols
BODY_LENGTH = 9
_PATTERN = re.compile(r"^RMA-([0-9A-HJKMNP-TV-Z]{%d})([0-9A-HJKMNP-TV-Z*~$=U])$" % BODY_LENGTH)
# Letters customers confuse, read the Crockford way.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})

RMA_IN_TEXT = re.compile(r"RMA-[0-9A-HJKMNP-TV-Z]{%d}[0-9A-HJKMNP-TV-Z*~$=U]" % BODY_LENGTH)  # finds one in a sentence

RandomSource = Callable[[int], int]  # randbelow(n) -> 0 <= k < n


def check_symbol(body: str) -> str:
    value = 0
    for ch in body:
        value = value * 32 + ALPHABET.index(ch)
    return CHECK_ALPHABET[value % 37]


def new_rma_id(randbelow: RandomSource = secrets.randbelow) -> str:
    while True:
        body = "".join(ALPHABET[randbelow(32)] for _ in range(BODY_LENGTH))
        check = check_symbol(body)
        if check in ALPHABET:
            return f"RMA-{body}{check}"


def parse_rma_id(text: str) -> Optional[str]:
    """The canonical RMA number in `text`, or None when it is malformed or its check fails."""
    candidate = text.strip().upper().replace(" ", "")
    if not candidate.startswith("RMA-") and candidate.startswith("RMA"):
        candidate = "RMA-" + candidate[3:]
    candidate = "RMA-" + candidate[4:].translate(_READ_AS) if candidate.startswith("RMA-") else candidate
    match = _PATTERN.match(candidate)
    if not match or check_symbol(match.group(1)) != match.group(2):
        return None
    return candidate
