"""Live orders: the order store as a cache of the merchant's marketplaces (issue 16).

`LiveOrders.lookup(order_id)` answers from the order store when the order is there and was read
from its marketplace less than `max_age` ago (or was imported from a file: it has no marketplace to
ask). Otherwise it asks the marketplace that owns the order, or, for an order returnbot has never
seen, each configured marketplace in turn, and keeps what it finds (an idempotent upsert keyed by
(source, order id)). When a marketplace cannot answer (`SourceError`), the cached order is used and
the lookup says it may be stale; `stale_matters` is True only when the difference could change
what the customer is told: the order was cached before it was delivered or cancelled (its status,
tracking or delivery date may have moved since). A delivered or cancelled order does not change in
a way the bot uses, so nobody is told. An unknown order while a marketplace is down is
`unavailable` (the bot may say "try again later" instead of "no such order"). `read_at` is when the
copy answered was read from its marketplace, so the customer can be told how old it is when
`stale_matters` (bot/conversation says it in one sentence, `utter_order_may_be_stale`).

`mirror_returns(source, mirror)` creates in the marketplace's admin the returns of the RMAs
returnbot issued for its orders (Shopify, `SHOPIFY_CREATE_RETURNS`), each once.

Refunds made in the marketplace (`Order.refunds`, one `MarketplaceRefund` per refund and line) are
kept in the ledger once per (source, refund id), whatever reads them again (lookups, the sync, a
webhook delivered twice). A return returnbot issued that is still in progress is then refunded
(`settle_refunds`) when the marketplace refunded at least its units of its line after it was made:
through `ReturnUpdates.record` with the event id `refund:<refund id>`, so the move happens once
however often it is tried, and the customer's notice and "where is my refund?" follow from the
return's own status. A refund of fewer units than the return, or of less money than the return's
refund, leaves it in progress (the customer asking is told the part refunded); a refund with no
line (shipping only, an amount on the order) is kept and told but refunds no return, unless the
refunds on no line cover the order's whole total: then each return in progress made before is refunded. `refunds_of(order_id)` gives the kept
refunds of an order, which "where is my refund?" tells a customer with no return on it.

`sync(source)` is the periodic fallback of webhooks: it reads what changed since the source's
cursor, page by page, keeping the cursor after each page, so a failure repeats one page at most.

Verification is unchanged: a looked-up order is stored and checked like any other before anything
of it is shown. The core reads no clock: `clock` is passed in. Nothing here logs personal data:
order ids, source names and the sources' error messages only.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable, Dict, List, Optional, Protocol, Sequence, Tuple

from bot.models import MarketplaceRefund, Money, Order, OrderStatus, Rma, RmaStatus, SalesChannel
from bot.ports import OrderSource, SourceError

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE = timedelta(minutes=15)
SETTLED = (OrderStatus.DELIVERED, OrderStatus.CANCELLED)
# Where a refund on no line that covers the order's total refunds its returns (Amazon's carry no such sense).
WHOLE_ORDER_REFUNDS = (SalesChannel.SHOPIFY, SalesChannel.EBAY)
REFUSED_RETURN = 422  # SourceError.status of a ReturnMirror that refuses one return (not the credentials)


@dataclass(frozen=True)
class SourceRecord:
    source: str
    order_id: str
    fetched_at: datetime


@dataclass(frozen=True)
class PendingReturn:
    """An RMA the marketplace's admin should show as a return."""
    rma_id: str
    order_id: str
    line_id: str
    quantity: int
    reason: str  # bot.models.ReturnReason's value


class ReturnMirror(Protocol):
    """A marketplace that can show returnbot's returns in its own admin (Shopify's returnCreate)."""

    def create_return(self, order_id: str, line_id: str, quantity: int, reason: str, rma_id: str) -> str:
        """The marketplace's id of a return for `quantity` units of the line, made now or (the same
        RMA asked again) found among the order's returns."""


@dataclass(frozen=True)
class KeptRefund:
    """A marketplace refund as the ledger keeps it: when it was first seen, and the return it refunded."""
    refund: MarketplaceRefund
    seen_at: datetime
    rma_id: Optional[str] = None

    @property
    def at(self) -> datetime:
        """When it was made: the marketplace's time, else when returnbot first saw it."""
        return self.refund.at or self.seen_at


