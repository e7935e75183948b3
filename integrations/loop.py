"""Loop Returns: the merchant's returns and their state, read with Loop's Detailed Returns List.

API (https://docs.loopreturns.com/api-reference/latest/return-data/detailed-returns-list):
`GET /warehouse/return/list` with the `X-Authorization` header (a key with the Returns scope), with
`from` / `to` (at most 120 days apart), `filter=updated_at` and `state`, which defaults to open,
closed and expired only, so each state is asked for in turn. With `paginate=true` (`pageSize` up to
750) the answer is `{"returns": [...], "nextPageUrl": ..., "previousPageUrl": ...}`, followed until
`nextPageUrl` is null; without it, a bare list. Rate limit: 300 requests a minute per key, a 429
beyond it with no documented wait header (the shared client backs off).

Loop has no separate RMA number: the return's id is what its emails and status page show, so it
stands in. Each element of `line_items` is one unit; units of the same SKU are counted together.
"""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, AsyncIterator, Callable, List, Mapping, Optional, Tuple, Union

import httpx

from bot.models import Money, RmaStatus
from bot.platforms import ExternalReturn, PlatformError, Unreadable, order_id_candidates
from integrations.fields import Malformed, amount, currency, grouped, items_of, quantity, text, timestamp
from integrations.http import PlatformClient, Sleep

BASE_URL = "https://api.loopreturns.com/api/v1"
LIST_PATH = "warehouse/return/list"
PAGE_SIZE = 250
STATES = ("open", "review", "closed", "cancelled", "expired")  # every state the list can be asked for
WINDOW = timedelta(days=100)  # Loop refuses `from`..`to` spans over 120 days
MAX_PAGES = 10_000  # a guard against a platform that keeps sending the same next page

NAME, TITLE = "loop", "Loop Returns"

STATE = {
    "open": None, "review": RmaStatus.PENDING_REVIEW, "needs review": RmaStatus.PENDING_REVIEW,
    "needs_review": RmaStatus.PENDING_REVIEW, "closed": None, "cancelled": RmaStatus.REJECTED,
    "canceled": RmaStatus.REJECTED, "expired": RmaStatus.REJECTED,
}
# label_status: the shipping label's tracking state (Loop's label statuses)
LABEL = {
    "new": RmaStatus.LABEL_CREATED, "pre_transit": RmaStatus.LABEL_CREATED, "in_transit": RmaStatus.IN_TRANSIT,
    "out_for_delivery": RmaStatus.IN_TRANSIT, "delivered": RmaStatus.RECEIVED,
}


def lifecycle_status(state: str, label_status: Optional[str], has_label: bool, refund: Optional[Decimal]) -> RmaStatus:
    """returnbot's status for a Loop return. An open return is authorised (Loop asks for review
    otherwise) and follows its label; a closed one is `refunded` when money went back, else
    `inspected` (an exchange or store credit settled it; the raw state says so)."""
    if state not in STATE:
        raise Malformed(f"state {state[:30]!r} is not one returnbot knows")
    if state == "closed":
        return RmaStatus.REFUNDED if refund else RmaStatus.INSPECTED
    if state != "open":
        return STATE[state]
    if label_status in LABEL:
        return LABEL[label_status]
    return RmaStatus.LABEL_CREATED if has_label else RmaStatus.AUTHORISED


def read_return(raw: Any, where: str) -> Union[ExternalReturn, Unreadable]:
    """One element of `returns`, or why it cannot be used."""
    try:
        return _read(raw)
    except Malformed as exc:
        ref = raw.get("id") if isinstance(raw, Mapping) else None
        return Unreadable(NAME, str(ref).strip()[:100] if isinstance(ref, (str, int)) and str(ref).strip() else where,
                          str(exc))


