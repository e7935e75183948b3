"""Plain-language descriptions of an order's delivery and a return's progress (pure).

The fixed sentences live in domain.yml; these build the parts that depend on live data.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable, Optional, Sequence

from bot.models import Order, OrderLine, OrderStatus, Resolution, Rma, RmaStatus

if TYPE_CHECKING:
    from bot.platforms import ExternalReturn

BANK_DAYS = "banks usually show it within 3-5 business days"


def day(moment: Optional[datetime]) -> str:
    return moment.strftime("%-d %B %Y") if moment else "an unknown date"


def item_name(line: Optional[OrderLine]) -> str:
    if line is None:
        return "the item"
    return line.title if line.quantity == 1 else f"{line.title} (x{line.returnable_quantity or line.quantity})"


def delivery_status(order: Order) -> str:
    if order.status is OrderStatus.PROCESSING:
        return "is being prepared and hasn't shipped yet; you'll get a tracking number as soon as it leaves."
    if order.status is OrderStatus.CANCELLED:
        return "was cancelled."
    if order.status is OrderStatus.DELIVERED:
        return f"was delivered on {day(order.delivered_at)}."
    return f"is on its way: it shipped on {day(order.shipped_at)}."


def ship_by_date(rma: Rma, ship_back_days: int) -> datetime:
    """The last day to send a returned item back."""
    return rma.created_at + timedelta(days=ship_back_days)


def resolution_text(resolution: Resolution, amount: str) -> str:
    return {
        Resolution.REFUND: f"We'll refund {amount} as soon as it arrives back with us.",
        Resolution.EXCHANGE: "We'll send your exchange as soon as it arrives back with us.",
        Resolution.STORE_CREDIT: f"You'll get {amount} in store credit as soon as it arrives back with us.",
        Resolution.REPLACEMENT: "We'll send a replacement as soon as it arrives back with us.",
    }[resolution]


def return_progress(rma: Rma, item: str, ship_back_days: int, slip_url: Optional[str] = None) -> str:
    """One sentence on where a return and its refund stand."""
    head = f"{rma.rma_id} ({item}):"
    if rma.status in (RmaStatus.LABEL_CREATED, RmaStatus.AUTHORISED) and slip_url:
        ship_by = day(ship_by_date(rma, ship_back_days))
        return (f"Your return label has been generated. RMA number is {rma.rma_id} ({item}); instructions and "
                f"the label are here: {slip_url} . Please send it by {ship_by}.")
    amount = str(rma.refund)
    if rma.status is RmaStatus.REFUNDED:
        return f"{head} refunded {amount} on {day(rma.refunded_at)}; {BANK_DAYS}."
    if rma.status is RmaStatus.REJECTED:
        return f"{head} the return was not accepted. A member of our team can explain why."
    if rma.status is RmaStatus.PENDING_REVIEW:
        return f"{head} our team is reviewing it and will reply here."
    if rma.status in (RmaStatus.RECEIVED, RmaStatus.INSPECTED):
        return f"{head} we've received it and the {rma.resolution.value.replace('_', ' ')} of {amount} is being processed."
    if rma.status is RmaStatus.IN_TRANSIT:
        return f"{head} it's on its way back to us; the {rma.resolution.value.replace('_', ' ')} follows when it arrives."
    ship_by = day(ship_by_date(rma, ship_back_days))
    return (f"{head} approved on {day(rma.created_at)}, waiting for you to send it (by {ship_by}); "
            f"the {rma.resolution.value.replace('_', ' ')} of {amount} follows when it arrives.")


def returns_summary(rmas: Sequence[Rma], order: Order, ship_back_days: int,
                    slip_url: Callable[[Rma], Optional[str]] = lambda rma: None) -> str:
    return " ".join(return_progress(rma, item_name(order.line(rma.line_id)), ship_back_days, slip_url(rma))
                    for rma in rmas)


def platform_return_progress(found: "ExternalReturn") -> str:
    """One sentence on a return made in the merchant's returns platform (AfterShip, Loop)."""
    items = ", ".join(item.title for item in found.items if item.title) or "your items"
    head = f"{found.rma_number} ({items}):"
    if found.status is RmaStatus.REFUNDED:
        amount = f"{found.refund} " if found.refund else ""
        return f"{head} refunded {amount}on {day(found.refunded_at or found.updated_at)}; {BANK_DAYS}."
    if found.status is RmaStatus.REJECTED:
        return f"{head} the return was not accepted. A member of our team can explain why."
    if found.status is RmaStatus.PENDING_REVIEW:
        return f"{head} our team is reviewing it."
    if found.status in (RmaStatus.RECEIVED, RmaStatus.INSPECTED):
        return f"{head} we've received it and your refund or exchange is being processed."
    if found.status is RmaStatus.IN_TRANSIT:
        return f"{head} it's on its way back to us."
    if found.label_url:
        return (f"Your return label has been generated. RMA number is {found.rma_number} ({items}); instructions "
                f"and the label are here: {found.label_url} .")
    return f"{head} approved on {day(found.created_at)}."
