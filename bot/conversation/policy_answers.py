"""Questions about the return policy ("how long do I have?", "who pays return shipping?"), answered
from the merchant's policy.yml (`bot.policy.Policy`): the facts come from the policy, the wording
from the catalogue, so a change to either shows everywhere. Pure. Questions in other languages are
recognised by each language's `POLICY` table in `bot.answer_words` (one place per language), read
whatever the conversation's language."""
from __future__ import annotations

import re
from typing import List, Optional, Sequence

from bot import answer_words
from bot import responses as said
from bot.catalogue import catalogue
from bot.conversation.say import Say
from bot.models import Resolution, ReturnReason
from bot.policy import Policy
from bot.replies import resolution_name


def _words(*alternatives: str) -> re.Pattern:
    return re.compile(r"(?<![a-z])(?:%s)" % "|".join(alternatives))


def _topic(name: str) -> tuple:
    """One topic's cues in every other language ("wer zahlt", "qui paie", "谁付")."""
    return tuple(cue for module in answer_words.BY_LANGUAGE.values() for cue in module.POLICY.get(name, ()))


# (topic, cue) in order of precedence: the first topic whose cue is in the question answers it.
_TOPICS = [
    ("shipping_refund", _words(*_topic("shipping_refund"), r"refund(ed)? (the |my )?(original )?(shipping|postage|delivery)",
                               r"(shipping|postage|delivery)( costs?| fees?| charges?)? (is |are |be |get )?refund",
                               r"(get|money) back (for|on) (the )?(shipping|postage|delivery)",
                               r"shipping (back )?(included|too) in (the )?refund")),
    ("refund_timing", _words(*_topic("refund_timing"), r"how long (does|do|will|until) (a |the |my )?refunds?", r"how (long|soon|quickly|fast)\b.*\brefund",
                             r"when (will|do|would) i (get|receive|see) (a |the |my )?(refund|money)",
                             r"refunds? (take|takes|time|timing|processing)", r"days? (for|to get) (a |the |my )?refund",
                             r"(how (long|many days)|when).{0,40}(money back|refund)",
                             r"(how (long|many days)|when).{0,40}(money|funds|cash)( \w+){0,2} back")),
    ("shipping_cost", _words(*_topic("shipping_cost"), r"who pays", r"pay (for )?(the )?(return )?(shipping|postage|label)",
                             r"(return|returns) (shipping|postage|label)s? (free|cost|charge)",
                             r"free returns?", r"returns? (are |is )?free", r"cost (me )?(anything|money) to return",
                             r"charge (me )?(for|to) (return|send)", r"(shipping|postage|label) (is |be )?(free|paid|covered)",
                             r"how much (is|does|for) (the )?(return|label|shipping)", r"prepaid label")),
    ("non_returnable", _words(*_topic("non_returnable"), r"non.?returnable",
                              r"(can|could) (i|you|we) (return|send back|give back) (an? |my |the )?(opened|used|worn|sale|clearance|"
                              r"underwear|swimwear|gift ?cards?|perishable|food|digital|software|personali[sz]ed|custom)",
                              r"(what|which) (items?|things|products) (can|can'?t|cannot) (be |i )?return",
                              r"(can'?t|cannot|not) be returned", r"exceptions?", r"final sale",
                              r"(return|returning) (an? )?(opened|used|worn|sale|underwear|gift card|perishable|digital)")),
    ("ship_back", _words(*_topic("ship_back"), r"how long (do i have )?to (send|ship|post|mail) (it |them |the \w+ )?back",
                         r"how (long|many days).{0,30}(to |i )(send|ship|post|mail|drop)( it| them| off)",
                         r"(send|ship|post|mail) (it |them )?back (within|by|before)", r"deadline to (send|ship|post)",
                         r"after (i get |getting )?(the |my )?(label|rma|slip)")),
    ("window", _words(*_topic("window"), r"how (long|many days)", r"return (window|period|deadline|time ?frame|time limit)",
                      r"(if|in case) .{0,40}(can|could) i (still )?(send|return|give) (it|them) back",
                      r"(\d+|thirty|fourteen) days", r"too late to return", r"still (return|send)", r"time limit",
                      r"within (how|what)", r"days? (do i have|to return)", r"until when (can|could|do|may)",
                      r"(the )?days? (for|to) (give|giving|send|sending|return|returning)( \w+)? back")),
    ("exchange", _words(*_topic("exchange"), r"exchange", r"swap", r"store credit", r"different size", r"instead of (a )?refund")),
    ("returnless", _words(*_topic("returnless"), r"keep (it|the item)", r"without (sending|returning)", r"returnless")),
    ("general", _words(*_topic("general"), r"return policy", r"refund policy", r"policy", r"how (do|does) (returns?|returning) work",
                       r"(your|the) (returns?|refunds?) (rules|terms|conditions)", r"terms")),
]
_POLICY_HINT = _words(*answer_words.every("POLICY_HINT"), r"polic", r"how long", r"how many days", r"who pays", r"free return", r"return shipping",
                      r"refund shipping", r"shipping refund", r"non.?returnable", r"return window", r"return period",
                      r"days to return", r"days for (give|giving|send|sending|return)", r"exchange policy",
                      r"(if|in case) .{0,40}(can|could) i (still )?(send|return|give) (it|them) back", r"store credit", r"shipping", r"postage", r"deadline", r"until when",
                      r"can i (return|give back|send back) (an? )?(opened|used|worn|sale|underwear|gift|perishable|digital)")


