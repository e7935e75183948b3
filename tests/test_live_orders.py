"""Live orders (issue 16): the order store as a cache of the marketplaces (`bot.live_orders`), its
ledger on SQLite and PostgreSQL (`bot.sql.order_sources`), Shopify's signed webhooks in the
gateway (`channels.marketplaces`), the settings and `returnbot sources`, and a customer verified
for an order only the fake marketplace knows, end to end through the returns service."""
from __future__ import annotations

import copy
import json
import os
import stat
from datetime import timedelta
from decimal import Decimal

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import replies
from bot.live_orders import LiveOrders
from bot.models import (Fulfillment, MarketplaceRefund, Money, Outcome, OrderStatus, Resolution, ReturnReason, Rma,
                        RmaStatus)
from bot.settings import SettingsError
from bot.source_settings import SourceSettings, SourceSettingsError
from bot.sql.order_sources import SqlOrderSources
from bot.sql.schema import metadata
from bot.store import SqlStore
from channels.contract import Off
from channels.gateway import build_gateway
from channels.marketplaces import (
    HMAC_HEADER,
    TOPIC_HEADER,
    WEBHOOK_ID_HEADER,
    WEBHOOK_PATH,
    MarketplaceOrdersChannel,
    marketplace_orders_channel,
    shopify_signature,
)
from cli import sources as sources_cli
from integrations.amazon import AmazonOrderSource
from integrations.ebay import EbayOrderSource
from integrations.http import RetryPolicy
from integrations.shopify import ShopifyOrderSource
from tests.builders import NOW
from tests.conftest import test_settings
from tests.fake_marketplaces import (
    RELAY,
    FakeAmazon,
    FakeClock,
    FakeEbay,
    FakeShopify,
    amazon_order,
    ebay_order,
    shopify_order,
    shopify_order_refund,
    shopify_refund,
)
from tests.fakes import FakeRasa
from tests.test_outbox import postgres_url  # noqa: F401  (a fixture: a database of this module's own)

SECRET = "shpss_client_secret"
FAST = RetryPolicy(attempts=2, backoff=0.5, max_wait=2.0)


