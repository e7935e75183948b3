"""Order file import: JSON and CSV parse to the same records, every bad value is named, the demo store
holds the contract's fixtures."""
from __future__ import annotations

import copy
import csv
import importlib.util
import io
import json
import re
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

from bot.importer import (CSV_COLUMNS, OrderImportError, load_orders_file, parse_orders_csv,
                          parse_orders_json)
from bot.models import Fulfillment, Order, OrderStatus, SalesChannel

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo_orders.json"
ANCHOR = date(2026, 11, 20)


def alice_order(**changes: Any) -> Dict[str, Any]:
    order: Dict[str, Any] = {
        "order_id": "114-3941689-8772232", "channel": "amazon", "fulfillment": "merchant",
        "customer": {"email": "alice.martin@example.com", "name": "Alice Martin", "postcode": "94107",
                     "country": "US"},
        "placed_at": "2026-11-11T17:42:00Z", "status": "delivered", "shipped_at": "2026-11-12T21:10:00Z",
        "delivered_at": "2026-11-15T19:26:00Z", "carrier": "UPS", "tracking_number": "1Z999AA10123456784",
        "currency": "USD", "return_shipping_cost": "7.50",
        "lines": [
            {"line_id": "L1", "sku": "SHOE-RUN-42", "title": "Trail running shoes", "category": "shoes",
             "quantity": 1, "unit_price": "89.99", "returned_quantity": 0},
            {"line_id": "L2", "sku": "SOCK-3PK", "title": "Running socks (3 pack)", "category": "apparel",
             "quantity": 1, "unit_price": "14.99"},
        ],
    }
    order.update(changes)
    return order


def chloe_order(**changes: Any) -> Dict[str, Any]:
    order: Dict[str, Any] = {
        "order_id": "#1003", "channel": "shopify", "fulfillment": "merchant",
        "customer": {"email": "chloe.dubois@example.fr", "name": "Chloé Dubois", "postcode": "75011",
                     "country": "FR"},
        "placed_at": "2026-11-19T19:27:00+01:00", "status": "processing", "currency": "EUR",
        "lines": [{"line_id": "L1", "sku": "MUG-SET", "title": "Mug set, 4 pieces", "category": "home",
                   "quantity": 2, "unit_price": "24.00", "returned_quantity": 0}],
    }
    order.update(changes)
    return order


def document(*orders: Dict[str, Any], **top: Any) -> str:
    return json.dumps({**top, "orders": list(orders)})


