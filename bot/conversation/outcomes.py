"""What the customer is told about an order or a return once they are verified: the outcome of a
return request, where an order is, where their returns and refunds stand. Each returns `Say`s
(response keys of the catalogue with live values). Pure: the caller passes what it read."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, Optional, Sequence

from bot import replies
from bot import responses as said
from bot.catalogue import catalogue
from bot.conversation.say import Say
from bot.models import Fulfillment, MarketplaceRefund, Order, OrderStatus, Outcome, ReturnReason, Rma
from bot.services import ReturnResult
from bot.tracking import carrier_display_name, tracking_url


def slip_attachment(rma_id: str, slip_url: Optional[str]):
    """Machine-readable slip details, so channels that can send files (Telegram) attach the PDF."""
    return {"return_slip": {"rma_id": rma_id, "url": slip_url}} if slip_url else None


def return_outcome(result: ReturnResult, ship_back_days: int, bank_days: str, damaged: bool = False) -> Say:
    """What the policy decided for one line, with the RMA, slip or case number."""
    item, rma, decision = replies.item_name(result.line, rma=result.rma), result.rma, result.decision
    if rma is not None and not result.created:
        slip_text = catalogue().text(said.SLIP_LINK, slip_url=result.slip_url) if result.slip_url else ""
        return Say(said.RMA_EXISTS, {"item": item, "rma_id": rma.rma_id,
                                     "status": replies.status_name(rma.status), "slip_text": slip_text},
                   attachment=slip_attachment(rma.rma_id, result.slip_url))
    if decision.outcome is Outcome.RMA:
        ship_by = replies.day(replies.ship_by_date(rma, ship_back_days))
        return Say(said.RMA_ISSUED, {"rma_id": rma.rma_id, "slip_url": result.slip_url, "item": item,
                                     "ship_by": ship_by,
                                     "resolution_text": replies.resolution_text(rma.resolution,
                                                                                replies.money(rma.refund))},
                   attachment=slip_attachment(rma.rma_id, result.slip_url))
    if decision.outcome is Outcome.RETURNLESS_REFUND:
        return Say(said.RETURNLESS_REFUND, {"item": item, "amount": replies.money(rma.refund), "rma_id": rma.rma_id,
                                            "bank_days": bank_days})
    if decision.outcome is Outcome.AMAZON_FBA:
        return amazon_path(result.order, damaged)
    if decision.outcome is Outcome.DAMAGE_REPLACEMENT:
        remedy = catalogue().text(said.REMEDY.get(rma.resolution, said.REMEDY_REFUND), rma_id=rma.rma_id,
                                  amount=replies.money(rma.refund))
        return Say(said.DAMAGE_REPLACEMENT, {"item": item, "rma_id": rma.rma_id, "remedy": remedy})
    if decision.outcome is Outcome.FRAUD_REVIEW:
        return Say(said.FRAUD_REVIEW, {"case_id": f"#{result.handoff.handoff_id}"})
    return Say(said.NOT_ELIGIBLE.get(decision.ineligible, said.NOT_ELIGIBLE_OTHER), {
        "item": item, "order_id": result.order.order_id, "return_by": replies.day(decision.return_by),
        "category": (result.line.category.replace("_", " ") if result.line else "")})


def amazon_path(order: Order, damaged: bool = False) -> Say:
    """Amazon runs the return of an order it fulfilled; a damaged one gets an apology first."""
    return Say(said.AMAZON_FBA_DAMAGED if damaged else said.AMAZON_FBA, {"order_id": order.order_id})


def may_be_stale(read_at: datetime, now: datetime) -> Say:
    """The one sentence that goes with an answer given from a copy of the order read at `read_at`, because
    its marketplace could not be asked `now` (bot.live_orders.Lookup.stale_since): how long ago, in the
    customer's language ("3 hours ago", "vor 3 Stunden"), and the time, written the same in every
    language since the customer's own time zone is not known (2026-12-05 08:10 UTC)."""
    if read_at.tzinfo is not None:
        read_at = read_at.astimezone(timezone.utc)
    return Say(said.ORDER_MAY_BE_STALE, {"age": replies.ago(now - read_at),
                                         "updated": read_at.strftime("%Y-%m-%d %H:%M UTC")})


