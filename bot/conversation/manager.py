"""The dialogue manager: one customer message in, what to say and the state to keep out.

`DialogueManager.handle(conversation_id, state, reading)` decides the whole turn (docs/conversation.md
lists the order of the checks): a person and stop always work; "yes"/"no" answer the bot's last offer;
then the message is read as an answer to the step waited for, a correction, a detour or a new request.
Changes go through `ReturnsService`, each atomic and idempotent, so a turn that fails half way can
be repeated: the caller keeps the old state and tells the customer (see actions/converse.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Callable, List, Optional, Sequence, Tuple

from bot import answer_words, choices
from bot import responses as said
from bot.catalogue import catalogue, speaking
from bot import text as textlib
from bot.conversation import outcomes
from bot.conversation import policy_answers as policy_qa
from bot.conversation.reading import (POLICY, Reading, Request, already_sent, asks_if_bot, asks_window, goals_in,
                                      bot_challenge_language, corrects_number, dont_know, found_order_number,
                                      is_question, lost_order_number, not_received, requests_in, said_stop,
                                      wants_person, wants_stop)
from bot.conversation.say import Button, Say, payload
from bot.conversation.state import RETURN_GOALS, Offer, Queued, State, Step, Task
from bot.handoffs.types import HandoffFacts
from bot.language import LANGUAGES, conversing_in, han_share, only_asks_for_language
from bot.models import (Ineligibility, Money, Order, OrderLine, OrderStatus, Outcome, Resolution, ReturnReason,
                        RmaStatus)
from bot.policy import CancelDecision, can_cancel_single_items, decide_cancel
from bot.replies import day as replies_day
from bot.replies import money as replies_money
from bot.replies import price as replies_price
from bot.replies import units as titled_units
from bot.replies import with_language as replies_with_language
from bot.services import NotVerified, ReturnResult, ReturnsService, lines_left_to_return

TAG_RMA_REQUEST = "rma_request"
_QUESTION_WORD = re.compile(r"^(how|what|when|where|who|why|which|do|does|is|are|will|would|should|%s)\b"
                            % "|".join(w.strip() for m in answer_words.BY_LANGUAGE.values()
                                       for w in m.QUESTION_WORDS.split(",") if w.strip()))
_QUESTION_LEAD = re.compile(r"^(can|could|may|would) (i|you|we) (please )?(get|have|do|make it|just)?\s*"
                            r"|^(?:%s)" % "|".join(answer_words.every("ASKING_LEAD")))  # "kann ich", "puedo", "可以"
STATUS_GOALS = ("return_status", "refund_status")
RMA_RELATED_GOALS = set(RETURN_GOALS) | set(STATUS_GOALS)
MAX_MISSES = 2  # unreadable answers in a row before a person is offered


def _with_languages(english: str, table: str) -> "re.Pattern[str]":
    """The English alternatives between word boundaries, then the same table of every other language
    (`bot.answer_words`): its Chinese words anywhere, since Chinese has no word boundaries."""
    others, han = answer_words.alternatives(table), answer_words.alternatives(table, han=True)
    return re.compile(rf"\b({english}|{others})\b" + (f"|{han}" if han else ""), re.IGNORECASE)


# "cancel part of my order", "remove some items": which ones is asked, not the whole order offered
_PART_OF_ORDER = _with_languages(r"part|parts|some|few|certain|individual|single|partial|partially|not all|"
                                 r"not everything|not the whole|one of the|one item|one thing|an item|some items|"
                                 r"items? (from|of|in)|things? (from|of|in)", "PART_OF_ORDER")
_EVERYTHING = _with_languages(r"everything|all of it|it all|the lot|(the )?(whole|entire|full) (order|thing|lot)|"
                              r"all (the )?items|all of them", "EVERYTHING")
_SAYS_EXCHANGE = _with_languages(r"exchang\w*|swap\w*|replace\w*|different (size|colou?r|one)|another (size|colou?r|one)|"
                                 r"bigger|smaller|larger", "SAYS_EXCHANGE")
_KEEP_ALL = _with_languages(r"keep|keeping|still want|don'?t cancel|do not cancel|leave", "KEEP")
_UNWANTED = _with_languages(r"(don'?t|do not|no longer|never) (really |even )?(need|want|require)", "UNWANTED")
_CANCEL_VERB = _with_languages(r"cancel|cancell?ation|remove|drop", "CANCEL_VERB")
_ALSO = _with_languages(r"also|too|as well|plus|in addition|additionally", "ALSO")
# the clauses of a reason said for several items: "the jersey is too small and the lights too dim"
_CLAUSE_BREAK = re.compile(r"[.;!?()]+|,? but |,? and |,? while |, ", re.IGNORECASE)
# "no wait, store credit instead", "actually make it an exchange": a choice made just before, changed
_CORRECTS = re.compile(r"\b(instead|actually|rather|wait|hang on|make it|switch (it )?to|"
                       r"change (it |that )?to)\b", re.IGNORECASE)
# "sorry wrong one", "oops, wrong one": the customer's own answer before, said with the new one
_OWN_SLIP = re.compile(r"\b(sorry|oops|whoops|my bad)[,.!]? (the |a )?(wrong|incorrect|old) one\b",
                       re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    state: State
    says: Tuple[Say, ...]


def _progress(task: Optional[Task]) -> Optional[Task]:
    """A task as far as the customer's answers go (words kept for later are not an answer)."""
    return replace(task, pending_words="") if task is not None else None


class DialogueManager:
    def __init__(self, returns: ReturnsService, opt_out: Callable[[str], None], opt_in: Callable[[str], None],
                 external_returns: Callable[[str], Sequence], portal_url: str):
        self.returns = returns
        self.opt_out, self.opt_in = opt_out, opt_in
        self.external_returns = external_returns  # returns made on the merchant's returns platform
        self.portal_url = portal_url

    def handle(self, conversation_id: str, state: State, reading: Reading) -> Turn:
        """One message. It is answered in its language (`reading.language`), or in the conversation's
        when it came with none; every phrase and button title of the turn is that language's
        (`bot.catalogue.speaking`), and the state keeps the language for the next message."""
        language = reading.language if reading.language in LANGUAGES else state.language
        if language in (None, "en"):  # "¿eres un robot?": too short for the gateway's detector, not for its words
            language = bot_challenge_language(reading.words) or language
        turn = _Turn(self, conversation_id, replace(state, language=language), reading)
        # the readers' language: the gateway's choice for this message (its words, else the conversation's);
        # without one (no gateway), the state's "en" may be a mere default: the readers then read the words
        heard = reading.language if reading.language in LANGUAGES else None
        with speaking(language), conversing_in(heard):
            turn.run()
        return Turn(turn.state, tuple(turn.says))


