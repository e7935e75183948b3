"""Amazon: the seller's orders, read live with the Selling Partner API Orders v0
(`AmazonOrderSource`).

Auth: Login with Amazon. The app's client id and secret and the seller's refresh token (from
authorising the app) buy an access token at `https://api.amazon.com/auth/o2/token`
(`grant_type=refresh_token`); it lives an hour (`expires_in`), is renewed a minute before that and
once more when the API answers 403 (SP-API's answer to an expired token) or 401, and travels in
`x-amz-access-token`. An `invalid_grant` or
`invalid_client` answer is `SourceError(retryable=False)`: the seller must authorise the app again.

Regions: `NA`, `EU` and `FE` endpoints (`sellingpartnerapi-<region>.amazon.com`); the sync reads the
configured marketplace ids.

Operations and their usage plans (rate restored per second, burst), kept on our side by a token
bucket per operation so we wait rather than be refused; a 429 is still retried with backoff:
`getOrder` 0.5/30, `getOrderItems` 0.5/30, `getOrders` 0.0167/20, `createRestrictedDataToken` 1/10.

How an Amazon buyer is verified (docs/sources.md, "Amazon buyers"): Amazon hides buyers' personal
data. With `pii="rdt"` (the app holds the Direct-to-Consumer Delivery role) each order is read with
a Restricted Data Token for `buyerInfo` and `shippingAddress`: the order's email is the buyer's
anonymised relay address (`...@marketplace.amazon.com`, what the shop sees when the buyer writes
through Amazon's messaging) and its postcode the shipping postcode, so either verifies the buyer.
With `pii="none"` no RDT is asked for: the postcode and relay address are kept only if Amazon sends
them anyway, and an order without either cannot be verified in the chat (the customer is offered a
person instead, like any unverifiable order). A refused RDT request is `SourceError(retryable=False)`
naming the role.

Mapping: `FulfillmentChannel` AFN -> `Fulfillment.FBA` (Amazon runs the return), MFN -> merchant.
`OrderStatus` Canceled -> cancelled, Shipped -> shipped, PartiallyShipped -> shipped, everything
else -> processing. An Easy Ship order's `EasyShipShipmentStatus` says where the parcel is: Delivered
-> delivered (at `LastUpdateDate`), PickedUp ... OutForDelivery -> shipped; its trouble statuses
(Lost, Undeliverable, ReturningToSeller...) keep the order shipped with no due date. Any other
shipped order is due by `LatestDeliveryDate` (`Order.due_by`) and counts as delivered once that has
passed: the Orders API does not report delivery outside Easy Ship. `ItemPrice` is the price of the
whole quantity; the unit price is it divided by `QuantityOrdered`. Refunds are not in the Orders API:
they are read from the Finances API (`listFinancialEventsByOrderId`, `RefundEventList[]` (`PostedDate`)
`.ShipmentItemAdjustmentList[]`: the order item or SKU, `QuantityShipped`, the units refunded, and
`OrderAdjustmentItemId`, the refund's id; each is a `MarketplaceRefund`; an event with no item is the
sum of its `OrderChargeAdjustmentList`, a refund on no line that refunds no return), which needs the Finance and
Accounting role; the first 403 turns the refunds off for this process (logged once) rather than
failing every lookup.
"""
from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import httpx

from bot.models import (Customer, Fulfillment, MarketplaceRefund, Money, Order, OrderLine, OrderStatus,
                        SalesChannel)
from bot.ports import OrderPage, SourceError
from integrations.fields import Malformed, amount, currency, items_of, obj, quantity, text, timestamp
from integrations.http import RetryPolicy
from integrations.source_http import (
    Clock,
    DEFAULT_TIMEOUT,
    RefreshedToken,
    SourceClient,
    SyncSleep,
    TokenBucket,
    error_message,
    read_cursor,
    stored_postcode,
)

log = logging.getLogger(__name__)

