"""The dialogue manager in-process, on the demo store: each failure class of a real conversation
(typed answers, yes to the bot's own offer, policy questions, detours, corrections, two requests at
once, never stuck), with the intent a customer's words would get and the entities the extractor finds."""
from __future__ import annotations

from typing import List

import pytest

from bot.catalogue import catalogue
from bot.conversation.manager import DialogueManager
from bot.conversation.reading import Reading
from bot.conversation.state import Queued, State, Step, Task
from bot.text import find_entities

ALICE_ORDER, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"
CHLOE_EMAIL = "chloe.dubois@example.fr"


class Chat:
    """One customer talking to the manager: `say` returns the response keys of the answer."""

    def __init__(self, services, conversation: str = "web:dm-test"):
        self.services = services
        self.dm = DialogueManager(services.returns, services.updates.opt_out, services.updates.opt_in,
                                  services.platforms.for_order, "http://localhost:8000/returns")
        self.conv, self.state = conversation, State()
        self.says = []

    def say(self, text: str, intent: str = "inform", confidence: float = 0.9, **entities) -> List[str]:
        found = [{"entity": e.kind, "value": e.value} for e in find_entities(text)] if not text.startswith("/") else []
        found += [{"entity": k, "value": v} for k, v in entities.items()]
        reading = Reading.of(text, intent, confidence, found)
        turn = self.dm.handle(self.conv, State.from_dict(self.state.to_dict()), reading)  # as the slot keeps it
        self.state, self.says = turn.state, list(turn.says)
        for said in turn.says:  # every placeholder has its value (Rasa would show "{order_id}" to the customer)
            catalogue().text(said.key, **said.values)
        return [s.key for s in turn.says]

    def value(self, key: str, name: str):
        return next(s.values[name] for s in self.says if s.key == key)

    def buttons(self) -> List[str]:
        return [b.title for s in self.says for b in s.buttons]

    def rmas(self, order_id: str = ALICE_ORDER):
        return self.services.store.rmas_for_order(order_id)


@pytest.fixture
def chat(services):
    return Chat(services)


def verified_alice(chat: Chat) -> Chat:
    chat.say(f"I want to return something from order {ALICE_ORDER}", "request_return")
    assert chat.say(ALICE_EMAIL)[-1] == "utter_ask_line"
    return chat


def test_a_typed_reason_is_mapped_and_the_customers_words_kept(chat):
    verified_alice(chat)
    assert chat.say("the shoes")[-1] == "utter_ask_return_reason"
    assert chat.say("they're too tight mate")[-1] == "utter_ask_resolution"
    assert chat.say("refund please", "request_refund")[-1] == "utter_rma_issued"
    (rma,) = chat.rmas()
    assert (rma.line_id, rma.reason.value, rma.resolution.value) == ("L1", "too_small", "refund")
    assert chat.services.store.return_words_for(rma.rma_id) == "they're too tight mate"


@pytest.mark.parametrize("typed", ["Changed my mind", "too small", "meh", "my wife doesn't like it"])
def test_any_typed_reason_moves_on_and_never_asks_twice(chat, typed):
    verified_alice(chat)
    chat.say("1")
    assert chat.say(typed, "deny" if typed == "meh" else "inform")[-1] == "utter_ask_resolution"
    assert chat.state.task.reason is not None


def test_a_reason_the_bot_cannot_place_is_other(chat):
    verified_alice(chat)
    chat.say("socks")
    chat.say("because")
    assert chat.state.task.reason == "other"


def test_a_reason_that_names_the_chosen_item_is_its_reason(chat):
    verified_alice(chat)
    chat.say("the shoes")
    assert chat.say("the shoes rub on my heel")[-1] == "utter_ask_resolution"
    assert chat.state.task.reason == "other" and chat.state.task.line_ids == ("L1",)


def test_another_item_named_at_the_reason_prompt_is_a_change_of_item(chat):
    verified_alice(chat)
    chat.say("the shoes")
    assert chat.say("the socks")[-1] == "utter_ask_return_reason"
    assert chat.state.task.line_ids == ("L2",) and not chat.state.task.reason


def test_a_return_asked_for_again_is_the_one_issued_not_one_for_the_item_left(chat):
    chat.say(f"the shoes from order {ALICE_ORDER} are too small", "request_return")
    assert chat.say(ALICE_EMAIL)[-1] == "utter_ask_resolution"
    assert chat.say("exchange")[-1] == "utter_rma_issued"
    chat.say("exchange them for a bigger size please", "request_return")
    assert [rma.line_id for rma in chat.rmas()] == ["L1"]
    chat.say("I want to return the socks too, they're also too small", "request_return")
    assert chat.state.task.line_ids == ("L2",)