class _Turn:
    """One message being handled: the state as it changes, and what is said."""

    def __init__(self, manager: DialogueManager, conversation_id: str, state: State, reading: Reading):
        self.m, self.returns, self.conv = manager, manager.returns, conversation_id
        self.state, self.r = state, reading
        self.says: List[Say] = []
        self._order: Optional[Order] = None
        self.proof_refused = False  # this message's email or postcode did not match: already said so
        self.focus: Optional[str] = None  # the words of the request in hand, when the message made several
        self._open: Optional[Tuple[str, List[OrderLine]]] = None
        self._previews: dict = {}
        self._read_now: set = set()  # orders looked up at their marketplace in this turn (once is enough)

    # -- plumbing -----------------------------------------------------------------------------------
    def say(self, key: str, buttons: Sequence[Button] = (), attachment=None, **values) -> None:
        self.says.append(Say(key, values, tuple(buttons), attachment))

    @property
    def task(self) -> Optional[Task]:
        return self.state.task

    def set_task(self, task: Optional[Task]) -> None:
        self.state = replace(self.state, task=task)

    def update_task(self, **changes) -> Task:
        self.set_task(replace(self.task, **changes))
        if "order_id" in changes or "verified" in changes:
            self._order = None
        return self.task

    def offer(self, offer: Optional[str], order_id: Optional[str] = None) -> None:
        self.state = replace(self.state, offer=offer, offer_order=order_id)

    def order(self) -> Order:
        """The task's order, verified (read once a turn)."""
        if self._order is None:
            self._order = self.returns.verified_order(self.conv, self.task.order_id)
        return self._order

    def still_verified(self) -> None:
        """A task verified in an earlier turn whose verification is gone (expired, or the customer's data
        erased meanwhile) asks for the proof again, keeping the customer's words, instead of failing the
        turn. The order read here is the turn's one read of it."""
        if self.task is not None and self.task.verified and self.task.order_id:
            try:
                self.order()
            except NotVerified:
                self.update_task(verified=False)

    # -- the turn -----------------------------------------------------------------------------------
    def run(self) -> None:
        self.read_order_id_answer()
        r = self.r
        if not r.button and only_asks_for_language(r.text):  # before "can we speak English" reads as a person
            return self.language_changed()
        if self.doesnt_know_order_number():  # before "weiß ich nicht mehr" reads as a stop or a "no"
            self.offer(Offer.PERSON)  # its words offer a person who can help find it
            return self.say(said.FIND_ORDER_NUMBER)
        if wants_person(r):
            requests = [q for q in requests_in(r) if q.goal != POLICY and q.order_id] if self.task is None else []
            if not requests:
                return self.person()
            self.person(also=True)  # "return the webcam from X, and I need someone about billing": both
        offer, offer_order = self.state.offer, self.state.offer_order
        if self.cancel_correction():  # "no, only the pen", "ok, cancel everything": before a stop could read it
            return None
        if self.resolution_correction():  # "ah no wait, store credit instead please": not a stop either
            return None
        if wants_stop(r) and (said_stop(r) or not (self.answers_step() or self.says_yes_to_offer())):
            return self.stop()
        self.offer(None)
        if offer is not None:
            yes = self.yes_no()
            if yes is not None and not self.has_lookup_entity() and not self.found_order_number() \
                    and not (offer == Offer.PERSON and self.turns_to_items()) \
                    and (r.goal is None or offer in (Offer.CONFIRM_CANCEL, Offer.START_RETURN)):
                return self.answer_offer(offer, offer_order, yes)
        if asks_if_bot(r.words):
            self.say(said.I_AM_A_BOT)
            return self.reprompt(resume=False)
        if r.confident("stop_updates") or r.confident("start_updates"):
            (self.m.opt_out if r.intent == "stop_updates" else self.m.opt_in)(self.conv)
            self.say(said.UPDATES_STOPPED if r.intent == "stop_updates" else said.UPDATES_STARTED)
            return self.reprompt()
        if self.task is not None:
            return self.continue_task()
        return self.without_task()

    def language_changed(self) -> None:
        """"English please", "können wir auf Deutsch schreiben?": the turn is already in that language (the
        gateway chose it); said so, then the question the task waits for again, or what else to help with."""
        self.say(said.LANGUAGE_CHANGED)
        if self.task is not None:
            return self.reprompt(resume=False)
        self.offer(None)  # the offer's question was in the other language: the customer starts afresh
        self.say(said.HOW_CAN_I_HELP)

    def read_order_id_answer(self) -> None:
        """The bot asked for the order number: a number said in the answer's sentence is that number
        ("oh wait found it, it's 1042", "gefunden: 4101", "ya lo encontré, es el 4301"; `textlib.order_id_in_answer`
        says which numbers are not). Read first, as an entity, so that nothing reads the message as a "yes"
        to the person the order-number help offered, a complaint, or a loop back into that help. Asked for
        the order's proof, a number said as a correction ("oh sorry I meant 3001") is the order number."""
        r, task = self.r, self.task
        if task is None or r.button or "order_id" in r.entities:
            return
        if task.step == Step.ORDER_ID:
            found = textlib.order_id_in_answer(r.text)
        elif task.step == Step.PROOF and not task.verified and corrects_number(r.words):
            found = textlib.order_id_in_answer(r.text)  # "oh sorry I meant 3001": the order number, corrected
            found = found if found != task.order_id else None
        else:
            return
        if found:
            self.r = replace(r, entities={**r.entities, "order_id": found},
                             all_values=r.all_values + (("order_id", found),))

    def doesnt_know_order_number(self) -> bool:
        """"I don't know", "weiß ich nicht mehr", "不知道" to the order-number question: where to find it."""
        task, r = self.task, self.r
        return (task is not None and task.step == Step.ORDER_ID and not r.button and "order_id" not in r.entities
                and not r.entities.get("tracking_number") and dont_know(r.words))

    def found_order_number(self) -> bool:
        """"Found it!" while the bot waits for the order number: the number comes next ("ya lo encontré"
        is no "yes" to the person the help offered, nor a wrong order number)."""
        return self.task is not None and self.task.step == Step.ORDER_ID and found_order_number(self.r.words)

    def answers_step(self) -> bool:
        """Whether the message reads as a plain answer to the question the task waits for ("store
        credit", "changed my mind", "the second one"): then it is not a stop, a detour or a new request."""
        task, words = self.task, self.r.words
        if task is None or not words:
            return False
        if task.step == Step.RESOLUTION:
            return self.resolution_answer() is not None
        if is_question(words):
            return False
        if task.step == Step.REASON:
            return choices.read_reason(self.r.text).confident
        if task.step in (Step.LINES, Step.QUANTITY) and task.verified:
            order = self.order()
            if task.step == Step.LINES:
                return choices.read_lines(words, self.open_lines(order)) is not None
            line = order.line(task.line_ids[0]) if task.line_ids else None
            return line is not None and choices.read_quantity(words, line.returnable_quantity) is not None
        if task.step == Step.PROOF:
            return "email" in self.r.entities or "postcode" in self.r.entities
        return False

    def resolution_answer(self) -> Optional[Resolution]:
        """A typed answer to "refund, exchange or store credit?": the words, or the option's number."""
        words = (self.focus if self.focus is not None else self.r.words).strip(" .!")
        if not words:
            return None
        if words.isdigit() and self.task is not None and self.task.line_ids and self.task.reason:
            order = self.order()
            previews = [self.preview(order, i, ReturnReason(self.task.reason)) for i in self.task.line_ids]
            allowed = next((d.allowed_resolutions for d in previews if d.outcome is Outcome.RMA), ())
            number = int(words)
            return allowed[number - 1] if 1 <= number <= len(allowed) else None
        if _QUESTION_LEAD.match(words):  # "can I get store credit?", "can I swap it for a bigger size" ask for one
            read = choices.read_resolution(_QUESTION_LEAD.sub("", words), list(Resolution))
            if read is not None:
                return read
        if is_question(words) and policy_qa.sounds_like_policy_question(words):
            return None  # "is store credit possible for sale items?" asks about the policy
        read = choices.read_resolution(words, list(Resolution))
        if read is None and words.endswith("?") and not _QUESTION_WORD.match(words):
            read = choices.read_resolution(words.rstrip("?"), list(Resolution))  # "swap them for a large instead?"
        return read

    def says_yes_to_offer(self) -> bool:
        """A "yes" to the bot's offer in the words ("va, pásamelo"): the NLU's guess that it says stop
        does not outweigh it (words that say stop themselves do: `said_stop`)."""
        return self.state.offer is not None and bool(self.r.words) and choices.read_yes_no(self.r.words) is True

    def yes_no(self) -> Optional[bool]:
        if self.r.confident("affirm"):
            return True
        if self.r.confident("deny"):
            return False
        return choices.read_yes_no(self.r.words) if self.r.words else None

    # -- always available ---------------------------------------------------------------------------
    def person(self, also: bool = False) -> None:
        """A case for a person, with what the task knows. `also`: the message asks for more, which the
        bot goes on to handle (the case stays open for the person)."""
        task = self.task
        order_id = task.order_id if task is not None and task.verified else None
        summary = "The customer asked to talk to a person."
        if task is not None:
            summary += f" They were asking about: {task.goal or 'an order'}"
            summary += f" (order {order_id})." if order_id else "."
            if task.reason_words:
                summary += f" Their words: {task.reason_words[:200]}"
        handoff = self.open_case("customer_request", order_id, summary, task.reason_words if task is not None else "")
        if also:
            return self.say(said.HANDOFF_AND_GO_ON, case_id=f"#{handoff.handoff_id}")
        self.state = replace(self.state, task=None, queued=(), misunderstood=0)
        self.say(said.HANDOFF, case_id=f"#{handoff.handoff_id}")

    def open_case(self, reason: str, order_id: Optional[str], summary: str, words: str):
        """A case for the agents in Slack, with the customer's words and language."""
        facts = HandoffFacts(order_id=order_id, words=words, language=self.state.language)
        return self.returns.open_handoff(self.conv, reason, order_id, summary, facts=facts)

    def stop(self) -> None:
        self.state = replace(self.state, task=None, queued=(), misunderstood=0)
        self.say(said.STOPPED)
        self.offer(Offer.ANYTHING_ELSE)

    def answer_offer(self, offer: str, order_id: Optional[str], yes: bool) -> None:
        if offer == Offer.PERSON:
            if yes:
                return self.person()
            if self.task is None:
                self.say(said.NO_PROBLEM_ANYTHING_ELSE)
                return self.offer(Offer.ANYTHING_ELSE)
            self.say(said.NO_PROBLEM)
            return self.reprompt()
        if offer == Offer.CONFIRM_CANCEL and self.task is not None and self.task.goal == "cancel":
            return self.confirm_cancel(yes)
        if offer == Offer.TRACK and yes and order_id:
            return self.start_task("track", order_id=order_id)
        if offer == Offer.START_RETURN and yes and order_id:
            return self.start_task("return", order_id=order_id)
        if offer == Offer.ANYTHING_ELSE and yes:
            return self.say(said.HOW_CAN_I_HELP)
        if self.task is not None:
            return self.reprompt()
        self.say(said.GOODBYE if offer == Offer.ANYTHING_ELSE else said.NO_PROBLEM_ANYTHING_ELSE)
        if offer != Offer.ANYTHING_ELSE:
            self.offer(Offer.ANYTHING_ELSE)

    # -- no request in hand ---------------------------------------------------------------------------
    def without_task(self) -> None:
        r = self.r
        requests = requests_in(r)
        asked = [q for q in requests if q.goal == POLICY]
        wanted = [q for q in requests if q.goal != POLICY]
        if self.policy_question() and not (wanted and r.goal):
            for question in asked or [Request(POLICY, None, r.words)]:
                self.answer_policy(question.words)
            if wanted and any(q.order_id for q in wanted):  # "where is #2145, and do you refund shipping?"
                self.queue(wanted[1:])
                return self.start_task(wanted[0].goal, wanted[0].order_id, wanted[0].words)  # not the question
            return None
        for question in asked:
            self.answer_policy(question.words)
        goal = r.goal or self.goal_from_words()
        if r.goal and asked and wanted and not any(q.goal == goal or {q.goal, goal} <= set(RETURN_GOALS) for q in wanted):
            goal = None  # "where is #4103, and how long would I have to send the cups back?": the NLU read the question
        if goal == "track" and self.reads_as_return():
            goal = "return"  # "I bought shorts on eBay, order 14-..., they're huge": a reason, no "where is it"
        if goal == "cancel" and "cancel" not in goals_in(r.words) and self.reads_as_return(had_it=True):
            goal = "return"  # "got these slides off your ebay shop, too small for my son": no word of cancelling
        if goal is None and "tracking_number" in r.entities:
            goal = "track"  # "I only have the tracking number ...": where it is, once verified
        if goal is None and self.names_items_or_reason():
            goal = "return"  # "you sent me the wrong item", "and the socks too please"
        if goal in RETURN_GOALS and already_sent(r.words):
            goal = "return_status"  # "I already posted it back": where it stands, not a new return
        if goal is not None:
            family = RETURN_GOALS if goal in RETURN_GOALS else STATUS_GOALS if goal in STATUS_GOALS else (goal,)
            chosen = next((q for q in wanted if q.goal == goal), None) or next(
                (q for q in wanted if q.goal in family), None)
            if chosen is None:
                primary = Request(goal, r.entities.get("order_id"), r.words)
            elif goal in ("refund", "exchange") and chosen.goal in family and chosen.goal != goal \
                    and choices.read_resolution(chosen.words, list(Resolution)) is None:
                primary = chosen  # the NLU's guess at a resolution the words never ask for
            else:
                primary = replace(chosen, goal=goal)
            same_answer = [q for q in wanted if goal in STATUS_GOALS and q.goal in STATUS_GOALS
                           and q.order_id in (primary.order_id, None)]  # one status answer covers both
            self.queue([q for q in wanted if q is not chosen and q not in same_answer])
            several = len(wanted) > 1  # only then do a request's own words matter more than the message's
            return self.start_task(primary.goal, primary.order_id, primary.words if several else None)
        if wanted:
            self.queue(wanted[1:])
            return self.start_task(wanted[0].goal, wanted[0].order_id, wanted[0].words if len(wanted) > 1 else None)
        if r.confident("no_order_number") or self.has_lookup_entity():
            return self.start_task("")
        if asked:
            return None
        intent = r.intent if r.confidence >= 0.5 else None
        if intent == "greet":
            return self.say(said.GREET)
        if intent == "thank":
            self.say(said.YOU_ARE_WELCOME)
            return self.offer(Offer.ANYTHING_ELSE)
        if intent == "goodbye":
            return self.say(said.GOODBYE)
        if intent == "ask_help":
            return self.say(said.HELP)
        if intent in ("affirm", "deny"):
            return self.say(said.HOW_CAN_I_HELP if intent == "affirm" else said.GOODBYE)
        if intent == "out_of_scope":
            return self.not_understood(said.OUT_OF_SCOPE)
        self.not_understood()

    def names_items_or_reason(self) -> bool:
        """Words that only make sense as a return: a reason ("you sent the wrong item"), or an item of
        the order verified last ("and the socks too")."""
        words = self.r.words
        if not words or is_question(words):
            return False
        last = self.state.last_order
        if choices.reason_in(self.r.text) is not None and not last:
            return True  # "you sent me the wrong item" (after a finished return it only repeats that one)
        if last and self.returns.is_verified(self.conv, last):
            order = self.returns.verified_order(self.conv, last)
            return bool(choices.mentioned_lines(words, order.lines))
        return False

    def names_items_or_reason_of(self, order: Order) -> bool:
        """Words that name an item of `order` or a reason to return one: a return of it."""
        words = self.r.words
        if not words or self.r.button or is_question(words):
            return False
        return bool(choices.mentioned_lines(words, order.lines)) or choices.reason_in(
            choices.without_titles(self.r.text, order.lines)) is not None

    def resolution_correction(self) -> bool:
        """"ah no wait, store credit instead please" once the return is issued: the returns this
        conversation was just given on the order change to that resolution (while nothing is sent back
        yet). Only with words that correct ("instead", "actually", "wait", "rather", "make it") and a
        resolution, and nothing else asked: no order number, no item of another return."""
        r = self.r
        if self.task is not None or r.button or not r.words or not self.state.last_order \
                or not _CORRECTS.search(r.words) or self.has_lookup_entity() or is_question(r.words):
            return False
        resolution = choices.read_resolution(r.words, list(self.returns.policy.resolutions))
        if resolution is None or not self.returns.is_verified(self.conv, self.state.last_order):
            return False
        order = self.returns.verified_order(self.conv, self.state.last_order)
        named = {line.line_id for line in choices.mentioned_lines(r.words, order.lines)}
        mine = [rma for rma in self.returns.returns_of(order) if rma.conversation_id == self.conv
                and rma.outcome is Outcome.RMA and rma.status is RmaStatus.LABEL_CREATED
                and (not named or rma.line_id in named)]
        changed = [self.returns.change_resolution(self.conv, rma.rma_id, resolution) for rma in mine
                   if rma.resolution is not resolution]
        changed = [c for c in changed if c is not None]
        if not changed:
            return False
        for result in changed:
            self.says.append(outcomes.return_outcome(result, self.returns.policy.ship_back_days,
                                                     self.returns.policy.bank_days))
        self.state = replace(self.state, misunderstood=0)
        return True

    def turns_to_items(self) -> bool:
        """"oh ok. what about the socks then, they're too small" after the bot offered a person for an item
        it cannot take back: the "ok" takes the answer in, the message goes on to another item of the
        order in hand, which is what the customer wants next (not the person)."""
        words, order_id = self.r.words, self.state.last_order
        if not words or not order_id or not self.returns.is_verified(self.conv, order_id):
            return False
        order = self.returns.verified_order(self.conv, order_id)
        return bool(choices.mentioned_lines(words, order.lines))

    def reads_as_return(self, had_it: bool = False) -> bool:
        """Words with a reason to send an item back (too big, broken, the wrong one) and nothing that asks
        where an order is: what the NLU read as tracking ("bought", "order 1234") is a return. `had_it`:
        only a reason the customer can know once the item is in their hands (the fit, a fault, the wrong
        item; not "I don't need it anymore", which fits a cancel as well)."""
        words = self.r.words
        if not words or is_question(words) or not_received(words) or "track" in goals_in(words):
            return False
        reason = choices.reason_in(self.r.text)
        if had_it and reason == ReturnReason.CHANGED_MIND:
            return False
        return reason is not None and reason != ReturnReason.OTHER

    def goal_from_words(self) -> Optional[str]:
        """A request the words make when the NLU was not sure (or read an answer)."""
        if self.r.intent not in ("nlu_fallback", "inform", "out_of_scope") and self.r.confidence >= 0.5:
            return None
        found = goals_in(self.r.words)
        if not found and not_received(self.r.words):
            return "track"  # "it shows delivered to the wrong address": where it is, then a person
        return found[0] if found else None

    def has_lookup_entity(self) -> bool:
        return any(k in self.r.entities for k in ("order_id", "tracking_number", "email", "postcode"))

    def not_understood(self, first: str = said.CLARIFY) -> None:
        """Not understood (or off topic): say so; the second time in a row, offer a person."""
        count = self.state.misunderstood + 1
        self.state = replace(self.state, misunderstood=count)
        if count >= MAX_MISSES:
            self.say(said.OFFER_HUMAN)
            self.offer(Offer.PERSON)
        else:
            self.say(first)

    def policy_question(self) -> bool:
        r = self.r
        if r.button:
            return False
        if r.confident("ask_policy"):
            return True
        goalish = r.goal is not None or r.intent in ("affirm", "deny", "human_handoff")
        return is_question(r.words) and policy_qa.sounds_like_policy_question(r.words) and not (
            goalish and r.confidence >= 0.8)

    def answer_policy(self, words: Optional[str] = None) -> None:
        topics = policy_qa.topics_in(words if words is not None else self.r.words)
        channel = None
        if self.task is not None and self.task.verified:
            channel = self.order().channel.value
        self.says.append(policy_qa.answer(self.returns.policy, topics[0] if topics else None, channel))
        self.state = replace(self.state, misunderstood=0)

    # -- starting and continuing a request ------------------------------------------------------------
    def start_task(self, goal: str, order_id: Optional[str] = None, words: Optional[str] = None) -> None:
        """A new request: about `order_id` when the customer named one, else the order verified last."""
        self.state = replace(self.state, misunderstood=0)
        note = self._note()
        if note == "already_sent" and goal in RETURN_GOALS:
            goal = "return_status"  # "I already posted it back": where it stands, not a new return
        if goal in RMA_RELATED_GOALS:
            self.returns.tag(self.conv, TAG_RMA_REQUEST)
            if not self.state.portal_shown:
                self.say(said.ACK_REQUEST, portal_url=replies_with_language(self.m.portal_url, self.state.language))
                self.state = replace(self.state, portal_shown=True)
        known = order_id or self.state.last_order
        verified = self.returns.is_verified(self.conv, known)
        self.focus = words
        if note == "asks_window" and not (order_id or self.r.entities.get("order_id")):
            self.answer_policy("how long do i have to return")  # "can I still send back a jumper?"
        self.set_task(Task(goal=goal, order_id=known if (verified or order_id) else None, verified=verified,
                           note=note))
        if not self.r.words and words:  # a queued request: its words, said earlier, may name items
            self.update_task(pending_words=words[-500:])
        self.absorb()
        self.advance()

    def queue(self, requests: Sequence[Request]) -> None:
        """Requests made in passing are done after the one in hand, and the customer is told so."""
        for request in requests:
            queued = Queued(request.goal, request.order_id, request.words[:300])
            if queued not in self.state.queued:
                self.state = replace(self.state, queued=self.state.queued + (queued,))
                self.say(said.QUEUED[request.goal])

    def _note(self) -> str:
        words = self.r.words
        if already_sent(words):
            return "already_sent"
        if asks_window(words):
            return "asks_window"
        if not_received(words):
            return "not_received"
        return self.task.note if self.task is not None else ""

    def continue_task(self) -> None:
        self.still_verified()
        r, task = self.r, self.task
        before = task
        if self.answers_step():
            return self.take_answer(before)
        requests = requests_in(r)
        asked = [q for q in requests if q.goal == POLICY]
        if self.policy_question() or asked:
            for question in asked or [Request(POLICY, None, r.words)]:
                self.answer_policy(question.words)
            self.queue([q for q in requests if q.goal != POLICY and (q.goal, q.order_id) != (task.goal, task.order_id)])
            return self.reprompt()
        if task.step == Step.CONFIRM_CANCEL and is_question(r.words):
            self.say(said.CANCEL_REFUND_NOTE, bank_days=self.returns.policy.bank_days)
            return self.reprompt(resume=False)
        goal = r.goal
        if goal is not None and self.only_names_items(goal):
            goal = None  # "no sorry, not the hat, the sandals" is no "where is my refund?"
        if goal is None and not r.button and task.step not in (Step.REASON, Step.LINES, Step.RESOLUTION, Step.QUANTITY):
            goal = self.goal_from_words()
        if goal is None and not r.button and is_question(r.words):
            goal = next((q.goal for q in requests if q.goal != POLICY), None)  # "which carrier brought it?"
        if goal is None and not task.goal and task.verified and self.names_items_or_reason_of(self.order()):
            goal = "return"  # "the straw hat", "they're too small" to "what would you like to do?"
        elsewhere = [q for q in requests if q.order_id and q.order_id != task.order_id]
        if goal is not None and goal != task.goal and not self._same_request(goal, task):
            mine = next((q for q in requests if q.goal == goal), None)
            self.queue([q for q in requests if q is not mine and q.goal != task.goal])
            return self.switch(goal, mine.order_id if mine else None, mine.words if mine else None)
        if elsewhere and task.verified:  # "and the beanie from #3014": done after this one
            self.queue(elsewhere)
        if goal is not None and goal != task.goal and task.goal in RETURN_GOALS and goal in RETURN_GOALS \
                and not is_question(r.words):
            self.refine(goal)
        note = self._note()
        if note != task.note:
            self.update_task(note=note)
        self.take_answer(before)

    def only_names_items(self, goal: str) -> bool:
        """In a return: the words name items of its order and make no request of their own ("ay no
        perdona, el sombrero no, las sandalias"), so the NLU's unsure guess at another request is not
        taken; a sure one, a question or words that ask for it are."""
        task, r = self.task, self.r
        if not (task.verified and task.goal in RETURN_GOALS) or goal in RETURN_GOALS or r.confidence >= 0.8:
            return False
        if not r.words or is_question(r.words) or goal in goals_in(r.words):
            return False
        return bool(choices.mentioned_lines(r.words, self.order().lines))

    def take_answer(self, before: Task) -> None:
        self.absorb()
        if self.task is not None and _progress(self.task) == _progress(before) and not self.says:
            return self.unread()
        self.advance()

    def _same_request(self, goal: str, task: Task) -> bool:
        return goal in RETURN_GOALS and task.goal in RETURN_GOALS

    def refine(self, goal: str) -> None:
        """"I'd rather exchange", "it's actually broken": the same return, with what the words add."""
        if goal == "exchange" and (self.task.step != Step.REASON or _SAYS_EXCHANGE.search(self.r.words)):
            self.update_task(resolution=Resolution.EXCHANGE.value)  # a reason ("got the same ones") is no exchange
        elif goal == "refund" and self.task.step != Step.REASON:
            self.update_task(resolution=Resolution.REFUND.value)
        elif goal == "damage":
            self.update_task(reason=ReturnReason.DAMAGED.value, goal="damage")

    def switch(self, goal: str, order_id: Optional[str] = None, words: Optional[str] = None) -> None:
        """Another request in the middle of one. About the verified order: answered in place, and the
        flow resumes. About another order: the task in hand waits (paused) until that one is done.
        Before verification: the new request takes over and the old one is queued."""
        task = self.task
        other_order = order_id is not None and order_id != task.order_id
        if task.verified and not other_order and goal in ("track", "return_status", "refund_status") \
                and task.goal in RETURN_GOALS:
            self.answer_about(goal, self.order())
            return self.reprompt()
        if task.verified and task.goal and other_order and task.step:
            self.state = replace(self.state, paused=task)
            self.set_task(None)
            return self.start_task(goal, order_id, words)
        if task.goal in RETURN_GOALS and not task.verified:
            self.state = replace(self.state, queued=(Queued(task.goal, task.order_id, task.pending_words),)
                                 + self.state.queued)
        if goal in RMA_RELATED_GOALS:
            self.returns.tag(self.conv, TAG_RMA_REQUEST)
        if other_order:
            self.set_task(Task(goal=goal, order_id=order_id, verified=self.returns.is_verified(self.conv, order_id)))
        else:
            self.update_task(goal=goal, step="", line_ids=(), quantity=None, resolution=None)
        self.focus = words
        self.absorb()
        self.advance()

    # -- reading what the message gives ---------------------------------------------------------------
    def absorb(self) -> None:
        """Takes from the message whatever it gives the task: an order number, a proof, items, a
        quantity, a reason, a resolution. Before verification, words that may name items are kept
        (`Task.pending_words`) and read once the order is verified."""
        r, task = self.r, self.task
        step = task.step
        raw = "" if r.button else r.text
        order_id = r.entities.get("order_id") or (textlib.parse_order_id(raw) if step == Step.ORDER_ID else None)
        if len(r.values("order_id")) > 1:
            order_id = None  # several orders named: each request took its own (requests_in)
        postcode = None
        if order_id and task.order_id and not task.verified and order_id != task.order_id:
            postcode = textlib.postcode_as_order_id(raw, order_id)  # "01067" answers the proof of the order named
            order_id = None if postcode else order_id
        if order_id and order_id != task.order_id:
            verified = self.returns.is_verified(self.conv, order_id)
            self.update_task(order_id=order_id, verified=verified, line_ids=(), quantity=None, misses=0)
            if not verified and task.order_id:
                self.update_task(proof=None)
        tracking = r.entities.get("tracking_number")
        if tracking and not self.task.order_id:
            found = self.returns.order_for_tracking(tracking)
            if found:
                self.update_task(order_id=found, verified=self.returns.is_verified(self.conv, found), misses=0)
            else:
                self.say(said.TRACKING_NUMBER_UNKNOWN)
        proof = r.entities.get("email") or r.entities.get("postcode") or postcode
        if not proof and step == Step.PROOF and raw:
            proof = textlib.parse_email(raw) or textlib.parse_postcode(raw)
        if proof and not self.task.verified:
            if self.task.order_id:
                self.check_proof(proof)
                if self.task is None:  # locked out: a person was offered
                    return
            else:
                self.update_task(proof=proof)
        if self.task.verified and self.task.goal in RETURN_GOALS:
            self.absorb_return_answers()
        elif not self.task.verified and r.words:
            words = self.focus if self.focus is not None else r.words
            self.update_task(pending_words=(self.task.pending_words + " " + words).strip()[-500:])
            said = self.focus if self.focus is not None else r.text
            volunteered = choices.reason_in(self.own_slip_out(said)) if self.task.goal in RETURN_GOALS else None
            if volunteered is not None and not self.task.reason:
                self.update_task(reason=volunteered.value, reason_words=said.strip()[:500])

    def own_slip_out(self, text: str) -> str:
        """"sorry wrong one, try my eircode T12 X70A": in a message that gives an email, a postcode or an
        order number, "wrong one" is about the customer's own last answer, not the item sent."""
        if not self.has_lookup_entity():
            return text
        return _OWN_SLIP.sub(" ", text)

    def check_proof(self, proof: str) -> None:
        task = self.task
        result = self.returns.verify(self.conv, task.order_id, proof)
        if result.verified:
            self.mention_staleness(task.order_id, result.stale_since)
            self.update_task(verified=True, proof=None, misses=0)
            self.state = replace(self.state, last_order=task.order_id, proof=proof)
            return
        self.update_task(proof=None, step=Step.PROOF)
        self.proof_refused = True
        if result.locked:  # the task stays: any proof for this order is refused the same way for a while
            self.say(said.VERIFICATION_LOCKED)
            self.offer(Offer.PERSON)
            return
        if result.unavailable:  # unknown here, and its marketplace is down: not the customer's mistake
            self.say(said.ORDER_SOURCE_UNREACHABLE, order_id=task.order_id)
            self.offer(Offer.PERSON)
            return
        self.say(said.VERIFICATION_FAILED_KEEP)  # word for word the same for any order number

    def absorb_return_answers(self) -> None:
        r, task = self.r, self.task
        order = self.order()
        step, words = task.step, (self.focus if self.focus is not None else r.words)
        had = task.line_ids
        open_lines = self.open_lines(order)
        line_id = r.entities.get("line_id")
        asks_to_return = bool(words) and bool(set(goals_in(words)) & set(RETURN_GOALS))
        chosen: Tuple[OrderLine, ...] = ()
        if line_id and order.line(line_id):
            chosen = (order.line(line_id),)
        elif line_id == "all":
            chosen = tuple(open_lines)
        elif words and step == Step.LINES:
            chosen = choices.read_lines(words, open_lines) or ()
        elif words and (not is_question(words) or asks_to_return):
            chosen = choices.mentioned_lines(words, order.lines)  # "can I return the gloves?" names them too
        if chosen and tuple(l.line_id for l in chosen) != task.line_ids:
            self.update_task(line_ids=tuple(l.line_id for l in chosen), quantity=None, misses=0,
                             step="" if step in (Step.LINES, Step.QUANTITY) else step)
        task = self.task
        lines = [order.line(i) for i in task.line_ids if order.line(i)]
        if len(lines) == 1 and lines[0].returnable_quantity > 1:
            most, pressed = lines[0].returnable_quantity, r.entities.get("quantity", "")
            if pressed.isdigit():
                quantity = int(pressed) if 1 <= int(pressed) <= most else None
            elif not words:
                quantity = None
            else:
                quantity = choices.read_quantity(words, most) if step == Step.QUANTITY else choices.quantity_in(words, most)
            if quantity is not None and quantity != task.quantity:
                self.update_task(quantity=quantity, misses=0)
        elif len(lines) > 1 and words:
            self.absorb_count_of_one(words, lines, order)
        reason = r.entities.get("return_reason")
        if reason in {x.value for x in ReturnReason}:
            self.update_task(reason=reason, misses=0)
        elif words and step == Step.REASON and not is_question(words) and not _only_yes_or_no(words):
            read = choices.read_reason(choices.without_titles(r.text, order.lines))
            if read.confident or not self._picks_other_lines(chosen or choices.read_lines(words, open_lines), had):
                self.update_task(reason=read.reason.value, reason_words=" ".join(r.text.split())[:500], misses=0)
        elif words and (not is_question(words) or asks_to_return):
            # also "actually they're too big"
            volunteered = choices.reason_in(self.own_slip_out(choices.without_titles(r.text, order.lines)))
            if volunteered is not None and volunteered.value != self.task.reason:
                self.update_task(reason=volunteered.value, reason_words=r.text.strip()[:500])
        if len(chosen) > 1 and not line_id and words:  # "the shoes are too small and the socks too big"
            self.one_reason_per_item(order, chosen, words)
        resolution = r.entities.get("resolution")
        if resolution in {x.value for x in Resolution}:
            self.update_task(resolution=resolution, misses=0)
        elif step == Step.RESOLUTION:
            read = self.resolution_answer()
            if read is not None:
                self.update_task(resolution=read.value, misses=0)
        elif words and not is_question(words):  # "socks too big refund": a resolution said in passing
            titles = {w for line in order.lines for w in re.findall(r"[a-z]+", line.title.lower())}
            rest = " ".join(w for w in re.findall(r"[\w'@.#-]+", words) if w not in titles)
            read = choices.read_resolution(rest, list(Resolution))  # "the gift card" is an item, not credit
            if read is not None:
                self.update_task(resolution=read.value, misses=0)

    @staticmethod
    def _picks_other_lines(chosen: Optional[Sequence[OrderLine]], had: Sequence[str]) -> bool:
        """Asked for the reason, words that name another item answer which item ("the socks, not the
        boots"); words about the item in hand ("it doesn't fit my phone", "the bike lights keep falling")
        are its reason, however they name it."""
        return bool(chosen) and not {line.line_id for line in chosen} <= set(had)

    def open_lines(self, order: Order) -> List[OrderLine]:
        """Lines with something left to return and no return yet (read once a turn)."""
        if self._open is None or self._open[0] != order.order_id:
            taken = {rma.line_id for rma in self.returns.returns_of(order)}
            self._open = (order.order_id, [line for line in lines_left_to_return(order) if line.line_id not in taken])
        return list(self._open[1])

    def preview(self, order: Order, line_id: str, reason: ReturnReason):
        """What the policy would decide (read once a turn per line and reason)."""
        key = (order.order_id, line_id, reason)
        if key not in self._previews:
            self._previews[key] = self.returns.preview_return(self.conv, order.order_id, line_id, reason)
        return self._previews[key]

    def unread(self) -> None:
        """The message answered nothing the task needs: small talk, or an answer not understood."""
        intent = self.r.intent if self.r.confidence >= 0.5 else None
        if intent == "greet":
            self.say(said.GREET_BACK)
            return self.reprompt(resume=False)
        if intent == "thank":
            self.say(said.NO_PROBLEM)
            return self.reprompt(resume=False)
        if intent == "ask_help":
            self.say(said.HELP)
            return self.reprompt()
        if intent in ("goodbye",):
            return self.stop()
        task = self.task
        misses = task.misses + 1
        self.update_task(misses=misses)
        key = {Step.ORDER_ID: said.INVALID_ORDER_ID, Step.PROOF: said.INVALID_CUSTOMER_PROOF}.get(
            task.step, said.INVALID_CHOICE)
        if task.step == Step.ORDER_ID and (self.r.confident("no_order_number") or lost_order_number(self.r.words)
                                           or self.found_order_number()):
            self.update_task(misses=0)
            return self.ask(Step.ORDER_ID)
        if task.step in (Step.ORDER_ID, Step.PROOF) and self.yes_no() is not None:
            return self.reprompt(resume=False)  # "yes go on": the question again, no complaint
        self.say(key)
        if misses >= MAX_MISSES:
            self.say(said.OFFER_HUMAN)
            self.offer(Offer.PERSON)
            return
        self.reprompt(resume=False)

    # -- deciding the next step -----------------------------------------------------------------------
    def advance(self) -> None:
        task = self.task
        if task is None:
            return
        if not task.order_id:
            return self.ask(Step.ORDER_ID)
        if not task.verified:
            if task.proof:
                self.check_proof(task.proof)
                if self.task is None or not self.task.verified:
                    return
            elif self.proof_refused:
                return None
            elif self.state.proof and self.verified_with_kept_proof(task.order_id):
                self.update_task(verified=True)  # the same customer's other order: the proof they gave
                return self.advance()
            elif self.returns.is_locked(self.conv, task.order_id):
                self.say(said.VERIFICATION_LOCKED)
                self.offer(Offer.PERSON)
                return self.update_task(step=Step.PROOF)
            else:
                return self.ask(Step.PROOF)
        task = self.task
        self.state = replace(self.state, last_order=task.order_id)
        try:
            order = self.order()
        except NotVerified:
            self.update_task(verified=False)
            return self.ask(Step.PROOF)
        unwanted = task.pending_words or self.focus or self.r.words or ""
        if task.goal in RETURN_GOALS and decide_cancel(order) is CancelDecision.CANCEL and _UNWANTED.search(unwanted):
            # "订单4504里的茶具我不要了", "I don't need the stand any more": an item not wanted from an order not
            # shipped yet is cancelled, not returned (after a "yes" to what goes)
            task = self.update_task(goal="cancel", pending_words=unwanted[-500:])
        if task.pending_words:
            if task.goal in RETURN_GOALS:
                self.absorb_pending(order)
            task = self.update_task(pending_words="") if task.goal != "cancel" else self.task
        if not task.goal:
            self.update_task(step="")
            return self.say(said.WHAT_TO_DO)
        if task.goal in ("track", "return_status", "refund_status"):
            self.answer_about(task.goal, order)
            return self.finish()
        if task.goal == "cancel":
            return self.advance_cancel(order)
        return self.advance_return(order)

    def absorb_pending(self, order: Order) -> None:
        words = self.task.pending_words
        chosen = choices.mentioned_lines(words, order.lines)
        if chosen and not self.task.line_ids:
            self.update_task(line_ids=tuple(l.line_id for l in chosen))
            if len(chosen) > 1 and self.task.goal in RETURN_GOALS:
                self.one_reason_per_item(order, chosen, words)
        if self.task.goal in RETURN_GOALS and not self.task.reason:  # a queued return's words, said earlier
            volunteered = choices.reason_in(choices.without_titles(words, order.lines))
            if volunteered is not None:
                self.update_task(reason=volunteered.value, reason_words=words[:500])
        lines = [order.line(i) for i in self.task.line_ids]
        if len(lines) == 1 and lines[0].returnable_quantity > 1 and self.task.quantity is None:
            quantity = choices.quantity_in(words, lines[0].returnable_quantity)
            if quantity is not None:
                self.update_task(quantity=quantity)
        elif len(lines) > 1:
            self.absorb_count_of_one(words, lines, order)

    @staticmethod
    def counted_line(lines: Sequence[OrderLine]) -> Optional[OrderLine]:
        """Of several items chosen, the only one of which several units can go back (a count is its)."""
        several = [line for line in lines if line.returnable_quantity > 1]
        return several[0] if len(several) == 1 else None

    def absorb_count_of_one(self, words: str, lines: Sequence[OrderLine], order: Order) -> None:
        """"the bralette and 2 of the t-shirts": a count said before one item's name, of several chosen."""
        line = self.counted_line(lines)
        quantity = choices.quantity_of(words, line, order.lines) if line is not None else None
        if quantity is not None and quantity != self.task.quantity:
            self.update_task(quantity=quantity, misses=0)

    def one_reason_per_item(self, order: Order, chosen: Sequence[OrderLine], words: str) -> None:
        """Several items named, each with a reason of its own ("the jersey is too small ... and the bike
        lights are too dim"): the first item's return goes on with its reason, with the items whose own
        reasons the policy decides the same way (each is issued with its own: `own_reason`); each other
        item is a return of its own, queued with the words that name it (its reason read again from them,
        or asked)."""
        reasons = choices.reasons_by_line(words, chosen)
        if len({reason for reason, _ in reasons.values()}) < 2:
            return  # one reason said (or none): it is every item's
        first = next(line.line_id for line in chosen if line.line_id in reasons)
        reason, said_words = reasons[first]
        decided = self.preview(order, first, reason).outcome
        kept = tuple(line.line_id for line in chosen if line.line_id in reasons and (
            reasons[line.line_id][0] is reason or self.preview(order, line.line_id, reasons[line.line_id][0]).outcome
            is decided))
        self.update_task(line_ids=kept, reason=reason.value, reason_words=(words if len(kept) > 1 else said_words)[:500])
        self.queue([Request(self.task.goal, order.order_id, reasons[line.line_id][1] if line.line_id in reasons
                            else line.title) for line in chosen if line.line_id not in kept])

    def verified_with_kept_proof(self, order_id: str) -> bool:
        result = self.returns.verify(self.conv, order_id, self.state.proof, count_failure=False)
        if result.verified:
            self.mention_staleness(order_id, result.stale_since)
        return result.verified

    def mention_staleness(self, order_id: str, stale_since: Optional[datetime]) -> None:
        """After a lookup of the order at its marketplace: one sentence, before the answer, when the
        marketplace could not answer and the copy answering instead may be out of date in a way that
        matters (`Verification.stale_since`); nothing when it is fresh or cannot have changed."""
        self._read_now.add(order_id)
        if stale_since is not None and not any(s.key == said.ORDER_MAY_BE_STALE for s in self.says):
            self.says.append(outcomes.may_be_stale(stale_since, self.returns.clock()))

    def current(self, order: Order) -> Order:
        """The verified order as its marketplace has it now, before saying where it stands: a copy older
        than the cache allows is read again (once a turn), or said to be possibly out of date."""
        if order.order_id in self._read_now:
            return order
        self.mention_staleness(order.order_id, self.returns.reread(self.conv, order.order_id))
        self._order = None  # the lookup may have stored a newer copy
        return self.order()

    def answer_about(self, goal: str, order: Order) -> None:
        order = self.current(order)
        if goal in ("return_status", "refund_status") and order.status is OrderStatus.CANCELLED \
                and not self.returns.returns_of(order):
            return self.say(said.CANCELLED_REFUND, order_id=order.order_id, amount=replies_money(order.total),
                            bank_days=self.returns.policy.bank_days)
        if goal == "track":
            say = outcomes.tracking(order, not_received=self.task is not None and self.task.note == "not_received",
                                    now=self.returns.clock())
        else:
            rmas = self.returns.rmas_for_order(self.conv, order.order_id)
            say = outcomes.return_status(order, rmas, self.m.external_returns(order.order_id),
                                         self.returns.policy.ship_back_days, self.returns.policy.bank_days,
                                         self.returns.slip_url_for,
                                         already_sent=self.task is not None and self.task.note == "already_sent",
                                         marketplace_refunds=self.returns.marketplace_refunds(order.order_id))
        self.says.append(say)
        offer = outcomes.offer_after(say)
        if offer:
            self.offer(offer, order.order_id)

    def advance_cancel(self, order: Order, adding: Optional[dict] = None) -> None:
        """Confirms what is cancelled, naming the items: the whole order, or the items (or some units of
        one) the customer named where policy.yml lets this sales channel cancel single items; "part of
        my order" asks which. `adding`: items already chosen that the words add to ("the cap too")."""
        decision = decide_cancel(order)
        if decision is not CancelDecision.CANCEL:
            self.say(said.CANCEL_REFUSED[decision], order_id=order.order_id)
            return self.finish()
        words = _cancel_words(self.task.pending_words or self.r.words)
        answering = self.task.note == "which_items"
        self.update_task(pending_words="", line_ids=(), cancel_units=(), cancel_totals=(), note="")
        lines, part = self._cancel_choice(order, words, answering)
        if adding:
            part = {**adding, **(part or {l.line_id: l.open_quantity for l in lines})}
            if part == {l.line_id: l.open_quantity for l in order.open_lines}:
                part = None
        self.update_task(step=Step.CONFIRM_CANCEL)
        partial = can_cancel_single_items(order, self.returns.policy)
        if part is None and not lines and partial and _PART_OF_ORDER.search(words or "") \
                and sum(l.open_quantity for l in order.open_lines) > 1:
            self.update_task(note="which_items")
            return self.ask_cancel_items(order)
        if part is not None:
            self.update_task(line_ids=tuple(part), cancel_units=tuple(part.values()),
                             cancel_totals=tuple(order.line(i).cancelled_quantity + n for i, n in part.items()))
            self.say(said.CONFIRM_CANCEL_ITEMS, order_id=order.order_id, items=_items(order, part),
                     amount=replies_money(_value(order, part)), rest=_items(order, _rest(order, part)))
        else:
            if lines and len(lines) < len(order.open_lines) and not partial:
                self.say(said.CANCEL_WHOLE_ORDER_ONLY, order_id=order.order_id,
                         named=", ".join(l.title for l in lines))
            everything = {l.line_id: l.open_quantity for l in order.open_lines}
            self.say(said.CONFIRM_CANCEL, order_id=order.order_id, items=_items(order, everything),
                     amount=replies_money(order.open_total))
        self.offer(Offer.CONFIRM_CANCEL, order.order_id)

    def ask_cancel_items(self, order: Order) -> None:
        words = catalogue()
        buttons = [Button(words.text(said.BUTTON_LINE if line.open_quantity == 1 else said.BUTTON_LINE_UNITS,
                                     title=line.title, price=replies_price(line.unit_price), currency=order.currency,
                                     units=line.open_quantity),
                          payload("line_id", line.line_id)) for line in order.open_lines]
        buttons.append(Button(words.text(said.BUTTON_WHOLE_ORDER), payload("line_id", "all")))
        self.say(said.ASK_CANCEL_ITEMS, order_id=order.order_id, buttons=buttons)

    def _cancel_choice(self, order: Order, words: str, answering: bool):
        """(the lines the words name, the part of the order to cancel as {line: units} or None for all)."""
        open_lines = order.open_lines
        pressed = self.r.entities.get("line_id")
        if pressed == "all":
            named = open_lines
        elif pressed and order.line(pressed) in open_lines:
            named = (order.line(pressed),)
        elif words and answering:  # an answer to "which items?": "the second one", "both"
            named = choices.read_lines(words, open_lines) or choices.mentioned_lines(words, open_lines)
        else:
            named = choices.mentioned_lines(words, open_lines) if words else ()
        if not named and len(open_lines) == 1:
            named = open_lines
        units = None
        if len(named) == 1 and words and not pressed:
            units = choices.quantity_in(words, named[0].open_quantity)
        part = {l.line_id: (units if units and len(named) == 1 else l.open_quantity) for l in named}
        everything = len(named) == len(open_lines) and all(part[l.line_id] == l.open_quantity for l in named)
        if not named or everything or not can_cancel_single_items(order, self.returns.policy):
            return named, None
        return named, part

    def cancel_correction(self) -> bool:
        """While a cancel waits for "yes" or for which items: "just the mug", "only one of them", "the cap
        too", "the whole order" change what is asked about, and the question is asked again. False when
        the words name nothing to cancel."""
        task = self.task
        if task is None or task.goal != "cancel" or task.step != Step.CONFIRM_CANCEL or not task.verified:
            return False
        order = self.order()
        words = _cancel_words(self.r.words)
        pressed = self.r.entities.get("line_id")
        if order is None or (not pressed and (not words or is_question(words))):
            return False
        lines = order.open_lines
        if not pressed and _KEEP_ALL.search(self.r.words) and not choices.mentioned_lines(words, order.open_lines):
            return False  # "no, keep everything": a no, not what to cancel
        if pressed or task.note == "which_items":
            named = lines if pressed == "all" or _EVERYTHING.search(words or "") else ()
        else:
            named = lines if _EVERYTHING.search(words) else choices.mentioned_lines(words, lines)
        current = len(task.line_ids) == 1 and order.line(task.line_ids[0])
        counted = None
        if words and (current or len(lines) == 1):
            counted = choices.quantity_in(words, (current or lines[0]).open_quantity)
        which = task.note == "which_items" and (pressed or choices.read_lines(words, lines))
        if not (named or counted is not None or which or pressed):
            return False
        adding = _cancelling(order, task) if task.line_ids and _ALSO.search(words or "") else None
        if not named and counted is not None and current:
            words = f"{words} {current.title}"
        before = (task.line_ids, task.cancel_units, task.note)
        said_yes = self.yes_no() is True or bool(_CANCEL_VERB.search(words or ""))
        self.update_task(pending_words=words or "")
        self.offer(None)
        mark = len(self.says)
        self.advance_cancel(order, adding=adding)
        task = self.task
        if task is not None and (task.line_ids, task.cancel_units, task.note) == before and said_yes \
                and task.note != "which_items":  # "ok, cancel everything" to "shall I cancel the whole order?"
            del self.says[mark:]
            self.offer(None)
            self.confirm_cancel(True)
        return True

    def confirm_cancel(self, yes: bool) -> None:
        order, task = self.order(), self.task
        if not yes:
            self.say(said.CANCEL_KEPT, order_id=order.order_id)
            return self.finish()
        if task.line_ids:
            chosen = _cancelling(order, task)
            totals = dict(zip(task.line_ids, task.cancel_totals))
            decision = self.returns.cancel_items(self.conv, order.order_id, totals)
            if decision is CancelDecision.CANCEL:
                rest = _rest(order, chosen)
                if all(units == 0 for units in chosen.values()):  # done already (a repeated message)
                    self.say(said.CANCEL_ITEMS_ALREADY, order_id=order.order_id)
                elif rest:
                    self.say(said.CANCEL_ITEMS_DONE, order_id=order.order_id, items=_items(order, chosen),
                             amount=replies_money(_value(order, chosen)), rest=_items(order, rest),
                             bank_days=self.returns.policy.bank_days)
                else:
                    self.say(said.CANCEL_DONE, order_id=order.order_id, amount=replies_money(order.open_total),
                             bank_days=self.returns.policy.bank_days)
            else:
                self.say(said.CANCEL_REFUSED[decision], order_id=order.order_id)
            return self.finish()
        decision = self.returns.cancel_order(self.conv, order.order_id)
        self.say(said.CANCEL_DONE if decision is CancelDecision.CANCEL else said.CANCEL_REFUSED[decision],
                 order_id=order.order_id, amount=replies_money(order.open_total),
                 bank_days=self.returns.policy.bank_days)
        self.finish()

    def advance_return(self, order: Order) -> None:
        task = self.task
        if outcomes.is_amazon_fulfilled(order):
            damaged = task.goal == "damage" or outcomes.reason_is_damage(task.reason)
            self.says.append(outcomes.amazon_path(order, damaged=damaged))
            return self.finish()
        open_lines = self.open_lines(order)
        if open_lines:  # not delivered yet, cancelled: the answer is the same for every item, so ask nothing
            whole = self.preview(order, open_lines[0].line_id, ReturnReason.OTHER)
            if whole.ineligible in (Ineligibility.NOT_DELIVERED, Ineligibility.CANCELLED):
                result = ReturnResult(whole, order, open_lines[0])
                say = outcomes.return_outcome(result, self.returns.policy.ship_back_days, self.returns.policy.bank_days)
                self.says.append(say)
                if outcomes.offer_after(say):
                    self.offer(outcomes.offer_after(say), order.order_id)
                return self.finish()
            if task.note == "asks_window" and whole.return_by is not None and whole.outcome is not Outcome.NOT_ELIGIBLE:
                self.say(said.RETURN_WINDOW_FOR_ORDER, order_id=order.order_id,
                         return_by=replies_day(whole.return_by))
                task = self.update_task(note="")
        if task.line_ids:
            taken = [i for i in task.line_ids if i not in {l.line_id for l in open_lines}]
            if taken and len(taken) == len(task.line_ids):
                for line_id in taken:
                    self.says.append(self._existing(order, line_id))
                return self.finish()
            if taken:
                self.update_task(line_ids=tuple(i for i in task.line_ids if i not in taken))
                task = self.task
        if not task.line_ids:
            if not open_lines:
                existing = [rma.line_id for rma in self.returns.returns_of(order)]
                for line_id in existing:  # what became of them answers "where is my refund" too
                    self.says.append(self._existing(order, line_id))
                if not existing:
                    self.say(said.NOTHING_TO_RETURN, order_id=order.order_id)
                return self.finish()
            repeated = self._repeated_return(order) if len(open_lines) == 1 else ()
            if repeated:
                for line_id in repeated:
                    self.says.append(self._existing(order, line_id))
                return self.finish()
            if len(open_lines) == 1:
                task = self.update_task(line_ids=(open_lines[0].line_id,))
            else:
                return self.ask(Step.LINES)
        lines = [order.line(i) for i in task.line_ids]
        if len(lines) == 1 and lines[0].returnable_quantity > 1 and task.quantity is None:
            return self.ask(Step.QUANTITY)
        if task.goal == "damage" and not task.reason:
            task = self.update_task(reason=ReturnReason.DAMAGED.value)
        if not task.reason:
            settled = [self.returns.settled_reason(self.conv, order.order_id, line.line_id) for line in lines]
            if all(s is not None for s in settled):
                task = self.update_task(reason=settled[0].value)
            else:
                return self.ask(Step.REASON)
        reason = ReturnReason(task.reason)
        decisions = [self.preview(order, line.line_id, reason) for line in lines]
        sent_back = [d for d in decisions if d.outcome is Outcome.RMA]  # the lines where a choice matters
        allowed = list(sent_back[0].allowed_resolutions) if sent_back else []
        wanted = {"refund": Resolution.REFUND, "exchange": Resolution.EXCHANGE}.get(task.goal)
        if task.resolution is None and wanted is not None and wanted in allowed:
            task = self.update_task(resolution=wanted.value)
        if len(allowed) > 1 and (task.resolution is None or Resolution(task.resolution) not in allowed):
            if task.resolution is not None and task.step == Step.RESOLUTION:
                self.say(said.RESOLUTION_NOT_OFFERED)
            return self.ask(Step.RESOLUTION)
        resolution = Resolution(task.resolution) if task.resolution else (allowed[0] if len(allowed) == 1 else None)
        counted = lines[0] if len(lines) == 1 else self.counted_line(lines)
        self._open, self._previews = None, {}  # what follows sees the returns made now
        sent_wrong: List[OrderLine] = []
        for line in lines:
            quantity = task.quantity if counted is not None and line.line_id == counted.line_id else None
            line_reason = self.own_reason(order, line, lines, reason)
            result = self.returns.request_return(self.conv, order.order_id, line.line_id, line_reason, resolution,
                                                 quantity,
                                                 words=task.reason_words, language=self.state.language)
            if line_reason is ReturnReason.WRONG_ITEM and \
                    result.decision.ineligible is Ineligibility.NON_RETURNABLE_CATEGORY:
                sent_wrong.append(line)  # what came is not the underwear ordered: the shop's mistake, for a person
                continue
            if result.rma is not None and result.created:
                self.returns.keep_return_words(self.conv, result.rma, task.reason_words)
            say = outcomes.return_outcome(result, self.returns.policy.ship_back_days, self.returns.policy.bank_days,
                                          damaged=reason is ReturnReason.DAMAGED)
            self.says.append(say)
            offer = outcomes.offer_after(say)
            if offer:
                self.offer(offer, order.order_id)
        if sent_wrong:
            return self.wrong_item_for_a_person(order, sent_wrong)
        self.finish()

    def wrong_item_for_a_person(self, order: Order, ordered: Sequence[OrderLine]) -> None:
        """"I ordered the bralette but got something else": an item of a category that cannot be returned
        was sent wrong. What came is not that item, and the mistake is the shop's, so a person sorts it out
        (a case with the customer's words) instead of "underwear can't be returned"."""
        task = self.task
        titles = ", ".join(line.title for line in ordered)
        summary = (f"The customer says they were sent the wrong item instead of {titles} (order {order.order_id}), "
                   f"a category that cannot be returned, so no return was made. Their words: {task.reason_words[:200]}")
        handoff = self.open_case("policy_exception", order.order_id, summary, task.reason_words)
        self.say(said.HANDOFF, case_id=f"#{handoff.handoff_id}")
        self.finish()  # (the other items' returns, if any, were issued above)

    def own_reason(self, order: Order, line: OrderLine, lines: Sequence[OrderLine],
                   reason: ReturnReason) -> ReturnReason:
        """Of several items returned at once, the reason said in a clause about this item alone ("the
        jersey is too small and the bike lights are too dim"): its own, when the policy decides the
        same for it as for the reason of the whole request (else the one reason, as asked)."""
        words = self.task.reason_words if self.task is not None else ""
        if len(lines) < 2 or not words:
            return reason
        for clause in _CLAUSE_BREAK.split(words):
            if [l.line_id for l in choices.mentioned_lines(clause, order.lines)] != [line.line_id]:
                continue
            own = choices.reason_in(choices.without_titles(clause, order.lines))
            if own is not None and own is not reason and own is not ReturnReason.OTHER and \
                    self.preview(order, line.line_id, own).outcome is self.preview(order, line.line_id, reason).outcome:
                return own
        return reason

    def _repeated_return(self, order: Order) -> Tuple[str, ...]:
        """"swap them for the next size up please" once the boots' exchange is issued: a request that
        names no item and asks again what this conversation's return of the order already gives (its
        reason, its resolution) is that return said again, not one for the item left over. "also",
        "too" ask for more."""
        task = self.task
        asked = [(task.reason, "reason"), (task.resolution, "resolution")]
        if not any(value for value, _ in asked) or _ALSO.search(self.r.words or ""):
            return ()
        return tuple(rma.line_id for rma in self.returns.returns_of(order) if rma.conversation_id == self.conv
                     and all(not value or getattr(rma, name).value == value for value, name in asked))

    def _existing(self, order: Order, line_id: str) -> Say:
        result = self.returns.request_return(self.conv, order.order_id, line_id, ReturnReason.OTHER)
        return outcomes.return_outcome(result, self.returns.policy.ship_back_days, self.returns.policy.bank_days)

    def finish(self) -> None:
        """The task is done: an interrupted one resumes where it was, else the next queued request
        starts (on the order it named, or the same order)."""
        self.set_task(None)
        self.focus = None
        if self.state.paused is not None:
            paused = self.state.paused
            self.state = replace(self.state, paused=None, task=paused, offer=None)
            if self.returns.is_verified(self.conv, paused.order_id):
                self.say(said.RESUME)
                return self.reprompt(resume=False)
            self.set_task(replace(paused, verified=False))
            return self.advance()
        if self.state.queued:
            queued, rest = self.state.queued[0], self.state.queued[1:]
            self.state = replace(self.state, queued=rest, offer=None)
            self.say(said.NEXT_REQUEST)
            self.r = Reading(text="", intent="inform", confidence=1.0)
            self.start_task(queued.goal, queued.order_id, queued.words)

    # -- asking ---------------------------------------------------------------------------------------
    def ask(self, step: str) -> None:
        self.update_task(step=step)
        task = self.task
        if step == Step.ORDER_ID:
            lost = (self.r.confident("no_order_number") or lost_order_number(self.r.words) or bool(task.proof)) \
                and not self.r.entities.get("tracking_number")
            if lost:
                self.offer(Offer.PERSON)  # its words offer a person who can help find it
            return self.say(said.FIND_ORDER_NUMBER if lost else said.ASK_ORDER_ID)
        if step == Step.PROOF:
            return self.say(said.ASK_CUSTOMER_PROOF, order_id=task.order_id)
        order = self.order()
        if step == Step.LINES:
            lines = self.open_lines(order)
            buttons = [Button(catalogue().text(said.BUTTON_LINE, title=line.title, price=replies_price(line.unit_price),
                                               currency=order.currency), payload("line_id", line.line_id))
                       for line in lines]
            if len(lines) > 1:
                buttons.append(Button(catalogue().text(said.BUTTON_ALL_LINES), payload("line_id", "all")))
            return self.say(said.ASK_LINE, buttons=buttons)
        if step == Step.QUANTITY:
            line = order.line(task.line_ids[0])
            most = line.returnable_quantity
            buttons = [Button(str(n), payload("quantity", str(n))) for n in range(1, min(most, 4) + 1)]
            return self.say(said.ASK_QUANTITY, buttons=buttons, item=line.title, most=most)
        if step == Step.REASON:
            return self.say(said.ASK_RETURN_REASON)
        if step == Step.RESOLUTION:
            previews = [self.preview(order, i, ReturnReason(task.reason)) for i in task.line_ids]
            decision = next((d for d in previews if d.outcome is Outcome.RMA), previews[0])
            buttons = [Button(catalogue().text(said.RESOLUTION_NAMES[r]), payload("resolution", r.value))
                       for r in decision.allowed_resolutions]
            return self.say(said.ASK_RESOLUTION, buttons=buttons)

    def reprompt(self, resume: bool = True) -> None:
        """After a detour: the question the task waits for, again."""
        task = self.task
        if task is None:
            return
        if task.step == Step.CONFIRM_CANCEL and task.note != "which_items":
            self.offer(Offer.CONFIRM_CANCEL, task.order_id)
        if resume:
            self.say(said.RESUME)
        if task.step == Step.CONFIRM_CANCEL and task.note == "which_items":
            return self.ask_cancel_items(self.order())
        if task.step == Step.CONFIRM_CANCEL and task.line_ids:
            order = self.order()
            return self.say(said.CONFIRM_CANCEL_ITEMS_AGAIN, order_id=task.order_id,
                            items=_items(order, _cancelling(order, task)))
        if task.step == Step.CONFIRM_CANCEL:
            return self.say(said.CONFIRM_CANCEL_AGAIN, order_id=task.order_id)
        if task.step:
            return self.ask(task.step)
        self.advance()


