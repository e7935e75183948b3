"""What the customer is told about an order or a return once they are verified: the outcome of a
return request, where an order is, where their returns and refunds stand. Each returns `Say`s
(response keys of the catalogue with live values). Pure: the caller passes what it read."""
from __future__ import annotations

from typing import Callable, Optional, Sequence

from bot import replies
from bot.conversation.say import Say
from bot.models import Fulfillment, Order, OrderStatus, Outcome, Resolution, ReturnReason, Rma
from bot.services import ReturnResult
from bot.tracking import tracking_url

_KNOWN_INELIGIBLE = {"window_closed", "non_returnable_category", "nothing_left_to_return", "not_delivered",
                     "cancelled"}


def slip_attachment(rma_id: str, slip_url: Optional[str]):
    """Machine-readable slip details, so channels that can send files (Telegram) attach the PDF."""
    return {"return_slip": {"rma_id": rma_id, "url": slip_url}} if slip_url else None


def return_outcome(result: ReturnResult, ship_back_days: int, bank_days: str, damaged: bool = False) -> Say:
    """What the policy decided for one line, with the RMA, slip or case number."""
    item, rma, decision = replies.item_name(result.line), result.rma, result.decision
    if rma is not None and not result.created:
        slip_text = f"Your return slip: {result.slip_url}" if result.slip_url else ""
        return Say("utter_rma_exists", {"item": item, "rma_id": rma.rma_id,
                                        "status": rma.status.value.replace("_", " "), "slip_text": slip_text},
                   attachment=slip_attachment(rma.rma_id, result.slip_url))
    if decision.outcome is Outcome.RMA:
        ship_by = replies.day(replies.ship_by_date(rma, ship_back_days))
        return Say("utter_rma_issued", {"rma_id": rma.rma_id, "slip_url": result.slip_url, "item": item,
                                        "ship_by": ship_by,
                                        "resolution_text": replies.resolution_text(rma.resolution, str(rma.refund))},
                   attachment=slip_attachment(rma.rma_id, result.slip_url))
    if decision.outcome is Outcome.RETURNLESS_REFUND:
        return Say("utter_returnless_refund", {"item": item, "amount": str(rma.refund), "rma_id": rma.rma_id,
                                               "bank_days": bank_days})
    if decision.outcome is Outcome.AMAZON_FBA:
        return amazon_path(result.order, damaged)
    if decision.outcome is Outcome.DAMAGE_REPLACEMENT:
        remedy = "send you a replacement" if rma.resolution is Resolution.REPLACEMENT else f"refund {rma.refund}"
        return Say("utter_damage_replacement", {"item": item, "rma_id": rma.rma_id, "remedy": remedy})
    if decision.outcome is Outcome.FRAUD_REVIEW:
        return Say("utter_fraud_review", {"case_id": f"#{result.handoff.handoff_id}"})
    reason = decision.ineligible.value if decision.ineligible else "other"
    return Say(f"utter_not_eligible_{reason if reason in _KNOWN_INELIGIBLE else 'other'}", {
        "item": item, "order_id": result.order.order_id, "return_by": replies.day(decision.return_by),
        "category": (result.line.category.replace("_", " ") if result.line else "")})


def amazon_path(order: Order, damaged: bool = False) -> Say:
    """Amazon runs the return of an order it fulfilled; a damaged one gets an apology first."""
    return Say("utter_amazon_fba_damaged" if damaged else "utter_amazon_fba", {"order_id": order.order_id})


def offer_after(say: Say) -> Optional[str]:
    """What a "yes" means after this answer (see State.offer), if it offers something."""
    from bot.conversation.state import Offer

    return {
        "utter_not_eligible_window_closed": Offer.PERSON,
        "utter_not_eligible_non_returnable_category": Offer.PERSON,
        "utter_not_eligible_other": Offer.PERSON,
        "utter_not_eligible_not_delivered": Offer.TRACK,
        "utter_tracking_not_received": Offer.PERSON,
        "utter_no_returns_yet": Offer.START_RETURN,
    }.get(say.key)


def tracking(order: Order, not_received: bool = False) -> Say:
    url = tracking_url(order.carrier, order.tracking_number)
    carrier_text = f" Carrier: {order.carrier}." if order.carrier else ""
    tracking_text = ""
    if order.tracking_number:
        tracking_text = f" Tracking number {order.tracking_number}" + (f": {url}" if url else ".")
    if not_received and order.status is OrderStatus.DELIVERED:
        return Say("utter_tracking_not_received", {"order_id": order.order_id,
                                                   "delivered_on": replies.day(order.delivered_at),
                                                   "carrier_text": carrier_text, "tracking_text": tracking_text})
    return Say("utter_tracking", {"order_id": order.order_id, "status_text": replies.delivery_status(order),
                                  "carrier_text": carrier_text, "tracking_text": tracking_text})


def return_status(order: Order, rmas: Sequence[Rma], elsewhere: Sequence, ship_back_days: int,
                  slip_url: Callable[[Rma], Optional[str]], already_sent: bool = False) -> Say:
    if not rmas and not elsewhere:
        return Say("utter_no_returns_yet", {"order_id": order.order_id})
    if already_sent and rmas and all(r.status.value in ("label_created", "authorised") for r in rmas):
        items = ", ".join(replies.item_name(order.line(r.line_id)) for r in rmas)
        return Say("utter_return_on_its_way", {"items": items, "rma_ids": ", ".join(r.rma_id for r in rmas)})
    summary = " ".join(filter(None, [replies.returns_summary(rmas, order, ship_back_days, slip_url),
                                     *(replies.platform_return_progress(found) for found in elsewhere)]))
    return Say("utter_return_status", {"status_lines": summary})


def is_amazon_fulfilled(order: Order) -> bool:
    return order.fulfillment is Fulfillment.FBA


def reason_is_damage(reason: Optional[str]) -> bool:
    return reason == ReturnReason.DAMAGED.value

