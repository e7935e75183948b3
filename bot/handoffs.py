"""Handoffs to a person: what an agent sees about a case and what they can do about it.

`HandoffService.context` gathers the case for an agents' tool (Slack renders it as a card): the
reason, the customer's channel, the order and its items, the customer's return history over the
policy's look-back, the fraud signals and the last messages, with personal data masked
(bot/privacy.py). The agent's actions (approve, reject, offer a replacement, take over, hand
back) are recorded with who and when in `handoff_events`, and each returns a `HandoffUpdate`:
what the customer should be told (the caller delivers it, only when `changed`) and the context
the card should now show.

Rules:
- One decision per case (approve, reject or offer a replacement), enforced by the database: a
  second click, or a concurrent one, gets the first decision back and changes nothing. Approving
  twice gives the same RMA (the store keeps one RMA per order line).
- Approve and offer-replacement issue the RMA through `ReturnsService.request_return`, the
  service the bot uses, with a copy of the policy that differs only in the fraud rule (which the
  agent has just overruled); every other rule (window, category, FBA...) still applies.
- Status: `open` (the bot still answers), `claimed` (an agent took over: the bot stays silent),
  `closed` (the bot answers again). A decision on an open case closes it; on a claimed case the
  agent keeps the conversation until they hand it back.

A case from a customer who has verified no order is marked so (`HandoffContext.verified`): anyone
can ask for a person without proving anything. The gateway limits how many such cases strangers
open (channels/limits.py) and closes one over the limit at once with `decline`, before any agent
is told, keeping it on record.

Also here: `handoff_cards`, where an agents' tool keeps the id of the message it posted for a
case (Slack channel and ts), written before and after posting so a retry never posts twice.
Pure of frameworks: the store's engine and tables, time passed in or from the returns clock.
"""
from __future__ import annotations

import enum
import re
import sys
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Callable, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot import replies
from bot.models import (
    Handoff,
    Money,
    Order,
    OrderLine,
    Outcome,
    Resolution,
    ReturnReason,
    Rma,
    RmaStatus,
)
from bot.policy import fraud_signals
from bot.privacy import mask_email, mask_name, mask_postcode, mask_text
from bot.services import NotVerified, ReturnsService
from bot.store import SqlStore, UtcDateTime, handoff_from_row, handoffs, metadata, verifications

OPEN, CLAIMED, CLOSED = "open", "claimed", "closed"
MESSAGE_LIMIT = 8  # messages of the conversation shown to the agent
MAX_NOTE = 1000

handoff_cards = sa.Table(
    "handoff_cards", metadata,
    sa.Column("handoff_id", sa.Integer, primary_key=True),  # one card per case
    sa.Column("channel", sa.String(64), nullable=False),  # e.g. the Slack channel id
    sa.Column("ts", sa.String(32)),  # the card's message id; NULL while a post is in flight
    sa.Column("thread_ts", sa.String(32)),
    sa.Column("reserved_at", UtcDateTime, nullable=False),
    sa.Column("posted_at", UtcDateTime),
    sa.UniqueConstraint("channel", "ts", name="one_case_per_card"),
)

handoff_events = sa.Table(
    "handoff_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("handoff_id", sa.Integer, nullable=False, index=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("agent_id", sa.String(64)),
    sa.Column("agent_name", sa.String(200)),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("note", sa.String(MAX_NOTE), nullable=False, default=""),
    sa.Column("rma_id", sa.String(20)),
    # The case id on a decision, NULL on anything else: unique, so a case gets one decision
    # (NULLs never clash, in SQLite and PostgreSQL alike).
    sa.Column("decides", sa.Integer, unique=True),
)


class Action(str, enum.Enum):
    APPROVE = "approve"
    REJECT = "reject"
    OFFER_REPLACEMENT = "offer_replacement"
    TAKE_OVER = "take_over"
    HAND_BACK = "hand_back"
    REANNOUNCE = "reannounce"
    DECLINE = "decline"  # closed as it opened: too many new cases (the gateway's limits)