def as_csv(*orders: Dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for order in orders:
        head = {key: value for key, value in order.items() if key not in ("customer", "lines")}
        head.update({f"customer_{key}": value for key, value in order["customer"].items()})
        for line in order["lines"]:
            writer.writerow({**head, **line})
    return out.getvalue()


def import_error(parse: Callable[[], object]) -> OrderImportError:
    with pytest.raises(OrderImportError) as caught:
        parse()
    return caught.value


# ---------------------------------------------------------------- good files

def test_json_order_becomes_typed_order_record() -> None:
    [order] = parse_orders_json(document(alice_order()))
    assert order.channel is SalesChannel.AMAZON and order.fulfillment is Fulfillment.MERCHANT
    assert order.status is OrderStatus.DELIVERED
    assert order.delivered_at == datetime(2026, 11, 15, 19, 26, tzinfo=timezone.utc)
    assert order.return_shipping_cost == Decimal("7.50")
    assert [line.unit_price for line in order.lines] == [Decimal("89.99"), Decimal("14.99")]
    assert order.lines[1].returned_quantity == 0  # optional, defaults to 0
    assert order.customer.postcode == "94107"


def test_json_and_csv_of_the_same_orders_parse_to_equal_records() -> None:
    orders = [alice_order(), chloe_order()]
    from_json = parse_orders_json(document(*orders))
    from_csv = parse_orders_csv(as_csv(*orders))
    assert from_csv == from_json
    assert from_csv[1].lines[0].title == "Mug set, 4 pieces"  # quoted comma survives
    assert from_csv[1].placed_at.utcoffset() == timedelta(hours=1)


def test_json_numbers_for_money_are_read_exactly() -> None:
    order = alice_order(return_shipping_cost=7.5)
    order["lines"][0]["unit_price"] = 89.99
    [parsed] = parse_orders_json(json.dumps({"orders": [order]}))
    assert parsed.lines[0].unit_price == Decimal("89.99")
    assert parsed.return_shipping_cost == Decimal("7.50")


def test_email_is_stored_lower_case_and_text_is_trimmed() -> None:
    order = alice_order(customer={"email": " Alice.Martin@Example.com ", "name": "Alice   Martin",
                                  "postcode": "94107", "country": "US"})
    [parsed] = parse_orders_json(document(order))
    assert parsed.customer.email == "alice.martin@example.com"
    assert parsed.customer.name == "Alice Martin"


def test_csv_may_leave_out_optional_columns_and_start_with_a_byte_order_mark() -> None:
    text = ("\ufefforder_id,channel,fulfillment,customer_email,customer_name,customer_postcode,"
            "customer_country,placed_at,status,currency,line_id,sku,title,category,quantity,unit_price\n"
            "#1003,shopify,merchant,chloe.dubois@example.fr,Chloé Dubois,75011,FR,"
            "2026-11-19T19:27:00+01:00,processing,EUR,L1,MUG-SET,\"Mug set, 4 pieces\",home,2,24.00\n\n")
    assert parse_orders_csv(text) == parse_orders_json(document(chloe_order()))


def test_csv_rows_of_one_order_need_not_be_consecutive() -> None:
    rows = as_csv(alice_order(), chloe_order()).splitlines()
    shuffled = "\n".join([rows[0], rows[1], rows[3], rows[2]]) + "\n"
    orders = parse_orders_csv(shuffled)
    assert [order.order_id for order in orders] == ["114-3941689-8772232", "#1003"]
    assert [line.line_id for line in orders[0].lines] == ["L1", "L2"]


def test_the_documented_json_and_csv_examples_parse_to_the_same_order() -> None:
    text = (ROOT / "docs" / "orders-format.md").read_text(encoding="utf-8")
    json_example = re.search(r"```json\n(.*?)```", text, re.S).group(1)  # type: ignore[union-attr]
    csv_example = re.search(r"```csv\n(.*?)```", text, re.S).group(1)  # type: ignore[union-attr]
    from_json = parse_orders_json(json_example)
    from_csv = parse_orders_csv(csv_example)
    assert from_csv[0] == from_json[0]
    assert from_csv[1].order_id == "#1003"


# ---------------------------------------------------------------- bad JSON records name record and field

def with_line(index: int, **changes: Any) -> Callable[[Dict[str, Any]], None]:
    def change(order: Dict[str, Any]) -> None:
        order["lines"][index].update(changes)
    return change


def with_customer(**changes: Any) -> Callable[[Dict[str, Any]], None]:
    return lambda order: order["customer"].update(changes)


def without(*keys: str) -> Callable[[Dict[str, Any]], None]:
    return lambda order: [order.pop(key) for key in keys]


def setting(**changes: Any) -> Callable[[Dict[str, Any]], None]:
    return lambda order: order.update(changes)


BAD_RECORDS = [
    (with_line(1, unit_price="abc"), 'lines[1].unit_price: "abc" is not a decimal amount'),
    (with_line(0, unit_price="89.999"), 'lines[0].unit_price: "89.999" has more than 2 decimal places'),
    (with_line(0, unit_price="1,299.00"), 'lines[0].unit_price: "1,299.00" is not a decimal amount'),
    (with_line(0, unit_price=-5), "lines[0].unit_price: -5 is not a non-negative decimal amount"),
    (with_line(0, unit_price=None), "lines[0].unit_price: is required"),
    (with_line(0, quantity=-1), "lines[0].quantity: -1 is not a whole number >= 0"),
    (with_line(0, quantity=1.5), "lines[0].quantity: 1.5 is not a whole number >= 0"),
    (with_line(0, quantity=True), "lines[0].quantity: true is not a whole number >= 0"),
    (with_line(0, returned_quantity=2), "lines[0].returned_quantity: 2 is more than the quantity 1"),
    (with_line(1, line_id="L1"), 'lines[1].line_id: "L1" repeats lines[0]'),
    (with_line(0, category="Gift Card"), 'lines[0].category: "Gift Card" must be lower_snake_case'),
    (with_line(0, retuned_quantity=1), "lines[0].retuned_quantity: is not a known field"),
    (with_line(0, title="  "), "lines[0].title: is required"),
    (setting(lines=[]), "lines: must be a list of at least one order line"),
    (setting(channel="etsy"), 'channel: "etsy" is not one of amazon|ebay|shopify|web'),
    (setting(fulfillment="fbm"), 'fulfillment: "fbm" is not one of fba|merchant'),
    (setting(status="returned"), 'status: "returned" is not one of processing|shipped|delivered|cancelled'),
    (setting(channel="ebay", fulfillment="fba", order_id="12-34567-89012"),
     'fulfillment: "fba" needs channel "amazon", not "ebay"'),
    (setting(order_id="114-394168"), 'order_id: "114-394168" is not in the amazon format'),
    (setting(placed_at="2026-11-11T17:42:00"), 'placed_at: "2026-11-11T17:42:00" has no UTC offset'),
    (setting(placed_at="11/11/2026"), 'placed_at: "11/11/2026" is not an ISO 8601 time'),
    (setting(delivered_at="2026-11-12T08:00:00Z"), "delivered_at: is before shipped_at"),
    (without("delivered_at"), "delivered_at: is required"),
    (setting(status="processing"), "shipped_at: is set but the order is processing"),
    (setting(currency="usd"), 'currency: "usd" is not a 3-letter upper-case code'),
    (setting(currency="US$"), 'currency: "US$" is not a 3-letter upper-case code'),
    (setting(return_shipping_cost="7,50"), 'return_shipping_cost: "7,50" is not a decimal amount'),
    (setting(gift_wrap=True), "gift_wrap: is not a known field"),
    (without("customer"), "customer: must be an object"),
    (with_customer(email="alice"), 'customer.email: "alice" is not an email address'),
    (with_customer(postcode=94107), "customer.postcode: 94107 must be a string"),
    (with_customer(country="USA"), 'customer.country: "USA" is not an ISO 3166 code'),
    (with_customer(nickname="Al"), "customer.nickname: is not a known field"),
]


@pytest.mark.parametrize("change, problem", BAD_RECORDS, ids=[problem.split(":")[0] + "|" + problem
                                                               for _, problem in BAD_RECORDS])
def test_bad_json_record_is_named_by_position_order_id_and_field(change, problem) -> None:
    bad = copy.deepcopy(alice_order())
    change(bad)
    others = [alice_order(order_id="111-0000000-0000001"), alice_order(order_id="111-0000000-0000002")]
    error = import_error(lambda: parse_orders_json(document(*others, bad)))
    assert str(error).startswith(f"order #3 ({bad['order_id']}): {problem}")
    assert len(error.errors) == 1


def test_every_bad_record_is_reported_not_just_the_first() -> None:
    first, second = alice_order(currency="dollars"), chloe_order(status="lost")
    error = import_error(lambda: parse_orders_json(document(first, alice_order(order_id="111-0000000-0000001"),
                                                           second)))
    assert [message.split(":")[0] for message in error.errors] == [
        "order #1 (114-3941689-8772232)", "order #3 (#1003)"]


def test_duplicate_order_id_in_one_file_names_both_records() -> None:
    error = import_error(lambda: parse_orders_json(document(alice_order(), chloe_order(), alice_order())))
    assert str(error) == ('order #3 (114-3941689-8772232): order_id: "114-3941689-8772232" '
                          "is already used by order #1 (114-3941689-8772232)")


@pytest.mark.parametrize("text, problem", [
    ("{not json", "file: not valid JSON"),
    ('[{"order_id": "#1001"}]', 'file: expected an object with an "orders" list'),
    ('{"orders": ["#1001"]}', "order #1: order: must be an object"),
    ('{"anchor_date": "20 Nov", "orders": []}', 'file: anchor_date: "20 Nov" is not a date'),
])
def test_malformed_json_file_is_rejected_with_a_reason(text: str, problem: str) -> None:
    assert str(import_error(lambda: parse_orders_json(text))).startswith(problem)


# ---------------------------------------------------------------- bad CSV rows name row and column

def test_bad_csv_cell_is_named_by_row_and_column() -> None:
    text = as_csv(chloe_order(), alice_order()).replace("14.99", "abc")
    error = import_error(lambda: parse_orders_csv(text))
    assert str(error) == 'row 4 (114-3941689-8772232): unit_price: "abc" is not a decimal amount'


def test_bad_csv_order_column_is_named_by_the_orders_first_row() -> None:
    text = as_csv(chloe_order(customer={"email": "chloe", "name": "C", "postcode": "75011", "country": "FR"}))
    assert str(import_error(lambda: parse_orders_csv(text))) == \
        'row 2 (#1003): customer_email: "chloe" is not an email address'


def test_csv_rows_of_one_order_that_disagree_are_rejected() -> None:
    text = as_csv(alice_order())
    rows = text.splitlines()
    rows[2] = rows[2].replace(",USD,", ",EUR,")
    error = import_error(lambda: parse_orders_csv("\n".join(rows)))
    assert str(error) == ('row 3 (114-3941689-8772232): currency: "EUR" differs from "USD" on row 2, '
                          "the same order")


def test_csv_repeated_line_id_names_the_repeating_row() -> None:
    order = alice_order()
    order["lines"][1]["line_id"] = "L1"
    assert str(import_error(lambda: parse_orders_csv(as_csv(order)))) == \
        'row 3 (114-3941689-8772232): line_id: "L1" repeats row 2'


@pytest.mark.parametrize("old, new, problem", [
    (",unit_price,", ",price,", "header: missing column(s) unit_price; unknown column(s) price"),
    (",sku,", ",SKU,", "header: missing column(s) sku; unknown column(s) SKU"),
    (",carrier,", ",title,", "header: repeated column(s) title"),  # carrier is optional
])
def test_csv_header_must_name_the_documented_columns(old: str, new: str, problem: str) -> None:
    text = as_csv(alice_order()).replace(old, new, 1)
    assert str(import_error(lambda: parse_orders_csv(text))) == problem


def test_csv_row_with_more_cells_than_the_header_is_rejected() -> None:
    text = as_csv(alice_order()).replace("\r\n", ",surplus\r\n").replace(",surplus", "", 1)
    assert str(import_error(lambda: parse_orders_csv(text))).startswith(
        "row 2: has more cells than the header")


# ---------------------------------------------------------------- rebasing relative dates

def test_rebase_moves_every_time_by_the_days_between_anchor_and_target() -> None:
    text = document(alice_order(), chloe_order(), anchor_date="2026-11-20")
    original = parse_orders_json(text)
    moved = parse_orders_json(text, rebase_to=date(2027, 3, 1))
    delta = timedelta(days=(date(2027, 3, 1) - ANCHOR).days)
    for before, after in zip(original, moved):
        for name in ("placed_at", "shipped_at", "delivered_at"):
            was, now = getattr(before, name), getattr(after, name)
            assert now == (was + delta if was else None)
            assert now is None or now.utcoffset() == was.utcoffset()  # wall clock and offset kept
        assert after.lines == before.lines


def test_rebase_without_anchor_date_or_target_changes_nothing() -> None:
    no_anchor = document(alice_order())
    assert parse_orders_json(no_anchor, rebase_to=date(2030, 1, 1)) == parse_orders_json(no_anchor)
    anchored = document(alice_order(), anchor_date="2026-11-20")
    assert parse_orders_json(anchored) == parse_orders_json(no_anchor)


# ---------------------------------------------------------------- files

def test_load_orders_file_picks_the_parser_by_extension(tmp_path: Path) -> None:
    (tmp_path / "orders.json").write_text(document(alice_order(), anchor_date="2026-11-20"), encoding="utf-8")
    (tmp_path / "orders.CSV").write_text(as_csv(alice_order()), encoding="utf-8")
    moved = load_orders_file(tmp_path / "orders.json", rebase_to=date(2026, 11, 21))
    assert moved[0].placed_at == datetime(2026, 11, 12, 17, 42, tzinfo=timezone.utc)
    assert load_orders_file(str(tmp_path / "orders.CSV")) == parse_orders_json(document(alice_order()))
    (tmp_path / "orders.xlsx").write_bytes(b"PK\x03\x04\xff")
    assert "unknown file type .xlsx" in str(import_error(lambda: load_orders_file(tmp_path / "orders.xlsx")))
    (tmp_path / "latin1.csv").write_bytes(as_csv(chloe_order()).encode("latin-1"))
    assert "not UTF-8" in str(import_error(lambda: load_orders_file(tmp_path / "latin1.csv")))


# ---------------------------------------------------------------- the demo store

# The contract's fixture table: (order_id, channel, fulfillment, currency, email, postcode, status,
# days before the anchor of the status time, carrier, tracking, return_shipping_cost, lines).
FIXTURES = [
    ("114-3941689-8772232", "amazon", "merchant", "USD", "alice.martin@example.com", "94107", "delivered", 5,
     "UPS", "1Z999AA10123456784", "7.50",
     [("L1", "SHOE-RUN-42", "Trail running shoes", "shoes", 1, "89.99"),
      ("L2", "SOCK-3PK", "Running socks (3 pack)", "apparel", 1, "14.99")]),
    ("113-5550123-4567890", "amazon", "fba", "USD", "alice.martin@example.com", "94107", "delivered", 3,
     None, None, None, [("L1", "KB-MECH", "Mechanical keyboard", "electronics", 1, "129.00")]),
    ("12-34567-89012", "ebay", "merchant", "GBP", "ben.okafor@example.co.uk", "SW1A 1AA", "delivered", 45,
     None, None, None, [("L1", "LAMP-DESK", "Desk lamp", "home", 1, "34.50")]),
    ("#1001", "shopify", "merchant", "EUR", "chloe.dubois@example.fr", "75011", "delivered", 2,
     None, None, "6.50", [("L1", "CASE-PH", "Phone case", "accessories", 1, "4.99")]),
    ("#1002", "shopify", "merchant", "EUR", "chloe.dubois@example.fr", "75011", "shipped", 2,
     "DHL", "1234567890", None, [("L1", "JACKET-W", "Wool jacket", "apparel", 1, "179.00")]),
    ("#1003", "shopify", "merchant", "EUR", "chloe.dubois@example.fr", "75011", "processing", None,
     None, None, None, [("L1", "MUG-SET", "Mug set", "home", 1, "24.00")]),
    ("114-7777777-0000001", "amazon", "merchant", "USD", "sam.serial@example.com", "10001", "delivered", 4,
     None, None, None, [("L1", "DRESS-RED", "Red dress", "apparel", 1, "120.00")]),
    ("27-11111-22222", "ebay", "merchant", "USD", "dan.lee@example.com", "60614", "delivered", 6,
     None, None, None, [("L1", "EARBUDS", "Wireless earbuds", "electronics", 1, "59.00"),
                        ("L2", "GIFT-CARD", "Gift card", "gift_card", 1, "25.00")]),
    ("#1004", "web", "merchant", "CAD", "erin.wu@example.ca", "M5V 2T6", "delivered", 1,
     None, None, None, [("L1", "VASE", "Glass vase", "home", 1, "45.00")]),
]


@pytest.fixture(scope="module")
def demo() -> List[Order]:
    return load_orders_file(DEMO)


def days_before(moment: datetime, day: date = ANCHOR) -> int:
    return (day - moment.date()).days


@pytest.mark.parametrize("fixture", FIXTURES, ids=[row[0] for row in FIXTURES])
def test_demo_store_holds_the_contract_fixture_exactly(demo: List[Order], fixture: tuple) -> None:
    (order_id, channel, fulfillment, currency, email, postcode, status, days, carrier, tracking, label,
     lines) = fixture
    order = next(order for order in demo if order.order_id == order_id)
    assert (order.channel.value, order.fulfillment.value, order.currency) == (channel, fulfillment, currency)
    assert (order.customer.email, order.customer.postcode, order.status.value) == (email, postcode, status)
    status_time = {"delivered": order.delivered_at, "shipped": order.shipped_at}.get(status)
    assert (days_before(status_time) if status_time else None) == days
    if status == "shipped":
        assert order.delivered_at is None
    if carrier:
        assert (order.carrier, order.tracking_number) == (carrier, tracking)
    assert order.return_shipping_cost == (Decimal(label) if label else None)
    assert [(line.line_id, line.sku, line.title, line.category, line.quantity, line.unit_price,
             line.returned_quantity) for line in order.lines] == \
        [(*line[:5], Decimal(line[5]), 0) for line in lines]


def test_demo_fixture_dates_stay_relative_after_rebasing_to_today() -> None:
    today = date(2027, 6, 30)
    rebased = {order.order_id: order for order in load_orders_file(DEMO, rebase_to=today)}
    assert days_before(rebased["114-3941689-8772232"].delivered_at, today) == 5
    assert days_before(rebased["12-34567-89012"].delivered_at, today) == 45


def returned(order: Order) -> bool:
    return any(line.returned_quantity > 0 for line in order.lines)


def past_year(demo: List[Order], email: str) -> List[Order]:
    start = datetime.combine(ANCHOR, datetime.min.time(), timezone.utc) - timedelta(days=365)
    return [order for order in demo if order.customer.email == email and order.placed_at >= start]


def test_sam_serial_has_ten_orders_in_the_past_year_eight_with_returns(demo: List[Order]) -> None:
    sams = [order for order in demo if order.customer.email == "sam.serial@example.com"]
    assert len(past_year(demo, "sam.serial@example.com")) == len(sams) == 10
    assert sum(returned(order) for order in sams) == 8
    fixture = next(order for order in sams if order.order_id == "114-7777777-0000001")
    assert not returned(fixture)
    assert all(order.status is OrderStatus.DELIVERED for order in sams)


def test_other_fixture_customers_have_clean_histories(demo: List[Order]) -> None:
    emails = {row[4] for row in FIXTURES} - {"sam.serial@example.com"}
    theirs = [order for order in demo if order.customer.email in emails]
    assert sorted(order.order_id for order in theirs) == sorted(
        row[0] for row in FIXTURES if row[4] in emails)
    assert not any(returned(order) for order in theirs)


def test_demo_store_has_serial_returners_and_long_clean_histories(demo: List[Order]) -> None:
    emails = sorted({order.customer.email for order in demo})
    serial, clean = [], []
    for email in emails:
        year = past_year(demo, email)
        rate = sum(returned(order) for order in year) / len(year) if year else 0
        if len(year) >= 5 and rate > 0.5:
            serial.append(email)
        everything = [order for order in demo if order.customer.email == email]
        if len(everything) >= 15 and sum(returned(order) for order in everything) <= 1:
            clean.append(email)
    assert 3 <= len(serial) <= 4 and "sam.serial@example.com" in serial
    assert len(clean) >= 3


def test_demo_store_covers_every_channel_currency_status_and_price_range(demo: List[Order]) -> None:
    assert len(demo) >= 250
    assert {order.channel for order in demo} == set(SalesChannel)
    assert {order.fulfillment for order in demo if order.channel is SalesChannel.AMAZON} == set(Fulfillment)
    assert {order.currency for order in demo} == {"USD", "EUR", "GBP", "CAD"}
    assert {order.status for order in demo} == set(OrderStatus)
    prices = [line.unit_price for order in demo for line in order.lines]
    assert min(prices) < 5 and max(prices) > 300
    categories = {line.category for order in demo for line in order.lines}
    assert {"gift_card", "perishable", "underwear", "digital"} <= categories
    shop_numbers = [int(order.order_id[1:]) for order in demo[9:] if order.order_id.startswith("#")]
    assert min(shop_numbers) > 1100


def test_demo_file_is_what_its_seeded_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_demo_store", ROOT / "scripts" / "make_demo_store.py")
    assert spec and spec.loader
    generator = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generator  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(generator)
    finally:
        del sys.modules[spec.name]
    assert generator.render() == generator.render() == DEMO.read_text(encoding="utf-8")