def offer_after(say: Say) -> Optional[str]:
    """What a "yes" means after this answer (see State.offer), if it offers something."""
    from bot.conversation.state import Offer

    return {
        said.NOT_ELIGIBLE_WINDOW_CLOSED: Offer.PERSON,
        said.NOT_ELIGIBLE_NON_RETURNABLE_CATEGORY: Offer.PERSON,
        said.NOT_ELIGIBLE_OTHER: Offer.PERSON,
        said.NOT_ELIGIBLE_NOT_DELIVERED: Offer.TRACK,
        said.TRACKING_NOT_RECEIVED: Offer.PERSON,
        said.NO_RETURNS_YET: Offer.START_RETURN,
    }.get(say.key)


def tracking(order: Order, not_received: bool = False, now: Optional[datetime] = None) -> Say:
    url = tracking_url(order.carrier, order.tracking_number)
    words = catalogue()
    carrier = carrier_display_name(order.carrier)  # `SF_EXPRESS`, `austrian-post`: as customers know the name
    carrier_text = " " + words.text(said.ORDER_CARRIER, carrier=carrier) if carrier else ""
    tracking_text = ""
    if order.tracking_number:
        number = order.tracking_number
        tracking_text = " " + (words.text(said.ORDER_TRACKING_LINK, tracking_number=number, url=url) if url
                               else words.text(said.ORDER_TRACKING_NUMBER, tracking_number=number))
    if not_received and order.status is OrderStatus.DELIVERED:
        return Say(said.TRACKING_NOT_RECEIVED, {"order_id": order.order_id,
                                                "delivered_on": replies.day(order.delivered_at),
                                                "carrier_text": carrier_text, "tracking_text": tracking_text})
    return Say(said.TRACKING, {"order_id": order.order_id, "status_text": replies.delivery_status(order, now=now),
                               "carrier_text": carrier_text, "tracking_text": tracking_text})


def return_status(order: Order, rmas: Sequence[Rma], elsewhere: Sequence, ship_back_days: int, bank_days: str,
                  slip_url: Callable[[Rma], Optional[str]], already_sent: bool = False,
                  marketplace_refunds: Sequence[MarketplaceRefund] = ()) -> Say:
    """Where the order's returns and refunds stand. With no return (here or on a returns platform), the
    refunds the merchant made in the order's marketplace, when there are any: what, how much and when."""
    if not rmas and not elsewhere and marketplace_refunds:
        return Say(said.MARKETPLACE_REFUNDED, {"order_id": order.order_id, "bank_days": bank_days,
                                               "refunds": replies.marketplace_refunds(marketplace_refunds, order)})
    if not rmas and not elsewhere:
        return Say(said.NO_RETURNS_YET, {"order_id": order.order_id})
    if already_sent and rmas and all(r.status.value in ("label_created", "authorised") for r in rmas):
        items = ", ".join(replies.item_name(order.line(r.line_id), rma=r) for r in rmas)
        return Say(said.RETURN_ON_ITS_WAY, {"items": items, "rma_ids": ", ".join(r.rma_id for r in rmas)})
    summary = " ".join(filter(None, [replies.returns_summary(rmas, order, ship_back_days, bank_days, slip_url),
                                     *(replies.partly_refunded(rma, order, marketplace_refunds) for rma in rmas),
                                     *(replies.platform_return_progress(found, bank_days) for found in elsewhere)]))
    return Say(said.RETURN_STATUS, {"status_lines": summary})


def is_amazon_fulfilled(order: Order) -> bool:
    return order.fulfillment is Fulfillment.FBA


def reason_is_damage(reason: Optional[str]) -> bool:
    return reason == ReturnReason.DAMAGED.value

