"""The outbox: every message to a customer is a row here before any channel sends it, and every
inbound event (a Telegram update, a button press) is recorded once before it is acted on.

Uniqueness is the repository's promise: one row per idempotency key, one sequence number per
message of a conversation, one record per inbound key. So a duplicate inbound is refused, a retried
enqueue adds nothing, and a crash between enqueue and send leaves the rows pending for the relay to
send after the restart. Times are passed in.

`Outbox` is the repository the channels and the relay use; `bot/sql/outbox.py` implements it. A turn's
claim and enqueue also exist inside a unit of work (bot/repositories.py: `UnitOfWork.outbox`), so the
router writes the transcript in the same transaction (channels/router.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Protocol, Sequence, Tuple

PENDING, SENT, FAILED = "pending", "sent", "failed"
ANSWER_BATCH = 20  # rows looked up at a time by `answers`; an answer is rarely more than a few


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    conversation_id: str
    channel: str
    seq: int
    key: str
    payload: Dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: Optional[datetime] = None
    last_error: Optional[str] = None
    delivery_ref: Optional[str] = None


class Outbox(Protocol):
    """Repository of outbound messages and processed inbound keys."""

    def claim_inbound(self, conversation_id: str, keys: Sequence[str], at: datetime) -> bool:
        """Record inbound keys, all or none. False when any was recorded before (a duplicate)."""

    def is_answered(self, key: str) -> bool:
        """Whether the replies to this inbound key are queued."""

    def enqueue(self, conversation_id: str, channel: str, key_prefix: str, payloads: Sequence[Dict[str, Any]],
                at: datetime, answers: Optional[str] = None) -> List[OutboxMessage]:
        """Queue payloads after the conversation's earlier messages, keyed `<key_prefix>:<i>`; keys
        queued before are skipped. `answers` marks that inbound key answered, in the same write.
        Returns the conversation's rows for these keys, in order."""

    def get(self, message_id: int) -> Optional[OutboxMessage]: ...

    def messages(self, conversation_id: str, limit: int = 200) -> List[OutboxMessage]:
        """The conversation's rows, latest `limit`, oldest first."""

    def queued(self, key_prefix: str) -> bool:
        """Whether anything was queued under `key_prefix`."""

    def collect(self, conversation_id: str, after_seq: int, at: datetime) -> List[OutboxMessage]:
        """The conversation's rows after `after_seq`, in order; the pending ones are marked sent
        (channels the customer pulls from). Asking again returns the same rows."""

    def answers(self, key: str, at: datetime) -> List[OutboxMessage]:
        """The rows queued in answer to inbound `key`, in order; the pending ones are marked sent."""

    def last_seq(self, conversation_id: str) -> int: ...

    def pending(self, conversation_id: Optional[str] = None) -> List[OutboxMessage]: ...

    def head(self, conversation_id: str) -> Optional[OutboxMessage]:
        """The conversation's first pending message: nothing after it may go before it."""

    def heads(self, channels: Iterable[str]) -> List[Tuple[str, datetime]]:
        """(conversation id, when its first pending message is due) for conversations on `channels`."""

    def mark_sent(self, message_id: int, at: datetime, delivery_ref: Optional[str] = None) -> None: ...

    def mark_retry(self, message_id: int, next_attempt_at: datetime, error: str) -> None: ...

    def mark_failed(self, message_id: int, at: datetime, error: str) -> None:
        """Give up on a message the channel will never take (the customer blocked the bot...)."""
