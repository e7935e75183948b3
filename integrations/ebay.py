"""eBay: the seller's orders, read live with the Sell Fulfillment API v1 (`EbayOrderSource`).

Auth: an OAuth user access token from the seller's refresh token (authorization code grant, done
once when the seller consents): POST `/identity/v1/oauth2/token` with HTTP Basic `client id:client
secret` and `grant_type=refresh_token`, asking for the scope
`https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly`. The token lives two hours
(`expires_in`), is renewed a minute before and once after a 401; `invalid_grant` (the refresh token
expired after 18 months, or consent was withdrawn) is `SourceError(retryable=False)`.

Operations: `getOrder` (GET `/sell/fulfillment/v1/order/{orderId}`), `getOrders` (GET
`/sell/fulfillment/v1/order` with `filter=lastmodifieddate:[<from>..]`, `limit`, `offset`, the
next page in `next`), `getShippingFulfillments` (GET `.../order/{orderId}/shipping_fulfillment`:
tracking number and carrier). eBay limits calls per application per day; a 429 (call limit
reached) is retried with backoff and then reported as retryable.

Mapping: `cancelStatus.cancelState` CANCELED -> cancelled; `orderFulfillmentStatus` FULFILLED or
IN_PROGRESS with a shipping fulfilment -> shipped; else processing (the Fulfillment API does not
report delivery); a shipped order is due by the latest of its lines'
`lineItemFulfillmentInstructions.maxEstimatedDeliveryDate` (else the package's,
`fulfillmentStartInstructions[].maxEstimatedDeliveryDate`) (`Order.due_by`). `lineItemCost` is the
price of the whole quantity; refunds are amounts per line item (`refunds[]`: `refundId`, `amount`,
`refundDate`), so refunded units are the refunded amount over the unit price, rounded down (assumed),
and each refund is a `MarketplaceRefund` of the units it completes; a refund at the order level
(`paymentSummary.refunds[]` whose `refundId` no line item has, `refundStatus` REFUNDED) is one with no
line, kept and told, refunding no return. The
customer: the buyer's email (eBay's), the ship-to postcode and name, and `buyer.username` kept in the
name when there is no ship-to name.
"""
from __future__ import annotations

import base64
import json
import logging
import re
import time
from datetime import datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qs, urlsplit

import httpx

from bot.models import (Customer, Fulfillment, MarketplaceRefund, Money, Order, OrderLine, OrderStatus,
                        SalesChannel)
from bot.ports import OrderPage, SourceError
from bot.tracking import carrier_named
from integrations.fields import Malformed, amount, currency, items_of, obj, quantity, text, timestamp
from integrations.http import RetryPolicy
from integrations.source_http import (
    Clock,
    DEFAULT_TIMEOUT,
    RefreshedToken,
    SourceClient,
    SyncSleep,
    error_message,
    read_cursor,
    stored_postcode,
)

log = logging.getLogger(__name__)

NAME, TITLE = "ebay", "eBay"
API_URL = "https://api.ebay.com"
SANDBOX_URL = "https://api.sandbox.ebay.com"
SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly"
PAGE_SIZE = 50
FIRST_SYNC = timedelta(days=60)
# 12-34567-89012, or the legacy 110551234567-2345678901 (item-transaction) and bare numbers; fullmatch
ORDER_ID = re.compile(r"[0-9]{2}-[0-9]{5}-[0-9]{5}|[0-9]{6,15}(?:-[0-9]{6,15})?", re.ASCII)


