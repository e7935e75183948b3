"""Orders in SQL: an order and its lines, what was cancelled of them, and the customer's history."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Mapping, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.models import Customer, CustomerHistory, Fulfillment, Order, OrderLine, OrderStatus, SalesChannel
from bot.sql.schema import cancelled_lines, order_deliveries, order_lines, orders, rmas, verifications

# The statements of the per-turn reads, built once: a statement built per call costs more Python than
# running it; one built once keeps its cache key and compiled form. Values come in as bound
# parameters, so they are the same SQL on SQLite and PostgreSQL.
_LINE_COLUMNS = [c.label(f"line_{c.name}") for c in order_lines.c if c.name != "order_id"]
_LINE_COLUMNS.append(sa.func.coalesce(cancelled_lines.c.quantity, 0).label("line_cancelled_quantity"))
_ORDER_WITH_LINES = (  # the order and its lines in one round trip (an order without lines: one row of NULLs)
    sa.select(orders, order_deliveries.c.due_by.label("delivery_due_by"), *_LINE_COLUMNS)
    .select_from(orders.outerjoin(order_deliveries, order_deliveries.c.order_id == orders.c.order_id)
                 .outerjoin(order_lines, order_lines.c.order_id == orders.c.order_id)
                 .outerjoin(cancelled_lines, sa.and_(cancelled_lines.c.order_id == order_lines.c.order_id,
                                                     cancelled_lines.c.line_id == order_lines.c.line_id)))
    .where(orders.c.order_id == sa.bindparam("order_id"))
    .order_by(order_lines.c.position)
)
_VERIFIED = sa.exists().where(verifications.c.conversation_id == sa.bindparam("conversation_id"),
                              verifications.c.order_id == orders.c.order_id)
_VERIFIED_ORDER_WITH_LINES = _ORDER_WITH_LINES.where(_VERIFIED)
_RETURNED = sa.or_(  # the order has a returned line or an RMA
    sa.exists().where(order_lines.c.order_id == orders.c.order_id, order_lines.c.returned_quantity > 0),
    sa.exists().where(rmas.c.order_id == orders.c.order_id),
)
_HISTORY = sa.select(sa.func.count(), sa.func.count(sa.case((_RETURNED, 1)))).where(
    orders.c.email == sa.bindparam("email"), orders.c.placed_at >= sa.bindparam("since"))


class SqlOrders:
    """The `Orders` repository (bot/repositories.py) over SQLAlchemy Core."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def upsert_orders(self, new_orders: Iterable[Order]) -> Tuple[int, int]:
        """Insert or update orders by order_id (idempotent). Returns (inserted, updated)."""
        inserted = updated = 0
        with self.engine.begin() as conn:
            for order in new_orders:
                row = _order_row(order)
                exists = conn.execute(
                    sa.select(orders.c.order_id).where(orders.c.order_id == order.order_id)
                ).first()
                if exists:
                    conn.execute(orders.update().where(orders.c.order_id == order.order_id).values(**row))
                    conn.execute(order_lines.delete().where(order_lines.c.order_id == order.order_id))
                    updated += 1
                else:
                    conn.execute(orders.insert().values(**row))
                    inserted += 1
                conn.execute(
                    order_lines.insert(),
                    [_line_row(order.order_id, i, line) for i, line in enumerate(order.lines)],
                )
                conn.execute(order_deliveries.delete().where(order_deliveries.c.order_id == order.order_id))
                if order.due_by is not None:
                    conn.execute(order_deliveries.insert().values(order_id=order.order_id, due_by=order.due_by))
        return inserted, updated

    def get_order(self, order_id: str) -> Optional[Order]:
        with self.engine.connect() as conn:
            rows = conn.execute(_ORDER_WITH_LINES, {"order_id": order_id}).mappings().all()
        return _order_from_joined(rows)

    def verified_order(self, conversation_id: str, order_id: str) -> Optional[Order]:
        """The order, only if this conversation has verified it (None for an unknown order and for an
        unverified one alike), read with its lines and the verification in one statement."""
        with self.engine.connect() as conn:
            rows = conn.execute(_VERIFIED_ORDER_WITH_LINES,
                                {"order_id": order_id, "conversation_id": conversation_id}).mappings().all()
        return _order_from_joined(rows)

    def order_id_for_tracking(self, tracking_number: str) -> Optional[str]:
        """The order shipped under this tracking number (blanks and case ignored), if exactly one was."""
        wanted = "".join(tracking_number.split()).upper()
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(orders.c.order_id).where(
                sa.func.upper(sa.func.replace(orders.c.tracking_number, " ", "")) == wanted).limit(2)).scalars().all()
        return found[0] if len(found) == 1 else None

    def count_orders(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one()

    def set_order_status(self, order_id: str, status: OrderStatus) -> None:
        with self.engine.begin() as conn:
            conn.execute(orders.update().where(orders.c.order_id == order_id).values(status=status.value))

    def cancel_lines(self, order_id: str, cancelled: Mapping[str, int], at: datetime) -> bool:
        """Takes units off an order that has not shipped: `cancelled` maps a line to how many of its units
        are cancelled in all once this is done (not how many more), so a retry changes nothing. The order
        is cancelled as a whole once nothing is left. False, with nothing changed, when the order is no
        longer processing or a line is unknown. One transaction, the order's row locked first."""
        with self.engine.begin() as conn:
            status = conn.execute(sa.select(orders.c.status).where(orders.c.order_id == order_id)
                                  .with_for_update()).scalar()
            if status != OrderStatus.PROCESSING.value:
                return False
            sold = dict(conn.execute(sa.select(order_lines.c.line_id, order_lines.c.quantity)
                                     .where(order_lines.c.order_id == order_id)).all())
            if not cancelled or any(line_id not in sold for line_id in cancelled):
                return False
            done = dict(conn.execute(sa.select(cancelled_lines.c.line_id, cancelled_lines.c.quantity)
                                     .where(cancelled_lines.c.order_id == order_id)).all())
            for line_id, total in cancelled.items():
                total = min(max(int(total), 0), sold[line_id])
                if total <= done.get(line_id, 0):
                    continue
                if line_id in done:
                    conn.execute(cancelled_lines.update().where(cancelled_lines.c.order_id == order_id,
                                                                cancelled_lines.c.line_id == line_id)
                                 .values(quantity=total, at=at))
                else:
                    conn.execute(cancelled_lines.insert().values(order_id=order_id, line_id=line_id,
                                                                 quantity=total, at=at))
                done[line_id] = total
            if all(done.get(line_id, 0) >= quantity for line_id, quantity in sold.items()):
                conn.execute(orders.update().where(orders.c.order_id == order_id)
                             .values(status=OrderStatus.CANCELLED.value))
        return True

    def customer_history(self, email: str, since: datetime) -> CustomerHistory:
        """The customer's orders placed since `since`, and how many of them have a returned line or
        an RMA: both counted in one statement."""
        with self.engine.connect() as conn:
            total, with_returns = conn.execute(_HISTORY, {"email": email.lower(), "since": since}).one()
        return CustomerHistory(orders=total, orders_with_returns=with_returns)


def _order_from_joined(rows) -> Optional[Order]:
    """An order from the rows of `_ORDER_WITH_LINES` (one per line, its columns prefixed `line_`)."""
    if not rows:
        return None
    lines = [{name[5:]: row[name] for name in _LINE_NAMES} for row in rows if row["line_line_id"] is not None]
    return _order_from(rows[0], lines)


_LINE_NAMES = [column.name for column in _LINE_COLUMNS]  # incl. line_cancelled_quantity


def _order_row(order: Order) -> dict:
    return dict(
        order_id=order.order_id, channel=order.channel.value, fulfillment=order.fulfillment.value,
        email=order.customer.email.lower(), name=order.customer.name, postcode=order.customer.postcode,
        country=order.customer.country, placed_at=order.placed_at, status=order.status.value,
        shipped_at=order.shipped_at, delivered_at=order.delivered_at, carrier=order.carrier,
        tracking_number=order.tracking_number, currency=order.currency,
        return_shipping_cost=order.return_shipping_cost,
    )


def _line_row(order_id: str, position: int, line: OrderLine) -> dict:
    return dict(order_id=order_id, line_id=line.line_id, position=position, sku=line.sku, title=line.title,
                category=line.category, quantity=line.quantity, unit_price=line.unit_price,
                returned_quantity=line.returned_quantity)


def _order_from(row, lines) -> Order:
    return Order(
        order_id=row["order_id"], channel=SalesChannel(row["channel"]), fulfillment=Fulfillment(row["fulfillment"]),
        customer=Customer(row["email"], row["name"], row["postcode"], row["country"]),
        placed_at=row["placed_at"], status=OrderStatus(row["status"]), currency=row["currency"],
        lines=tuple(OrderLine(l["line_id"], l["sku"], l["title"], l["category"], l["quantity"], l["unit_price"],
                              l["returned_quantity"], l.get("cancelled_quantity") or 0) for l in lines),
        shipped_at=row["shipped_at"], delivered_at=row["delivered_at"], carrier=row["carrier"],
        tracking_number=row["tracking_number"], return_shipping_cost=row["return_shipping_cost"],
        due_by=row.get("delivery_due_by"),
    )