DECISIONS = (Action.APPROVE, Action.REJECT, Action.OFFER_REPLACEMENT)

# -- what the customer is told (the gateway delivers these on the customer's channel) ---------
APPROVED_RMA = ("Good news: our team has approved the return of {item}. Your return number is {rma_id}. "
                "Print your return slip here: {slip_url} and send the item back by {ship_by}. {resolution_text}")
APPROVED_RETURNLESS = ("Good news: our team has approved your return of {item}. We've refunded {amount} "
                       "and you can keep the item (reference {rma_id}).")
APPROVED_DAMAGE = "Good news: our team has approved your claim for {item} (reference {rma_id}). We'll {remedy}."
REPLACEMENT_RMA = ("Our team can send you a replacement {item}. Your return number is {rma_id}. Print your "
                   "return slip here: {slip_url} and send the item back by {ship_by}; we'll send the "
                   "replacement as soon as it arrives.")
REPLACEMENT_CONFIRMED = "Good news: we'll send you a replacement {item} (reference {rma_id})."
REJECTED = "Sorry, our team can't accept the return of {item}. {reason} If you have a question about it, reply here."
REJECTED_REQUEST = "Sorry, our team can't help with this request. {reason} If you have a question, reply here."
TAKEN_OVER = "Hi, this is {agent} from our team. I've taken over your conversation and will reply here."
HANDED_BACK = ("{agent} has handed you back to our assistant. If there's anything else, just write "
               "here (you can always ask for a person again).")
CLOSED_UNDECIDED = ("Our team has looked at your case {case_id}. If there's anything else, just write here "
                    "(you can always ask for a person again).")
STILL_WAITING = ("Thanks for your patience: your case {case_id} is still waiting for a member of our team, "
                 "who will reply here as soon as one is free. You don't need to do anything meanwhile.")


class UnknownHandoff(KeyError):
    """No handoff has this id."""


class _Refused(Exception):
    """The action cannot be carried out; the message says why, for the agent."""


@dataclass(frozen=True)
class Agent:
    id: str  # the agents' tool's user id, e.g. Slack's U0123ABC
    name: str

    @property
    def first_name(self) -> str:
        parts = (self.name or "").split()
        return parts[0] if parts else "A member of our team"


@dataclass(frozen=True)
class HandoffEvent:
    action: Action
    agent: Optional[Agent]
    at: datetime
    note: str = ""
    rma_id: Optional[str] = None


@dataclass(frozen=True)
class Item:
    line_id: str
    title: str
    sku: str
    category: str
    quantity: int
    returned_quantity: int
    unit_price: Money
    total: Money
    requested: bool  # the item the return request is about


@dataclass(frozen=True)
class ReturnHistory:
    orders: int
    orders_with_returns: int
    rate: Decimal
    lookback_days: int


@dataclass(frozen=True)
class MessageView:
    sender: str  # customer | bot | agent
    text: str  # personal data masked
    at: Optional[datetime]


