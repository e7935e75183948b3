"""Actions, run as the action server runs them: a Tracker built from slots and the latest message,
a fresh CollectingDispatcher, and the exact events and responses asserted."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import deps
from actions.handoff import ActionHandleFallback, ActionRequestHuman
from actions.requests import ActionRouteRequest, ActionStartRequest
from actions.returns import ActionAskLineId, ActionSubmitReturn, ValidateReturnForm
from actions.verification import ValidateVerifyForm

CONV = "web:actions-test"
ALICE_ORDER, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"


@pytest.fixture(autouse=True)
def wired(services):
    deps.use(services)
    yield services
    deps.use(None)


def tracker(slots=None, intent="inform", entities=(), text="") -> Tracker:
    return Tracker(CONV, slots or {}, {"intent": {"name": intent, "confidence": 0.99}, "entities": list(entities),
                                      "text": text}, [], False, None, {}, None)


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return events, dispatcher.messages


def responses(messages):
    return [m.get("response") or m.get("text") for m in messages]


async def test_a_return_request_is_tagged_and_acknowledged_with_the_portal_link(services):
    events, messages = await run(ActionStartRequest(), tracker(intent="request_return", text="I want to return shoes"))
    assert services.store.tags(CONV) == ["rma_request"]
    assert responses(messages) == ["utter_ack_request"]
    assert messages[0]["portal_url"] == "http://localhost:8000/returns"
    assert SlotSet("goal", "return") in events and SlotSet("customer_proof", None) in events


async def test_a_tracking_request_is_not_tagged_as_a_return(services):
    events, messages = await run(ActionStartRequest(), tracker(intent="track_order"))
    assert services.store.tags(CONV) == [] and messages == []
    assert SlotSet("goal", "track") in events


async def test_proof_given_in_the_first_message_is_kept():
    events, _ = await run(ActionStartRequest(), tracker(
        intent="request_return", entities=[{"entity": "email", "value": ALICE_EMAIL}]))
    assert SlotSet("customer_proof", None) not in events


@pytest.mark.parametrize("typed, expected", [
    ("114-3941689-8772232", ALICE_ORDER), ("it's order #1001 thanks", "#1001"), ("1001", "#1001"),
    ("1' OR '1'='1", None), ("no idea", None),
])
def test_order_numbers_are_read_from_what_the_customer_typed(typed, expected):
    dispatcher = CollectingDispatcher()
    result = ValidateVerifyForm().validate_order_id(typed, dispatcher, tracker(), {})
    assert result == {"order_id": expected}
    assert responses(dispatcher.messages) == ([] if expected else ["utter_invalid_order_id"])


def test_right_proof_verifies_and_wrong_proof_asks_again_without_saying_which_was_wrong(services):
    dispatcher = CollectingDispatcher()
    form = ValidateVerifyForm()
    wrong = form.validate_customer_proof("bob@example.com", dispatcher, tracker({"order_id": ALICE_ORDER}), {})
    assert wrong == {"customer_proof": None, "order_id": None}
    assert responses(dispatcher.messages) == ["utter_verification_failed"]
    right = form.validate_customer_proof(f"it's {ALICE_EMAIL}", CollectingDispatcher(),
                                         tracker({"order_id": ALICE_ORDER}), {})
    assert right == {"customer_proof": ALICE_EMAIL, "verified_order_id": ALICE_ORDER}


async def test_unverified_requests_show_no_order_data():
    events, messages = await run(ActionRouteRequest(), tracker({"goal": "track", "order_id": ALICE_ORDER}))
    assert responses(messages) == ["utter_verification_failed"]
    assert SlotSet("customer_proof", None) in events


async def test_tracking_answers_with_carrier_status_and_link(services):
    services.returns.verify(CONV, "#1002", "75011")
    _, messages = await run(ActionRouteRequest(), tracker({"goal": "track", "order_id": "#1002"}))
    assert responses(messages) == ["utter_tracking"]
    assert "on its way" in messages[0]["status_text"]
    assert "https://www.dhl.com/" in messages[0]["tracking_text"]


async def test_a_verified_return_opens_the_form_and_preselects_a_single_item(services):
    services.returns.verify(CONV, "#1001", "75011")
    events, _ = await run(ActionRouteRequest(), tracker({"goal": "refund", "order_id": "#1001"}))
    assert events == [SlotSet("line_id", "L1"), SlotSet("resolution", "refund"), SlotSet("next_step", "return_form")]


async def test_items_are_offered_as_buttons(services):
    services.returns.verify(CONV, ALICE_ORDER, ALICE_EMAIL)
    _, messages = await run(ActionAskLineId(), tracker({"order_id": ALICE_ORDER}))
    assert [b["payload"] for b in messages[0]["buttons"]] == ['/inform{"line_id":"L1"}', '/inform{"line_id":"L2"}']


async def test_resolution_is_asked_only_when_the_policy_offers_a_choice(services):
    services.returns.verify(CONV, ALICE_ORDER, ALICE_EMAIL)
    services.returns.verify(CONV, "#1001", "75011")
    form = ValidateReturnForm()
    eligible = tracker({"order_id": ALICE_ORDER, "line_id": "L1", "return_reason": "too_small"})
    returnless = tracker({"order_id": "#1001", "line_id": "L1", "return_reason": "too_small"})
    assert await form.required_slots([], CollectingDispatcher(), eligible, {}) == ["line_id", "return_reason", "resolution"]
    assert await form.required_slots([], CollectingDispatcher(), returnless, {}) == ["line_id", "return_reason"]


async def test_submitting_a_return_gives_the_rma_and_slip_and_asking_again_gives_the_same(services):
    services.returns.verify(CONV, ALICE_ORDER, ALICE_EMAIL)
    slots = {"order_id": ALICE_ORDER, "line_id": "L1", "return_reason": "too_small", "resolution": "refund"}
    events, messages = await run(ActionSubmitReturn(), tracker(slots))
    assert responses(messages) == ["utter_rma_issued"]
    rma_id = messages[0]["rma_id"]
    assert messages[0]["slip_url"].startswith(f"http://localhost:8000/returns/{rma_id}/slip.pdf?t=")
    assert messages[0]["custom"] == {"return_slip": {"rma_id": rma_id, "url": messages[0]["slip_url"]}}
    assert SlotSet("line_id", None) in events
    _, again = await run(ActionSubmitReturn(), tracker(slots))
    assert responses(again) == ["utter_rma_exists"] and again[0]["rma_id"] == rma_id


async def test_not_understood_twice_offers_a_person():
    _, first = await run(ActionHandleFallback(), tracker({"misunderstood": 0}))
    events, second = await run(ActionHandleFallback(), tracker({"misunderstood": 1}))
    assert responses(first) == ["utter_clarify"] and responses(second) == ["utter_offer_human"]
    assert events == [SlotSet("misunderstood", 2)]


async def test_asking_for_a_person_opens_a_handoff(services):
    _, messages = await run(ActionRequestHuman(), tracker(intent="human_handoff"))
    assert responses(messages) == ["utter_handoff"]
    assert [h.reason for h in services.store.list_handoffs()] == ["customer_request"]


async def test_a_failing_service_gets_a_polite_try_again(services):
    services.store.engine.dispose()
    services.store.engine.url = None  # any use of the store now fails
    broken = services.__class__(settings=services.settings, store=services.store, returns=None, updates=None, platforms=None)
    deps.use(broken)
    events, messages = await run(ActionStartRequest(), tracker(intent="request_return"))
    assert (events, responses(messages)) == ([], ["utter_try_again_shortly"])


async def test_stop_updates_and_send_me_updates_turn_the_notices_off_and_on(services):
    from actions.updates import ActionStartUpdates, ActionStopUpdates

    deps.use(services)
    conversation = tracker(intent="stop_updates")
    events, messages = await run(ActionStopUpdates(), conversation)
    assert responses(messages) == ["utter_updates_stopped"]
    assert services.updates.opted_out(conversation.sender_id)
    events, messages = await run(ActionStartUpdates(), tracker(intent="start_updates"))
    assert responses(messages) == ["utter_updates_started"]
    assert not services.updates.opted_out(conversation.sender_id)


def test_did_my_return_go_through_gives_the_rma_and_the_label_link(services):
    from actions.orders import answer_return_status
    from bot.models import Resolution, ReturnReason

    returns = services.returns
    assert returns.verify(CONV, ALICE_ORDER, ALICE_EMAIL).verified
    rma = returns.request_return(CONV, ALICE_ORDER, "L2", ReturnReason.TOO_SMALL, Resolution.REFUND).rma
    dispatcher = CollectingDispatcher()
    answer_return_status(dispatcher, services, CONV, services.store.get_order(ALICE_ORDER))
    [message] = dispatcher.messages
    assert message["response"] == "utter_return_status"
    assert message["status_lines"].startswith(
        f"Your return label has been generated. RMA number is {rma.rma_id} (Running socks (3 pack)); "
        f"instructions and the label are here: {services.settings.public_url}/returns/{rma.rma_id}/slip.pdf?t=")


def test_a_return_made_in_the_merchants_returns_platform_is_known_to_the_chat(services):
    from datetime import timedelta

    from actions.orders import answer_return_status
    from bot.models import RmaStatus
    from bot.platforms import ExternalReturn, ReturnedItem
    from tests.builders import NOW

    services.platforms.upsert([ExternalReturn(
        platform="loop", external_id="88123", rma_number="88123", order_id="#1001", order_name="#1001",
        status=RmaStatus.LABEL_CREATED, platform_status="open/label_created", created_at=NOW - timedelta(days=1),
        updated_at=NOW - timedelta(days=1), items=(ReturnedItem("CASE-1", "Phone case", 1),),
        label_url="https://returns.example/label/88123")], NOW)
    assert services.returns.verify(CONV, "#1001", "75011").verified
    dispatcher = CollectingDispatcher()
    answer_return_status(dispatcher, services, CONV, services.store.get_order("#1001"))
    [message] = dispatcher.messages
    assert message["status_lines"] == ("Your return label has been generated. RMA number is 88123 (Phone case); "
                                       "instructions and the label are here: https://returns.example/label/88123 .")


async def test_one_validation_run_asks_the_policy_once_per_line_and_reason(services, monkeypatch):
    """rasa_sdk asks a form's required slots three times a run, and the resolution is validated too:
    the policy's answer is reused within the run, and asked afresh in the next one."""
    from rasa_sdk import FormValidationAction

    services.returns.verify(CONV, ALICE_ORDER, ALICE_EMAIL)
    asked = []
    preview = services.returns.preview_return
    monkeypatch.setattr(services.returns, "preview_return", lambda *args: asked.append(args) or preview(*args))

    async def rasa_sdk_run(self, dispatcher, tracker, domain):
        for _ in range(3):
            await self.required_slots([], dispatcher, tracker, domain)
        return [SlotSet(k, v) for k, v in self.validate_resolution("refund", dispatcher, tracker, domain).items()]

    monkeypatch.setattr(FormValidationAction, "run", rasa_sdk_run)
    form = ValidateReturnForm()
    slots = tracker({"order_id": ALICE_ORDER, "line_id": "L1", "return_reason": "too_small"})
    events, _ = await run(form, slots)
    assert events == [SlotSet("resolution", "refund")] and len(asked) == 1
    await run(form, slots)
    assert len(asked) == 2
