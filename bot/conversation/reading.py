"""What one customer message says, as the dialogue needs it: the NLU's reading (intent ranking and
entities) plus a few cues read from the words themselves (a question, "stop", "a person", a second
request, "I already sent it"). Pure. The cues are English's and, appended to each pattern, those of
every other served language (`bot.answer_words`): read whatever the conversation's language is."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from bot import answer_words
from bot import text as textlib
from bot.conversation import policy_answers as policy_qa

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
POLICY = "policy"  # the "goal" of a clause that asks about the return policy


@dataclass(frozen=True)
class Reading:
    text: str  # what the customer wrote (a button's payload when they pressed one)
    intent: str = "nlu_fallback"
    confidence: float = 0.0
    entities: Mapping[str, str] = field(default_factory=dict)  # first value of each kind
    button: bool = False  # the text is the payload of a button the bot offered
    all_values: Tuple[Tuple[str, str], ...] = ()  # (kind, value) of every entity, in order
    language: Optional[str] = None  # the language the gateway chose for this message; None: it did not say

    @classmethod
    def of(cls, text: str, intent: Optional[str], confidence: Optional[float],
           entities: Sequence[Mapping], language: Optional[str] = None) -> "Reading":
        found: Dict[str, str] = {}
        every: List[Tuple[str, str]] = []
        for entity in entities or ():
            kind, value = entity.get("entity"), entity.get("value")
            if isinstance(kind, str) and isinstance(value, (str, int)):
                found.setdefault(kind, str(value))
                every.append((kind, str(value)))
        raw = text or ""
        return cls(text=raw, intent=intent or "nlu_fallback", confidence=float(confidence or 0.0),
                   entities=found, button=raw.startswith("/"), all_values=tuple(every), language=language or None)

    def values(self, kind: str) -> List[str]:
        """The distinct values of one kind of entity, in order."""
        return list(dict.fromkeys(v for k, v in self.all_values if k == kind))

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


_HAN = "\u3400-\u4dbf\u4e00-\u9fff"


def _words(*alternatives: str) -> re.Pattern:
    """The alternatives as whole words: no letter touches a Latin edge of a match. A Chinese edge needs
    no boundary (Chinese has no spaces, and customers mix in English: "down jacket想return")."""
    return re.compile(r"(?:(?<![a-z])|(?=[%s]))(?:%s)(?:(?![a-z])|(?<=[%s]))" % (_HAN, "|".join(alternatives), _HAN))


_PERSON = _words(r"(talk|speak|chat)(ing)? (to|with) (a |an |some ?one|a real |real )?(human|person|agent|people|someone|somebody|representative|rep|staff|operator)",
                 r"(human|real person|live agent|live person|customer service rep\w*)( please| pls| now)?",
                 r"(get|give|want|need) (me )?(a |an )?(human|person|agent|operator|representative)",
                 r"(transfer|connect|put) me (to|through)", r"escalate", r"call me", r"mensch|humain|persona|人工",
                 r"(can|could|will|would) (some ?one|somebody|a human|a person|an agent|a real person|your team|staff)"
                 r" (please )?(help|look|check|call|contact|sort|deal)",
                 r"(some ?one|somebody|a human|a person) (to |should |needs to )?(look|check) (into|at) (it|this)",
                 # "get me someone real", "an actual human", "I don't want to chat with a machine"
                 r"(some ?one|somebody|people) (real|human|alive)\b", r"(actual|live) (human|person|people|agent)",
                 r"(don'?t|do not|won'?t|will not) (want to |wanna )?(talk|speak|chat)(ing)? (to|with) (a |an |the |your )?"
                 r"(machine|bot|robot|computer|ai|program)",
                 *answer_words.every("PERSON"))  # "kann das jemand von euch prüfen?", "quelqu'un peut vérifier ?"
_STOP = re.compile(r"^\W*(stop|cancel( that| this| it)?|never ?mind|nevermind|forget (it|that|about it)|start over|"
                   r"start again|restart|reset|quit|exit|abort|nvm|leave it)\W*(please|pls|thanks)?\W*$")
_QUESTION_START = _words(r"how", r"what", r"what'?s", r"when", r"where", r"who", r"why", r"which", r"do you", r"does",
                         r"can i", r"can you", r"could i", r"is (it|there|return|shipping)", r"are (returns|you)",
                         r"will (i|you|it)", r"should i", r"would i", r"am i",
                         *answer_words.every("QUESTION_START"))  # "wie lange", "puis-je", "¿cuándo", "多久"
_NOT_RECEIVED = _words(r"never (got|received|arrived|came|showed up|turned up)", r"(didn'?t|did not|haven'?t|have not|hasn'?t|has not) "
                       r"(get|got|receive|received|arrive|arrived|come|came|turned up|shown up)",
                       r"not (received|arrived|delivered)", r"nothing (arrived|came)", r"missing", r"stolen",
                       r"says delivered", r"marked (as )?delivered", r"wasn'?t delivered", r"wrong address",
                       r"not (at|to) my (address|house|door)", r"someone else", r"neighbou?r", r"lost in (the )?(post|mail|transit)",
                       r"(don'?t|do not) have it", *answer_words.every("NOT_RECEIVED"))
_ASKS_WINDOW = _words(r"can i still", r"(is it|am i) (too late|still in time|within)", r"too late to", r"still (return|send)",
                      r"until when", r"how long do i (still )?have", r"deadline", *answer_words.every("ASKS_WINDOW"))
_ALREADY_SENT = _words(r"(already|just) (sent|shipped|posted|mailed|returned|dropped( it)? off)",
                       r"(sent|shipped|posted|mailed) (it|them|the \w+) back", r"dropped (it|them) off",
                       r"(it|they)('s| is| are| was| were) on (its|their) way back", *answer_words.every("ALREADY_SENT"))

def _goal(name: str) -> tuple:
    """One request's words in every other language (`bot.answer_words` GOALS)."""
    return tuple(cue for module in answer_words.BY_LANGUAGE.values() for cue in module.GOALS.get(name, ()))


