"""Live orders from the marketplaces (issue 16): the Shopify, Amazon SP-API and eBay adapters of
`bot.ports.OrderSource` against fakes that answer in the vendors' documented shapes
(tests/fake_marketplaces.py). No network, no real sleeping: the clock is injected."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from decimal import Decimal

import httpx
import pytest

from bot.models import Fulfillment, Money, OrderStatus, SalesChannel
from bot.ports import OrderSource, SourceError
from integrations.amazon import AmazonOrderSource
from integrations.ebay import EbayOrderSource
from integrations.http import RetryPolicy
from integrations.shopify import ShopifyOrderSource
from tests.fake_marketplaces import (
    RELAY,
    FakeAmazon,
    FakeClock,
    FakeEbay,
    FakeShopify,
    amazon_order,
    ebay_order,
    shopify_order,
    shopify_refund,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def shopify(fake: FakeShopify, clock: FakeClock, token: str = "shpat_good", **kw) -> ShopifyOrderSource:
    return ShopifyOrderSource("demo", token, transport=fake.transport(), sleep=clock.sleep, now=clock.now, **kw)


def amazon(fake: FakeAmazon, clock: FakeClock, refresh: str = "Atzr|good", **kw) -> AmazonOrderSource:
    return AmazonOrderSource("amzn1.application-oa2-client.x", "secret", refresh, transport=fake.transport(),
                             sleep=clock.sleep, now=clock.now, **kw)


def ebay(fake: FakeEbay, clock: FakeClock, refresh: str = "v^1.1#good", **kw) -> EbayOrderSource:
    return EbayOrderSource("app-id", "cert-id", refresh, transport=fake.transport(), sleep=clock.sleep,
                           now=clock.now, **kw)


def test_each_adapter_is_an_order_source(clock):
    sources = [shopify(FakeShopify(), clock), amazon(FakeAmazon(), clock), ebay(FakeEbay(), clock)]
    for source in sources:
        assert isinstance(source.name, str)
        assert callable(source.fetch_order) and callable(source.orders_changed_since)
    _typed: OrderSource = sources[0]  # the Protocol accepts it


# -- Shopify ------------------------------------------------------------------------------------

def test_shopify_order_by_name_maps_lines_tracking_and_customer(clock):
    fake = FakeShopify()
    fake.add(shopify_order(1001))
    order = shopify(fake, clock).fetch_order("#1001")
    assert order.order_id == "#1001" and order.channel == SalesChannel.SHOPIFY
    assert order.fulfillment == Fulfillment.MERCHANT and order.status == OrderStatus.DELIVERED
    assert [(l.line_id, l.sku, l.quantity, l.unit_price, l.category) for l in order.lines] == [
        ("111", "SHOE-42", 2, Decimal("89.99"), "shoes"), ("112", "SOCK-M", 1, Decimal("9.50"), "general")]
    assert (order.carrier, order.tracking_number) == ("UPS", "1Z999AA10123456784")
    customer = order.customer
    assert (customer.email, customer.postcode, customer.country) == ("jane@example.com", "94107", "US")
    assert order.delivered_at.isoformat() == "2026-01-04T15:00:00+00:00"
    assert fake.requests[0].headers["X-Shopify-Access-Token"] == "shpat_good"
    assert fake.requests[0].url.path == "/admin/api/2025-01/graphql.json"


@pytest.mark.parametrize("asked", ["1001", "#1001", " 1001 ", "gid://shopify/Order/5001001"])
def test_shopify_finds_an_order_however_the_customer_writes_it(clock, asked):
    fake = FakeShopify()
    fake.add(shopify_order(1001))
    assert shopify(fake, clock).fetch_order(asked).order_id == "#1001"


def test_shopify_unknown_order_is_none(clock):
    assert shopify(FakeShopify(), clock).fetch_order("#9999") is None


@pytest.mark.parametrize("fulfilled, delivered, cancelled, status", [
    (False, False, False, OrderStatus.PROCESSING), (True, False, False, OrderStatus.SHIPPED),
    (True, True, False, OrderStatus.DELIVERED), (False, False, True, OrderStatus.CANCELLED)])
def test_shopify_status(clock, fulfilled, delivered, cancelled, status):
    fake = FakeShopify()
    fake.add(shopify_order(1001, fulfilled=fulfilled, delivered=delivered, cancelled=cancelled))
    assert shopify(fake, clock).fetch_order("1001").status == status


def test_shopify_refunds_are_returned_units_and_cancel_restocks_cancelled_units(clock):
    fake = FakeShopify()
    fake.add(shopify_order(1001, refunds=[shopify_refund(111, 1), shopify_refund(112, 1, restock="CANCEL")]))
    shoes, socks = shopify(fake, clock).fetch_order("1001").lines
    assert (shoes.returned_quantity, shoes.returnable_quantity) == (1, 1)
    assert (socks.cancelled_quantity, socks.returnable_quantity) == (1, 0)


def test_shopify_bad_token_is_not_retried(clock):
    fake = FakeShopify()
    with pytest.raises(SourceError) as caught:
        shopify(fake, clock, token="shpat_revoked").fetch_order("1001")
    assert caught.value.retryable is False and caught.value.status == 401
    assert len(fake.requests) == 1 and clock.slept == []
    assert "shpat_revoked" not in str(caught.value)


def test_shopify_waits_for_the_cost_bucket_before_asking(clock):
    fake = FakeShopify()
    fake.add(shopify_order(1001))
    source = shopify(fake, clock)
    fake.available = 20.0  # the answer says: 20 points left, 100 a second come back
    source.fetch_order("1001")
    source.fetch_order("1001")
    assert clock.slept == [pytest.approx((60 - 20) / 100)]


def test_shopify_waits_for_what_the_query_costs_as_shopify_reported_it(clock):
    fake = FakeShopify()
    fake.add(shopify_order(1001))
    fake.available, fake.cost = 20.0, 200
    source = shopify(fake, clock)
    source.fetch_order("1001")
    source.fetch_order("1001")
    assert clock.slept == [pytest.approx((200 - 20) / 100)]


def test_shopify_throttled_query_waits_and_asks_again(clock):
    fake = FakeShopify()
    fake.add(shopify_order(1001))
    fake.throttled = 2
    assert shopify(fake, clock).fetch_order("1001").order_id == "#1001"
    assert len(fake.requests) == 3
    assert clock.slept == [pytest.approx(0.6), pytest.approx(0.6)]  # 60 points at 100 a second, each time


def test_shopify_5xx_backs_off_then_gives_up_retryable(clock):
    fake = FakeShopify()
    fake.fail_next = [(503, {"errors": "Service Unavailable"})] * 3
    source = shopify(fake, clock, retry=RetryPolicy(attempts=3, backoff=1.0))
    with pytest.raises(SourceError) as caught:
        source.fetch_order("1001")
    assert caught.value.retryable is True and caught.value.status == 503
    assert clock.slept == [1.0, 2.0]


def test_shopify_sync_pages_with_a_cursor_and_resumes_after_the_newest_change(clock):
    fake = FakeShopify()
    for n in range(3):
        fake.add(shopify_order(1001 + n, updated=f"2026-01-0{n + 2}T10:00:00Z"))
    source = shopify(fake, clock, page_size=2)
    first = source.orders_changed_since(None)
    assert [o.order_id for o in first.orders] == ["#1001", "#1002"] and first.more
    second = source.orders_changed_since(first.cursor)
    assert [o.order_id for o in second.orders] == ["#1003"] and not second.more
    assert source.orders_changed_since(second.cursor).orders == ()
    fake.add(shopify_order(1002, updated="2026-01-09T10:00:00Z", refunds=[shopify_refund(111, 2)]))
    changed = source.orders_changed_since(second.cursor)
    assert [o.order_id for o in changed.orders] == ["#1002"]
    assert changed.orders[0].lines[0].returned_quantity == 2
    since = json.loads(fake.requests[0].content)["variables"]["query"]
    assert since == "updated_at:>'2025-11-02T00:00:00+00:00'"  # 60 days before the fake clock's now


def test_shopify_check_says_what_the_token_can_read(clock):
    fake = FakeShopify()
    fake.scopes = ["read_orders"]
    found = shopify(fake, clock).check()
    assert found == {"account": "demo.myshopify.com", "scopes": ["read_orders"], "missing": ["read_fulfillments"]}


# -- Amazon -------------------------------------------------------------------------------------

def test_amazon_afn_order_takes_amazons_path_and_the_buyer_data_comes_through_an_rdt(clock):
    fake = FakeAmazon()
    fake.add(amazon_order(channel="AFN"))
    order = amazon(fake, clock).fetch_order("113-1234567-1234567")
    assert order.channel == SalesChannel.AMAZON and order.fulfillment == Fulfillment.FBA
    assert (order.customer.email, order.customer.postcode) == (RELAY, "98101")
    assert [(l.line_id, l.sku, l.quantity, l.unit_price) for l in order.lines] == [
        ("68828574383266", "MUG-RED", 2, Decimal("29.99"))]
    assert order.status == OrderStatus.SHIPPED  # the latest delivery date is still to come
    assert fake.paths() == ["/auth/o2/token", "/tokens/2021-03-01/restrictedDataToken",
                            "/orders/v0/orders/113-1234567-1234567",
                            "/orders/v0/orders/113-1234567-1234567/orderItems",
                            "/finances/v0/orders/113-1234567-1234567/financialEvents"]
    rdt_request = json.loads(fake.requests[1].content)
    assert rdt_request == {"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/113-1234567-1234567",
                                                    "dataElements": ["buyerInfo", "shippingAddress"]}]}
    assert fake.requests[2].headers["x-amz-access-token"].startswith("Atz.sprdt|")
    assert fake.requests[3].headers["x-amz-access-token"] == "Atza|access-1"


def test_amazon_mfn_order_is_the_merchants_and_delivered_once_the_latest_delivery_date_passed(clock):
    fake = FakeAmazon()
    fake.add(amazon_order(channel="MFN", latest_delivery="2025-12-31T07:59:59Z"))
    order = amazon(fake, clock).fetch_order("113-1234567-1234567")
    assert order.fulfillment == Fulfillment.MERCHANT and order.status == OrderStatus.DELIVERED


@pytest.mark.parametrize("raw, status", [("Canceled", OrderStatus.CANCELLED), ("Unshipped", OrderStatus.PROCESSING),
                                         ("Pending", OrderStatus.PROCESSING),
                                         ("PartiallyShipped", OrderStatus.SHIPPED)])
def test_amazon_status(clock, raw, status):
    fake = FakeAmazon()
    fake.add(amazon_order(status=raw))
    assert amazon(fake, clock).fetch_order("113-1234567-1234567").status == status


def test_amazon_refunds_come_from_the_finances_api(clock):
    fake = FakeAmazon()
    fake.add(amazon_order())
    fake.refunds["113-1234567-1234567"] = [{"SellerSKU": "MUG-RED", "OrderAdjustmentItemId": "52986411826454",
                                           "OrderItemId": "68828574383266", "QuantityShipped": 1,
                                           "ItemChargeAdjustmentList": [{"ChargeType": "Principal", "ChargeAmount": {
                                               "CurrencyCode": "USD", "CurrencyAmount": -29.99}}]}]
    [line] = amazon(fake, clock).fetch_order("113-1234567-1234567").lines
    assert (line.returned_quantity, line.returnable_quantity) == (1, 1)


def test_amazon_without_the_finance_role_reads_orders_without_refunds_and_stops_asking(clock):
    fake = FakeAmazon()
    fake.finance_role = False
    fake.add(amazon_order())
    source = amazon(fake, clock, pii="none")
    assert source.fetch_order("113-1234567-1234567").lines[0].returned_quantity == 0
    source.fetch_order("113-1234567-1234567")
    finance = [p for p in fake.paths() if p.startswith("/finances/")]
    assert len(finance) == 2  # the first lookup: refused, once more after a fresh token; then never again
    assert source.read_refunds is False


def test_amazon_without_the_pii_role_reads_no_buyer_data(clock):
    fake = FakeAmazon(pii_role=False)
    fake.add(amazon_order())
    order = amazon(fake, clock, pii="none").fetch_order("113-1234567-1234567")
    assert (order.customer.email, order.customer.postcode, order.customer.country) == ("", "", "US")
    assert "/tokens/2021-03-01/restrictedDataToken" not in fake.paths()


def test_amazon_rdt_refused_names_the_role_and_is_not_retried(clock):
    fake = FakeAmazon(pii_role=False)
    fake.add(amazon_order())
    with pytest.raises(SourceError) as caught:
        amazon(fake, clock).fetch_order("113-1234567-1234567")
    assert caught.value.retryable is False
    assert "Direct-to-Consumer Delivery" in str(caught.value) and "AMAZON_PII=none" in str(caught.value)
    assert clock.slept == []


def test_amazon_unknown_order_is_none(clock):
    assert amazon(FakeAmazon(), clock).fetch_order("113-0000000-0000000") is None


def test_amazon_refreshes_the_access_token_when_it_expires(clock):
    fake = FakeAmazon(lifetime=3600)
    fake.add(amazon_order())
    source = amazon(fake, clock, pii="none")
    source.fetch_order("113-1234567-1234567")
    clock.t += 3590  # within a minute of expiring
    source.fetch_order("113-1234567-1234567")
    assert fake.paths().count("/auth/o2/token") == 2
    assert fake.requests[-1].headers["x-amz-access-token"] == "Atza|access-2"


def test_amazon_refreshes_once_when_the_token_is_refused_early(clock):
    fake = FakeAmazon()
    fake.add(amazon_order())
    source = amazon(fake, clock, pii="none")
    source.fetch_order("113-1234567-1234567")
    fake.revoke_access_tokens()
    assert source.fetch_order("113-1234567-1234567") is not None
    assert fake.paths().count("/auth/o2/token") == 2


def test_amazon_bad_refresh_token_is_a_clear_permanent_error(clock):
    fake = FakeAmazon()
    with pytest.raises(SourceError) as caught:
        amazon(fake, clock, refresh="Atzr|revoked").fetch_order("113-1234567-1234567")
    assert caught.value.retryable is False and "invalid_grant" in str(caught.value)
    assert "Atzr|revoked" not in str(caught.value) and clock.slept == []


def test_amazon_429_waits_as_asked_and_carries_on(clock):
    fake = FakeAmazon()
    fake.add(amazon_order())
    source = amazon(fake, clock, pii="none")
    source.token.headers()  # the token first, so the 429 hits getOrder
    fake.fail_next = [(429, {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota"}]})]
    assert source.fetch_order("113-1234567-1234567") is not None
    assert clock.slept == [2.0]


def test_amazon_keeps_each_operations_usage_plan(clock):
    fake = FakeAmazon()
    fake.add(amazon_order())
    source = amazon(fake, clock, pii="none")
    source.buckets["getOrder"].tokens = 0  # the burst is spent
    source.fetch_order("113-1234567-1234567")
    assert clock.slept == [pytest.approx(2.0)]  # one token back at 0.5 a second


def test_amazon_sync_follows_next_token_and_reads_each_orders_items(clock):
    fake = FakeAmazon()
    fake.page_size = 1
    fake.add(amazon_order("113-0000001-0000001", updated="2026-01-02T10:00:00Z"))
    fake.add(amazon_order("113-0000002-0000002", updated="2026-01-03T10:00:00Z", channel="MFN"))
    source = amazon(fake, clock)
    first = source.orders_changed_since(None)
    assert [o.order_id for o in first.orders] == ["113-0000001-0000001"] and first.more
    assert first.orders[0].customer.postcode == "98101"
    second = source.orders_changed_since(first.cursor)
    assert [(o.order_id, o.fulfillment) for o in second.orders] == [("113-0000002-0000002", Fulfillment.MERCHANT)]
    assert json.loads(second.cursor) == {"since": "2026-01-03T10:00:00Z"}
    listing = [r for r in fake.requests if r.url.path == "/orders/v0/orders"]
    assert listing[0].url.params["LastUpdatedAfter"] == "2025-11-02T00:00:00Z"
    assert listing[1].url.params["NextToken"]


# -- eBay ---------------------------------------------------------------------------------------

def test_ebay_order_with_tracking_buyer_and_postcode(clock):
    fake = FakeEbay()
    fake.add(ebay_order())
    order = ebay(fake, clock).fetch_order("12-34567-89012")
    assert order.channel == SalesChannel.EBAY and order.status == OrderStatus.SHIPPED
    assert (order.carrier, order.tracking_number) == ("Royal Mail", "RM123456785GB")
    assert (order.customer.email, order.customer.postcode, order.customer.country) == (
        "jane@example.co.uk", "SW1A 1AA", "GB")
    assert [(l.line_id, l.sku, l.quantity, l.unit_price) for l in order.lines] == [
        ("10045678901234", "LAMP-01", 2, Decimal("25.00"))]
    assert order.currency == "GBP"
    token_request = fake.requests[0]
    assert token_request.headers["Authorization"].startswith("Basic ")
    assert "sell.fulfillment.readonly" in token_request.content.decode()
    assert fake.requests[1].headers["Authorization"] == "Bearer v^1.1#access-1"


def test_ebay_refund_and_cancellation(clock):
    fake = FakeEbay()
    fake.add(ebay_order("11-11111-11111", refunded="25.00"))
    fake.add(ebay_order("22-22222-22222", cancelled=True), fulfillments=[])
    source = ebay(fake, clock)
    assert source.fetch_order("11-11111-11111").lines[0].returned_quantity == 1
    assert source.fetch_order("22-22222-22222").status == OrderStatus.CANCELLED


def test_ebay_unknown_order_is_none(clock):
    assert ebay(FakeEbay(), clock).fetch_order("99-99999-99999") is None


def test_ebay_refreshes_a_token_refused_before_its_time(clock):
    fake = FakeEbay()
    fake.add(ebay_order())
    source = ebay(fake, clock)
    source.fetch_order("12-34567-89012")
    fake.issued.clear()
    assert source.fetch_order("12-34567-89012") is not None
    assert fake.paths().count("/identity/v1/oauth2/token") == 2


def test_ebay_expired_refresh_token_is_a_clear_permanent_error(clock):
    with pytest.raises(SourceError) as caught:
        ebay(FakeEbay(), clock, refresh="v^1.1#old").fetch_order("12-34567-89012")
    assert caught.value.retryable is False and "consent again" in str(caught.value)


def test_ebay_call_limit_429_backs_off_and_a_source_that_stays_down_is_retryable(clock):
    fake = FakeEbay()
    fake.add(ebay_order())
    source = ebay(fake, clock, retry=RetryPolicy(attempts=3, backoff=1.0))
    source.token.headers()
    fake.fail_next = [(429, {"errors": [{"errorId": 2001, "message": "Too many requests"}]}),
                      (500, {"errors": [{"errorId": 10001, "message": "System error"}]})]
    assert source.fetch_order("12-34567-89012").tracking_number == "RM123456785GB"
    assert clock.slept == [2.0, 2.0]
    fake.fail_next = [(0, httpx.ConnectError("down"))] * 3
    with pytest.raises(SourceError) as caught:
        source.fetch_order("12-34567-89012")
    assert caught.value.retryable is True and "could not be reached" in str(caught.value)


def test_ebay_sync_pages_by_offset(clock):
    fake = FakeEbay()
    for n in range(3):
        fake.add(ebay_order(f"0{n}-00000-00000", updated=f"2026-01-0{n + 2}T10:00:00.000Z"))
    source = ebay(fake, clock, page_size=2)
    first = source.orders_changed_since(None)
    assert len(first.orders) == 2 and first.more
    second = source.orders_changed_since(first.cursor)
    assert [o.order_id for o in second.orders] == ["02-00000-00000"] and not second.more
    assert json.loads(second.cursor) == {"since": "2026-01-04T10:00:00.000Z"}
    assert source.orders_changed_since(second.cursor).orders == ()


@pytest.mark.parametrize("order_id", ["#1001", "1001", "113-1234567-1234567", "12-34567-89012", "../x", ""])
def test_an_id_another_marketplace_uses_costs_no_request(clock, order_id):
    """A lookup asks every marketplace in turn: an id that cannot be this one's is not sent."""
    fakes = {"shopify": FakeShopify(), "amazon": FakeAmazon(), "ebay": FakeEbay()}
    sources = {"shopify": shopify(fakes["shopify"], clock), "amazon": amazon(fakes["amazon"], clock),
               "ebay": ebay(fakes["ebay"], clock)}
    asked = {name: sources[name].fetch_order(order_id) is None and bool(fakes[name].requests) for name in sources}
    mine = {"#1001": "shopify", "1001": "shopify", "113-1234567-1234567": "amazon", "12-34567-89012": "ebay"}
    assert [name for name, sent in asked.items() if sent] == ([mine[order_id]] if order_id in mine else
                                                             (["shopify"] if order_id == "../x" else []))