def test_two_items_each_with_a_reason_of_its_own_are_two_returns_each_with_its_reason(chat):
    chat.say(f"hi, order {ALICE_ORDER}. the shoes are too small for me (my mistake really) and the socks are way too "
             "big, they slide down all day", "request_return")
    assert chat.say(ALICE_EMAIL)[-1] == "utter_ask_resolution"  # decided alike: one question for both
    assert chat.state.task.line_ids == ("L1", "L2") and not chat.state.queued
    assert chat.say("refund please", "request_refund").count("utter_rma_issued") == 2
    assert sorted((r.line_id, r.reason.value) for r in chat.rmas()) == [("L1", "too_small"), ("L2", "too_large")]


def test_two_items_with_reasons_the_policy_decides_apart_are_two_returns(chat):
    verified_alice(chat)
    keys = chat.say("the shoes are too small and the socks arrived damaged, torn at the heel")
    assert keys[-2:] == ["utter_queued_return", "utter_ask_resolution"]
    assert chat.state.task.line_ids == ("L1",) and chat.state.task.reason == "too_small"
    chat.say("refund please", "request_refund")
    assert ("L2", "damaged") in [(r.line_id, r.reason.value) for r in chat.rmas()]


def test_two_items_each_with_a_reason_named_once_verified_are_one_question(chat):
    verified_alice(chat)
    assert chat.say("the shoes are too small and the socks too big")[-1] == "utter_ask_resolution"
    assert chat.state.task.line_ids == ("L1", "L2") and not chat.state.queued
    chat.say("refund please", "request_refund")
    assert sorted((r.line_id, r.reason.value) for r in chat.rmas()) == [("L1", "too_small"), ("L2", "too_large")]


def test_two_items_with_one_reason_are_one_return(chat):
    chat.say(f"the shoes and the socks from order {ALICE_ORDER} are both too small", "request_return")
    assert chat.say(ALICE_EMAIL)[-1] == "utter_ask_resolution"
    assert chat.state.task.line_ids == ("L1", "L2") and chat.state.task.reason == "too_small" and not chat.state.queued


def test_stop_and_a_person_work_at_every_step(chat):
    verified_alice(chat)
    chat.say("the shoes")
    assert chat.say("stop", "stop") == ["utter_stopped"] and chat.state.task is None
    verified_alice(chat)
    assert chat.say("talk to a human", "human_handoff") == ["utter_handoff"]
    assert chat.services.returns.handoffs.list()[-1].order_id == ALICE_ORDER


def test_yes_to_the_offered_person_opens_a_case(chat):
    chat.say("i want to return order 12-34567-89012", "request_return")
    assert chat.say("SW1A 1AA")[-1] == "utter_not_eligible_window_closed"
    assert chat.say("yes please", "affirm") == ["utter_handoff"]


def test_yes_to_where_is_it_gives_the_tracking(chat):
    chat.say("return order #1002", "request_return")
    assert chat.say(CHLOE_EMAIL)[-1] == "utter_not_eligible_not_delivered"
    assert chat.say("yes", "affirm") == ["utter_tracking"]
    assert "on its way" in chat.value("utter_tracking", "status_text")


def test_a_typed_yes_to_where_is_it_outweighs_a_guessed_stop(chat):
    chat.say("return order #1002", "request_return")
    assert chat.say(CHLOE_EMAIL)[-1] == "utter_not_eligible_not_delivered"
    assert chat.say("va, pasamelo", "stop", 0.52) == ["utter_tracking"]
    other = Chat(chat.services, "web:stop-said")
    other.say("return order #1002", "request_return")
    other.say(CHLOE_EMAIL)
    assert "utter_tracking" not in other.say("stop", "stop", 0.9)


def test_no_after_anything_else_says_goodbye_and_does_not_loop(chat):
    chat.say("thanks", "thank")
    assert chat.say("no", "deny") == ["utter_goodbye"]
    chat.say("thanks", "thank")
    assert chat.say("sure", "affirm") == ["utter_how_can_i_help"]


@pytest.mark.parametrize("question, key", [
    ("how long do I have to return?", "utter_policy_window"),
    ("who pays return shipping?", "utter_policy_shipping_customer"),
    ("do you refund shipping?", "utter_policy_shipping_not_refunded"),
    ("what's your return policy?", "utter_policy_summary"),
])
def test_policy_questions_are_answered_from_the_policy(chat, question, key):
    assert chat.say(question, "ask_policy") == [key]
    assert chat.state.task is None