# Requests spotted in the words, for the second request of a message (the NLU gives one intent).
_GOAL_WORDS: List[Tuple[str, re.Pattern]] = [
    ("refund_status", _words(*_goal("refund_status"), r"where('?s| is) (my|the) (refund|money)", r"refund status", r"status of (my|the) refund",
                             r"(haven'?t|not|didn'?t|never) (got|get|gotten|received|seen) (my|the|a|any) (refund|money)",
                             r"when (will|do|can) i (get|see|receive) (my|the) (refund|money)", r"no refund yet")),
    ("return_status", _words(*_goal("return_status"), r"status of (my|the|that) return", r"return status", r"did (my|the) return",
                             r"(received|got) my return", r"where('?s| is) (my|the) return")),
    ("track", _words(*_goal("track"), r"where('?s| is| are) (my|the)( \w+)? (order|package|parcel|delivery|stuff|item|shipment)s?",
                     r"(which|what) (carrier|courier|delivery (company|service)|shipping company)", r"who (delivered|brought)",
                     r"where('?s| is| are) (it|they|#?\d)", r"track(ing)?( my| the)? (order|package|parcel)",
                     r"when (will|does|do) (it|they|my order|the order|my package|my parcel) (arrive|come|ship|get here)",
                     r"has (it|my order|the order) (shipped|arrived)", r"status of (my|the) (most recent |last )?order",
                     r"where('?s| is| are) (my|the) \w+")),
    ("cancel", _words(r"cancel (my|the|this|that|it|#|some|part|one|an?|just|only|\w+ items?)", r"cancel order",
                      r"cancell?ation", r"(remove|take|drop|delete) (\S+ ){0,5}(from|off) (my|the|this|that|order|#)",
                      r"storn(o|ier\w*)", r"annul(er|ez|e|are)", r"cancelar", r"取消")),
    ("exchange", _words(*_goal("exchange"), r"exchange", r"swap")),
    ("damage", _words(*_goal("damage"), r"arrived (broken|damaged|cracked|torn|smashed)", r"(is|was|came|arrived) (broken|damaged|cracked|smashed|torn)")),
    ("return", _words(*_goal("return"), r"return (the|my|it|them|this|these|an?|both|of|for|\w+ items?)", r"send (it|them|\w+) back",
                      r"send back", r"returning")),
]
_CLAUSE = re.compile(r"\s*(?:[.?!;]+|,? and (?:also )?|,? also |,? plus |,? then |, "
                     r"|,? (?:und|et|y|e) (?:auch |aussi |también |anche )?|[，。！？；]|还有)\s*")


