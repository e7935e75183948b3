"""Returns in SQL: RMAs, their status events (applied once per outside event id), refunds, and the
customer's own words for why they return."""
from __future__ import annotations

from datetime import datetime
from typing import List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.models import Money, Outcome, Resolution, ReturnReason, Rma, RmaEvent, RmaStatus
from bot.repositories import RmaIdClash
from bot.sql.schema import refunds, return_words, rma_event_keys, rma_events, rmas

_RMAS_NEWEST_FIRST = (rmas.c.created_at.desc(), rmas.c.rma_id)
_RMA_FOR_LINE = sa.select(rmas).where(rmas.c.order_id == sa.bindparam("order_id"),
                                      rmas.c.line_id == sa.bindparam("line_id")).order_by(*_RMAS_NEWEST_FIRST).limit(1)
_RMA_BY_ID = sa.select(rmas).where(rmas.c.rma_id == sa.bindparam("rma_id"))
_RMAS_FOR_ORDER = (sa.select(rmas).where(rmas.c.order_id == sa.bindparam("order_id"))
                   .order_by(*_RMAS_NEWEST_FIRST).limit(1000))


class SqlReturns:
    """The `Returns` repository (bot/repositories.py) over SQLAlchemy Core."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def create_rma(self, rma: Rma) -> Tuple[Rma, bool]:
        """Store a new RMA unless the line already has one. Returns (the line's RMA, created?)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(rmas.insert().values(**_rma_row(rma)))
                conn.execute(rma_events.insert().values(rma_id=rma.rma_id, status=rma.status.value,
                                                        at=rma.created_at, note="created"))
                if rma.refunded_at is not None:
                    conn.execute(refunds.insert().values(rma_id=rma.rma_id, amount=rma.refund.amount,
                                                         currency=rma.refund.currency, issued_at=rma.refunded_at))
            return rma, True
        except IntegrityError:
            existing = self.rma_for_line(rma.order_id, rma.line_id)
            if existing is None:  # the conflict was on the random number itself
                raise RmaIdClash(rma.rma_id) from None
            return existing, False

    def rma_for_line(self, order_id: str, line_id: str) -> Optional[Rma]:
        return self._first_rma(_RMA_FOR_LINE, {"order_id": order_id, "line_id": line_id})

    def get_rma(self, rma_id: str) -> Optional[Rma]:
        return self._first_rma(_RMA_BY_ID, {"rma_id": rma_id})

    def rmas_for_order(self, order_id: str) -> List[Rma]:
        with self.engine.connect() as conn:
            rows = conn.execute(_RMAS_FOR_ORDER, {"order_id": order_id}).mappings().all()
        return [_rma_from(r) for r in rows]

    def list_rmas(self, limit: int = 1000) -> List[Rma]:
        return self._rmas(sa.true(), limit=limit)

    def update_rma_status(self, rma_id: str, status: RmaStatus, at: datetime, note: str = "") -> Optional[Rma]:
        """Move an RMA to `status`; a move to `refunded` records the refund once."""
        with self.engine.begin() as conn:
            if _move(conn, rma_id, status, at, note) is None:
                return None
        return self.get_rma(rma_id)

    def change_resolution(self, rma_id: str, resolution: Resolution, at: datetime) -> Optional[Rma]:
        with self.engine.begin() as conn:
            changed = conn.execute(rmas.update().where(
                (rmas.c.rma_id == rma_id) & (rmas.c.status == RmaStatus.LABEL_CREATED.value)
            ).values(resolution=resolution.value, updated_at=at)).rowcount
            if not changed:
                return None
            conn.execute(rma_events.insert().values(rma_id=rma_id, status=RmaStatus.LABEL_CREATED.value, at=at,
                                                    note=f"resolution changed to {resolution.value}"))
        return self.get_rma(rma_id)

    def apply_rma_event(self, rma_id: str, status: RmaStatus, at: datetime, note: str,
                        event_key: str) -> Tuple[Optional[Rma], bool]:
        """`update_rma_status` once per `event_key`, in one transaction with the key: (the RMA,
        applied now?). A key seen before changes nothing, whatever a retry carries; of two
        concurrent deliveries of one event, the database lets one through."""
        try:
            with self.engine.begin() as conn:
                if conn.execute(sa.select(rma_event_keys.c.rma_id).where(
                        rma_event_keys.c.event_key == event_key)).first() is not None:
                    return self.get_rma(rma_id), False
                event_id = _move(conn, rma_id, status, at, note)
                if event_id is None:
                    return None, False
                conn.execute(rma_event_keys.insert().values(event_key=event_key, rma_id=rma_id,
                                                            rma_event_id=event_id, received_at=at))
        except IntegrityError:  # a concurrent delivery of this event (or of this refund) got there first
            return self.get_rma(rma_id), False
        return self.get_rma(rma_id), True

    def event_key_seen(self, event_key: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(rma_event_keys.c.rma_id).where(
                rma_event_keys.c.event_key == event_key)).first() is not None

    def rma_events_after(self, after_id: int, limit: int = 500) -> List[Tuple[int, RmaEvent]]:
        """Status events with row id above `after_id`, oldest first, with their ids."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(rma_events).where(rma_events.c.id > after_id)
                                .order_by(rma_events.c.id).limit(limit)).mappings().all()
        return [(r["id"], RmaEvent(r["rma_id"], RmaStatus(r["status"]), r["at"], r["note"])) for r in rows]

    def last_rma_event_id(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.max(rma_events.c.id))).scalar() or 0

    def rma_events(self, rma_id: str) -> List[RmaEvent]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(rma_events).where(rma_events.c.rma_id == rma_id).order_by(rma_events.c.id)
            ).mappings().all()
        return [RmaEvent(r["rma_id"], RmaStatus(r["status"]), r["at"], r["note"]) for r in rows]

    def refund_count(self, rma_id: str) -> int:
        """Refunds recorded for the RMA: 0 or 1, the schema's rule. Not part of the `Returns` port (an
        RMA carries its refund); the contract tests read the refunds table through it."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(refunds).where(refunds.c.rma_id == rma_id)
            ).scalar_one()

    def record_return_words(self, rma_id: str, conversation_id: str, words: str, at: datetime) -> None:
        """Keeps the customer's words with a return, once (a retry changes nothing)."""
        with self.engine.begin() as conn:
            if conn.execute(sa.select(return_words.c.rma_id).where(return_words.c.rma_id == rma_id)).first() is None:
                conn.execute(return_words.insert().values(rma_id=rma_id, conversation_id=conversation_id,
                                                          words=words, at=at))

    def return_words_for(self, rma_id: str) -> Optional[str]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(return_words.c.words).where(return_words.c.rma_id == rma_id)).scalar()

    def _first_rma(self, statement, params: dict) -> Optional[Rma]:
        with self.engine.connect() as conn:
            row = conn.execute(statement, params).mappings().first()
        return None if row is None else _rma_from(row)

    def _rmas(self, where, limit: int = 1000) -> List[Rma]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(rmas).where(where).order_by(rmas.c.created_at.desc(), rmas.c.rma_id).limit(limit)
            ).mappings().all()
        return [_rma_from(r) for r in rows]


