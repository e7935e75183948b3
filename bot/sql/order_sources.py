"""Live orders' bookkeeping in SQL (`SqlOrderSources`, the `bot.live_orders.SourceLedger`): which
marketplace each cached order came from and when it was last read, how far each marketplace has
been synced, and which webhooks were already handled. The orders themselves are in the order
store's `orders` and `order_lines` (`SqlStore.upsert_orders`).

- `order_sources`: one row per cached order, keyed by (source, order id); `order_id` is unique too,
  so two marketplaces can never both own one order number (the second is refused, not merged).
- `source_cursors`: the cursor each source's sync resumes from, when it last succeeded, and its last
  error (the source's own words, which name no customer).
- `source_webhooks`: ids of webhooks already applied (Shopify's `X-Shopify-Webhook-Id`), so a
  retried delivery changes nothing twice.
- `source_returns`: returnbot's RMAs mirrored as returns in the marketplace's admin (Shopify's
  `returnCreate`, when `SHOPIFY_CREATE_RETURNS` is on): the RMA and the marketplace's return id.
- `order_refunds`: refunds the merchant made in a marketplace, once per (source, refund id), with the
  order line, units and amount, and the RMA each refunded.
None of them holds personal data.
"""
from __future__ import annotations

from datetime import datetime
from typing import List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.live_orders import KeptRefund, PendingReturn, SourceRecord, SourceState
from bot.models import MarketplaceRefund, Money, Outcome, RmaStatus
from bot.sql.schema import (metadata, order_refunds, order_sources, rmas, source_cursors, source_returns,
                            source_webhooks)


