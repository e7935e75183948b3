"""Shopify: the shop's orders, read live with the Admin GraphQL API (`ShopifyOrderSource`).

API (https://shopify.dev/docs/api/admin-graphql, version pinned in `API_VERSION`): POST
`https://<shop>.myshopify.com/admin/api/<version>/graphql.json` with `{"query", "variables"}` and the
custom app's Admin API access token in `X-Shopify-Access-Token`. Scopes: `read_orders` (and
`read_all_orders` for orders older than 60 days), `read_fulfillments`, `read_returns`; customer
email and address are protected customer data the app must be granted (docs/sources.md).

Rate limit: a leaky bucket of query cost. Every answer carries `extensions.cost.throttleStatus`
(`maximumAvailable`, `currentlyAvailable`, `restoreRate` points a second); before a query this
adapter waits until the bucket holds the query's cost (`requestedQueryCost` as last reported for
that query, 60 points before the first answer), and a `THROTTLED` error (HTTP 200
with `errors[].extensions.code`) waits for the points to come back and asks again.

Returns in the admin (on with `SHOPIFY_CREATE_RETURNS`, scope `write_returns`): `create_return`
makes an RMA of returnbot's a Shopify return with `returnCreate` (OPEN: the merchant approved it
by letting returnbot decide), on the fulfilment line item of the order's line, with the RMA number
in `returnReasonNote`; that note is how a retry finds the return it made instead of making another.

Mapping to `bot.models.Order` (docs/sources.md says which parts are assumed):
- order id: the order's name as the customer sees it (`#1001`); `fetch_order` accepts `#1001`,
  `1001` or the GraphQL id (`gid://shopify/Order/...`).
- status: cancelled (`cancelledAt`) > delivered (a fulfilment delivered) > shipped (any fulfilment)
  > processing. Tracking: the latest fulfilment's first tracking number and company.
- lines: quantity, unit price (shop money), `product.productType` as the category; refunded units
  with `restockType` `CANCEL` count as cancelled, other refunded units as returned, and each of
  those (per refund and line) is a `MarketplaceRefund` (`<refund id>/<line id>`, its `createdAt`, the
  line's `subtotalSet`) that refunds a return in progress (bot/live_orders.py). A refund with no
  refund line items (shipping only, an amount on the order) is one `MarketplaceRefund` with no line
  (`<refund id>/order`, its `totalRefundedSet`): kept and told, it refunds no return.
- customer: the order's email, the shipping address's zip, country and name.
"""
from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Tuple

import httpx

from bot.models import Customer, Fulfillment, MarketplaceRefund, Money, Order, OrderLine, OrderStatus, SalesChannel
from bot.ports import OrderPage, SourceError
from bot.privacy import loggable
from integrations.fields import Malformed, amount, currency, items_of, obj, quantity, text, timestamp
from integrations.http import RetryPolicy
from integrations.source_http import (DEFAULT_TIMEOUT, Clock, SourceClient, StaticToken, SyncSleep, read_cursor,
                                      stored_postcode)

log = logging.getLogger(__name__)

NAME, TITLE = "shopify", "Shopify"
API_VERSION = "2025-01"
PAGE_SIZE = 50
QUERY_COST = 60  # what one order query is expected to cost; the real cost comes back with it
FIRST_SYNC = timedelta(days=60)
AMAZON_OR_EBAY = re.compile(r"[0-9A-Z]{3}-[0-9]{7}-[0-9]{7}|[0-9]{2}-[0-9]{5}-[0-9]{5}", re.ASCII)

ORDER_FIELDS = """
  id name email createdAt updatedAt cancelledAt currencyCode displayFulfillmentStatus
  shippingAddress { zip countryCodeV2 name }
  lineItems(first: 100) { nodes { id sku name quantity
    originalUnitPriceSet { shopMoney { amount currencyCode } } product { productType } } }
  fulfillments(first: 20) { createdAt deliveredAt displayStatus trackingInfo(first: 1) { company number } }
  refunds(first: 50) { id createdAt totalRefundedSet { shopMoney { amount currencyCode } }
    refundLineItems(first: 100) { nodes { quantity restockType lineItem { id }
    subtotalSet { shopMoney { amount currencyCode } } } } }
"""
BY_ID = "query Order($id: ID!) { order(id: $id) {" + ORDER_FIELDS + "} }"
BY_QUERY = ("query Orders($first: Int!, $after: String, $query: String) { orders(first: $first, after: $after, "
            "query: $query, sortKey: UPDATED_AT) { pageInfo { hasNextPage endCursor } nodes {" + ORDER_FIELDS + "} } }")
