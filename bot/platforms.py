"""Returns that live on a returns platform the merchant already runs (AfterShip Returns, Loop).

A merchant who lets such a platform issue RMAs still wants the chat to answer "did my return go
through?". `ReturnsPlatform` is the port an adapter implements (integrations/ holds them): it reads
what changed on the platform and hands back `ExternalReturn` records, with the platform's status
mapped onto returnbot's lifecycle and kept raw beside it. `sync` pulls what changed since the
platform's cursor into `external_returns` and moves the cursor only after a complete pull, so a
failure half-way is simply done again by the next sync (the upsert is idempotent).

The store keeps no personal data from the platforms (no customer email or name): the order id links
a return to the order, which the verification rules already protect. Pure of frameworks: the
store's engine and tables; time is passed in.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import AsyncIterator, Callable, Collection, Dict, Iterable, List, Optional, Protocol, Sequence, Tuple, Union

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.models import Money, RmaStatus
from bot.store import DecimalString, UtcDateTime, metadata, orders

FIRST_SYNC = timedelta(days=90)  # how far back the first sync of a platform reads
OVERLAP = timedelta(minutes=10)  # each sync re-reads this much before its cursor: clock skew, late writes
UPSERT_BATCH = 100


class PlatformError(Exception):
    """A returns platform refused a request or could not be reached. `status` is the HTTP status
    (None when no answer came) and `message` the platform's own words; the API key is never in it."""

    def __init__(self, platform: str, status: Optional[int], message: str):
        self.platform, self.status, self.message = platform, status, message
        answered = f"answered HTTP {status}" if status is not None else "could not be reached"
        super().__init__(f"{platform} {answered}: {message}")


@dataclass(frozen=True)
class ReturnedItem:
    sku: str
    title: str
    quantity: int


@dataclass(frozen=True)
class ExternalReturn:
    """A return as a platform knows it. `order_id` is our store's id for the order when the store
    has it (`#1001` for Shopify), else the platform's order name; `platform_status` is the
    platform's own word, `status` its place in returnbot's lifecycle."""

    platform: str
    external_id: str  # the platform's id for the return
    rma_number: str  # what the customer sees and quotes
    order_id: str
    order_name: str  # the platform's name for the order, e.g. `#1001`
    status: RmaStatus
    platform_status: str
    created_at: datetime
    updated_at: datetime
    items: Tuple[ReturnedItem, ...] = ()
    order_number: Optional[str] = None
    label_url: Optional[str] = None  # the label, or the page with the return instructions
    tracking_number: Optional[str] = None
    carrier: Optional[str] = None
    refund: Optional[Money] = None  # refunded, or to be refunded when the status is not refunded yet
    refunded_at: Optional[datetime] = None


@dataclass(frozen=True)
class Unreadable:
    """A return the platform sent that could not be read; skipped with this reason, never stored."""

    platform: str
    ref: str  # the platform's id when there was one, else where it was in the answer
    reason: str


class ReturnsPlatform(Protocol):
    name: str  # short and stable: `aftership`, `loop`; the cursor and the rows are kept under it

    def returns_updated_since(self, since: datetime, until: datetime
                              ) -> AsyncIterator[Union[ExternalReturn, Unreadable]]:
        """Every return changed in [since, until], page by page to the end; raises `PlatformError`."""
        ...


@dataclass(frozen=True)
class SyncResult:
    platform: str
    since: datetime
    until: datetime
    seen: int
    changed: Tuple[ExternalReturn, ...]
    skipped: Tuple[Unreadable, ...]


def order_id_candidates(order_name: str, order_number: Optional[str] = None) -> Tuple[str, ...]:
    """The ids our store may keep a platform's order under, likeliest first: Shopify's `#1001`
    is kept as `#1001`, but a platform may say `1001` or give only the number."""
    found: List[str] = []
    for raw in (order_name, order_number):
        value = (raw or "").strip()
        if not value:
            continue
        bare = value.lstrip("#").strip()
        found += [value, f"#{bare}", bare] if bare.isdigit() else [value]
    return tuple(dict.fromkeys(v for v in found if v and v != "#"))


def rma_key(number: str) -> str:
    """How RMA numbers are compared: case, spaces, dashes and `#` do not matter."""
    return re.sub(r"[\s\-#]", "", number).upper()


external_returns = sa.Table(
    "external_returns", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("external_id", sa.String(100), nullable=False),
    sa.Column("rma_number", sa.String(100), nullable=False),
    sa.Column("rma_key", sa.String(100), nullable=False, index=True),
    sa.Column("order_id", sa.String(64), nullable=False, index=True),
    sa.Column("order_name", sa.String(64), nullable=False),
    sa.Column("order_number", sa.String(64)),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("platform_status", sa.String(64), nullable=False),
    sa.Column("items", sa.Text, nullable=False),
    sa.Column("label_url", sa.String(2000)),
    sa.Column("tracking_number", sa.String(100)),
    sa.Column("carrier", sa.String(64)),
    sa.Column("refund_amount", DecimalString),
    sa.Column("refund_currency", sa.String(3)),
    sa.Column("refunded_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),  # the platform's
    sa.Column("synced_at", UtcDateTime, nullable=False),  # when this row last changed here
    sa.Column("anonymised", sa.Boolean, nullable=False, default=False),  # the customer was forgotten
    sa.UniqueConstraint("platform", "external_id", name="one_row_per_platform_return"),
)

platform_sync_cursors = sa.Table(
    "platform_sync_cursors", metadata,
    sa.Column("platform", sa.String(32), primary_key=True),
    sa.Column("synced_through", UtcDateTime, nullable=False),  # everything changed before this is stored
    sa.Column("succeeded_at", UtcDateTime, nullable=False),
)

_COMPARED = ("rma_number", "order_id", "order_name", "order_number", "status", "platform_status", "items",
             "label_url", "tracking_number", "carrier", "refund_amount", "refund_currency", "refunded_at",
             "created_at", "updated_at")


class PlatformStore:
    """Platform returns and sync cursors over the order store's engine (tables made on first use)."""

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


async def sync(platform: ReturnsPlatform, store: PlatformStore, clock: Callable[[], datetime],
               first_sync: timedelta = FIRST_SYNC, overlap: timedelta = OVERLAP) -> SyncResult:
    """Pull what `platform` changed since its cursor (less `overlap`; `first_sync` back the first
    time) up to now, upsert it as it comes and advance the cursor to that now only once the pull is
    complete. A `PlatformError` (or anything else) half-way leaves the cursor where it was, so the next
    sync reads the same span again; rows already stored are simply found unchanged then."""
    until = clock()
    cursor = store.cursor(platform.name)
    since = cursor - overlap if cursor is not None else until - first_sync
    changed: List[ExternalReturn] = []
    skipped: List[Unreadable] = []
    batch: List[ExternalReturn] = []
    seen = 0
    async for found in platform.returns_updated_since(since, until):
        if isinstance(found, Unreadable):
            skipped.append(found)
            continue
        seen += 1
        batch.append(found)
        if len(batch) >= UPSERT_BATCH:
            changed += store.upsert(batch, at=until)
            batch = []
    if batch:
        changed += store.upsert(batch, at=until)
    store.advance_cursor(platform.name, until, at=clock())
    return SyncResult(platform.name, since, until, seen, tuple(changed), tuple(skipped))


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
