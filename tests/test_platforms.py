"""Returns platforms the merchant already runs: AfterShip Returns and Loop Returns read over fake
APIs (httpx.MockTransport) that answer in the shapes their documentation gives, then stored,
mapped onto returnbot's lifecycle and synced from a cursor that only moves after a complete pull.
No network; sleeps are recorded, not slept."""
from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Callable, List, Optional

import httpx
import pytest
import sqlalchemy as sa

from bot import platforms
from bot.models import Money, RmaStatus, SalesChannel
from bot.platforms import (
    FIRST_SYNC,
    OVERLAP,
    ExternalReturn,
    PlatformError,
    ReturnedItem,
    order_id_candidates,
    sync,
)
from bot.settings import ROOT, SettingsError
from bot.sql import platforms as sql_platforms
from bot.sql.platforms import SqlPlatformReturns
from bot.sql.schema import external_returns
from bot.store import SqlStore
from integrations import aftership, loop, runner
from integrations.aftership import AfterShipReturns
from integrations.http import retry_after
from integrations.loop import LoopReturns
from tests.builders import NOW, order
from tests.clock import Clock
from tests.conftest import test_settings

AS_KEY, LOOP_KEY = "asat_0123456789abcdef0123456789abcd", "loop_key_fedcba9876543210fedcba98"
CUSTOMER_EMAIL = "customer.person@example.com"


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


