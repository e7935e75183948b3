"""What one customer message says, as the dialogue needs it: the NLU's reading (intent ranking and
entities) plus a few cues read from the words themselves (a question, "stop", "a person", a second
request, "I already sent it"). Pure."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from bot import text as textlib

GOAL_BY_INTENT = {
    "request_return": "return",
    "request_refund": "refund",
    "request_exchange": "exchange",
    "report_damage": "damage",
    "track_order": "track",
    "check_return_status": "return_status",
    "where_is_my_refund": "refund_status",
    "cancel_order": "cancel",
}
CONFIDENT = 0.5  # an intent below this is a guess: the words decide


@dataclass(frozen=True)
class Reading:
    text: str  # what the customer wrote (a button's payload when they pressed one)
    intent: str = "nlu_fallback"
    confidence: float = 0.0
    entities: Mapping[str, str] = field(default_factory=dict)  # first value of each kind
    button: bool = False  # the text is the payload of a button the bot offered

    @classmethod
    def of(cls, text: str, intent: Optional[str], confidence: Optional[float],
           entities: Sequence[Mapping]) -> "Reading":
        found: Dict[str, str] = {}
        for entity in entities or ():
            kind, value = entity.get("entity"), entity.get("value")
            if isinstance(kind, str) and isinstance(value, (str, int)) and kind not in found:
                found[kind] = str(value)
        raw = text or ""
        return cls(text=raw, intent=intent or "nlu_fallback", confidence=float(confidence or 0.0),
                   entities=found, button=raw.startswith("/"))

    @property
    def words(self) -> str:
        """The text as words: normalised, lower case; a button's payload has none."""
        return "" if self.button else textlib.normalise(self.text).lower().strip()

    def confident(self, *intents: str) -> bool:
        return self.intent in intents and self.confidence >= CONFIDENT

    @property
    def goal(self) -> Optional[str]:
        """The request the message makes, when the NLU is sure of it."""
        return GOAL_BY_INTENT.get(self.intent) if self.confidence >= CONFIDENT else None


def _words(*alternatives: str) -> re.Pattern:
    return re.compile(r"(?<![a-z])(?:%s)(?![a-z])" % "|".join(alternatives))


_PERSON = _words(r"(talk|speak|chat)(ing)? (to|with) (a |an |some ?one|a real |real )?(human|person|agent|people|someone|somebody|representative|rep|staff|operator)",
                 r"(human|real person|live agent|live person|customer service rep\w*)( please| pls| now)?",
                 r"(get|give|want|need) (me )?(a |an )?(human|person|agent|operator|representative)",
                 r"(transfer|connect|put) me (to|through)", r"escalate", r"call me", r"mensch|humain|persona|人工")
_STOP = re.compile(r"^\W*(stop|cancel( that| this| it)?|never ?mind|nevermind|forget (it|that|about it)|start over|"
                   r"start again|restart|reset|quit|exit|abort|nvm|leave it)\W*(please|pls|thanks)?\W*$")
_QUESTION_START = _words(r"how", r"what", r"when", r"where", r"who", r"why", r"which", r"do you", r"does",
                         r"can i", r"can you", r"could i", r"is (it|there|return|shipping)", r"are (returns|you)",
                         r"will (i|you|it)", r"should i", r"would i", r"am i")
_NOT_RECEIVED = _words(r"never (got|received|arrived|came|showed up|turned up)", r"(didn'?t|did not|haven'?t|have not|hasn'?t|has not) "
                       r"(get|got|receive|received|arrive|arrived|come|came|turned up|shown up)",
                       r"not (received|arrived|delivered)", r"nothing (arrived|came)", r"missing", r"stolen",
                       r"says delivered", r"marked (as )?delivered", r"wasn'?t delivered")
_ALREADY_SENT = _words(r"(already|just) (sent|shipped|posted|mailed|returned|dropped( it)? off)",
                       r"(sent|shipped|posted|mailed) (it|them|the \w+) back", r"dropped (it|them) off",
                       r"(it|they)('s| is| are| was| were) on (its|their) way back")

# Requests spotted in the words, for the second request of a message (the NLU gives one intent).
_GOAL_WORDS: List[Tuple[str, re.Pattern]] = [
    ("refund_status", _words(r"where('?s| is) (my|the) (refund|money)", r"refund status", r"status of (my|the) refund",
                             r"(haven'?t|not|didn'?t) (got|get|received|seen) (my|the|a) (refund|money)",
                             r"when (will|do) i get (my|the) (refund|money)")),
    ("return_status", _words(r"status of (my|the) return", r"return status", r"did (my|the) return",
                             r"(received|got) my return")),
    ("track", _words(r"where('?s| is) (my|the) (order|package|parcel|delivery|stuff|item)", r"track(ing)?( my| the)? (order|package|parcel)",
                     r"when (will|does) (it|my order|the order|my package) (arrive|come|ship)", r"has (it|my order) shipped")),
    ("cancel", _words(r"cancel (my|the|this) order", r"cancel order")),
    ("exchange", _words(r"exchange", r"swap")),
    ("damage", _words(r"arrived (broken|damaged|cracked)", r"(is|was|came) (broken|damaged|cracked|smashed)")),
    ("return", _words(r"return (the|my|it|them|this|these|an?)", r"send (it|them|\w+) back", r"send back")),
]
_CLAUSE = re.compile(r"\s*(?:[.?!;]+|,? and (?:also )?|,? also |,? plus |,? then )\s*")


def wants_person(reading: Reading) -> bool:
    if reading.confident("human_handoff"):
        return True
    return bool(reading.words) and bool(_PERSON.search(reading.words))


def wants_stop(reading: Reading) -> bool:
    """Stop, cancel (the task, not an order), start over. "cancel my order" is a request."""
    if reading.words and _STOP.match(reading.words):
        return True
    return reading.confident("stop") and "order" not in reading.words


def is_question(words: str) -> bool:
    words = words.strip()
    return words.endswith("?") or bool(_QUESTION_START.match(words))


def not_received(words: str) -> bool:
    return bool(_NOT_RECEIVED.search(words))


def already_sent(words: str) -> bool:
    return bool(_ALREADY_SENT.search(words))


def goals_in(words: str) -> List[str]:
    """Every request the words make, clause by clause, in order (each once)."""
    found: List[str] = []
    for clause in _CLAUSE.split(words):
        for goal, pattern in _GOAL_WORDS:
            if pattern.search(clause):
                if goal not in found:
                    found.append(goal)
                break
    return found


def other_goals(reading: Reading, primary: Optional[str]) -> List[str]:
    """Requests in the message besides `primary` (the one being handled)."""
    same = {"return", "refund", "exchange", "damage"}
    goals = []
    for goal in goals_in(reading.words):
        if goal == primary or (primary in same and goal in same):
            continue
        goals.append(goal)
    return goals
