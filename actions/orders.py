"""Answers about an order a customer has proven is theirs: where it is, where its returns and
refunds are, and cancelling it. Called by the request router once verification succeeded."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from bot import replies
from bot.bootstrap import Services
from bot.models import Order
from bot.policy import CancelDecision
from bot.tracking import tracking_url

Events = List[Dict[Text, Any]]


def answer_unverified(dispatcher: CollectingDispatcher, services: Services, conversation: str,
                      order_id: Optional[str]) -> Events:
    if order_id and services.returns.is_locked(conversation, order_id):
        dispatcher.utter_message(response="utter_verification_locked")
    else:
        dispatcher.utter_message(response="utter_verification_failed")
    return [SlotSet(names.CUSTOMER_PROOF, None), SlotSet(names.VERIFIED_ORDER_ID, None)]


def answer_tracking(dispatcher: CollectingDispatcher, order: Order) -> Events:
    url = tracking_url(order.carrier, order.tracking_number)
    carrier_text = f" Carrier: {order.carrier}." if order.carrier else ""
    tracking_text = ""
    if order.tracking_number:
        tracking_text = f" Tracking number {order.tracking_number}" + (f": {url}" if url else ".")
    dispatcher.utter_message(response="utter_tracking", order_id=order.order_id,
                             status_text=replies.delivery_status(order), carrier_text=carrier_text,
                             tracking_text=tracking_text)
    return []


def answer_return_status(dispatcher: CollectingDispatcher, services: Services, conversation: str,
                         order: Order) -> Events:
    rmas = services.returns.rmas_for_order(conversation, order.order_id)  # checks the verification
    elsewhere = services.platforms.for_order(order.order_id)  # made in the merchant's returns platform
    if not rmas and not elsewhere:
        dispatcher.utter_message(response="utter_no_returns_yet", order_id=order.order_id)
        return []
    summary = " ".join(filter(None, [
        replies.returns_summary(rmas, order, services.returns.policy.ship_back_days, services.returns.slip_url_for),
        *(replies.platform_return_progress(found) for found in elsewhere)]))
    dispatcher.utter_message(response="utter_return_status", status_lines=summary)
    return []


def answer_cancel(dispatcher: CollectingDispatcher, services: Services, conversation: str, order: Order) -> Events:
    decision = services.returns.cancel_order(conversation, order.order_id)
    dispatcher.utter_message(response=f"utter_cancel_{'done' if decision is CancelDecision.CANCEL else decision.value}",
                             order_id=order.order_id, amount=str(order.total))
    return []
