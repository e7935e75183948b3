"""The repositories' contract (bot/repositories.py), held against every store: in memory (the fake
the service tests use), SQLite and PostgreSQL (marked `scaled`). The same calls, the same answers,
the same uniqueness; and the SQL store's per-turn reads answer as reading each table on its own."""
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.handoffs.types import Action, Agent, HandoffFacts
from bot.models import CustomerHistory, Money, Outcome, ReturnReason, Resolution, Rma, RmaStatus
from bot.repositories import RmaIdClash
from bot.services import lines_left_to_return
from tests.builders import NOW, order
from tests.stores import BACKENDS, demo_store, services_over
from tests.test_outbox import postgres_url  # noqa: F401  (a fixture: a database of this module's own)

ALICE_ORDER, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"
CONV = "web:store-test"


@pytest.fixture(params=BACKENDS)
def services(request, settings, tmp_path):
    """The demo orders in a store of each kind, with the real services over it."""
    store, close = demo_store(request, request.param, tmp_path)
    yield services_over(store, settings)
    close()


def an_rma(rma_id="RMA-0000000001X", line_id="L1", status=RmaStatus.LABEL_CREATED, refunded_at=None) -> Rma:
    return Rma(rma_id=rma_id, order_id=ALICE_ORDER, line_id=line_id, quantity=1, reason=ReturnReason.TOO_SMALL,
               resolution=Resolution.REFUND, outcome=Outcome.RMA, status=status,
               refund=Money(Decimal("89.99"), "USD"), conversation_id=CONV, created_at=NOW, updated_at=NOW,
               refunded_at=refunded_at)


def test_an_order_is_read_with_its_lines_in_order(services):
    found = services.store.get_order(ALICE_ORDER)
    assert found.order_id == ALICE_ORDER and [line.line_id for line in found.lines] == ["L1", "L2"]
    assert services.store.get_order("114-0000000-0000000") is None


def test_an_order_without_lines_reads_as_one(services):
    from bot.sql.schema import order_lines

    services.store.upsert_orders([order(order_id="114-0000000-0000077")])
    if hasattr(services.store, "engine"):
        with services.store.engine.begin() as conn:
            conn.execute(order_lines.delete().where(order_lines.c.order_id == "114-0000000-0000077"))
    else:
        services.store.orders["114-0000000-0000077"] = replace(services.store.orders["114-0000000-0000077"], lines=())
    assert services.store.get_order("114-0000000-0000077").lines == ()


def test_a_due_date_is_kept_with_the_order_and_goes_when_the_marketplace_drops_it(services):
    due = NOW + timedelta(days=3)
    services.store.upsert_orders([order(order_id="114-0000000-0000078", due_by=due)])
    assert services.store.get_order("114-0000000-0000078").due_by == due
    services.store.record_verification(CONV, "114-0000000-0000078", NOW)
    assert services.store.verified_order(CONV, "114-0000000-0000078").due_by == due
    services.store.upsert_orders([order(order_id="114-0000000-0000078")])
    assert services.store.get_order("114-0000000-0000078").due_by is None


def test_a_verified_order_is_read_only_by_the_conversation_that_verified_it(services):
    store = services.store
    assert store.verified_order(CONV, ALICE_ORDER) is None  # not verified yet: like an unknown order
    store.record_verification(CONV, ALICE_ORDER, NOW)
    assert store.verified_order(CONV, ALICE_ORDER) == store.get_order(ALICE_ORDER)
    assert store.verified_order("web:someone-else", ALICE_ORDER) is None
    assert store.verified_order(CONV, "114-0000000-0000000") is None