def _only_yes_or_no(words: str) -> bool:
    """"sì", "ok", "yes please", "nein": no reason for a return, however the question was put (asked again)."""
    return len(words.split()) <= 3 and choices.read_yes_no(words) is not None


def _cancel_words(words: str) -> str:
    """A cancel's words as the item readers take them: "don't need the pen" cancels the pen, "keep the
    cap" leaves it out, and so does a keep that closes its clause ("the cap I'll keep", "die Mütze behalte
    ich", "电饭煲我还要"): its "not" goes before the words it keeps. Chinese typed with spaces for commas
    ("茶具不要了 电饭煲照常发") has its clauses where the spaces are."""
    out = []
    words = _HAN_SPACE.sub("，", words or "")
    for clause, stop in _CLAUSE.findall(_UNWANTED.sub("cancel", words)):
        keep = _KEEP_ALL.search(clause)
        rest = clause[keep.end():] if keep else ""
        if keep and len(rest.split()) <= 1 and not han_share(rest):
            clause = "not " + clause[:keep.start()] + rest
        out.append(_KEEP_ALL.sub("not", clause) + stop)
    return "".join(out)


_CLAUSE = re.compile(r"([^.,;!?，。！？；]*)([.,;!?，。！？；]*)")
_HAN_SPACE = re.compile(r"(?<=[\u3400-\u4dbf\u4e00-\u9fff])\s+(?=[\u3400-\u4dbf\u4e00-\u9fff])")


def _cancelling(order: Order, task: Task) -> dict:
    """{line: units} a cancel of single items is about (none left of a line already cancelled)."""
    return {i: min(n, max(total - order.line(i).cancelled_quantity, 0))
            for i, n, total in zip(task.line_ids, task.cancel_units, task.cancel_totals) if order.line(i) is not None}


def _items(order: Order, units: dict) -> str:
    """"Mug, Socks (x2)": the lines' titles with how many, in the order's order."""
    named = [(line, units[line.line_id]) for line in order.lines if units.get(line.line_id)]
    return ", ".join(titled_units(line.title, n) for line, n in named)


def _value(order: Order, units: dict) -> Money:
    return Money(sum((line.unit_price * units.get(line.line_id, 0) for line in order.lines), Decimal(0)),
                 order.currency)


def _rest(order: Order, units: dict) -> dict:
    """What the order still holds once `units` are taken off."""
    left = {line.line_id: line.open_quantity - units.get(line.line_id, 0) for line in order.lines}
    return {line_id: n for line_id, n in left.items() if n > 0}
