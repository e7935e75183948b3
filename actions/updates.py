"""Turning proactive return updates off and on ("stop updates", "send me updates")."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.base import ServiceAction
from bot.bootstrap import Services


class ActionStopUpdates(ServiceAction):
    def name(self) -> Text:
        return names.STOP_UPDATES

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, services: Services) -> List[Dict[Text, Any]]:
        services.updates.opt_out(tracker.sender_id)
        dispatcher.utter_message(response="utter_updates_stopped")
        return []


class ActionStartUpdates(ServiceAction):
    def name(self) -> Text:
        return names.START_UPDATES

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, services: Services) -> List[Dict[Text, Any]]:
        services.updates.opt_in(tracker.sender_id)
        dispatcher.utter_message(response="utter_updates_started")
        return []