class Clock:
    """The core's clock (a datetime), moved by tests."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


def recent_shopify(number: int, **kw) -> dict:
    """A Shopify order placed and delivered a few days before NOW (inside the return window)."""
    order = shopify_order(number, **kw)
    order["createdAt"], order["updatedAt"] = "2026-11-10T12:00:00Z", "2026-11-15T12:00:00Z"
    for fulfillment in order["fulfillments"]:
        fulfillment["createdAt"] = "2026-11-11T09:00:00Z"
        if fulfillment["deliveredAt"]:
            fulfillment["deliveredAt"] = "2026-11-14T15:00:00Z"
    return order


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.scaled)])
def store(request, tmp_path):
    if request.param == "sqlite":
        found = SqlStore.from_url(f"sqlite:///{tmp_path / 'returnbot.db'}")
    else:
        found = SqlStore.from_url(request.getfixturevalue("postgres_url"))
        SqlOrderSources(found.engine)
        metadata.drop_all(found.engine)  # each test from empty tables, as on SQLite
        found.create_schema()
    yield found
    found.engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def shopify_fake() -> FakeShopify:
    return FakeShopify()


def shopify_source(fake: FakeShopify, fake_clock: FakeClock = None) -> ShopifyOrderSource:
    fake_clock = fake_clock or FakeClock()
    return ShopifyOrderSource("demo", "shpat_good", transport=fake.transport(), sleep=fake_clock.sleep,
                              now=fake_clock.now, retry=FAST)


def live_over(store, clock, *sources, max_age=timedelta(minutes=15)) -> LiveOrders:
    return LiveOrders(store, SqlOrderSources(store.engine), list(sources), clock, max_age)


# -- lookups and the cache ---------------------------------------------------------------------

def test_an_unknown_order_is_read_from_the_marketplace_once_and_then_served_from_the_cache(store, clock,
                                                                                          shopify_fake):
    shopify_fake.add(shopify_order(1001))
    live = live_over(store, clock, shopify_source(shopify_fake))
    first = live.lookup("#1001")
    assert first.order.order_id == "#1001" and first.source == "shopify" and first.fresh
    assert store.get_order("#1001").customer.postcode == "94107"
    asked = len(shopify_fake.requests)
    clock.now += timedelta(minutes=14)
    assert live.lookup("#1001").order.order_id == "#1001"
    assert len(shopify_fake.requests) == asked  # fresh enough: not asked again


def test_a_stale_order_is_read_again_and_the_upsert_is_idempotent(store, clock, shopify_fake):
    shopify_fake.add(shopify_order(1001, fulfilled=True, delivered=False))
    live = live_over(store, clock, shopify_source(shopify_fake))
    assert live.lookup("#1001").order.status == OrderStatus.SHIPPED
    shopify_fake.add(shopify_order(1001, fulfilled=True, delivered=True))
    clock.now += timedelta(minutes=16)
    assert live.lookup("#1001").order.status == OrderStatus.DELIVERED
    assert store.count_orders() == 1
    assert [(s.source, s.orders) for s in SqlOrderSources(store.engine).states()] == [("shopify", 1)]


def test_marketplace_down_the_cached_order_is_used_and_staleness_matters_only_before_delivery(store, clock,
                                                                                             shopify_fake):
    shopify_fake.add(shopify_order(1001, fulfilled=True, delivered=False))
    shopify_fake.add(shopify_order(1002, fulfilled=True, delivered=True))
    live = live_over(store, clock, shopify_source(shopify_fake))
    live.lookup("#1001"), live.lookup("#1002")
    clock.now += timedelta(hours=2)
    shopify_fake.fail_next = [(503, {"errors": "Service Unavailable"})] * 4
    in_transit, delivered = live.lookup("#1001"), live.lookup("#1002")
    assert in_transit.order.order_id == "#1001" and not in_transit.fresh and in_transit.stale_matters
    assert delivered.order.order_id == "#1002" and not delivered.fresh and not delivered.stale_matters
    assert (in_transit.read_at, in_transit.stale_since) == (NOW, NOW)  # when the copy was read: the customer is told
    assert (delivered.read_at, delivered.stale_since) == (NOW, None)
    [state] = SqlOrderSources(store.engine).states()
    assert "503" in state.error


def test_a_fresh_copy_says_when_it_was_read_and_is_never_stale(store, clock, shopify_fake):
    shopify_fake.add(shopify_order(1001, fulfilled=True, delivered=False))
    live = live_over(store, clock, shopify_source(shopify_fake))
    assert live.lookup("#1001").read_at == NOW
    clock.now += timedelta(minutes=10)
    shopify_fake.fail_next = [(503, {"errors": "down"})] * 4  # not asked: the copy is fresh enough
    cached = live.lookup("#1001")
    assert (cached.fresh, cached.read_at, cached.stale_since) == (True, NOW, None)


def test_verification_on_a_stale_copy_says_since_when_and_reread_asks_again_only_for_a_verified_order(services,
                                                                                                   shopify_fake):
    clock = Clock()
    services.returns.clock = clock
    shopify_fake.add(recent_shopify(5510, fulfilled=True, delivered=False))
    live = live_over(services.store, clock, shopify_source(shopify_fake))
    services.returns.lookup_order, services.returns.lookup = live.lookup_order, live.lookup
    fresh = services.returns.verify("web:v1", "#5510", "94107")
    assert fresh.verified and fresh.stale_since is None
    clock.now += timedelta(hours=1)
    shopify_fake.fail_next = [(503, {"errors": "down"})] * 8
    stale = services.returns.verify("web:v2", "#5510", "94107")
    assert stale.verified and stale.stale_since == NOW
    assert services.returns.reread("web:v1", "#5510") == NOW
    asked = len(shopify_fake.requests)
    assert services.returns.reread("web:someone-else", "#5510") is None and len(shopify_fake.requests) == asked


def test_an_unknown_order_while_the_marketplace_is_down_is_unavailable_not_unknown(store, clock, shopify_fake):
    shopify_fake.fail_next = [(503, {"errors": "down"})] * 2
    live = live_over(store, clock, shopify_source(shopify_fake))
    found = live.lookup("#4040")
    assert found.order is None and found.unavailable
    assert live.lookup("#4041").unavailable is False  # up again: simply unknown


def test_an_imported_order_is_never_asked_for(services, shopify_fake):
    imported = services.store.get_order("27-11111-22222")  # the demo store's eBay order, from its file
    live = live_over(services.store, services.returns.clock, shopify_source(shopify_fake))
    assert imported is not None and live.lookup("27-11111-22222").order == imported
    assert shopify_fake.requests == []


def test_two_sources_cannot_own_one_order_id(store, clock):
    shop, ebay_fake = FakeShopify(), FakeEbay()
    shop.add(shopify_order(1001))
    live = live_over(store, clock, shopify_source(shop))
    live.lookup("#1001")
    stolen = copy.deepcopy(store.get_order("#1001"))
    assert live.keep("ebay", stolen, clock()) is False
    assert SqlOrderSources(store.engine).record_for("#1001").source == "shopify"


def test_sync_keeps_each_pages_cursor_and_a_failed_page_is_read_again(store, clock, shopify_fake):
    for n in range(3):
        shopify_fake.add(shopify_order(1001 + n, updated=f"2026-01-0{n + 2}T10:00:00Z"))
    source = ShopifyOrderSource("demo", "shpat_good", transport=shopify_fake.transport(), sleep=FakeClock().sleep,
                                now=FakeClock().now, retry=FAST, page_size=2)
    live = live_over(store, clock, source)
    shopify_fake.fail_next = [(200, {"data": None})]  # the first page: unreadable (no data)
    failed = live.sync("shopify")
    assert failed.error is not None and failed.read == 0 and SqlOrderSources(store.engine).cursor("shopify") is None
    done = live.sync("shopify")
    assert (done.read, done.stored, done.error) == (3, 3, None)
    assert json.loads(SqlOrderSources(store.engine).cursor("shopify")) == {"since": "2026-01-04T10:00:00Z"}
    assert live.sync("shopify").read == 0


# -- verification and the returns, end to end per marketplace ----------------------------------

def test_shopify_customer_verified_for_an_order_only_shopify_knows_gets_an_rma(services, shopify_fake):
    shopify_fake.add(recent_shopify(5501))
    live = live_over(services.store, services.returns.clock, shopify_source(shopify_fake))
    services.returns.lookup_order = live.lookup_order
    assert services.store.get_order("#5501") is None
    assert not services.returns.verify("web:s1", "#5501", "99999").verified  # wrong proof: like unknown
    assert services.returns.verify("web:s1", "#5501", "jane@example.com").verified
    result = services.returns.request_return("web:s1", "#5501", "111", ReturnReason.TOO_SMALL, Resolution.REFUND,
                                             quantity=1)
    assert result.decision.outcome == Outcome.RMA and result.rma is not None and result.created


def test_an_order_that_changes_while_its_return_is_in_progress_keeps_the_return(services, shopify_fake):
    shopify_fake.add(recent_shopify(5502))
    live = live_over(services.store, services.returns.clock, shopify_source(shopify_fake))
    services.returns.lookup_order = live.lookup_order
    assert services.returns.verify("web:s2", "#5502", "94107").verified
    rma = services.returns.request_return("web:s2", "#5502", "111", ReturnReason.TOO_SMALL, Resolution.REFUND,
                                          quantity=1).rma
    shopify_fake.add(recent_shopify(5502, refunds=[shopify_refund(111, 1)]))  # the merchant refunded in Shopify
    live.refresh("shopify", "gid://shopify/Order/5005502")
    order = services.store.get_order("#5502")
    assert order.line("111").returned_quantity == 1
    assert services.store.rma_for_line("#5502", "111") == rma
    again = services.returns.request_return("web:s2", "#5502", "111", ReturnReason.TOO_SMALL, Resolution.REFUND)
    assert again.rma.rma_id == rma.rma_id and not again.created


def test_amazon_fba_customer_verified_by_postcode_through_the_rdt_gets_amazons_path(services):
    fake, fake_clock = FakeAmazon(), FakeClock(t=NOW.timestamp())
    order = amazon_order("114-5555555-5555555", channel="AFN", latest_delivery="2026-11-14T07:59:59Z")
    order["PurchaseDate"] = "2026-11-08T12:00:00Z"
    fake.add(order)
    source = AmazonOrderSource("id", "secret", "Atzr|good", transport=fake.transport(), sleep=fake_clock.sleep,
                               now=fake_clock.now, retry=FAST)
    live = live_over(services.store, services.returns.clock, source)
    services.returns.lookup_order = live.lookup_order
    assert services.returns.verify("web:a1", "114-5555555-5555555", "98101").verified
    found = services.store.get_order("114-5555555-5555555")
    assert found.fulfillment == Fulfillment.FBA and found.status == OrderStatus.DELIVERED
    result = services.returns.request_return("web:a1", "114-5555555-5555555", "68828574383266",
                                             ReturnReason.CHANGED_MIND, Resolution.REFUND)
    assert result.decision.outcome == Outcome.AMAZON_FBA


def test_amazon_customer_writing_through_the_relay_is_verified_by_the_relay_email(services):
    fake, fake_clock = FakeAmazon(), FakeClock(t=NOW.timestamp())
    fake.add(amazon_order("114-6666666-6666666", channel="MFN"))
    source = AmazonOrderSource("id", "secret", "Atzr|good", transport=fake.transport(), sleep=fake_clock.sleep,
                               now=fake_clock.now, retry=FAST)
    services.returns.lookup_order = live_over(services.store, services.returns.clock, source).lookup_order
    assert services.returns.verify("web:a2", "114-6666666-6666666", RELAY.upper()).verified


def test_amazon_without_buyer_data_cannot_be_verified_in_the_chat(services):
    fake, fake_clock = FakeAmazon(pii_role=False), FakeClock(t=NOW.timestamp())
    fake.add(amazon_order("114-7777777-7777777"))
    source = AmazonOrderSource("id", "secret", "Atzr|good", pii="none", transport=fake.transport(),
                               sleep=fake_clock.sleep, now=fake_clock.now, retry=FAST)
    services.returns.lookup_order = live_over(services.store, services.returns.clock, source).lookup_order
    assert not services.returns.verify("web:a3", "114-7777777-7777777", "98101").verified
    assert services.store.get_order("114-7777777-7777777").customer.postcode == ""


def test_ebay_customer_verified_by_postcode_gets_the_tracking(services):
    fake, fake_clock = FakeEbay(), FakeClock(t=NOW.timestamp())
    fake.add(ebay_order("27-99999-12345"))
    source = EbayOrderSource("app", "cert", "v^1.1#good", transport=fake.transport(), sleep=fake_clock.sleep,
                             now=fake_clock.now, retry=FAST)
    services.returns.lookup_order = live_over(services.store, services.returns.clock, source).lookup_order
    assert services.store.get_order("27-99999-12345") is None
    assert services.returns.verify("web:e1", "27-99999-12345", "sw1a1aa").verified
    order = services.returns.verified_order("web:e1", "27-99999-12345")
    assert (order.carrier, order.tracking_number) == ("Royal Mail", "RM123456785GB")
    assert services.returns.order_for_tracking("RM123456785GB") == "27-99999-12345"


# -- Shopify webhooks ---------------------------------------------------------------------------

def delivery(body: dict, topic: str = "orders/updated", secret: str = SECRET, webhook_id: str = "w-1"):
    raw = json.dumps(body).encode()
    return raw, {"Content-Type": "application/json", TOPIC_HEADER: topic, HMAC_HEADER: shopify_signature(secret, raw),
                 WEBHOOK_ID_HEADER: webhook_id, "X-Shopify-Shop-Domain": "demo.myshopify.com"}


@pytest.fixture
async def webhook(store, clock, shopify_fake):
    live = live_over(store, clock, shopify_source(shopify_fake))
    channel = MarketplaceOrdersChannel(live, SECRET, interval=0)
    app = web.Application()
    channel.add_routes(app)
    async with TestClient(TestServer(app)) as client:
        yield client, store


@pytest.mark.parametrize("topic, body", [
    ("orders/updated", {"id": 5001001, "admin_graphql_api_id": "gid://shopify/Order/5001001", "name": "#1001"}),
    ("fulfillments/create", {"id": 255858046, "order_id": 5001001, "status": "success",
                             "tracking_number": "1Z999AA10123456784"}),
    ("refunds/create", {"id": 929361464, "order_id": 5001001, "refund_line_items": []}),
])
async def test_a_signed_webhook_reads_the_order_again_and_keeps_it(webhook, shopify_fake, topic, body):
    client, store = webhook
    shopify_fake.add(shopify_order(1001, refunds=[shopify_refund(111, 1)]))
    raw, headers = delivery(body, topic)
    response = await client.post(WEBHOOK_PATH, data=raw, headers=headers)
    assert response.status == 200 and await response.json() == {"applied": True, "order": "#1001"}
    assert store.get_order("#1001").line("111").returned_quantity == 1


@pytest.mark.parametrize("forge", ["wrong secret", "changed body", "no signature", "not base64"])
async def test_a_forged_webhook_is_refused_and_changes_nothing(webhook, shopify_fake, forge):
    client, store = webhook
    shopify_fake.add(shopify_order(1001))
    raw, headers = delivery({"id": 5001001}, secret="shpss_guess" if forge == "wrong secret" else SECRET)
    if forge == "changed body":
        raw = raw.replace(b"5001001", b"5001002")
    elif forge == "no signature":
        del headers[HMAC_HEADER]
    elif forge == "not base64":
        headers[HMAC_HEADER] = "%%%not-base64%%%"
    response = await client.post(WEBHOOK_PATH, data=raw, headers=headers)
    assert response.status == 401
    assert shopify_fake.requests == [] and store.get_order("#1001") is None


async def test_a_repeated_delivery_changes_nothing_twice_and_other_topics_are_ignored(webhook, shopify_fake):
    client, store = webhook
    shopify_fake.add(shopify_order(1001))
    raw, headers = delivery({"id": 5001001})
    assert (await (await client.post(WEBHOOK_PATH, data=raw, headers=headers)).json())["applied"] is True
    asked = len(shopify_fake.requests)
    assert (await (await client.post(WEBHOOK_PATH, data=raw, headers=headers)).json()) == {"applied": False}
    raw, headers = delivery({"id": 1}, topic="products/update", webhook_id="w-2")
    assert (await (await client.post(WEBHOOK_PATH, data=raw, headers=headers)).json()) == {"ignored": "products/update"}
    assert len(shopify_fake.requests) == asked


async def test_shopify_down_answers_503_so_shopify_retries_the_delivery(webhook, shopify_fake):
    client, store = webhook
    shopify_fake.add(shopify_order(1001))
    shopify_fake.fail_next = [(503, {"errors": "down"})] * 2
    raw, headers = delivery({"id": 5001001})
    assert (await client.post(WEBHOOK_PATH, data=raw, headers=headers)).status == 503
    response = await client.post(WEBHOOK_PATH, data=raw, headers=headers)  # Shopify's retry
    assert response.status == 200 and (await response.json())["applied"] is True


async def test_the_gateway_has_the_webhook_only_with_a_configured_shopify(services):
    settings = services.settings.with_overrides(sources=SourceSettings.from_env({
        "SHOPIFY_SHOP": "demo", "SHOPIFY_ACCESS_TOKEN": "shpat_x", "SHOPIFY_WEBHOOK_SECRET": SECRET,
        "RETURNBOT_ORDER_SYNC_MINUTES": "0"}))
    services = type(services)(**{**services.__dict__, "settings": settings})
    app = build_gateway(settings, services, FakeRasa().client())
    async with TestClient(TestServer(app)) as client:
        raw, headers = delivery({"id": 5001001}, secret="shpss_guess")
        assert (await client.post(WEBHOOK_PATH, data=raw, headers=headers)).status == 401
    plain = build_gateway(services.settings.with_overrides(sources=SourceSettings()), services, FakeRasa().client())
    async with TestClient(TestServer(plain)) as client:
        assert (await client.post(WEBHOOK_PATH, data=raw, headers=headers)).status in (404, 405)


def test_the_channel_is_off_without_a_marketplace(services):
    class HubLike:
        settings = services.settings
    HubLike.services = services
    off = marketplace_orders_channel(HubLike())
    assert isinstance(off, Off) and "docs/sources.md" in off.why


# -- settings and `returnbot sources` ----------------------------------------------------------

def test_settings_name_the_missing_variable_and_refuse_a_file_others_can_read(tmp_path):
    with pytest.raises(SourceSettingsError, match="AMAZON_REFRESH_TOKEN"):
        SourceSettings.from_env({"AMAZON_LWA_CLIENT_ID": "a", "AMAZON_LWA_CLIENT_SECRET": "b"})
    with pytest.raises(SourceSettingsError, match="AMAZON_REGION"):
        SourceSettings.from_env({"AMAZON_REGION": "MARS"})
    path = tmp_path / "sources.env"
    path.write_text("SHOPIFY_SHOP=demo\nSHOPIFY_ACCESS_TOKEN=shpat_file\n")
    os.chmod(path, 0o644)
    with pytest.raises(SettingsError, match="chmod 600"):
        test_settings(tmp_path, RETURNBOT_SOURCES_FILE=str(path))
    os.chmod(path, 0o600)
    found = test_settings(tmp_path, RETURNBOT_SOURCES_FILE=str(path), SHOPIFY_ACCESS_TOKEN="shpat_env").sources
    assert (found.shopify_shop, found.shopify_access_token, found.configured()) == ("demo", "shpat_env", ("shopify",))
    assert "shpat_env" not in repr(found)


def test_no_marketplace_configured_changes_nothing(settings):
    assert settings.sources.configured() == ()


def test_sources_add_checks_asks_for_what_is_missing_and_saves_it_readable_by_the_owner_only(tmp_path):
    settings = test_settings(tmp_path)
    fake, said, asked = FakeShopify(), [], []

    def prompt(name, secret):
        asked.append((name, secret))
        return {"SHOPIFY_SHOP": "demo", "SHOPIFY_ACCESS_TOKEN": "shpat_good"}[name]

    assert sources_cli.add("shopify", settings, prompt=prompt, env={}, out=said.append,
                           transport=fake.transport()) == 0
    assert asked == [("SHOPIFY_SHOP", False), ("SHOPIFY_ACCESS_TOKEN", True)]
    assert said[0] == "Shopify: connected to demo.myshopify.com"
    assert "read_orders" in said[1] and not any("shpat_good" in line for line in said)
    path = tmp_path / "sources.env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert test_settings(tmp_path).sources.shopify_access_token == "shpat_good"


def test_sources_add_refused_credentials_save_nothing(tmp_path):
    settings = test_settings(tmp_path)
    said = []
    code = sources_cli.add("ebay", settings, env={"EBAY_CLIENT_ID": "app", "EBAY_CLIENT_SECRET": "cert",
                                                   "EBAY_REFRESH_TOKEN": "v^1.1#old"},
                           out=said.append, transport=FakeEbay().transport(), retry=FAST)
    assert code == 1 and "invalid_grant" in said[0] and "nothing was saved." in said
    assert not (tmp_path / "sources.env").exists()


def test_sources_add_amazon_says_whether_buyer_data_is_granted(tmp_path):
    env = {"AMAZON_LWA_CLIENT_ID": "id", "AMAZON_LWA_CLIENT_SECRET": "s", "AMAZON_REFRESH_TOKEN": "Atzr|good"}
    said = []
    assert sources_cli.add("amazon", test_settings(tmp_path), env=env, check_only=True, out=said.append,
                           transport=FakeAmazon(pii_role=False).transport(), retry=FAST) == 0
    assert any(line.startswith("  missing: Direct-to-Consumer Delivery") for line in said)


def test_sources_status_and_sync(services):
    said = []
    settings = services.settings.with_overrides(sources=SourceSettings.from_env({
        "EBAY_CLIENT_ID": "app", "EBAY_CLIENT_SECRET": "cert", "EBAY_REFRESH_TOKEN": "v^1.1#good"}))
    services = type(services)(**{**services.__dict__, "settings": settings})
    fake = FakeEbay()
    fake.add(ebay_order("27-99999-12345", updated="2026-11-19T10:00:00.000Z"))
    fake_clock = FakeClock(t=NOW.timestamp())
    assert sources_cli.sync(services, out=said.append, transport=fake.transport(), now=fake_clock.now,
                            sleep=fake_clock.sleep) == 0
    assert said == ["ebay: 1 orders read, 1 kept"]
    said.clear()
    assert sources_cli.status(settings, services.store.engine, out=said.append) == 0
    assert said[0] == "Shopify: off (returnbot sources add shopify)"
    assert said[2].startswith("eBay: on, 1 orders cached, last synced ")



# -- returns in Shopify's admin (SHOPIFY_CREATE_RETURNS) ---------------------------------------

def test_shopify_rma_becomes_a_return_in_the_fake_admin_once(services, shopify_fake):
    shopify_fake.add(recent_shopify(5503))
    fake_clock = FakeClock()
    source = ShopifyOrderSource("demo", "shpat_good", transport=shopify_fake.transport(), sleep=fake_clock.sleep,
                                now=fake_clock.now, retry=FAST, create_returns=True)
    live = live_over(services.store, services.returns.clock, source)
    services.returns.lookup_order = live.lookup_order
    assert services.returns.verify("web:s3", "#5503", "jane@example.com").verified
    rma = services.returns.request_return("web:s3", "#5503", "111", ReturnReason.TOO_SMALL, Resolution.REFUND,
                                          quantity=1).rma
    assert live.mirror_returns("shopify", source) == ((rma.rma_id,), None)
    [made] = shopify_fake.returns["#5503"]
    assert made["status"] == "OPEN" and made["returnLineItems"]["nodes"] == [{
        "returnReasonNote": f"returnbot {rma.rma_id}", "quantity": 1, "returnReason": "SIZE_TOO_SMALL",
        "fulfillmentLineItemId": "gid://shopify/FulfillmentLineItem/9111"}]
    assert live.mirror_returns("shopify", source) == ((), None)  # recorded: not asked again
    assert SqlOrderSources(services.store.engine).returns_to_mirror("shopify") == []


def test_a_crash_after_shopify_made_the_return_does_not_make_a_second(services, shopify_fake):
    shopify_fake.add(recent_shopify(5504))
    fake_clock = FakeClock()
    source = ShopifyOrderSource("demo", "shpat_good", transport=shopify_fake.transport(), sleep=fake_clock.sleep,
                                now=fake_clock.now, retry=FAST, create_returns=True)
    live = live_over(services.store, services.returns.clock, source)
    services.returns.lookup_order = live.lookup_order
    assert services.returns.verify("web:s4", "#5504", "94107").verified
    rma = services.returns.request_return("web:s4", "#5504", "111", ReturnReason.TOO_SMALL, Resolution.REFUND,
                                          quantity=1).rma
    first = source.create_return("#5504", "111", 1, "too_small", rma.rma_id)  # made, but never recorded
    assert live.mirror_returns("shopify", source) == ((rma.rma_id,), None)
    assert len(shopify_fake.returns["#5504"]) == 1 and first == shopify_fake.returns["#5504"][0]["id"]


def test_a_return_shopify_refuses_is_recorded_and_does_not_block_the_others(services, shopify_fake):
    shopify_fake.add(recent_shopify(5505))
    fake_clock = FakeClock()
    source = ShopifyOrderSource("demo", "shpat_good", transport=shopify_fake.transport(), sleep=fake_clock.sleep,
                                now=fake_clock.now, retry=FAST, create_returns=True)
    live = live_over(services.store, services.returns.clock, source)
    services.returns.lookup_order = live.lookup_order
    assert services.returns.verify("web:s5", "#5505", "94107").verified
    rma = services.returns.request_return("web:s5", "#5505", "111", ReturnReason.TOO_LARGE, Resolution.REFUND,
                                          quantity=1).rma
    shopify_fake.refuse_returns = True
    assert live.mirror_returns("shopify", source) == ((), None)
    assert SqlOrderSources(services.store.engine).returns_to_mirror("shopify") == []
    assert rma is not None and "#5505" not in shopify_fake.returns


# -- Slack cards of Amazon orders --------------------------------------------------------------

@pytest.mark.parametrize("sales_channel, shown", [("amazon", True), ("shopify", False), (None, False)])
def test_an_amazon_orders_card_shows_the_24_hour_reply_expectation(sales_channel, shown):
    from bot.handoffs import HandoffContext
    from channels.slack.cards import handoff_card

    ctx = HandoffContext(handoff_id=7, reason="customer_request", status="open", conversation_channel="web",
                         created_at=NOW, summary="", order_id="114-5555555-5555555", sales_channel=sales_channel)
    _, blocks = handoff_card(ctx)
    text = json.dumps(blocks)
    assert ("within 24 hours" in text) == shown
    if shown:
        assert f"<!date^{int((NOW + timedelta(hours=24)).timestamp())}^" in text


# -- refunds made in the marketplace reach returnbot's returns ------------------------------------

def issued(services, order_id: str, line_id: str, quantity: int = 1, at=NOW) -> Rma:
    """An RMA returnbot issued for the line at `at` (label created, on its way back)."""
    rma = Rma(f"RMA-T{abs(hash((order_id, line_id))) % 10**6:06d}", order_id, line_id, quantity,
              ReturnReason.TOO_SMALL, Resolution.REFUND, Outcome.RMA, RmaStatus.LABEL_CREATED,
              Money(Decimal("89.99") * quantity, "USD"), "web:refunds", at, at)
    made, created = services.store.create_rma(rma)
    assert created
    return made


def live_with_returns(services, *sources) -> LiveOrders:
    """Live orders as `integrations.sources.connect` wires them: lookups for the returns service, and
    the marketplaces' refunds for the returns."""
    live = LiveOrders(services.store, SqlOrderSources(services.store.engine), list(sources), services.returns.clock,
                      returns=services.updates)
    services.returns.lookup_order, services.returns.lookup = live.lookup_order, live.lookup
    return live


