"""The returns service on the demo store: verification first, then the policy carried out once."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.models import OrderStatus, Outcome, Resolution, ReturnReason, RmaStatus
from bot.policy import CancelDecision
from bot.services import MAX_FAILED_VERIFICATIONS, NotVerified

ALICE_ORDER, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"
CONV = "web:test-conversation"


def verified(services, order_id, proof, conversation=CONV):
    assert services.returns.verify(conversation, order_id, proof).verified
    return services.returns


@pytest.mark.parametrize("proof", [ALICE_EMAIL, "Alice.Martin@Example.com", " 94107 ", "alice.martin@example.com\u200b"])
def test_the_orders_email_or_postcode_verifies(services, proof):
    assert services.returns.verify(CONV, ALICE_ORDER, proof).verified
    assert services.store.is_verified(CONV, ALICE_ORDER)


@pytest.mark.parametrize("order_id, proof", [
    (ALICE_ORDER, "someone@example.com"), (ALICE_ORDER, "10001"), ("114-0000000-0000000", ALICE_EMAIL),
    ("#1001", ALICE_EMAIL),  # another customer's order with my email
])
def test_wrong_proof_and_unknown_order_look_the_same(services, order_id, proof):
    result = services.returns.verify(CONV, order_id, proof)
    assert (result.verified, result.locked, result.order) == (False, False, None)


def test_repeated_failures_lock_verification_even_with_the_right_proof(services):
    for _ in range(MAX_FAILED_VERIFICATIONS):
        services.returns.verify(CONV, ALICE_ORDER, "wrong@example.com")
    result = services.returns.verify(CONV, ALICE_ORDER, ALICE_EMAIL)
    assert (result.verified, result.locked) == (False, True)
    # the order is protected from other conversations too
    assert services.returns.verify("web:other", ALICE_ORDER, ALICE_EMAIL).locked


def test_no_order_data_before_verification(services):
    with pytest.raises(NotVerified):
        services.returns.request_return(CONV, ALICE_ORDER, "L1", ReturnReason.TOO_SMALL, Resolution.REFUND)
    with pytest.raises(NotVerified):
        services.returns.rmas_for_order(CONV, ALICE_ORDER)
    with pytest.raises(NotVerified):
        services.returns.returnable_lines(CONV, ALICE_ORDER)


def test_eligible_return_asks_for_a_resolution_then_issues_one_rma_with_a_slip(services):
    returns = verified(services, ALICE_ORDER, ALICE_EMAIL)
    first = returns.request_return(CONV, ALICE_ORDER, "L1", ReturnReason.TOO_SMALL)
    assert first.needs_resolution and first.rma is None
    assert first.decision.allowed_resolutions == (Resolution.REFUND, Resolution.EXCHANGE, Resolution.STORE_CREDIT)
    issued = returns.request_return(CONV, ALICE_ORDER, "L1", ReturnReason.TOO_SMALL, Resolution.EXCHANGE)
    assert issued.created and issued.rma.status is RmaStatus.LABEL_CREATED
    assert issued.rma.resolution is Resolution.EXCHANGE and str(issued.rma.refund) == "89.99 USD"
    assert issued.slip_url.startswith(f"http://localhost:8000/returns/{issued.rma.rma_id}/slip.pdf?t=")
    again = returns.request_return(CONV, ALICE_ORDER, "L1", ReturnReason.CHANGED_MIND, Resolution.REFUND)
    assert (again.rma.rma_id, again.created) == (issued.rma.rma_id, False)
    assert len(services.store.list_rmas()) == 1


def test_slip_pdf_needs_the_signed_token(services):
    returns = verified(services, ALICE_ORDER, ALICE_EMAIL)
    rma = returns.request_return(CONV, ALICE_ORDER, "L1", ReturnReason.TOO_SMALL, Resolution.REFUND).rma
    token = returns.slip_token(rma.rma_id)
    assert returns.slip_pdf(rma.rma_id, token).startswith(b"%PDF")
    assert returns.slip_pdf(rma.rma_id, "forged") is None
    assert returns.slip_pdf("RMA-000000000X", token) is None


def test_returnless_refund_is_refunded_once_and_needs_no_slip(services):
    returns = verified(services, "#1001", "75011")
    result = returns.request_return(CONV, "#1001", "L1", ReturnReason.CHANGED_MIND)
    assert result.decision.outcome is Outcome.RETURNLESS_REFUND
    assert result.rma.status is RmaStatus.REFUNDED and result.slip_url is None
    returns.update_rma_status(result.rma.rma_id, RmaStatus.REFUNDED)
    assert services.store.refund_count(result.rma.rma_id) == 1


def test_fba_order_gets_amazons_path_and_no_rma(services):
    returns = verified(services, "113-5550123-4567890", ALICE_EMAIL)
    result = returns.request_return(CONV, "113-5550123-4567890", "L1", ReturnReason.CHANGED_MIND, Resolution.REFUND)
    assert result.decision.outcome is Outcome.AMAZON_FBA and result.rma is None
    assert services.store.list_rmas() == []


def test_serial_returner_goes_to_a_person_before_any_rma(services):
    returns = verified(services, "114-7777777-0000001", "sam.serial@example.com")
    result = returns.request_return(CONV, "114-7777777-0000001", "L1", ReturnReason.TOO_LARGE, Resolution.REFUND)
    assert result.decision.outcome is Outcome.FRAUD_REVIEW and result.rma is None
    assert result.handoff.reason == "fraud_review" and "return rate" in result.handoff.signals[0]
    assert services.store.list_rmas() == []


def test_damage_on_delivery_gets_a_replacement_under_review(services):
    returns = verified(services, "#1004", "m5v 2t6")
    result = returns.request_return(CONV, "#1004", "L1", ReturnReason.DAMAGED)
    assert result.decision.outcome is Outcome.DAMAGE_REPLACEMENT
    assert result.rma.resolution is Resolution.REPLACEMENT and result.rma.status is RmaStatus.PENDING_REVIEW
    assert [h.reason for h in services.returns.handoffs.list()] == ["damage_claim"]


@pytest.mark.parametrize("order_id, proof, line_id, ineligible", [
    ("12-34567-89012", "SW1A 1AA", "L1", "window_closed"),
    ("27-11111-22222", "dan.lee@example.com", "L2", "non_returnable_category"),
    ("#1002", "75011", "L1", "not_delivered"),
])
def test_ineligible_returns_say_why_and_change_nothing(services, order_id, proof, line_id, ineligible):
    returns = verified(services, order_id, proof)
    result = returns.request_return(CONV, order_id, line_id, ReturnReason.CHANGED_MIND, Resolution.REFUND)
    assert result.decision.ineligible.value == ineligible and result.rma is None
    assert services.store.list_rmas() == [] and services.returns.handoffs.list() == []


def test_concurrent_identical_requests_make_exactly_one_rma(services):
    returns = verified(services, ALICE_ORDER, ALICE_EMAIL)

    def ask(_):
        return returns.request_return(CONV, ALICE_ORDER, "L1", ReturnReason.TOO_SMALL, Resolution.REFUND).rma.rma_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = set(pool.map(ask, range(24)))
    assert len(answers) == 1 and len(services.store.list_rmas()) == 1


def test_refund_is_recorded_once_however_often_the_status_is_set(services):
    returns = verified(services, ALICE_ORDER, ALICE_EMAIL)
    rma = returns.request_return(CONV, ALICE_ORDER, "L1", ReturnReason.TOO_SMALL, Resolution.REFUND).rma
    for status in (RmaStatus.IN_TRANSIT, RmaStatus.RECEIVED, RmaStatus.REFUNDED, RmaStatus.REFUNDED):
        returns.update_rma_status(rma.rma_id, status)
    assert services.store.refund_count(rma.rma_id) == 1
    assert services.store.get_rma(rma.rma_id).refunded_at is not None
    assert [e.status for e in services.store.rma_events(rma.rma_id)][-1] is RmaStatus.REFUNDED


def test_cancel_before_shipping_only(services):
    returns = verified(services, "#1003", "chloe.dubois@example.fr")
    assert returns.cancel_order(CONV, "#1003") is CancelDecision.CANCEL
    assert services.store.get_order("#1003").status is OrderStatus.CANCELLED
    assert returns.cancel_order(CONV, "#1003") is CancelDecision.ALREADY_CANCELLED
    returns = verified(services, "#1002", "chloe.dubois@example.fr")
    assert returns.cancel_order(CONV, "#1002") is CancelDecision.ALREADY_SHIPPED


@pytest.mark.parametrize("order_id, proof, line_id, settled", [
    ("12-34567-89012", "SW1A 1AA", "L1", ReturnReason.OTHER),          # window closed whatever the reason
    ("113-5550123-4567890", ALICE_EMAIL, "L1", ReturnReason.OTHER),    # Amazon's path whatever the reason
    ("#1002", "75011", "L1", ReturnReason.OTHER),                      # not delivered yet
    (ALICE_ORDER, ALICE_EMAIL, "L1", None),                            # the reason decides: ask it
    ("27-11111-22222", "dan.lee@example.com", "L2", None),             # gift card: damaged would go to a person
])
def test_the_reason_is_asked_only_when_it_can_change_the_answer(services, order_id, proof, line_id, settled):
    returns = verified(services, order_id, proof)
    assert returns.settled_reason(CONV, order_id, line_id) is settled


def test_a_line_with_a_return_keeps_its_reason(services):
    returns = verified(services, ALICE_ORDER, ALICE_EMAIL)
    returns.request_return(CONV, ALICE_ORDER, "L1", ReturnReason.TOO_LARGE, Resolution.REFUND)
    assert returns.settled_reason(CONV, ALICE_ORDER, "L1") is ReturnReason.TOO_LARGE


def test_the_lockout_is_configurable(services):
    from datetime import timedelta

    from bot.services import Lockout, ReturnsService

    strict = ReturnsService(services.store, services.returns.policy, services.returns.shop, services.returns.clock,
                            services.returns.new_rma_id, Lockout(max_failures=2, window=timedelta(minutes=1)))
    assert not strict.verify("web:g", ALICE_ORDER, "nope@example.com").locked
    assert strict.verify("web:g", ALICE_ORDER, "nope@example.com").locked
    assert strict.verify("web:g", ALICE_ORDER, ALICE_EMAIL).locked  # even the right answer waits


def test_lockout_settings_come_from_the_environment(tmp_path):
    from tests.conftest import test_settings

    settings = test_settings(tmp_path, RETURNBOT_VERIFY_MAX_FAILURES="3", RETURNBOT_VERIFY_LOCKOUT_MINUTES="60")
    assert (settings.verify_max_failures, settings.verify_lockout_minutes) == (3, 60)


# -- choosing how many units to return --------------------------------------------------------------
def _two_unit_order(services, unit_price):
    from decimal import Decimal

    from tests.builders import line, order

    placed = order(line(quantity=2, unit_price=Decimal(unit_price)), order_id="114-0000000-0000042")
    services.store.upsert_orders([placed])
    return verified(services, placed.order_id, "94107"), placed.order_id


def test_a_partial_return_is_for_the_chosen_quantity_and_its_refund(services):
    returns, order_id = _two_unit_order(services, "40.00")
    assert returns.preview_return(CONV, order_id, "L1", ReturnReason.TOO_SMALL).refund.amount == 80  # all by default
    result = returns.request_return(CONV, order_id, "L1", ReturnReason.TOO_SMALL, Resolution.REFUND, quantity=1)
    assert result.created and result.decision.outcome is Outcome.RMA
    assert result.rma.quantity == 1 and str(result.rma.refund) == "40.00 USD"
    # one return per line: asking again, for any quantity, gives the same RMA back
    again = returns.request_return(CONV, order_id, "L1", ReturnReason.TOO_SMALL, Resolution.REFUND, quantity=2)
    assert (again.rma.rma_id, again.created, again.rma.quantity) == (result.rma.rma_id, False, 1)
    assert len(services.store.list_rmas()) == 1


def test_no_quantity_returns_all_that_is_left(services):
    returns, order_id = _two_unit_order(services, "40.00")
    result = returns.request_return(CONV, order_id, "L1", ReturnReason.TOO_SMALL, Resolution.REFUND)
    assert result.rma.quantity == 2 and str(result.rma.refund) == "80.00 USD"


def test_the_returnless_threshold_is_judged_on_the_chosen_quantity(services):
    returns, order_id = _two_unit_order(services, "6.00")  # 12.00 is worth a label of 7.50; 6.00 is not
    assert returns.preview_return(CONV, order_id, "L1", ReturnReason.TOO_SMALL).outcome is Outcome.RMA
    result = returns.request_return(CONV, order_id, "L1", ReturnReason.TOO_SMALL, Resolution.EXCHANGE, quantity=1)
    assert result.decision.outcome is Outcome.RETURNLESS_REFUND
    assert (result.rma.quantity, str(result.rma.refund)) == (1, "6.00 USD")
    assert (result.rma.resolution, result.rma.status) == (Resolution.REFUND, RmaStatus.REFUNDED)


@pytest.mark.parametrize("quantity", [0, -1, 3, True, 1.0, "1"])
def test_a_quantity_outside_what_is_left_is_refused_and_creates_nothing(services, quantity):
    from bot.services import BadQuantity

    returns, order_id = _two_unit_order(services, "40.00")
    with pytest.raises(BadQuantity, match="from 1 to 2"):
        returns.request_return(CONV, order_id, "L1", ReturnReason.TOO_SMALL, Resolution.REFUND, quantity=quantity)
    assert services.store.list_rmas() == [] and services.returns.handoffs.list() == []
