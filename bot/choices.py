"""Reading a customer's typed answer as one of the choices the bot offered (pure).

Buttons send exact values; these functions cover customers who type instead:
"the shoes", "2", "too small", "swap it for another size".
"""
from __future__ import annotations

import re
from typing import Optional, Sequence

from bot.models import OrderLine, Resolution, ReturnReason

_REASON_WORDS = [
    (ReturnReason.TOO_SMALL, r"too small|too tight|smaller|tight|size up"),
    (ReturnReason.TOO_LARGE, r"too (big|large|loose)|bigger|huge|size down"),
    (ReturnReason.DAMAGED, r"damag|broken|broke|crack|smash|dent|torn|scratch|defect|faulty|doesn'?t work|not working"),
    (ReturnReason.WRONG_ITEM, r"wrong (item|product|colou?r|size|one)|not what i ordered|sent me the wrong"),
    (ReturnReason.NOT_AS_DESCRIBED, r"not as described|different from|looks different|quality|not like the (photo|picture)"),
    (ReturnReason.CHANGED_MIND, r"changed? my mind|don'?t (want|need|like)|no longer|not needed|found .*cheaper"),
    (ReturnReason.OTHER, r"other|something else"),
]

_RESOLUTION_WORDS = [
    (Resolution.EXCHANGE, r"exchange|swap|different size|another size|replace"),
    (Resolution.STORE_CREDIT, r"store credit|credit|voucher|gift card"),
    (Resolution.REPLACEMENT, r"replacement|new one|send another"),
    (Resolution.REFUND, r"refund|money back|my money|reimburse"),
]

_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}


def parse_reason(answer: str) -> Optional[ReturnReason]:
    value = answer.strip().lower()
    try:
        return ReturnReason(value)
    except ValueError:
        pass
    return next((reason for reason, words in _REASON_WORDS if re.search(words, value)), None)


def parse_resolution(answer: str, allowed: Sequence[Resolution]) -> Optional[Resolution]:
    value = answer.strip().lower()
    try:
        chosen = Resolution(value)
    except ValueError:
        chosen = next((r for r, words in _RESOLUTION_WORDS if r in allowed and re.search(words, value)), None)
    return chosen if chosen in allowed else None


def parse_line(answer: str, lines: Sequence[OrderLine]) -> Optional[OrderLine]:
    """The line a customer means: its id, its position ("2", "the second"), its SKU or title words."""
    value = answer.strip().lower()
    for line in lines:
        if value in (line.line_id.lower(), line.sku.lower()):
            return line
    number = _ORDINALS.get(value) or (int(value) if value.isdigit() else None)
    if number is not None:
        return lines[number - 1] if 1 <= number <= len(lines) else None
    words = set(re.findall(r"[a-z0-9]{3,}", value))
    scored = [(len(words & set(re.findall(r"[a-z0-9]{3,}", line.title.lower()))), line) for line in lines]
    scored.sort(key=lambda pair: pair[0], reverse=True)
    if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None
