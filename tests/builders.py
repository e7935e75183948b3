"""Builders for core records in tests: a sensible default, override what the test is about."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from bot.models import Customer, Fulfillment, Order, OrderLine, OrderStatus, SalesChannel

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def line(**changes) -> OrderLine:
    base = OrderLine(line_id="L1", sku="SHOE-42", title="Trail running shoes", category="shoes", quantity=1,
                     unit_price=Decimal("89.99"), returned_quantity=0)
    return replace(base, **changes)


def order(*lines: OrderLine, delivered_days_ago: float = 5, **changes) -> Order:
    delivered = NOW - timedelta(days=delivered_days_ago)
    base = Order(
        order_id="114-3941689-8772232", channel=SalesChannel.AMAZON, fulfillment=Fulfillment.MERCHANT,
        customer=Customer("alice@example.com", "Alice Martin", "94107", "US"),
        placed_at=delivered - timedelta(days=4), status=OrderStatus.DELIVERED, currency="USD",
        lines=lines or (line(),), shipped_at=delivered - timedelta(days=2), delivered_at=delivered,
        carrier="UPS", tracking_number="1Z999AA10123456784", return_shipping_cost=Decimal("7.50"),
    )
    return replace(base, **changes)
