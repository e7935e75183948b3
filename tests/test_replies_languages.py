"""Customers are answered in their own language (issue 15): the message's language (the gateway's
metadata) reaches the dialogue, every phrase, button title, date and amount of the turn is that
language's, and the action sends the translated sentence, filled as Rasa fills it. English is sent
as before (`response=key`). The translation used here is a fixture over English, so these tests do
not depend on how far the translators are (assistant.yml)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import deps, names
from actions.converse import ActionConverse, message_language
from bot import catalogue as catalogue_module
from bot import replies
from bot import responses as said
from bot.catalogue import Catalogue, catalogue, load_catalogue, speaking
from bot.conversation.reading import Reading
from bot.conversation.state import State
from bot.models import Money

CONV = "web:languages-test"
ALICE_ORDER, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"

GERMAN = {
    said.ACK_REQUEST: "Danke, dabei helfe ich gern. Retouren können Sie auch selbst im Retourenportal anmelden: "
                      "{portal_url}",
    said.ASK_ORDER_ID: "Wie lautet Ihre Bestellnummer?",
    said.ASK_CUSTOMER_PROOF: "Bitte nennen Sie die E-Mail-Adresse oder Postleitzahl der Bestellung {order_id}.",
    said.ASK_LINE: "Um welchen Artikel geht es?",
    said.BUTTON_LINE: "{title} ({price} {currency})",
    said.BUTTON_ALL_LINES: "Alle",
    said.RMA_ISSUED: "Ihre Retoure ist genehmigt. Ihre RMA-Nummer ist {rma_id}. Den Retourenschein finden Sie hier: "
                     "{slip_url}. Bitte senden Sie {item} bis zum {ship_by} zurück. {resolution_text}",
    said.NEXT[replies.Resolution.REFUND]: "Wir erstatten {amount}, sobald der Artikel bei uns ankommt.",
}


def _german_over_english(responses):
    english = load_catalogue()
    german = Catalogue({k: catalogue_module.Entry(v) for k, v in responses.items()}, "de")
    return german.over(english)


@pytest.fixture
def german(monkeypatch):
    """German is a few sentences over English, as a half-done translation is."""
    words = _german_over_english(GERMAN)
    monkeypatch.setattr(catalogue_module, "_translated", lambda language: words if language == "de"
                        else catalogue_module.Catalogue({}, language).over(load_catalogue()))
    return words


@pytest.fixture(autouse=True)
def wired(services):
    deps.use(services)
    yield services
    deps.use(None)


def tracker(state=None, intent="inform", entities=(), text="", metadata=None, events=None) -> Tracker:
    message = {"intent": {"name": intent, "confidence": 0.99}, "entities": list(entities), "text": text}
    if metadata is not None:
        message["metadata"] = metadata
    return Tracker(CONV, {names.DIALOGUE: state}, message, events or [], False, None, {}, None)


async def run(t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionConverse().run(dispatcher, t, {})
    return events, dispatcher.messages


async def test_a_german_message_is_answered_in_german_with_the_link_in_german(german):
    events, messages = await run(tracker(intent="request_return", text="ich möchte Schuhe zurückschicken",
                                         metadata={"language": "de"}))
    assert [m.get("response") for m in messages] == [None, None]  # text, not a response name
    assert messages[0]["text"] == ("Danke, dabei helfe ich gern. Retouren können Sie auch selbst im Retourenportal "
                                   "anmelden: http://localhost:8000/returns?lang=de")
    assert messages[1]["text"] == "Wie lautet Ihre Bestellnummer?"
    assert [m["utter_action"] for m in messages] == ["utter_ack_request", "utter_ask_order_id"]  # as Rasa records it
    assert State.from_dict(events[0]["value"]).language == "de"


async def test_the_language_is_kept_when_a_message_has_none_and_buttons_dates_and_amounts_follow_it(german, services):
    state = None
    for text, intent, entities, metadata in [
        (f"Retoure für {ALICE_ORDER}", "request_return", [{"entity": "order_id", "value": ALICE_ORDER}],
         {"language": "de"}),
        (ALICE_EMAIL, "inform", [{"entity": "email", "value": ALICE_EMAIL}], None),  # no metadata: still German
    ]:
        events, messages = await run(tracker(state, intent, entities, text, metadata))
        state = events[0]["value"]
    assert messages[0]["text"] == "Um welchen Artikel geht es?"
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles[-1] == "Alle" and all("," in t for t in titles[:-1])  # "Laufschuhe (89,00 USD)"
    for text, entities in [('/inform{"line_id":"L1"}', [{"entity": "line_id", "value": "L1"}]),
                           ('/inform{"return_reason":"too_small"}',
                            [{"entity": "return_reason", "value": "too_small"}]),
                           ('/inform{"resolution":"refund"}', [{"entity": "resolution", "value": "refund"}])]:
        events, messages = await run(tracker(state, "inform", entities, text))
        state = events[0]["value"]
        if text.endswith('"L1"}'):  # the reason's buttons are the sentence's own: payloads filled as Rasa fills them
            assert '/inform{"return_reason":"too_small"}' in [b["payload"] for b in messages[-1]["buttons"]]
    (issued,) = messages
    assert issued["text"].startswith("Ihre Retoure ist genehmigt.")
    assert "?t=" in issued["text"] and "&lang=de" in issued["text"]  # the slip opens in German
    assert "bis zum 4. Dezember 2026 zurück." in issued["text"]  # Babel's German date
    assert issued["text"].endswith("Wir erstatten 89,99\xa0$, sobald der Artikel bei uns ankommt.")
    assert issued["custom"]["return_slip"]["rma_id"]


async def test_a_handoff_opened_in_german_says_so_on_the_agents_card(german, services):
    events, _ = await run(tracker(intent="human_handoff", text="ich will mit einem Menschen sprechen",
                                  metadata={"language": "de"}))
    (case,) = services.store.handoffs.list_active()
    assert case.conversation_id == CONV
    assert services.store.handoffs.facts(case.handoff_id).language == "de"  # the Slack card prints it


async def test_english_is_sent_by_name_as_before(german):
    events, messages = await run(tracker(intent="request_return", text="I want to return shoes",
                                         metadata={"language": "en"}))
    assert [m.get("response") for m in messages] == ["utter_ack_request", "utter_ask_order_id"]
    assert messages[0]["portal_url"] == "http://localhost:8000/returns"


async def test_a_language_the_bot_does_not_speak_is_no_language():
    assert message_language(tracker(metadata={"language": "tlh"})) is None
    assert message_language(tracker(metadata={"language": ["de"]})) is None
    assert message_language(tracker(metadata="de")) is None
    user = {"event": "user", "text": "hallo", "metadata": {"language": "fr"}}
    assert message_language(tracker(events=[user])) == "fr"  # Rasa's user event, when latest_message lacks it
    assert message_language(tracker(metadata={"language": "zh"})) == "zh"


def test_a_tampered_state_language_is_english():
    assert State.from_dict({"language": "xx"}).language == "en"
    assert State.from_dict({"language": 3}).language == "en"
    assert State.from_dict({"language": "it"}).language == "it"


async def test_a_broken_translation_answers_in_english(monkeypatch):
    def broken(language):
        raise catalogue_module.CatalogueError("languages/de/responses/assistant.yml: bad YAML")

    monkeypatch.setattr(catalogue_module, "_translated", broken)
    _, messages = await run(tracker(intent="request_return", text="ich möchte Schuhe zurückschicken",
                                    metadata={"language": "de"}))
    assert messages and all(m.get("text") or m.get("response") for m in messages)


def test_the_turn_speaks_its_language_and_english_outside_it(german):
    with speaking("de"):
        assert catalogue().language == "de" and catalogue().text(said.BUTTON_ALL_LINES) == "Alle"
        assert replies.money(Money(Decimal("1234.5"), "EUR")) == "1.234,50\xa0€"
        assert replies.day(datetime(2026, 12, 4)) == "4. Dezember 2026"
    assert catalogue().language == "en" and replies.day(datetime(2026, 12, 4)) == "4 December 2026"
    assert replies.money(Money(Decimal("9.9"), "USD")) == "9.90 USD"


def test_reading_takes_the_language_and_none_for_no_language():
    assert Reading.of("hallo", "greet", 0.9, [], language="de").language == "de"
    assert Reading.of("hallo", "greet", 0.9, []).language is None


async def test_rasa_turns_a_translated_reply_into_the_same_bot_event_as_an_english_one(german):
    """What the action sends for German goes through Rasa's own code (RemoteAction) as the server runs it:
    the text, the sentence's own buttons, and `utter_action` in the event's metadata, as for English."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from actions.converse import utter
    from bot.catalogue import DOMAIN_FILE
    from bot.conversation.say import Say

    dispatcher = CollectingDispatcher()
    utter(dispatcher, Say(said.STEP_FAILED), "de")
    utter(dispatcher, Say(said.STEP_FAILED), "en")
    nlg = TemplatedNaturalLanguageGenerator(Domain.load(str(DOMAIN_FILE)).responses)
    german_event, english_event = await RemoteAction._utter_responses(
        [dict(m) for m in dispatcher.messages], CollectingOutputChannel(), nlg, DialogueStateTracker("t", []))
    assert german_event.metadata["utter_action"] == english_event.metadata["utter_action"] == said.STEP_FAILED
    assert german_event.text == catalogue(language="de").text(said.STEP_FAILED)
    assert [b["payload"] for b in german_event.data["buttons"]] == [b["payload"] for b in english_event.data["buttons"]]


async def test_a_customer_who_switches_to_english_is_answered_in_english_from_then_on(german):
    events, messages = await run(tracker(intent="request_return", text="ich möchte Schuhe zurückschicken",
                                         metadata={"language": "de"}))
    assert messages[-1]["text"] == "Wie lautet Ihre Bestellnummer?"
    events, messages = await run(tracker(events[0]["value"], "request_return", text="sorry, English please",
                                         metadata={"language": "en"}))
    assert [m.get("response") for m in messages][-1] == "utter_ask_order_id"
    events, messages = await run(tracker(events[0]["value"], "inform", text="hmm"))  # no metadata: still English
    assert State.from_dict(events[0]["value"]).language == "en" and all(m.get("response") for m in messages)