def test_a_policy_question_at_the_resolution_prompt_issues_nothing_and_resumes(chat):
    verified_alice(chat)
    chat.say("shoes")
    chat.say("too big")
    assert chat.say("do you refund shipping?", "request_refund", 0.6) == [
        "utter_policy_shipping_not_refunded", "utter_resume", "utter_ask_resolution"]
    assert chat.rmas() == []


def test_a_refund_question_at_the_item_prompt_is_answered_and_the_flow_resumes(chat):
    verified_alice(chat)
    assert chat.say("where is my refund?", "where_is_my_refund") == [
        "utter_no_returns_yet", "utter_resume", "utter_ask_line"]


def test_the_socks_instead_switches_the_item(chat):
    verified_alice(chat)
    chat.say("the shoes")
    chat.say("too small")
    chat.say("actually I want to return the socks instead", "request_return")
    assert chat.state.task.line_ids == ("L2",)


def test_two_requests_in_one_message_are_both_handled(chat):
    keys = chat.say(f"where is my order {ALICE_ORDER} and can I return the shoes?", "track_order")
    assert "utter_queued_return" in keys and keys[-1] == "utter_ask_customer_proof"
    keys = chat.say(ALICE_EMAIL)
    assert keys[0] == "utter_tracking" and "utter_next_request" in keys


def test_a_failed_check_keeps_the_order_number_for_the_next_email(chat):
    chat.say(f"return order {ALICE_ORDER}", "request_return")
    assert chat.say("wrong@example.com")[-1] == "utter_verification_failed_keep"
    assert chat.state.task.order_id == ALICE_ORDER
    assert chat.say(ALICE_EMAIL)[-1] == "utter_ask_line"


def test_a_corrected_order_number_is_followed(chat):
    chat.say("return order 114-3941689-8772233", "request_return")
    keys = chat.say("sorry, wrong number, it's #1004")
    assert keys == ["utter_ask_customer_proof"] and chat.state.task.order_id == "#1004"


def test_items_by_ordinal_and_both(chat):
    verified_alice(chat)
    chat.say("the second one")
    assert chat.state.task.line_ids == ("L2",)
    chat2 = verified_alice(Chat(chat.services, "web:dm-test-2"))
    chat2.say("both")
    assert chat2.state.task.line_ids == ("L1", "L2")


def test_a_named_item_is_not_asked_again(chat):
    chat.say(f"I want to return my shoes, order {ALICE_ORDER}", "request_return")
    assert chat.say(ALICE_EMAIL)[-1] == "utter_ask_return_reason"


def test_items_already_being_returned_are_not_offered(chat):
    verified_alice(chat)
    chat.say("shoes")
    chat.say("too small")
    chat.say("refund")
    keys = chat.say(f"I'd like to return something else from order {ALICE_ORDER}", "request_return")
    assert keys[-1] == "utter_ask_return_reason"  # one line left: nothing to choose
    assert chat.state.task.line_ids == ("L2",)


def test_an_order_found_by_its_tracking_number_still_needs_the_proof(chat):
    keys = chat.say("I only have the tracking number 1Z999AA10123456784", "no_order_number")
    assert keys[-1] == "utter_ask_customer_proof" and chat.state.task.order_id == ALICE_ORDER
    assert not any(s.key == "utter_tracking" for s in chat.says)


def test_without_any_number_the_customer_is_told_where_to_find_it(chat):
    chat.say("I want to return my jacket", "request_return")
    assert chat.say("I don't know my order number", "no_order_number")[0] == "utter_find_order_number"


@pytest.mark.parametrize("correction", ["oh sorry i meant 1042", "sorry wrong number, its 1042", "pardon, c'est la 1042",
                                        "说错了，是1042"])
def test_an_order_number_corrected_while_its_proof_is_asked_is_the_order(chat, correction):
    chat.say("I want to return my jacket from order 3999", "request_return")
    assert chat.state.task.step == "proof" and chat.state.task.order_id == "#3999"
    assert chat.say(correction)[-1] == "utter_ask_customer_proof"
    assert chat.state.task.order_id == "#1042"


def test_a_postcode_of_digits_is_no_correction_of_the_order_number(chat):
    chat.say(f"I want to return my jacket from order {ALICE_ORDER}", "request_return")
    chat.say("2000")
    assert chat.state.task is None or chat.state.task.order_id == ALICE_ORDER