def refunded_events(services, rma_id: str) -> list:
    return [e for e in services.store.rma_events(rma_id) if e.status is RmaStatus.REFUNDED]


def test_a_refund_made_in_shopify_after_the_rma_refunds_the_return_once_however_often_it_is_read(services,
                                                                                                shopify_fake):
    shopify_fake.add(recent_shopify(5701))
    live = live_with_returns(services, shopify_source(shopify_fake))
    assert services.returns.verify("web:refunds", "#5701", "94107").verified
    rma = issued(services, "#5701", "111")
    services.updates.due()  # the customers' notices start here
    shopify_fake.add(recent_shopify(5701, refunds=[shopify_refund(111, 1, at="2026-11-20T13:00:00Z")]))
    for _ in range(3):  # a webhook, its retry, the sync: the same refund read three times
        live.refresh("shopify", "gid://shopify/Order/5005701")
    after = services.store.get_rma(rma.rma_id)
    assert after.status is RmaStatus.REFUNDED and after.refunded_at == NOW
    assert len(refunded_events(services, rma.rma_id)) == 1 and services.store.refund_count(rma.rma_id) == 1
    [kept] = live.ledger.refunds_for("shopify", "#5701")
    assert (kept.refund.quantity, kept.refund.amount, kept.rma_id) == (1, Money(Decimal("89.99"), "USD"), rma.rma_id)
    notices = [n for n in services.updates.due() if n.rma.rma_id == rma.rma_id]
    assert len(notices) == 1 and notices[0].event.status is RmaStatus.REFUNDED
    assert "we refunded 89.99 USD" in notices[0].text and notices[0].conversation_id == "web:refunds"
    status = replies.returns_summary(services.store.rmas_for_order("#5701"), services.store.get_order("#5701"),
                                     14, "3-5", lambda r: None)
    assert "refunded 89.99 USD" in status  # "where is my refund?" reads the return's own status


