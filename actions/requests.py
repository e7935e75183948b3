"""Starting and routing a customer's request: tag and acknowledge it, then, once the customer is
verified, answer it (tracking, status, cancel) or open the return form."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.base import ServiceAction
from actions.orders import answer_cancel, answer_return_status, answer_tracking, answer_unverified
from bot.bootstrap import Services
from bot.models import Order
from bot.services import NotVerified, lines_left_to_return

GOAL_BY_INTENT = {
    "request_return": "return",
    "request_refund": "refund",
    "request_exchange": "exchange",
    "report_damage": "damage",
    "track_order": "track",
    "check_return_status": "return_status",
    "where_is_my_refund": "refund_status",
    "cancel_order": "cancel",
}
NEXT_ANSWERED, NEXT_RETURN_FORM = "answered", "return_form"  # values of the next_step slot
RETURN_GOALS = {"return", "refund", "exchange", "damage"}
RMA_RELATED_GOALS = RETURN_GOALS | {"return_status", "refund_status"}


class ActionStartRequest(ServiceAction):
    def name(self) -> Text:
        return names.START_REQUEST

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, services: Services) -> List[Dict[Text, Any]]:
        goal = GOAL_BY_INTENT.get((tracker.latest_message.get("intent") or {}).get("name"), "return")
        conversation = tracker.sender_id
        if goal in RMA_RELATED_GOALS:
            services.returns.tag(conversation, names.TAG_RMA_REQUEST)
            dispatcher.utter_message(response="utter_ack_request", portal_url=services.settings.portal_url)
        events = [SlotSet(names.GOAL, goal), SlotSet(names.LINE_ID, None), SlotSet(names.RETURN_REASON, None),
                  SlotSet(names.RESOLUTION, None), SlotSet(names.MISUNDERSTOOD, 0)]
        order_id = tracker.get_slot(names.ORDER_ID)
        proof_given_now = any(e.get("entity") in ("email", "postcode") for e in tracker.latest_message.get("entities", []))
        if not proof_given_now and not (order_id and services.store.is_verified(conversation, order_id)):
            events.append(SlotSet(names.CUSTOMER_PROOF, None))
        return events


class ActionRouteRequest(ServiceAction):
    def name(self) -> Text:
        return names.ROUTE_REQUEST

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, services: Services) -> List[Dict[Text, Any]]:
        conversation, order_id = tracker.sender_id, tracker.get_slot(names.ORDER_ID)
        goal = tracker.get_slot(names.GOAL) or "return"
        try:
            order = services.returns.verified_order(conversation, order_id)
        except NotVerified:
            return answer_unverified(dispatcher, services, conversation, order_id) + self.failure_events()
        if goal == "track":
            events = answer_tracking(dispatcher, order)
        elif goal in ("return_status", "refund_status"):
            events = answer_return_status(dispatcher, services, conversation, order)
        elif goal == "cancel":
            events = answer_cancel(dispatcher, services, conversation, order)
        else:
            return self._start_return_form(dispatcher, order, goal)
        return events + self.failure_events()

    def failure_events(self) -> List[Dict[Text, Any]]:
        return [SlotSet(names.NEXT_STEP, NEXT_ANSWERED)]

    def _start_return_form(self, dispatcher, order: Order, goal: str):
        lines = lines_left_to_return(order)  # of the order just verified: not read again
        if not lines:
            dispatcher.utter_message(response="utter_nothing_to_return", order_id=order.order_id)
            return self.failure_events()
        events: List[Dict[Text, Any]] = []
        if len(lines) == 1:
            events.append(SlotSet(names.LINE_ID, lines[0].line_id))
        if goal == "damage":
            events.append(SlotSet(names.RETURN_REASON, "damaged"))
        if goal in ("refund", "exchange"):
            events.append(SlotSet(names.RESOLUTION, goal))
        return events + [SlotSet(names.NEXT_STEP, NEXT_RETURN_FORM)]
