"""Building the marketplace order sources from settings (`bot.source_settings.SourceSettings`), and
connecting them to the order services: `build_sources` makes one adapter per configured marketplace,
`live_orders` the `bot.live_orders.LiveOrders` over the order store, and `connect` hands its lookup
to `ReturnsService` so verifying an order returnbot does not know (or has not read lately) asks the
marketplaces. Nothing connects until a request is made. `bot/` cannot import adapters, so the
processes that verify customers (the action server, `actions/deps.py`) and the gateway call this.
"""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, Callable, List, Optional

import httpx

from bot.clock import utc_now
from bot.live_orders import LiveOrders
from bot.ports import OrderSource
from bot.source_settings import SourceSettings
from bot.sql.order_sources import SqlOrderSources
from integrations.amazon import AmazonOrderSource
from integrations.ebay import EbayOrderSource
from integrations.http import RetryPolicy
from integrations.shopify import ShopifyOrderSource
from integrations.source_http import DEFAULT_TIMEOUT

# A customer is waiting while a lookup runs: two tries, short pauses, then the cached order (or "try later").
# The periodic sync uses the same adapters; what it misses it reads on its next round.
LOOKUP_RETRY = RetryPolicy(attempts=2, backoff=0.5, max_wait=2.0)
LOOKUP_TIMEOUT = httpx.Timeout(8.0, connect=3.0)
TITLES = {"shopify": "Shopify", "amazon": "Amazon SP-API", "ebay": "eBay"}


def build_source(name: str, settings: SourceSettings, *, transport: Optional[httpx.BaseTransport] = None,
                 sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.time,
                 retry: RetryPolicy = RetryPolicy(), timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> Any:
    """The adapter of one configured source (`ShopifyOrderSource`, `AmazonOrderSource`, `EbayOrderSource`)."""
    io = dict(transport=transport, sleep=sleep, now=now, retry=retry, timeout=timeout)
    if name == "shopify":
        return ShopifyOrderSource(settings.shopify_shop or "", settings.shopify_access_token or "",
                                  api_base_url=settings.shopify_api_base_url,
                                  create_returns=settings.shopify_create_returns, **io)
    if name == "amazon":
        return AmazonOrderSource(settings.amazon_client_id or "", settings.amazon_client_secret or "",
                                 settings.amazon_refresh_token or "", region=settings.amazon_region,
                                 marketplace_ids=settings.amazon_marketplace_ids, pii=settings.amazon_pii,
                                 api_base_url=settings.amazon_api_base_url,
                                 lwa_base_url=settings.amazon_lwa_base_url, **io)
    if name == "ebay":
        return EbayOrderSource(settings.ebay_client_id or "", settings.ebay_client_secret or "",
                               settings.ebay_refresh_token or "", sandbox=settings.ebay_sandbox,
                               api_base_url=settings.ebay_api_base_url, **io)
    raise ValueError(f"unknown source {name!r}")


def build_sources(settings: SourceSettings, **io: Any) -> List[OrderSource]:
    return [build_source(name, settings, **io) for name in settings.configured()]


def mirror_returns(live: LiveOrders) -> list:
    """Shopify returns for the RMAs of Shopify orders, when SHOPIFY_CREATE_RETURNS is on: (source,
    RMA ids done, error) per source that mirrors."""
    results = []
    for name, source in live.sources.items():
        if getattr(source, "create_returns", False):
            done, error = live.mirror_returns(name, source)
            results.append((name, done, error))
    return results


def live_orders(services: Any, sources: List[OrderSource], clock=utc_now) -> LiveOrders:
    settings: SourceSettings = getattr(services.settings, "sources", None) or SourceSettings()
    return LiveOrders(services.store, SqlOrderSources(services.store.engine), sources, clock,
                      timedelta(minutes=settings.max_age_minutes), returns=getattr(services, "updates", None))


def connect(services: Any, clock=None, **io: Any) -> Optional[LiveOrders]:
    """Live lookups for `services.returns` when a marketplace is configured; None (and nothing
    changed) otherwise, so the demo runs as before. The cache's age is measured on the returns
    service's clock unless `clock` is given."""
    settings: Optional[SourceSettings] = getattr(services.settings, "sources", None)
    if settings is None or not settings.configured():
        return None
    io.setdefault("retry", LOOKUP_RETRY)
    io.setdefault("timeout", LOOKUP_TIMEOUT)
    live = live_orders(services, build_sources(settings, **io), clock or services.returns.clock)
    services.returns.lookup_order = live.lookup_order
    services.returns.lookup = live.lookup
    services.returns.marketplace_refunds = live.refunds_of
    return live
