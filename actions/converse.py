"""The one action of the dialogue: hands the customer's message and the kept state to the dialogue
manager (bot/conversation) and turns its answer into messages and the new state.

Whatever fails, the customer is answered: the state stays as it was before the message (so the
message can simply be repeated) and they are told so, with a way to reach a person.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import deps, names
from bot import responses as said
from bot.catalogue import ENGLISH, catalogue, render
from bot.conversation.reading import Reading
from bot.conversation.say import Say
from bot.conversation.state import State
from bot.language import LANGUAGES
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
                             message.get("entities") or [], language=message_language(tracker))
        state = State.from_dict(tracker.get_slot(names.DIALOGUE))
        try:
            turn = deps.dialogue().handle(tracker.sender_id, state, reading)
        except Exception as exc:  # noqa: BLE001 - any failure must still answer the customer
            log.error("action %s failed\n%s", self.name(), loggable_error(exc))  # never the customer's words
            utter(dispatcher, Say(said.STEP_FAILED), reading.language or state.language)
            return []
        for say in turn.says:
            utter(dispatcher, say, turn.state.language)
        return [SlotSet(names.DIALOGUE, turn.state.to_dict())]


def message_language(tracker: Tracker) -> Optional[str]:
    """The language the gateway chose for the message (`{"language": "de"}` in its metadata, which
    rasa_ext/channel.py passes through). Rasa 3.6 puts a message's metadata in `latest_message`
    (`UserUttered.parse_data["metadata"]`) and in the `user` event; None when neither names a
    language the assistant speaks (the dialogue then keeps the conversation's)."""
    found = (tracker.latest_message or {}).get("metadata")
    if not isinstance(found, dict):
        last = next((e for e in reversed(tracker.events or []) if e.get("event") == "user"), None)
        found = (last or {}).get("metadata")
    language = found.get("language") if isinstance(found, dict) else None
    return language if language in LANGUAGES else None


def utter(dispatcher: CollectingDispatcher, say: Say, language: str = ENGLISH) -> None:
    """Sends one thing the dialogue said. English names the response (`response=key`), so Rasa
    renders it from domain.yml as it always has (the benchmark and the corpus see the same events);
    another language sends the text of that language's catalogue, filled exactly as Rasa fills it
    (`Catalogue.text`), with the same buttons and attachment. A key not translated yet is English."""
    extra: Dict[str, Any] = {}
    buttons = [{"title": b.title, "payload": b.payload} for b in say.buttons]
    if say.attachment:
        extra["json_message"] = dict(say.attachment)
    if language == ENGLISH:
        if buttons:
            extra["buttons"] = buttons
        dispatcher.utter_message(response=say.key, **dict(say.values), **extra)
        return
    try:
        words = catalogue(language=language)
        text = words.text(say.key, **say.values)
        own = [{"title": render(title, say.values), "payload": render(payload, say.values)}  # as Rasa fills them
               for title, payload in words.entry(say.key).buttons]
    except Exception as exc:  # noqa: BLE001 - a broken translation file must not silence the bot: English
        log.error("no %s text for %s, said in English\n%s", language, say.key, loggable_error(exc))
        return utter(dispatcher, say, ENGLISH)
    if own or buttons:  # the sentence's own (a way to a person), then the dialogue's: as Rasa puts them together
        extra["buttons"] = own + buttons
    # `utter_action` is what Rasa records for a response it rendered (the bot event's metadata), so the
    # conversation statistics (bot/conversation_stats.py) read a translated reply as they read an English one.
    dispatcher.utter_message(text=text, utter_action=say.key, **extra)