RETURNABLE = ("query Returnable($query: String!) { orders(first: 5, query: $query) { nodes { id name "
              "fulfillments(first: 20) { fulfillmentLineItems(first: 100) { nodes { id quantity lineItem { id } } } } "
              "returns(first: 50) { nodes { id returnLineItems(first: 100) { nodes { ... on ReturnLineItem { "
              "returnReasonNote } } } } } } } }")
RETURN_CREATE = ("mutation ReturnCreate($input: ReturnInput!) { returnCreate(returnInput: $input) { "
                 "return { id name status } userErrors { field message code } } }")
RETURN_REASONS = {  # bot.models.ReturnReason -> Shopify's ReturnReason (2025-01)
    "too_small": "SIZE_TOO_SMALL", "too_large": "SIZE_TOO_LARGE", "not_as_described": "NOT_AS_DESCRIBED",
    "changed_mind": "UNWANTED", "damaged": "DEFECTIVE", "wrong_item": "WRONG_ITEM", "other": "OTHER",
}
SHOP = "query Shop { shop { name myshopifyDomain currencyCode } currentAppInstallation { accessScopes { handle } } }"


def base_url(shop: str) -> str:
    """The Admin API of `shop` (`my-shop`, `my-shop.myshopify.com` or its https URL)."""
    shop = shop.strip().removeprefix("https://").removeprefix("http://").rstrip("/")
    if "." not in shop:
        shop += ".myshopify.com"
    return f"https://{shop}/admin/api/{API_VERSION}"


