"""The one action, run as the action server runs it: a Tracker built from the slot and the latest
message, a fresh CollectingDispatcher, and the exact events and responses asserted."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import deps, names
from actions.converse import ActionConverse
from bot.conversation.state import State

CONV = "web:actions-test"
ALICE_ORDER, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"


@pytest.fixture(autouse=True)
def wired(services):
    deps.use(services)
    yield services
    deps.use(None)


def tracker(state=None, intent="inform", entities=(), text="") -> Tracker:
    slots = {names.DIALOGUE: state}
    return Tracker(CONV, slots, {"intent": {"name": intent, "confidence": 0.99}, "entities": list(entities),
                                 "text": text}, [], False, None, {}, None)


async def run(t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionConverse().run(dispatcher, t, {})
    return events, dispatcher.messages


def responses(messages):
    return [m.get("response") for m in messages]


async def test_a_return_request_is_tagged_acknowledged_and_asks_for_the_order(services):
    events, messages = await run(tracker(intent="request_return", text="I want to return shoes"))
    assert services.store.tags(CONV) == ["rma_request"]
    assert responses(messages) == ["utter_ack_request", "utter_ask_order_id"]
    assert messages[0]["portal_url"] == "http://localhost:8000/returns"
    (slot,) = events
    assert slot["event"] == "slot" and slot["name"] == names.DIALOGUE
    assert State.from_dict(slot["value"]).task.goal == "return"


async def test_the_state_is_carried_from_the_slot_and_buttons_reach_the_channel():
    events, _ = await run(tracker(intent="request_return", text=f"return order {ALICE_ORDER}",
                                  entities=[{"entity": "order_id", "value": ALICE_ORDER}]))
    events, messages = await run(tracker(events[0]["value"], text=ALICE_EMAIL,
                                         entities=[{"entity": "email", "value": ALICE_EMAIL}]))
    assert responses(messages) == ["utter_ask_line"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/inform{"line_id":"L1"}', '/inform{"line_id":"L2"}', '/inform{"line_id":"all"}']


async def test_an_issued_return_carries_its_slip_for_channels_that_send_files():
    state = None
    for text, intent, entities in [
        (f"return the shoes from order {ALICE_ORDER}", "request_return", [{"entity": "order_id", "value": ALICE_ORDER}]),
        (ALICE_EMAIL, "inform", [{"entity": "email", "value": ALICE_EMAIL}]),
        ('/inform{"return_reason":"too_small"}', "inform", [{"entity": "return_reason", "value": "too_small"}]),
        ('/inform{"resolution":"refund"}', "inform", [{"entity": "resolution", "value": "refund"}]),
    ]:
        events, messages = await run(tracker(state, intent, entities, text))
        state = events[0]["value"]
    assert responses(messages) == ["utter_rma_issued"]
    assert messages[0]["custom"]["return_slip"]["rma_id"] == messages[0]["rma_id"]


async def test_a_failure_keeps_the_state_says_so_and_offers_a_person(services, monkeypatch):
    events, _ = await run(tracker(intent="request_return", text=f"return order {ALICE_ORDER}",
                                  entities=[{"entity": "order_id", "value": ALICE_ORDER}]))

    def broken(*args, **kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(services.returns, "verify", broken)
    failed_events, messages = await run(tracker(events[0]["value"], text=ALICE_EMAIL,
                                                entities=[{"entity": "email", "value": ALICE_EMAIL}]))
    assert failed_events == [] and responses(messages) == ["utter_step_failed"]
    assert messages[0]["buttons"] == []  # Rasa adds the response's own: a person
    from bot.catalogue import catalogue

    assert catalogue().entry("utter_step_failed").buttons == (("Talk to a person", "/human_handoff"),)
    monkeypatch.undo()
    _, messages = await run(tracker(events[0]["value"], text=ALICE_EMAIL,
                                    entities=[{"entity": "email", "value": ALICE_EMAIL}]))
    assert responses(messages) == ["utter_ask_line"]  # the same message again goes through


async def test_a_person_can_be_reached_even_from_a_broken_state(services):
    events, messages = await run(tracker({"task": {"goal": 7}}, "human_handoff", text="human please"))
    assert responses(messages) == ["utter_handoff"]
    assert services.returns.handoffs.list()[-1].conversation_id == CONV