def _read(raw: Any) -> ExternalReturn:
    if not isinstance(raw, Mapping):
        raise Malformed("the return is not an object")
    return_id = text(raw, "id")
    order_name = text(raw, "order_name", required=False, max_len=64)
    order_number = (text(raw, "provider_order_number", required=False, max_len=64)
                    or text(raw, "order_number", required=False, max_len=64))
    if not order_name and not order_number:
        raise Malformed("neither order_name nor order_number is given")
    state = text(raw, "state", max_len=30).lower()
    label_status = text(raw, "label_status", required=False, max_len=30)
    label_url = text(raw, "label_url", required=False, max_len=2000)
    refund = amount(raw.get("refund"), "refund")
    refund = refund if refund else None
    created = timestamp(raw, "created_at")
    return ExternalReturn(
        platform=NAME, external_id=return_id, rma_number=return_id,
        order_id=order_id_candidates(order_name or "", order_number)[0], order_name=order_name or order_number,
        order_number=order_number,
        status=lifecycle_status(state, label_status and label_status.lower(), bool(label_url), refund),
        platform_status=f"{state}/{label_status}" if label_status else state,
        created_at=created, updated_at=max(created, timestamp(raw, "updated_at", required=False) or created,
                                           timestamp(raw, "edited_at", required=False) or created),
        items=grouped(_unit(i) for i in items_of(raw, "line_items")),
        label_url=label_url or text(raw, "status_page_url", required=False, max_len=2000),
        tracking_number=text(raw, "tracking_number", required=False), carrier=text(raw, "carrier", required=False,
                                                                                   max_len=64),
        refund=Money(refund, currency(raw.get("currency"), "currency")) if refund else None,
    )


def _unit(item: Mapping[str, Any]) -> Tuple[str, str, int]:
    count = item.get("quantity")
    return (text(item, "sku", required=False) or "", text(item, "title", required=False, max_len=500) or "",
            quantity(count, "line_items[].quantity") if count is not None else 1)


class LoopReturns:
    """`ReturnsPlatform` over Loop Returns."""

    name, title = NAME, TITLE

    def __init__(self, api_key: str, base_url: Optional[str] = None, *,
                 transport: Optional[httpx.AsyncBaseTransport] = None, sleep: Sleep = asyncio.sleep,
                 now: Callable[[], float] = time.time):
        self.http = PlatformClient(TITLE, base_url or BASE_URL, {"X-Authorization": api_key}, transport=transport,
                                   sleep=sleep, now=now)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def returns_updated_since(self, since: datetime, until: datetime
                                    ) -> AsyncIterator[Union[ExternalReturn, Unreadable]]:
        for state in STATES:
            start = since
            while start < until:
                end = min(start + WINDOW, until)
                async for raw, where in self._updated_between(state, start, end):
                    yield read_return(raw, where)
                start = end

    async def _updated_between(self, state: str, start: datetime, end: datetime) -> AsyncIterator[Tuple[Any, str]]:
        url: Optional[str] = LIST_PATH
        params: Optional[dict] = {"paginate": "true", "pageSize": PAGE_SIZE, "filter": "updated_at",
                                  "from": _loop_time(start), "to": _loop_time(end), "state": state}
        asked: List[str] = []
        while url is not None:
            if len(asked) >= MAX_PAGES or url in asked:
                raise PlatformError(TITLE, None, f"the list of {state} returns keeps sending the same next page")
            asked.append(url)
            returns, next_url = self._page(await self.http.get_json(url, params=params))
            for index, raw in enumerate(returns, 1):
                yield raw, f"{state} returns, page {len(asked)}, return {index}"
            url, params = (self.http.on_our_host(next_url), None) if next_url else (None, None)

    @staticmethod
    def _page(body: Any) -> Tuple[list, Optional[str]]:
        if isinstance(body, list):
            return body, None
        returns = body.get("returns") if isinstance(body, Mapping) else None
        if not isinstance(returns, list):
            raise PlatformError(TITLE, 200, "the answer has no returns list (has the API changed?)")
        next_url = body.get("nextPageUrl")
        return returns, next_url if isinstance(next_url, str) and next_url else None


def _loop_time(moment: datetime) -> str:
    """Loop's documented form `2023-01-01 00:00:00`, in UTC."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