def test_a_refund_made_before_the_return_or_of_fewer_units_leaves_it_in_progress_until_the_units_are_covered(
        services, shopify_fake):
    shopify_fake.add(recent_shopify(5702, refunds=[shopify_refund(111, 1, refund_id=1, at="2026-11-16T10:00:00Z")]))
    live = live_with_returns(services, shopify_source(shopify_fake))
    live.lookup("#5702")
    rma = issued(services, "#5702", "111", quantity=1)
    live.refresh("shopify", "gid://shopify/Order/5005702")
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.LABEL_CREATED  # the old refund was another unit
    two = issued(services, "#5702", "112", quantity=1)
    shopify_fake.add(recent_shopify(5702, refunds=[
        shopify_refund(111, 1, refund_id=1, at="2026-11-16T10:00:00Z"),
        shopify_refund(112, 1, restock="CANCEL", refund_id=2, at="2026-11-20T13:00:00Z")]))  # a cancellation
    live.refresh("shopify", "gid://shopify/Order/5005702")
    assert services.store.get_rma(two.rma_id).status is RmaStatus.LABEL_CREATED
    shopify_fake.add(recent_shopify(5702, refunds=[
        shopify_refund(111, 1, refund_id=1, at="2026-11-16T10:00:00Z"),
        shopify_refund(111, 1, refund_id=3, at="2026-11-20T14:00:00Z")]))
    live.refresh("shopify", "gid://shopify/Order/5005702")
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.REFUNDED


