"""The one action of the dialogue: hands the customer's message and the kept state to the dialogue
manager (bot/conversation) and turns its answer into messages and the new state.

Whatever fails, the customer is answered: the state stays as it was before the message (so the
message can simply be repeated) and they are told so, with a way to reach a person.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import deps, names
from bot import responses as said
from bot.conversation.reading import Reading
from bot.conversation.say import Say
from bot.conversation.state import State
from bot.privacy import loggable_error

log = logging.getLogger(__name__)


class ActionConverse(Action):
    def name(self) -> Text:
        return names.CONVERSE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        message = tracker.latest_message or {}
        intent = message.get("intent") or {}
        reading = Reading.of(message.get("text") or "", intent.get("name"), intent.get("confidence"),
                             message.get("entities") or [])
        state = State.from_dict(tracker.get_slot(names.DIALOGUE))
        try:
            turn = deps.dialogue().handle(tracker.sender_id, state, reading)
        except Exception as exc:  # noqa: BLE001 - any failure must still answer the customer
            log.error("action %s failed\n%s", self.name(), loggable_error(exc))  # never the customer's words
            dispatcher.utter_message(response=said.STEP_FAILED)  # its button to a person is in the catalogue
            return []
        for say in turn.says:
            utter(dispatcher, say)
        return [SlotSet(names.DIALOGUE, turn.state.to_dict())]


def utter(dispatcher: CollectingDispatcher, say: Say) -> None:
    extra: Dict[str, Any] = dict(say.values)
    if say.buttons:
        extra["buttons"] = [{"title": b.title, "payload": b.payload} for b in say.buttons]
    if say.attachment:
        extra["json_message"] = dict(say.attachment)
    dispatcher.utter_message(response=say.key, **extra)