def _clauses(words: str) -> List[Tuple[str, bool]]:
    """The clauses of a message, each with whether a question mark ended it: the split drops the mark,
    and a question need not open with a question word ("e se non mi piace, entro quanto posso
    restituirla?", "and if they don't fit, within how many days?")."""
    clauses: List[Tuple[str, bool]] = []
    start = 0
    for separator in _CLAUSE.finditer(words):
        if separator.end() > separator.start():
            clauses.append((words[start:separator.start()], bool(re.search(r"[?？]", separator.group()))))
            start = separator.end()
    clauses.append((words[start:], words.rstrip().endswith(("?", "？"))))
    return clauses


@dataclass(frozen=True)
class Request:
    """One request in a message: what is asked, about which order, in which words."""

    goal: str
    order_id: Optional[str] = None
    words: str = ""


def requests_in(reading: "Reading") -> List[Request]:
    """Every request the message makes, clause by clause ("where is #1002 and can I return the jeans
    from #1003?" is two), each with the order it names (or the message's only order). A clause that
    names an order but no request repeats the request before it ("where are #1002 and #1003")."""
    words = reading.words
    if not words:
        return []
    asks_all = words.rstrip().endswith(("?", "？"))  # "how many days do i have, and do i pay the postage?": one mark
    found: List[Request] = []
    named = [span.value for span in textlib.find_order_ids(words)]
    loose: List[str] = []  # the clauses since the last request's that make none ("and if they don't fit")
    for clause, asked in _clauses(words):
        ids = [span.value for span in textlib.find_order_ids(clause)]
        goal = next((g for g, pattern in _GOAL_WORDS if pattern.search(clause)), None)
        follows_question = bool(found) and found[-1].goal == POLICY  # "...? and the refund, how many days" (no mark)
        asked = asked or is_question(clause) or (asks_all and bool(_QUESTION_START.search(clause)))
        supposed = policy_qa.supposes_unwanted(clause)  # "y si no me gusta, cuántos días tengo para regresarla"
        if (asked or follows_question or supposed) and policy_qa.sounds_like_policy_question(clause):
            goal = POLICY  # "do you refund shipping if I return it?" asks about the policy
            clause = " ".join(loose + [clause])  # "et s'ils ne plaisent pas, combien de temps ?": its condition too
        loose = [] if goal is not None or ids else loose + [clause]
        if goal is None and ids and found:
            goal = found[-1].goal
            if found[-1].order_id is None:  # "the hoodie and the usb cable from #1158": one request
                found[-1] = replace(found[-1], order_id=ids[0], words=f"{found[-1].words} {clause}".strip())
                continue
        if goal is None:
            if found and clause:
                found[-1] = replace(found[-1], words=f"{found[-1].words} {clause}".strip())
            continue
        found.append(Request(goal, ids[0] if ids else None, clause))
    only = named[0] if len(set(named)) == 1 else None
    requests: List[Request] = []
    for request in found:
        if request.goal != POLICY and not request.order_id and only:
            request = replace(request, order_id=only)
        if request.goal == POLICY or all((r.goal, r.order_id) != (request.goal, request.order_id) for r in requests):
            requests.append(request)
    return requests


def wants_person(reading: Reading) -> bool:
    if asks_if_bot(reading.words) and not re.search(r"(talk|speak|chat) (to|with)|get me|want (a|to)", reading.words):
        return False
    if reading.confident("human_handoff"):
        return True
    return bool(reading.words) and bool(_PERSON.search(reading.words))


_BOT_CHALLENGE_EN = _words(r"are you (a |an )?(bot|robot|machine|ai|human|real|person|computer)", r"is this (a )?(bot|robot|human|real person)",
                           r"am i (talking|chatting|speaking) (to|with) (a )?(bot|robot|human|real person|machine)")
_BOT_CHALLENGE = _words(_BOT_CHALLENGE_EN.pattern, *answer_words.every("BOT_CHALLENGE"))
_LOST_NUMBER = _words(r"(can'?t|cannot|couldn'?t|don'?t|do not|didn'?t) (find|have|know|remember|get)( \w+){0,2} order (number|no|id|#)",
                      r"lost (my |the )?(order|confirmation)", r"no order (number|id)", r"without (the |an |my )?order (number|id)",
                      r"(deleted|lost|can'?t find) (the |my )?(confirmation|email)", *answer_words.every("LOST_NUMBER"))