@pytest.mark.parametrize("answer", ["I don't know", "no idea", "weiß ich nicht mehr", "keine Ahnung", "je sais pas",
                                    "no lo sé", "non lo so", "不知道"])
def test_i_dont_know_to_the_order_number_question_gets_the_help_to_find_it(chat, answer):
    chat.say("where is my refund", "ask_refund_status")
    assert chat.state.task.step == "order_id"
    assert chat.say(answer, "deny", 0.8) == ["utter_find_order_number"]  # not a stop, not a "no" to go on
    assert chat.state.task is not None and chat.state.offer == "person"


@pytest.mark.parametrize("answer", ["sì", "ok", "yes please", "nein"])
def test_a_yes_or_no_to_the_reason_question_is_no_reason(chat, answer):
    verified_alice(chat)
    chat.say("/inform", line_id="L1")
    assert chat.state.task.step == "reason"
    chat.say(answer, "affirm")
    assert chat.state.task.reason is None and chat.state.task.step == "reason"
    assert chat.say("too small")[-1] == "utter_ask_resolution"


@pytest.mark.parametrize("found", ["oh wait found it, it's 1042", "ah warte hab sie doch gefunden: 1042",
                                   "ah trouvé, c'est le 1042", "ya lo encontre, es el 1042", "ah eccolo, è il 1042",
                                   "找到了，是1042"])
def test_an_order_number_found_after_the_help_is_read_in_its_sentence(chat, found):
    chat.say("I want to return my jacket", "request_return")
    assert chat.say("I don't know my order number", "no_order_number")[-1] == "utter_find_order_number"
    keys = chat.say(found)  # no "#": still the number asked for, not a "yes" ("ya") to the person offered
    assert keys == ["utter_ask_customer_proof"] and chat.state.task.order_id == "#1042"


@pytest.mark.parametrize("found", ["oh wait, found it!", "ya lo encontré", "warte, hab sie doch gefunden", "找到了"])
def test_found_it_after_the_help_is_no_yes_to_the_person_it_offered(chat, found):
    chat.say("I want to return my jacket", "request_return")
    chat.say("I don't know my order number", "no_order_number")
    assert chat.say(found) == ["utter_ask_order_id"]  # the number comes next: no case, no "not an order number"
    assert chat.say("1042") == ["utter_ask_customer_proof"] and chat.state.task.order_id == "#1042"


@pytest.mark.parametrize("other", ["my postcode is 10115", "I paid 1042 EUR", "my mobile is 0612345678",
                                   "I ordered it in 2024", "I bought 1500 pieces"])
def test_other_numbers_after_the_order_number_help_are_no_order_number(chat, other):
    chat.say("I want to return my jacket", "request_return")
    chat.say("I don't know my order number", "no_order_number")
    chat.say(other)
    assert chat.state.task.order_id is None


def test_delivered_but_never_received_offers_a_person(chat):
    chat.say(f"my order {ALICE_ORDER} says delivered but I never got it", "track_order")
    assert chat.say(ALICE_EMAIL) == ["utter_tracking_not_received"]
    assert chat.say("yes", "affirm") == ["utter_handoff"]


def test_damage_on_an_amazon_fulfilled_order_gets_an_apology(chat):
    chat.say("my keyboard arrived broken, order 113-5550123-4567890", "report_damage")
    assert chat.say("94107")[-1] == "utter_amazon_fba_damaged"


def test_a_cancel_is_confirmed_before_anything_is_cancelled(chat, services):
    chat.say("please cancel order #1003", "cancel_order")
    assert chat.say(CHLOE_EMAIL)[-1] == "utter_confirm_cancel"
    assert services.store.get_order("#1003").status.value == "processing"
    assert chat.say("yes", "affirm") == ["utter_cancel_done"]
    assert services.store.get_order("#1003").status.value == "cancelled"


def test_a_cancel_can_be_declined(chat, services):
    chat.say("please cancel order #1003", "cancel_order")
    chat.say(CHLOE_EMAIL)
    assert chat.say("no", "deny") == ["utter_cancel_kept"]
    assert services.store.get_order("#1003").status.value == "processing"


GEORGE_ORDER, GEORGE_POSTCODE = "#2146", "OX1 2JD"  # web, processing: Yoga mat x2, E-reader 6-inch


def cancelled_units(services, order_id: str = GEORGE_ORDER):
    order = services.store.get_order(order_id)
    return {line.title: line.cancelled_quantity for line in order.lines if line.cancelled_quantity}