@dataclass(frozen=True)
class HandoffContext:
    handoff_id: int
    reason: str  # fraud_review | damage_claim | customer_request | ...
    status: str  # open | claimed | closed
    conversation_channel: str  # web | telegram | ...
    created_at: datetime
    summary: str  # masked
    order_id: Optional[str] = None
    sales_channel: Optional[str] = None
    customer_name: str = ""  # masked
    customer_email: str = ""  # masked
    customer_postcode: str = ""  # masked
    customer_country: str = ""
    items: Tuple[Item, ...] = ()
    order_total: Optional[Money] = None
    return_reason: Optional[ReturnReason] = None
    history: Optional[ReturnHistory] = None
    signals: Tuple[str, ...] = ()
    messages: Tuple[MessageView, ...] = ()
    events: Tuple[HandoffEvent, ...] = ()
    rma: Optional[Rma] = None  # the requested item's return, if one exists
    verified: Optional[bool] = None  # whether the customer verified any order in the conversation (None: unknown)

    @property
    def decision(self) -> Optional[HandoffEvent]:
        return next((e for e in self.events if e.action in DECISIONS), None)

    @property
    def owner(self) -> Optional[Agent]:
        """The agent who holds the conversation (status claimed)."""
        if self.status != CLAIMED:
            return None
        taken = [e for e in self.events if e.action is Action.TAKE_OVER]
        return taken[-1].agent if taken else None

    @property
    def requested_item(self) -> Optional[Item]:
        return next((i for i in self.items if i.requested), None)

    @property
    def can_decide(self) -> bool:
        """Whether approve and offer-replacement apply: an order item to decide on, no decision yet."""
        return self.decision is None and self.requested_item is not None


@dataclass(frozen=True)
class HandoffUpdate:
    context: HandoffContext  # what the card should now show
    changed: bool  # False: nothing happened (repeated click, refused); tell the customer nothing
    customer_text: Optional[str] = None  # what the customer should be told (deliver when `changed`)
    note: str = ""  # for the agent who acted: what happened, or why nothing did
    rma: Optional[Rma] = None


@dataclass(frozen=True)
class Card:
    handoff_id: int
    channel: str
    ts: Optional[str]  # None: a post was started and may or may not have happened
    thread_ts: Optional[str]


@dataclass(frozen=True)
class Overdue:
    handoff: Handoff
    waiting: timedelta  # since the case was opened
    announcements: int  # re-announcements so far


