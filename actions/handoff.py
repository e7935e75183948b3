"""Handing a conversation to a person: when the customer asks, and after the bot failed to
understand twice in a row (the first time it asks the customer to rephrase)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.base import ServiceAction
from bot.bootstrap import Services


class ActionRequestHuman(ServiceAction):
    def name(self) -> Text:
        return names.REQUEST_HUMAN

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, services: Services) -> List[Dict[Text, Any]]:
        verified = tracker.get_slot(names.VERIFIED_ORDER_ID)
        handoff = services.returns.open_handoff(tracker.sender_id, "customer_request", verified,
                                                "The customer asked to talk to a person.")
        dispatcher.utter_message(response="utter_handoff", case_id=f"#{handoff.handoff_id}")
        return [SlotSet(names.MISUNDERSTOOD, 0)]


class ActionHandleFallback(ServiceAction):
    def name(self) -> Text:
        return names.HANDLE_FALLBACK

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, services: Services) -> List[Dict[Text, Any]]:
        misunderstood = int(tracker.get_slot(names.MISUNDERSTOOD) or 0) + 1
        dispatcher.utter_message(response="utter_clarify" if misunderstood == 1 else "utter_offer_human")
        return [SlotSet(names.MISUNDERSTOOD, misunderstood)]