def test_one_named_item_is_cancelled_and_the_rest_still_sent(chat, services):
    chat.say("please cancel the e-reader from #2146", "cancel_order")
    assert chat.say(GEORGE_POSTCODE)[-1] == "utter_confirm_cancel_items"
    assert chat.value("utter_confirm_cancel_items", "items") == "E-reader 6-inch"
    assert chat.value("utter_confirm_cancel_items", "rest") == "Yoga mat (x2)"
    assert cancelled_units(services) == {}
    assert chat.say("yes", "affirm")[0] == "utter_cancel_items_done"
    assert cancelled_units(services) == {"E-reader 6-inch": 1}
    assert services.store.get_order(GEORGE_ORDER).status.value == "processing"


def test_some_units_of_a_line_are_cancelled(chat, services):
    chat.say("cancel one of the yoga mats from #2146", "cancel_order")
    chat.say(GEORGE_POSTCODE)
    assert chat.value("utter_confirm_cancel_items", "items") == "Yoga mat"
    assert chat.value("utter_confirm_cancel_items", "rest") == "Yoga mat, E-reader 6-inch"
    chat.say("yep", "affirm")
    assert cancelled_units(services) == {"Yoga mat": 1}


def test_the_whole_order_is_cancelled_once_nothing_is_left(chat, services):
    chat.say("cancel the e-reader from #2146", "cancel_order")
    chat.say(GEORGE_POSTCODE)
    chat.say("yes", "affirm")
    chat.say("and cancel the yoga mats too", "cancel_order")
    assert chat.value("utter_confirm_cancel", "items") == "Yoga mat (x2)"
    assert chat.say("yes", "affirm") == ["utter_cancel_done"]
    assert services.store.get_order(GEORGE_ORDER).status.value == "cancelled"


def test_what_is_cancelled_can_be_corrected_before_confirming(chat, services):
    chat.say("cancel order #2146", "cancel_order")
    assert chat.say(GEORGE_POSTCODE)[-1] == "utter_confirm_cancel"
    assert chat.say("no wait, only the e-reader", "deny")[-1] == "utter_confirm_cancel_items"
    assert cancelled_units(services) == {}
    chat.say("yes", "affirm")
    assert cancelled_units(services) == {"E-reader 6-inch": 1}


def test_part_of_an_order_asks_which_and_a_yes_there_cancels_nothing(chat, services):
    chat.say("I need to cancel part of my order #2146", "cancel_order")
    assert chat.say(GEORGE_POSTCODE)[-1] == "utter_ask_cancel_items"
    assert "The whole order" in chat.buttons()
    chat.say("yes", "affirm")
    assert cancelled_units(services) == {} and services.store.get_order(GEORGE_ORDER).status.value == "processing"
    assert chat.say("the second one")[-1] == "utter_confirm_cancel_items"
    chat.say("yes", "affirm")
    assert cancelled_units(services) == {"E-reader 6-inch": 1}


def test_an_item_said_with_too_is_added_and_unwanted_means_cancel(chat, services):
    chat.say("I don't need the e-reader anymore, order #2146", "cancel_order")
    chat.say(GEORGE_POSTCODE)
    assert chat.value("utter_confirm_cancel_items", "items") == "E-reader 6-inch"
    chat.say("and one of the yoga mats too")
    assert chat.value("utter_confirm_cancel_items", "items") == "Yoga mat, E-reader 6-inch"
    chat.say("yes", "affirm")
    assert cancelled_units(services) == {"Yoga mat": 1, "E-reader 6-inch": 1}


def test_cancel_everything_to_the_whole_order_question_confirms_it(chat, services):
    chat.say("cancel #2146", "cancel_order")
    chat.say(GEORGE_POSTCODE)
    assert chat.say("ok then cancel everything", "stop") == ["utter_cancel_done"]
    assert services.store.get_order(GEORGE_ORDER).status.value == "cancelled"


def test_a_repeated_yes_cancels_nothing_more(chat, services):
    chat.say("cancel one of the yoga mats from #2146", "cancel_order")
    chat.say(GEORGE_POSTCODE)
    waiting = chat.state
    chat.say("yes", "affirm")
    chat.state = waiting  # the action's reply was lost: the slot still waits for the yes
    chat.say("yes", "affirm")
    assert cancelled_units(services) == {"Yoga mat": 1}


def test_where_the_store_cancels_whole_orders_only_the_customer_is_told_so(chat, services):
    from dataclasses import replace
    services.returns.policy = replace(services.returns.policy, cancel_single_items=frozenset())
    chat.say("cancel the e-reader from #2146", "cancel_order")
    keys = chat.say(GEORGE_POSTCODE)
    assert keys[-2:] == ["utter_cancel_whole_order_only", "utter_confirm_cancel"]
    assert chat.say("no", "deny") == ["utter_cancel_kept"]
    assert cancelled_units(services) == {} and services.store.get_order(GEORGE_ORDER).status.value == "processing"


