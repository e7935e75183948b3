"""The repositories: how the core keeps and finds its records, one Protocol per aggregate, and the
unit of work that makes several writes one transaction.

The core depends on these Protocols only. Their SQL implementations live in `bot/sql/` (one module
per aggregate, the only place SQLAlchemy appears); in-memory fakes for tests live in
`tests/fakes.py`. The composition root (`bot/bootstrap.py`) hands the services one `SqlStore`, which
implements every repository of the order database at once; a test may hand them a fake of the few
it needs.

Uniqueness is the repositories' promise, whatever keeps them: one RMA per order line (`create_rma`
returns the line's existing one), one refund per RMA, one status event per outside event key, one
verification per (conversation, order), one outbox row per key, one claim per inbound key.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional, Protocol, Sequence, Tuple

from bot.handoffs.types import HandoffRepository
from bot.models import CustomerHistory, Order, OrderStatus, Resolution, Rma, RmaEvent, RmaStatus

Entry = Tuple[str, Dict[str, Any]]  # a transcript entry: (direction "in" | "out", payload)


class RmaIdClash(Exception):
    """A new RMA's random number is taken already; draw another."""


class StoreUnavailable(Exception):
    """The database could not be read at all (down, refused, not there); the message says why."""


class Conflict(Exception):
    """A write met a concurrent one (a sequence number or key another writer took first); the unit
    of work is rolled back and may be tried again from the start."""


class Orders(Protocol):
    def upsert_orders(self, new_orders: Iterable[Order]) -> Tuple[int, int]:
        """Insert or update orders by order id (idempotent): (inserted, updated)."""

    def get_order(self, order_id: str) -> Optional[Order]: ...

    def verified_order(self, conversation_id: str, order_id: str) -> Optional[Order]:
        """The order, only if this conversation has verified it (None for an unknown order and for an
        unverified one alike)."""

    def order_id_for_tracking(self, tracking_number: str) -> Optional[str]:
        """The order shipped under this tracking number (blanks and case ignored), if exactly one was."""

    def count_orders(self) -> int: ...

    def set_order_status(self, order_id: str, status: OrderStatus) -> None: ...

    def cancel_lines(self, order_id: str, cancelled: Mapping[str, int], at: datetime) -> bool:
        """Units taken off an unshipped order (`cancelled`: a line's cancelled units in all once done);
        False, nothing changed, when the order is no longer processing or a line is unknown."""

    def customer_history(self, email: str, since: datetime) -> CustomerHistory: ...


class Returns(Protocol):
    def create_rma(self, rma: Rma) -> Tuple[Rma, bool]:
        """Store a new RMA unless the line has one: (the line's RMA, created?). RmaIdClash when its
        number is taken."""

    def rma_for_line(self, order_id: str, line_id: str) -> Optional[Rma]: ...

    def get_rma(self, rma_id: str) -> Optional[Rma]: ...

    def rmas_for_order(self, order_id: str) -> List[Rma]: ...

    def list_rmas(self, limit: int = 1000) -> List[Rma]: ...

    def update_rma_status(self, rma_id: str, status: RmaStatus, at: datetime, note: str = "") -> Optional[Rma]:
        """Move an RMA to `status` with an event; a move to refunded records the refund once."""

    def apply_rma_event(self, rma_id: str, status: RmaStatus, at: datetime, note: str,
                        event_key: str) -> Tuple[Optional[Rma], bool]:
        """`update_rma_status` once per `event_key`: (the RMA, applied now?)."""

    def change_resolution(self, rma_id: str, resolution: Resolution, at: datetime) -> Optional[Rma]:
        """The customer's choice of refund, exchange or store credit, changed while nothing has been
        sent back yet (status `label_created`), with an event; None (nothing changed) otherwise."""

    def event_key_seen(self, event_key: str) -> bool: ...

    def rma_events_after(self, after_id: int, limit: int = 500) -> List[Tuple[int, RmaEvent]]: ...

    def last_rma_event_id(self) -> int: ...

    def rma_events(self, rma_id: str) -> List[RmaEvent]: ...

    def record_return_words(self, rma_id: str, conversation_id: str, words: str, at: datetime) -> None: ...

    def return_words_for(self, rma_id: str) -> Optional[str]: ...