def test_a_shopify_refund_on_no_line_is_kept_and_refunds_no_return(services, shopify_fake):
    shopify_fake.add(recent_shopify(5706))
    live = live_with_returns(services, shopify_source(shopify_fake))
    live.lookup("#5706")
    rma = issued(services, "#5706", "111")
    shopify_fake.add(recent_shopify(5706, refunds=[shopify_order_refund("4.99", at="2026-11-20T13:00:00Z")]))
    for _ in range(2):  # read twice: kept once
        live.refresh("shopify", "gid://shopify/Order/5005706")
    [kept] = live.ledger.refunds_for("shopify", "#5706")
    assert (kept.refund.line_id, kept.refund.quantity, kept.refund.amount, kept.rma_id) == (
        "", 0, Money(Decimal("4.99"), "USD"), None)
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.LABEL_CREATED  # shipping refunds no return
    assert [r.amount for r in live.refunds_of("#5706")] == [Money(Decimal("4.99"), "USD")]


def test_a_shopify_refund_of_the_whole_order_on_no_line_refunds_each_open_return_once(services, shopify_fake):
    shopify_fake.add(recent_shopify(5707))
    live = live_with_returns(services, shopify_source(shopify_fake))
    live.lookup("#5707")
    shoe, socks = issued(services, "#5707", "111"), issued(services, "#5707", "112")
    shopify_fake.add(recent_shopify(5707, refunds=[shopify_order_refund("100.00", at="2026-11-20T13:00:00Z")]))
    live.refresh("shopify", "gid://shopify/Order/5005707")
    assert services.store.get_rma(shoe.rma_id).status is RmaStatus.LABEL_CREATED  # part of the order: no return
    shopify_fake.add(recent_shopify(5707, refunds=[  # with the rest, the order's whole 189.48 USD
        shopify_order_refund("100.00", at="2026-11-20T13:00:00Z"),
        shopify_order_refund("89.48", refund_id=900002, at="2026-11-20T14:00:00Z")]))
    for _ in range(2):
        live.refresh("shopify", "gid://shopify/Order/5005707")
    for rma in (shoe, socks):
        assert services.store.get_rma(rma.rma_id).status is RmaStatus.REFUNDED
        assert len(refunded_events(services, rma.rma_id)) == 1