def test_customer_history_counts_recent_orders_and_those_with_a_return(services):
    store, since = services.store, NOW - timedelta(days=365)
    before = store.customer_history(ALICE_EMAIL.upper(), since)
    assert before.orders >= 2
    services.returns.verify(CONV, ALICE_ORDER, ALICE_EMAIL)
    services.returns.request_return(CONV, ALICE_ORDER, "L1", ReturnReason.TOO_SMALL, Resolution.REFUND)
    services.returns.request_return(CONV, ALICE_ORDER, "L2", ReturnReason.TOO_SMALL, Resolution.REFUND)
    after = store.customer_history(ALICE_EMAIL, since)  # two returns of one order: one order with returns
    assert after == CustomerHistory(before.orders, before.orders_with_returns + 1)
    assert store.customer_history(ALICE_EMAIL, NOW + timedelta(days=1)) == CustomerHistory(0, 0)


def test_failed_verifications_count_the_conversation_or_the_order_whichever_is_more(services):
    store = services.store
    for conversation in ("web:a", "web:b", "web:c"):
        store.record_failed_verification(conversation, ALICE_ORDER, NOW)
    store.record_failed_verification("web:a", "#1001", NOW)
    store.record_failed_verification("web:a", "#1002", NOW - timedelta(hours=1))
    assert store.failed_verifications("web:a", ALICE_ORDER, NOW - timedelta(minutes=15)) == 3  # the order's
    assert store.failed_verifications("web:a", "#1003", NOW - timedelta(minutes=15)) == 2  # the conversation's
    assert store.failed_verifications("web:a", "#1003", NOW - timedelta(hours=2)) == 3
    assert store.failed_verifications("web:z", "#1003", NOW) == 0


def test_a_tag_is_kept_once_however_often_it_is_added(services):
    for _ in range(3):
        services.store.add_tag(CONV, "rma_request", NOW)
    assert services.store.tags(CONV) == ["rma_request"]


def test_lines_left_to_return_skip_lines_returned_in_full(services):
    found = services.store.get_order(ALICE_ORDER)
    assert lines_left_to_return(found) == [line for line in found.lines if line.returnable_quantity > 0]


def test_cancelling_items_sets_totals_so_a_retry_cancels_nothing_more(services):
    store = services.store  # #2146: processing, L1 Yoga mat x2, L2 E-reader x1
    assert store.cancel_lines("#2146", {"L1": 1}, NOW)
    assert store.cancel_lines("#2146", {"L1": 1}, NOW)  # the same request again
    found = store.get_order("#2146")
    assert [(l.line_id, l.cancelled_quantity, l.open_quantity) for l in found.lines] == [("L1", 1, 1), ("L2", 0, 1)]
    assert found.open_total.amount == found.total.amount - found.lines[0].unit_price
    assert found.status.value == "processing"


def test_an_order_with_nothing_left_is_cancelled_and_then_refuses_more(services):
    store = services.store
    assert store.cancel_lines("#2146", {"L1": 2}, NOW) and store.cancel_lines("#2146", {"L2": 5}, NOW)  # capped
    found = store.get_order("#2146")
    assert found.status.value == "cancelled" and found.open_lines == () and found.lines[1].cancelled_quantity == 1
    assert not store.cancel_lines("#2146", {"L1": 2}, NOW)


def test_cancelling_refuses_a_shipped_order_and_an_unknown_line_changing_nothing(services):
    store = services.store
    assert not store.cancel_lines(ALICE_ORDER, {"L1": 1}, NOW)  # delivered
    assert not store.cancel_lines("#2146", {"L1": 1, "L9": 1}, NOW)
    assert not store.cancel_lines("#2146", {}, NOW)
    assert all(l.cancelled_quantity == 0 for l in store.get_order("#2146").lines)


def test_an_order_imported_again_keeps_what_was_cancelled(services):
    store = services.store
    store.cancel_lines("#2146", {"L2": 1}, NOW)
    before = store.get_order("#2146")
    store.upsert_orders([before])
    assert store.get_order("#2146").lines[1].cancelled_quantity == 1
    assert before.lines[1].returnable_quantity == 0