class ShopifyOrderSource:
    """`bot.ports.OrderSource` over one shop's Admin GraphQL API."""

    name = NAME

    def __init__(self, shop: str, access_token: str, *, api_base_url: Optional[str] = None,
                 transport: Optional[httpx.BaseTransport] = None, sleep: SyncSleep = time.sleep,
                 now: Clock = time.time, retry: RetryPolicy = RetryPolicy(),
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT, page_size: int = PAGE_SIZE,
                 first_sync: timedelta = FIRST_SYNC, create_returns: bool = False):
        self.client = SourceClient(TITLE, api_base_url or base_url(shop),
                                   auth=StaticToken("X-Shopify-Access-Token", access_token),
                                   headers={"Content-Type": "application/json"}, transport=transport,
                                   sleep=sleep, now=now, retry=retry, timeout=timeout)
        self.page_size, self.first_sync, self.create_returns = page_size, first_sync, create_returns
        self._bucket: Optional[Tuple[float, float, float]] = None  # available, maximum, restore rate; when seen
        self._bucket_at = 0.0
        self._costs: Dict[str, float] = {}  # query -> the requestedQueryCost Shopify last reported

    def close(self) -> None:
        self.client.close()

    # -- the port ------------------------------------------------------------------------------

    def fetch_order(self, order_id: str) -> Optional[Order]:
        order_id = order_id.strip()
        if order_id.startswith("gid://shopify/Order/"):
            node = self.graphql(BY_ID, {"id": order_id}).get("order")
            return read_order(node) if node else None
        name = "#" + order_id.lstrip("#")
        if not name[1:] or len(name) > 64 or AMAZON_OR_EBAY.fullmatch(name[1:]):
            return None  # another marketplace's order id
        data = self.graphql(BY_QUERY, {"first": 5, "after": None, "query": f"name:{json.dumps(name)}"})
        for node in (data.get("orders") or {}).get("nodes") or []:
            if isinstance(node, Mapping) and node.get("name") == name:  # the search matches loosely
                return read_order(node)
        return None

    def orders_changed_since(self, cursor: Optional[str]) -> OrderPage:
        state = read_cursor(cursor, TITLE)
        since = state.get("since") or (datetime.fromtimestamp(self.client.now(), timezone.utc)
                                       - self.first_sync).isoformat()
        data = self.graphql(BY_QUERY, {"first": self.page_size, "after": state.get("after"),
                                       "query": f"updated_at:>'{since}'"})
        orders = data.get("orders") or {}
        nodes = [n for n in orders.get("nodes") or [] if isinstance(n, Mapping)]
        read = tuple(read_order(n) for n in nodes)
        newest = max([str(n.get("updatedAt")) for n in nodes if n.get("updatedAt")] + [since])
        page = orders.get("pageInfo") or {}
        if page.get("hasNextPage"):
            return OrderPage(read, json.dumps({"since": since, "after": page.get("endCursor")}), more=True)
        return OrderPage(read, json.dumps({"since": newest}), more=False)

    # -- returns in the merchant's admin (bot.live_orders.ReturnMirror) ---------------------------

    def create_return(self, order_id: str, line_id: str, quantity: int, reason: str, rma_id: str) -> str:
        """A return in Shopify for `quantity` units of line `line_id` of order `order_id` (`#1001`),
        marked with the RMA number in its note; a return already marked so is found, not made again.
        Shopify's refusal of this one return (`userErrors`) is `SourceError(status=422)`."""
        name = "#" + order_id.lstrip("#")
        data = self.graphql(RETURNABLE, {"query": f"name:{json.dumps(name)}"})
        node = next((n for n in (data.get("orders") or {}).get("nodes") or []
                     if isinstance(n, Mapping) and n.get("name") == name), None)
        if node is None:
            raise SourceError(TITLE, f"order {name} is not in the shop any more", retryable=False, status=422)
        note = f"returnbot {rma_id}"
        for existing in ((node.get("returns") or {}).get("nodes") or []):
            notes = [i.get("returnReasonNote") for i in ((existing.get("returnLineItems") or {}).get("nodes") or [])
                     if isinstance(i, Mapping)]
            if note in notes:
                return str(existing.get("id"))
        candidates = [item for f in node.get("fulfillments") or [] if isinstance(f, Mapping)
                      for item in ((f.get("fulfillmentLineItems") or {}).get("nodes") or [])
                      if isinstance(item, Mapping)
                      and _gid_tail(str((item.get("lineItem") or {}).get("id") or "")) == line_id]
        fulfilled = next((item for item in candidates if int(item.get("quantity") or 0) >= quantity), None)
        if fulfilled is None:
            raise SourceError(TITLE, f"line {line_id} of {name} has no fulfilment of {quantity} to return",
                              retryable=False, status=422)
        data = self.graphql(RETURN_CREATE, {"input": {
            "orderId": node["id"], "notifyCustomer": False,
            "returnLineItems": [{"fulfillmentLineItemId": fulfilled["id"], "quantity": quantity,
                                 "returnReason": RETURN_REASONS.get(reason, "OTHER"), "returnReasonNote": note}]}})
        payload = data.get("returnCreate") or {}
        errors = [e for e in payload.get("userErrors") or [] if isinstance(e, Mapping)]
        created = payload.get("return") or {}
        if errors or not created.get("id"):
            message = loggable("; ".join(str(e.get("message")) for e in errors[:3]) or "no return in the answer")
            raise SourceError(TITLE, f"returnCreate refused the return of {rma_id}: {message}", retryable=False,
                              status=422)
        log.info("%s: return %s created for %s", TITLE, created.get("name") or created["id"], rma_id)
        return str(created["id"])

    # -- set-up --------------------------------------------------------------------------------

    def check(self) -> Dict[str, Any]:
        """What the token can read: the shop and the access scopes granted (for `sources add`)."""
        data = self.graphql(SHOP, {})
        shop = data.get("shop") or {}
        scopes = sorted(s.get("handle") for s in ((data.get("currentAppInstallation") or {}).get("accessScopes") or [])
                        if isinstance(s, Mapping) and s.get("handle"))
        missing = [s for s in ("read_orders", "read_fulfillments") if s not in scopes]
        if self.create_returns and "write_returns" not in scopes:
            missing.append("write_returns (SHOPIFY_CREATE_RETURNS is on)")
        return {"account": shop.get("myshopifyDomain") or shop.get("name"), "scopes": scopes, "missing": missing}

    # -- GraphQL with the cost bucket ----------------------------------------------------------

    def graphql(self, query: str, variables: Mapping[str, Any]) -> Mapping[str, Any]:
        for attempt in range(1, self.client.retry.attempts + 1):
            self._wait_for_points(self._costs.get(query, QUERY_COST))
            response = self.client.request("POST", "/graphql.json", json={"query": query, "variables": variables})
            body = self.client.json(response)
            if not response.is_success:
                raise SourceError(TITLE, f"HTTP {response.status_code}: {_errors(body)}", retryable=False,
                                  status=response.status_code)
            self._note_cost(body, query)
            errors = body.get("errors") if isinstance(body, Mapping) else None
            if errors:
                codes = {((e.get("extensions") or {}).get("code")) for e in errors if isinstance(e, Mapping)}
                if "THROTTLED" in codes:  # the bucket as reported now: the next round waits for it
                    if self._bucket is None:
                        self.client.sleep(self.client.backoff(attempt))
                    continue
                if codes & {"ACCESS_DENIED", "UNAUTHORIZED"}:
                    raise SourceError(TITLE, f"the access token may not read this: {_errors(body)}", retryable=False)
                raise SourceError(TITLE, f"the query failed: {_errors(body)}", retryable=False)
            data = body.get("data") if isinstance(body, Mapping) else None
            if not isinstance(data, Mapping):
                raise SourceError(TITLE, "the answer has no data")
            return data
        raise SourceError(TITLE, f"still throttled after {self.client.retry.attempts} attempts", status=200)

    def _note_cost(self, body: Any, query: str) -> None:
        cost = ((body.get("extensions") or {}).get("cost") or {}) if isinstance(body, Mapping) else {}
        requested = cost.get("requestedQueryCost") if isinstance(cost, Mapping) else None
        if isinstance(requested, (int, float)) and not isinstance(requested, bool) and requested > 0:
            self._costs[query] = float(requested)  # what this query costs: wait for that much next time
        status = cost.get("throttleStatus") if isinstance(cost, Mapping) else None
        try:
            self._bucket = (float(status["currentlyAvailable"]), float(status["maximumAvailable"]),
                            float(status["restoreRate"]))
            self._bucket_at = self.client.now()
        except (TypeError, KeyError, ValueError):
            pass

    def _wait_for_points(self, cost: float) -> None:
        """Sleep until the bucket (as last reported, refilled since at its restore rate) holds `cost`."""
        if self._bucket is None:
            return
        available, maximum, rate = self._bucket
        now = self.client.now()
        available = min(maximum, available + (now - self._bucket_at) * rate)
        if available < cost and rate > 0:
            delay = min((cost - available) / rate, self.client.retry.max_wait)
            log.info("%s: query cost bucket low (%.0f of %.0f points), waiting %.1f s", TITLE, available, maximum,
                     delay)
            self.client.sleep(delay)
            available = cost
            now += delay
        self._bucket, self._bucket_at = (available - cost, maximum, rate), now


