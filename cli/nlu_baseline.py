"""The keyword-rule baseline: the classic helpdesk router ("contains return / refund / exchange /
where / track / cancel / damaged ... -> that topic"). Pure; no training.

It is what a shop would write in an afternoon, and what the trained pipeline has to beat clearly.
The rules were written once from the intents' meanings, not tuned on the test sets. The first rule
that matches wins; a message no rule matches is out of scope. A keyword matches a whole word
("no" does not match "not"); a trailing "*" matches any ending ("return*": returns, returned...).
"""
from __future__ import annotations

import re
from typing import List, Optional, Pattern, Sequence, Tuple

from bot.text import find_entities, normalise

# (intent, words any of which triggers it, and optionally a second list one of which must also occur)
Rule = Tuple[str, Tuple[str, ...], Tuple[str, ...]]

RULES: Sequence[Rule] = (
    ("human_handoff", ("human", "agent", "person", "representative", "operator", "real person",
                       "customer service", "someone"), ()),
    ("no_order_number", ("order number", "order id", "order no", "order reference", "confirmation email",
                         "only have the tracking", "only the tracking"),
     ("don't", "dont", "do not", "lost", "can't", "cant", "cannot", "forgot", "no idea", "not sure", "only",
      "deleted", "never got", "haven't got", "where do i find", "where can i find", "how do i find")),
    ("cancel_order", ("cancel*",), ()),
    ("ask_policy", ("policy", "policies", "who pays", "free return*", "return shipping", "return postage",
                    "return label free", "return window", "return period", "returnable", "how long do i have",
                    "how many days", "how long does a refund take", "how long do refunds take", "store credit"), ()),
    ("report_damage", ("damage*", "broken", "broke", "crack*", "smashed", "shattered", "torn", "dent*",
                       "defective", "faulty", "scratch*", "leak*", "doesn't work", "not working"), ()),
    ("where_is_my_refund", ("refund*", "money"), ("where", "when", "status", "yet", "still", "haven't",
                                                  "hasn't", "not received", "how long", "waiting")),
    ("check_return_status", ("return*", "sent back", "sent it back"),
     ("status", "received", "arrived", "yet", "update", "progress", "did you get", "got my")),
    ("request_exchange", ("exchange*", "swap*", "different size", "another size", "different colour",
                          "different color", "bigger", "smaller"), ()),
    ("request_refund", ("refund*", "money back", "reimburse*"), ()),
    ("request_return", ("return*", "send back", "send it back", "ship back", "send them back"), ()),
    ("track_order", ("where", "track*", "shipping", "shipped", "deliver*", "arrive*", "package", "parcel"), ()),
    ("stop", ("stop", "never mind", "nevermind", "forget it", "forget about it"), ()),
    ("ask_help", ("help", "what can you do"), ()),
    ("goodbye", ("bye", "goodbye", "see you", "see ya"), ()),
    ("deny", ("no", "nope", "nah"), ()),
    ("thank", ("thank*", "thx", "cheers"), ()),
    ("affirm", ("yes", "yeah", "yep", "yup", "sure", "ok", "okay", "correct", "right"), ()),
    ("greet", ("hi", "hello", "hey", "good morning", "good afternoon", "good evening"), ()),
)
# a message that is only an order number, email, postcode or tracking number answers a question
INFORM = "inform"
OUT_OF_SCOPE = "out_of_scope"


def _pattern(words: Sequence[str]) -> Pattern[str]:
    parts = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in words]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


_COMPILED: List[Tuple[str, Pattern[str], Optional[Pattern[str]]]] = [
    (intent, _pattern(any_of), _pattern(also) if also else None) for intent, any_of, also in RULES
]


def keyword_intent(text: str) -> str:
    """The intent the keyword rules give `text`."""
    clean = normalise(text).replace("\u2019", "'")
    for intent, first, second in _COMPILED:
        if first.search(clean) and (second is None or second.search(clean)):
            return intent
    if find_entities(clean):
        return INFORM
    return OUT_OF_SCOPE