# -- what is logged ----------------------------------------------------------------------------

def test_retries_log_no_personal_data_or_tokens(clock, caplog):
    fake = FakeShopify()
    fake.add(shopify_order(1001, email="jane.doe@example.com", zip_code="94107"))
    fake.fail_next = [(429, {"errors": "jane.doe@example.com is throttled"})]
    with caplog.at_level(logging.DEBUG):
        shopify(fake, clock).fetch_order("1001")
    logged = caplog.text
    assert "jane.doe@example.com" not in logged and "shpat_good" not in logged
    assert "retrying" in logged


# -- refunds as the marketplaces report them, and when an order is due ---------------------------

def test_shopify_refunds_are_kept_per_refund_and_line_with_their_amount_and_time(clock):
    fake = FakeShopify()
    fake.add(shopify_order(1001, refunds=[shopify_refund(111, 2, refund_id=901, at="2026-01-06T09:00:00Z"),
                                          shopify_refund(112, 1, restock="CANCEL", refund_id=902)]))
    [refund] = shopify(fake, clock).fetch_order("1001").refunds  # a cancellation is not a refund of a return
    assert (refund.refund_id, refund.line_id, refund.quantity) == ("901/111", "111", 2)
    assert refund.amount == Money(Decimal("179.98"), "USD")
    assert refund.at == datetime(2026, 1, 6, 9, tzinfo=timezone.utc)