def test_two_units_refunded_in_two_refunds_refund_a_return_of_two_once_the_second_comes(services, shopify_fake):
    shopify_fake.add(recent_shopify(5703))
    live = live_with_returns(services, shopify_source(shopify_fake))
    live.lookup("#5703")
    rma = issued(services, "#5703", "111", quantity=2)
    first = shopify_refund(111, 1, refund_id=11, at="2026-11-20T13:00:00Z")
    shopify_fake.add(recent_shopify(5703, refunds=[first]))
    live.refresh("shopify", "gid://shopify/Order/5005703")
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.LABEL_CREATED  # one of two: still in progress
    shopify_fake.add(recent_shopify(5703, refunds=[first, shopify_refund(111, 1, refund_id=12,
                                                                         at="2026-11-20T15:00:00Z")]))
    live.refresh("shopify", "gid://shopify/Order/5005703")
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.REFUNDED
    assert {k.rma_id for k in live.ledger.refunds_for("shopify", "#5703")} == {rma.rma_id}


def test_a_return_refunded_or_rejected_already_is_left_alone(services, shopify_fake):
    shopify_fake.add(recent_shopify(5704))
    live = live_with_returns(services, shopify_source(shopify_fake))
    live.lookup("#5704")
    rma = issued(services, "#5704", "111")
    services.updates.record(rma.rma_id, RmaStatus.REJECTED, event_id="warehouse-1", source="warehouse")
    shopify_fake.add(recent_shopify(5704, refunds=[shopify_refund(111, 1, at="2026-11-20T13:00:00Z")]))
    live.refresh("shopify", "gid://shopify/Order/5005704")
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.REJECTED
    assert refunded_events(services, rma.rma_id) == []