NAME, TITLE = "amazon", "Amazon SP-API"
LWA_URL = "https://api.amazon.com"
REGIONS = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}
USAGE_PLANS = {  # operation: (restore rate per second, burst)
    "getOrder": (0.5, 30), "getOrderItems": (0.5, 30), "getOrders": (0.0167, 20),
    "createRestrictedDataToken": (1.0, 10), "listFinancialEventsByOrderId": (0.5, 30),
}
PII_MODES = ("rdt", "none")
PII_ELEMENTS = ["buyerInfo", "shippingAddress"]
FIRST_SYNC = timedelta(days=60)
ORDER_ID = re.compile(r"[0-9A-Z]{3}-[0-9]{7}-[0-9]{7}", re.ASCII)  # 113-1234567-1234567; fullmatch
STATUS = {"Canceled": OrderStatus.CANCELLED, "Shipped": OrderStatus.SHIPPED, "PartiallyShipped": OrderStatus.SHIPPED}
# Easy Ship orders carry `EasyShipShipmentStatus` (Orders v0): the carrier's own word on the parcel.
EASY_SHIP_MOVING = ("PickedUp", "DroppedOff", "AtOriginFC", "AtDestinationFC", "OutForDelivery")
EASY_SHIP_TROUBLE = ("RejectedByBuyer", "Undeliverable", "ReturningToSeller", "ReturnedToSeller", "Lost", "Damaged")