# "Found it!" to the order-number help: the number comes next, so no "yes" to the person it offered.
_FOUND_NUMBER = _words(r"(found|got|have) (it|them|the number|my order number|the order number)", r"here it is",
                       *answer_words.every("FOUND_NUMBER"))
_NEGATION = _words(r"not|\w+n'?t|never|nicht|nie|kein\w*|pas|jamais|plus|no|non|nunca|ninguno|mai|不|没")


def found_order_number(words: str) -> bool:
    """The customer says they found the order number ("oh found it", "hab sie doch gefunden", "ya lo
    encontré", "je l'ai retrouvé", "l'ho trovato", "找到了"); not "I haven't found it" (any negation)."""
    return bool(_FOUND_NUMBER.search(words)) and not _NEGATION.search(words)


def asks_if_bot(words: str) -> bool:
    """"Are you a bot?" is a question about the assistant, not a request for a person."""
    return bool(_BOT_CHALLENGE.search(words))


_BOT_CHALLENGE_IN = {language: _words(*module.BOT_CHALLENGE) for language, module in answer_words.BY_LANGUAGE.items()}


def bot_challenge_language(words: str) -> Optional[str]:
    """The language of "¿eres un robot?", "sei un bot?", "tu es un robot ?": the one language whose words
    ask it (None: English's ask it, or several languages'). Three words are too few for the language
    detector, so such a first message came as English; its own words say the language to answer in."""
    if _BOT_CHALLENGE_EN.search(words):
        return None
    found = [language for language, pattern in _BOT_CHALLENGE_IN.items() if pattern.search(words)]
    return found[0] if len(found) == 1 else None


def lost_order_number(words: str) -> bool:
    return bool(_LOST_NUMBER.search(words))


_DONT_KNOW = _words(r"(i )?(don'?t|do not|dunno) (know|remember|have (it|a clue))", r"dunno", r"no (idea|clue)",
                    r"not sure", r"(can'?t|cannot) remember", r"(i )?forgot( it)?", *answer_words.every("DONT_KNOW"))


_CORRECTS_NUMBER = _words(r"(i )?meant", r"i mean", r"sorry", r"actually", r"wrong (number|one|order)", r"typo", r"oops",
                          r"correction", r"my (bad|mistake)", *answer_words.every("CORRECTS_NUMBER"))


def corrects_number(words: str) -> bool:
    """"oh sorry I meant 3001", "pardon, c'est la 4202", "说错了，是4503": a number said as a correction."""
    return bool(_CORRECTS_NUMBER.search(words))


def dont_know(words: str) -> bool:
    """A short "I don't know" / "weiß ich nicht mehr" / "不知道": to the order-number question, that the
    customer has not got it (not a stop, not a "no" to go on)."""
    return len(words.split()) <= 8 and bool(_DONT_KNOW.search(words))


def said_stop(reading: Reading) -> bool:
    """The words themselves say stop ("stop", "cancel", "start over"), whatever the NLU thought."""
    return bool(reading.words) and bool(_STOP.match(reading.words))


def wants_stop(reading: Reading) -> bool:
    """Stop, cancel (the task, not an order), start over. "cancel my order" is a request."""
    if reading.words and _STOP.match(reading.words):
        return True
    return reading.confident("stop") and "order" not in reading.words


_LEAD = re.compile(r"^((please|pls|so|and|hi|hello|hey|ok|okay|sorry|excuse me|also|but"
                   r"|hallo|moin|servus|bitte|und|aber|bonjour|bonsoir|salut|mais|hola|buenas|pero|ciao|salve|buongiorno"
                   r"|però)\b[,!.]?\s*)+")


def is_question(words: str) -> bool:
    words = words.strip()
    return words.endswith("?") or bool(_QUESTION_START.match(_LEAD.sub("", words)))


def not_received(words: str) -> bool:
    return bool(_NOT_RECEIVED.search(words))


def asks_window(words: str) -> bool:
    """"Can I still return it?": the return deadline of this very order is wanted."""
    return bool(_ASKS_WINDOW.search(words))


def already_sent(words: str) -> bool:
    return bool(_ALREADY_SENT.search(words))


def goals_in(words: str) -> List[str]:
    """The requests the words make, in order (each once)."""
    found: List[str] = []
    for clause in _CLAUSE.split(words):
        goal = next((g for g, pattern in _GOAL_WORDS if pattern.search(clause)), None)
        if goal is not None and goal not in found:
            found.append(goal)
    return found