class Verifications(Protocol):
    def record_verification(self, conversation_id: str, order_id: str, at: datetime) -> None: ...

    def is_verified(self, conversation_id: str, order_id: str) -> bool: ...

    def claim_verification_attempt(self, conversation_id: str, order_id: str, at: datetime, since: datetime,
                                   max_failures: int) -> Optional[int]:
        """Count an attempt before its proof is checked, atomically with the limit's check: the
        attempt's id, or None when the conversation or the order has `max_failures` since `since`."""

    def release_verification_attempt(self, attempt_id: int, conversation_id: str, order_id: str,
                                     at: datetime) -> None:
        """The proof was right: the attempt is no failure, and the order is verified (one step)."""

    def record_failed_verification(self, conversation_id: str, order_id: str, at: datetime) -> None: ...

    def failed_verifications(self, conversation_id: str, order_id: str, since: datetime) -> int: ...

    def orders_verified_by(self, conversation_id: str) -> List[str]: ...

    def conversations_verifying(self, order_id: str) -> List[str]: ...


class Transcript(Protocol):
    """What the customer and the bot said, as a record (agents read it on handoff)."""

    def append_messages(self, conversation_id: str, entries: Sequence[Entry], at: datetime) -> None:
        """Add entries, in order, in one write."""


class Conversations(Transcript, Protocol):
    def append_message(self, conversation_id: str, direction: str, payload: dict, at: datetime) -> None: ...

    def messages(self, conversation_id: str, limit: int = 200) -> List[dict]: ...

    def latest_of(self, conversation_ids: Sequence[str]) -> Optional[str]:
        """Of these conversations, the one with the latest transcript entry; None when none has one."""

    def add_tag(self, conversation_id: str, tag: str, at: datetime) -> None: ...


class Notices(Protocol):
    """What telling customers about their returns remembers: how far the event log was told (a
    named cursor) and who said "stop updates" (subjects `conversation:<id>`, `email:<address>`)."""

    def notice_cursor(self, name: str) -> Optional[int]: ...

    def start_notice_cursor(self, name: str, event_id: int) -> bool:
        """Make the cursor at `event_id`; False when another process made it first."""

    def advance_notice_cursor(self, name: str, event_id: int) -> None:
        """Move the cursor to `event_id`, never back."""

    def opt_out(self, subjects: Sequence[str], at: datetime) -> None: ...

    def opt_in(self, subjects: Sequence[str]) -> None: ...

    def opted_out(self, subjects: Sequence[str]) -> bool: ...


class ConversationLanguages(Protocol):
    """The language each conversation is in (bot/language.py chooses it; the gateway keeps it): what
    the bot answers in, and what notices and the gateway's own sentences are said in."""

    def language_of(self, conversation_id: str) -> Optional[str]:
        """The conversation's language; None when none was kept (a new conversation: English)."""

    def set_language(self, conversation_id: str, language: str) -> None:
        """Keep `language` as the conversation's, replacing the one kept before."""


class Store(Orders, Returns, Verifications, Conversations, Notices, Protocol):
    """Every repository of the order database in one object, as the services take it (`SqlStore`);
    its cases for a person are its `handoffs` (bot/handoffs/types.py)."""

    handoffs: HandoffRepository


# -- the unit of work -----------------------------------------------------------------------------
class OutboxWrites(Protocol):
    """The outbox's writes of a turn, inside a unit of work (bot/outbox.py has the rest)."""

    def claim_inbound(self, conversation_id: str, keys: Sequence[str], at: datetime) -> bool:
        """Record inbound keys, all or none. False when any was recorded before (a duplicate): the
        unit of work must then be left without committing."""

    def enqueue(self, conversation_id: str, channel: str, key_prefix: str, payloads: Sequence[Dict[str, Any]],
                at: datetime, answers: Optional[str] = None) -> List[Any]:
        """Queue payloads (see `Outbox.enqueue`) and return the conversation's rows for their keys.
        Conflict when another writer took a sequence number or key meanwhile."""


class UnitOfWork(Protocol):
    """Writes that succeed or fail together: open it with `with`, write through its repositories,
    `commit()`. Leaving the block without a commit (or by an exception) rolls everything back."""

    outbox: OutboxWrites
    transcript: Transcript

    def __enter__(self) -> "UnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...