def test_amazon_refunds_are_kept_per_adjustment_with_the_principal_refunded(clock):
    fake = FakeAmazon()
    fake.add(amazon_order())
    fake.refunds["113-1234567-1234567"] = [{"SellerSKU": "MUG-RED", "OrderAdjustmentItemId": "52986411826454",
                                           "QuantityShipped": 1, "ItemChargeAdjustmentList": [
                                               {"ChargeType": "Principal", "ChargeAmount": {
                                                   "CurrencyCode": "USD", "CurrencyAmount": -29.99}},
                                               {"ChargeType": "Tax", "ChargeAmount": {
                                                   "CurrencyCode": "USD", "CurrencyAmount": -2.40}}]}]
    [refund] = amazon(fake, clock).fetch_order("113-1234567-1234567").refunds
    assert (refund.refund_id, refund.line_id, refund.quantity) == ("52986411826454", "68828574383266", 1)
    assert refund.amount == Money(Decimal("29.99"), "USD") and refund.at == datetime(2026, 1, 5, 10,
                                                                                        tzinfo=timezone.utc)


def test_an_amazon_refund_with_no_item_is_read_with_no_line_from_the_order_charges(clock):
    fake = FakeAmazon()
    fake.add(amazon_order())
    fake.order_refunds["113-1234567-1234567"] = [
        {"ChargeType": "ShippingCharge", "ChargeAmount": {"CurrencyCode": "USD", "CurrencyAmount": -5.99}},
        {"ChargeType": "ShippingTax", "ChargeAmount": {"CurrencyCode": "USD", "CurrencyAmount": -0.48}}]
    found = amazon(fake, clock).fetch_order("113-1234567-1234567")
    [refund] = found.refunds
    assert (refund.refund_id, refund.line_id, refund.quantity, refund.amount) == (
        "113-1234567-1234567/order/2026-01-05T10:00:00+00:00", "", 0, Money(Decimal("6.47"), "USD"))
    assert all(line.returned_quantity == 0 for line in found.lines)