def _move(conn: Connection, rma_id: str, status: RmaStatus, at: datetime, note: str) -> Optional[int]:
    """Move the RMA to `status` on `conn`, with its event; a first move to refunded records the refund
    (one per RMA: the table's key). Returns the event's id, or None for an unknown RMA."""
    row = conn.execute(_RMA_BY_ID, {"rma_id": rma_id}).mappings().first()
    if row is None:
        return None
    values = {"status": status.value, "updated_at": at}
    if status is RmaStatus.REFUNDED and row["refunded_at"] is None:
        values["refunded_at"] = at
        conn.execute(refunds.insert().values(rma_id=rma_id, amount=row["refund_amount"],
                                             currency=row["currency"], issued_at=at))
    conn.execute(rmas.update().where(rmas.c.rma_id == rma_id).values(**values))
    return conn.execute(rma_events.insert().values(rma_id=rma_id, status=status.value, at=at,
                                                   note=note)).inserted_primary_key[0]


def _rma_row(rma: Rma) -> dict:
    return dict(
        rma_id=rma.rma_id, order_id=rma.order_id, line_id=rma.line_id, quantity=rma.quantity,
        reason=rma.reason.value, resolution=rma.resolution.value, outcome=rma.outcome.value,
        status=rma.status.value, refund_amount=rma.refund.amount, currency=rma.refund.currency,
        conversation_id=rma.conversation_id, created_at=rma.created_at, updated_at=rma.updated_at,
        refunded_at=rma.refunded_at,
    )


def _rma_from(r) -> Rma:
    return Rma(
        rma_id=r["rma_id"], order_id=r["order_id"], line_id=r["line_id"], quantity=r["quantity"],
        reason=ReturnReason(r["reason"]), resolution=Resolution(r["resolution"]), outcome=Outcome(r["outcome"]),
        status=RmaStatus(r["status"]), refund=Money(r["refund_amount"], r["currency"]),
        conversation_id=r["conversation_id"], created_at=r["created_at"], updated_at=r["updated_at"],
        refunded_at=r["refunded_at"],
    )