def test_the_portal_link_is_given_once_per_conversation(chat):
    verified_alice(chat)
    chat.say("stop", "stop")
    keys = chat.say(f"return order {ALICE_ORDER}", "request_return")
    assert "utter_ack_request" not in keys


def test_two_misunderstandings_in_a_row_offer_a_person(chat):
    assert chat.say("blorp", "nlu_fallback", 0.2) == ["utter_clarify"]
    assert chat.say("zzz", "nlu_fallback", 0.2) == ["utter_offer_human"]
    assert chat.say("yes", "affirm") == ["utter_handoff"]


def test_a_tampered_state_is_a_fresh_start():
    assert State.from_dict({"task": {"goal": "hack", "verified": True}}) == State()
    assert State.from_dict({"task": {"goal": "return", "verified": "yes"}}) == State()
    assert State.from_dict("nonsense") == State()
    state = State(task=Task(goal="return", order_id="#1", step=Step.LINES, line_ids=("L1",)),
                  queued=(Queued("track", "#2", "where is #2"),), paused=Task(goal="track", order_id="#3"))
    assert State.from_dict(state.to_dict()) == state


def test_a_slot_marked_verified_does_not_skip_the_check(chat):
    chat.state = State(task=Task(goal="track", order_id=ALICE_ORDER, verified=True))
    keys = chat.say("where is it", "track_order")
    assert "utter_tracking" not in keys



def test_each_request_of_a_message_keeps_its_own_order(chat):
    keys = chat.say("cancel #1003 and where is #1002?", "cancel_order")
    assert "utter_queued_track" in keys and chat.state.task.order_id == "#1003"
    assert chat.say(CHLOE_EMAIL)[-1] == "utter_confirm_cancel"
    keys = chat.say("yes", "affirm")
    assert keys[:2] == ["utter_cancel_done", "utter_next_request"]
    assert keys[-1] == "utter_tracking"  # the same customer's other order: the email given once verifies it
    assert chat.value("utter_tracking", "order_id") == "#1002"


def test_a_detour_about_another_order_pauses_the_return_and_resumes_it(chat):
    verified_alice(chat)
    chat.say("the shoes")
    keys = chat.say("also where is my other order #1004?", "track_order")
    assert keys[-1] == "utter_ask_customer_proof" and chat.state.paused.order_id == ALICE_ORDER
    keys = chat.say("M5V 2T6")
    assert keys == ["utter_tracking", "utter_resume", "utter_ask_return_reason"]


def test_a_proof_that_fits_no_other_order_is_not_counted_as_a_guess(chat, services):
    verified_alice(chat)
    chat.say("stop", "stop")
    chat.say("where is #1002", "track_order")  # Chloe's: Alice's email does not fit it
    assert chat.says[-1].key == "utter_ask_customer_proof"
    assert services.store.failed_verifications(chat.conv, "#1002", services.returns.clock() - services.returns.lockout.window) == 0


@pytest.mark.parametrize("typed", ["store credit", "a voucher / store credit is fine", "3", "can I get store credit?"])
def test_typed_resolutions_are_answers_never_a_stop(chat, typed):
    verified_alice(chat)
    chat.say("the shoes")
    chat.say("too small")
    keys = chat.say(typed, "stop" if typed == "store credit" else "inform", 0.7)
    assert keys == ["utter_rma_issued"] and chat.rmas()[0].resolution.value == "store_credit"


def test_can_i_still_return_it_is_answered_with_the_orders_own_date(chat):
    chat.say(f"can i still return my order {ALICE_ORDER}?", "request_return")
    keys = chat.say(ALICE_EMAIL)
    assert keys[0] == "utter_return_window_for_order" and keys[-1] == "utter_ask_line"


def test_nothing_is_asked_about_an_order_that_has_not_arrived(chat):
    chat.say("return the wool jacket from #1002", "request_return")
    assert chat.say(CHLOE_EMAIL) == ["utter_not_eligible_not_delivered"]


def test_i_already_sent_it_back_asks_where_it_stands_not_for_a_new_return(chat):
    verified_alice(chat)
    chat.say("the shoes")
    chat.say("too small")
    chat.say("refund")
    keys = chat.say("I already sent the shoes back, where is my refund?", "request_return")
    assert keys == ["utter_return_on_its_way"]