def test_without_the_returns_refunds_are_kept_and_reach_no_return(services, shopify_fake):
    shopify_fake.add(recent_shopify(5705))
    live = live_over(services.store, services.returns.clock, shopify_source(shopify_fake))
    live.lookup("#5705")
    rma = issued(services, "#5705", "111")
    shopify_fake.add(recent_shopify(5705, refunds=[shopify_refund(111, 1, at="2026-11-20T13:00:00Z")]))
    live.refresh("shopify", "gid://shopify/Order/5005705")
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.LABEL_CREATED
    assert [k.rma_id for k in live.ledger.refunds_for("shopify", "#5705")] == [None]


def test_an_ebay_refund_read_by_the_sync_reaches_the_return_of_its_line(services):
    fake, fake_clock = FakeEbay(), FakeClock(t=NOW.timestamp())
    fake.add(ebay_order("27-11111-22222"))
    source = EbayOrderSource("app", "cert", "v^1.1#good", transport=fake.transport(), sleep=fake_clock.sleep,
                             now=fake_clock.now, retry=FAST)
    live = live_with_returns(services, source)
    live.lookup("27-11111-22222")
    rma = issued(services, "27-11111-22222", "10045678901234")
    fake.add(ebay_order("27-11111-22222", refunded="25.00", refund_date="2026-11-20T13:00:00.000Z",
                        updated="2026-11-20T13:00:00.000Z"))
    assert live.sync("ebay").refunded == (rma.rma_id,)  # the sync round reads it
    live.refresh("ebay", "27-11111-22222")  # and a customer's lookup reads it again
    assert live.sync("ebay").refunded == ()
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.REFUNDED
    assert len(refunded_events(services, rma.rma_id)) == 1