def _errors(body: Any) -> str:
    """Shopify's messages (fit for a log: `bot.privacy.loggable`)."""
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if isinstance(errors, list):
        text = "; ".join(str(e.get("message")) for e in errors[:3] if isinstance(e, Mapping)) or "error"
    else:
        text = str(errors or "error")
    return loggable(text[:200])


def _gid_tail(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


def read_order(node: Mapping[str, Any]) -> Order:
    """A GraphQL `Order` node as returnbot's `Order`; a node that cannot be read is a SourceError
    naming the field (never a value)."""
    try:
        return _read(node)
    except Malformed as exc:
        ref = node.get("name") if isinstance(node, Mapping) else None
        raise SourceError(TITLE, f"order {ref or '?'} cannot be read: {exc}", retryable=False) from None


def _read(node: Mapping[str, Any]) -> Order:
    name = text(node, "name")
    shop_currency = currency(node.get("currencyCode"), "currencyCode")
    refunded: Dict[str, int] = {}
    cancelled: Dict[str, int] = {}
    refunds: List[MarketplaceRefund] = []
    for refund in items_of(node, "refunds"):
        made = timestamp(refund, "createdAt", required=False)
        refund_id = _gid_tail(text(refund, "id", required=False, max_len=200) or "") or (
            made.isoformat() if made else "")
        items = items_of(obj(refund, "refundLineItems", required=False), "nodes")
        if not items and refund_id:  # no line: shipping only, or an amount refunded on the order
            total = obj(obj(refund, "totalRefundedSet", required=False), "shopMoney", required=False)
            value = amount(total.get("amount"), "totalRefundedSet.amount")
            if value is not None and value > 0:
                refunds.append(MarketplaceRefund(f"{refund_id}/order", "", 0, made, Money(value, shop_currency)))
        for item in items:
            line_id = _gid_tail(text(obj(item, "lineItem"), "id", max_len=200))
            count = quantity(item.get("quantity"), "refundLineItems.quantity")
            into = cancelled if item.get("restockType") == "CANCEL" else refunded
            into[line_id] = into.get(line_id, 0) + count
            if into is refunded and count > 0 and refund_id:
                money = obj(obj(item, "subtotalSet", required=False), "shopMoney", required=False)
                value = amount(money.get("amount"), "subtotalSet.amount")
                refunds.append(MarketplaceRefund(f"{refund_id}/{line_id}", line_id, count, made,
                                                 None if value is None else Money(value, shop_currency)))
    lines: List[OrderLine] = []
    for item in items_of(obj(node, "lineItems"), "nodes"):
        line_id = _gid_tail(text(item, "id", max_len=200))
        price = obj(obj(item, "originalUnitPriceSet"), "shopMoney")
        ordered = quantity(item.get("quantity"), "lineItems.quantity")
        lines.append(OrderLine(
            line_id=line_id, sku=text(item, "sku", required=False) or line_id, title=text(item, "name", max_len=300),
            category=(text(obj(item, "product", required=False), "productType", required=False) or "general").lower(),
            quantity=ordered, unit_price=amount(price.get("amount"), "originalUnitPriceSet.amount") or Decimal(0),
            returned_quantity=min(refunded.get(line_id, 0), ordered),
            cancelled_quantity=min(cancelled.get(line_id, 0), ordered)))
    fulfillments = sorted(items_of(node, "fulfillments"), key=lambda f: str(f.get("createdAt") or ""))
    shipped_at = timestamp(fulfillments[0], "createdAt", required=False) if fulfillments else None
    delivered = [timestamp(f, "deliveredAt", required=False) for f in fulfillments]
    delivered_at = max([d for d in delivered if d], default=None)
    if delivered_at is None and any(f.get("displayStatus") == "DELIVERED" for f in fulfillments):
        delivered_at = timestamp(fulfillments[-1], "createdAt", required=False)
    carrier = tracking = None
    for f in reversed(fulfillments):
        infos = items_of(f, "trackingInfo")
        if infos:
            carrier, tracking = text(infos[0], "company", required=False), text(infos[0], "number", required=False)
            break
    if node.get("cancelledAt"):
        status = OrderStatus.CANCELLED
    elif delivered_at is not None:
        status = OrderStatus.DELIVERED
    elif fulfillments:
        status = OrderStatus.SHIPPED
    else:
        status = OrderStatus.PROCESSING
    address = obj(node, "shippingAddress", required=False)
    country = text(address, "countryCodeV2", required=False) or ""
    customer = Customer(email=text(node, "email", required=False, max_len=320) or "",
                        name=text(address, "name", required=False, max_len=200) or "",
                        postcode=stored_postcode(text(address, "zip", required=False) or "", country),
                        country=country)
    return Order(order_id=name, channel=SalesChannel.SHOPIFY, fulfillment=Fulfillment.MERCHANT, customer=customer,
                 placed_at=timestamp(node, "createdAt"), status=status, currency=shop_currency, lines=tuple(lines),
                 shipped_at=shipped_at, delivered_at=delivered_at, carrier=carrier, tracking_number=tracking,
                 refunds=tuple(refunds))