# "if they don't fit / I don't like them, ...": asked before any return is made
_IF_UNWANTED = _words(*answer_words.every("IF_UNWANTED"),
                      r"(if|in case) (i|we|it|they|he|she) (\w+ ){0,2}(don'?t|do not|doesn'?t|does not|no longer) (\w+ )?(like|love|fit|want|need|suit|work)")


def topics_in(words: str) -> List[str]:
    """The policy topics a question asks about (most specific first); empty when it asks none. "If I
    don't like them, how long do I have to send them back?" asks the return window: no return has been
    accepted yet, so the days to ship one back are not what is wanted."""
    found = [topic for topic, cue in _TOPICS if cue.search(words)]
    if found[:1] == ["ship_back"] and "window" in found and _IF_UNWANTED.search(words):
        found.remove("ship_back")
    return found[:1] if found else []


def supposes_unwanted(words: str) -> bool:
    """"If I don't like it, ...", "y si no me gusta ...", "si ça ne va pas ...": a case supposed, so what
    follows asks about the rules (with no question mark needed) and gives no reason for a return."""
    return bool(_IF_UNWANTED.search(words))


def sounds_like_policy_question(words: str) -> bool:
    """A question about the rules rather than an answer or a request (used when the NLU is unsure)."""
    return bool(_POLICY_HINT.search(words)) and bool(topics_in(words))


def answer(policy: Policy, topic: Optional[str], channel: Optional[str] = None) -> Say:
    """The policy's answer on one topic (None: the general summary)."""
    if topic == "window":
        return Say(said.POLICY_WINDOW, {"window": window_text(policy, channel)})
    if topic == "ship_back":
        return Say(said.POLICY_SHIP_BACK, {"ship_back_days": policy.ship_back_days})
    if topic == "shipping_cost":
        key = said.POLICY_SHIPPING_MERCHANT if policy.return_shipping_paid_by == "merchant" else said.POLICY_SHIPPING_CUSTOMER
        return Say(key, {"free_reasons": _reasons(policy.free_return_reasons)})
    if topic == "shipping_refund":
        key = said.POLICY_SHIPPING_REFUNDED if policy.refund_original_shipping else said.POLICY_SHIPPING_NOT_REFUNDED
        return Say(key, {"free_reasons": _reasons(policy.free_return_reasons)})
    if topic == "refund_timing":
        return Say(said.POLICY_REFUND_TIMING, {"processing_days": policy.refund_processing_days,
                                               "bank_days": policy.bank_days})
    if topic == "non_returnable":
        return Say(said.POLICY_NON_RETURNABLE, {"categories": categories_text(policy)})
    if topic == "exchange":
        return Say(said.POLICY_EXCHANGE, {"resolutions": _or(_resolution_names(policy.resolutions))})
    if topic == "returnless":
        return Say(said.POLICY_RETURNLESS, {})
    return Say(said.POLICY_SUMMARY, {
        "window": window_text(policy, channel), "ship_back_days": policy.ship_back_days,
        "categories": categories_text(policy), "resolutions": _or(_resolution_names(policy.resolutions)),
        "shipping": catalogue().text(said.PHRASE_SHIPPING_FREE if policy.return_shipping_paid_by == "merchant"
                                     else said.PHRASE_SHIPPING_PAID_BY_YOU),
        "free_reasons": _reasons(policy.free_return_reasons)})


def window_text(policy: Policy, channel: Optional[str] = None) -> str:
    """"30 days after delivery", or per sales channel when they differ."""
    words, days = catalogue(), policy.return_window_days
    if channel and channel in days:
        return words.text(said.PHRASE_DAYS_AFTER_DELIVERY, days=days[channel])
    if len(set(days.values())) <= 1:
        return words.text(said.PHRASE_DAYS_AFTER_DELIVERY, days=next(iter(days.values()), 30))
    each = [words.text(said.PHRASE_DAYS_FOR_CHANNEL, days=n,
                       channel=words.text(said.CHANNEL_NAMES[c]) if c in said.CHANNEL_NAMES else c)
            for c, n in sorted(days.items())]
    return words.text(said.PHRASE_WINDOWS_FROM_DELIVERY, windows="; ".join(each))


def categories_text(policy: Policy) -> str:
    return _and(sorted(c.replace("_", " ") + "s" if c == "gift_card" else c.replace("_", " ")
                       for c in policy.non_returnable_categories)) or catalogue().text(said.PHRASE_NONE)


def _reasons(reasons) -> str:
    words = catalogue()
    named = [words.text(said.FREE_RETURN_REASONS[r]) for r in ReturnReason
             if r in reasons and r in said.FREE_RETURN_REASONS]
    return _or(named) or words.text(said.PHRASE_IF_FAULTY)


def _resolution_names(resolutions: Sequence[Resolution]) -> List[str]:
    return [resolution_name(r) for r in resolutions]


def _join(items: Sequence[str], key: str) -> str:
    """"a, b and c": the list as a sentence names it."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return catalogue().text(key, items=", ".join(items[:-1]), last=items[-1])


def _and(items: Sequence[str]) -> str:
    return _join(items, said.PHRASE_LIST_AND)


def _or(items: Sequence[str]) -> str:
    return _join(items, said.PHRASE_LIST_OR)