def test_ebay_refunds_count_the_units_each_one_completes(clock):
    fake = FakeEbay()
    order = ebay_order("11-11111-11111")
    order["lineItems"][0]["refunds"] = [
        {"refundId": "r1", "amount": {"value": "10.00", "currency": "GBP"}, "refundDate": "2026-01-06T10:00:00.000Z"},
        {"refundId": "r2", "amount": {"value": "20.00", "currency": "GBP"}, "refundDate": "2026-01-07T10:00:00.000Z"}]
    fake.add(order)
    found = ebay(fake, clock).fetch_order("11-11111-11111")
    [refund] = found.refunds  # 10.00 is no unit of 25.00; with the next 20.00 it makes one
    assert (refund.refund_id, refund.quantity) == ("r2/10045678901234", 1)
    assert refund.amount == Money(Decimal("20.00"), "GBP")
    assert found.lines[0].returned_quantity == 1


def test_an_ebay_refund_at_the_order_level_is_read_with_no_line_and_a_line_refund_is_not_read_twice(clock):
    fake = FakeEbay()
    fake.add(ebay_order("11-11111-11112", refunded="25.00", order_refunds=[
        {"refundId": "5000012345", "amount": {"value": "25.00", "currency": "GBP"},  # the line's own, again
         "refundDate": "2026-01-06T10:00:00.000Z", "refundStatus": "REFUNDED"},
        {"refundId": "5000099999", "amount": {"value": "4.00", "currency": "GBP"},  # the postage
         "refundDate": "2026-01-07T10:00:00.000Z", "refundStatus": "REFUNDED"},
        {"refundId": "5000099998", "amount": {"value": "9.00", "currency": "GBP"},
         "refundDate": "2026-01-07T11:00:00.000Z", "refundStatus": "FAILED"}]))
    found = ebay(fake, clock).fetch_order("11-11111-11112")
    assert [(r.refund_id, r.line_id, r.quantity, r.amount) for r in found.refunds] == [
        ("5000012345/10045678901234", "10045678901234", 1, Money(Decimal("25.00"), "GBP")),
        ("5000099999/order", "", 0, Money(Decimal("4.00"), "GBP"))]
    assert found.lines[0].returned_quantity == 1  # the postage refunds no unit


