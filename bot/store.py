"""The order store: orders, RMAs, refunds, verifications, tags and transcripts (handoffs: bot/sql/handoffs.py).

One SQLAlchemy Core data layer for SQLite (default, WAL mode) and PostgreSQL. Uniqueness lives in
the schema: one RMA per order line, one refund per RMA. Money is stored as decimal strings and
times as UTC, so both databases round-trip them exactly.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.models import (
    Customer,
    CustomerHistory,
    Fulfillment,
    Money,
    Order,
    OrderLine,
    OrderStatus,
    Outcome,
    Resolution,
    ReturnReason,
    Rma,
    RmaEvent,
    RmaStatus,
    SalesChannel,
)


class RmaIdClash(Exception):
    """A new RMA's random number is taken already; draw another."""


class UtcDateTime(sa.types.TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored naive in UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class DecimalString(sa.types.TypeDecorator):
    impl = sa.String(32)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


metadata = sa.MetaData()

orders = sa.Table(
    "orders", metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("fulfillment", sa.String(16), nullable=False),
    sa.Column("email", sa.String(320), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("postcode", sa.String(32), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("placed_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("shipped_at", UtcDateTime),
    sa.Column("delivered_at", UtcDateTime),
    sa.Column("carrier", sa.String(40)),
    sa.Column("tracking_number", sa.String(64)),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("return_shipping_cost", DecimalString),
)

order_lines = sa.Table(
    "order_lines", metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("line_id", sa.String(64), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", DecimalString, nullable=False),
    sa.Column("returned_quantity", sa.Integer, nullable=False),
)

# Units taken off an order before it shipped (a whole order's cancellation is its status). Kept apart
# from order_lines so an order imported again keeps what the customer cancelled.
cancelled_lines = sa.Table(
    "cancelled_lines", metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("line_id", sa.String(64), primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)

rmas = sa.Table(
    "rmas", metadata,
    sa.Column("rma_id", sa.String(20), primary_key=True),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("line_id", sa.String(64), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("resolution", sa.String(32), nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("refund_amount", DecimalString, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("conversation_id", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("refunded_at", UtcDateTime),
    sa.UniqueConstraint("order_id", "line_id", name="one_rma_per_order_line"),
)

rma_events = sa.Table(
    "rma_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("rma_id", sa.String(20), nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("note", sa.String(500), nullable=False, default=""),
)

rma_event_keys = sa.Table(  # status events from outside (warehouse, carrier, CLI) applied once per event id
    "rma_event_keys", metadata,
    sa.Column("event_key", sa.String(200), primary_key=True),
    sa.Column("rma_id", sa.String(20), nullable=False),
    sa.Column("rma_event_id", sa.Integer, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
)

refunds = sa.Table(
    "refunds", metadata,
    sa.Column("rma_id", sa.String(20), primary_key=True),  # one refund per RMA
    sa.Column("amount", DecimalString, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("issued_at", UtcDateTime, nullable=False),
)

verifications = sa.Table(
    "verifications", metadata,
    sa.Column("conversation_id", sa.String(200), primary_key=True),
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("verified_at", UtcDateTime, nullable=False),
)

verification_failures = sa.Table(
    "verification_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("order_id", sa.String(64), nullable=False, index=True),
    sa.Column("at", UtcDateTime, nullable=False),
)

return_words = sa.Table(  # the customer's own words for why they return, kept for the merchant
    "return_words", metadata,
    sa.Column("rma_id", sa.String(20), primary_key=True),
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("words", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)

tags = sa.Table(
    "conversation_tags", metadata,
    sa.Column("conversation_id", sa.String(200), primary_key=True),
    sa.Column("tag", sa.String(64), primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
)

messages = sa.Table(
    "messages", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("direction", sa.String(3), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)


# -- statements of the per-turn reads, built once ---------------------------------------------
# A statement built per call costs more Python than running it; one built once keeps its cache key
# and compiled form. Values come in as bound parameters, so they are the same SQL on SQLite and
# PostgreSQL.
_LINE_COLUMNS = [c.label(f"line_{c.name}") for c in order_lines.c if c.name != "order_id"]
_LINE_COLUMNS.append(sa.func.coalesce(cancelled_lines.c.quantity, 0).label("line_cancelled_quantity"))
_ORDER_WITH_LINES = (  # the order and its lines in one round trip (an order without lines: one row of NULLs)
    sa.select(orders, *_LINE_COLUMNS)
    .select_from(orders.outerjoin(order_lines, order_lines.c.order_id == orders.c.order_id)
                 .outerjoin(cancelled_lines, sa.and_(cancelled_lines.c.order_id == order_lines.c.order_id,
                                                     cancelled_lines.c.line_id == order_lines.c.line_id)))
    .where(orders.c.order_id == sa.bindparam("order_id"))
    .order_by(order_lines.c.position)
)
_VERIFIED = sa.exists().where(verifications.c.conversation_id == sa.bindparam("conversation_id"),
                              verifications.c.order_id == orders.c.order_id)
_VERIFIED_ORDER_WITH_LINES = _ORDER_WITH_LINES.where(_VERIFIED)
_IS_VERIFIED = sa.select(verifications.c.order_id).where(
    verifications.c.conversation_id == sa.bindparam("conversation_id"),
    verifications.c.order_id == sa.bindparam("order_id"))
_RETURNED = sa.or_(  # the order has a returned line or an RMA
    sa.exists().where(order_lines.c.order_id == orders.c.order_id, order_lines.c.returned_quantity > 0),
    sa.exists().where(rmas.c.order_id == orders.c.order_id),
)
_HISTORY = sa.select(sa.func.count(), sa.func.count(sa.case((_RETURNED, 1)))).where(
    orders.c.email == sa.bindparam("email"), orders.c.placed_at >= sa.bindparam("since"))


def _failures_where(column: sa.Column, name: str):
    return sa.select(sa.func.count()).select_from(verification_failures).where(
        column == sa.bindparam(name), verification_failures.c.at >= sa.bindparam("since")).scalar_subquery()


_FAILURES = sa.select(_failures_where(verification_failures.c.conversation_id, "conversation_id"),
                      _failures_where(verification_failures.c.order_id, "order_id"))
_CLAIM_ATTEMPT = verification_failures.insert().from_select(  # one row, only while under the limit
    ["conversation_id", "order_id", "at"],
    sa.select(sa.bindparam("conversation_id", type_=sa.String), sa.bindparam("order_id", type_=sa.String),
              sa.bindparam("at", type_=UtcDateTime))
    .where(_failures_where(verification_failures.c.conversation_id, "conversation_id") < sa.bindparam("max_failures"),
           _failures_where(verification_failures.c.order_id, "order_id") < sa.bindparam("max_failures")))
_RMAS_NEWEST_FIRST = (rmas.c.created_at.desc(), rmas.c.rma_id)
_RMA_FOR_LINE = sa.select(rmas).where(rmas.c.order_id == sa.bindparam("order_id"),
                                      rmas.c.line_id == sa.bindparam("line_id")).order_by(*_RMAS_NEWEST_FIRST).limit(1)
_RMA_BY_ID = sa.select(rmas).where(rmas.c.rma_id == sa.bindparam("rma_id"))
_RMAS_FOR_ORDER = (sa.select(rmas).where(rmas.c.order_id == sa.bindparam("order_id"))
                   .order_by(*_RMAS_NEWEST_FIRST).limit(1000))
_INSERT_VERIFICATION = verifications.insert()
_INSERT_MESSAGE = messages.insert()
_TRANSCRIPT = (sa.select(messages).where(messages.c.conversation_id == sa.bindparam("conversation_id"))
               .order_by(messages.c.id.desc()).limit(sa.bindparam("limit")))
_HAS_TAG = sa.select(tags.c.tag).where(tags.c.conversation_id == sa.bindparam("conversation_id"),
                                       tags.c.tag == sa.bindparam("tag"))
_INSERT_TAG = tags.insert()


def make_engine(database_url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, a busy timeout and its folder created."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        pool = {}
        if path and path != ":memory:":  # a file: connections kept, not opened per use (a turn makes several)
            pool = {"poolclass": sa.pool.QueuePool, "pool_size": 5, "max_overflow": 10}
        engine = sa.create_engine(database_url, future=True, connect_args={"timeout": 30, "check_same_thread": False},
                                  hide_parameters=True, **pool)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(database_url, future=True, pool_pre_ping=True, hide_parameters=True)


class SqlStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def from_url(cls, database_url: str) -> "SqlStore":
        store = cls(make_engine(database_url))
        store.create_schema()
        return store

    def create_schema(self) -> None:
        metadata.create_all(self.engine)

    # -- orders ---------------------------------------------------------------------------
    def upsert_orders(self, new_orders: Iterable[Order]) -> Tuple[int, int]:
        """Insert or update orders by order_id (idempotent). Returns (inserted, updated)."""
        inserted = updated = 0
        with self.engine.begin() as conn:
            for order in new_orders:
                row = _order_row(order)
                exists = conn.execute(
                    sa.select(orders.c.order_id).where(orders.c.order_id == order.order_id)
                ).first()
                if exists:
                    conn.execute(orders.update().where(orders.c.order_id == order.order_id).values(**row))
                    conn.execute(order_lines.delete().where(order_lines.c.order_id == order.order_id))
                    updated += 1
                else:
                    conn.execute(orders.insert().values(**row))
                    inserted += 1
                conn.execute(
                    order_lines.insert(),
                    [_line_row(order.order_id, i, line) for i, line in enumerate(order.lines)],
                )
        return inserted, updated

    def get_order(self, order_id: str) -> Optional[Order]:
        with self.engine.connect() as conn:
            rows = conn.execute(_ORDER_WITH_LINES, {"order_id": order_id}).mappings().all()
        return _order_from_joined(rows)

    def verified_order(self, conversation_id: str, order_id: str) -> Optional[Order]:
        """The order, only if this conversation has verified it (None for an unknown order and for an
        unverified one alike), read with its lines and the verification in one statement."""
        with self.engine.connect() as conn:
            rows = conn.execute(_VERIFIED_ORDER_WITH_LINES,
                                {"order_id": order_id, "conversation_id": conversation_id}).mappings().all()
        return _order_from_joined(rows)

    def order_id_for_tracking(self, tracking_number: str) -> Optional[str]:
        """The order shipped under this tracking number (blanks and case ignored), if exactly one was."""
        wanted = "".join(tracking_number.split()).upper()
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(orders.c.order_id).where(
                sa.func.upper(sa.func.replace(orders.c.tracking_number, " ", "")) == wanted).limit(2)).scalars().all()
        return found[0] if len(found) == 1 else None

    def record_return_words(self, rma_id: str, conversation_id: str, words: str, at: datetime) -> None:
        """Keeps the customer's words with a return, once (a retry changes nothing)."""
        with self.engine.begin() as conn:
            if conn.execute(sa.select(return_words.c.rma_id).where(return_words.c.rma_id == rma_id)).first() is None:
                conn.execute(return_words.insert().values(rma_id=rma_id, conversation_id=conversation_id,
                                                          words=words, at=at))

    def return_words_for(self, rma_id: str) -> Optional[str]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(return_words.c.words).where(return_words.c.rma_id == rma_id)).scalar()

    def count_orders(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one()

    def set_order_status(self, order_id: str, status: OrderStatus) -> None:
        with self.engine.begin() as conn:
            conn.execute(orders.update().where(orders.c.order_id == order_id).values(status=status.value))

    def cancel_lines(self, order_id: str, cancelled: Mapping[str, int], at: datetime) -> bool:
        """Takes units off an order that has not shipped: `cancelled` maps a line to how many of its units
        are cancelled in all once this is done (not how many more), so a retry changes nothing. The order
        is cancelled as a whole once nothing is left. False, with nothing changed, when the order is no
        longer processing or a line is unknown. One transaction, the order's row locked first."""
        with self.engine.begin() as conn:
            status = conn.execute(sa.select(orders.c.status).where(orders.c.order_id == order_id)
                                  .with_for_update()).scalar()
            if status != OrderStatus.PROCESSING.value:
                return False
            sold = dict(conn.execute(sa.select(order_lines.c.line_id, order_lines.c.quantity)
                                     .where(order_lines.c.order_id == order_id)).all())
            if not cancelled or any(line_id not in sold for line_id in cancelled):
                return False
            done = dict(conn.execute(sa.select(cancelled_lines.c.line_id, cancelled_lines.c.quantity)
                                     .where(cancelled_lines.c.order_id == order_id)).all())
            for line_id, total in cancelled.items():
                total = min(max(int(total), 0), sold[line_id])
                if total <= done.get(line_id, 0):
                    continue
                if line_id in done:
                    conn.execute(cancelled_lines.update().where(cancelled_lines.c.order_id == order_id,
                                                                cancelled_lines.c.line_id == line_id)
                                 .values(quantity=total, at=at))
                else:
                    conn.execute(cancelled_lines.insert().values(order_id=order_id, line_id=line_id,
                                                                 quantity=total, at=at))
                done[line_id] = total
            if all(done.get(line_id, 0) >= quantity for line_id, quantity in sold.items()):
                conn.execute(orders.update().where(orders.c.order_id == order_id)
                             .values(status=OrderStatus.CANCELLED.value))
        return True

    def customer_history(self, email: str, since: datetime) -> CustomerHistory:
        """The customer's orders placed since `since`, and how many of them have a returned line or
        an RMA: both counted in one statement."""
        with self.engine.connect() as conn:
            total, with_returns = conn.execute(_HISTORY, {"email": email.lower(), "since": since}).one()
        return CustomerHistory(orders=total, orders_with_returns=with_returns)

    # -- RMAs and refunds -----------------------------------------------------------------
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
            row = conn.execute(sa.select(rmas).where(rmas.c.rma_id == rma_id)).mappings().first()
            if row is None:
                return None
            values = {"status": status.value, "updated_at": at}
            if status is RmaStatus.REFUNDED and row["refunded_at"] is None:
                values["refunded_at"] = at
                conn.execute(refunds.insert().values(rma_id=rma_id, amount=row["refund_amount"],
                                                     currency=row["currency"], issued_at=at))
            conn.execute(rmas.update().where(rmas.c.rma_id == rma_id).values(**values))
            conn.execute(rma_events.insert().values(rma_id=rma_id, status=status.value, at=at, note=note))
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
                row = conn.execute(sa.select(rmas).where(rmas.c.rma_id == rma_id)).mappings().first()
                if row is None:
                    return None, False
                event_id = conn.execute(rma_events.insert().values(rma_id=rma_id, status=status.value, at=at,
                                                                   note=note)).inserted_primary_key[0]
                conn.execute(rma_event_keys.insert().values(event_key=event_key, rma_id=rma_id,
                                                            rma_event_id=event_id, received_at=at))
                values = {"status": status.value, "updated_at": at}
                if status is RmaStatus.REFUNDED and row["refunded_at"] is None:
                    values["refunded_at"] = at
                    conn.execute(refunds.insert().values(rma_id=rma_id, amount=row["refund_amount"],
                                                         currency=row["currency"], issued_at=at))
                conn.execute(rmas.update().where(rmas.c.rma_id == rma_id).values(**values))
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
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(refunds).where(refunds.c.rma_id == rma_id)
            ).scalar_one()

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

    # -- verification ---------------------------------------------------------------------
    def record_verification(self, conversation_id: str, order_id: str, at: datetime) -> None:
        with self.engine.begin() as conn:
            if not self._is_verified(conn, conversation_id, order_id):
                conn.execute(_INSERT_VERIFICATION, {"conversation_id": conversation_id, "order_id": order_id,
                                                    "verified_at": at})

    def is_verified(self, conversation_id: str, order_id: str) -> bool:
        with self.engine.connect() as conn:
            return self._is_verified(conn, conversation_id, order_id)

    @staticmethod
    def _is_verified(conn: Connection, conversation_id: str, order_id: str) -> bool:
        return conn.execute(_IS_VERIFIED, {"conversation_id": conversation_id, "order_id": order_id}).first() is not None

    def claim_verification_attempt(self, conversation_id: str, order_id: str, at: datetime, since: datetime,
                                   max_failures: int) -> Optional[int]:
        """Counts a verification attempt before its proof is checked, in one step with the check of the
        limit: a failure row is inserted only while the conversation and the order each have fewer than
        `max_failures` since `since`. Returns the row's id (the caller deletes it when the proof was
        right: `release_verification_attempt`), or None when locked. Parallel attempts cannot all pass
        the check: on SQLite the conditional INSERT takes the write lock before it counts; on
        PostgreSQL the conversation and the order are locked (advisory, for the transaction) first."""
        values = {"conversation_id": conversation_id, "order_id": order_id, "at": at, "since": since,
                  "max_failures": max_failures}
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                for key in sorted({f"conversation:{conversation_id}", f"order:{order_id}"}):
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
            claimed = conn.execute(_CLAIM_ATTEMPT, values)
            if claimed.rowcount != 1:
                return None
            if conn.dialect.name == "sqlite":
                return claimed.lastrowid
            return conn.execute(sa.select(sa.func.max(verification_failures.c.id)).where(
                verification_failures.c.conversation_id == conversation_id,
                verification_failures.c.order_id == order_id)).scalar()

    def release_verification_attempt(self, attempt_id: int, conversation_id: str, order_id: str,
                                     at: datetime) -> None:
        """The proof was right: the attempt is no failure, and the conversation has verified the order
        (one transaction)."""
        with self.engine.begin() as conn:
            conn.execute(verification_failures.delete().where(verification_failures.c.id == attempt_id))
            if not self._is_verified(conn, conversation_id, order_id):
                conn.execute(_INSERT_VERIFICATION, {"conversation_id": conversation_id, "order_id": order_id,
                                                    "verified_at": at})

    def record_failed_verification(self, conversation_id: str, order_id: str, at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(verification_failures.insert().values(conversation_id=conversation_id,
                                                               order_id=order_id, at=at))

    def failed_verifications(self, conversation_id: str, order_id: str, since: datetime) -> int:
        """Failures since `since` for this conversation or for this order, whichever is more (both
        counted in one statement)."""
        with self.engine.connect() as conn:
            by_conversation, by_order = conn.execute(
                _FAILURES, {"conversation_id": conversation_id, "order_id": order_id, "since": since}).one()
        return max(by_conversation, by_order)

    # -- tags, transcripts ------------------------------------------------------
    def add_tag(self, conversation_id: str, tag: str, at: datetime) -> None:
        key = {"conversation_id": conversation_id, "tag": tag}
        try:
            with self.engine.begin() as conn:
                if conn.execute(_HAS_TAG, key).first() is None:  # a retag (each request) skips a failing insert
                    conn.execute(_INSERT_TAG, {**key, "at": at})
        except IntegrityError:
            pass  # tagged concurrently

    def tags(self, conversation_id: str) -> List[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(
                sa.select(tags.c.tag).where(tags.c.conversation_id == conversation_id).order_by(tags.c.at)
            ).scalars())

    def append_message(self, conversation_id: str, direction: str, payload: dict, at: datetime) -> None:
        self.append_messages(conversation_id, [(direction, payload)], at)

    def append_messages(self, conversation_id: str, entries: Sequence[Tuple[str, dict]], at: datetime,
                        conn: Optional[Connection] = None) -> None:
        """Adds transcript entries, `(direction, payload)` in order, in one statement. With `conn` (a
        connection on this store's engine) they join the caller's transaction, else get their own."""
        rows = [dict(conversation_id=conversation_id, direction=direction, payload=json.dumps(payload), at=at)
                for direction, payload in entries]
        if not rows:
            return
        if conn is not None:
            conn.execute(_INSERT_MESSAGE, rows)
            return
        with self.engine.begin() as conn:
            conn.execute(_INSERT_MESSAGE, rows)

    def messages(self, conversation_id: str, limit: int = 200) -> List[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(_TRANSCRIPT, {"conversation_id": conversation_id, "limit": limit}).mappings().all()
        return [{"direction": r["direction"], "payload": json.loads(r["payload"]), "at": r["at"].isoformat()}
                for r in reversed(rows)]


# -- row mapping ----------------------------------------------------------------------------
def _order_from_joined(rows) -> Optional[Order]:
    """An order from the rows of `_ORDER_WITH_LINES` (one per line, its columns prefixed `line_`)."""
    if not rows:
        return None
    lines = [{name[5:]: row[name] for name in _LINE_NAMES} for row in rows if row["line_line_id"] is not None]
    return _order_from(rows[0], lines)


_LINE_NAMES = [column.name for column in _LINE_COLUMNS]  # incl. line_cancelled_quantity


def _order_row(order: Order) -> dict:
    return dict(
        order_id=order.order_id, channel=order.channel.value, fulfillment=order.fulfillment.value,
        email=order.customer.email.lower(), name=order.customer.name, postcode=order.customer.postcode,
        country=order.customer.country, placed_at=order.placed_at, status=order.status.value,
        shipped_at=order.shipped_at, delivered_at=order.delivered_at, carrier=order.carrier,
        tracking_number=order.tracking_number, currency=order.currency,
        return_shipping_cost=order.return_shipping_cost,
    )


def _line_row(order_id: str, position: int, line: OrderLine) -> dict:
    return dict(order_id=order_id, line_id=line.line_id, position=position, sku=line.sku, title=line.title,
                category=line.category, quantity=line.quantity, unit_price=line.unit_price,
                returned_quantity=line.returned_quantity)


def _order_from(row, lines) -> Order:
    return Order(
        order_id=row["order_id"], channel=SalesChannel(row["channel"]), fulfillment=Fulfillment(row["fulfillment"]),
        customer=Customer(row["email"], row["name"], row["postcode"], row["country"]),
        placed_at=row["placed_at"], status=OrderStatus(row["status"]), currency=row["currency"],
        lines=tuple(OrderLine(l["line_id"], l["sku"], l["title"], l["category"], l["quantity"], l["unit_price"],
                              l["returned_quantity"], l.get("cancelled_quantity") or 0) for l in lines),
        shipped_at=row["shipped_at"], delivered_at=row["delivered_at"], carrier=row["carrier"],
        tracking_number=row["tracking_number"], return_shipping_cost=row["return_shipping_cost"],
    )


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
