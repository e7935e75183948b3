"""The arithmetic of `make soak` (benchmarks/soak.py): when a customer gives up, what counts as a lost or
doubled message or reply, the store's checks, the fault plan and the memory slope. The soak itself
runs the stack for half an hour and is not run here."""
from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.soak import (Attempt, ConversationRecord, Message, OutboxRow, Window, as_rasa_reads, classify,
                             delivery_figures, doubled_turns, fault_at, fault_free, fault_plan, gives_up, memory_figures,
                             pooled_slope, store_figures, unrecorded_turns)

SORRY = {"text": "Sorry, I'm having trouble right now. Please try again in a moment."}
CID = "web:abc"


def attempt(id_: str, started: float, ended: float, outcome: str = "answered") -> Attempt:
    return Attempt(id_, started, ended, outcome, sends=1)


def row(seq: int, message_id: str, i: int = 0, payload=None, cid: str = CID) -> OutboxRow:
    return OutboxRow(cid, seq, f"{cid}:msg:{message_id}:{i}", payload or {"text": f"reply {seq}"})


def conversation(messages, delivered, cid: str = CID) -> ConversationRecord:
    return ConversationRecord(cid, "return", list(messages), Counter(delivered))


# -- what the page makes of an answer ----------------------------------------------------------
@pytest.mark.parametrize("status, body, outcome", [
    (200, {"messages": [{"text": "Which item?", "seq": 3}], "cursor": 3}, "answered"),
    (200, {"messages": [SORRY], "cursor": 4}, "apology"),
    (200, {"messages": [], "cursor": 2, "notice": "Sorry, your last message may not have reached us."}, "notice"),
    (200, {"messages": [], "cursor": 2}, "no messages"),
    (503, None, "http 503"),
    (500, None, "http 500"),
])
def test_an_answer_counts_only_with_a_message_that_is_not_the_apology(status, body, outcome):
    assert classify(status, body) == outcome


# -- when a customer gives up --------------------------------------------------------------------
def test_an_attempt_is_fault_free_only_well_clear_of_every_fault():
    windows = [Window("rasa-kill", 100.0, 140.0)]
    assert fault_free(windows, 50.0, 60.0, settle=5.0)
    assert not fault_free(windows, 95.0, 101.0, settle=5.0)  # the fault began during it
    assert not fault_free(windows, 143.0, 144.0, settle=5.0)  # too soon after it ended
    assert fault_free(windows, 146.0, 147.0, settle=5.0)
    assert not fault_free([Window("db-lock", 100.0)], 500.0, 501.0, settle=5.0)  # still on


def test_a_problem_is_put_down_to_the_fault_under_way_when_it_happened():
    windows = [Window("rasa-kill", 36.0, 70.0), Window("tracker-lock", 144.0, 152.4)]
    assert fault_at(windows, 149.0) == "tracker-lock"
    assert fault_at(windows, 30.0, 40.0) == "rasa-kill"  # an attempt that ran into it
    assert fault_at(windows, 100.0) == ""


def test_a_customer_keeps_trying_through_a_fault_and_gives_up_after_failures_outside_it():
    windows = [Window("rasa-kill", 10.0, 60.0)]
    during = [attempt(f"a{i}", 12.0 + 4 * i, 13.0 + 4 * i, "apology") for i in range(10)]
    assert not gives_up(during, windows, now=50.0, settle=5.0, tries=2, patience=600.0)
    one_after = during + [attempt("b1", 70.0, 71.0, "apology")]
    assert not gives_up(one_after, windows, now=71.0, settle=5.0, tries=2, patience=600.0)
    two_after = one_after + [attempt("b2", 75.0, 76.0, "notice")]
    assert gives_up(two_after, windows, now=76.0, settle=5.0, tries=2, patience=600.0)


def test_a_customer_gives_up_on_a_fault_that_never_ends_after_their_patience():
    windows = [Window("rasa-kill", 10.0)]
    tries = [attempt("a", 11.0, 12.0, "apology")]
    assert not gives_up(tries, windows, now=600.0, settle=5.0, tries=2, patience=600.0)
    assert gives_up(tries, windows, now=611.0, settle=5.0, tries=2, patience=600.0)


