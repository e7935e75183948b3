"""The outbox in SQL (bot/outbox.py has what it promises): `SqlOutbox` over an engine, each call its own
transaction, and `SqlOutboxWrites`, a turn's claim and enqueue on the connection of a unit of work."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.outbox import ANSWER_BATCH, FAILED, PENDING, SENT, OutboxMessage
from bot.repositories import Conflict
from bot.sql.schema import UtcDateTime, metadata, outbox, processed_inbound

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


class SqlOutbox:
    """The `Outbox` repository (bot/outbox.py) over SQLAlchemy Core."""

    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=[outbox, processed_inbound])

    # -- inbound ----------------------------------------------------------------------------
    def claim_inbound(self, conversation_id: str, keys: Sequence[str], at: datetime) -> bool:
        try:
            with self.engine.begin() as conn:
                _claim(conn, conversation_id, keys, at)
        except IntegrityError:
            return False
        return True

    def is_answered(self, key: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(_IS_ANSWERED, {"key_": key}).scalar() is not None

    # -- enqueue ----------------------------------------------------------------------------
    def enqueue(self, conversation_id: str, channel: str, key_prefix: str, payloads: Sequence[Dict[str, Any]],
                at: datetime, answers: Optional[str] = None) -> List[OutboxMessage]:
        keys = [f"{key_prefix}:{i}" for i in range(len(payloads))]
        for attempt in range(5):
            try:
                with self.engine.begin() as conn:
                    return _queue(conn, conversation_id, channel, keys, payloads, at, answers)
            except IntegrityError:  # another writer took the sequence number or the key: look again
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

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
    def _update(self, message_id: int, **values) -> None:
        with self.engine.begin() as conn:
            conn.execute(outbox.update().where(outbox.c.id == message_id, outbox.c.status == PENDING)
                         .values(**values))

    def _select(self, where) -> List[OutboxMessage]:
        with self.engine.connect() as conn:
            return _select(conn, _ROWS.where(where))


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


class SqlOutboxWrites:
    """A turn's outbox writes on the connection of a unit of work (bot/sql/unit_of_work.py)."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def claim_inbound(self, conversation_id: str, keys: Sequence[str], at: datetime) -> bool:
        """False for a duplicate: the transaction cannot go on (PostgreSQL refuses any statement after
        a failed one), so the unit of work is left without a commit."""
        try:
            _claim(self.conn, conversation_id, keys, at)
        except IntegrityError:
            return False
        return True

    def enqueue(self, conversation_id: str, channel: str, key_prefix: str, payloads: Sequence[Dict[str, Any]],
                at: datetime, answers: Optional[str] = None) -> List[OutboxMessage]:
        keys = [f"{key_prefix}:{i}" for i in range(len(payloads))]
        try:
            return _queue(self.conn, conversation_id, channel, keys, payloads, at, answers)
        except IntegrityError as exc:  # another writer took the sequence number or the key
            raise Conflict(str(exc.orig)) from exc


def _claim(conn: Connection, conversation_id: str, keys: Sequence[str], at: datetime) -> None:
    conn.execute(_CLAIM, [dict(key=key, conversation_id=conversation_id, received_at=at) for key in keys])


def _queue(conn: Connection, conversation_id: str, channel: str, keys: Sequence[str],
           payloads: Sequence[Dict[str, Any]], at: datetime, answers: Optional[str]) -> List[OutboxMessage]:
    """Queue the payloads under `keys` on `conn` (see `Outbox.enqueue`)."""
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