class SqlOrderSources:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=[order_sources, source_cursors, source_webhooks, source_returns,
                                            order_refunds])

    def returns_to_mirror(self, source: str, limit: int = 50) -> List[PendingReturn]:
        """RMAs (outcome `rma`, not rejected) on orders `source` owns that it does not hold yet, oldest first."""
        mirrored = sa.select(source_returns.c.rma_id).where(source_returns.c.source == source)
        owned = sa.select(order_sources.c.order_id).where(order_sources.c.source == source)
        query = (sa.select(rmas.c.rma_id, rmas.c.order_id, rmas.c.line_id, rmas.c.quantity, rmas.c.reason)
                 .where(rmas.c.outcome == Outcome.RMA.value, rmas.c.status != RmaStatus.REJECTED.value,
                        rmas.c.order_id.in_(owned), rmas.c.rma_id.not_in(mirrored))
                 .order_by(rmas.c.created_at, rmas.c.rma_id).limit(limit))
        with self.engine.connect() as conn:
            return [PendingReturn(r.rma_id, r.order_id, r.line_id, r.quantity, r.reason) for r in conn.execute(query)]

    def record_mirrored(self, source: str, rma_id: str, external_id: str, at: datetime) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(source_returns.insert().values(source=source, rma_id=rma_id,
                                                            external_id=external_id[:200], created_at=at))
        except IntegrityError:  # recorded by another process already
            pass

    def record_refunds(self, source: str, order_id: str, refunds: Sequence[MarketplaceRefund], at: datetime) -> None:
        """Each refund once per (source, refund id): one kept before is left as it is."""
        with self.engine.begin() as conn:
            known = set(conn.execute(sa.select(order_refunds.c.refund_id).where(
                order_refunds.c.source == source, order_refunds.c.order_id == order_id)).scalars())
        for refund in refunds:
            refund_id = refund.refund_id[:200]
            if refund_id in known:
                continue
            known.add(refund_id)
            try:
                with self.engine.begin() as conn:
                    conn.execute(order_refunds.insert().values(
                        source=source, refund_id=refund_id, order_id=order_id, line_id=refund.line_id[:64],
                        quantity=refund.quantity, amount=refund.amount.amount if refund.amount else None,
                        currency=refund.amount.currency if refund.amount else None, refunded_at=refund.at,
                        seen_at=at))
            except IntegrityError:  # kept by another process in between
                pass

    def refunds_for(self, source: str, order_id: str) -> List[KeptRefund]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(order_refunds).where(order_refunds.c.source == source,
                                                               order_refunds.c.order_id == order_id)
                                .order_by(order_refunds.c.refund_id)).mappings().all()
        return [KeptRefund(MarketplaceRefund(r["refund_id"], r["line_id"], r["quantity"], r["refunded_at"],
                                             Money(r["amount"], r["currency"]) if r["amount"] is not None else None),
                           r["seen_at"], r["rma_id"]) for r in rows]

    def assign_refunds(self, source: str, refund_ids: Sequence[str], rma_id: str) -> None:
        """Mark the refunds as the ones that refunded `rma_id` (a refund counts for one return)."""
        with self.engine.begin() as conn:
            conn.execute(order_refunds.update().where(order_refunds.c.source == source,
                                                      order_refunds.c.refund_id.in_(list(refund_ids)),
                                                      order_refunds.c.rma_id.is_(None)).values(rma_id=rma_id))

    def record_for(self, order_id: str) -> Optional[SourceRecord]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(order_sources).where(order_sources.c.order_id == order_id)).first()
        return SourceRecord(row.source, row.order_id, row.fetched_at) if row else None

    def claim(self, source: str, order_id: str, at: datetime) -> bool:
        """Mark `order_id` as read from `source` at `at` (insert or update, idempotent); False when
        another source owns that order id."""
        with self.engine.begin() as conn:
            owner = conn.execute(sa.select(order_sources.c.source)
                                 .where(order_sources.c.order_id == order_id)).scalar()
            if owner == source:
                conn.execute(order_sources.update().where(order_sources.c.source == source)
                             .where(order_sources.c.order_id == order_id).values(fetched_at=at))
                return True
            if owner is not None:
                return False
            try:
                with conn.begin_nested():
                    conn.execute(order_sources.insert().values(source=source, order_id=order_id, fetched_at=at))
            except IntegrityError:  # another process claimed it in between
                return conn.execute(sa.select(order_sources.c.source)
                                    .where(order_sources.c.order_id == order_id)).scalar() == source
            return True

    def cursor(self, source: str) -> Optional[str]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(source_cursors.c.cursor).where(source_cursors.c.source == source)).scalar()

    def save_cursor(self, source: str, cursor: Optional[str], at: datetime) -> None:
        self._upsert(source, cursor=cursor, synced_at=at, error=None, error_at=None)

    def record_error(self, source: str, error: str, at: datetime) -> None:
        self._upsert(source, error=error[:300], error_at=at)

    def states(self) -> List[SourceState]:
        with self.engine.connect() as conn:
            counts = dict(conn.execute(sa.select(order_sources.c.source, sa.func.count())
                                       .group_by(order_sources.c.source)).all())
            rows = {r.source: r for r in conn.execute(sa.select(source_cursors))}
        names = sorted(set(counts) | set(rows))
        return [SourceState(name, counts.get(name, 0), rows[name].synced_at if name in rows else None,
                            rows[name].error if name in rows else None, rows[name].error_at if name in rows else None)
                for name in names]

    def first_delivery(self, source: str, webhook_id: str, at: datetime) -> bool:
        """True the first time a webhook id is seen (and remembers it), False for a repeat."""
        try:
            with self.engine.begin() as conn:
                conn.execute(source_webhooks.insert().values(source=source, webhook_id=webhook_id[:100],
                                                             received_at=at))
            return True
        except IntegrityError:
            return False

    def forget_delivery(self, source: str, webhook_id: str) -> None:
        """Let a webhook whose work failed be applied when the sender retries it."""
        with self.engine.begin() as conn:
            conn.execute(source_webhooks.delete().where(source_webhooks.c.source == source)
                         .where(source_webhooks.c.webhook_id == webhook_id[:100]))

    def _upsert(self, source: str, **values) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(source_cursors.update().where(source_cursors.c.source == source).values(**values))
            if done.rowcount == 0:
                try:
                    with conn.begin_nested():
                        conn.execute(source_cursors.insert().values(source=source, **values))
                except IntegrityError:
                    conn.execute(source_cursors.update().where(source_cursors.c.source == source).values(**values))