# -- orders -----------------------------------------------------------------------------------------
def test_orders_are_inserted_then_updated_by_their_id_and_emails_kept_lower_case(services):
    store = services.store
    count = store.count_orders()
    new = order(order_id="114-0000000-0000078")
    new = replace(new, customer=replace(new.customer, email="Pat@Example.COM"))
    assert store.upsert_orders([new]) == (1, 0)
    assert store.upsert_orders([new]) == (0, 1) and store.count_orders() == count + 1
    found = store.get_order(new.order_id)
    assert found.customer.email == "pat@example.com" and found.placed_at == new.placed_at
    assert found.placed_at.utcoffset() == timedelta(0)


def test_an_order_is_found_by_its_tracking_number_only_when_one_order_has_it(services):
    store = services.store
    first = replace(order(order_id="114-0000000-0000081"), tracking_number="1Z 999 AA1")
    store.upsert_orders([first])
    assert store.order_id_for_tracking(" 1z999aa1 ") == first.order_id
    store.upsert_orders([replace(first, order_id="114-0000000-0000082")])
    assert store.order_id_for_tracking("1Z999AA1") is None  # two orders: no guess
    assert store.order_id_for_tracking("nothing") is None


# -- returns ----------------------------------------------------------------------------------------
def test_a_line_has_one_rma_and_a_clash_of_numbers_is_told(services):
    store = services.store
    rma, created = store.create_rma(an_rma())
    assert created and store.get_rma(rma.rma_id) == rma
    again, created = store.create_rma(an_rma(rma_id="RMA-0000000002X"))
    assert (again, created) == (rma, False)  # the line's existing one
    with pytest.raises(RmaIdClash):
        store.create_rma(an_rma(line_id="L2"))  # the number is taken, by another line's return
    assert store.rma_for_line(ALICE_ORDER, "L1") == rma and store.rma_for_line(ALICE_ORDER, "L2") is None
    assert store.rmas_for_order(ALICE_ORDER) == [rma] and store.list_rmas() == [rma]
    assert [(e.status, e.note) for e in store.rma_events(rma.rma_id)] == [(RmaStatus.LABEL_CREATED, "created")]


def test_a_refund_is_recorded_once_however_the_rma_gets_to_refunded(services):
    store = services.store
    rma, _ = store.create_rma(an_rma())
    refunded = store.update_rma_status(rma.rma_id, RmaStatus.REFUNDED, NOW + timedelta(days=1), "paid")
    assert refunded.status is RmaStatus.REFUNDED and refunded.refunded_at == NOW + timedelta(days=1)
    again = store.update_rma_status(rma.rma_id, RmaStatus.REFUNDED, NOW + timedelta(days=2))
    assert again.refunded_at == NOW + timedelta(days=1) and store.refund_count(rma.rma_id) == 1
    other, _ = store.create_rma(an_rma(rma_id="RMA-0000000002X", line_id="L2"))
    store.apply_rma_event(other.rma_id, RmaStatus.REFUNDED, NOW, "", "warehouse:1")
    store.apply_rma_event(other.rma_id, RmaStatus.REFUNDED, NOW, "", "warehouse:2")
    assert store.refund_count(other.rma_id) == 1
    assert store.update_rma_status("RMA-000000000ZZ", RmaStatus.REFUNDED, NOW) is None


def test_a_resolution_changes_only_while_nothing_is_sent_back_with_an_event(services):
    store = services.store
    rma, _ = store.create_rma(an_rma())
    changed = store.change_resolution(rma.rma_id, Resolution.STORE_CREDIT, NOW + timedelta(minutes=1))
    assert changed.resolution is Resolution.STORE_CREDIT and changed.status is RmaStatus.LABEL_CREATED
    assert store.get_rma(rma.rma_id) == changed and changed.updated_at == NOW + timedelta(minutes=1)
    assert [e.note for e in store.rma_events(rma.rma_id)] == ["created", "resolution changed to store_credit"]
    store.update_rma_status(rma.rma_id, RmaStatus.IN_TRANSIT, NOW + timedelta(days=1))
    assert store.change_resolution(rma.rma_id, Resolution.REFUND, NOW + timedelta(days=2)) is None
    assert store.get_rma(rma.rma_id).resolution is Resolution.STORE_CREDIT
    assert store.change_resolution("RMA-000000000ZZ", Resolution.REFUND, NOW) is None


