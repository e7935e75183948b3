"""The return policy as code: pure functions from an order, a request and the clock's reading
(passed in) to a `Decision`. The merchant's knobs live in policy.yml, loaded by `load_policy`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Mapping, Optional, Tuple

import yaml

from bot.models import (
    CustomerHistory,
    Decision,
    Fulfillment,
    Ineligibility,
    Money,
    Order,
    OrderStatus,
    Outcome,
    Resolution,
    ReturnReason,
    ReturnRequest,
)


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Policy:
    return_window_days: Mapping[str, int]
    ship_back_days: int
    non_returnable_categories: frozenset
    returnless_below: Mapping[str, Decimal]
    default_label_cost: Mapping[str, Decimal]
    fraud_lookback_days: int
    fraud_max_return_rate: Decimal
    fraud_min_orders: int
    resolutions: Tuple[Resolution, ...]
    return_shipping_paid_by: str = "customer"  # customer | merchant
    free_return_reasons: frozenset = frozenset({ReturnReason.DAMAGED, ReturnReason.WRONG_ITEM,
                                                ReturnReason.NOT_AS_DESCRIBED})
    refund_original_shipping: bool = False
    refund_processing_days: int = 3
    bank_days: str = "3-5"
    cancel_single_items: frozenset = frozenset({"shopify", "web", "amazon"})  # sales channels

    @classmethod
    def from_mapping(cls, data: Mapping) -> "Policy":
        try:
            returnless = data.get("returnless_refund", {})
            fraud = data.get("fraud", {})
            shipping = data.get("return_shipping", {}) or {}
            timing = data.get("refund_timing", {}) or {}
            return cls(
                return_window_days={k: int(v) for k, v in data["return_window_days"].items()},
                ship_back_days=int(data.get("ship_back_days", 14)),
                non_returnable_categories=frozenset(data.get("non_returnable_categories", [])),
                returnless_below=_money_table(returnless.get("below_value", {})),
                default_label_cost=_money_table(returnless.get("default_label_cost", {})),
                fraud_lookback_days=int(fraud.get("lookback_days", 365)),
                fraud_max_return_rate=Decimal(str(fraud.get("max_return_rate", "0.5"))),
                fraud_min_orders=int(fraud.get("min_orders", 5)),
                resolutions=tuple(Resolution(r) for r in data.get("resolutions", ["refund"])),
                return_shipping_paid_by=_one_of(shipping.get("paid_by", "customer"), ("customer", "merchant"),
                                                "return_shipping.paid_by"),
                free_return_reasons=frozenset(ReturnReason(r) for r in shipping.get(
                    "free_for_reasons", ["damaged", "wrong_item", "not_as_described"])),
                refund_original_shipping=_flag(data.get("refund_original_shipping", False), "refund_original_shipping"),
                refund_processing_days=int(timing.get("processing_days", 3)),
                bank_days=str(timing.get("bank_days", "3-5")),
                cancel_single_items=_channels(data.get("cancel_single_items", {}), "cancel_single_items"),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise PolicyError(f"policy: {exc}") from exc


def _one_of(value, allowed: Tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise PolicyError(f"{name} must be one of {', '.join(allowed)} (not {value!r})")
    return value


def _flag(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise PolicyError(f"{name} must be true or false (not {value!r})")
    return value


def _channels(table, name: str) -> frozenset:
    """The sales channels a per-channel true/false table switches on (a missing table: the default)."""
    if not table:
        return Policy.cancel_single_items
    if not isinstance(table, Mapping):
        raise PolicyError(f"{name} must map sales channels to true or false (not {table!r})")
    return frozenset(str(channel) for channel, on in table.items() if _flag(on, f"{name}.{channel}"))


def return_shipping_free(policy: "Policy", reason: ReturnReason) -> bool:
    """Whether the merchant pays the return label for this reason."""
    return policy.return_shipping_paid_by == "merchant" or reason in policy.free_return_reasons


def _money_table(table: Mapping) -> Mapping[str, Decimal]:
    return {str(currency).upper(): Decimal(str(value)) for currency, value in table.items()}


def load_policy(path: Path) -> Policy:
    try:
        return Policy.from_mapping(yaml.safe_load(path.read_text()) or {})
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from None


def return_deadline(order: Order, policy: Policy) -> Optional[datetime]:
    """The last moment a return may be requested, or None before delivery."""
    if order.delivered_at is None:
        return None
    days = policy.return_window_days.get(order.channel.value, 30)
    return order.delivered_at + timedelta(days=days)


def fraud_signals(history: CustomerHistory, policy: Policy) -> Tuple[str, ...]:
    if history.orders < policy.fraud_min_orders or history.return_rate <= policy.fraud_max_return_rate:
        return ()
    return (
        f"return rate {history.return_rate:.0%} ({history.orders_with_returns} of {history.orders} orders "
        f"in {policy.fraud_lookback_days} days) is above {policy.fraud_max_return_rate:.0%}",
    )


def label_cost(order: Order, policy: Policy) -> Optional[Decimal]:
    if order.return_shipping_cost is not None:
        return order.return_shipping_cost
    return policy.default_label_cost.get(order.currency)


def decide_return(
    order: Order,
    request: ReturnRequest,
    policy: Policy,
    history: CustomerHistory,
    now: datetime,
    check_fraud: bool = True,
) -> Decision:
    """Decide what happens to one return request. First matching rule wins, in this order:
    unknown line, cancelled, Amazon FBA, not delivered, quantity, window, category, fraud,
    damage, returnless refund, RMA. `check_fraud=False` skips the fraud rule (an agent who approves
    a case has looked at the customer's history and overruled it); every other rule applies."""
    line = order.line(request.line_id)
    if line is None:
        return _no(Ineligibility.UNKNOWN_LINE)
    if order.status is OrderStatus.CANCELLED:
        return _no(Ineligibility.CANCELLED)
    refund = Money(line.unit_price * max(request.quantity, 0), order.currency)
    if order.fulfillment is Fulfillment.FBA:
        return Decision(Outcome.AMAZON_FBA, refund=refund)
    deadline = return_deadline(order, policy)
    if order.status is not OrderStatus.DELIVERED or deadline is None:
        return _no(Ineligibility.NOT_DELIVERED)
    if line.returnable_quantity == 0:
        return _no(Ineligibility.NOTHING_LEFT_TO_RETURN, deadline)
    if not 1 <= request.quantity <= line.returnable_quantity:
        return _no(Ineligibility.QUANTITY_TOO_HIGH, deadline)
    if now > deadline:
        return _no(Ineligibility.WINDOW_CLOSED, deadline)
    damaged = request.reason is ReturnReason.DAMAGED
    if line.category in policy.non_returnable_categories and not damaged:
        return _no(Ineligibility.NON_RETURNABLE_CATEGORY, deadline)
    signals = fraud_signals(history, policy) if check_fraud else ()
    if signals:
        return Decision(Outcome.FRAUD_REVIEW, refund=refund, return_by=deadline, needs_human=True, signals=signals)
    if damaged:
        return Decision(
            Outcome.DAMAGE_REPLACEMENT,
            refund=refund,
            allowed_resolutions=(Resolution.REPLACEMENT, Resolution.REFUND),
            return_by=deadline,
            needs_human=True,
            signals=("damaged on delivery",),
        )
    cost = label_cost(order, policy)
    below = policy.returnless_below.get(order.currency)
    if (cost is not None and cost >= refund.amount) or (below is not None and refund.amount < below):
        return Decision(Outcome.RETURNLESS_REFUND, refund=refund, allowed_resolutions=(Resolution.REFUND,))
    return Decision(Outcome.RMA, refund=refund, allowed_resolutions=policy.resolutions, return_by=deadline)


def _no(reason: Ineligibility, deadline: Optional[datetime] = None) -> Decision:
    return Decision(Outcome.NOT_ELIGIBLE, ineligible=reason, return_by=deadline)


class CancelDecision(str, enum.Enum):
    CANCEL = "cancel"
    AMAZON_FBA = "amazon_fba"
    ALREADY_CANCELLED = "already_cancelled"
    ALREADY_SHIPPED = "already_shipped"


def can_cancel_single_items(order: Order, policy: Policy) -> bool:
    """Whether some items of an unshipped order can be cancelled and the rest still sent (the store's
    choice per sales channel in policy.yml); otherwise only the whole order can be."""
    return order.channel.value in policy.cancel_single_items and order.fulfillment is not Fulfillment.FBA


def decide_cancel(order: Order) -> CancelDecision:
    """Whether an order can still be cancelled by the merchant."""
    if order.status is OrderStatus.CANCELLED:
        return CancelDecision.ALREADY_CANCELLED
    if order.fulfillment is Fulfillment.FBA:
        return CancelDecision.AMAZON_FBA
    if order.status is OrderStatus.PROCESSING:
        return CancelDecision.CANCEL
    return CancelDecision.ALREADY_SHIPPED
