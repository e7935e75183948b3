"""Core records of returnbot: orders, returns, refunds and the decisions about them.

Everything here is a frozen dataclass of plain values. Money is a `Decimal` with its currency
beside it; times are timezone-aware `datetime`s. Nothing here talks to a database or a clock.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Optional, Tuple


class SalesChannel(str, enum.Enum):
    AMAZON = "amazon"
    EBAY = "ebay"
    SHOPIFY = "shopify"
    WEB = "web"


class Fulfillment(str, enum.Enum):
    FBA = "fba"  # Fulfilled by Amazon: Amazon runs the return, not the merchant
    MERCHANT = "merchant"


class OrderStatus(str, enum.Enum):
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Resolution(str, enum.Enum):
    REFUND = "refund"
    EXCHANGE = "exchange"
    STORE_CREDIT = "store_credit"
    REPLACEMENT = "replacement"


class ReturnReason(str, enum.Enum):
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    NOT_AS_DESCRIBED = "not_as_described"
    CHANGED_MIND = "changed_mind"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    OTHER = "other"


class RmaStatus(str, enum.Enum):
    AUTHORISED = "authorised"
    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    INSPECTED = "inspected"
    REFUNDED = "refunded"
    REJECTED = "rejected"
    PENDING_REVIEW = "pending_review"


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


@dataclass(frozen=True)
class Customer:
    email: str
    name: str
    postcode: str
    country: str


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    sku: str
    title: str
    category: str
    quantity: int
    unit_price: Decimal
    returned_quantity: int = 0
    cancelled_quantity: int = 0  # taken off the order before it shipped

    @property
    def open_quantity(self) -> int:
        """What the order still holds of this line (cancelled units taken off)."""
        return max(self.quantity - self.cancelled_quantity, 0)

    @property
    def returnable_quantity(self) -> int:
        return max(self.quantity - self.cancelled_quantity - self.returned_quantity, 0)


@dataclass(frozen=True)
class MarketplaceRefund:
    """Units of one order line the merchant refunded in the marketplace (Shopify, Amazon, eBay), as
    the marketplace reports them: `refund_id` is the marketplace's own and unique within it (one row
    per line of a refund); `at` is when the marketplace made it, when it says. A refund on no line
    (shipping only, an amount on the whole order) has `line_id` "" and `quantity` 0: it is kept and
    told to the customer, and refunds no return."""
    refund_id: str
    line_id: str
    quantity: int
    at: Optional[datetime] = None
    amount: Optional[Money] = None


@dataclass(frozen=True)
class Order:
    order_id: str
    channel: SalesChannel
    fulfillment: Fulfillment
    customer: Customer
    placed_at: datetime
    status: OrderStatus
    currency: str
    lines: Tuple[OrderLine, ...]
    shipped_at: Optional[datetime] = None
    delivered_at: Optional[datetime] = None
    carrier: Optional[str] = None
    tracking_number: Optional[str] = None
    return_shipping_cost: Optional[Decimal] = None  # the price of a return label, if known
    due_by: Optional[datetime] = None  # the latest day the marketplace expects a shipped order delivered
    # Refunds read from the marketplace with the order (bot.live_orders keeps them in its ledger,
    # the order store does not): a return in progress for those units is refunded.
    refunds: Tuple["MarketplaceRefund", ...] = ()

    def line(self, line_id: str) -> Optional[OrderLine]:
        return next((line for line in self.lines if line.line_id == line_id), None)

    @property
    def total(self) -> Money:
        """What was ordered, cancelled units included (a cancelled order's total is what it refunds)."""
        return Money(sum((line.unit_price * line.quantity for line in self.lines), Decimal(0)), self.currency)

    @property
    def open_lines(self) -> Tuple[OrderLine, ...]:
        """The lines the order still holds something of."""
        return tuple(line for line in self.lines if line.open_quantity > 0)

    @property
    def open_total(self) -> Money:
        """What the order still holds, cancelled units taken off."""
        return Money(sum((line.unit_price * line.open_quantity for line in self.lines), Decimal(0)), self.currency)


@dataclass(frozen=True)
class CustomerHistory:
    """A customer's orders and returns over the policy's look-back period."""

    orders: int
    orders_with_returns: int

    @property
    def return_rate(self) -> Decimal:
        if self.orders == 0:
            return Decimal(0)
        return Decimal(self.orders_with_returns) / Decimal(self.orders)


@dataclass(frozen=True)
class ReturnRequest:
    order_id: str
    line_id: str
    quantity: int
    reason: ReturnReason
    resolution: Optional[Resolution] = None  # None: the customer has not chosen yet


class Outcome(str, enum.Enum):
    RMA = "rma"  # eligible: issue an RMA and a return slip
    RETURNLESS_REFUND = "returnless_refund"  # refund now, keep the item
    AMAZON_FBA = "amazon_fba"  # Amazon runs the return
    DAMAGE_REPLACEMENT = "damage_replacement"  # apology, replacement, human review
    FRAUD_REVIEW = "fraud_review"  # no RMA from the bot, human review
    NOT_ELIGIBLE = "not_eligible"


class Ineligibility(str, enum.Enum):
    WINDOW_CLOSED = "window_closed"
    NOT_DELIVERED = "not_delivered"
    CANCELLED = "cancelled"
    NON_RETURNABLE_CATEGORY = "non_returnable_category"
    NOTHING_LEFT_TO_RETURN = "nothing_left_to_return"
    QUANTITY_TOO_HIGH = "quantity_too_high"
    UNKNOWN_LINE = "unknown_line"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    refund: Optional[Money] = None  # what would be refunded for this line and quantity
    allowed_resolutions: Tuple[Resolution, ...] = ()
    return_by: Optional[datetime] = None  # the last moment the return window is open
    ineligible: Optional[Ineligibility] = None
    needs_human: bool = False
    signals: Tuple[str, ...] = ()  # fraud or review signals that fired, for the agent


@dataclass(frozen=True)
class Rma:
    rma_id: str
    order_id: str
    line_id: str
    quantity: int
    reason: ReturnReason
    resolution: Resolution
    outcome: Outcome
    status: RmaStatus
    refund: Money
    conversation_id: str
    created_at: datetime
    updated_at: datetime
    refunded_at: Optional[datetime] = None


@dataclass(frozen=True)
class RmaEvent:
    rma_id: str
    status: RmaStatus
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class Handoff:
    handoff_id: int
    conversation_id: str
    reason: str
    order_id: Optional[str]
    summary: str
    status: str  # open | claimed | closed
    created_at: datetime
    signals: Tuple[str, ...] = field(default_factory=tuple)