@pytest.mark.parametrize("easy_ship, status, due", [
    (None, OrderStatus.SHIPPED, True),  # on its way: due by LatestDeliveryDate
    ("OutForDelivery", OrderStatus.SHIPPED, True),
    ("Delivered", OrderStatus.DELIVERED, False),  # Easy Ship says so: delivered before the latest date
    ("Lost", OrderStatus.SHIPPED, False),  # trouble: no day to promise
])
def test_amazon_easy_ship_status_and_the_latest_delivery_date(clock, easy_ship, status, due):
    fake = FakeAmazon()
    fake.add(amazon_order(channel="MFN", easy_ship=easy_ship))
    found = amazon(fake, clock).fetch_order("113-1234567-1234567")
    assert found.status is status
    assert found.due_by == (datetime(2026, 1, 6, 7, 59, 59, tzinfo=timezone.utc) if due else None)
    if status is OrderStatus.DELIVERED:
        assert found.delivered_at == datetime(2026, 1, 2, 10, tzinfo=timezone.utc)  # the order's last update


def test_amazon_easy_ship_past_its_latest_date_is_not_called_delivered_unless_it_says_so(clock):
    fake = FakeAmazon()
    fake.add(amazon_order(channel="MFN", easy_ship="AtDestinationFC", latest_delivery="2025-12-30T07:59:59Z"))
    assert amazon(fake, clock).fetch_order("113-1234567-1234567").status is OrderStatus.SHIPPED


def test_ebay_shipped_order_is_due_by_its_latest_estimate(clock):
    fake = FakeEbay()
    fake.add(ebay_order("11-11111-11111", due="2026-01-08T23:59:59.000Z"))
    fake.add(ebay_order("22-22222-22222", cancelled=True), fulfillments=[])
    source = ebay(fake, clock)
    assert source.fetch_order("11-11111-11111").due_by == datetime(2026, 1, 8, 23, 59, 59, tzinfo=timezone.utc)
    assert source.fetch_order("22-22222-22222").due_by is None


def test_ebay_due_date_falls_back_to_the_packages_window(clock):
    fake = FakeEbay()
    order = ebay_order("11-11111-11111")
    del order["lineItems"][0]["lineItemFulfillmentInstructions"]
    order["fulfillmentStartInstructions"][0]["maxEstimatedDeliveryDate"] = "2026-01-09T23:59:59.000Z"
    fake.add(order)
    assert ebay(fake, clock).fetch_order("11-11111-11111").due_by == datetime(2026, 1, 9, 23, 59, 59,
                                                                              tzinfo=timezone.utc)