class Sleeps(list):
    """An injected sleep: records each wait instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


# -- AfterShip Returns, as https://www.aftership.com/docs/returns documents it ---------------------
def as_return(n: int, approval: str = "approved", shipping: Optional[str] = "in_transit",
              created: datetime = NOW - timedelta(days=3), order_name: str = "#1001", **changes) -> dict:
    """A Return resource (GET /returns → data.returns[]), trimmed to the documented fields we read
    plus some we ignore."""
    record = {
        "id": f"{n:032x}", "organization": {"id": "4f94e5fe178c46a9b976b7d4e646d65a"},
        "rma_number": f"A{n:07d}", "filed_by": "shopper", "approval_status": approval,
        "approved_at": iso(created + timedelta(hours=1)) if approval != "submitted" else None,
        "rejected_at": None, "resolved_at": None, "refunded_at": None, "expired_at": None,
        "merchant_note": None, "refund_destination": "original_payment",
        "refunded_total": None, "estimated_refund_total": {"amount": "89.99", "currency": "USD"},
        "order": {"id": "b3eedf69b7c0410d", "external_id": "4254002020558", "order_number": order_name.lstrip("#"),
                  "order_name": order_name, "customer": {"emails": [CUSTOMER_EMAIL], "locale": "en-US"},
                  "country_region": "USA", "store": {"platform": "shopify", "external_id": "cool-shoe-store"}},
        "return_items": [{"id": "10579097059534", "external_order_item_id": "10579097059534", "sku": "SHOE-42",
                          "product_title": "Trail running shoes", "variant_title": "EU 42",
                          "intended_return_quantity": 1, "return_quantity": 1, "ordered_quantity": 1,
                          "received_quantity": 0, "return_reason": "Wrong size", "return_subreason": "Too small"}],
        "return_method": {"type": "retailer_label", "name": "Ship with a prepaid label"},
        "shipments": [] if shipping == "no_label" else [{
            "id": "5arkrapxn89hr", "tracking_number": "9400100000000000000000", "tracking_status": "InTransit",
            "slug": "usps", "label": {"url": "https://cdn.example.com/x/y/label.pdf", "slug": "usps",
                                      "total_charge": {"amount": "7.50", "currency": "USD"}},
            "created_at": iso(created + timedelta(hours=2)),
            "tracking_status_updated_at": iso(created + timedelta(days=1))}],
        "receivings": [], "refunds": [], "outcomes": ["refund"], "created_at": iso(created),
        "shipping_status": shipping, "exceptions": [],
    }
    record.update(changes)
    return record


def envelope(data, code: int = 20000, type_: str = "OK", message: str = "The request was successfully processed."):
    return {"meta": {"code": code, "type": type_, "message": message}, "data": data}


@dataclass
class FakeAfterShip:
    """GET /returns/<version>/returns as documented: created_at_min/max, page, limit (≤ 50), the
    `as-api-key` header, the meta/data envelope with pagination. `intercept` may answer first."""

    returns: List[dict] = field(default_factory=list)
    key: str = AS_KEY
    requests: List[httpx.Request] = field(default_factory=list)
    intercept: Optional[Callable[[httpx.Request], Optional[httpx.Response]]] = None
    total_override: Optional[Callable[[datetime, datetime], Optional[int]]] = None
    spoil: Optional[Callable[[dict], None]] = None  # changes an answer's body before it is sent

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.intercept and (answer := self.intercept(request)) is not None:
            return answer
        if request.headers.get("as-api-key") != self.key:
            return httpx.Response(401, json=envelope(None, 401, "Unauthorized", "The API key is invalid."))
        assert request.url.path == f"/returns/{aftership.API_VERSION}/returns"
        params = request.url.params
        page, limit = int(params["page"]), int(params["limit"])
        assert 1 <= page <= 200 and 1 <= limit <= 50
        low, high = at(params["created_at_min"]), at(params["created_at_max"])
        matching = [r for r in self.returns if low <= at(r["created_at"]) <= high]
        total = (self.total_override and self.total_override(low, high)) or len(matching)
        chunk = matching[(page - 1) * limit: page * limit]
        body = envelope({"returns": json.loads(json.dumps(chunk)), "pagination": {
            "total": total, "page": page, "limit": limit, "has_next_page": page * limit < len(matching)}})
        if self.spoil:
            self.spoil(body)
        return httpx.Response(200, json=body)

    def pages(self) -> List[int]:
        return [int(r.url.params["page"]) for r in self.requests]


# -- Loop Returns, as https://docs.loopreturns.com documents it -----------------------------------
def loop_return(n: int, state: str = "open", label_status: Optional[str] = "in_transit",
                updated: datetime = NOW - timedelta(hours=5), order_name: str = "#1001", refund: str = "0.00",
                units: int = 1, **changes) -> dict:
    """An element of the Detailed Returns List (`returns[]`), shaped like Loop's documented example;
    the label fields are modelled on their list examples (carrier, tracking_number, label_status...)."""
    record = {
        "id": str(37600000 + n), "state": state, "created_at": iso(updated - timedelta(days=1)),
        "updated_at": iso(updated), "edited_at": None, "total": "89.99", "outcome": "refund",
        "order_id": "98766312", "order_name": order_name, "provider_order_id": "3248923479283",
        "order_number": "7381018", "provider_order_number": order_name.lstrip("#"), "customer": CUSTOMER_EMAIL,
        "origin_country": "United States", "origin_country_code": "US", "multi_currency": False, "currency": "USD",
        "return_product_total": "89.99", "return_discount_total": "0.00", "return_tax_total": "0.00",
        "return_total": "89.99", "return_credit_total": "89.99", "exchange_total": "0.00", "gift_card": "0.00",
        "handling_fee": "0.00", "refund": refund, "upsell": "0.00",
        "line_items": [{"line_item_id": str(293482039 + i), "provider_line_item_id": "23984238720340",
                        "product_id": "29871298310292", "variant_id": "23498287203948", "sku": "SHOE-42",
                        "title": "Trail running shoes", "price": "89.99", "discount": "0.00", "tax": "0.00",
                        "refund": "89.99", "returned_at": iso(updated - timedelta(days=1)),
                        "return_reason": "Too small", "parent_return_reason": "Size", "outcome": "default"}
                       for i in range(units)],
        "carrier": "USPS" if label_status else "N/A", "tracking_number": "9400136105440512280610" if label_status
        else "N/A", "label_status": label_status,
        "label_url": "https://s3.amazonaws.com/example-bucket/label.pdf" if label_status else None,
        "status_page_url": "https://example.loopreturns.com/#/return/example-uuid",
    }
    record.update(changes)
    return record


@dataclass
class FakeLoop:
    """GET /api/v1/warehouse/return/list as documented: from/to, filter, state, paginate and pageSize,
    the X-Authorization header; pages of `page_size` with an absolute `nextPageUrl` whose cursor
    carries the rest of the query (as Loop's own links do, which drop `from` and `state`)."""

    returns: List[dict] = field(default_factory=list)
    key: str = LOOP_KEY
    page_size: int = 2
    next_host: str = "https://api.loopreturns.com"
    requests: List[httpx.Request] = field(default_factory=list)
    intercept: Optional[Callable[[httpx.Request], Optional[httpx.Response]]] = None
    spoil: Optional[Callable[[dict], None]] = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.intercept and (answer := self.intercept(request)) is not None:
            return answer
        if request.headers.get("x-authorization") != self.key:
            return httpx.Response(401, json={"error": {"code": "401", "http_code": "GEN-UNAUTHORIZED",
                                                       "message": "Unauthorized."}})
        assert request.url.path == "/api/v1/warehouse/return/list"
        params = request.url.params
        if "cursor" in params:
            query = json.loads(base64.urlsafe_b64decode(params["cursor"]))
        else:
            assert params["paginate"] == "true" and params["filter"] == "updated_at"
            query = {"from": params["from"], "to": params["to"], "state": params["state"], "offset": 0}
        low, high = (datetime.strptime(query[k], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
                     for k in ("from", "to"))
        assert high - low <= timedelta(days=120), "Loop refuses spans over 120 days"
        matching = [r for r in self.returns if r.get("state") == query["state"] and low <= at(r["updated_at"]) <= high]
        offset = query["offset"]
        chunk = matching[offset: offset + self.page_size]
        next_url = None
        if offset + self.page_size < len(matching):
            following = json.dumps({**query, "offset": offset + self.page_size}).encode()
            cursor = base64.urlsafe_b64encode(following).decode()
            next_url = (f"{self.next_host}/api/v1/warehouse/return/list?to={query['to'].replace(' ', '%20')}"
                        f"&filter=updated_at&pageSize={self.page_size}&cursor={cursor}")
        body = {"returns": json.loads(json.dumps(chunk)), "nextPageUrl": next_url, "previousPageUrl": None}
        if self.spoil:
            self.spoil(body)
        return httpx.Response(200, json=body)

    def states(self) -> List[str]:
        return [r.url.params["state"] for r in self.requests if "state" in r.url.params]


# -- fixtures -----------------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path) -> SqlPlatformReturns:
    orders = SqlStore.from_url(f"sqlite:///{tmp_path / 'returnbot.db'}")
    orders.upsert_orders([order(order_id=oid, channel=SalesChannel.SHOPIFY) for oid in ("#1001", "#1002")]
                         + [order(order_id="114-3941689-8772232")])
    yield SqlPlatformReturns(orders.engine)
    orders.engine.dispose()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def aftership_over(fake: FakeAfterShip, sleeps: Sleeps, **kw) -> AfterShipReturns:
    return AfterShipReturns(AS_KEY, transport=httpx.MockTransport(fake), sleep=sleeps,
                            now=lambda: NOW.timestamp(), **kw)


def loop_over(fake: FakeLoop, sleeps: Sleeps, base_url: Optional[str] = None) -> LoopReturns:
    return LoopReturns(LOOP_KEY, base_url, transport=httpx.MockTransport(fake), sleep=sleeps,
                       now=lambda: NOW.timestamp())


# -- paging to the end --------------------------------------------------------------------------
async def test_aftership_reads_every_page_of_the_documented_list(store, sleeps, clock):
    fake = FakeAfterShip([as_return(n, created=NOW - timedelta(days=5, minutes=n)) for n in range(1, 121)])
    result = await sync(aftership_over(fake, sleeps), store, clock)
    assert fake.pages() == [1, 2, 3] and {r.url.params["limit"] for r in fake.requests} == {"50"}
    assert result.seen == 120 and len(result.changed) == 120 and store.count("aftership") == 120
    first = fake.requests[0].url.params
    assert first["created_at_max"] == "2026-11-20T12:00:00Z"
    assert at(first["created_at_min"]) == NOW - FIRST_SYNC  # first sync reads 90 days back


async def test_loop_follows_next_page_links_to_the_end_for_every_state(store, sleeps, clock):
    fake = FakeLoop([loop_return(n) for n in range(1, 6)] + [loop_return(9, state="closed", refund="89.99")])
    result = await sync(loop_over(fake, sleeps), store, clock)
    assert fake.states() == ["open", "review", "closed", "cancelled", "expired"]
    followed = [r for r in fake.requests if "cursor" in r.url.params]
    assert len(fake.requests) == 7 and fake.requests.index(followed[0]) == 1 and len(followed) == 2  # open: 3 pages
    assert fake.requests[0].url.params["from"] == (NOW - FIRST_SYNC).strftime("%Y-%m-%d %H:%M:%S")
    assert fake.requests[0].url.params["to"] == "2026-11-20 12:00:00"
    assert result.seen == 6 and store.count("loop") == 6


async def test_loop_next_page_links_are_followed_on_the_configured_host_only(store, sleeps, clock):
    fake = FakeLoop([loop_return(n) for n in range(1, 4)], next_host="https://elsewhere.example")
    await sync(loop_over(fake, sleeps, base_url="https://loop.test/api/v1"), store, clock)
    assert {r.url.host for r in fake.requests} == {"loop.test"} and store.count("loop") == 3


async def test_loop_spans_longer_than_120_days_are_asked_in_windows(store, sleeps, clock):
    fake = FakeLoop([loop_return(1, updated=NOW - timedelta(days=200))])
    await sync(loop_over(fake, sleeps), store, clock, first_sync=timedelta(days=250))
    opens = [r.url.params for r in fake.requests if r.url.params.get("state") == "open"]
    assert len(opens) == 3 and opens[0]["to"] == opens[1]["from"] and opens[-1]["to"] == "2026-11-20 12:00:00"
    assert store.count("loop") == 1


async def test_aftership_halves_a_span_holding_more_than_200_pages(store, sleeps, clock):
    fake = FakeAfterShip([as_return(n, created=NOW - timedelta(days=n)) for n in (2, 40)],
                         total_override=lambda low, high: 10_001 if high - low > timedelta(days=50) else None)
    result = await sync(aftership_over(fake, sleeps), store, clock)
    spans = [(at(r.url.params["created_at_min"]), at(r.url.params["created_at_max"])) for r in fake.requests]
    assert spans[0] == (NOW - FIRST_SYNC, NOW) and all(high - low <= timedelta(days=50) for low, high in spans[1:])
    assert result.seen == 2


async def test_aftership_keeps_only_returns_with_an_event_since_the_cursor(store, sleeps, clock):
    quiet = as_return(1, created=NOW - timedelta(days=30))
    refunded = as_return(2, approval="done", created=NOW - timedelta(days=30),
                         refunded_at=iso(NOW - timedelta(minutes=3)),
                         refunded_total={"amount": "89.99", "currency": "USD"})
    fake = FakeAfterShip([quiet, refunded])
    store.advance_cursor("aftership", NOW - timedelta(hours=1), at=NOW - timedelta(hours=1))
    result = await sync(aftership_over(fake, sleeps), store, clock)
    assert [r.rma_number for r in result.changed] == ["A0000002"]
    assert at(fake.requests[0].url.params["created_at_min"]) == NOW - aftership.ACTIVE_FOR


# -- statuses -----------------------------------------------------------------------------------
@pytest.mark.parametrize("changes, expected", [
    (dict(approval="submitted", shipping="no_label"), RmaStatus.PENDING_REVIEW),
    (dict(approval="approved", shipping="no_label"), RmaStatus.AUTHORISED),
    (dict(approval="approved", shipping="void"), RmaStatus.AUTHORISED),
    (dict(approval="approved", shipping="pending"), RmaStatus.LABEL_CREATED),
    (dict(approval="approved", shipping="in_transit"), RmaStatus.IN_TRANSIT),
    (dict(approval="approved", shipping="dropped"), RmaStatus.IN_TRANSIT),
    (dict(approval="approved", shipping="delivered"), RmaStatus.RECEIVED),
    (dict(approval="approved", shipping="partially_received"), RmaStatus.RECEIVED),
    (dict(approval="approved", shipping="received"), RmaStatus.RECEIVED),
    (dict(approval="approved", shipping=None), RmaStatus.IN_TRANSIT),  # from the shipment's tracking status
    (dict(approval="done", refunded_at=iso(NOW), refunded_total={"amount": "89.99", "currency": "USD"}),
     RmaStatus.REFUNDED),
    (dict(approval="done", outcomes=["exchange"], estimated_refund_total=None), RmaStatus.INSPECTED),
    (dict(approval="rejected", rejected_at=iso(NOW), reject_reason="Outside policy"), RmaStatus.REJECTED),
    (dict(approval="expired", expired_at=iso(NOW)), RmaStatus.REJECTED),
    (dict(approval="shipped", shipping=None), RmaStatus.IN_TRANSIT),  # legacy API words
], ids=lambda v: v.value if isinstance(v, RmaStatus) else f"{v['approval']}-{v.get('shipping', '')}")
def test_aftership_statuses_map_onto_the_returnbot_lifecycle(changes, expected):
    found = aftership.read_return(as_return(1, **changes), "page 1, return 1")
    assert isinstance(found, ExternalReturn) and found.status is expected
    assert found.platform_status.split("/")[0] == changes["approval"]


@pytest.mark.parametrize("state, label_status, refund, expected", [
    ("open", None, "0.00", RmaStatus.AUTHORISED),
    ("open", "new", "0.00", RmaStatus.LABEL_CREATED),
    ("open", "pre_transit", "0.00", RmaStatus.LABEL_CREATED),
    ("open", "in_transit", "0.00", RmaStatus.IN_TRANSIT),
    ("open", "out_for_delivery", "0.00", RmaStatus.IN_TRANSIT),
    ("open", "delivered", "0.00", RmaStatus.RECEIVED),
    ("review", None, "0.00", RmaStatus.PENDING_REVIEW),
    ("needs review", None, "0.00", RmaStatus.PENDING_REVIEW),  # the webhook's spelling
    ("closed", "delivered", "89.99", RmaStatus.REFUNDED),
    ("closed", "delivered", "0.00", RmaStatus.INSPECTED),  # exchange or store credit
    ("cancelled", None, "0.00", RmaStatus.REJECTED),
    ("expired", "new", "0.00", RmaStatus.REJECTED),
])
def test_loop_states_map_onto_the_returnbot_lifecycle(state, label_status, refund, expected):
    found = loop.read_return(loop_return(1, state=state, label_status=label_status, refund=refund), "x")
    assert isinstance(found, ExternalReturn) and found.status is expected and found.platform_status.startswith(state)


def test_an_aftership_return_is_read_with_items_label_refund_and_times_and_no_personal_data():
    created = NOW - timedelta(days=3)
    found = aftership.read_return(as_return(7, created=created), "p")
    assert found == ExternalReturn(
        platform="aftership", external_id=f"{7:032x}", rma_number="A0000007", order_id="#1001", order_name="#1001",
        order_number="1001", status=RmaStatus.IN_TRANSIT, platform_status="approved/in_transit", created_at=created,
        updated_at=created + timedelta(days=1), items=(ReturnedItem("SHOE-42", "Trail running shoes - EU 42", 1),),
        label_url="https://cdn.example.com/x/y/label.pdf", tracking_number="9400100000000000000000", carrier="usps",
        refund=Money(Decimal("89.99"), "USD"), refunded_at=None)
    assert CUSTOMER_EMAIL not in repr(found)


def test_a_loop_return_counts_its_units_per_sku():
    found = loop.read_return(loop_return(1, units=3, state="closed", refund="269.97"), "x")
    assert found.items == (ReturnedItem("SHOE-42", "Trail running shoes", 3),)
    assert found.refund == Money(Decimal("269.97"), "USD") and found.rma_number == "37600001"
    assert found.carrier == "USPS" and found.label_url.endswith("label.pdf")


# -- rate limits, outages, refusals -------------------------------------------------------------
def once(response: httpx.Response, where: Callable[[httpx.Request], bool] = lambda r: True):
    """An intercept that answers `response` to the first matching request only."""
    used = []

    def intercept(request: httpx.Request) -> Optional[httpx.Response]:
        if not used and where(request):
            used.append(request)
            return response
        return None

    return intercept


async def test_a_429_waits_as_long_as_retry_after_says_and_the_return_is_stored_once(store, sleeps, clock):
    fake = FakeAfterShip([as_return(1)], intercept=once(httpx.Response(
        429, headers={"Retry-After": "7", "X-RateLimit-Reset": str(int(NOW.timestamp()) + 7)},
        json=envelope(None, 42900, "TooManyRequests", "Too many requests"))))
    result = await sync(aftership_over(fake, sleeps), store, clock)
    assert sleeps == [7.0] and len(fake.requests) == 2
    assert len(result.changed) == 1 and store.count() == 1


async def test_a_rate_limit_reset_time_is_honoured_up_to_the_cap(store, sleeps, clock):
    fake = FakeAfterShip([as_return(1)], intercept=once(httpx.Response(
        429, headers={"X-RateLimit-Reset": str(int(NOW.timestamp()) + 3)},
        json=envelope(None, 42900, "TooManyRequests", "Too many requests"))))
    await sync(aftership_over(fake, sleeps), store, clock)
    fake.intercept = once(httpx.Response(429, headers={"Retry-After": "3600"}))
    clock.now += timedelta(minutes=5)
    await sync(aftership_over(fake, sleeps), store, clock)
    assert sleeps == [3.0, 60.0]


async def test_loop_429_without_a_wait_header_backs_off(store, sleeps, clock):
    fake = FakeLoop([loop_return(1)], intercept=once(httpx.Response(429, text="Too Many Attempts.")))
    await sync(loop_over(fake, sleeps), store, clock)
    assert sleeps == [1.0] and store.count("loop") == 1


async def test_a_5xx_is_retried_with_backoff_then_the_sync_completes(store, sleeps, clock):
    fake = FakeAfterShip([as_return(1)], intercept=once(httpx.Response(503, text="upstream connect error")))
    result = await sync(aftership_over(fake, sleeps), store, clock)
    assert sleeps == [1.0] and len(result.changed) == 1 and store.cursor("aftership") == NOW


async def test_a_network_error_is_retried(store, sleeps, clock):
    def flaky(request):
        if len(fake.requests) == 1:
            raise httpx.ConnectTimeout("timed out", request=request)
        return None

    fake = FakeLoop([loop_return(1)], intercept=flaky)
    await sync(loop_over(fake, sleeps), store, clock)
    assert sleeps == [1.0] and store.count("loop") == 1


@pytest.mark.parametrize("platform", ["aftership", "loop"])
async def test_a_401_is_a_clear_error_and_nothing_is_stored_or_advanced(platform, store, sleeps, clock, caplog):
    caplog.set_level(logging.DEBUG)
    if platform == "aftership":
        fake = FakeAfterShip([as_return(1)], key="another")
        adapter = aftership_over(fake, sleeps)
        expected = "AfterShip Returns answered HTTP 401: The API key is invalid."
    else:
        fake = FakeLoop([loop_return(1)], key="another")
        adapter = loop_over(fake, sleeps)
        expected = "Loop Returns answered HTTP 401: Unauthorized."
    with pytest.raises(PlatformError) as error:
        await sync(adapter, store, clock)
    assert str(error.value) == expected and error.value.status == 401
    assert len(fake.requests) == 1 and sleeps == []  # a refusal is not retried
    assert store.count() == 0 and store.cursor(platform) is None
    assert AS_KEY not in caplog.text and LOOP_KEY not in caplog.text


async def test_other_4xx_fail_at_once_with_the_platforms_message(store, sleeps, clock):
    fake = FakeLoop([], intercept=lambda r: httpx.Response(422, json={
        "message": "The given data was invalid.", "errors": {"from": ["The from must be a date before to."]}}))
    with pytest.raises(PlatformError, match="HTTP 422: The given data was invalid.; from: The from must be"):
        await sync(loop_over(fake, sleeps), store, clock)
    assert len(fake.requests) == 1


async def test_giving_up_after_repeated_5xx_names_the_status(store, sleeps, clock):
    fake = FakeAfterShip([as_return(1)], intercept=lambda r: httpx.Response(
        500, json=envelope(None, 50000, "InternalError", "Something went wrong on AfterShip's end.")))
    with pytest.raises(PlatformError, match="HTTP 500: Something went wrong"):
        await sync(aftership_over(fake, sleeps), store, clock)
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0] and store.cursor("aftership") is None


@pytest.mark.parametrize("headers, expected", [
    ({"retry-after": "5"}, 5.0),
    ({"retry-after": "Fri, 20 Nov 2026 12:00:30 GMT"}, 30.0),
    ({"x-ratelimit-reset": str(int(NOW.timestamp()) + 2)}, 2.0),  # AfterShip: a Unix time
    ({"ratelimit-reset": "4"}, 4.0),  # others: seconds to go
    ({}, None),
])
def test_retry_after_headers(headers, expected):
    assert retry_after(httpx.Headers(headers), NOW.timestamp()) == expected


# -- malformed records ---------------------------------------------------------------------------
async def test_malformed_returns_are_skipped_with_a_reason_and_the_sync_completes(store, sleeps, clock):
    no_rma = {k: v for k, v in as_return(2).items() if k != "rma_number"}

    def spoil(body):
        for record in body["data"]["returns"]:
            if record.get("rma_number") == "A0000003":
                record["created_at"] = "last tuesday"

    fake = FakeAfterShip([as_return(1), no_rma, as_return(3), as_return(4, approval="teleported")], spoil=spoil)
    result = await sync(aftership_over(fake, sleeps), store, clock)
    reasons = {s.ref: s.reason for s in result.skipped}
    assert reasons == {f"{2:032x}": "rma_number is missing", "A0000003": "created_at is not a time: 'last tuesday'",
                       "A0000004": "approval_status 'teleported' is not one returnbot knows"}
    assert [r.rma_number for r in result.changed] == ["A0000001"] and store.cursor("aftership") == NOW


async def test_loop_records_that_are_not_objects_or_lack_an_order_are_skipped(store, sleeps, clock):
    def spoil(body):
        body["returns"] = ["not a return" if r["id"] == "37600003" else r for r in body["returns"]]

    fake = FakeLoop([loop_return(1), loop_return(2, order_name="", provider_order_number=None, order_number=None),
                     loop_return(3)], spoil=spoil)
    result = await sync(loop_over(fake, sleeps), store, clock)
    assert {s.ref: s.reason for s in result.skipped} == {
        "37600002": "neither order_name nor order_number is given",
        "open returns, page 2, return 1": "the return is not an object"}
    assert store.count("loop") == 1 and store.cursor("loop") == NOW


# -- idempotence and the cursor -----------------------------------------------------------------
async def test_a_second_sync_changes_nothing_and_a_later_change_is_picked_up(store, sleeps, clock):
    fake = FakeLoop([loop_return(n, updated=NOW - timedelta(minutes=2)) for n in range(1, 4)])
    first = await sync(loop_over(fake, sleeps), store, clock)
    clock.now += timedelta(minutes=5)
    second = await sync(loop_over(fake, sleeps), store, clock)
    assert len(first.changed) == 3 and second.changed == () and second.seen == 3  # the overlap re-read them
    assert second.since == NOW - OVERLAP and store.cursor("loop") == clock.now
    fake.returns[0] = loop_return(1, label_status="delivered", updated=clock.now - timedelta(minutes=1))
    clock.now += timedelta(minutes=5)
    third = await sync(loop_over(fake, sleeps), store, clock)
    assert [(r.rma_number, r.status) for r in third.changed] == [("37600001", RmaStatus.RECEIVED)]
    assert store.count("loop") == 3


async def test_the_cursor_moves_only_after_a_complete_pull_and_the_next_sync_redoes_the_span(store, sleeps, clock,
                                                                                             monkeypatch):
    monkeypatch.setattr(platforms, "UPSERT_BATCH", 50)  # rows are stored a batch at a time
    fake = FakeAfterShip([as_return(n, created=NOW - timedelta(days=5, minutes=n)) for n in range(1, 61)])
    fake.intercept = lambda r: httpx.Response(502, text="Bad Gateway") if r.url.params["page"] == "2" else None
    with pytest.raises(PlatformError, match="HTTP 502"):
        await sync(aftership_over(fake, sleeps), store, clock)
    assert store.cursor("aftership") is None and store.count() == 50  # the finished batch is kept
    fake.intercept = None
    clock.now += timedelta(minutes=5)
    fake.requests.clear()
    result = await sync(aftership_over(fake, sleeps), store, clock)
    assert result.since == clock.now - FIRST_SYNC and fake.pages() == [1, 2]
    assert len(result.changed) == 10 and store.count() == 60 and store.cursor("aftership") == clock.now


async def test_an_older_copy_never_overwrites_a_newer_one(store):
    newer = aftership.read_return(as_return(1, shipping="delivered",
                                            shipments=[]), "p")
    older = replace(newer, status=RmaStatus.IN_TRANSIT, updated_at=newer.updated_at - timedelta(hours=1))
    assert store.upsert([newer], at=NOW) == [newer]
    assert store.upsert([older], at=NOW) == []
    assert store.get("aftership", newer.external_id).status is RmaStatus.RECEIVED


async def test_a_forgotten_customers_label_and_tracking_number_stay_gone_after_later_syncs(store, sleeps, clock):
    fake = FakeLoop([loop_return(1, updated=NOW - timedelta(minutes=2)), loop_return(2, order_name="#1002")])
    await sync(loop_over(fake, sleeps), store, clock)
    with store.engine.begin() as conn:
        assert sql_platforms.anonymise_for_orders(conn, ["#1001"]) == 1
    clock.now += timedelta(minutes=5)
    again = await sync(loop_over(fake, sleeps), store, clock)
    forgotten, other = store.get("loop", "37600001"), store.get("loop", "37600002")
    assert again.seen == 1 and again.changed == ()
    assert (forgotten.label_url, forgotten.tracking_number, forgotten.status) == (None, None, RmaStatus.IN_TRANSIT)
    assert other.tracking_number == "9400136105440512280610"


def test_the_cursor_never_moves_back(store):
    store.advance_cursor("loop", NOW, at=NOW)
    store.advance_cursor("loop", NOW - timedelta(hours=1), at=NOW)
    assert store.cursor("loop") == NOW


# -- order ids and lookups for the chat ---------------------------------------------------------
@pytest.mark.parametrize("name, number, expected", [
    ("#1001", "1001", ("#1001", "1001")),
    ("1001", None, ("1001", "#1001")),
    ("", "1002", ("1002", "#1002")),
    ("SHOP-1001", "1001", ("SHOP-1001", "1001", "#1001")),
    ("114-3941689-8772232", None, ("114-3941689-8772232",)),
])
def test_order_id_candidates(name, number, expected):
    assert order_id_candidates(name, number) == expected


async def test_platform_order_numbers_map_to_our_order_ids(store, sleeps, clock):
    fake = FakeLoop([loop_return(1, order_name="#1001"), loop_return(2, order_name="1002"),
                     loop_return(3, order_name="", provider_order_number="1002"),
                     loop_return(4, order_name="#9999"), loop_return(5, order_name="114-3941689-8772232")])
    await sync(loop_over(fake, sleeps), store, clock)
    assert {r.rma_number: r.order_id for r in store.for_order("#1002")} == {"37600002": "#1002", "37600003": "#1002"}
    assert [r.rma_number for r in store.for_order("#1001")] == ["37600001"]
    assert [r.rma_number for r in store.for_order("#9999")] == ["37600004"]  # not ours (yet): kept as the platform says
    assert [r.rma_number for r in store.for_order("114-3941689-8772232")] == ["37600005"]


async def test_returns_synced_before_their_order_was_imported_are_found_under_it(store, sleeps, clock):
    await sync(loop_over(FakeLoop([loop_return(1, order_name="5005")]), sleeps), store, clock)
    assert store.get("loop", "37600001").order_id == "5005"  # no such order in the store yet
    assert [r.rma_number for r in store.for_order("#5005")] == ["37600001"]


async def test_a_return_is_found_by_the_rma_number_the_customer_types(store, sleeps, clock):
    await sync(aftership_over(FakeAfterShip([as_return(42)]), sleeps), store, clock)
    found = store.by_rma_number(" a000-0042 ")
    assert found is not None and found.order_id == "#1001" and found.label_url.endswith("label.pdf")
    assert store.by_rma_number("A0000043") is None and store.by_rma_number("") is None


async def test_no_personal_data_from_the_platforms_is_stored(store, sleeps, clock):
    await sync(aftership_over(FakeAfterShip([as_return(1)]), sleeps), store, clock)
    await sync(loop_over(FakeLoop([loop_return(1)]), sleeps), store, clock)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(external_returns)).all()
    assert len(rows) == 2 and CUSTOMER_EMAIL not in repr(rows)