class AmazonOrderSource:
    """`bot.ports.OrderSource` over one seller's SP-API Orders v0 in one region."""

    name = NAME

    def __init__(self, client_id: str, client_secret: str, refresh_token: str, *, region: str = "NA",
                 marketplace_ids: Sequence[str] = ("ATVPDKIKX0DER",), pii: str = "rdt",
                 api_base_url: Optional[str] = None, lwa_base_url: Optional[str] = None,
                 transport: Optional[httpx.BaseTransport] = None, sleep: SyncSleep = time.sleep,
                 now: Clock = time.time, retry: RetryPolicy = RetryPolicy(),
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT, first_sync: timedelta = FIRST_SYNC):
        if region not in REGIONS:
            raise ValueError(f"region must be one of {', '.join(REGIONS)}")
        if pii not in PII_MODES:
            raise ValueError(f"pii must be one of {', '.join(PII_MODES)}")
        self.marketplace_ids, self.pii, self.first_sync = tuple(marketplace_ids), pii, first_sync
        self._lwa = SourceClient("Login with Amazon", lwa_base_url or LWA_URL, transport=transport, sleep=sleep,
                                 now=now, retry=retry, timeout=timeout)
        self._credentials = {"grant_type": "refresh_token", "refresh_token": refresh_token,
                             "client_id": client_id, "client_secret": client_secret}
        self.token = RefreshedToken(self._fetch_token, "x-amz-access-token", now=now)
        self.client = SourceClient(TITLE, api_base_url or REGIONS[region], auth=self.token, transport=transport,
                                   sleep=sleep, now=now, retry=retry, timeout=timeout, refresh_on=(401, 403))
        self.buckets = {op: TokenBucket(rate, burst, now, sleep) for op, (rate, burst) in USAGE_PLANS.items()}
        self.read_refunds = True  # off after Amazon refuses the Finances API (no Finance and Accounting role)

    def close(self) -> None:
        self.client.close()
        self._lwa.close()

    # -- the port ------------------------------------------------------------------------------

    def fetch_order(self, order_id: str) -> Optional[Order]:
        order_id = order_id.strip()
        if not ORDER_ID.fullmatch(order_id):
            return None  # not an Amazon order id: not worth a Restricted Data Token
        path = f"/orders/v0/orders/{order_id}"
        response = self._get("getOrder", path, restricted=True)
        if response is None:
            return None
        order = (self.client.json(response) or {}).get("payload")
        if not isinstance(order, Mapping):
            raise SourceError(TITLE, "getOrder answered without a payload")
        return read_order(order, self._items(order_id), self.client.now(), self._refunded(order_id))

    def orders_changed_since(self, cursor: Optional[str]) -> OrderPage:
        state = read_cursor(cursor, TITLE)
        since = state.get("since") or _iso(self.client.now() - self.first_sync.total_seconds())
        params: Dict[str, Any] = {"MarketplaceIds": ",".join(self.marketplace_ids)}
        if state.get("next"):
            params["NextToken"] = state["next"]
        else:
            params["LastUpdatedAfter"] = since
        response = self._get("getOrders", "/orders/v0/orders", params=params, restricted=True)
        payload = (self.client.json(response) or {}).get("payload") if response is not None else None
        if not isinstance(payload, Mapping):
            raise SourceError(TITLE, "getOrders answered without a payload")
        raw = [o for o in items_of(payload, "Orders")]
        now = self.client.now()
        orders = tuple(read_order(o, self._items(str(o.get("AmazonOrderId"))), now,
                                  self._refunded(str(o.get("AmazonOrderId")))) for o in raw)
        newest = max([str(o.get("LastUpdateDate")) for o in raw if o.get("LastUpdateDate")] + [since])
        if payload.get("NextToken"):
            return OrderPage(orders, json.dumps({"since": since, "next": payload["NextToken"]}), more=True)
        return OrderPage(orders, json.dumps({"since": newest}), more=False)

    # -- set-up --------------------------------------------------------------------------------

    def check(self) -> Dict[str, Any]:
        """What the credentials can read (for `sources add`): a token, the orders of the last day,
        and whether buyer data (an RDT) is granted."""
        self.token.headers()
        self._get("getOrders", "/orders/v0/orders", params={
            "MarketplaceIds": ",".join(self.marketplace_ids),
            "CreatedAfter": _iso(self.client.now() - 86400)}, restricted=False)
        readable = ["orders (getOrder, getOrders, getOrderItems)"]
        missing: List[str] = []
        try:
            self._rdt("/orders/v0/orders")
            readable.append("buyer relay email and shipping postcode (RDT)")
        except SourceError as exc:
            if exc.retryable:
                raise
            missing.append("Direct-to-Consumer Delivery (Restricted) role: buyers are verified only "
                           "by what Amazon sends without an RDT")
        return {"account": f"marketplaces {', '.join(self.marketplace_ids)}", "scopes": readable, "missing": missing}

    # -- requests ------------------------------------------------------------------------------

    def _fetch_token(self) -> Tuple[str, float]:
        response = self._lwa.request("POST", "/auth/o2/token", data=self._credentials, use_auth=False)
        body = self._lwa.json(response)
        if not response.is_success or not isinstance(body, Mapping) or not body.get("access_token"):
            code = body.get("error") if isinstance(body, Mapping) else None
            raise SourceError(TITLE, f"Login with Amazon refused the refresh token ({code or response.status_code}): "
                                     f"{error_message(response)}; authorise the app again", retryable=False,
                              status=response.status_code)
        return str(body["access_token"]), float(body.get("expires_in") or 3600)

    def _rdt(self, path: str) -> str:
        self.buckets["createRestrictedDataToken"].take()
        refused = ("a Restricted Data Token for buyer data was refused ({}): the app needs the "
                   "Direct-to-Consumer Delivery (Restricted) role, or set AMAZON_PII=none")
        try:
            response = self.client.request("POST", "/tokens/2021-03-01/restrictedDataToken", json={
                "restrictedResources": [{"method": "GET", "path": path, "dataElements": PII_ELEMENTS}]})
        except SourceError as exc:
            if exc.status == 403:
                raise SourceError(TITLE, refused.format("HTTP 403"), retryable=False, status=403) from None
            raise
        if not response.is_success:
            raise SourceError(TITLE, refused.format(error_message(response)), retryable=False,
                              status=response.status_code)
        body = self.client.json(response)
        token = body.get("restrictedDataToken") if isinstance(body, Mapping) else None
        if not token:
            raise SourceError(TITLE, "createRestrictedDataToken answered without a token")
        return str(token)

    def _get(self, operation: str, path: str, *, params: Optional[Mapping[str, Any]] = None,
             restricted: bool = False) -> Optional[httpx.Response]:
        """GET one operation within its usage plan; None for an order Amazon does not know."""
        headers = {}
        if restricted and self.pii == "rdt":
            headers["x-amz-access-token"] = self._rdt(path)
        self.buckets[operation].take()
        response = self.client.request("GET", path, params=params, headers=headers)
        if response.status_code == 404 or (response.status_code == 400 and operation == "getOrder"):
            return None  # NotFound, or InvalidInput for an id that is not an Amazon order id
        if not response.is_success:
            raise SourceError(TITLE, f"{operation} answered HTTP {response.status_code}: {error_message(response)}",
                              retryable=False, status=response.status_code)
        return response

    def _items(self, order_id: str) -> List[Mapping[str, Any]]:
        items: List[Mapping[str, Any]] = []
        token: Optional[str] = None
        while True:
            response = self._get("getOrderItems", f"/orders/v0/orders/{order_id}/orderItems",
                                 params={"NextToken": token} if token else None)
            payload = (self.client.json(response) or {}).get("payload") if response is not None else None
            if not isinstance(payload, Mapping):
                raise SourceError(TITLE, f"getOrderItems for order {order_id} answered without a payload")
            try:
                items += items_of(payload, "OrderItems")
            except Malformed as exc:
                raise SourceError(TITLE, f"order {order_id} items cannot be read: {exc}", retryable=False) from None
            token = payload.get("NextToken")
            if not token:
                return items


    def _refunded(self, order_id: str) -> List[MarketplaceRefund]:
        """The order's refunds, one per refunded order item (`line_id` is its OrderItemId, else its SKU:
        `_read` finds the line), from its refund events."""
        if not self.read_refunds:
            return []
        refunds: List[MarketplaceRefund] = []
        token: Optional[str] = None
        while True:
            try:
                response = self._get("listFinancialEventsByOrderId", f"/finances/v0/orders/{order_id}/financialEvents",
                                     params={"NextToken": token} if token else None)
            except SourceError as exc:
                if exc.retryable or exc.status not in (401, 403):
                    raise
                self.read_refunds = False
                log.warning("%s: the Finances API is refused (the app needs the Finance and Accounting role): "
                            "refunds are not read", TITLE)
                return []
            payload = (self.client.json(response) or {}).get("payload") if response is not None else None
            events = (payload or {}).get("FinancialEvents") if isinstance(payload, Mapping) else None
            try:
                for event in items_of(events if isinstance(events, Mapping) else {}, "RefundEventList"):
                    posted = timestamp(event, "PostedDate", required=False)
                    items = items_of(event, "ShipmentItemAdjustmentList")
                    for item in items:
                        refunds.extend(_refund(order_id, posted, item, len(refunds)))
                    if not items:  # no item: the order's charges refunded (shipping, say), on no line
                        refunds.extend(_order_refund(order_id, posted, event, len(refunds)))
            except Malformed as exc:
                raise SourceError(TITLE, f"order {order_id} refunds cannot be read: {exc}", retryable=False) from None
            token = payload.get("NextToken") if isinstance(payload, Mapping) else None
            if not token:
                return refunds