class EbayOrderSource:
    """`bot.ports.OrderSource` over one seller's Sell Fulfillment API."""

    name = NAME

    def __init__(self, client_id: str, client_secret: str, refresh_token: str, *, sandbox: bool = False,
                 api_base_url: Optional[str] = None, transport: Optional[httpx.BaseTransport] = None,
                 sleep: SyncSleep = time.sleep, now: Clock = time.time, retry: RetryPolicy = RetryPolicy(),
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT, page_size: int = PAGE_SIZE,
                 first_sync: timedelta = FIRST_SYNC):
        base = api_base_url or (SANDBOX_URL if sandbox else API_URL)
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self._identity = SourceClient("eBay OAuth", base, headers={"Authorization": f"Basic {basic}"},
                                      transport=transport, sleep=sleep, now=now, retry=retry, timeout=timeout)
        self._refresh_token = refresh_token
        self.token = RefreshedToken(self._fetch_token, "Authorization", prefix="Bearer ", now=now)
        self.client = SourceClient(TITLE, base, auth=self.token, transport=transport, sleep=sleep, now=now,
                                   retry=retry, timeout=timeout)
        self.page_size, self.first_sync = page_size, first_sync

    def close(self) -> None:
        self.client.close()
        self._identity.close()

    # -- the port ------------------------------------------------------------------------------

    def fetch_order(self, order_id: str) -> Optional[Order]:
        order_id = order_id.strip()
        if not ORDER_ID.fullmatch(order_id):
            return None  # not an eBay order id
        response = self._get(f"/sell/fulfillment/v1/order/{order_id}")
        if response is None:
            return None
        order = self.client.json(response)
        return read_order(order, self._fulfillments(order_id))

    def orders_changed_since(self, cursor: Optional[str]) -> OrderPage:
        state = read_cursor(cursor, TITLE)
        since = state.get("since") or datetime.fromtimestamp(
            self.client.now() - self.first_sync.total_seconds(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        offset = int(state.get("offset") or 0)
        response = self._get("/sell/fulfillment/v1/order", params={
            "filter": f"lastmodifieddate:[{since}..]", "limit": self.page_size, "offset": offset})
        body = self.client.json(response) if response is not None else None
        if not isinstance(body, Mapping):
            raise SourceError(TITLE, "getOrders answered without orders")
        try:
            raw = items_of(body, "orders")
        except Malformed as exc:
            raise SourceError(TITLE, f"getOrders cannot be read: {exc}", retryable=False) from None
        orders = tuple(read_order(o, self._fulfillments(str(o.get("orderId")))) for o in raw)
        newest = max([str(o.get("lastModifiedDate")) for o in raw if o.get("lastModifiedDate")] + [since])
        if body.get("next"):
            next_offset = parse_qs(urlsplit(str(body["next"])).query).get("offset", [offset + len(raw)])[0]
            return OrderPage(orders, json.dumps({"since": since, "offset": int(next_offset)}), more=True)
        return OrderPage(orders, json.dumps({"since": newest}), more=False)

    # -- set-up --------------------------------------------------------------------------------

    def check(self) -> Dict[str, Any]:
        """What the token can read (for `sources add`): one page of recent orders."""
        self._get("/sell/fulfillment/v1/order", params={"limit": 1})
        return {"account": "eBay seller (user token)", "scopes": [SCOPE], "missing": []}

    # -- requests ------------------------------------------------------------------------------

    def _fetch_token(self) -> Tuple[str, float]:
        response = self._identity.request("POST", "/identity/v1/oauth2/token", use_auth=False, data={
            "grant_type": "refresh_token", "refresh_token": self._refresh_token, "scope": SCOPE})
        body = self._identity.json(response)
        if not response.is_success or not isinstance(body, Mapping) or not body.get("access_token"):
            code = body.get("error") if isinstance(body, Mapping) else None
            raise SourceError(TITLE, f"eBay refused the refresh token ({code or response.status_code}): "
                                     f"{error_message(response)}; the seller must consent again",
                              retryable=False, status=response.status_code)
        return str(body["access_token"]), float(body.get("expires_in") or 7200)

    def _get(self, path: str, params: Optional[Mapping[str, Any]] = None) -> Optional[httpx.Response]:
        response = self.client.request("GET", path, params=params)
        if response.status_code in (400, 404) and "/order/" in path:
            return None  # 32100 "Invalid Order ID": not an order of this seller
        if not response.is_success:
            raise SourceError(TITLE, f"HTTP {response.status_code}: {error_message(response)}", retryable=False,
                              status=response.status_code)
        return response

    def _fulfillments(self, order_id: str) -> List[Mapping[str, Any]]:
        response = self._get(f"/sell/fulfillment/v1/order/{order_id}/shipping_fulfillment")
        body = self.client.json(response) if response is not None else {}
        try:
            return items_of(body if isinstance(body, Mapping) else {}, "fulfillments")
        except Malformed as exc:
            raise SourceError(TITLE, f"order {order_id} fulfilments cannot be read: {exc}", retryable=False) from None


def read_order(order: Any, fulfillments: Sequence[Mapping[str, Any]]) -> Order:
    try:
        if not isinstance(order, Mapping):
            raise Malformed("the order is not an object")
        return _read(order, fulfillments)
    except Malformed as exc:
        ref = order.get("orderId") if isinstance(order, Mapping) else None
        raise SourceError(TITLE, f"order {ref or '?'} cannot be read: {exc}", retryable=False) from None


def _value(holder: Mapping[str, Any], key: str) -> Tuple[Optional[Decimal], Optional[str]]:
    money = obj(holder, key, required=False)
    if not money:
        return None, None
    return amount(money.get("value"), f"{key}.value"), currency(money.get("currency"), f"{key}.currency")


def carrier_name(code: Optional[str]) -> Optional[str]:
    """The carrier as a customer reads it and `bot.tracking` finds its page: a carrier `bot.tracking` knows
    by its own name (`SF_EXPRESS`: SF Express, `DEUTSCHE_POST`: Deutsche Post, `PosteItaliane`: Poste Italiane);
    otherwise eBay's codes spell names in capitals with underscores (`CANADA_POST`: Canada Post), and a
    code of one word (`UPS`, `USPS`, `DHL`) stays as it is."""
    known = carrier_named(code)
    if known:
        return known.name
    if not code or "_" not in code:
        return code
    return " ".join(word.capitalize() for word in code.split("_") if word)


def _read(order: Mapping[str, Any], fulfillments: Sequence[Mapping[str, Any]]) -> Order:
    order_id = text(order, "orderId")
    _, order_currency = _value(obj(order, "pricingSummary", required=False), "total")
    lines: List[OrderLine] = []
    refunds: List[MarketplaceRefund] = []
    estimates: List[datetime] = []
    for item in items_of(order, "lineItems"):
        ordered = quantity(item.get("quantity"), "lineItems.quantity")
        cost, cost_currency = _value(item, "lineItemCost")
        order_currency = order_currency or cost_currency
        unit = (cost / ordered).quantize(Decimal("0.01")) if cost is not None and ordered else Decimal(0)
        line_id = text(item, "lineItemId")
        refunded = Decimal(0)
        returned = 0
        for position, refund in enumerate(items_of(item, "refunds")):
            value, refund_currency = _value(refund, "amount")
            refunded += value or Decimal(0)
            units = int((refunded / unit).to_integral_value(ROUND_FLOOR)) if unit else 0
            made = timestamp(refund, "refundDate", required=False)
            refund_id = text(refund, "refundId", required=False, max_len=100) or \
                f"{line_id}/{made.isoformat() if made else position}"
            if units > returned:  # the units this refund completes (amounts over the unit price, assumed)
                refunds.append(MarketplaceRefund(f"{refund_id}/{line_id}", line_id, units - returned, made,
                                                 Money(value, refund_currency) if value is not None else None))
            returned = max(returned, units)
        instructions = obj(item, "lineItemFulfillmentInstructions", required=False)
        estimate = timestamp(instructions, "maxEstimatedDeliveryDate", required=False)
        if estimate is not None:
            estimates.append(estimate)
        lines.append(OrderLine(line_id=line_id, sku=text(item, "sku", required=False) or
                               text(item, "legacyItemId", required=False) or line_id,
                               title=text(item, "title", required=False, max_len=500) or line_id, category="general",
                               quantity=ordered, unit_price=unit, returned_quantity=min(returned, ordered)))
    per_line = {r.refund_id.split("/", 1)[0] for r in refunds}
    for position, refund in enumerate(items_of(obj(order, "paymentSummary", required=False), "refunds")):
        # a refund at the order level (shipping, or an amount on the order): kept with no line; one that is a
        # line item's refund too (the same refundId), or not REFUNDED (PENDING, FAILED), is not counted again
        value, refund_currency = _value(refund, "amount")
        made = timestamp(refund, "refundDate", required=False)
        refund_id = text(refund, "refundId", required=False, max_len=100) or \
            f"order/{made.isoformat() if made else position}"
        if refund_id in per_line or value is None or value <= 0 or \
                (refund.get("refundStatus") or "REFUNDED") != "REFUNDED":
            continue
        refunds.append(MarketplaceRefund(f"{refund_id}/order", "", 0, made, Money(value, refund_currency)))
    shipped = sorted((f for f in fulfillments if f.get("shippedDate") or f.get("shipmentTrackingNumber")),
                     key=lambda f: str(f.get("shippedDate") or ""))
    cancelled = (obj(order, "cancelStatus", required=False).get("cancelState") == "CANCELED")
    if cancelled:
        status = OrderStatus.CANCELLED
    elif shipped or order.get("orderFulfillmentStatus") == "FULFILLED":
        status = OrderStatus.SHIPPED
    else:
        status = OrderStatus.PROCESSING
    latest = shipped[-1] if shipped else {}
    buyer = obj(order, "buyer", required=False)
    registered = obj(buyer, "buyerRegistrationAddress", required=False)
    ship_to: Mapping[str, Any] = {}
    for instruction in items_of(order, "fulfillmentStartInstructions"):
        if not estimates:  # the package's window when the lines give none
            estimate = timestamp(instruction, "maxEstimatedDeliveryDate", required=False)
            if estimate is not None:
                estimates.append(estimate)
        ship_to = obj(obj(instruction, "shippingStep", required=False), "shipTo", required=False)
        if ship_to:
            break
    address = obj(ship_to, "contactAddress", required=False) or obj(registered, "contactAddress", required=False)
    country = text(address, "countryCode", required=False) or ""
    customer = Customer(
        email=text(registered, "email", required=False, max_len=320) or text(ship_to, "email", required=False,
                                                                               max_len=320) or "",
        name=text(ship_to, "fullName", required=False, max_len=200) or text(buyer, "username", required=False) or "",
        postcode=stored_postcode(text(address, "postalCode", required=False) or "", country),
        country=country)
    return Order(order_id=order_id, channel=SalesChannel.EBAY, fulfillment=Fulfillment.MERCHANT, customer=customer,
                 placed_at=timestamp(order, "creationDate"), status=status, currency=order_currency or "USD",
                 lines=tuple(lines), shipped_at=timestamp(latest, "shippedDate", required=False) if latest else None,
                 carrier=carrier_name(text(latest, "shippingCarrierCode", required=False)) if latest else None,
                 tracking_number=text(latest, "shipmentTrackingNumber", required=False) if latest else None,
                 due_by=max(estimates) if estimates and status is OrderStatus.SHIPPED else None,
                 refunds=tuple(refunds))