def test_an_outside_event_applies_once_per_key_whatever_a_retry_carries(services):
    store = services.store
    rma, _ = store.create_rma(an_rma())
    start = store.last_rma_event_id()
    moved, applied = store.apply_rma_event(rma.rma_id, RmaStatus.IN_TRANSIT, NOW, "scanned", "carrier:1")
    assert applied and moved.status is RmaStatus.IN_TRANSIT and store.event_key_seen("carrier:1")
    same, applied = store.apply_rma_event(rma.rma_id, RmaStatus.RECEIVED, NOW, "retry", "carrier:1")
    assert not applied and same.status is RmaStatus.IN_TRANSIT
    assert store.apply_rma_event("RMA-000000000ZZ", RmaStatus.RECEIVED, NOW, "", "carrier:2") == (None, False)
    after = store.rma_events_after(start)
    assert [(e.status, e.note) for _, e in after] == [(RmaStatus.IN_TRANSIT, "scanned")]
    assert after[0][0] == store.last_rma_event_id() > start and store.rma_events_after(after[0][0]) == []


def test_the_customers_words_are_kept_once(services):
    store = services.store
    store.record_return_words("RMA-0000000001X", CONV, "the strap broke", NOW)
    store.record_return_words("RMA-0000000001X", CONV, "a retry says something else", NOW)
    assert store.return_words_for("RMA-0000000001X") == "the strap broke"
    assert store.return_words_for("RMA-0000000002X") is None


# -- verifications ------------------------------------------------------------------------------------
def test_an_attempt_is_claimed_under_the_limit_and_a_right_proof_takes_it_back(services):
    store, since = services.store, NOW - timedelta(minutes=15)
    first = store.claim_verification_attempt(CONV, ALICE_ORDER, NOW, since, max_failures=2)
    second = store.claim_verification_attempt(CONV, ALICE_ORDER, NOW, since, max_failures=2)
    assert first is not None and second is not None and first != second
    assert store.claim_verification_attempt(CONV, ALICE_ORDER, NOW, since, max_failures=2) is None  # locked
    assert store.claim_verification_attempt("web:other", ALICE_ORDER, NOW, since, max_failures=2) is None
    store.release_verification_attempt(second, CONV, ALICE_ORDER, NOW)
    assert store.failed_verifications(CONV, ALICE_ORDER, since) == 1 and store.is_verified(CONV, ALICE_ORDER)
    store.record_verification(CONV, ALICE_ORDER, NOW)  # again: still one
    assert store.orders_verified_by(CONV) == [ALICE_ORDER] and store.conversations_verifying(ALICE_ORDER) == [CONV]
    assert store.orders_verified_by("web:other") == [] and not store.is_verified("web:other", ALICE_ORDER)


# -- conversations ------------------------------------------------------------------------------------
def test_the_transcript_keeps_entries_in_order_and_gives_the_latest(services):
    store = services.store
    store.append_messages(CONV, [("in", {"text": "hi"}), ("out", {"text": "hello", "seq": 1})], NOW)
    store.append_messages(CONV, [], NOW)
    store.append_message("web:other", "in", {"text": "me too"}, NOW)
    store.append_message(CONV, "in", {"text": "bye"}, NOW)
    assert [(m["direction"], m["payload"]) for m in store.messages(CONV)] == [
        ("in", {"text": "hi"}), ("out", {"text": "hello", "seq": 1}), ("in", {"text": "bye"})]
    assert [m["payload"] for m in store.messages(CONV, limit=1)] == [{"text": "bye"}]
    assert {m["at"] for m in store.messages(CONV)} == {NOW.isoformat()}
    assert store.latest_of([CONV, "web:other"]) == CONV and store.latest_of(["web:other"]) == "web:other"
    assert store.latest_of(["web:nobody"]) is None and store.latest_of([]) is None