def test_an_amazon_refund_from_the_finances_api_reaches_the_return_of_its_line(services):
    fake, fake_clock = FakeAmazon(), FakeClock(t=NOW.timestamp())
    fake.add(amazon_order("114-8888888-8888888", channel="MFN"))
    source = AmazonOrderSource("id", "secret", "Atzr|good", transport=fake.transport(), sleep=fake_clock.sleep,
                               now=fake_clock.now, retry=FAST)
    live = live_with_returns(services, source)
    live.lookup("114-8888888-8888888")
    rma = issued(services, "114-8888888-8888888", "68828574383266")
    fake.refunds["114-8888888-8888888"] = [{"SellerSKU": "MUG-RED", "OrderAdjustmentItemId": "52986411826454",
                                           "OrderItemId": "68828574383266", "QuantityShipped": 1}]
    fake.refund_posted = "2026-11-20T13:00:00Z"
    live.sync("amazon")
    live.refresh("amazon", "114-8888888-8888888")
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.REFUNDED
    assert len(refunded_events(services, rma.rma_id)) == 1


@pytest.fixture
async def refund_webhook(services, shopify_fake):
    live = live_with_returns(services, shopify_source(shopify_fake))
    channel = MarketplaceOrdersChannel(live, SECRET, interval=0)
    app = web.Application()
    channel.add_routes(app)
    async with TestClient(TestServer(app)) as client:
        yield client, live


async def test_a_refunds_create_webhook_retried_twice_refunds_the_return_once(services, shopify_fake, refund_webhook):
    client, live = refund_webhook
    shopify_fake.add(recent_shopify(5706))
    live.lookup("#5706")
    rma = issued(services, "#5706", "111")
    services.updates.due()
    shopify_fake.add(recent_shopify(5706, refunds=[shopify_refund(111, 1, at="2026-11-20T13:00:00Z")]))
    body, headers = delivery({"id": 929361464, "order_id": 5005706, "refund_line_items": []}, "refunds/create",
                             webhook_id="w-refund")
    shopify_fake.fail_next = [(503, {"errors": "Service Unavailable"})] * FAST.attempts  # down at the first delivery
    assert (await client.post(WEBHOOK_PATH, data=body, headers=headers)).status == 503
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.LABEL_CREATED
    for _ in range(2):  # Shopify retries the same delivery twice
        assert (await client.post(WEBHOOK_PATH, data=body, headers=headers)).status == 200
    update, update_headers = delivery({"id": 5005706, "admin_graphql_api_id": "gid://shopify/Order/5005706"},
                                      "orders/updated", webhook_id="w-update")
    assert (await client.post(WEBHOOK_PATH, data=update, headers=update_headers)).status == 200
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.REFUNDED
    assert len(refunded_events(services, rma.rma_id)) == 1 and services.store.refund_count(rma.rma_id) == 1
    assert len([n for n in services.updates.due() if n.rma.rma_id == rma.rma_id]) == 1


def test_the_ledger_keeps_each_marketplace_refund_once(store, clock):
    ledger = SqlOrderSources(store.engine)
    refund = MarketplaceRefund("r-1/111", "111", 1, NOW, Money(Decimal("9.50"), "USD"))
    for _ in range(2):
        ledger.record_refunds("shopify", "#1", [refund, MarketplaceRefund("r-2/112", "112", 2)], NOW)
    ledger.assign_refunds("shopify", ["r-1/111"], "RMA-1")
    ledger.assign_refunds("shopify", ["r-1/111"], "RMA-2")  # a refund counts for one return
    kept = {k.refund.refund_id: k for k in ledger.refunds_for("shopify", "#1")}
    assert set(kept) == {"r-1/111", "r-2/112"} and kept["r-1/111"].rma_id == "RMA-1"
    assert kept["r-1/111"].refund == refund and kept["r-2/112"].refund.amount is None
    assert ledger.refunds_for("ebay", "#1") == []


def test_two_processes_reading_the_same_refund_at_once_refund_the_return_once(store, settings):
    """The gateway's webhook and the action server's lookup read one refunded order at the same
    moment, each with its own connection pool: the return is refunded once, told once."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from tests.stores import services_over

    fake = FakeShopify()
    fake.add(recent_shopify(5801))
    first = services_over(store, settings)
    live = live_with_returns(first, shopify_source(fake))
    live.lookup("#5801")
    rma = issued(first, "#5801", "111")
    first.updates.due()
    fake.add(recent_shopify(5801, refunds=[shopify_refund(111, 1, at="2026-11-20T13:00:00Z")]))
    other_store = SqlStore.from_url(store.engine.url.render_as_string(hide_password=False))
    second = services_over(other_store, settings)
    lives = [live, live_with_returns(second, shopify_source(fake))]
    barrier = Barrier(2)

    def read(one: LiveOrders):
        barrier.wait()
        return one.refresh("shopify", "gid://shopify/Order/5005801")

    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(read, lives))
    finally:
        other_store.engine.dispose()
    assert store.get_rma(rma.rma_id).status is RmaStatus.REFUNDED
    assert len(refunded_events(first, rma.rma_id)) == 1 and store.refund_count(rma.rma_id) == 1
    assert len([n for n in first.updates.due() if n.rma.rma_id == rma.rma_id]) == 1