class HandoffService:
    def __init__(self, store: SqlStore, returns: ReturnsService, clock: Optional[Callable[[], datetime]] = None,
                 message_limit: int = MESSAGE_LIMIT):
        self.store = store
        self.returns = returns
        self.clock = clock or returns.clock
        self.message_limit = message_limit
        metadata.create_all(store.engine, tables=[handoff_cards, handoff_events])

    # -- reading --------------------------------------------------------------------------
    def get(self, handoff_id: int) -> Handoff:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(handoffs).where(handoffs.c.handoff_id == handoff_id)).mappings().first()
        if row is None:
            raise UnknownHandoff(handoff_id)
        return handoff_from_row(row)

    def active(self, conversation_id: str) -> Optional[Handoff]:
        """The conversation's case that is not closed, if any (there is at most one)."""
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(handoffs).where(
                handoffs.c.conversation_id == conversation_id, handoffs.c.status != CLOSED)
                .order_by(handoffs.c.handoff_id.desc()).limit(1)).mappings().first()
        return handoff_from_row(row) if row else None

    def list_active(self) -> List[Handoff]:
        """Every case not closed, oldest first."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(handoffs).where(handoffs.c.status != CLOSED)
                                .order_by(handoffs.c.handoff_id)).mappings().all()
        return [handoff_from_row(r) for r in rows]

    def is_agent_owned(self, conversation_id: str) -> bool:
        """True while an agent holds the conversation: the bot must stay silent."""
        active = self.active(conversation_id)
        return active is not None and active.status == CLAIMED

    def has_verified(self, conversation_id: str) -> bool:
        """Whether the conversation has proven any order is the customer's (order number with its
        email or postcode)."""
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(verifications.c.order_id).where(
                verifications.c.conversation_id == conversation_id).limit(1)).first() is not None

    def events(self, handoff_id: int) -> List[HandoffEvent]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(handoff_events).where(handoff_events.c.handoff_id == handoff_id)
                                .order_by(handoff_events.c.id)).mappings().all()
        return [_event_from(r) for r in rows]

    def context(self, handoff_id: int) -> HandoffContext:
        handoff = self.get(handoff_id)
        channel, _, _ = handoff.conversation_id.partition(":")
        base = HandoffContext(
            handoff_id=handoff.handoff_id, reason=handoff.reason, status=handoff.status,
            conversation_channel=channel if ":" in handoff.conversation_id else "unknown",
            created_at=handoff.created_at, summary=mask_text(handoff.summary), order_id=handoff.order_id,
            signals=tuple(handoff.signals), messages=tuple(self._messages(handoff.conversation_id)),
            events=tuple(self.events(handoff_id)), verified=self.has_verified(handoff.conversation_id),
        )
        order = self.store.get_order(handoff.order_id) if handoff.order_id else None
        if order is None:
            return base
        line, reason = requested_line(order, handoff.summary)
        policy = self.returns.policy
        history = self.store.customer_history(order.customer.email,
                                              self.clock() - timedelta(days=policy.fraud_lookback_days))
        return replace(
            base, sales_channel=order.channel.value, customer_name=mask_name(order.customer.name),
            customer_email=mask_email(order.customer.email), customer_postcode=mask_postcode(order.customer.postcode),
            customer_country=order.customer.country,
            items=tuple(_item(order, each, line is not None and each.line_id == line.line_id) for each in order.lines),
            order_total=order.total, return_reason=reason,
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
            return self._refusal(handoff_id, "A reason is needed: it is sent to the customer.")
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
                return self._refusal(handoff_id, "You already have this conversation.")
            moved = self._move(handoff_id, CLAIMED, CLAIMED)
        elif handoff.status == CLOSED:
            current = self.active(handoff.conversation_id)
            if current is not None:
                return self._refusal(handoff_id, f"This conversation has a newer case, #{current.handoff_id}: "
                                                 "take that one over instead.")
            moved = self._move(handoff_id, CLOSED, CLAIMED)
        else:
            moved = self._move(handoff_id, OPEN, CLAIMED)
        if not moved:  # someone changed it meanwhile
            return self._refusal(handoff_id, "The case changed meanwhile; look at the card again.")
        self._record(handoff_id, Action.TAKE_OVER, agent)
        return HandoffUpdate(self.context(handoff_id), True, TAKEN_OVER.format(agent=agent.first_name),
                             note="You have the conversation: your replies in this thread go to the customer.")

    def hand_back(self, handoff_id: int, agent: Agent) -> HandoffUpdate:
        """Close the case; the bot answers the customer again."""
        handoff = self.get(handoff_id)
        if handoff.status == CLOSED or not self._move(handoff_id, handoff.status, CLOSED):
            return self._refusal(handoff_id, "This case is closed already.")
        self._record(handoff_id, Action.HAND_BACK, agent)
        context = self.context(handoff_id)
        if handoff.status == CLAIMED:
            text = HANDED_BACK.format(agent=agent.first_name)
        elif context.decision is None:
            text = CLOSED_UNDECIDED.format(case_id=f"#{handoff_id}")
        else:
            text = None  # the customer was told the decision already
        return HandoffUpdate(context, True, text, note="Handed back: the assistant answers the customer again.")

    def decline(self, handoff_id: int, note: str) -> bool:
        """Close a case nobody took yet at once, with `note` (why) on record: the gateway's limit on new
        cases. False when it is not open any more (an agent took it meanwhile): then it stands."""
        if not self._move(handoff_id, OPEN, CLOSED):
            return False
        self._record(handoff_id, Action.DECLINE, None, note)
        return True

    # -- waiting cases --------------------------------------------------------------------
    def overdue(self, now: datetime, after: timedelta = timedelta(minutes=15)) -> List[Overdue]:
        """Open cases nobody picked up, last announced (opened or re-announced) `after` ago or more."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(handoffs).where(handoffs.c.status == OPEN)
                                .order_by(handoffs.c.handoff_id)).mappings().all()
            announced = {r.handoff_id: (r.last, r.count) for r in conn.execute(
                sa.select(handoff_events.c.handoff_id, sa.func.max(handoff_events.c.at).label("last"),
                          sa.func.count().label("count"))
                .where(handoff_events.c.action == Action.REANNOUNCE.value)
                .group_by(handoff_events.c.handoff_id))}
            decided = set(conn.execute(sa.select(handoff_events.c.decides)
                                       .where(handoff_events.c.decides.isnot(None))).scalars())
        due = []
        for row in rows:
            handoff = handoff_from_row(row)
            if handoff.handoff_id in decided:
                continue
            last, count = announced.get(handoff.handoff_id, (None, 0))
            last = max(handoff.created_at, last) if last else handoff.created_at
            if now - last >= after:
                due.append(Overdue(handoff, now - handoff.created_at, count))
        return due

    def reannounce(self, handoff_id: int, now: Optional[datetime] = None) -> HandoffUpdate:
        """Record a re-announcement; the customer gets an honest update the first time."""
        first = not any(e.action is Action.REANNOUNCE for e in self.events(handoff_id))
        self._record(handoff_id, Action.REANNOUNCE, None, at=now)
        text = STILL_WAITING.format(case_id=f"#{handoff_id}") if first else None
        return HandoffUpdate(self.context(handoff_id), True, text)

    # -- cards (where an agents' tool shows the case) -------------------------------------
    def card(self, handoff_id: int) -> Optional[Card]:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(handoff_cards)
                               .where(handoff_cards.c.handoff_id == handoff_id)).mappings().first()
        return _card_from(row) if row else None

    def reserve_card(self, handoff_id: int, channel: str, at: datetime) -> Tuple[Card, bool]:
        """Note that a card is about to be posted. Returns (the case's card, reserved now?): a card
        with ts None that was reserved before means an earlier post may have happened."""
        try:
            with self.store.engine.begin() as conn:
                conn.execute(handoff_cards.insert().values(handoff_id=handoff_id, channel=channel, reserved_at=at))
            return Card(handoff_id, channel, None, None), True
        except IntegrityError:
            return self.card(handoff_id), False

    def save_card(self, handoff_id: int, channel: str, ts: str, at: datetime, thread_ts: Optional[str] = None) -> Card:
        with self.store.engine.begin() as conn:
            conn.execute(handoff_cards.update().where(handoff_cards.c.handoff_id == handoff_id).values(
                channel=channel, ts=ts, thread_ts=thread_ts or ts, posted_at=at))
        return Card(handoff_id, channel, ts, thread_ts or ts)

    def for_thread(self, channel: str, thread_ts: str) -> Optional[Handoff]:
        """The case whose card starts this thread."""
        with self.store.engine.connect() as conn:
            handoff_id = conn.execute(sa.select(handoff_cards.c.handoff_id).where(
                handoff_cards.c.channel == channel, handoff_cards.c.thread_ts == thread_ts)).scalar()
        return self.get(handoff_id) if handoff_id is not None else None

    def without_card(self) -> List[Handoff]:
        """Cases not closed whose card is not posted yet (or whose post may not have happened)."""
        posted = sa.select(handoff_cards.c.handoff_id).where(handoff_cards.c.ts.isnot(None))
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(handoffs).where(handoffs.c.status != CLOSED,
                                                          handoffs.c.handoff_id.notin_(posted))
                                .order_by(handoffs.c.handoff_id)).mappings().all()
        return [handoff_from_row(r) for r in rows]

    # -- decisions ------------------------------------------------------------------------
    def _decide(self, handoff_id: int, agent: Agent, action: Action,
                perform: Callable[[Handoff], Tuple[Optional[str], Optional[Rma], str]],
                note: str = "") -> HandoffUpdate:
        handoff = self.get(handoff_id)
        prior = self.context(handoff_id).decision
        if prior is None:
            event_id = self._claim_decision(handoff_id, action, agent, note)
            if event_id is None:  # another click decided first
                prior = self.context(handoff_id).decision
        if prior is not None:
            return self._repeat(handoff, prior, action)
        try:
            text, rma, done = perform(handoff)
        except _Refused as refused:
            self._drop_event(event_id)
            return self._refusal(handoff_id, str(refused))
        except Exception:
            self._drop_event(event_id)
            raise
        if rma is not None:
            with self.store.engine.begin() as conn:
                conn.execute(handoff_events.update().where(handoff_events.c.id == event_id).values(rma_id=rma.rma_id))
        if handoff.status == OPEN:
            self._move(handoff_id, OPEN, CLOSED)  # decided: the bot carries on (it never stopped)
        return HandoffUpdate(self.context(handoff_id), True, text, note=done, rma=rma)

    def _repeat(self, handoff: Handoff, prior: HandoffEvent, action: Action) -> HandoffUpdate:
        who = prior.agent.name if prior.agent else "someone"
        when = prior.at.strftime("%Y-%m-%d %H:%M UTC")
        if prior.action is not action:
            return self._refusal(handoff.handoff_id, f"Already decided: {_done(prior.action)} by {who} at {when}.")
        text, rma = None, None
        if action in (Action.APPROVE, Action.OFFER_REPLACEMENT):
            try:  # the same RMA again, and the same words for it
                text, rma, _ = (self._approve if action is Action.APPROVE else self._replace)(handoff, prior.agent)
            except (_Refused, NotVerified):
                pass
        note = f"Already {_done(action)} by {who} at {when}" + (f": {rma.rma_id}." if rma else ".")
        return HandoffUpdate(self.context(handoff.handoff_id), False, text, note=note, rma=rma)

    def _approve(self, handoff: Handoff, agent: Optional[Agent]) -> Tuple[str, Rma, str]:
        order, line, reason = self._request(handoff)
        service = self._as_agent()
        policy = service.policy
        resolution = Resolution.REFUND if Resolution.REFUND in policy.resolutions else policy.resolutions[0]
        result = service.request_return(handoff.conversation_id, order.order_id, line.line_id, reason, resolution)
        if result.rma is None:
            raise _Refused(f"The policy still says no: {_why_not(result.decision)}. Reject with a reason, "
                           "or write to the customer in the thread.")
        rma = self._confirm(result.rma, agent, "approved")
        item = replies.item_name(line)
        if rma.outcome is Outcome.RMA:
            text = APPROVED_RMA.format(
                item=item, rma_id=rma.rma_id, slip_url=result.slip_url,
                ship_by=replies.day(replies.ship_by_date(rma, policy.ship_back_days)),
                resolution_text=replies.resolution_text(rma.resolution, str(rma.refund)))
        elif rma.outcome is Outcome.RETURNLESS_REFUND:
            text = APPROVED_RETURNLESS.format(item=item, amount=str(rma.refund), rma_id=rma.rma_id)
        else:
            remedy = ("send you a replacement" if rma.resolution is Resolution.REPLACEMENT
                      else f"refund {rma.refund}")
            text = APPROVED_DAMAGE.format(item=item, rma_id=rma.rma_id, remedy=remedy)
        return text, rma, f"Approved: {rma.rma_id} ({rma.outcome.value.replace('_', ' ')}, {rma.refund})."

    def _replace(self, handoff: Handoff, agent: Optional[Agent]) -> Tuple[str, Rma, str]:
        order, line, reason = self._request(handoff)
        existing = self.store.rma_for_line(order.order_id, line.line_id)
        if existing is not None and existing.resolution is not Resolution.REPLACEMENT:
            raise _Refused(f"{existing.rma_id} was already issued as a {existing.resolution.value.replace('_', ' ')}.")
        service = self._as_agent(Resolution.REPLACEMENT)
        if existing is None:
            decision = service.preview_return(handoff.conversation_id, order.order_id, line.line_id, reason)
            if decision.outcome not in (Outcome.RMA, Outcome.DAMAGE_REPLACEMENT):
                raise _Refused(f"A replacement doesn't fit here: {_why_not(decision)}.")
        result = service.request_return(handoff.conversation_id, order.order_id, line.line_id, reason,
                                        Resolution.REPLACEMENT)  # the existing return, if there is one
        rma = self._confirm(result.rma, agent, "replacement offered")
        item = replies.item_name(line)
        if rma.outcome is Outcome.RMA:
            text = REPLACEMENT_RMA.format(item=item, rma_id=rma.rma_id, slip_url=result.slip_url,
                                          ship_by=replies.day(replies.ship_by_date(rma, service.policy.ship_back_days)))
        else:
            text = REPLACEMENT_CONFIRMED.format(item=item, rma_id=rma.rma_id)
        return text, rma, f"Replacement offered: {rma.rma_id}."

    def _reject(self, handoff: Handoff, agent: Agent, reason: str) -> Tuple[str, Optional[Rma], str]:
        sentence = reason if reason[-1] in ".!?" else reason + "."
        order = self.store.get_order(handoff.order_id) if handoff.order_id else None
        line = requested_line(order, handoff.summary)[0] if order else None
        if line is None:
            return REJECTED_REQUEST.format(reason=sentence), None, "Rejected; the customer has the reason."
        rma = self.store.rma_for_line(order.order_id, line.line_id)
        if rma is not None:
            if rma.status is not RmaStatus.PENDING_REVIEW:
                raise _Refused(f"{rma.rma_id} was issued already ({rma.status.value.replace('_', ' ')}); "
                               "change it with `returnbot returns update`.")
            rma = self.store.update_rma_status(rma.rma_id, RmaStatus.REJECTED, self.clock(),
                                               f"rejected by {agent.name}: {reason}"[:500])
        return (REJECTED.format(item=replies.item_name(line), reason=sentence), rma,
                "Rejected; the customer has the reason.")

    def _request(self, handoff: Handoff) -> Tuple[Order, OrderLine, ReturnReason]:
        order = self.store.get_order(handoff.order_id) if handoff.order_id else None
        if order is None:
            raise _Refused("This case has no order to decide on: write to the customer in the thread.")
        line, reason = requested_line(order, handoff.summary)
        if line is None:
            raise _Refused("I can't tell which item this case is about: take over and ask the customer.")
        if not self.store.is_verified(handoff.conversation_id, order.order_id):
            raise _Refused("The customer hasn't proven this order is theirs in this conversation.")
        return order, line, reason or ReturnReason.OTHER

    def _confirm(self, rma: Rma, agent: Optional[Agent], what: str) -> Rma:
        """A return waiting for review (a damage claim) is authorised by the agent's decision."""
        if rma.status is RmaStatus.PENDING_REVIEW:
            who = agent.name if agent else "an agent"
            return self.store.update_rma_status(rma.rma_id, RmaStatus.AUTHORISED, self.clock(), f"{what} by {who}")
        return rma

    def _as_agent(self, *extra: Resolution) -> ReturnsService:
        """The bot's returns service with the fraud rule switched off (the agent overrules it) and
        `extra` resolutions allowed; every other rule of the policy applies as usual."""
        base = self.returns
        policy = replace(base.policy, fraud_min_orders=sys.maxsize,
                         resolutions=base.policy.resolutions + tuple(r for r in extra
                                                                     if r not in base.policy.resolutions))
        return ReturnsService(base.store, policy, base.shop, base.clock, base.new_rma_id)

    # -- bookkeeping ----------------------------------------------------------------------
    def _refusal(self, handoff_id: int, note: str) -> HandoffUpdate:
        return HandoffUpdate(self.context(handoff_id), False, None, note=note)

    def _move(self, handoff_id: int, from_status: str, to_status: str) -> bool:
        """Compare-and-set the status; False when it was not `from_status` any more."""
        with self.store.engine.begin() as conn:
            result = conn.execute(handoffs.update().where(handoffs.c.handoff_id == handoff_id,
                                                          handoffs.c.status == from_status).values(status=to_status))
        return result.rowcount == 1

    def _record(self, handoff_id: int, action: Action, agent: Optional[Agent], note: str = "",
                at: Optional[datetime] = None) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(handoff_events.insert().values(
                **_event_row(handoff_id, action, agent, note, at or self.clock())))

    def _claim_decision(self, handoff_id: int, action: Action, agent: Agent, note: str) -> Optional[int]:
        try:
            with self.store.engine.begin() as conn:
                return conn.execute(handoff_events.insert().values(
                    **_event_row(handoff_id, action, agent, note, self.clock()), decides=handoff_id)
                ).inserted_primary_key[0]
        except IntegrityError:
            return None

    def _drop_event(self, event_id: int) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(handoff_events.delete().where(handoff_events.c.id == event_id))


