"""Handoffs to a person: what an agent sees about a case and what they can do about it.

`HandoffService.context` gathers the case for an agents' tool (Slack renders it as a card): the
reason, the customer's channel, the order and its items, the customer's return history over the
policy's look-back, the fraud signals, the customer's own words and the last messages, with personal
data masked (bot/privacy.py). The agent's actions (approve, reject, offer a replacement, take over,
hand back) are recorded with who and when, and each returns a `HandoffUpdate`: what the customer
should be told (the caller delivers it, only when `changed`) and the context the card should now show.

Rules:
- A case is decided from its facts (`HandoffFacts`, kept when it was opened): the line, the quantity,
  the reason and the resolution the customer asked for. Nothing is read back from the summary. A
  case without facts (opened before they were kept) cannot be decided here: the agent is told to
  take over and resolve it by hand.
- One decision per case (approve, reject or offer a replacement), enforced by the database: a
  second click, or a concurrent one, gets the first decision back and changes nothing. Approving
  twice gives the same RMA (the store keeps one RMA per order line).
- Approve and offer-replacement issue the RMA through `ReturnsService.request_return`, the
  service the bot uses, with `check_fraud=False` (the agent has just overruled the fraud rule);
  every other rule (window, category, FBA...) still applies.
- Status: `open` (the bot still answers), `claimed` (an agent took over: the bot stays silent),
  `closed` (the bot answers again). A decision on an open case closes it; on a claimed case the
  agent keeps the conversation until they hand it back.

A case from a customer who has verified no order is marked so (`HandoffContext.verified`): anyone
can ask for a person without proving anything. The gateway limits how many such cases strangers
open (channels/limits.py) and closes one over the limit at once with `decline`, before any agent
is told, keeping it on record.

Pure of frameworks: cases in a `HandoffRepository`, orders and returns through the store and the
returns service, time from the returns clock.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Callable, List, Optional, Tuple

from bot import replies
from bot import responses as said
from bot.catalogue import ENGLISH, Catalogue, catalogue
from bot.handoffs import wording
from bot.handoffs.types import (
    CLAIMED,
    CLOSED,
    OPEN,
    Action,
    Agent,
    HandoffContext,
    HandoffEvent,
    HandoffFacts,
    HandoffRepository,
    HandoffUpdate,
    Item,
    MessageView,
    Overdue,
    ReturnHistory,
    UnknownHandoff,
)
from bot.models import Handoff, Money, Order, OrderLine, Outcome, Resolution, ReturnReason, Rma, RmaStatus
from bot.policy import fraud_signals
from bot.privacy import mask_email, mask_name, mask_postcode, mask_text
from bot.repositories import Store
from bot.services import BadQuantity, NotVerified, ReturnsService

MESSAGE_LIMIT = 8  # messages of the conversation shown to the agent


class _Refused(Exception):
    """The action cannot be carried out; the message says why, for the agent."""


class HandoffService:
    def __init__(self, store: Store, returns: ReturnsService, clock: Optional[Callable[[], datetime]] = None,
                 message_limit: int = MESSAGE_LIMIT, cases: Optional[HandoffRepository] = None):
        self.store = store  # orders, returns and the transcript
        self.returns = returns
        self.cases = cases if cases is not None else returns.handoffs  # the cases the returns service opens
        self.clock = clock or returns.clock
        self.message_limit = message_limit

    # -- reading --------------------------------------------------------------------------
    def get(self, handoff_id: int) -> Handoff:
        handoff = self.cases.get(handoff_id)
        if handoff is None:
            raise UnknownHandoff(handoff_id)
        return handoff

    def active(self, conversation_id: str) -> Optional[Handoff]:
        """The conversation's case that is not closed, if any (there is at most one)."""
        return self.cases.active(conversation_id)

    def list_active(self) -> List[Handoff]:
        """Every case not closed, oldest first."""
        return self.cases.list_active()

    def is_agent_owned(self, conversation_id: str) -> bool:
        """True while an agent holds the conversation: the bot must stay silent."""
        active = self.active(conversation_id)
        return active is not None and active.status == CLAIMED

    def has_verified(self, conversation_id: str) -> bool:
        """Whether the conversation has proven any order is the customer's (order number with its
        email or postcode)."""
        return self.cases.has_verified(conversation_id)

    def events(self, handoff_id: int) -> List[HandoffEvent]:
        return self.cases.events(handoff_id)

    def facts(self, handoff_id: int) -> Optional[HandoffFacts]:
        """What the case is about, as kept when it was opened; None for a case opened before."""
        return self.cases.facts(handoff_id)

    def context(self, handoff_id: int) -> HandoffContext:
        handoff = self.get(handoff_id)
        facts = self.facts(handoff_id)
        channel, _, _ = handoff.conversation_id.partition(":")
        base = HandoffContext(
            handoff_id=handoff.handoff_id, reason=handoff.reason, status=handoff.status,
            conversation_channel=channel if ":" in handoff.conversation_id else "unknown",
            created_at=handoff.created_at, summary=mask_text(handoff.summary), order_id=handoff.order_id,
            signals=tuple(handoff.signals), messages=tuple(self._messages(handoff.conversation_id)),
            events=tuple(self.events(handoff_id)), verified=self.has_verified(handoff.conversation_id),
            facts=replace(facts, words=mask_text(facts.words)) if facts is not None else None,
        )
        order = self.store.get_order(handoff.order_id) if handoff.order_id else None
        if order is None:
            return base
        line = _requested_line(order, facts)
        policy = self.returns.policy
        history = self.store.customer_history(order.customer.email,
                                              self.clock() - timedelta(days=policy.fraud_lookback_days))
        return replace(
            base, sales_channel=order.channel.value, customer_name=mask_name(order.customer.name),
            customer_email=mask_email(order.customer.email), customer_postcode=mask_postcode(order.customer.postcode),
            customer_country=order.customer.country,
            items=tuple(_item(order, each, line is not None and each.line_id == line.line_id) for each in order.lines),
            order_total=order.total, return_reason=facts.reason if line is not None else None,
            history=ReturnHistory(history.orders, history.orders_with_returns, history.return_rate,
                                  policy.fraud_lookback_days),
            signals=tuple(handoff.signals) or fraud_signals(history, policy),
            rma=self.store.rma_for_line(order.order_id, line.line_id) if line else None,
        )

    def _messages(self, conversation_id: str) -> List[MessageView]:
        views = []
        for item in self.store.messages(conversation_id, limit=self.message_limit):
            payload = item.get("payload") or {}
            text = payload.get("title") or payload.get("text") or ""
            if not text and payload.get("attachment"):
                text = "[photo]"
            sender = "customer" if item.get("direction") == "in" else ("agent" if payload.get("agent") else "bot")
            at = item.get("at")
            views.append(MessageView(sender, mask_text(str(text)),
                                     datetime.fromisoformat(at) if isinstance(at, str) else at))
        return views

    # -- agents' actions ------------------------------------------------------------------
    def approve(self, handoff_id: int, agent: Agent) -> HandoffUpdate:
        """Issue the return the customer asked for (overruling only the fraud rule)."""
        return self._decide(handoff_id, agent, Action.APPROVE, lambda h: self._approve(h, agent))

    def reject(self, handoff_id: int, agent: Agent, reason: str) -> HandoffUpdate:
        """Refuse the request; `reason` is sent to the customer."""
        reason = " ".join((reason or "").split())[:500]
        if not reason:
            return self._refusal(handoff_id, wording.NEED_REASON)
        return self._decide(handoff_id, agent, Action.REJECT, lambda h: self._reject(h, agent, reason),
                            note=reason)

    def offer_replacement(self, handoff_id: int, agent: Agent) -> HandoffUpdate:
        """Replace the item instead of refunding it."""
        return self._decide(handoff_id, agent, Action.OFFER_REPLACEMENT, lambda h: self._replace(h, agent))

    def take_over(self, handoff_id: int, agent: Agent) -> HandoffUpdate:
        """The agent holds the conversation from now on; the bot stays silent until hand-back.
        Taking over from another agent moves the conversation to this one."""
        handoff = self.get(handoff_id)
        if handoff.status == CLAIMED:
            owner = self.context(handoff_id).owner
            if owner is not None and owner.id == agent.id:
                return self._refusal(handoff_id, wording.ALREADY_YOURS)
            moved = self.cases.move(handoff_id, CLAIMED, CLAIMED)
        elif handoff.status == CLOSED:
            current = self.active(handoff.conversation_id)
            if current is not None:
                return self._refusal(handoff_id, wording.NEWER_CASE.format(handoff_id=current.handoff_id))
            moved = self.cases.move(handoff_id, CLOSED, CLAIMED)
        else:
            moved = self.cases.move(handoff_id, OPEN, CLAIMED)
        if not moved:  # someone changed it meanwhile
            return self._refusal(handoff_id, wording.CHANGED_MEANWHILE)
        self._record(handoff_id, Action.TAKE_OVER, agent)
        return HandoffUpdate(self.context(handoff_id), True,
                             self._words(handoff_id).text(said.HANDOFF_TAKEN_OVER, agent=agent.first_name),
                             note=wording.YOU_HAVE_IT)

    def hand_back(self, handoff_id: int, agent: Agent) -> HandoffUpdate:
        """Close the case; the bot answers the customer again."""
        handoff = self.get(handoff_id)
        if handoff.status == CLOSED or not self.cases.move(handoff_id, handoff.status, CLOSED):
            return self._refusal(handoff_id, wording.ALREADY_CLOSED)
        self._record(handoff_id, Action.HAND_BACK, agent)
        context = self.context(handoff_id)
        if handoff.status == CLAIMED:
            text = self._words(handoff_id).text(said.HANDOFF_HANDED_BACK, agent=agent.first_name)
        elif context.decision is None:
            text = self._words(handoff_id).text(said.HANDOFF_CLOSED_UNDECIDED, case_id=f"#{handoff_id}")
        else:
            text = None  # the customer was told the decision already
        return HandoffUpdate(context, True, text, note=wording.HANDED_BACK_NOTE)

    def decline(self, handoff_id: int, note: str) -> bool:
        """Close a case nobody took yet at once, with `note` (why) on record: the gateway's limit on new
        cases. False when it is not open any more (an agent took it meanwhile): then it stands."""
        if not self.cases.move(handoff_id, OPEN, CLOSED):
            return False
        self._record(handoff_id, Action.DECLINE, None, note)
        return True

    # -- waiting cases --------------------------------------------------------------------
    def overdue(self, now: datetime, after: timedelta = timedelta(minutes=15)) -> List[Overdue]:
        """Open cases nobody picked up, last announced (opened or re-announced) `after` ago or more."""
        due = []
        for each in self.cases.undecided_open():
            handoff = each.handoff
            last = max(handoff.created_at, each.last_reannounced) if each.last_reannounced else handoff.created_at
            if now - last >= after:
                due.append(Overdue(handoff, now - handoff.created_at, each.reannouncements))
        return due

    def reannounce(self, handoff_id: int, now: Optional[datetime] = None) -> HandoffUpdate:
        """Record a re-announcement; the customer gets an honest update the first time."""
        first = not any(e.action is Action.REANNOUNCE for e in self.events(handoff_id))
        self._record(handoff_id, Action.REANNOUNCE, None, at=now)
        text = self._words(handoff_id).text(said.HANDOFF_STILL_WAITING, case_id=f"#{handoff_id}") if first else None
        return HandoffUpdate(self.context(handoff_id), True, text)

    # -- decisions ------------------------------------------------------------------------
    def _decide(self, handoff_id: int, agent: Agent, action: Action,
                perform: Callable[[Handoff], Tuple[Optional[str], Optional[Rma], str]],
                note: str = "") -> HandoffUpdate:
        handoff = self.get(handoff_id)
        prior = self.context(handoff_id).decision
        if prior is None:
            event_id = self.cases.claim_decision(handoff_id, action, agent, note, self.clock())
            if event_id is None:  # another click decided first
                prior = self.context(handoff_id).decision
        if prior is not None:
            return self._repeat(handoff, prior, action)
        try:
            text, rma, done = perform(handoff)
        except _Refused as refused:
            self.cases.drop_event(event_id)
            return self._refusal(handoff_id, str(refused))
        except Exception:
            self.cases.drop_event(event_id)
            raise
        if rma is not None:
            self.cases.set_decision_rma(event_id, rma.rma_id)
        if handoff.status == OPEN:
            self.cases.move(handoff_id, OPEN, CLOSED)  # decided: the bot carries on (it never stopped)
        return HandoffUpdate(self.context(handoff_id), True, text, note=done, rma=rma)

    def _repeat(self, handoff: Handoff, prior: HandoffEvent, action: Action) -> HandoffUpdate:
        who = prior.agent.name if prior.agent else "someone"
        when = prior.at.strftime("%Y-%m-%d %H:%M UTC")
        if prior.action is not action:
            return self._refusal(handoff.handoff_id, wording.already_decided(prior.action, who, when))
        text, rma = None, None
        if action in (Action.APPROVE, Action.OFFER_REPLACEMENT):
            try:  # the same RMA again, and the same words for it
                text, rma, _ = (self._approve if action is Action.APPROVE else self._replace)(handoff, prior.agent)
            except (_Refused, NotVerified):
                pass
        return HandoffUpdate(self.context(handoff.handoff_id), False, text,
                             note=wording.already_done(action, who, when, rma), rma=rma)

    def _approve(self, handoff: Handoff, agent: Optional[Agent]) -> Tuple[str, Rma, str]:
        order, line, facts = self._request(handoff)
        policy = self.returns.policy
        resolution = _resolution(facts, policy.resolutions)
        result = self._issue(handoff, order, line, facts, resolution)
        if result.rma is None:
            raise _Refused(wording.POLICY_SAYS_NO.format(why=wording.why_not(result.decision)))
        rma = self._confirm(result.rma, agent, "approved")
        words = self._words(handoff.handoff_id, facts)
        item = replies.item_name(line, words)
        if rma.outcome is Outcome.RMA:
            text = words.text(
                said.HANDOFF_APPROVED_RMA, item=item, rma_id=rma.rma_id,
                slip_url=replies.with_language(result.slip_url, words.language),
                ship_by=replies.day(replies.ship_by_date(rma, policy.ship_back_days), words),
                resolution_text=replies.resolution_text(rma.resolution, replies.money(rma.refund, words), words))
        elif rma.outcome is Outcome.RETURNLESS_REFUND:
            text = words.text(said.HANDOFF_APPROVED_RETURNLESS, item=item, amount=replies.money(rma.refund, words),
                              rma_id=rma.rma_id)
        else:
            text = words.text(said.HANDOFF_APPROVED_DAMAGE, item=item, remedy=replies.remedy_text(rma, words))
        return text, rma, wording.approved_note(rma)

    def _replace(self, handoff: Handoff, agent: Optional[Agent]) -> Tuple[str, Rma, str]:
        order, line, facts = self._request(handoff)
        existing = self.store.rma_for_line(order.order_id, line.line_id)
        if existing is not None and existing.resolution is not Resolution.REPLACEMENT:
            raise _Refused(wording.ISSUED_AS.format(rma_id=existing.rma_id,
                                                    resolution=existing.resolution.value.replace("_", " ")))
        if existing is None:
            decision = self.returns.preview_return(handoff.conversation_id, order.order_id, line.line_id,
                                                   facts.reason or ReturnReason.OTHER, facts.quantity,
                                                   check_fraud=False)
            if decision.outcome not in (Outcome.RMA, Outcome.DAMAGE_REPLACEMENT):
                raise _Refused(wording.NO_REPLACEMENT_FIT.format(why=wording.why_not(decision)))
        result = self._issue(handoff, order, line, facts, Resolution.REPLACEMENT)  # the existing return, if any
        rma = self._confirm(result.rma, agent, "replacement offered")
        words = self._words(handoff.handoff_id, facts)
        item = replies.item_name(line, words)
        if rma.outcome is Outcome.RMA:
            text = words.text(
                said.HANDOFF_REPLACEMENT_RMA, item=item, rma_id=rma.rma_id,
                slip_url=replies.with_language(result.slip_url, words.language),
                ship_by=replies.day(replies.ship_by_date(rma, self.returns.policy.ship_back_days), words))
        else:
            text = words.text(said.HANDOFF_REPLACEMENT_CONFIRMED, item=item, rma_id=rma.rma_id)
        return text, rma, wording.replacement_note(rma)

    def _issue(self, handoff: Handoff, order: Order, line: OrderLine, facts: HandoffFacts, resolution: Resolution):
        """The return the case asks for, as the agent decided it: the fraud rule overruled, the
        resolution allowed even where the policy does not offer it to customers (a replacement)."""
        try:
            return self.returns.request_return(
                handoff.conversation_id, order.order_id, line.line_id, facts.reason or ReturnReason.OTHER,
                resolution, facts.quantity, words=facts.words, check_fraud=False,
                extra_resolutions=(resolution,))
        except BadQuantity as exc:
            raise _Refused(f"{exc} Take over and ask the customer.") from None

    def _reject(self, handoff: Handoff, agent: Agent, reason: str) -> Tuple[str, Optional[Rma], str]:
        sentence = reason if reason[-1] in ".!?" else reason + "."
        order = self.store.get_order(handoff.order_id) if handoff.order_id else None
        facts = self.facts(handoff.handoff_id)
        line = _requested_line(order, facts) if order else None
        words = self._words(handoff.handoff_id, facts)
        if line is None:
            return words.text(said.HANDOFF_REJECTED_REQUEST, reason=sentence), None, wording.REJECTED_NOTE
        rma = self.store.rma_for_line(order.order_id, line.line_id)
        if rma is not None:
            if rma.status is not RmaStatus.PENDING_REVIEW:
                raise _Refused(wording.ISSUED_ALREADY.format(rma_id=rma.rma_id,
                                                             status=rma.status.value.replace("_", " ")))
            rma = self.store.update_rma_status(rma.rma_id, RmaStatus.REJECTED, self.clock(),
                                               f"rejected by {agent.name}: {reason}"[:500])
        return (words.text(said.HANDOFF_REJECTED, item=replies.item_name(line, words), reason=sentence), rma,
                wording.REJECTED_NOTE)

    def _words(self, handoff_id: int, facts: Optional[HandoffFacts] = None) -> Catalogue:
        """The catalogue in the customer's language, as the case's facts recorded it (English for a case
        opened before they were kept). The agent's own words (`wording`) stay in the agents' language."""
        facts = facts if facts is not None else self.facts(handoff_id)
        return catalogue(language=facts.language if facts is not None else ENGLISH)

    def _request(self, handoff: Handoff) -> Tuple[Order, OrderLine, HandoffFacts]:
        """The order, line and facts of the return a case asks for, or why it cannot be decided here."""
        order = self.store.get_order(handoff.order_id) if handoff.order_id else None
        if order is None:
            raise _Refused(wording.NO_ORDER)
        facts = self.facts(handoff.handoff_id)
        if facts is None:
            raise _Refused(wording.NO_FACTS)
        if facts.line_id is None:
            raise _Refused(wording.NO_ITEM)
        line = order.line(facts.line_id)
        if line is None:
            raise _Refused(wording.UNKNOWN_ITEM)
        if not self.store.is_verified(handoff.conversation_id, order.order_id):
            raise _Refused(wording.NOT_VERIFIED)
        return order, line, facts

    def _confirm(self, rma: Rma, agent: Optional[Agent], what: str) -> Rma:
        """A return waiting for review (a damage claim) is authorised by the agent's decision."""
        if rma.status is RmaStatus.PENDING_REVIEW:
            who = agent.name if agent else "an agent"
            return self.store.update_rma_status(rma.rma_id, RmaStatus.AUTHORISED, self.clock(), f"{what} by {who}")
        return rma

    # -- bookkeeping ----------------------------------------------------------------------
    def _refusal(self, handoff_id: int, note: str) -> HandoffUpdate:
        return HandoffUpdate(self.context(handoff_id), False, None, note=note)

    def _record(self, handoff_id: int, action: Action, agent: Optional[Agent], note: str = "",
                at: Optional[datetime] = None) -> None:
        self.cases.record(handoff_id, action, agent, note, at or self.clock())


# -- helpers --------------------------------------------------------------------------------------
def _requested_line(order: Order, facts: Optional[HandoffFacts]) -> Optional[OrderLine]:
    """The order line a case is about, from its facts; None for a case about no item (the customer
    asked for a person) and for one opened before facts were kept."""
    if facts is None or facts.line_id is None or facts.order_id not in (None, order.order_id):
        return None
    return order.line(facts.line_id)


def _resolution(facts: HandoffFacts, offered: Tuple[Resolution, ...]) -> Resolution:
    """What the approved return is resolved with: what the customer asked for, when the policy offers
    it; else a refund, or the policy's first resolution when it offers no refund."""
    if facts.resolution is not None and facts.resolution in offered:
        return facts.resolution
    return Resolution.REFUND if Resolution.REFUND in offered else offered[0]


def _item(order: Order, line: OrderLine, requested: bool) -> Item:
    return Item(line.line_id, line.title, line.sku, line.category, line.quantity, line.returned_quantity,
                Money(line.unit_price, order.currency), Money(line.unit_price * line.quantity, order.currency),
                requested)