def test_a_bare_number_in_a_message_about_a_parcel_names_the_order(chat):
    assert chat.say("my parcel 1001 hasn't come", "track_order")[-1] == "utter_ask_customer_proof"
    assert chat.state.task.order_id == "#1001"


@pytest.mark.parametrize("answer", ["75011", "075011"])
def test_a_postcode_shaped_answer_while_the_order_named_waits_for_proof_is_no_new_order(chat, answer):
    chat.say("return order #1001", "request_return")
    keys = chat.say(answer, order_id="#" + answer)  # (as an NLU model may tag it)
    assert chat.state.task.order_id == "#1001"
    assert chat.state.task.verified == (answer == "75011")  # (the proof checked: right, or refused)
    assert keys[-1] != "utter_ask_customer_proof" or answer != "75011"


def test_a_verification_gone_mid_return_is_checked_again_and_the_answer_kept(chat):
    """Expired, or erased meanwhile: the turn checks the conversation's proof again instead of failing
    (the customer saw "something went wrong" on every message), and the answer is not lost."""
    import sqlalchemy as sa

    from bot.sql.schema import verifications

    verified_alice(chat)
    assert chat.say("the shoes")[-1] == "utter_ask_return_reason"
    with chat.services.store.engine.begin() as conn:
        conn.execute(verifications.delete())
    assert chat.say("they're too tight")[-1] == "utter_ask_resolution"
    assert chat.state.task.reason == "too_small"
    assert chat.services.store.engine.connect().execute(sa.select(sa.func.count()).select_from(verifications)).scalar()


# -- the third English set written apart (tests/conversations/fresh3_english.yml) ------------------------
def test_two_policy_questions_in_one_question_are_both_answered(chat):
    says = chat.say("quick q - how many days do i have to return stuff, and do i have to pay the postage for returns?",
                    "ask_policy", 1.0)
    assert "utter_policy_window" in says and "utter_policy_shipping_customer" in says


def test_how_long_until_the_money_comes_back_is_the_refund_timing(chat):
    assert chat.say("after you receive it, how long until money comes back to my card?", "ask_policy") == [
        "utter_policy_refund_timing"]


@pytest.mark.parametrize("words", ["i dont want to chat with a machine, get me someone real",
                                   "can I talk to an actual human"])
def test_a_person_asked_for_in_the_customers_own_words(chat, words):
    assert chat.say(words, "out_of_scope", 0.5) == ["utter_handoff"]


def test_ok_then_another_item_after_a_refusal_is_that_item_not_the_offered_person(chat):
    chat.say("can i return the gift card from order 27-11111-22222? we didn't need it", "request_return")
    assert chat.say("dan.lee@example.com")[-1] == "utter_not_eligible_non_returnable_category"
    says = chat.say("oh ok. what about the earbuds then, they're too small", "out_of_scope", 0.47)
    assert "utter_handoff" not in says and not chat.services.returns.handoffs.list()
    assert chat.state.task.line_ids == ("L1",) and chat.state.task.reason == "too_small"


def test_a_fit_the_nlu_read_as_a_cancel_is_a_return(chat):
    chat.say(f"hi got these shoes off your amazon shop, order {ALICE_ORDER}, too small for my son", "cancel_order", 0.73)
    assert chat.state.task.goal == "return"
    assert chat.say(ALICE_EMAIL)[-1] == "utter_ask_resolution"


def test_wrong_one_said_with_the_new_proof_is_no_reason(chat):
    chat.say(f"the shoes from {ALICE_ORDER} are too big on me, want to return them", "request_return")
    chat.say("alice99@gmail.com")
    assert chat.say("sorry wrong one, try my zip 94107")[-1] == "utter_ask_resolution"
    assert chat.state.task.reason == "too_large"


def test_yes_the_bigger_size_after_the_exchange_is_that_exchange_again(chat):
    chat.say(f"the shoes from order {ALICE_ORDER} are a touch too small, can i swap em for a size up?", "request_exchange")
    assert chat.say(ALICE_EMAIL)[-1] == "utter_rma_issued"
    chat.say("yep the bigger size pls", "request_exchange", 0.93)
    assert [rma.line_id for rma in chat.rmas()] == ["L1"]


def test_the_wrong_one_said_of_the_item_with_its_order_number_is_the_reason(chat):
    chat.say(f"got my order {ALICE_ORDER} today but the shoes are the wrong one, i ordered black and got pink ones",
             "no_order_number", 0.46)
    chat.say(ALICE_EMAIL)
    assert chat.state.task.reason == "wrong_item"