def _charged(charges: Sequence[Mapping[str, Any]]) -> Optional[Money]:
    """The sum of the charges' `ChargeAmount`s (refunds are negative: their size), None when none has one."""
    value: Optional[Money] = None
    for charge in charges:
        money = obj(charge, "ChargeAmount", required=False)
        raw = money.get("CurrencyAmount")
        if isinstance(raw, (int, float, str)) and not isinstance(raw, bool):
            number = amount(str(raw).strip().lstrip("-"), "ChargeAmount.CurrencyAmount") or Decimal(0)
            code = currency(money.get("CurrencyCode"), "ChargeAmount.CurrencyCode")
            value = Money(number + (value.amount if value else Decimal(0)), code)
    return value


def _order_refund(order_id: str, posted: Optional[datetime], event: Mapping[str, Any], position: int
                  ) -> List[MarketplaceRefund]:
    """A refund event with no `ShipmentItemAdjustmentList`: the sum of its `OrderChargeAdjustmentList`
    (negative amounts), a refund on no line keyed by the order and `PostedDate` (Amazon gives it no id)."""
    value = _charged(items_of(event, "OrderChargeAdjustmentList"))
    if value is None or value.amount <= 0:
        return []
    return [MarketplaceRefund(f"{order_id}/order/{posted.isoformat() if posted else position}", "", 0, posted, value)]


def _refund(order_id: str, posted: Optional[datetime], item: Mapping[str, Any], position: int
            ) -> List[MarketplaceRefund]:
    """One `ShipmentItemAdjustmentList` item of a refund event: its units (`QuantityShipped`), the
    principal refunded (`ItemChargeAdjustmentList`, negative amounts), keyed by its
    `OrderAdjustmentItemId` (else the order item and the event's time)."""
    key = text(item, "OrderItemId", required=False) or text(item, "SellerSKU", required=False)
    units = quantity(item.get("QuantityShipped", 0), "QuantityShipped")
    if not key or units <= 0:
        return []
    refund_id = text(item, "OrderAdjustmentItemId", required=False) or \
        f"{order_id}/{key}/{posted.isoformat() if posted else position}"
    principal = [c for c in items_of(item, "ItemChargeAdjustmentList") if c.get("ChargeType") == "Principal"]
    value = _charged(principal)
    return [MarketplaceRefund(refund_id, key, units, posted, value)]


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_order(order: Mapping[str, Any], items: Sequence[Mapping[str, Any]], now: float,
               refunded: Sequence[MarketplaceRefund] = ()) -> Order:
    """An Orders v0 `Order` and its `OrderItem`s as returnbot's `Order` (`now`: the wall clock, to
    tell a shipped order past its latest delivery date; `refunded`: the order's refunds, each naming
    its order item by id or SKU)."""
    try:
        return _read(order, items, now, refunded)
    except Malformed as exc:
        ref = order.get("AmazonOrderId") if isinstance(order, Mapping) else None
        raise SourceError(TITLE, f"order {ref or '?'} cannot be read: {exc}", retryable=False) from None


