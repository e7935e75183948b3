"""The store's per-turn reads: the same answers as reading each table on its own."""
from datetime import timedelta

from bot.models import CustomerHistory, ReturnReason, Resolution
from bot.services import lines_left_to_return
from tests.builders import NOW, order

ALICE_ORDER, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"
CONV = "web:store-test"


def test_an_order_is_read_with_its_lines_in_order(services):
    found = services.store.get_order(ALICE_ORDER)
    assert found.order_id == ALICE_ORDER and [line.line_id for line in found.lines] == ["L1", "L2"]
    assert services.store.get_order("114-0000000-0000000") is None


def test_an_order_without_lines_reads_as_one(services):
    from bot.sql.schema import order_lines

    services.store.upsert_orders([order(order_id="114-0000000-0000077")])
    with services.store.engine.begin() as conn:
        conn.execute(order_lines.delete().where(order_lines.c.order_id == "114-0000000-0000077"))
    assert services.store.get_order("114-0000000-0000077").lines == ()


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