# -- settings, the runner and the command --------------------------------------------------------
def test_platform_settings_are_off_by_default_and_keys_stay_out_of_repr(tmp_path):
    off = test_settings(tmp_path)
    assert (off.aftership_api_key, off.loop_api_key, off.platform_sync_minutes) == (None, None, 5)
    on = test_settings(tmp_path, AFTERSHIP_API_KEY=AS_KEY, LOOP_API_KEY=LOOP_KEY,
                       LOOP_API_BASE_URL="http://127.0.0.1:9/api/v1/", RETURNBOT_PLATFORM_SYNC_MINUTES=15)
    assert on.aftership_api_key == AS_KEY and on.loop_api_base_url == "http://127.0.0.1:9/api/v1"
    assert on.platform_sync_minutes == 15 and AS_KEY not in repr(on) and LOOP_KEY not in repr(on)
    with pytest.raises(SettingsError, match="RETURNBOT_PLATFORM_SYNC_MINUTES"):
        test_settings(tmp_path, RETURNBOT_PLATFORM_SYNC_MINUTES=0)
    with pytest.raises(SettingsError, match="AFTERSHIP_API_BASE_URL"):
        test_settings(tmp_path, AFTERSHIP_API_BASE_URL="api.aftership.com")


def two_platforms(aftership_fake: FakeAfterShip, loop_fake: FakeLoop) -> httpx.MockTransport:
    return httpx.MockTransport(lambda r: (aftership_fake if r.url.host == "api.aftership.com" else loop_fake)(r))


