"""AfterShip Returns: the merchant's RMAs and their status, read with the Returns API.

API (https://www.aftership.com/docs/returns, version pinned in the base URL): `GET /returns` with
the `as-api-key` header, answered in AfterShip's envelope `{"meta": {...}, "data": {"returns": [...],
"pagination": {"total", "page", "limit", "has_next_page"}}}`; `page` goes to 200 at most and `limit`
to 50. The list filters on creation time only (`created_at_min` / `created_at_max`, and only the
last 365 days), and a return carries no single "updated at", so a sync reads every return created
in the last `active_for` (60 days by default) and keeps those whose latest event (approved,
rejected, resolved, refunded, expired, a tracking update, a receipt) is inside the span asked for.
A span holding more returns than 200 pages is read in halves. Rate limit: 10 requests a second per
organisation; a 429 carries Retry-After and a reset time, which the shared client honours.
"""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator, Callable, Mapping, Optional, Tuple, Union

import httpx

from bot.models import RmaStatus
from bot.platforms import ExternalReturn, PlatformError, Unreadable, order_id_candidates
from integrations.fields import Malformed, grouped, items_of, latest, money, obj, quantity, text, timestamp
from integrations.http import PlatformClient, Sleep

API_VERSION = "2026-01"
BASE_URL = f"https://api.aftership.com/returns/{API_VERSION}"
PAGE_LIMIT = 50  # the most AfterShip gives per page
MAX_PAGE = 200  # the last page number AfterShip accepts
ACTIVE_FOR = timedelta(days=60)  # returns created longer ago than this are assumed settled
KEPT_FOR = timedelta(days=365)  # AfterShip lists returns created in the last 365 days only
SMALLEST_SPAN = timedelta(minutes=1)

NAME, TITLE = "aftership", "AfterShip Returns"

# approval_status: the merchant's decision; `shipped` and `received` are the legacy API's words
APPROVAL = {
    "submitted": RmaStatus.PENDING_REVIEW, "approved": None, "shipped": RmaStatus.IN_TRANSIT,
    "received": RmaStatus.RECEIVED, "done": None, "rejected": RmaStatus.REJECTED, "expired": RmaStatus.REJECTED,
}
# shipping_status: where the parcel of an approved return is
SHIPPING = {
    "no_label": RmaStatus.AUTHORISED, "void": RmaStatus.AUTHORISED, "pending": RmaStatus.LABEL_CREATED,
    "in_transit": RmaStatus.IN_TRANSIT, "partially_dropped": RmaStatus.IN_TRANSIT, "dropped": RmaStatus.IN_TRANSIT,
    "delivered": RmaStatus.RECEIVED, "partially_received": RmaStatus.RECEIVED, "received": RmaStatus.RECEIVED,
}
# AfterShip Tracking's delivery statuses, for a shipment when the return has no shipping_status
TRACKING = {
    "pending": RmaStatus.LABEL_CREATED, "inforeceived": RmaStatus.LABEL_CREATED, "intransit": RmaStatus.IN_TRANSIT,
    "outfordelivery": RmaStatus.IN_TRANSIT, "attemptfail": RmaStatus.IN_TRANSIT,
    "availableforpickup": RmaStatus.IN_TRANSIT, "exception": RmaStatus.IN_TRANSIT, "delivered": RmaStatus.RECEIVED,
}


def lifecycle_status(approval: str, shipping: Optional[str], tracking: Optional[str], has_label: bool,
                     refunded: bool) -> RmaStatus:
    """returnbot's status for an AfterShip return. `done` (resolved) is `refunded` when money went
    back, else `inspected` (an exchange or store credit settled it; the raw status says which)."""
    if approval not in APPROVAL:
        raise Malformed(f"approval_status {approval[:30]!r} is not one returnbot knows")
    if approval == "done":
        return RmaStatus.REFUNDED if refunded else RmaStatus.INSPECTED
    if approval != "approved":
        return APPROVAL[approval]
    if shipping in SHIPPING:
        return SHIPPING[shipping]
    if tracking and tracking.lower() in TRACKING:
        return TRACKING[tracking.lower()]
    return RmaStatus.LABEL_CREATED if has_label else RmaStatus.AUTHORISED


def read_return(raw: Any, where: str) -> Union[ExternalReturn, Unreadable]:
    """One element of `data.returns`, or why it cannot be used."""
    try:
        return _read(raw)
    except Malformed as exc:
        ref = raw.get("rma_number") or raw.get("id") if isinstance(raw, Mapping) else None
        return Unreadable(NAME, str(ref).strip()[:100] if isinstance(ref, (str, int)) and str(ref).strip() else where,
                          str(exc))