def _read(order: Mapping[str, Any], items: Sequence[Mapping[str, Any]], now: float,
          refunded: Sequence[MarketplaceRefund]) -> Order:
    order_id = text(order, "AmazonOrderId")
    channel = text(order, "FulfillmentChannel", required=False)
    if channel not in (None, "AFN", "MFN"):
        raise Malformed(f"FulfillmentChannel {channel[:10]!r} is not AFN or MFN")
    total = obj(order, "OrderTotal", required=False)
    order_currency = currency(total.get("CurrencyCode"), "OrderTotal.CurrencyCode") if total else None
    lines: List[OrderLine] = []
    refunds: List[MarketplaceRefund] = []
    for item in items:
        ordered = quantity(item.get("QuantityOrdered"), "QuantityOrdered")
        price = obj(item, "ItemPrice", required=False)
        line_total = amount(price.get("Amount"), "ItemPrice.Amount") if price else None
        if price and order_currency is None:
            order_currency = currency(price.get("CurrencyCode"), "ItemPrice.CurrencyCode")
        unit = (line_total / ordered).quantize(Decimal("0.01")) if line_total is not None and ordered else Decimal(0)
        line_id = text(item, "OrderItemId")
        sku = text(item, "SellerSKU", required=False) or text(item, "ASIN")
        mine = [r for r in refunded if r.line_id == line_id] or [r for r in refunded if r.line_id == sku]
        refunds.extend(replace(r, line_id=line_id) for r in mine)
        back = sum(r.quantity for r in mine)
        lines.append(OrderLine(line_id=line_id, sku=sku,
                               title=text(item, "Title", required=False, max_len=500) or line_id,
                               category="general", quantity=ordered, unit_price=unit,
                               returned_quantity=min(back, ordered)))
    raw_status = text(order, "OrderStatus")
    status = STATUS.get(raw_status, OrderStatus.PROCESSING)
    easy_ship = text(order, "EasyShipShipmentStatus", required=False, max_len=40)
    if easy_ship in EASY_SHIP_MOVING and status is OrderStatus.PROCESSING:
        status = OrderStatus.SHIPPED  # the carrier has it, whatever OrderStatus says yet
    shipped_at = delivered_at = due_by = None
    latest_delivery = timestamp(order, "LatestDeliveryDate", required=False)
    if status == OrderStatus.SHIPPED:
        shipped_at = timestamp(order, "LatestShipDate", required=False)
        if easy_ship == "Delivered":  # Easy Ship reports delivery; the time is the order's last update
            status = OrderStatus.DELIVERED
            delivered_at = timestamp(order, "LastUpdateDate", required=False) or latest_delivery
        elif easy_ship is None and raw_status == "Shipped" and latest_delivery and latest_delivery.timestamp() <= now:
            status, delivered_at = OrderStatus.DELIVERED, latest_delivery
        elif easy_ship not in EASY_SHIP_TROUBLE:
            due_by = latest_delivery
    buyer = obj(order, "BuyerInfo", required=False)
    address = obj(order, "ShippingAddress", required=False)
    country = text(address, "CountryCode", required=False) or ""
    customer = Customer(email=text(buyer, "BuyerEmail", required=False, max_len=320) or "",
                        name=text(address, "Name", required=False, max_len=200) or "",
                        postcode=stored_postcode(text(address, "PostalCode", required=False) or "", country),
                        country=country)
    return Order(order_id=order_id, channel=SalesChannel.AMAZON,
                 fulfillment=Fulfillment.FBA if channel == "AFN" else Fulfillment.MERCHANT,
                 customer=customer, placed_at=timestamp(order, "PurchaseDate"), status=status,
                 currency=order_currency or "USD", lines=tuple(lines), shipped_at=shipped_at, delivered_at=delivered_at,
                 due_by=due_by, refunds=tuple(refunds) + tuple(r for r in refunded if not r.line_id))
