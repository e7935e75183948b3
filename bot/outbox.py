"""The outbox: every message to a customer is a row here before any channel sends it, and every
inbound event (a Telegram update, a button press) is recorded once before it is acted on.

Uniqueness lives in the schema: one row per idempotency key, one sequence number per message of a
conversation, one record per inbound key. So a duplicate inbound is refused, a retried enqueue
adds nothing, and a crash between enqueue and send leaves the rows pending for the relay to send
after the restart. Times are passed in; the tables live on `bot.store.metadata`, so
`SqlStore.create_schema()` creates them once this module is imported (`Outbox` also makes sure).

A claim and an enqueue take a `transcript`: writes of the conversation's transcript (on the same
database) made in the same transaction, rather than in a transaction per transcript entry.
The transcript is a record, not the conversation: when its writes fail, the outbox's own are made
without them and the failure is logged; a reply is never lost over it.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.store import UtcDateTime, metadata

log = logging.getLogger(__name__)
T = TypeVar("T")

PENDING, SENT, FAILED = "pending", "sent", "failed"
ANSWER_BATCH = 20  # rows looked up at a time by `answers`; an answer is rarely more than a few

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(200), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("idempotency_key", sa.String(255), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("sent_at", UtcDateTime),
    sa.Column("last_error", sa.String(500)),
    sa.Column("delivery_ref", sa.String(100)),  # the channel's id for the sent message
    sa.UniqueConstraint("idempotency_key", name="one_outbox_row_per_key"),
    sa.UniqueConstraint("conversation_id", "seq", name="one_outbox_seq_per_conversation"),
    sa.Index("outbox_status_conversation", "status", "conversation_id", "seq"),
)

processed_inbound = sa.Table(
    "processed_inbound", metadata,
    sa.Column("key", sa.String(255), primary_key=True),  # e.g. telegram:<bot id>:update:<update id>
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("answered_at", UtcDateTime),  # set in the transaction that queues the replies
)


# The statements of a turn, built once: SQLAlchemy then finds them in its compiled cache without
# constructing them or their cache keys again (values go in as bound parameters).
_CLAIM = processed_inbound.insert()
_IS_ANSWERED = sa.select(processed_inbound.c.answered_at).where(processed_inbound.c.key == sa.bindparam("key_"))
_ANSWERED = (processed_inbound.update().where(processed_inbound.c.key == sa.bindparam("key_"))
             .values(answered_at=sa.bindparam("at_", type_=UtcDateTime)))
_EXISTING = sa.select(outbox.c.idempotency_key).where(
    outbox.c.idempotency_key.in_(sa.bindparam("keys_", expanding=True)))
_LAST_SEQ = sa.select(sa.func.max(outbox.c.seq)).where(outbox.c.conversation_id == sa.bindparam("cid_"))
_TAKEN_KEYS = outbox.alias("taken")
_LAST_SEQ_AND_QUEUED = _LAST_SEQ.add_columns(  # (the conversation's last seq, whether any of the keys is taken)
    sa.exists().where(_TAKEN_KEYS.c.idempotency_key.in_(sa.bindparam("keys_", expanding=True))))
_INSERT = outbox.insert()
_IDS = sa.select(outbox.c.idempotency_key, outbox.c.id).where(
    outbox.c.idempotency_key.in_(sa.bindparam("keys_", expanding=True)))
_ROWS = sa.select(outbox).order_by(outbox.c.conversation_id, outbox.c.seq)
_BY_KEYS = _ROWS.where(outbox.c.idempotency_key.in_(sa.bindparam("keys_", expanding=True)))
_BATCH_NAMES = [f"k{i}_" for i in range(ANSWER_BATCH)]
_ANSWER_BATCH = _ROWS.where(outbox.c.idempotency_key.in_(  # `<key>:<i>` for a batch of i, as many parameters
    [sa.bindparam(name) for name in _BATCH_NAMES]))
_AFTER = _ROWS.where(outbox.c.conversation_id == sa.bindparam("cid_"), outbox.c.seq > sa.bindparam("seq_"))
_FIRST = (sa.select(outbox.c.conversation_id, sa.func.min(outbox.c.seq).label("seq"))
          .where(outbox.c.status == PENDING).group_by(outbox.c.conversation_id).subquery())
_HEADS = (sa.select(outbox.c.conversation_id, outbox.c.next_attempt_at)  # the relay asks after every turn
          .select_from(outbox.join(_FIRST, sa.and_(outbox.c.conversation_id == _FIRST.c.conversation_id,
                                                   outbox.c.seq == _FIRST.c.seq)))
          .where(outbox.c.channel.in_(sa.bindparam("channels_", expanding=True))).order_by(outbox.c.next_attempt_at))
_TAKEN = (outbox.update().where(outbox.c.id.in_(sa.bindparam("ids_", expanding=True)), outbox.c.status == PENDING)
          .values(status=SENT, sent_at=sa.bindparam("at_", type_=UtcDateTime),
                  delivery_ref=sa.bindparam("ref_", type_=sa.String), attempts=outbox.c.attempts + 1))


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


class Outbox:
    """Repository of outbound messages and processed inbound keys over the store's engine."""

    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=[outbox, processed_inbound])

    # -- inbound ----------------------------------------------------------------------------
    def claim_inbound(self, conversation_id: str, keys: Sequence[str], at: datetime,
                      transcript: Optional[Callable[[Connection], None]] = None) -> bool:
        """Record inbound keys, all or none. False when any was recorded before (a duplicate).
        `transcript(conn)` writes the event's transcript entry in the same transaction, only when
        the keys are new (see the module's docstring for when it fails)."""
        def claim(conn: Connection) -> None:
            conn.execute(_CLAIM, [
                dict(key=key, conversation_id=conversation_id, received_at=at) for key in keys])

        try:
            self._write(conversation_id, claim, None if transcript is None else lambda conn, _: transcript(conn))
        except IntegrityError:
            return False
        return True

    def is_answered(self, key: str) -> bool:
        """Whether the replies to this inbound key are queued."""
        with self.engine.connect() as conn:
            return conn.execute(_IS_ANSWERED, {"key_": key}).scalar() is not None

    # -- enqueue ----------------------------------------------------------------------------
    def enqueue(self, conversation_id: str, channel: str, key_prefix: str, payloads: Sequence[Dict[str, Any]],
                at: datetime, answers: Optional[str] = None,
                transcript: Optional[Callable[[Connection, List[OutboxMessage]], None]] = None,
                ) -> List[OutboxMessage]:
        """Queue payloads after the conversation's earlier messages, keyed `<key_prefix>:<i>`;
        keys queued before are skipped. `answers` marks that inbound key answered, in the same
        transaction. Returns the conversation's rows for these keys, in order; `transcript(conn,
        those rows)` writes the transcript's entries for them in the same transaction too (see
        the module's docstring for when it fails)."""
        keys = [f"{key_prefix}:{i}" for i in range(len(payloads))]

        def queue(conn: Connection) -> List[OutboxMessage]:
            if keys:
                seq, queued = conn.execute(_LAST_SEQ_AND_QUEUED, {"cid_": conversation_id, "keys_": keys}).one()
                seq = seq or 0
                existing = set(conn.execute(_EXISTING, {"keys_": keys}).scalars()) if queued else set()
            else:
                seq, existing = 0, set()
            rows = []
            for key, payload in zip(keys, payloads):
                if key in existing:
                    continue
                seq += 1
                rows.append(dict(conversation_id=conversation_id, channel=channel, seq=seq,
                                 idempotency_key=key, payload=json.dumps(payload), status=PENDING,
                                 attempts=0, next_attempt_at=at, created_at=at))
            if rows:
                conn.execute(_INSERT, rows)
            if answers is not None:
                conn.execute(_ANSWERED, {"key_": answers, "at_": at})
            if not keys:
                return []
            if existing:  # queued before, in part or whole: the rows as they are now
                return _select(conn, _BY_KEYS, {"keys_": keys})
            # all ours: the rows just inserted, with the ids they were given, times as the store gives them back
            ids = dict(conn.execute(_IDS, {"keys_": keys}).all())
            stamp = at.astimezone(timezone.utc)
            return [OutboxMessage(ids[row["idempotency_key"]], conversation_id, channel, row["seq"],
                                  row["idempotency_key"], json.loads(row["payload"]), PENDING, 0, stamp, stamp)
                    for row in rows]

        for _ in range(4):
            try:
                return self._write(conversation_id, queue, transcript)
            except IntegrityError:  # another writer took the sequence number or the key: look again
                pass
        return self._write(conversation_id, queue, transcript)  # the fifth try raises what it meets

    # -- reading ----------------------------------------------------------------------------
    def get(self, message_id: int) -> Optional[OutboxMessage]:
        found = self._select(outbox.c.id == message_id)
        return found[0] if found else None

    def messages(self, conversation_id: str, limit: int = 200) -> List[OutboxMessage]:
        """The conversation's rows, latest `limit`, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(outbox).where(outbox.c.conversation_id == conversation_id)
                                .order_by(outbox.c.seq.desc()).limit(limit)).all()
        return [_message_from(r) for r in reversed(rows)]

    def queued(self, key_prefix: str) -> bool:
        """Whether anything was queued under `key_prefix` (its first row is `<key_prefix>:0`)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(outbox.c.id).where(
                outbox.c.idempotency_key == f"{key_prefix}:0")).first() is not None

    def collect(self, conversation_id: str, after_seq: int, at: datetime) -> List[OutboxMessage]:
        """For channels the customer pulls from (web chat): the conversation's rows after
        `after_seq`, in order; the pending ones among them are marked sent. Asking again with the
        same `after_seq` returns the same rows, so a response lost on the way is not a message lost."""
        with self.engine.begin() as conn:
            rows = _select(conn, _AFTER, {"cid_": conversation_id, "seq_": after_seq})
            _mark_taken(conn, rows, at, "pulled")
        return rows

    def answers(self, key: str, at: datetime) -> List[OutboxMessage]:
        """For channels that answer in the response to the customer's own request (web chat): the
        rows queued in answer to inbound `key` (`<key>:<i>`), in order; the pending ones are marked
        sent, as `collect` does. Asking again returns the same rows, so a retried request gets the
        answer the first one may have lost. Looked up by exact keys (the unique index), in batches."""
        rows: List[OutboxMessage] = []
        with self.engine.begin() as conn:
            while True:
                batch = _select(conn, _ANSWER_BATCH, {
                    name: f"{key}:{i}" for i, name in enumerate(_BATCH_NAMES, start=len(rows))})
                rows += batch
                if len(batch) < ANSWER_BATCH:
                    break
            _mark_taken(conn, rows, at, "answered")
        return rows

    def last_seq(self, conversation_id: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(_LAST_SEQ, {"cid_": conversation_id}).scalar() or 0

    def pending(self, conversation_id: Optional[str] = None) -> List[OutboxMessage]:
        where = outbox.c.status == PENDING
        if conversation_id is not None:
            where = sa.and_(where, outbox.c.conversation_id == conversation_id)
        return self._select(where)

    def head(self, conversation_id: str) -> Optional[OutboxMessage]:
        """The conversation's first pending message: nothing after it may go before it."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(outbox).where(
                outbox.c.conversation_id == conversation_id, outbox.c.status == PENDING)
                .order_by(outbox.c.seq).limit(1)).first()
        return _message_from(row) if row else None

    def heads(self, channels: Iterable[str]) -> List[Tuple[str, datetime]]:
        """(conversation id, when its first pending message is due) for conversations on `channels`."""
        channels = list(channels)
        if not channels:
            return []
        with self.engine.connect() as conn:
            return [(r.conversation_id, r.next_attempt_at) for r in conn.execute(_HEADS, {"channels_": channels})]

    # -- delivery results -------------------------------------------------------------------
    def mark_sent(self, message_id: int, at: datetime, delivery_ref: Optional[str] = None) -> None:
        self._update(message_id, status=SENT, sent_at=at, delivery_ref=delivery_ref,
                     attempts=outbox.c.attempts + 1)

    def mark_retry(self, message_id: int, next_attempt_at: datetime, error: str) -> None:
        self._update(message_id, next_attempt_at=next_attempt_at, last_error=error[:500],
                     attempts=outbox.c.attempts + 1)

    def mark_failed(self, message_id: int, at: datetime, error: str) -> None:
        """Give up on a message the channel will never take (the customer blocked the bot...)."""
        self._update(message_id, status=FAILED, sent_at=at, last_error=error[:500],
                     attempts=outbox.c.attempts + 1)

    # -- helpers ----------------------------------------------------------------------------
    def _write(self, conversation_id: str, work: Callable[[Connection], T],
               transcript: Optional[Callable[[Connection, T], None]]) -> T:
        """`work(conn)` in a transaction, with `transcript(conn, its result)` in the same one. When
        the transcript fails, the transaction is rolled back and made again without it (PostgreSQL
        cannot commit a transaction after a failed statement), and the failure is logged."""
        if transcript is not None:
            try:
                with self.engine.begin() as conn:
                    result = work(conn)
                    try:
                        transcript(conn, result)
                    except Exception as exc:
                        raise _TranscriptFailed() from exc
                return result
            except _TranscriptFailed as failed:
                log.error("transcript of %s not written", conversation_id, exc_info=failed.__cause__)
        with self.engine.begin() as conn:
            return work(conn)

    def _update(self, message_id: int, **values) -> None:
        with self.engine.begin() as conn:
            conn.execute(outbox.update().where(outbox.c.id == message_id, outbox.c.status == PENDING)
                         .values(**values))

    def _select(self, where) -> List[OutboxMessage]:
        with self.engine.connect() as conn:
            return _select(conn, _ROWS.where(where))


class _TranscriptFailed(Exception):
    """Rolls back a transaction whose transcript writes failed (the cause); see `Outbox._write`."""


def _mark_taken(conn: Connection, rows: Sequence[OutboxMessage], at: datetime, delivery_ref: str) -> None:
    """Marks the pending ones of `rows` sent (as `mark_sent` does), in one statement on `conn`."""
    pending = [row.id for row in rows if row.status == PENDING]
    if pending:
        conn.execute(_TAKEN, {"ids_": pending, "at_": at, "ref_": delivery_ref})


def _select(conn: Connection, query, params: Optional[Dict[str, Any]] = None) -> List[OutboxMessage]:
    """`query` (rows of the whole outbox table) as messages, in its order."""
    return [_message_from(r) for r in conn.execute(query, params)]


def _message_from(r) -> OutboxMessage:
    """A row of the whole outbox table, whose columns are in the fields' order (`payload` is JSON)."""
    return OutboxMessage(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), *r[6:])