# -- helpers --------------------------------------------------------------------------------------
_REASON = re.compile(r"; reason ([a-z_]+)")


def requested_line(order: Order, summary: str) -> Tuple[Optional[OrderLine], Optional[ReturnReason]]:
    """The order line and reason a return case is about, read from the summary the returns
    service writes ("<channel> order <id>: <title> x<qty> at <price> <currency>; reason <reason>");
    a return case on an order with one line is about that line. Other cases (the customer asked
    for a person) are about no line: the agent talks to the customer first."""
    summary = summary or ""
    found = _REASON.search(summary)
    if found is None:
        return None, None
    matches = [line for line in order.lines if f": {line.title} x" in summary]
    line = max(matches, key=lambda l: len(l.title)) if matches else None
    if line is None and len(order.lines) == 1:
        line = order.lines[0]
    reason = ReturnReason(found.group(1)) if found and found.group(1) in ReturnReason._value2member_map_ else None
    return line, reason


def _item(order: Order, line: OrderLine, requested: bool) -> Item:
    return Item(line.line_id, line.title, line.sku, line.category, line.quantity, line.returned_quantity,
                Money(line.unit_price, order.currency), Money(line.unit_price * line.quantity, order.currency),
                requested)


def _why_not(decision) -> str:
    if decision.outcome is Outcome.AMAZON_FBA:
        return "Amazon handles returns of FBA orders"
    if decision.ineligible is not None:
        text = decision.ineligible.value.replace("_", " ")
        if decision.return_by is not None and decision.ineligible.value == "window_closed":
            text += f" on {replies.day(decision.return_by)}"
        return text
    return decision.outcome.value.replace("_", " ")


def _done(action: Action) -> str:
    return {Action.APPROVE: "approved", Action.REJECT: "rejected",
            Action.OFFER_REPLACEMENT: "replacement offered"}.get(action, action.value.replace("_", " "))


def _event_row(handoff_id: int, action: Action, agent: Optional[Agent], note: str, at: datetime) -> dict:
    return dict(handoff_id=handoff_id, action=action.value, agent_id=agent.id if agent else None,
                agent_name=agent.name if agent else None, at=at, note=(note or "")[:MAX_NOTE])


def _event_from(r) -> HandoffEvent:
    agent = Agent(r["agent_id"], r["agent_name"] or r["agent_id"]) if r["agent_id"] else None
    return HandoffEvent(Action(r["action"]), agent, r["at"], r["note"] or "", r["rma_id"])


def _card_from(r) -> Card:
    return Card(r["handoff_id"], r["channel"], r["ts"], r["thread_ts"])


__all__: Sequence[str] = (
    "Action", "Agent", "Card", "HandoffContext", "HandoffEvent", "HandoffService", "HandoffUpdate", "Item",
    "MessageView", "Overdue", "ReturnHistory", "UnknownHandoff", "handoff_cards", "handoff_events",
    "requested_line",
)
