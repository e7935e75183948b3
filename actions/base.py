"""The base of every action that calls a service: a failure becomes a polite "try again
shortly" instead of silence, and the customer's words are never logged."""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import deps
from bot.bootstrap import Services
from bot.privacy import loggable_error

log = logging.getLogger(__name__)


class ServiceAction(Action, ABC):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            return self.act(dispatcher, tracker, deps.services())
        except Exception as exc:  # noqa: BLE001 - any failure must still answer the customer
            log.error("action %s failed\n%s", self.name(), loggable_error(exc))  # a database error quotes values
            dispatcher.utter_message(response="utter_try_again_shortly")
            return self.failure_events()

    def failure_events(self) -> List[Dict[Text, Any]]:
        """Events that keep the dialogue on track when the service failed."""
        return []

    @abstractmethod
    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, services: Services) -> List[Dict[Text, Any]]:
        """Read slots, call one service, return events."""