class ReturnsInProgress(Protocol):
    """Returnbot's returns, as a marketplace refund reaches them (`bot.return_updates.ReturnUpdates`)."""

    def rmas_for_order(self, order_id: str) -> List[Rma]: ...

    def record(self, rma_id: str, status: RmaStatus, *, event_id: Optional[str] = None, note: str = "",
               source: str = "cli", at: Optional[datetime] = None): ...


@dataclass(frozen=True)
class SourceState:
    source: str
    orders: int
    synced_at: Optional[datetime]
    error: Optional[str]
    error_at: Optional[datetime]


class SourceLedger(Protocol):
    """What live orders remember besides the orders (bot/sql/order_sources.py)."""

    def record_for(self, order_id: str) -> Optional[SourceRecord]: ...

    def claim(self, source: str, order_id: str, at: datetime) -> bool: ...

    def cursor(self, source: str) -> Optional[str]: ...

    def save_cursor(self, source: str, cursor: Optional[str], at: datetime) -> None: ...

    def record_error(self, source: str, error: str, at: datetime) -> None: ...

    def states(self) -> List[SourceState]: ...

    def returns_to_mirror(self, source: str) -> List[PendingReturn]: ...

    def record_mirrored(self, source: str, rma_id: str, external_id: str, at: datetime) -> None: ...

    def record_refunds(self, source: str, order_id: str, refunds: Sequence[MarketplaceRefund], at: datetime) -> None:
        """Keep each refund once per (source, refund id); one seen before changes nothing."""

    def refunds_for(self, source: str, order_id: str) -> List[KeptRefund]: ...

    def assign_refunds(self, source: str, refund_ids: Sequence[str], rma_id: str) -> None: ...


class OrderCache(Protocol):
    """The order store's part live orders use (`bot.store.SqlStore`)."""

    def get_order(self, order_id: str) -> Optional[Order]: ...

    def upsert_orders(self, orders: Sequence[Order]) -> Tuple[int, int]: ...


@dataclass(frozen=True)
class Lookup:
    order: Optional[Order]
    source: Optional[str] = None  # the marketplace it came from; None: imported, or unknown
    fresh: bool = True  # read from the marketplace now, or within max_age
    stale_matters: bool = False  # the marketplace could not be asked and what it holds may change the answer
    unavailable: bool = False  # unknown here and some marketplace could not be asked
    read_at: Optional[datetime] = None  # when the copy was read from its marketplace (None: imported)

    @property
    def stale_since(self) -> Optional[datetime]:
        """When the copy answered was read, if it may be out of date in a way the customer should hear."""
        return self.read_at if self.stale_matters else None


@dataclass(frozen=True)
class SyncResult:
    source: str
    read: int
    stored: int
    refused: Tuple[str, ...]  # order ids another source owns
    error: Optional[SourceError] = None
    refunded: Tuple[str, ...] = ()  # RMAs this round refunded, as the marketplace refunded their units


def _less_money(covering: Sequence[KeptRefund], rma: Rma) -> bool:
    """The refunds paid less than the return's refund (all their amounts known, in its currency)."""
    amounts = [k.refund.amount for k in covering]
    if rma.refund is None or any(a is None or a.currency != rma.refund.currency for a in amounts):
        return False
    return sum((a.amount for a in amounts), rma.refund.amount * 0) < rma.refund.amount


def _whole_order_refund(kept: Sequence[KeptRefund], total: Optional[Money]) -> Optional[KeptRefund]:
    """The refund on no line that brought the order's refunds on no line up to its whole `total`
    (amounts in its currency), if they reach it; None else."""
    if total is None or total.amount <= 0:
        return None
    so_far = total.amount * 0
    for k in sorted((k for k in kept if not k.refund.line_id), key=lambda k: (k.at, k.refund.refund_id)):
        if k.refund.amount is None or k.refund.amount.currency != total.currency:
            continue
        so_far += k.refund.amount.amount
        if so_far >= total.amount:
            return k
    return None