async def test_sync_forever_syncs_each_round_logs_skips_and_failures_and_never_the_keys(tmp_path, store, sleeps,
                                                                                       clock, caplog):
    caplog.set_level(logging.DEBUG)
    settings = test_settings(tmp_path, AFTERSHIP_API_KEY="wrong-key", LOOP_API_KEY=LOOP_KEY,
                             RETURNBOT_PLATFORM_SYNC_MINUTES=5)
    loop_fake = FakeLoop([loop_return(1), loop_return(2, id=None)])

    async def sleep(seconds):
        sleeps.append(seconds)
        if seconds == 300:
            clock.now += timedelta(minutes=5)
            if sleeps.count(300) == 2:
                raise StopRounds

    with pytest.raises(StopRounds):
        await runner.sync_forever(settings, store, clock=clock, sleep=sleep,
                                  transport=two_platforms(FakeAfterShip([as_return(1)]), loop_fake))
    assert sleeps == [300, 300] and store.count("loop") == 1 and store.count("aftership") == 0
    assert "Loop Returns: skipped return open returns, page 1, return 2: id is missing" in caplog.text
    assert "AfterShip Returns: sync failed, retrying in 5 min: AfterShip Returns answered HTTP 401" in caplog.text
    assert "wrong-key" not in caplog.text and LOOP_KEY not in caplog.text


