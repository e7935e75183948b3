"""Fake Shopify Admin GraphQL, Amazon SP-API (with Login with Amazon) and eBay Sell Fulfillment
APIs for `httpx.MockTransport`, answering in the shapes each vendor documents (docs/sources.md says
which fields are from the documentation and which assumed). Each fake keeps its orders in a dict a
test can change between calls, records every request, and can be told to fail the next requests
(`fail_next`: a list of (status, body) answered before the real one).

`FakeClock` is the injected clock: `sleep` records the wait and moves time on, nothing really waits.
"""
from __future__ import annotations

import json
from decimal import Decimal
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs

import httpx

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@dataclass
class FakeClock:
    t: float = T0
    slept: List[float] = field(default_factory=list)

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


class _Fake:
    def __init__(self) -> None:
        self.requests: List[httpx.Request] = []
        self.fail_next: List[Tuple[int, Any]] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail_next:
            status, body = self.fail_next.pop(0)
            if isinstance(body, Exception):
                raise body
            return httpx.Response(status, json=body, headers={"Retry-After": "2"} if status == 429 else {})
        return self.route(request)

    def route(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError

    def paths(self) -> List[str]:
        return [r.url.path for r in self.requests]


# -- Shopify Admin GraphQL ---------------------------------------------------------------------

def shopify_order(number: int = 1001, *, email: str = "jane@example.com", zip_code: str = "94107",
                  updated: str = "2026-01-02T10:00:00Z", fulfilled: bool = True, delivered: bool = True,
                  cancelled: bool = False, refunds: Optional[list] = None) -> Dict[str, Any]:
    """An `Order` node with the fields the adapter asks for (Admin GraphQL 2025-01)."""
    fulfillments = []
    if fulfilled:
        fulfillments.append({"createdAt": "2026-01-02T09:00:00Z",
                             "deliveredAt": "2026-01-04T15:00:00Z" if delivered else None,
                             "displayStatus": "DELIVERED" if delivered else "IN_TRANSIT",
                             "trackingInfo": [{"company": "UPS", "number": "1Z999AA10123456784"}]})
    return {
        "id": f"gid://shopify/Order/{5000000 + number}", "name": f"#{number}", "email": email,
        "createdAt": "2026-01-01T12:00:00Z", "updatedAt": updated,
        "cancelledAt": "2026-01-01T13:00:00Z" if cancelled else None, "currencyCode": "USD",
        "displayFulfillmentStatus": "FULFILLED" if fulfilled else "UNFULFILLED",
        "shippingAddress": {"zip": zip_code, "countryCodeV2": "US", "name": "Jane Doe"},
        "lineItems": {"nodes": [
            {"id": "gid://shopify/LineItem/111", "sku": "SHOE-42", "name": "Trail shoe 42", "quantity": 2,
             "originalUnitPriceSet": {"shopMoney": {"amount": "89.99", "currencyCode": "USD"}},
             "product": {"productType": "Shoes"}},
            {"id": "gid://shopify/LineItem/112", "sku": "SOCK-M", "name": "Socks M", "quantity": 1,
             "originalUnitPriceSet": {"shopMoney": {"amount": "9.50", "currencyCode": "USD"}},
             "product": None},
        ]},
        "fulfillments": fulfillments,
        "refunds": refunds or [],
    }


def shopify_refund(line: int, count: int, restock: str = "RETURN", *, refund_id: int = 0,
                   at: str = "2026-01-05T10:00:00Z", price: str = "89.99") -> Dict[str, Any]:
    """A `Refund` node: `count` units of line item `line` (its `subtotalSet`: `count` x `price`)."""
    number = refund_id or 800000 + line * 10 + count
    return {"id": f"gid://shopify/Refund/{number}", "createdAt": at, "refundLineItems": {"nodes": [
        {"quantity": count, "restockType": restock, "lineItem": {"id": f"gid://shopify/LineItem/{line}"},
         "subtotalSet": {"shopMoney": {"amount": f"{Decimal(price) * count:.2f}", "currencyCode": "USD"}}}]}}


def shopify_order_refund(amount: str, *, refund_id: int = 900001, at: str = "2026-01-05T10:00:00Z") -> Dict[str, Any]:
    """A `Refund` node with no refund line items (shipping only, an amount on the order): `totalRefundedSet`."""
    return {"id": f"gid://shopify/Refund/{refund_id}", "createdAt": at, "refundLineItems": {"nodes": []},
            "totalRefundedSet": {"shopMoney": {"amount": amount, "currencyCode": "USD"}}}


def throttle(available: float, maximum: float = 2000.0, rate: float = 100.0, cost: int = 60) -> Dict[str, Any]:
    return {"cost": {"requestedQueryCost": cost, "actualQueryCost": 12, "throttleStatus": {
        "maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": rate}}}


class FakeShopify(_Fake):
    """POST /admin/api/<version>/graphql.json; `X-Shopify-Access-Token` must be `token`."""

    def __init__(self, token: str = "shpat_good") -> None:
        super().__init__()
        self.token = token
        self.orders: Dict[str, Dict[str, Any]] = {}
        self.available = 2000.0
        self.cost = 60  # each query's requestedQueryCost
        self.throttled = 0  # how many next queries answer THROTTLED
        self.scopes = ["read_orders", "read_fulfillments", "read_returns"]
        self.returns: Dict[str, List[Dict[str, Any]]] = {}  # order name -> returns made with returnCreate
        self.refuse_returns = False  # returnCreate answers userErrors

    def add(self, order: Dict[str, Any]) -> None:
        self.orders[order["name"]] = order

    def route(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/graphql.json") or request.method != "POST":
            return httpx.Response(404, json={"errors": "Not Found"})
        if request.headers.get("X-Shopify-Access-Token") != self.token:
            return httpx.Response(401, json={"errors": "[API] Invalid API key or access token (unrecognized login "
                                                       "or wrong password)"})
        if self.throttled:
            self.throttled -= 1
            return httpx.Response(200, json={"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": throttle(0.0)})
        body = json.loads(request.content)
        query, variables = body["query"], body.get("variables") or {}
        if "currentAppInstallation" in query:
            data: Dict[str, Any] = {"shop": {"name": "Demo", "myshopifyDomain": "demo.myshopify.com",
                                             "currencyCode": "USD"},
                                    "currentAppInstallation": {"accessScopes": [{"handle": s} for s in self.scopes]}}
        elif "returnCreate" in query:
            data = {"returnCreate": self._return_create(variables["input"])}
        elif "fulfillmentLineItems" in query:
            found = self._search({**variables, "first": 5})
            data = {"orders": {**found, "nodes": [self._returnable(o) for o in found["nodes"]]}}
        elif "order(id:" in query:
            data = {"order": next((o for o in self.orders.values() if o["id"] == variables["id"]), None)}
        else:
            data = {"orders": self._search(variables)}
        return httpx.Response(200, json={"data": data, "extensions": throttle(self.available, cost=self.cost)})

    def _returnable(self, order: Dict[str, Any]) -> Dict[str, Any]:
        """The order with its fulfilment line items (one per line, all of it) and its returns."""
        items = [{"id": "gid://shopify/FulfillmentLineItem/9" + li["id"].rsplit("/", 1)[-1],
                  "quantity": li["quantity"], "lineItem": {"id": li["id"]}} for li in order["lineItems"]["nodes"]]
        fulfillments = [{"fulfillmentLineItems": {"nodes": items}}] if order["fulfillments"] else []
        return {"id": order["id"], "name": order["name"], "fulfillments": fulfillments,
                "returns": {"nodes": self.returns.get(order["name"], [])}}

    def _return_create(self, given: Dict[str, Any]) -> Dict[str, Any]:
        order = next(o for o in self.orders.values() if o["id"] == given["orderId"])
        if self.refuse_returns:
            return {"return": None, "userErrors": [{"field": ["returnInput"], "code": "INVALID",
                                                    "message": "Return line item quantity is not returnable"}]}
        made = {"id": f"gid://shopify/Return/{len(sum(self.returns.values(), [])) + 1}",
                "name": f"{order['name']}-R{len(self.returns.get(order['name'], [])) + 1}", "status": "OPEN",
                "returnLineItems": {"nodes": [{"returnReasonNote": li.get("returnReasonNote", ""),
                                               "quantity": li["quantity"], "returnReason": li["returnReason"],
                                               "fulfillmentLineItemId": li["fulfillmentLineItemId"]}
                                              for li in given["returnLineItems"]]}}
        self.returns.setdefault(order["name"], []).append(made)
        return {"return": {k: made[k] for k in ("id", "name", "status")}, "userErrors": []}

    def _search(self, variables: Dict[str, Any]) -> Dict[str, Any]:
        q = variables.get("query") or ""
        nodes = sorted(self.orders.values(), key=lambda o: o["updatedAt"])
        if q.startswith("name:"):
            name = json.loads(q[5:])
            nodes = [o for o in nodes if o["name"] == name]
        elif q.startswith("updated_at:>"):
            since = q[len("updated_at:>"):].strip("'")
            nodes = [o for o in nodes if o["updatedAt"] > since]
        start = int(variables["after"]) if variables.get("after") else 0
        variables = {"first": 50, **variables}
        page = nodes[start:start + variables["first"]]
        more = start + variables["first"] < len(nodes)
        return {"pageInfo": {"hasNextPage": more, "endCursor": str(start + len(page)) if page else None},
                "nodes": page}


# -- Amazon SP-API Orders v0 -------------------------------------------------------------------

def amazon_order(order_id: str = "113-1234567-1234567", *, channel: str = "AFN", status: str = "Shipped",
                 updated: str = "2026-01-02T10:00:00Z", latest_delivery: str = "2026-01-06T07:59:59Z",
                 easy_ship: Optional[str] = None) -> Dict[str, Any]:
    """An Orders v0 `Order` without restricted data (what getOrder answers without an RDT); with
    `easy_ship`, an Easy Ship order's `EasyShipShipmentStatus`."""
    extra = {"EasyShipShipmentStatus": easy_ship} if easy_ship else {}
    return {**extra,
        "AmazonOrderId": order_id, "PurchaseDate": "2026-01-01T12:00:00Z", "LastUpdateDate": updated,
        "OrderStatus": status, "FulfillmentChannel": channel, "SalesChannel": "Amazon.com",
        "OrderTotal": {"CurrencyCode": "USD", "Amount": "59.98"}, "NumberOfItemsShipped": 2,
        "NumberOfItemsUnshipped": 0, "MarketplaceId": "ATVPDKIKX0DER", "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder", "EarliestShipDate": "2026-01-01T08:00:00Z",
        "LatestShipDate": "2026-01-02T07:59:59Z", "EarliestDeliveryDate": "2026-01-03T08:00:00Z",
        "LatestDeliveryDate": latest_delivery, "IsPrime": False,
        "ShippingAddress": {"StateOrRegion": "WA", "City": "SEATTLE", "CountryCode": "US"},
    }


AMAZON_ITEMS = [{"ASIN": "B00TEST123", "SellerSKU": "MUG-RED", "OrderItemId": "68828574383266",
                 "Title": "Red mug", "QuantityOrdered": 2, "QuantityShipped": 2,
                 "ItemPrice": {"CurrencyCode": "USD", "Amount": "59.98"}}]
RELAY = "0x1abc2def3gh4ij5@marketplace.amazon.com"


class FakeAmazon(_Fake):
    """LWA's /auth/o2/token and SP-API's Orders v0 and Tokens 2021-03-01. With `pii_role`, an RDT is
    granted and a getOrder made with it carries BuyerInfo and the full ShippingAddress."""

    def __init__(self, refresh_token: str = "Atzr|good", pii_role: bool = True, lifetime: int = 3600) -> None:
        super().__init__()
        self.refresh_token, self.pii_role, self.lifetime = refresh_token, pii_role, lifetime
        self.orders: Dict[str, Dict[str, Any]] = {}
        self.items: Dict[str, List[Dict[str, Any]]] = {}
        self.issued: List[str] = []
        self.page_size = 100
        self.finance_role = True
        self.refunds: Dict[str, List[Dict[str, Any]]] = {}  # order id -> ShipmentItemAdjustmentList items
        self.order_refunds: Dict[str, List[Dict[str, Any]]] = {}  # order id -> OrderChargeAdjustmentList (no item)
        self.refund_posted = "2026-01-05T10:00:00Z"  # the refund event's PostedDate

    def add(self, order: Dict[str, Any], items: Optional[List[Dict[str, Any]]] = None) -> None:
        self.orders[order["AmazonOrderId"]] = order
        self.items[order["AmazonOrderId"]] = items if items is not None else AMAZON_ITEMS

    def revoke_access_tokens(self) -> None:
        self.issued.clear()

    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/auth/o2/token":
            form = parse_qs(request.content.decode())
            if form.get("refresh_token") != [self.refresh_token] or form.get("grant_type") != ["refresh_token"]:
                return httpx.Response(400, json={"error_description": "The request has an invalid grant parameter "
                                                 ": refresh_token", "error": "invalid_grant"})
            token = f"Atza|access-{len(self.issued) + 1}"
            self.issued.append(token)
            return httpx.Response(200, json={"access_token": token, "refresh_token": self.refresh_token,
                                             "token_type": "bearer", "expires_in": self.lifetime})
        token = request.headers.get("x-amz-access-token", "")
        rdt = token.startswith("Atz.sprdt|")
        if token not in self.issued and not rdt:
            return httpx.Response(403, json={"errors": [{"code": "Unauthorized", "message": "Access to requested "
                                                         "resource is denied.", "details": "The access token you "
                                                         "provided has expired."}]})
        if path == "/tokens/2021-03-01/restrictedDataToken":
            if not self.pii_role:
                return httpx.Response(403, json={"errors": [{"code": "Unauthorized", "message": "Application does "
                                                             "not have access to one or more requested data elements",
                                                             "details": ""}]})
            resource = json.loads(request.content)["restrictedResources"][0]
            return httpx.Response(200, json={"restrictedDataToken": f"Atz.sprdt|{resource['path']}",
                                             "expiresIn": 3600})
        if rdt and token != f"Atz.sprdt|{path}":
            return httpx.Response(403, json={"errors": [{"code": "Unauthorized", "message": "RDT for another path"}]})
        parts = path.strip("/").split("/")
        if parts[:3] == ["finances", "v0", "orders"] and len(parts) == 5 and parts[4] == "financialEvents":
            if not self.finance_role:
                return httpx.Response(403, json={"errors": [{"code": "Unauthorized", "message": "Access to requested "
                                                             "resource is denied.", "details": ""}]})
            adjustments = self.refunds.get(parts[3], [])
            events = [{"AmazonOrderId": parts[3], "PostedDate": self.refund_posted, "MarketplaceName": "Amazon.com",
                       "ShipmentItemAdjustmentList": adjustments}] if adjustments else []
            if self.order_refunds.get(parts[3]):  # a refund event with no item: the order's charges
                events.append({"AmazonOrderId": parts[3], "PostedDate": self.refund_posted,
                               "MarketplaceName": "Amazon.com", "OrderChargeAdjustmentList": self.order_refunds[parts[3]]})
            return httpx.Response(200, json={"payload": {"FinancialEvents": {
                "ShipmentEventList": [], "RefundEventList": events, "GuaranteeClaimEventList": []}}})
        if parts[:3] != ["orders", "v0", "orders"]:
            return httpx.Response(404, json={"errors": [{"code": "NotFound", "message": "Resource not found"}]})
        if len(parts) == 3:
            return self._orders(request, rdt)
        order = self.orders.get(parts[3])
        if order is None:
            return httpx.Response(404, json={"errors": [{"code": "NotFound", "message": "Order not found"}]})
        if len(parts) == 5 and parts[4] == "orderItems":
            return httpx.Response(200, json={"payload": {"AmazonOrderId": parts[3],
                                                         "OrderItems": self.items[parts[3]]}})
        return httpx.Response(200, json={"payload": self._view(order, rdt)})

    def _view(self, order: Dict[str, Any], rdt: bool) -> Dict[str, Any]:
        if not rdt:
            return order
        return {**order, "BuyerInfo": {"BuyerEmail": RELAY},
                "ShippingAddress": {**order["ShippingAddress"], "Name": "Jane Doe", "AddressLine1": "1 Main St",
                                    "PostalCode": "98101-1234"}}

    def _orders(self, request: httpx.Request, rdt: bool) -> httpx.Response:
        params = request.url.params
        if "NextToken" in params:
            since, start = params["NextToken"].split("|")
            start = int(start)
        else:
            since, start = params.get("LastUpdatedAfter") or params.get("CreatedAfter") or "", 0
        rows = sorted((o for o in self.orders.values() if o["LastUpdateDate"] > since),
                      key=lambda o: o["LastUpdateDate"])
        page = rows[start:start + self.page_size]
        payload: Dict[str, Any] = {"Orders": [self._view(o, rdt) for o in page],
                                   "LastUpdatedBefore": "2026-01-10T00:00:00Z"}
        if start + self.page_size < len(rows):
            payload["NextToken"] = f"{since}|{start + self.page_size}"
        return httpx.Response(200, json={"payload": payload})


# -- eBay Sell Fulfillment ---------------------------------------------------------------------

def ebay_order(order_id: str = "12-34567-89012", *, updated: str = "2026-01-02T10:00:00.000Z",
               cancelled: bool = False, refunded: Optional[str] = None, refund_date: str = "2026-01-06T10:00:00.000Z",
               due: str = "2026-01-07T23:59:59.000Z", order_refunds: Optional[list] = None) -> Dict[str, Any]:
    """An `Order` of getOrder / getOrders (Sell Fulfillment v1); `order_refunds`: `paymentSummary.refunds`."""
    item = {"lineItemId": "10045678901234", "legacyItemId": "110551234567", "sku": "LAMP-01",
            "title": "Desk lamp", "quantity": 2, "lineItemCost": {"value": "50.00", "currency": "GBP"},
            "total": {"value": "54.00", "currency": "GBP"}, "lineItemFulfillmentStatus": "FULFILLED",
            "lineItemFulfillmentInstructions": {"minEstimatedDeliveryDate": "2026-01-04T23:59:59.000Z",
                                                "maxEstimatedDeliveryDate": due,
                                                "shipByDate": "2026-01-02T23:59:59.000Z", "guaranteedDelivery": False},
            "refunds": [{"refundId": "5000012345", "refundReferenceId": "ref-1",
                         "amount": {"value": refunded, "currency": "GBP"}, "refundDate": refund_date}]
            if refunded else []}
    return {
        "orderId": order_id, "legacyOrderId": "110551234567-2345678901!0", "creationDate": "2026-01-01T12:00:00.000Z",
        "lastModifiedDate": updated, "orderFulfillmentStatus": "FULFILLED", "orderPaymentStatus": "PAID",
        "sellerId": "demo_seller",
        "buyer": {"username": "jane_buys", "buyerRegistrationAddress": {
            "fullName": "Jane Doe", "email": "jane@example.co.uk",
            "contactAddress": {"postalCode": "SW1A 1AA", "countryCode": "GB"}}},
        "pricingSummary": {"total": {"value": "54.00", "currency": "GBP"}},
        "paymentSummary": {"refunds": order_refunds or []},
        "cancelStatus": {"cancelState": "CANCELED" if cancelled else "NONE_REQUESTED", "cancelRequests": []},
        "fulfillmentStartInstructions": [{"fulfillmentInstructionsType": "SHIP_TO", "shippingStep": {
            "shippingCarrierCode": "Royal Mail", "shipTo": {"fullName": "Jane Doe", "email": "jane@example.co.uk",
                                                            "contactAddress": {"postalCode": "SW1A 1AA",
                                                                               "countryCode": "GB"}}}}],
        "lineItems": [item],
    }


EBAY_FULFILMENT = {"fulfillmentId": "9405509699937003457459", "shipmentTrackingNumber": "RM123456785GB",
                   "shippingCarrierCode": "ROYAL_MAIL", "shippedDate": "2026-01-02T09:00:00.000Z",
                   "lineItems": [{"lineItemId": "10045678901234", "quantity": 2}]}


class FakeEbay(_Fake):
    """/identity/v1/oauth2/token and /sell/fulfillment/v1/order[/{id}[/shipping_fulfillment]]."""

    def __init__(self, refresh_token: str = "v^1.1#good", lifetime: int = 7200) -> None:
        super().__init__()
        self.refresh_token, self.lifetime = refresh_token, lifetime
        self.orders: Dict[str, Dict[str, Any]] = {}
        self.fulfillments: Dict[str, List[Dict[str, Any]]] = {}
        self.issued: List[str] = []

    def add(self, order: Dict[str, Any], fulfillments: Optional[List[Dict[str, Any]]] = None) -> None:
        self.orders[order["orderId"]] = order
        self.fulfillments[order["orderId"]] = fulfillments if fulfillments is not None else [EBAY_FULFILMENT]

    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/identity/v1/oauth2/token":
            form = parse_qs(request.content.decode())
            if not request.headers.get("Authorization", "").startswith("Basic "):
                return httpx.Response(401, json={"error": "invalid_client",
                                                 "error_description": "client authentication failed"})
            if form.get("refresh_token") != [self.refresh_token]:
                return httpx.Response(400, json={"error": "invalid_grant", "error_description": (
                    "the provided authorization refresh token is invalid or was issued to another client")})
            token = f"v^1.1#access-{len(self.issued) + 1}"
            self.issued.append(token)
            return httpx.Response(200, json={"access_token": token, "expires_in": self.lifetime,
                                             "token_type": "User Access Token"})
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.issued:
            return httpx.Response(401, json={"errors": [{"errorId": 1001, "domain": "OAuth", "category": "REQUEST",
                                                         "message": "Invalid access token",
                                                         "longMessage": "Invalid access token. Check the value of the "
                                                         "Authorization HTTP request header."}]})
        parts = path.strip("/").split("/")
        if parts[:4] != ["sell", "fulfillment", "v1", "order"]:
            return httpx.Response(404, json={"errors": [{"errorId": 2002, "message": "Resource not found"}]})
        if len(parts) == 4:
            return self._orders(request)
        order = self.orders.get(parts[4])
        if order is None:
            return httpx.Response(404, json={"errors": [{"errorId": 32100, "domain": "API_FULFILLMENT",
                                                         "category": "REQUEST", "message": "Invalid Order Id"}]})
        if len(parts) == 6 and parts[5] == "shipping_fulfillment":
            rows = self.fulfillments[parts[4]]
            return httpx.Response(200, json={"fulfillments": rows, "total": len(rows)})
        return httpx.Response(200, json=order)

    def _orders(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        limit, offset = int(params.get("limit", 50)), int(params.get("offset", 0))
        since = ""
        flt = params.get("filter") or ""
        if flt.startswith("lastmodifieddate:["):
            since = flt[len("lastmodifieddate:["):].split("..")[0]
        rows = sorted((o for o in self.orders.values() if o["lastModifiedDate"] > since),
                      key=lambda o: o["lastModifiedDate"])
        page = rows[offset:offset + limit]
        body: Dict[str, Any] = {"href": str(request.url), "total": len(rows), "limit": limit, "offset": offset,
                                "orders": page}
        if offset + limit < len(rows):
            body["next"] = (f"https://api.ebay.com/sell/fulfillment/v1/order?filter={flt}&limit={limit}"
                            f"&offset={offset + limit}")
        return httpx.Response(200, json=body)
