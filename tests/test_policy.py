"""The return policy at its edges: window days, categories, thresholds, currencies, quantities."""
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.models import (CustomerHistory, Fulfillment, Ineligibility, OrderStatus, Outcome, Resolution,
                        ReturnReason, ReturnRequest, SalesChannel)
from bot.policy import CancelDecision, Policy, PolicyError, decide_cancel, decide_return, load_policy
from tests.builders import NOW, line, order

POLICY = load_policy(Path(__file__).resolve().parent.parent / "policy.yml")
CLEAN = CustomerHistory(orders=12, orders_with_returns=1)


def decide(o, line_id="L1", quantity=1, reason=ReturnReason.TOO_SMALL, history=CLEAN, now=NOW):
    return decide_return(o, ReturnRequest(o.order_id, line_id, quantity, reason), POLICY, history, now)


@pytest.mark.parametrize("days_ago, outcome", [
    (0, Outcome.RMA), (29, Outcome.RMA), (30, Outcome.RMA),  # the 30th day after delivery is still open
    (30.0001, Outcome.NOT_ELIGIBLE), (31, Outcome.NOT_ELIGIBLE), (365, Outcome.NOT_ELIGIBLE),
])
def test_return_window_edges(days_ago, outcome):
    decision = decide(order(delivered_days_ago=days_ago))
    assert decision.outcome is outcome
    if outcome is Outcome.NOT_ELIGIBLE:
        assert decision.ineligible is Ineligibility.WINDOW_CLOSED


@pytest.mark.parametrize("channel", list(SalesChannel))
def test_window_is_per_channel(channel):
    policy = Policy.from_mapping({"return_window_days": {channel.value: 14}, "resolutions": ["refund"]})
    o = order(delivered_days_ago=15, channel=channel)
    decision = decide_return(o, ReturnRequest(o.order_id, "L1", 1, ReturnReason.TOO_SMALL), policy, CLEAN, NOW)
    assert decision.ineligible is Ineligibility.WINDOW_CLOSED


@pytest.mark.parametrize("category", ["gift_card", "perishable", "underwear", "digital"])
def test_non_returnable_categories_are_refused(category):
    decision = decide(order(line(category=category)))
    assert (decision.outcome, decision.ineligible) == (Outcome.NOT_ELIGIBLE, Ineligibility.NON_RETURNABLE_CATEGORY)


def test_damaged_non_returnable_item_still_goes_to_a_person():
    decision = decide(order(line(category="perishable")), reason=ReturnReason.DAMAGED)
    assert decision.outcome is Outcome.DAMAGE_REPLACEMENT and decision.needs_human


@pytest.mark.parametrize("price, label, currency, outcome", [
    ("7.49", "7.50", "USD", Outcome.RETURNLESS_REFUND),   # label costs more than the item
    ("7.50", "7.50", "USD", Outcome.RETURNLESS_REFUND),   # equal: still returnless
    ("7.51", "7.50", "USD", Outcome.RMA),
    ("4.99", "0.00", "EUR", Outcome.RETURNLESS_REFUND),   # below the EUR 5.00 floor
    ("5.00", "0.00", "EUR", Outcome.RMA),                 # at the floor: returned
    ("3.99", "0.00", "GBP", Outcome.RETURNLESS_REFUND),
    ("4.00", "0.00", "GBP", Outcome.RMA),
    ("6.99", "0.00", "CAD", Outcome.RETURNLESS_REFUND),
])
def test_returnless_refund_when_label_costs_at_least_the_item(price, label, currency, outcome):
    o = order(line(unit_price=Decimal(price)), currency=currency, return_shipping_cost=Decimal(label))
    decision = decide(o)
    assert decision.outcome is outcome
    assert decision.refund.currency == currency and decision.refund.amount == Decimal(price)


def test_default_label_cost_per_currency_is_used_when_the_order_has_none():
    o = order(line(unit_price=Decimal("6.00")), currency="EUR", return_shipping_cost=None)  # EUR label 6.50
    assert decide(o).outcome is Outcome.RETURNLESS_REFUND
    o = order(line(unit_price=Decimal("6.51")), currency="EUR", return_shipping_cost=None)
    assert decide(o).outcome is Outcome.RMA


def test_returnless_uses_the_whole_line_value_for_multiple_quantities():
    o = order(line(unit_price=Decimal("5.00"), quantity=2), return_shipping_cost=Decimal("7.50"))
    assert decide(o, quantity=2).outcome is Outcome.RMA  # 10.00 > 7.50
    assert decide(o, quantity=1).outcome is Outcome.RETURNLESS_REFUND


def test_amazon_fba_orders_get_amazons_path():
    decision = decide(order(fulfillment=Fulfillment.FBA, delivered_days_ago=200))
    assert decision.outcome is Outcome.AMAZON_FBA


@pytest.mark.parametrize("status, ineligible", [
    (OrderStatus.PROCESSING, Ineligibility.NOT_DELIVERED), (OrderStatus.SHIPPED, Ineligibility.NOT_DELIVERED),
    (OrderStatus.CANCELLED, Ineligibility.CANCELLED),
])
def test_undelivered_and_cancelled_orders_cannot_be_returned(status, ineligible):
    o = order(status=status, delivered_at=None if status is not OrderStatus.CANCELLED else NOW)
    assert decide(o).ineligible is ineligible