class LiveOrders:
    def __init__(self, cache: OrderCache, ledger: SourceLedger, sources: Sequence[OrderSource],
                 clock: Callable[[], datetime], max_age: timedelta = DEFAULT_MAX_AGE,
                 returns: Optional[ReturnsInProgress] = None):
        self.cache, self.ledger, self.clock, self.max_age = cache, ledger, clock, max_age
        self.returns = returns  # None: marketplace refunds are kept but reach no return
        self.sources: Dict[str, OrderSource] = {s.name: s for s in sources}

    def lookup_order(self, order_id: str) -> Optional[Order]:
        """The order for verification (`ReturnsService.lookup_order`)."""
        return self.lookup(order_id).order

    def lookup(self, order_id: str) -> Lookup:
        now = self.clock()
        cached = self.cache.get_order(order_id)
        record = self.ledger.record_for(cached.order_id if cached else order_id)
        if cached is not None and (record is None or record.source not in self.sources):
            return Lookup(cached, source=record.source if record else None)  # imported: nothing to ask
        if cached is not None and now - record.fetched_at < self.max_age:
            return Lookup(cached, source=record.source, read_at=record.fetched_at)
        asked = [self.sources[record.source]] if record else list(self.sources.values())
        failed = False
        for source in asked:
            try:
                order = source.fetch_order(order_id)
            except SourceError as exc:
                failed = True
                log.warning("live order %s: %s could not answer (%s)", order_id[:64], source.name,
                            "permanent" if not exc.retryable else "retryable")
                self.ledger.record_error(source.name, exc.message, now)
                continue
            if order is not None and self.keep(source.name, order, now):
                return Lookup(self.cache.get_order(order.order_id) or order, source=source.name, read_at=now)
        if cached is not None:
            matters = failed and cached.status not in SETTLED
            return Lookup(cached, source=record.source, fresh=False, stale_matters=matters,
                          read_at=record.fetched_at)
        return Lookup(None, unavailable=failed)

    def refunds_of(self, order_id: str) -> List[MarketplaceRefund]:
        """The refunds the order's marketplace made, as kept in the ledger (oldest first); none for an
        order no marketplace owns. What "where is my refund?" answers when returnbot has no return."""
        record = self.ledger.record_for(order_id)
        if record is None:
            return []
        kept = sorted(self.ledger.refunds_for(record.source, order_id), key=lambda k: (k.at, k.refund.refund_id))
        return [replace(k.refund, at=k.at) for k in kept if not k.rma_id]  # a return's own: its status says it

    def keep(self, source: str, order: Order, at: datetime) -> bool:
        """Store `order` as read from `source` now; False (nothing stored) when another source
        already owns its order id."""
        return self._keep(source, order, at) is not None

    def _keep(self, source: str, order: Order, at: datetime) -> Optional[Tuple[str, ...]]:
        """`keep`: None when not kept, else the RMAs its refunds refunded now."""
        if not self.ledger.claim(source, order.order_id, at):
            log.warning("order %s from %s not kept: another source owns that order id", order.order_id[:64], source)
            return None
        self.cache.upsert_orders([replace(order, refunds=())])
        if not order.refunds:
            return ()
        self.ledger.record_refunds(source, order.order_id, order.refunds, at)
        whole = order.total if order.channel in WHOLE_ORDER_REFUNDS else None
        return self.settle_refunds(source, order.order_id, at, whole)

    def settle_refunds(self, source: str, order_id: str, at: datetime,
                       total: Optional[Money] = None) -> Tuple[str, ...]:
        """Refund each return in progress on the order whose units of its line the marketplace refunded
        after it was made (oldest return first, each refund counted for one return); the RMA ids moved
        now. A return refunded or rejected already is left alone, and a move made before (the same
        refund read again, by another process too) is not made twice (`ReturnUpdates.record`'s key).
        Refunds on no line (shipping, an amount on the order) refund no return, unless together they
        cover the order's `total`: then every return still in progress made before is refunded, once."""
        if self.returns is None:
            return ()
        kept = self.ledger.refunds_for(source, order_id)
        taken = {k.refund.refund_id for k in kept if k.rma_id}
        whole = _whole_order_refund(kept, total)
        moved: List[str] = []
        for rma in sorted(self.returns.rmas_for_order(order_id), key=lambda r: (r.created_at, r.rma_id)):
            if rma.status in (RmaStatus.REFUNDED, RmaStatus.REJECTED):
                continue
            if whole is not None and whole.at >= rma.created_at:
                event = f"refund:{whole.refund.refund_id}:{rma.rma_id}"  # one refund, several returns
                if self._refund(source, rma, event, at):
                    moved.append(rma.rma_id)
                continue
            covering: List[KeptRefund] = []
            units = 0
            for refund in sorted(kept, key=lambda k: (k.at, k.refund.refund_id)):
                if refund.refund.refund_id in taken or refund.refund.line_id != rma.line_id \
                        or refund.at < rma.created_at:
                    continue
                covering.append(refund)
                units += refund.refund.quantity
                if units >= rma.quantity:
                    break
            if units < rma.quantity:
                continue  # not refunded yet, or fewer units than the return: it stays in progress
            if _less_money(covering, rma):
                continue  # its units, but less money than the return's refund: in progress, part refunded
            last = covering[-1].refund.refund_id
            applied = self._refund(source, rma, f"refund:{last}", at)
            if applied is None:
                continue
            ids = [k.refund.refund_id for k in covering]
            self.ledger.assign_refunds(source, ids, rma.rma_id)
            taken.update(ids)
            if applied:
                moved.append(rma.rma_id)
        return tuple(moved)

    def _refund(self, source: str, rma: Rma, event_id: str, at: datetime) -> Optional[bool]:
        """Move one return to refunded (once per `event_id`): whether it moved now; None when refused."""
        try:
            recorded = self.returns.record(rma.rma_id, RmaStatus.REFUNDED, event_id=event_id,
                                           note=f"refunded in {source}", source=source, at=at)
        except ValueError as refused:  # bot.return_updates.RefusedUpdate: finished in between
            log.info("refund at %s for %s not applied: %s", source, rma.rma_id, refused)
            return None
        if recorded.applied:
            log.info("return %s refunded at %s (order %s)", rma.rma_id, source, rma.order_id[:64])
        return recorded.applied

    def sync(self, name: str, max_pages: int = 100) -> SyncResult:
        """Read what changed at one source since its cursor, keeping each page's orders and cursor."""
        source = self.sources[name]
        read = stored = 0
        refused: List[str] = []
        refunded: List[str] = []
        cursor = self.ledger.cursor(name)
        for _ in range(max_pages):
            now = self.clock()
            try:
                page = source.orders_changed_since(cursor)
            except SourceError as exc:
                self.ledger.record_error(name, exc.message, now)
                return SyncResult(name, read, stored, tuple(refused), exc, tuple(refunded))
            for order in page.orders:
                read += 1
                moved = self._keep(name, order, now)
                if moved is not None:
                    stored += 1
                    refunded.extend(moved)
                else:
                    refused.append(order.order_id)
            cursor = page.cursor
            self.ledger.save_cursor(name, cursor, now)
            if not page.more:
                break
        return SyncResult(name, read, stored, tuple(refused), refunded=tuple(refunded))

    def mirror_returns(self, name: str, mirror: ReturnMirror) -> Tuple[Tuple[str, ...], Optional[SourceError]]:
        """Create in the marketplace the returns of RMAs issued for its orders (oldest first); the RMA
        ids done, and the error that stopped the rest (they are tried again next time)."""
        done: List[str] = []
        for pending in self.ledger.returns_to_mirror(name):
            try:
                external = mirror.create_return(pending.order_id, pending.line_id, pending.quantity, pending.reason,
                                                pending.rma_id)
            except SourceError as exc:
                if exc.status == REFUSED_RETURN:  # this return only (already refunded, not fulfilled): not again
                    log.warning("return %s not created at %s: refused", pending.rma_id, name)
                    self.ledger.record_mirrored(name, pending.rma_id, f"refused: {exc.message}", self.clock())
                    continue
                self.ledger.record_error(name, exc.message, self.clock())
                return tuple(done), exc
            self.ledger.record_mirrored(name, pending.rma_id, external, self.clock())
            done.append(pending.rma_id)
        return tuple(done), None

    def refresh(self, name: str, order_id: str) -> Optional[Order]:
        """Read one order from one source now and keep it (a webhook said it changed)."""
        order = self.sources[name].fetch_order(order_id)
        if order is not None and self.keep(name, order, self.clock()):
            return order
        return None