# -- lost and doubled --------------------------------------------------------------------------
def test_a_message_answered_after_an_apology_is_neither_lost_nor_doubled():
    message = Message("refund please", [attempt("m1", 10.0, 11.0, "apology"), attempt("m2", 15.0, 16.0)])
    rows = [row(1, "m1", payload=SORRY), row(2, "m2")]
    figures = delivery_figures([conversation([message], {1: 1, 2: 1})], rows)
    assert (figures["messages"], figures["answered"], figures["attempts"]) == (1, 1, 2)
    assert (figures["lost_messages"], figures["lost_replies"], figures["doubled_replies"]) == (0, 0, 0)


def test_a_message_its_customer_gave_up_on_is_lost():
    message = Message("hello", [attempt("m1", 10.0, 11.0, "http 500"), attempt("m2", 15.0, 16.0, "http 500")],
                      lost=True)
    figures = delivery_figures([conversation([message], {})], [])
    assert figures["lost_messages"] == 1
    assert "hello" in figures["samples"]["lost_messages"][0]


def test_a_queued_reply_the_page_never_received_is_a_lost_reply():
    message = Message("where is my order", [attempt("m1", 10.0, 11.0)])
    rows = [row(1, "m1", 0), row(2, "m1", 1)]
    figures = delivery_figures([conversation([message], {1: 1})], rows)
    assert (figures["replies"], figures["lost_replies"]) == (2, 1)


def test_real_answers_to_two_attempts_of_one_message_are_a_doubled_reply():
    # the first attempt timed out at the page but was answered; the page pulled that answer too
    message = Message("refund please", [attempt("m1", 10.0, 70.0, "TimeoutError"), attempt("m2", 75.0, 76.0)])
    rows = [row(1, "m1"), row(2, "m2")]
    figures = delivery_figures([conversation([message], {1: 1, 2: 1})], rows)
    assert figures["doubled_replies"] == 1
    assert figures["lost_replies"] == 0


def test_the_same_row_received_twice_is_shown_once_and_not_doubled():
    message = Message("hi", [attempt("m1", 10.0, 11.0)])
    figures = delivery_figures([conversation([message], {1: 2})], [row(1, "m1")])
    assert (figures["doubled_replies"], figures["redelivered"]) == (0, 1)


def test_rows_of_other_conversations_and_unknown_keys_are_told_apart():
    message = Message("hi", [attempt("m1", 10.0, 11.0)])
    rows = [row(1, "m1"), row(2, "agent-reply", cid=CID), row(1, "x", cid="web:other")]
    figures = delivery_figures([conversation([message], {1: 1, 2: 1})], rows)
    assert (figures["replies"], figures["unexplained_rows"], figures["lost_replies"]) == (2, 1, 0)


def test_rasa_recording_more_customer_messages_than_the_gateway_took_is_a_doubled_turn():
    assert doubled_turns({"web:a": 5, "web:b": 3, "web:c": 2}, {"web:a": 5, "web:b": 4, "web:c": 1}) == {"web:c": 1}


def test_an_answered_turn_rasa_never_stored_is_found_by_its_text_and_time():
    answered = [("I want to return my shoes", 100.0, 100.1), ("Too small", 110.0, 120.0), ("refund please", 125.0, 125.1)]
    stored = [("I want to return my shoes", 100.05), ("refund please", 125.05)]
    assert unrecorded_turns(answered, stored) == [1]


def test_a_message_said_twice_needs_two_stored_turns_each_within_its_own_attempt():
    answered = [("refund", 10.0, 10.2), ("refund", 30.0, 30.2)]
    assert unrecorded_turns(answered, [("refund", 10.1), ("refund", 30.1)]) == []
    assert unrecorded_turns(answered, [("refund", 10.1)]) == [1]  # the earlier one does not stand in for it
    assert unrecorded_turns(answered, [("refund", 10.1), ("refund", 10.15)]) == [1]


def test_a_button_payload_matches_with_or_without_the_slash_the_gateway_may_strip():
    assert as_rasa_reads(' /inform{"line_id":"L1"} ') == as_rasa_reads('inform{"line_id":"L1"}')
    assert unrecorded_turns([('/choose{"x":1}', 5.0, 5.5)], [('choose{"x":1}', 5.2)]) == []


