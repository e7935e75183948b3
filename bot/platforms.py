"""Returns that live on a returns platform the merchant already runs (AfterShip Returns, Loop).

A merchant who lets such a platform issue RMAs still wants the chat to answer "did my return go
through?". `ReturnsPlatform` is the port an adapter implements (integrations/ holds them): it reads
what changed on the platform and hands back `ExternalReturn` records, with the platform's status
mapped onto returnbot's lifecycle and kept raw beside it. `sync` pulls what changed since the
platform's cursor into `external_returns` and moves the cursor only after a complete pull, so a
failure half-way is simply done again by the next sync (the upsert is idempotent).

The store keeps no personal data from the platforms (no customer email or name): the order id links
a return to the order, which the verification rules already protect. Pure of frameworks: the
store is a `PlatformReturns` repository; time is passed in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import AsyncIterator, Callable, Iterable, List, Optional, Protocol, Tuple, Union

from bot.models import Money, RmaStatus

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


class PlatformReturns(Protocol):
    """Where platform returns and each platform's sync cursor are kept (SQL: bot/sql/platforms.py)."""

    def upsert(self, returns: Iterable[ExternalReturn], at: datetime) -> List[ExternalReturn]:
        """Insert or update by (platform, external id), idempotent; the ones that are new or differ.
        An older copy never overwrites a newer one. Order ids are matched to ours (`#1001` vs `1001`)."""

    def for_order(self, order_id: str) -> List[ExternalReturn]:
        """The order's returns on every platform, newest first, under any spelling of its id."""

    def by_rma_number(self, number: str) -> Optional[ExternalReturn]:
        """The return a customer quotes (any case, with or without `#` or dashes)."""

    def get(self, platform: str, external_id: str) -> Optional[ExternalReturn]: ...

    def count(self, platform: Optional[str] = None) -> int: ...

    def cursor(self, platform: str) -> Optional[datetime]:
        """Everything the platform changed before this time is stored; None before the first sync."""

    def advance_cursor(self, platform: str, synced_through: datetime, at: datetime) -> None:
        """Move the cursor forward only."""


async def sync(platform: ReturnsPlatform, store: PlatformReturns, clock: Callable[[], datetime],
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