def _read(raw: Any) -> ExternalReturn:
    if not isinstance(raw, Mapping):
        raise Malformed("the return is not an object")
    order = obj(raw, "order")
    order_name, order_number = text(order, "order_name", required=False, max_len=64), text(
        order, "order_number", required=False, max_len=64)
    if not order_name and not order_number:
        raise Malformed("order has neither order_name nor order_number")
    shipments = items_of(raw, "shipments")
    shipment = next((s for s in shipments if isinstance(s.get("label"), Mapping) and s["label"].get("url")),
                    shipments[0] if shipments else {})
    label = obj(shipment, "label", required=False)
    refunded_at = timestamp(raw, "refunded_at", required=False)
    refunded = money(raw.get("refunded_total"), "refunded_total")
    approval = text(raw, "approval_status", max_len=30).lower()
    shipping = text(raw, "shipping_status", required=False, max_len=30)
    label_url = text(label, "url", required=False, max_len=2000) or text(label, "qr_code_url", required=False,
                                                                         max_len=2000)
    created = timestamp(raw, "created_at")
    events = [timestamp(raw, key, required=False)
              for key in ("updated_at", "approved_at", "rejected_at", "resolved_at", "refunded_at", "expired_at")]
    events += [timestamp(s, key, required=False)
               for s in shipments for key in ("created_at", "tracking_status_updated_at")]
    events += [timestamp(r, "received_at", required=False) for r in items_of(raw, "receivings")]
    return ExternalReturn(
        platform=NAME, external_id=text(raw, "id"), rma_number=text(raw, "rma_number"),
        order_id=order_id_candidates(order_name or "", order_number)[0], order_name=order_name or order_number,
        order_number=order_number,
        status=lifecycle_status(approval, shipping, text(shipment, "tracking_status", required=False, max_len=40),
                                has_label=bool(label_url),
                                refunded=refunded_at is not None or bool(refunded and refunded.amount > 0)),
        platform_status=f"{approval}/{shipping}" if shipping else approval,
        created_at=created, updated_at=latest(created, *events),
        items=grouped(_item(i) for i in items_of(raw, "return_items")),
        label_url=label_url, tracking_number=text(shipment, "tracking_number", required=False),
        carrier=text(shipment, "slug", required=False, max_len=64) or text(label, "slug", required=False, max_len=64),
        refund=refunded or money(raw.get("estimated_refund_total"), "estimated_refund_total"),
        refunded_at=refunded_at,
    )


def _item(item: Mapping[str, Any]) -> Tuple[str, str, int]:
    title = text(item, "product_title", required=False, max_len=500) or ""
    variant = text(item, "variant_title", required=False, max_len=200)
    count = item.get("return_quantity", item.get("intended_return_quantity"))
    return (text(item, "sku", required=False) or "", f"{title} - {variant}" if title and variant else title,
            quantity(count if count is not None else 1, "return_items[].return_quantity"))


class AfterShipReturns:
    """`ReturnsPlatform` over AfterShip Returns."""

    name, title = NAME, TITLE

    def __init__(self, api_key: str, base_url: Optional[str] = None, *,
                 transport: Optional[httpx.AsyncBaseTransport] = None, sleep: Sleep = asyncio.sleep,
                 now: Callable[[], float] = time.time, active_for: timedelta = ACTIVE_FOR):
        self.http = PlatformClient(TITLE, base_url or BASE_URL, {"as-api-key": api_key}, transport=transport,
                                   sleep=sleep, now=now)
        self.active_for = active_for

    async def aclose(self) -> None:
        await self.http.aclose()

    async def returns_updated_since(self, since: datetime, until: datetime
                                    ) -> AsyncIterator[Union[ExternalReturn, Unreadable]]:
        start = max(min(since, until - self.active_for), until - KEPT_FOR)
        async for raw, where in self._created_between(start, until):
            found = read_return(raw, where)
            if isinstance(found, Unreadable) or found.updated_at >= since:
                yield found

    async def _created_between(self, start: datetime, end: datetime) -> AsyncIterator[Tuple[Any, str]]:
        page = 1
        while True:
            returns, pagination = self._page(await self.http.get_json("returns", params={
                "created_at_min": _iso(start), "created_at_max": _iso(end), "page": page, "limit": PAGE_LIMIT}))
            total = pagination.get("total")
            if page == 1 and isinstance(total, int) and total > MAX_PAGE * PAGE_LIMIT and end - start > SMALLEST_SPAN:
                middle = start + (end - start) / 2
                async for found in self._created_between(start, middle):
                    yield found
                async for found in self._created_between(middle, end):
                    yield found
                return
            for index, raw in enumerate(returns, 1):
                yield raw, f"page {page}, return {index}"
            if not returns or not _has_next(pagination, page, len(returns)):
                return
            if page >= MAX_PAGE:
                raise PlatformError(TITLE, None, f"more returns created between {_iso(start)} and {_iso(end)} "
                                                 f"than {MAX_PAGE} pages hold")
            page += 1

    @staticmethod
    def _page(body: Any) -> Tuple[list, Mapping[str, Any]]:
        data = body.get("data") if isinstance(body, Mapping) else None
        returns = data.get("returns") if isinstance(data, Mapping) else None
        if not isinstance(returns, list):
            raise PlatformError(TITLE, 200, "the answer has no data.returns list (has the API changed?)")
        pagination = data.get("pagination")
        return returns, pagination if isinstance(pagination, Mapping) else {}


def _has_next(pagination: Mapping[str, Any], page: int, count: int) -> bool:
    if isinstance(pagination.get("has_next_page"), bool):
        return pagination["has_next_page"]
    if isinstance(pagination.get("total"), int):
        return page * PAGE_LIMIT < pagination["total"]
    return count >= PAGE_LIMIT


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