def test_a_count_said_before_one_items_name_is_its_quantity_when_others_are_named(chat, services):
    from decimal import Decimal

    from tests.builders import line, order

    placed = order(line(line_id="L1", sku="BRA-1", title="Seamless bralette", category="underwear"),
                   line(line_id="L2", sku="TEE-3", title="Organic cotton T-shirt", category="apparel", quantity=3,
                        unit_price=Decimal("24.00")), order_id="114-0000000-0000077")
    services.store.upsert_orders([placed])
    chat.say("Hi, I'd like to return the bralette and 2 of the t-shirts from 114-0000000-0000077. "
             "The shirts are too big.", "request_return")
    chat.say("94107")
    chat.say("refund please", "request_refund")
    (rma,) = chat.rmas("114-0000000-0000077")
    assert (rma.line_id, rma.quantity, rma.reason.value) == ("L2", 2, "too_large")


def test_the_wrong_item_sent_for_an_item_that_cannot_be_returned_goes_to_a_person(chat, services):
    from tests.builders import line, order

    placed = order(line(line_id="L1", sku="BRA-1", title="Seamless bralette", category="underwear"),
                   line(line_id="L2", sku="TEE-3", title="Organic cotton T-shirt", category="apparel"),
                   order_id="114-0000000-0000078")
    services.store.upsert_orders([placed])
    chat.say("Hello, I have received wrong item in order 114-0000000-0000078, I ordered the bralette but got "
             "something else", "request_return")
    assert chat.say("94107") == ["utter_handoff"]  # not "underwear can't be returned": the mistake is the shop's
    case = services.store.handoffs.active(chat.conv)
    assert (case.reason, case.order_id) == ("policy_exception", "114-0000000-0000078") and "Seamless bralette" in case.summary
    assert list(chat.rmas("114-0000000-0000078")) == [] and chat.state.task is None


def test_store_credit_instead_right_after_the_refund_changes_that_return(chat):
    chat.say(f"the shoes from order {ALICE_ORDER} are too big for me", "request_return")
    chat.say(ALICE_EMAIL)
    assert chat.say("refund")[-1] == "utter_rma_issued"
    assert chat.say("ah no wait, store credit instead please", "stop", 0.68) == ["utter_rma_issued"]
    (rma,) = chat.rmas()
    assert (rma.line_id, rma.resolution.value, rma.status.value) == ("L1", "store_credit", "label_created")
    assert chat.state.task is None


def test_a_resolution_cannot_change_once_the_item_is_on_its_way(chat, services):
    from bot.models import RmaStatus

    chat.say(f"the shoes from order {ALICE_ORDER} are too big for me", "request_return")
    chat.say(ALICE_EMAIL)
    chat.say("refund")
    (rma,) = chat.rmas()
    services.returns.update_rma_status(rma.rma_id, RmaStatus.IN_TRANSIT)
    assert chat.services.returns.change_resolution("web:dm-test", rma.rma_id, chat_resolution("store_credit")) is None
    assert chat.say("actually store credit instead") != ["utter_rma_issued"]
    assert chat.rmas()[0].resolution.value == "refund"


def chat_resolution(value: str):
    from bot.models import Resolution

    return Resolution(value)


def test_the_keys_of_the_keyboard_at_the_reason_prompt_are_its_reason_not_the_licence_key(chat, services):
    from tests.builders import line, order

    placed = order(line(line_id="L1", sku="KB-1", title="Mechanical keyboard", category="electronics"),
                   line(line_id="L2", sku="LIC-1", title="Photo editor licence key", category="digital"),
                   order_id="114-0000000-0000078")
    services.store.upsert_orders([placed])
    chat.say("I want to return the mechanical keyboard, order 114-0000000-0000078", "request_return")
    assert chat.say("94107")[-1] == "utter_ask_return_reason"
    assert chat.say("the keys are too loud for my shared office")[-1] == "utter_ask_resolution"
    assert chat.state.task.line_ids == ("L1",) and chat.state.task.reason == "not_as_described"


def test_each_item_returned_at_once_keeps_the_reason_said_about_it_alone(chat):
    chat.say(f"order {ALICE_ORDER}: the running shoes are too small for me and the socks are far too scratchy. "
             "I'd like to return both", "request_return")
    chat.say(ALICE_EMAIL)
    chat.say("refund please", "request_refund")
    reasons = {rma.line_id: rma.reason.value for rma in chat.rmas()}
    assert reasons == {"L1": "too_small", "L2": "not_as_described"}
