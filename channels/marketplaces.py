"""Live orders in the gateway: Shopify's order webhooks and the marketplaces' periodic sync, as
one routes-only channel (`marketplace_orders_channel`), on when a marketplace is configured
(docs/sources.md).

Webhook: POST /webhooks/shopify, the topics `orders/updated`, `fulfillments/create` and
`refunds/create`. Shopify signs each delivery with `X-Shopify-Hmac-Sha256`: the base64 HMAC-SHA256
of the raw body with the app's client secret (`SHOPIFY_WEBHOOK_SECRET`). A missing or wrong
signature gets 401 and changes nothing; the signature is checked before the body is parsed. A
signed delivery is a hint only: the order it names is read again from the Admin API (the webhook's
REST-shaped body is not mapped) and kept in the order store, so a forged or replayed body could at
worst cause a read. A delivery id seen before (`X-Shopify-Webhook-Id`) changes nothing again; a
topic this channel does not handle is acknowledged and ignored. When Shopify cannot be read, the
answer is 503 and the delivery is forgotten, so Shopify's retry applies it later. Bodies carry
customers' personal data: nothing of them is logged.

Sync: every `RETURNBOT_ORDER_SYNC_MINUTES` (0: never) each source's changes since its cursor are
read in a worker thread (`LiveOrders.sync`), the fallback for missed webhooks and the only way
Amazon and eBay orders are refreshed before a customer asks. With `SHOPIFY_CREATE_RETURNS`, the same
round creates in Shopify's admin the returns of RMAs issued for Shopify orders since the last one.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import logging
from typing import Any, Optional, Union

from aiohttp import web

from bot.live_orders import LiveOrders
from bot.ports import SourceError
from channels.contract import Channel, Hub, Off, RepeatingChannel
from channels.http_body import BadBody, parse_object, read_body

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/shopify"
HMAC_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"
TOPICS = ("orders/updated", "fulfillments/create", "refunds/create")
MAX_BODY_BYTES = 512 * 1024


def shopify_signature(secret: str, body: bytes) -> str:
    """What Shopify sends in X-Shopify-Hmac-Sha256 for `body`."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def authentic(secret: str, body: bytes, header: str) -> bool:
    try:
        given = base64.b64decode(header.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, hmac.new(secret.encode(), body, hashlib.sha256).digest())


def order_gid(topic: str, event: dict) -> Optional[str]:
    """The Admin GraphQL id of the order a delivery is about."""
    if topic == "orders/updated":
        gid = event.get("admin_graphql_api_id")
        if isinstance(gid, str) and gid.startswith("gid://shopify/Order/"):
            return gid
        number = event.get("id")
    else:
        number = event.get("order_id")
    if isinstance(number, bool) or not isinstance(number, (int, str)) or not str(number).isdigit():
        return None
    return f"gid://shopify/Order/{number}"


class ShopifyWebhook:
    def __init__(self, live: LiveOrders, ledger: Any, secret: str, clock) -> None:
        self.live, self.ledger, self.secret, self.clock = live, ledger, secret, clock

    async def handle(self, request: web.Request) -> web.Response:
        try:
            body = await read_body(request, MAX_BODY_BYTES)
            if not authentic(self.secret, body, request.headers.get(HMAC_HEADER, "")):
                return _error(401, "missing or wrong X-Shopify-Hmac-Sha256")
            event = parse_object(body)
        except BadBody as bad:
            return _error(bad.status, str(bad))
        topic = request.headers.get(TOPIC_HEADER, "")
        if topic not in TOPICS:
            return web.json_response({"ignored": topic[:60]})
        gid = order_gid(topic, event)
        if gid is None:
            return _error(400, "no order id in the body")
        delivery = (request.headers.get(WEBHOOK_ID_HEADER) or "").strip()[:100]
        if delivery and not await asyncio.to_thread(self.ledger.first_delivery, "shopify", delivery, self.clock()):
            return web.json_response({"applied": False})
        try:
            order = await asyncio.to_thread(self.live.refresh, "shopify", gid)
        except SourceError as exc:
            if delivery:
                await asyncio.to_thread(self.ledger.forget_delivery, "shopify", delivery)
            log.warning("shopify webhook %s: the order could not be read (%s)", topic,
                        "retryable" if exc.retryable else "permanent")
            return _error(503, "Shopify could not be read; retry later")
        log.info("shopify webhook %s: order %s %s", topic, order.order_id if order else gid.rsplit("/", 1)[-1],
                 "kept" if order else "not kept")
        return web.json_response({"applied": order is not None, "order": order.order_id if order else None})


def marketplace_orders_channel(hub: Hub) -> Union[Channel, Off]:
    """Shopify's webhooks and the marketplaces' sync, when a marketplace is configured."""
    settings = getattr(hub.settings, "sources", None)
    if settings is None or getattr(hub.services, "returns", None) is None:
        return Off("Marketplace orders")
    if not settings.configured():
        return Off("Marketplace orders", "no marketplace configured; see docs/sources.md")
    from integrations.sources import connect

    live = connect(hub.services)
    return MarketplaceOrdersChannel(live, settings.shopify_webhook_secret if "shopify" in live.sources else None,
                                    settings.sync_minutes * 60.0)


class MarketplaceOrdersChannel(RepeatingChannel):
    """The webhook's route (with Shopify and its secret) and the sync loop (a routes-only channel)."""

    name = "marketplace-orders"

    def __init__(self, live: LiveOrders, webhook_secret: Optional[str], interval: float) -> None:
        super().__init__()
        self.live, self.interval = live, interval
        self.webhook = ShopifyWebhook(live, live.ledger, webhook_secret, live.clock) if webhook_secret else None

    def add_routes(self, app: web.Application) -> None:
        if self.webhook is not None:
            app.router.add_post(WEBHOOK_PATH, self.webhook.handle)

    def sync_once(self) -> list:
        from integrations.sources import mirror_returns

        results = []
        for name in self.live.sources:
            result = self.live.sync(name)
            log.info("%s: %d orders read, %d kept, %d returns refunded there%s", name, result.read, result.stored,
                     len(result.refunded), f"; stopped: {result.error.message}" if result.error else "")
            results.append(result)
        for name, done, error in mirror_returns(self.live):
            if done or error:
                log.info("%s: %d returns created%s", name, len(done), f"; stopped: {error.message}" if error else "")
        return results

    async def round(self) -> None:
        await asyncio.to_thread(self.sync_once)  # the marketplaces' HTTP calls block: off the event loop


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
