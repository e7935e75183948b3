"""Handoffs' values: a case's facts, what an agent sees and does, and the repository that keeps cases.

`HandoffFacts` are what the bot knew when it opened a case, as fields: the order, the line, the
quantity, the reason and the resolution the customer asked for, their own words and the language
they wrote in. An agent's decision is carried out from them; nothing is read back from the case's
summary, which is text for people. A case opened before the facts were kept has none
(`HandoffRepository.facts` answers None): an agent decides it by hand.

Frozen dataclasses and a `Protocol`; no storage and no framework here.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import List, Optional, Protocol, Tuple

from bot.models import Handoff, Money, Resolution, ReturnReason, Rma

OPEN, CLAIMED, CLOSED = "open", "claimed", "closed"
MAX_NOTE = 1000  # characters of an event's note
MAX_WORDS = 500  # characters of the customer's words kept with a case
ASSISTANT_LANGUAGE = "en"  # what the assistant understands today (config.yml); issue 15 adds others


class Action(str, enum.Enum):
    APPROVE = "approve"
    REJECT = "reject"
    OFFER_REPLACEMENT = "offer_replacement"
    TAKE_OVER = "take_over"
    HAND_BACK = "hand_back"
    REANNOUNCE = "reannounce"
    DECLINE = "decline"  # closed as it opened: too many new cases (the gateway's limits)


DECISIONS = (Action.APPROVE, Action.REJECT, Action.OFFER_REPLACEMENT)


class UnknownHandoff(KeyError):
    """No handoff has this id."""


@dataclass(frozen=True)
class HandoffFacts:
    """What a case is about, as the bot knew it when it opened the case. A case about no particular
    item (the customer asked for a person) has no line, quantity or reason."""

    order_id: Optional[str] = None
    line_id: Optional[str] = None
    quantity: Optional[int] = None  # units the customer asked to return
    reason: Optional[ReturnReason] = None
    resolution: Optional[Resolution] = None  # what the customer asked for (refund, exchange...), if they did
    words: str = ""  # the customer's own words about it (personal data: erased by `returnbot forget`)
    language: str = ASSISTANT_LANGUAGE  # the language they wrote in, as the assistant understood it

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", " ".join((self.words or "").split())[:MAX_WORDS])


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
    facts: Optional[HandoffFacts] = None  # the customer's words masked; None: opened before facts were kept

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
    """Where an agents' tool shows a case (Slack: the channel and the message's ts)."""

    handoff_id: int
    channel: str
    ts: Optional[str]  # None: a post was started and may or may not have happened
    thread_ts: Optional[str]


@dataclass(frozen=True)
class Overdue:
    handoff: Handoff
    waiting: timedelta  # since the case was opened
    announcements: int  # re-announcements so far


@dataclass(frozen=True)
class Announced:
    """An open case nobody decided, with its re-announcements so far (`HandoffRepository.undecided_open`)."""

    handoff: Handoff
    last_reannounced: Optional[datetime]
    reannouncements: int


class HandoffRepository(Protocol):
    """Where cases, their facts and their events are kept (`bot.sql.handoffs.SqlHandoffs`)."""

    def open(self, conversation_id: str, reason: str, order_id: Optional[str], summary: str,
             signals: Tuple[str, ...], at: datetime, facts: Optional[HandoffFacts] = None) -> Handoff:
        """Open a case with its facts, or return the conversation's case that is not closed (never two)."""

    def get(self, handoff_id: int) -> Optional[Handoff]: ...

    def active(self, conversation_id: str) -> Optional[Handoff]:
        """The conversation's case that is not closed, if any."""

    def list(self, status: Optional[str] = None) -> List[Handoff]:
        """Cases, oldest first; only those with `status` when given."""

    def list_active(self) -> List[Handoff]:
        """Cases not closed, oldest first."""

    def facts(self, handoff_id: int) -> Optional[HandoffFacts]:
        """The case's facts; None for a case opened before they were kept."""

    def move(self, handoff_id: int, from_status: str, to_status: str) -> bool:
        """Compare-and-set the status; False when it was not `from_status` any more."""

    def events(self, handoff_id: int) -> List[HandoffEvent]: ...

    def record(self, handoff_id: int, action: Action, agent: Optional[Agent], note: str, at: datetime) -> None: ...

    def claim_decision(self, handoff_id: int, action: Action, agent: Agent, note: str, at: datetime) -> Optional[int]:
        """Record the case's one decision: the event's id, or None when a decision is there already."""

    def set_decision_rma(self, event_id: int, rma_id: str) -> None: ...

    def drop_event(self, event_id: int) -> None: ...

    def undecided_open(self) -> List[Announced]:
        """Open cases with no decision, oldest first, with their re-announcements."""

    def has_verified(self, conversation_id: str) -> bool:
        """Whether the conversation has proven any order is the customer's."""