@pytest.mark.parametrize("orders, with_returns, fraud", [
    (10, 5, False),   # exactly 50 %: not above the threshold
    (10, 6, True),
    (4, 4, False),    # below the minimum number of orders
    (5, 3, True),     # at the minimum
    (0, 0, False),
])
def test_fraud_review_above_return_rate_with_minimum_orders(orders, with_returns, fraud):
    decision = decide(order(), history=CustomerHistory(orders, with_returns))
    assert (decision.outcome is Outcome.FRAUD_REVIEW) is fraud
    if fraud:
        assert decision.needs_human and decision.signals and "return rate" in decision.signals[0]


def test_fraud_review_comes_before_damage_and_returnless():
    o = order(line(unit_price=Decimal("2.00")))
    assert decide(o, reason=ReturnReason.DAMAGED, history=CustomerHistory(10, 9)).outcome is Outcome.FRAUD_REVIEW


@pytest.mark.parametrize("days_ago, reason, price, outcome", [
    (5, ReturnReason.TOO_SMALL, "89.99", Outcome.RMA),
    (5, ReturnReason.DAMAGED, "89.99", Outcome.DAMAGE_REPLACEMENT),
    (5, ReturnReason.TOO_SMALL, "2.00", Outcome.RETURNLESS_REFUND),
    (31, ReturnReason.TOO_SMALL, "89.99", Outcome.NOT_ELIGIBLE),  # the window still applies
])
def test_an_agent_overrules_only_the_fraud_rule(days_ago, reason, price, outcome):
    o = order(line(unit_price=Decimal(price)), delivered_days_ago=days_ago)
    request = ReturnRequest(o.order_id, "L1", 1, reason)
    serial = CustomerHistory(10, 9)
    assert decide_return(o, request, POLICY, serial, NOW).outcome is Outcome.FRAUD_REVIEW or days_ago > 30
    decision = decide_return(o, request, POLICY, serial, NOW, check_fraud=False)
    assert decision.outcome is outcome and "return rate" not in " ".join(decision.signals)


def test_delivered_but_damaged_gets_replacement_and_review():
    decision = decide(order(), reason=ReturnReason.DAMAGED)
    assert decision.outcome is Outcome.DAMAGE_REPLACEMENT
    assert decision.allowed_resolutions[0] is Resolution.REPLACEMENT and decision.needs_human


@pytest.mark.parametrize("quantity, returned, asked, expected", [
    (1, 0, 1, Outcome.RMA),
    (3, 1, 2, Outcome.RMA),
    (3, 1, 3, Ineligibility.QUANTITY_TOO_HIGH),
    (2, 0, 0, Ineligibility.QUANTITY_TOO_HIGH),
    (2, 2, 1, Ineligibility.NOTHING_LEFT_TO_RETURN),
])
def test_quantities(quantity, returned, asked, expected):
    decision = decide(order(line(quantity=quantity, returned_quantity=returned)), quantity=asked)
    assert expected in (decision.outcome, decision.ineligible)


def test_unknown_line_is_not_eligible():
    assert decide(order(), line_id="L9").ineligible is Ineligibility.UNKNOWN_LINE


def test_eligible_return_offers_refund_exchange_and_store_credit_with_deadline():
    decision = decide(order(delivered_days_ago=5))
    assert decision.allowed_resolutions == (Resolution.REFUND, Resolution.EXCHANGE, Resolution.STORE_CREDIT)
    assert decision.return_by == NOW - timedelta(days=5) + timedelta(days=30)


@pytest.mark.parametrize("changes, expected", [
    ({"status": OrderStatus.PROCESSING}, CancelDecision.CANCEL),
    ({"status": OrderStatus.SHIPPED}, CancelDecision.ALREADY_SHIPPED),
    ({"status": OrderStatus.CANCELLED}, CancelDecision.ALREADY_CANCELLED),
    ({"status": OrderStatus.PROCESSING, "fulfillment": Fulfillment.FBA}, CancelDecision.AMAZON_FBA),
])
def test_cancel_only_before_shipping(changes, expected):
    assert decide_cancel(order(**changes)) is expected


def test_a_broken_policy_file_names_the_problem(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text("ship_back_days: 14\n")
    with pytest.raises(PolicyError, match="return_window_days"):
        load_policy(path)


def test_single_items_can_be_cancelled_where_policy_yml_says_so_never_on_amazon_fba():
    from bot.models import SalesChannel
    from bot.policy import can_cancel_single_items

    policy = Policy.from_mapping({"return_window_days": {"web": 30},
                                  "cancel_single_items": {"shopify": True, "ebay": False}})
    assert policy.cancel_single_items == frozenset({"shopify"})
    assert can_cancel_single_items(order(channel=SalesChannel.SHOPIFY), policy)
    assert not can_cancel_single_items(order(channel=SalesChannel.EBAY), policy)
    amazon = Policy.from_mapping({"return_window_days": {"web": 30}, "cancel_single_items": {"amazon": True}})
    assert not can_cancel_single_items(order(channel=SalesChannel.AMAZON, fulfillment=Fulfillment.FBA), amazon)
    assert can_cancel_single_items(order(channel=SalesChannel.AMAZON, fulfillment=Fulfillment.MERCHANT), amazon)
    with pytest.raises(PolicyError):
        Policy.from_mapping({"return_window_days": {"web": 30}, "cancel_single_items": {"ebay": "yes"}})
    with pytest.raises(PolicyError):
        Policy.from_mapping({"return_window_days": {"web": 30}, "cancel_single_items": ["ebay"]})
