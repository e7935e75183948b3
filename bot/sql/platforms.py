"""Returns read from returns platforms, in SQL: the rows and each platform's sync cursor
(bot/platforms.py: `PlatformReturns`)."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Collection, Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.models import Money, RmaStatus
from bot.platforms import ExternalReturn, ReturnedItem, order_id_candidates, rma_key
from bot.sql.schema import external_returns, metadata, orders, platform_sync_cursors

_COMPARED = ("rma_number", "order_id", "order_name", "order_number", "status", "platform_status", "items",
             "label_url", "tracking_number", "carrier", "refund_amount", "refund_currency", "refunded_at",
             "created_at", "updated_at")


class SqlPlatformReturns:
    """The `PlatformReturns` repository over SQLAlchemy Core (tables made on first use)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=[external_returns, platform_sync_cursors])

    def upsert(self, returns: Iterable[ExternalReturn], at: datetime) -> List[ExternalReturn]:
        """Insert or update by (platform, external_id); returns the ones that are new or differ.
        An older copy never overwrites a newer one, so overlapping or concurrent syncs are harmless.
        Order ids are matched against our orders (`#1001` vs `1001`) as they are stored."""
        batch = list(returns)
        try:
            return self._upsert(batch, at)
        except IntegrityError:  # a concurrent sync inserted one of them first: now it is an update
            return self._upsert(batch, at)

    def _upsert(self, batch: Sequence[ExternalReturn], at: datetime) -> List[ExternalReturn]:
        changed: List[ExternalReturn] = []
        with self.engine.begin() as conn:
            for found in batch:
                found = self._with_our_order_id(conn, found)
                row = _row(found)
                key = sa.and_(external_returns.c.platform == found.platform,
                              external_returns.c.external_id == found.external_id)
                old = conn.execute(sa.select(external_returns).where(key)).mappings().first()
                if old is not None and old["anonymised"]:
                    found = replace(found, label_url=None, tracking_number=None)
                    row = _row(found)
                if old is None:
                    conn.execute(external_returns.insert().values(**row, synced_at=at))
                elif old["updated_at"] > found.updated_at or all(_same(old[c], row[c]) for c in _COMPARED):
                    continue
                else:
                    conn.execute(external_returns.update().where(key).values(**row, synced_at=at))
                changed.append(found)
        return changed

    @staticmethod
    def _with_our_order_id(conn: Connection, found: ExternalReturn) -> ExternalReturn:
        candidates = order_id_candidates(found.order_name, found.order_number)
        if not candidates:
            return found
        known = set(conn.execute(sa.select(orders.c.order_id).where(orders.c.order_id.in_(candidates))).scalars())
        ours = next((c for c in candidates if c in known), None)
        return replace(found, order_id=ours) if ours and ours != found.order_id else found

    def for_order(self, order_id: str) -> List[ExternalReturn]:
        """The order's returns on every platform, newest first; also those stored under another
        spelling of its id (`1001` for `#1001`) because the order was imported after they were synced."""
        return self._select(external_returns.c.order_id.in_(order_id_candidates(order_id)))

    def by_rma_number(self, number: str) -> Optional[ExternalReturn]:
        """The return a customer quotes (any case, with or without `#` or dashes); the most recently
        updated when two platforms use the same number."""
        key = rma_key(number)
        found = self._select(external_returns.c.rma_key == key, limit=1) if key else []
        return found[0] if found else None

    def get(self, platform: str, external_id: str) -> Optional[ExternalReturn]:
        found = self._select(sa.and_(external_returns.c.platform == platform,
                                     external_returns.c.external_id == external_id), limit=1)
        return found[0] if found else None

    def count(self, platform: Optional[str] = None) -> int:
        query = sa.select(sa.func.count()).select_from(external_returns)
        if platform:
            query = query.where(external_returns.c.platform == platform)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def _select(self, where, limit: int = 100) -> List[ExternalReturn]:
        query = (sa.select(external_returns).where(where)
                 .order_by(external_returns.c.updated_at.desc(), external_returns.c.id.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [_from_row(r) for r in conn.execute(query).mappings()]

    # -- cursors ----------------------------------------------------------------------------
    def cursor(self, platform: str) -> Optional[datetime]:
        """Everything the platform changed before this time is stored; None before the first sync."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(platform_sync_cursors.c.synced_through)
                                .where(platform_sync_cursors.c.platform == platform)).scalar_one_or_none()

    def advance_cursor(self, platform: str, synced_through: datetime, at: datetime) -> None:
        """Move the cursor forward only (a slower concurrent sync never moves it back)."""
        try:
            with self.engine.begin() as conn:
                self._advance(conn, platform, synced_through, at)
        except IntegrityError:  # a concurrent first sync made the row
            with self.engine.begin() as conn:
                self._advance(conn, platform, synced_through, at)

    @staticmethod
    def _advance(conn: Connection, platform: str, synced_through: datetime, at: datetime) -> None:
        where = platform_sync_cursors.c.platform == platform
        current = conn.execute(sa.select(platform_sync_cursors.c.synced_through).where(where)).scalar_one_or_none()
        if current is None:
            conn.execute(platform_sync_cursors.insert().values(platform=platform, synced_through=synced_through,
                                                               succeeded_at=at))
        elif synced_through > current:
            conn.execute(platform_sync_cursors.update().where(where).values(synced_through=synced_through,
                                                                            succeeded_at=at))


def anonymise_for_orders(conn: Connection, order_ids: Collection[str]) -> int:
    """For the right to erasure (bot/erasure.py, in its transaction): the platform returns of these
    orders lose what could locate the customer (the label, which shows the address, and the
    tracking number) now and at every later sync; statuses, items and amounts stay, as for our RMAs."""
    ids = sorted({candidate for order_id in order_ids for candidate in order_id_candidates(order_id)})
    if not ids:
        return 0
    return conn.execute(external_returns.update().where(external_returns.c.order_id.in_(ids))
                        .values(label_url=None, tracking_number=None, anonymised=True)).rowcount


def _row(found: ExternalReturn) -> Dict[str, object]:
    return dict(
        platform=found.platform, external_id=found.external_id, rma_number=found.rma_number,
        rma_key=rma_key(found.rma_number), order_id=found.order_id, order_name=found.order_name,
        order_number=found.order_number, status=found.status.value, platform_status=found.platform_status,
        items=json.dumps([[i.sku, i.title, i.quantity] for i in found.items]), label_url=found.label_url,
        tracking_number=found.tracking_number, carrier=found.carrier,
        refund_amount=found.refund.amount if found.refund else None,
        refund_currency=found.refund.currency if found.refund else None,
        refunded_at=found.refunded_at, created_at=found.created_at, updated_at=found.updated_at,
    )


def _same(stored, new) -> bool:
    """Column equality after a round trip: decimals by value, times as instants."""
    if isinstance(new, Decimal) and stored is not None:
        return Decimal(stored) == new
    return stored == new


def _from_row(r) -> ExternalReturn:
    refund = Money(r["refund_amount"], r["refund_currency"]) if r["refund_amount"] is not None else None
    return ExternalReturn(
        platform=r["platform"], external_id=r["external_id"], rma_number=r["rma_number"], order_id=r["order_id"],
        order_name=r["order_name"], status=RmaStatus(r["status"]), platform_status=r["platform_status"],
        created_at=r["created_at"], updated_at=r["updated_at"],
        items=tuple(ReturnedItem(sku, title, quantity) for sku, title, quantity in json.loads(r["items"])),
        order_number=r["order_number"], label_url=r["label_url"], tracking_number=r["tracking_number"],
        carrier=r["carrier"], refund=refund, refunded_at=r["refunded_at"],
    )