# -- notices ------------------------------------------------------------------------------------------
def test_the_notice_cursor_is_made_once_and_only_moves_forward(services):
    store = services.store
    assert store.notice_cursor("customer-notices") is None
    assert store.start_notice_cursor("customer-notices", 5)
    assert not store.start_notice_cursor("customer-notices", 9)  # another process made it first
    store.advance_notice_cursor("customer-notices", 7)
    store.advance_notice_cursor("customer-notices", 6)
    assert store.notice_cursor("customer-notices") == 7


def test_an_opt_out_holds_for_any_of_its_subjects_until_opted_in(services):
    store = services.store
    store.opt_out(["conversation:web:a", "email:pat@example.com"], NOW)
    store.opt_out(["conversation:web:a"], NOW)  # said again
    assert store.opted_out(["conversation:web:b", "email:pat@example.com"])
    assert not store.opted_out(["conversation:web:b"])
    store.opt_in(["conversation:web:a", "email:pat@example.com"])
    assert not store.opted_out(["conversation:web:a", "email:pat@example.com"])


# -- handoffs (tests/test_sql_handoffs.py has the SQL's own) ------------------------------------------
def test_a_conversation_has_one_case_not_closed_with_the_facts_it_opened_with(services):
    cases = services.store.handoffs
    facts = HandoffFacts(order_id=ALICE_ORDER, line_id="L1", quantity=1, reason=ReturnReason.DAMAGED, words="torn")
    first = cases.open(CONV, "damage_claim", ALICE_ORDER, "a summary", ("signal",), NOW, facts)
    assert (first.status, first.signals, first.created_at) == ("open", ("signal",), NOW)
    assert cases.open(CONV, "customer_request", None, "other", (), NOW, HandoffFacts()) == first
    assert cases.facts(first.handoff_id) == facts and cases.get(first.handoff_id) == cases.active(CONV) == first
    assert cases.move(first.handoff_id, "open", "closed") and not cases.move(first.handoff_id, "open", "claimed")
    newer = cases.open(CONV, "customer_request", None, "again", (), NOW)
    assert newer.handoff_id != first.handoff_id and cases.facts(newer.handoff_id) is None
    assert cases.list_active() == [newer] and [c.handoff_id for c in cases.list("closed")] == [first.handoff_id]


def test_a_case_gets_one_decision_and_is_no_longer_waiting_for_one(services):
    cases, ana = services.store.handoffs, Agent("U0ANA", "Ana Lopez")
    case = cases.open(CONV, "fraud_review", ALICE_ORDER, "s", (), NOW)
    cases.record(case.handoff_id, Action.REANNOUNCE, None, "", NOW + timedelta(minutes=5))
    [waiting] = cases.undecided_open()
    assert (waiting.handoff, waiting.last_reannounced, waiting.reannouncements) == (case, NOW + timedelta(minutes=5), 1)
    decision = cases.claim_decision(case.handoff_id, Action.APPROVE, ana, "ok", NOW)
    assert decision is not None and cases.claim_decision(case.handoff_id, Action.REJECT, ana, "no", NOW) is None
    cases.set_decision_rma(decision, "RMA-0000000001X")
    assert [(e.action, e.rma_id) for e in cases.events(case.handoff_id)] == [
        (Action.REANNOUNCE, None), (Action.APPROVE, "RMA-0000000001X")]
    assert cases.undecided_open() == []
    cases.drop_event(decision)
    assert [w.handoff for w in cases.undecided_open()] == [case]
    assert not cases.has_verified(CONV)
    services.store.record_verification(CONV, ALICE_ORDER, NOW)
    assert cases.has_verified(CONV)