# -- the store ---------------------------------------------------------------------------------
def rma(rma_id, order="#1001", line="L1", quantity=1, cid=CID):
    return {"rma_id": rma_id, "order_id": order, "line_id": line, "quantity": quantity, "conversation_id": cid}


def test_store_with_one_rma_per_line_and_one_refund_per_rma_told_to_its_customers_is_clean():
    figures = store_figures([rma("RMA-1"), rma("RMA-2", line="L2", cid="web:x")], [{"rma_id": "RMA-1"}],
                            {("#1001", "L1"): 1, ("#1001", "L2"): 2}, {}, {CID: {"RMA-1"}}, {CID})
    assert figures["rmas_this_run"] == 1 and figures["refunds_this_run"] == 1
    assert all(figures[k] == 0 for k in ("doubled_rmas", "doubled_refunds", "refunds_without_rma",
                                         "rmas_over_quantity", "cancelled_over_quantity", "rmas_never_told",
                                         "rmas_told_unknown"))


def test_store_counts_every_kind_of_double_and_mismatch():
    rmas = [rma("RMA-1"), rma("RMA-2"), rma("RMA-3", line="L2", quantity=3)]
    refunds = [{"rma_id": "RMA-1"}, {"rma_id": "RMA-1"}, {"rma_id": "RMA-9"}]
    lines = {("#1001", "L1"): 1, ("#1001", "L2"): 2, ("#1003", "L1"): 1}
    figures = store_figures(rmas, refunds, lines, {("#1003", "L1"): 2}, {CID: {"RMA-1", "RMA-7"}}, {CID})
    assert figures["doubled_rmas"] == 1  # RMA-1 and RMA-2 on one line
    assert figures["doubled_refunds"] == 1
    assert figures["refunds_without_rma"] == 1
    assert figures["rmas_over_quantity"] == 1
    assert figures["cancelled_over_quantity"] == 1
    assert figures["rmas_never_told"] == 2  # RMA-2 and RMA-3 were never in what the page received
    assert figures["rmas_told_unknown"] == 1  # RMA-7 is not in the store


# -- the schedule and memory ---------------------------------------------------------------------
def test_a_short_run_gets_each_fault_once_and_none_in_its_last_half_minute():
    kinds = ["rasa-kill", "db-lock", "actions-kill", "tracker-lock"]
    plan = fault_plan(180.0, kinds)
    assert [kind for _, kind in plan] == kinds
    assert plan[0][0] == 36.0 and plan[-1][0] <= 150.0


def test_a_long_run_gets_about_one_fault_every_three_minutes_in_turn():
    plan = fault_plan(1800.0, ["rasa-kill", "db-lock"])
    assert len(plan) == 10
    assert [kind for _, kind in plan[:3]] == ["rasa-kill", "db-lock", "rasa-kill"]
    assert fault_plan(1800.0, []) == []
    assert len(fault_plan(600.0, ["db-lock"], every=60.0)) == 9


def test_the_slope_is_fitted_within_each_incarnation_so_a_restart_is_no_fall():
    # 10 MB per hour in both incarnations; the second starts 500 MB lower (a restart)
    first = [(t, 1, 600.0 + 10.0 * t / 3600) for t in range(0, 600, 60)]
    second = [(t, 2, 100.0 + 10.0 * t / 3600) for t in range(700, 1800, 60)]
    assert pooled_slope(first + second) * 3600 == pytest.approx(10.0)
    naive = pooled_slope([(t, 0, v) for t, _, v in first + second]) * 3600
    assert naive < -1000  # what a single line through both would claim


def test_a_flat_process_has_no_growth_and_too_few_samples_no_slope():
    assert pooled_slope([(t, 1, 50.0) for t in range(0, 100, 10)]) == 0.0
    assert pooled_slope([(0.0, 1, 50.0), (10.0, 2, 60.0)]) is None
    figures = memory_figures([(0.0, 1, 600.0), (1800.0, 1, 605.0), (1900.0, 2, 400.0), (3700.0, 2, 405.0)])
    assert figures["mb_per_hour"] == pytest.approx(10.0)
    assert (figures["incarnations"], figures["samples"], figures["max_mb"]) == (2, 4, 605.0)
