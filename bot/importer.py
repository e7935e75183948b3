"""Parse order files (JSON or CSV, see docs/orders-format.md) into validated `Order` records.

Pure: the parsers take the file's text and return orders or raise `OrderImportError` naming the
record and field of every problem; only `load_orders_file` reads a file.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Type, TypeVar, Union

from bot.models import Customer, Fulfillment, Order, OrderLine, OrderStatus, SalesChannel

MAX_REPORTED_ERRORS = 20

ORDER_FIELDS = (
    "order_id", "channel", "fulfillment", "customer", "placed_at", "status", "shipped_at",
    "delivered_at", "carrier", "tracking_number", "currency", "return_shipping_cost", "lines",
)
CUSTOMER_FIELDS = ("email", "name", "postcode", "country")
LINE_FIELDS = ("line_id", "sku", "title", "category", "quantity", "unit_price", "returned_quantity")
CSV_COLUMNS = (
    "order_id", "channel", "fulfillment", "customer_email", "customer_name", "customer_postcode",
    "customer_country", "placed_at", "status", "shipped_at", "delivered_at", "carrier",
    "tracking_number", "currency", "return_shipping_cost",
    "line_id", "sku", "title", "category", "quantity", "unit_price", "returned_quantity",
)
CSV_ORDER_COLUMNS = tuple(name for name in CSV_COLUMNS if name not in LINE_FIELDS)
CSV_OPTIONAL = {"shipped_at", "delivered_at", "carrier", "tracking_number", "return_shipping_cost",
                "returned_quantity"}

ORDER_ID_FORMATS = {  # the formats the chat bot recognises in a customer's message
    SalesChannel.AMAZON: (re.compile(r"\d{3}-\d{7}-\d{7}"), "123-1234567-1234567"),
    SalesChannel.EBAY: (re.compile(r"\d{2}-\d{5}-\d{5}"), "12-12345-12345"),
    SalesChannel.SHOPIFY: (re.compile(r"#\d{4,}"), "#1001"),
    SalesChannel.WEB: (re.compile(r"#\d{4,}"), "#1001"),
}
_AMOUNT = re.compile(r"\d+(\.\d+)?")
_COUNT = re.compile(r"\d+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CATEGORY = re.compile(r"[a-z][a-z0-9_]*")

E = TypeVar("E", SalesChannel, Fulfillment, OrderStatus)


class OrderImportError(ValueError):
    """An order file is invalid; `errors` holds one message per problem, each naming record and field."""

    def __init__(self, errors: Union[str, Sequence[str]]):
        self.errors: Tuple[str, ...] = (errors,) if isinstance(errors, str) else tuple(errors)
        shown = list(self.errors[:MAX_REPORTED_ERRORS])
        if len(self.errors) > MAX_REPORTED_ERRORS:
            shown.append(f"... and {len(self.errors) - MAX_REPORTED_ERRORS} more")
        super().__init__("\n".join(shown))


class _FieldError(Exception):
    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")


def _show(value: Any) -> str:
    """A value as the user wrote it: strings quoted, numbers bare."""
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and value.strip() == "")


def _text(raw: Mapping[str, Any], key: str, label: str, required: bool = True) -> Optional[str]:
    value = raw.get(key)
    if not _present(value):
        if required:
            raise _FieldError(label, "is required")
        return None
    if not isinstance(value, str):
        raise _FieldError(label, f"{_show(value)} must be a string")
    return " ".join(value.split())


def _choice(raw: Mapping[str, Any], key: str, label: str, enum_type: Type[E]) -> E:
    value = _text(raw, key, label)
    allowed = [member.value for member in enum_type]
    if value not in allowed:
        raise _FieldError(label, f"{_show(value)} is not one of {'|'.join(allowed)}")
    return enum_type(value)


def _time(raw: Mapping[str, Any], key: str, label: str, required: bool = True) -> Optional[datetime]:
    value = _text(raw, key, label, required)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(re.sub(r"[zZ]$", "+00:00", value))
    except ValueError:
        raise _FieldError(label, f"{_show(value)} is not an ISO 8601 time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _FieldError(label, f"{_show(value)} has no UTC offset (write e.g. 2026-11-20T14:05:00Z)")
    return parsed


def _amount(raw: Mapping[str, Any], key: str, label: str, required: bool = True) -> Optional[Decimal]:
    value = raw.get(key)
    if not _present(value):
        if required:
            raise _FieldError(label, "is required")
        return None
    problem = f"{_show(value)} is not a decimal amount"
    if isinstance(value, bool):
        raise _FieldError(label, problem)
    if isinstance(value, str):
        if not _AMOUNT.fullmatch(value.strip()):
            raise _FieldError(label, problem)
        value = value.strip()
    elif not isinstance(value, (int, Decimal)):  # JSON numbers arrive as int or exact Decimal
        raise _FieldError(label, problem)
    amount = Decimal(value)
    if not amount.is_finite() or amount.is_signed():
        raise _FieldError(label, f"{_show(value)} is not a non-negative decimal amount")
    try:
        cents = amount.quantize(Decimal("0.01"))
    except InvalidOperation:  # too many digits to hold in cents
        raise _FieldError(label, problem) from None
    if cents != amount:
        raise _FieldError(label, f"{_show(value)} has more than 2 decimal places")
    return cents


def _count(raw: Mapping[str, Any], key: str, label: str, default: Optional[int] = None) -> int:
    value = raw.get(key)
    if not _present(value):
        if default is None:
            raise _FieldError(label, "is required")
        return default
    if isinstance(value, str) and _COUNT.fullmatch(value.strip()):
        return int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise _FieldError(label, f"{_show(value)} is not a whole number >= 0")


def _customer(raw: Any, prefix: str) -> Customer:
    if not isinstance(raw, dict):
        raise _FieldError("customer", "must be an object with email, name, postcode, country")
    email = _text(raw, "email", f"{prefix}email") or ""
    if not _EMAIL.fullmatch(email):
        raise _FieldError(f"{prefix}email", f"{_show(email)} is not an email address")
    name = _text(raw, "name", f"{prefix}name") or ""
    postcode = _text(raw, "postcode", f"{prefix}postcode") or ""
    country = _text(raw, "country", f"{prefix}country") or ""
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise _FieldError(f"{prefix}country", f"{_show(country)} is not an ISO 3166 code like US or GB")
    return Customer(email=email.lower(), name=name, postcode=postcode, country=country)


def _line(raw: Any, prefix: str) -> OrderLine:
    if not isinstance(raw, dict):
        raise _FieldError(prefix.rstrip("."), "must be an object")
    line_id = _text(raw, "line_id", f"{prefix}line_id") or ""
    sku = _text(raw, "sku", f"{prefix}sku") or ""
    title = _text(raw, "title", f"{prefix}title") or ""
    category = _text(raw, "category", f"{prefix}category") or ""
    if not _CATEGORY.fullmatch(category):
        raise _FieldError(f"{prefix}category", f"{_show(category)} must be lower_snake_case, e.g. gift_card")
    quantity = _count(raw, "quantity", f"{prefix}quantity")
    unit_price = _amount(raw, "unit_price", f"{prefix}unit_price")
    returned = _count(raw, "returned_quantity", f"{prefix}returned_quantity", default=0)
    if returned > quantity:
        raise _FieldError(f"{prefix}returned_quantity", f"{returned} is more than the quantity {quantity}")
    assert unit_price is not None
    return OrderLine(line_id=line_id, sku=sku, title=title, category=category, quantity=quantity,
                     unit_price=unit_price, returned_quantity=returned)


def _order(raw: Mapping[str, Any], lines: Sequence[OrderLine], customer_prefix: str) -> Order:
    """Validate the order-level fields of `raw`; its lines are already parsed and checked."""
    order_id = _text(raw, "order_id", "order_id") or ""
    channel = _choice(raw, "channel", "channel", SalesChannel)
    pattern, example = ORDER_ID_FORMATS[channel]
    if not pattern.fullmatch(order_id):
        raise _FieldError("order_id", f"{_show(order_id)} is not in the {channel.value} format, e.g. {example}")
    fulfillment = _choice(raw, "fulfillment", "fulfillment", Fulfillment)
    if fulfillment is Fulfillment.FBA and channel is not SalesChannel.AMAZON:
        raise _FieldError("fulfillment", f'"fba" needs channel "amazon", not {_show(channel.value)}')
    customer = _customer(raw.get("customer"), customer_prefix)
    status = _choice(raw, "status", "status", OrderStatus)
    currency = _text(raw, "currency", "currency") or ""
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise _FieldError("currency", f"{_show(currency)} is not a 3-letter upper-case code like USD")
    placed_at = _time(raw, "placed_at", "placed_at")
    shipped_at = _time(raw, "shipped_at", "shipped_at", required=status is OrderStatus.SHIPPED)
    delivered_at = _time(raw, "delivered_at", "delivered_at", required=status is OrderStatus.DELIVERED)
    if status in (OrderStatus.PROCESSING, OrderStatus.CANCELLED) and shipped_at:
        raise _FieldError("shipped_at", f"is set but the order is {status.value}")
    if status is not OrderStatus.DELIVERED and delivered_at:
        raise _FieldError("delivered_at", f"is set but the order is {status.value}")
    assert placed_at is not None
    if shipped_at and shipped_at < placed_at:
        raise _FieldError("shipped_at", "is before placed_at")
    if delivered_at and delivered_at < (shipped_at or placed_at):
        raise _FieldError("delivered_at", f"is before {'shipped_at' if shipped_at else 'placed_at'}")
    return Order(
        order_id=order_id, channel=channel, fulfillment=fulfillment, customer=customer,
        placed_at=placed_at, status=status, currency=currency, lines=tuple(lines),
        shipped_at=shipped_at, delivered_at=delivered_at,
        carrier=_text(raw, "carrier", "carrier", required=False),
        tracking_number=_text(raw, "tracking_number", "tracking_number", required=False),
        return_shipping_cost=_amount(raw, "return_shipping_cost", "return_shipping_cost", required=False),
    )


def _first_repeat(line_ids: Sequence[str]) -> Optional[Tuple[int, int]]:
    """(index of the repeat, index of its first use) for the first line_id used twice, else None."""
    seen: Dict[str, int] = {}
    for index, line_id in enumerate(line_ids):
        if line_id in seen:
            return index, seen[line_id]
        seen[line_id] = index
    return None


def _check_unique(orders: Sequence[Tuple[str, Order]], errors: List[str]) -> None:
    first: Dict[str, str] = {}
    for name, order in orders:
        if order.order_id in first:
            errors.append(f"{name}: order_id: {_show(order.order_id)} is already used by {first[order.order_id]}")
        else:
            first[order.order_id] = name


def _json_order(raw: Any) -> Order:
    if not isinstance(raw, dict):
        raise _FieldError("order", "must be an object")
    for key in raw:
        if key not in ORDER_FIELDS:
            raise _FieldError(key, "is not a known field")
    customer = raw.get("customer")
    for key in customer if isinstance(customer, dict) else ():
        if key not in CUSTOMER_FIELDS:
            raise _FieldError(f"customer.{key}", "is not a known field")
    raw_lines = raw.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise _FieldError("lines", "must be a list of at least one order line")
    for index, line in enumerate(raw_lines):
        for key in line if isinstance(line, dict) else ():
            if key not in LINE_FIELDS:
                raise _FieldError(f"lines[{index}].{key}", "is not a known field")
    lines = [_line(line, f"lines[{index}].") for index, line in enumerate(raw_lines)]
    repeat = _first_repeat([line.line_id for line in lines])
    if repeat:
        raise _FieldError(f"lines[{repeat[0]}].line_id",
                          f"{_show(lines[repeat[0]].line_id)} repeats lines[{repeat[1]}]")
    return _order(raw, lines, "customer.")


def parse_orders_json(text: str, rebase_to: Optional[date] = None) -> List[Order]:
    """Parse {"orders": [...]}; with a top-level "anchor_date" and `rebase_to`, move every time by
    (rebase_to - anchor_date) days so relative dates ("delivered 5 days ago") stay relative."""
    try:
        document = json.loads(text, parse_float=Decimal)  # exact: 89.99 never becomes a binary float
    except json.JSONDecodeError as exc:
        raise OrderImportError(f"file: not valid JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("orders"), list):
        raise OrderImportError('file: expected an object with an "orders" list')
    delta = timedelta(0)
    if document.get("anchor_date") is not None:
        try:
            anchor = date.fromisoformat(str(document["anchor_date"]))
        except ValueError:
            raise OrderImportError(f"file: anchor_date: {_show(document['anchor_date'])} is not a "
                                   "date like 2026-11-20") from None
        if rebase_to is not None:
            delta = timedelta(days=(rebase_to - anchor).days)
    errors: List[str] = []
    parsed: List[Tuple[str, Order]] = []
    for number, raw in enumerate(document["orders"], start=1):
        order_id = raw.get("order_id") if isinstance(raw, dict) else None
        name = f"order #{number}" + (f" ({order_id})" if isinstance(order_id, str) and order_id else "")
        try:
            parsed.append((name, _json_order(raw)))
        except _FieldError as exc:
            errors.append(f"{name}: {exc}")
    _check_unique(parsed, errors)
    if errors:
        raise OrderImportError(errors)
    return [_shift(order, delta) for _, order in parsed]


def _shift(order: Order, delta: timedelta) -> Order:
    if not delta:
        return order
    moved = {name: getattr(order, name) + delta for name in ("placed_at", "shipped_at", "delivered_at")
             if getattr(order, name) is not None}
    return replace(order, **moved)


class _RowError(Exception):
    """A CSV problem whose message already names its row."""


def _csv_order(rows: Sequence[Tuple[int, Dict[str, str]]]) -> Order:
    """One order from its rows (row number, non-empty cells); errors name the row at fault."""
    first_number, first = rows[0]

    def at(number: int) -> str:
        return f"row {number}" + (f" ({first['order_id']})" if first.get("order_id") else "")

    for number, cells in rows[1:]:
        for column in CSV_ORDER_COLUMNS:
            if cells.get(column) != first.get(column):
                raise _RowError(f"{at(number)}: {column}: {_show(cells.get(column))} differs from "
                                f"{_show(first.get(column))} on row {first_number}, the same order")
    lines = []
    for number, cells in rows:
        try:
            lines.append(_line(cells, ""))
        except _FieldError as exc:
            raise _RowError(f"{at(number)}: {exc}") from None
    repeat = _first_repeat([line.line_id for line in lines])
    if repeat:
        raise _RowError(f"{at(rows[repeat[0]][0])}: line_id: {_show(lines[repeat[0]].line_id)} "
                        f"repeats row {rows[repeat[1]][0]}")
    raw: Dict[str, Any] = dict(first)
    raw["customer"] = {field: first.get(f"customer_{field}") for field in CUSTOMER_FIELDS}
    try:
        return _order(raw, lines, "customer_")
    except _FieldError as exc:
        raise _RowError(f"{at(first_number)}: {exc}") from None


def parse_orders_csv(text: str) -> List[Order]:
    """Parse CSV with one row per order line; the order's columns repeat on each of its rows and
    must agree. Rows are named by their line number in the file (the header is row 1)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in CSV_COLUMNS if name not in header and name not in CSV_OPTIONAL]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    repeated = [name for index, name in enumerate(header) if name in header[:index]]
    problems = [f"{what} column(s) {', '.join(names)}" for what, names in
                (("missing", missing), ("unknown", unknown), ("repeated", repeated)) if names]
    if problems:
        raise OrderImportError(f"header: {'; '.join(problems)}")
    reader.fieldnames = header
    groups: Dict[str, List[Tuple[int, Dict[str, str]]]] = {}
    errors: List[str] = []
    for row in reader:
        if None in row:
            errors.append(f"row {reader.line_num}: has more cells than the header")
            continue
        cells = {key: value.strip() for key, value in row.items() if _present(value)}
        if cells:  # skip blank lines
            groups.setdefault(" ".join(cells.get("order_id", "").split()), []).append((reader.line_num, cells))
    parsed: List[Order] = []
    for rows in groups.values():
        try:
            parsed.append(_csv_order(rows))
        except _RowError as exc:
            errors.append(str(exc))
    if errors:
        raise OrderImportError(errors)
    return parsed


def load_orders_file(path: Union[str, Path], rebase_to: Optional[date] = None) -> List[Order]:
    """Read a .json or .csv order file (UTF-8); `rebase_to` applies to JSON files with an anchor_date."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise OrderImportError(f"{path.name}: unknown file type {suffix or '(none)'}; use .json or .csv")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OrderImportError(f"file: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    return parse_orders_json(text, rebase_to=rebase_to) if suffix == ".json" else parse_orders_csv(text)