class StopRounds(Exception):
    pass


async def test_sync_forever_returns_at_once_when_no_platform_is_configured(tmp_path, store, sleeps):
    await runner.sync_forever(test_settings(tmp_path), store, sleep=sleeps)
    assert sleeps == []


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    monkeypatch.setenv("RETURNBOT_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RETURNBOT_SECRET", "test-secret")
    for name in ("RETURNBOT_DATABASE_URL", "AFTERSHIP_API_BASE_URL", "LOOP_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AFTERSHIP_API_KEY", AS_KEY)
    monkeypatch.setenv("LOOP_API_KEY", LOOP_KEY)
    return monkeypatch


def with_transport(monkeypatch, transport: httpx.MockTransport, sleeps: Sleeps) -> None:
    opened = runner.open_platforms
    monkeypatch.setattr(runner, "open_platforms", lambda settings, **_: opened(settings, transport=transport,
                                                                                sleep=sleeps))


def test_platforms_sync_prints_what_changed_and_json(cli_env, sleeps, capsys):
    from cli.main import main

    now = datetime.now(timezone.utc)  # the command reads the real clock
    aftership_fake = FakeAfterShip([as_return(1, created=now - timedelta(days=3))])
    loop_fake = FakeLoop([loop_return(1, updated=now - timedelta(hours=5)), loop_return(2, id="", updated=now)])
    with_transport(cli_env, two_platforms(aftership_fake, loop_fake), sleeps)
    assert main(["platforms", "sync"]) == 0
    out = capsys.readouterr().out
    assert "AfterShip Returns: 1 returns read" in out and "1 new or updated, 0 skipped" in out
    assert "A0000001" in out and "in_transit" in out and "(approved/in_transit)" in out
    assert "Loop Returns: 1 returns read" in out and "skipped open returns, page 1, return 2: id is empty" in out
    assert main(["platforms", "sync", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [(r["platform"], r["ok"], r["read"], r["changed"]) for r in runs] == [("aftership", True, 0, []),
                                                                                 ("loop", True, 0, [])]
    assert runs[1]["skipped"] == [{"ref": "open returns, page 1, return 1", "reason": "id is empty"}]


def test_platforms_sync_reports_a_failed_platform_and_still_syncs_the_other(cli_env, sleeps, capsys):
    from cli.main import main

    cli_env.setenv("AFTERSHIP_API_KEY", "revoked")
    now = datetime.now(timezone.utc)
    with_transport(cli_env, two_platforms(FakeAfterShip([as_return(1, created=now - timedelta(days=3))]),
                                          FakeLoop([loop_return(1, updated=now - timedelta(hours=5))])), sleeps)
    assert main(["platforms", "sync"]) == 1
    captured = capsys.readouterr()
    assert "AfterShip Returns: sync failed; the next sync reads the same span again. AfterShip Returns answered " \
           "HTTP 401: The API key is invalid." in captured.err
    assert "Loop Returns: 1 returns read" in captured.out and "revoked" not in captured.out + captured.err


@pytest.mark.parametrize("words", [["platforms"], ["platforms", "sync"]], ids=" ".join)
def test_the_platforms_command_has_help(words, capsys):
    from cli.main import parser

    with pytest.raises(SystemExit) as exit_:
        parser().parse_args([*words, "--help"])
    assert exit_.value.code == 0 and f"usage: returnbot {' '.join(words)}" in capsys.readouterr().out


def test_platforms_sync_without_keys_says_both_are_off(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AFTERSHIP_", "LOOP_", "RETURNBOT_"))}
    env.update(RETURNBOT_VAR_DIR=str(tmp_path), RETURNBOT_SECRET="test-secret")
    done = subprocess.run([sys.executable, "-m", "cli.main", "platforms", "sync"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "AfterShip Returns: off (set AFTERSHIP_API_KEY to turn it on; see docs/platforms.md)",
        "Loop Returns: off (set LOOP_API_KEY to turn it on; see docs/platforms.md)"]
