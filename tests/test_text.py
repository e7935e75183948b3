"""Tables of customer messages for bot.text: what each finder must (and must never) pull out of them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text import (
    find_amounts,
    find_emails,
    find_entities,
    find_order_ids,
    find_postcodes,
    find_tracking_numbers,
    normalise,
    parse_amount,
    parse_email,
    parse_order_id,
    parse_postcode,
    parse_tracking_number,
)

ZWSP, ZWJ, WJ, BOM = "\u200b", "\u200d", "\u2060", "\ufeff"
LRM, RLO, PDF, RLI, PDI = "\u200e", "\u202e", "\u202c", "\u2067", "\u2069"
CYR_O, CYR_A, CYR_ZE = "\u041e", "\u0430", "\u0417"  # look like O, a, 3


def values(spans):
    return [s.value for s in spans]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I want to return order 114-3941689-8772232 please", ["114-3941689-8772232"]),
        ("amazon 113-5550123-4567890, the keyboard", ["113-5550123-4567890"]),
        ("ebay order 12-34567-89012 lamp", ["12-34567-89012"]),
        ("my ebay one is 27-11111-22222.", ["27-11111-22222"]),
        ("shopify order #1001 phone case", ["#1001"]),
        ("where is #1002?", ["#1002"]),
        ("order 1003 please cancel", ["#1003"]),
        ("Order No. 1004", ["#1004"]),
        ("order number is 1001", ["#1001"]),
        ("order: 1002", ["#1002"]),
        ("ORDER#1003", ["#1003"]),
        ("it's order 114-7777777-0000001", ["114-7777777-0000001"]),
        ("#114-3941689-8772232", ["114-3941689-8772232"]),
        ("114 3941689 8772232", ["114-3941689-8772232"]),
        ("11439416898772232", ["114-3941689-8772232"]),
        ("114\u20133941689\u20138772232", ["114-3941689-8772232"]),
        ("orders #1001 and #1003", ["#1001", "#1003"]),
    ],
)
def test_order_ids_of_every_marketplace_are_found_inside_sentences(text, expected):
    assert values(find_order_ids(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I bought 3 things for 1001 reasons",  # digits without '#' or the word order
        "reorder 1001",
        "order 12",
        "#123",
        "#12345678901",
        "1234-5678",
        "2024-11-20",
        "call me on +44 20 7946 0958",
        "1' OR '1'='1",
        "1; DROP TABLE orders; --",
        "' OR 1=1 --",
        "114-3941689-877223",  # one digit short
        "0114-3941689-8772232",
        "112-34567-89012",  # eBay shape glued to another digit
    ],
)
def test_text_that_only_looks_numeric_yields_no_order_id(text):
    assert find_order_ids(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        (f"114-39416{ZWSP}89-8772232", "114-3941689-8772232"),
        (f"1{ZWJ}14-3941689-877{WJ}2232", "114-3941689-8772232"),
        (f"{BOM}#10{ZWSP}01", "#1001"),
        (f"{RLO}114-3941689-8772232{PDF}", "114-3941689-8772232"),
        (f"{RLI}#1001{PDI}", "#1001"),
        (f"12-345{LRM}67-89012", "12-34567-89012"),
    ],
)
def test_invisible_characters_are_dropped_before_matching(text, expected):
    assert values(find_order_ids(text)) == [expected]
    assert parse_order_id(text) == expected


@pytest.mark.parametrize("text", [
    "\uff11\uff11\uff14\uff0d\uff13\uff19\uff14\uff11\uff16\uff18\uff19\uff0d\uff18\uff17\uff17\uff12\uff12\uff13\uff12",
    "\uff03\uff11\uff10\uff10\uff11", "order \uff11\uff10\uff10\uff13", "\uff11\uff10\uff10\uff11",
    "#10\uff101",
])
def test_fullwidth_look_alikes_are_never_read_as_an_order_number(text):
    assert find_order_ids(text) == [] and parse_order_id(text) is None


@pytest.mark.parametrize(
    "text",
    [
        f"114-3941689-877223{CYR_ZE}",
        f"#1{CYR_O}01",
        f"#100{CYR_O}",
        f"order 1{CYR_O}01",
        f"1Z999AA10123456784{CYR_A}",
        f"12-34567-8901{CYR_ZE}",
        "#\u0661\u0660\u0660\u0661",  # Arabic-Indic digits are not ASCII digits
        "#1001\u0661",
    ],
)
def test_homoglyphs_never_produce_an_ascii_match(text):
    assert find_entities(text) == []


def test_spans_point_at_the_original_text_even_when_characters_were_removed():
    text = f"hi, order 114-39416{ZWSP}89-8772232 and mail Alice.Martin@Example.com"
    (order,) = find_order_ids(text)
    assert text[order.start:order.end] == f"114-39416{ZWSP}89-8772232"
    (email,) = find_emails(text)
    assert text[email.start:email.end] == "Alice.Martin@Example.com"
    assert email.value == "alice.martin@example.com"


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("1001", "#1001"),
        (" 1004. ", "#1004"),
        ("1234567890", "#1234567890"),
        ("#1002", "#1002"),
        ("it's 114-3941689-8772232", "114-3941689-8772232"),
        ("it's order 12-34567-89012!", "12-34567-89012"),
        ("my order is 1001", "#1001"),
        ("it's 1001", None),  # a number in a sentence needs '#' or the word order before it
        ("123", None),
        ("12345678901", None),
        ("#1001 or #1002", None),  # two different orders: ask again
        ("#1001, yes #1001", "#1001"),
        ("1' OR '1'='1", None),
        ("", None),
    ],
)
def test_parse_order_id_reads_one_order_from_an_answer(answer, expected):
    assert parse_order_id(answer) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("alice.martin@example.com", ["alice.martin@example.com"]),
        ("email: Ben.Okafor@Example.CO.UK.", ["ben.okafor@example.co.uk"]),
        ("it's chloe.dubois@example.fr, order #1001", ["chloe.dubois@example.fr"]),
        ("tom+shop@proton.me or t_m-1@x.io", ["tom+shop@proton.me", "t_m-1@x.io"]),
        (f"{CYR_A}lice@example.com", []),
        (f"alice@ex{CYR_A}mple.com", []),
        ("alice@localhost", []),
        ("@example.com", []),
    ],
)
def test_emails_are_found_and_lower_cased(text, expected):
    assert values(find_emails(text)) == expected


def test_parse_email_needs_exactly_one_address():
    assert parse_email(" Erin.Wu@example.ca ") == "erin.wu@example.ca"
    assert parse_email("a@example.com b@example.com") is None
    assert parse_email("no address here") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("94107", "94107"),
        ("zip 94107-1234", "94107-1234"),
        ("my postcode is SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("ec1a 1bb", "EC1A 1BB"),
        ("M1 1AE", "M1 1AE"),
        ("M5V 2T6", "M5V 2T6"),
        ("m5v2t6", "M5V 2T6"),
        ("code postal 75011", "75011"),
        ("PLZ 10115 Berlin", "10115"),
        ("\uff17\uff15\uff10\uff11\uff11", "75011"),
    ],
)
def test_postcodes_are_found_and_normalised(text, expected):
    assert values(find_postcodes(text)) == [expected]
    assert parse_postcode(text) == expected


@pytest.mark.parametrize(
    "text",
    ["#10001", "order 10001", "12-34567-89012", "$94107", "1234", "9410", "941077", "94107.50"],
)
def test_numbers_that_belong_to_something_else_are_not_postcodes(text):
    assert find_postcodes(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ups 1Z999AA10123456784 not moving", "1Z999AA10123456784"),
        ("1z999aa10123456784", "1Z999AA10123456784"),
        ("1Z 999 AA1 01 2345 6784", "1Z999AA10123456784"),
        ("usps 9400111899562734103311", "9400111899562734103311"),
        ("9400 1118 9956 2734 1033 11", "9400111899562734103311"),
        ("EC123456785US", "EC123456785US"),  # S10 with its check digit (…789 fails it: see below)
        ("dhl tracking 1234567890", "1234567890"),
        ("fedex 123456789012 stuck", "123456789012"),
        ("FedEx tracking number 123456789012345", "123456789012345"),
    ],
)
def test_tracking_numbers_of_each_carrier_are_found(text, expected):
    assert values(find_tracking_numbers(text)) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "1234567890",  # bare ten digits: could be an order or a phone number
        "call 123456789012",
        "order 1234567890",
        "114-3941689-8772232",
        "#1001",
        "1Z999AA1012345678",  # one character short
        "1z please send it back",  # letters after 1Z are not a UPS number
        "is 123456789 ok",
    ],
)
def test_tracking_numbers_do_not_swallow_order_ids_or_bare_digits(text):
    assert find_tracking_numbers(text) == []


def test_parse_tracking_number_accepts_bare_carrier_digits_as_an_answer():
    assert parse_tracking_number("1234567890") == "1234567890"
    assert parse_tracking_number("it's 1Z999AA10123456784") == "1Z999AA10123456784"
    assert parse_tracking_number("12345") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I only have the tracking number 1Z999AA10123456784", "1Z999AA10123456784"),  # UPS
        ("ups says 1z4f82e70394817260", "1Z4F82E70394817260"),
        ("usps 9400111899562834751933 hasn't moved", "9400111899562834751933"),  # USPS 22 digits
        ("my usps number: 9400 1118 9956 2834 7519 33", "9400111899562834751933"),
        ("DHL waybill 4271930585", "4271930585"),  # DHL Express, 10 digits near a carrier word
        ("Royal Mail RR473124829GB", "RR473124829GB"),  # 2 letters, 9 digits, GB
        ("royal mail jb448128846gb please", "JB448128846GB"),
        ("tracking TBA304918372650", "TBA304918372650"),  # Amazon Logistics: TBA + 12 digits
        ("amazon says tba605987180094", "TBA605987180094"),
    ],
)
def test_tracking_numbers_are_found_and_upper_cased(text, expected):
    assert values(find_tracking_numbers(text)) == [expected]
    assert find_order_ids(text) == [] and find_postcodes(text) == []
    assert parse_tracking_number(text) == expected


def _demo_orders():
    path = Path(__file__).resolve().parents[1] / "data" / "demo_orders.json"
    return json.loads(path.read_text(encoding="utf-8"))["orders"]


DEMO_TRACKING_NUMBERS = sorted({o["tracking_number"] for o in _demo_orders() if o.get("tracking_number")})


@pytest.mark.parametrize("tracking", DEMO_TRACKING_NUMBERS)
def test_every_demo_store_tracking_number_is_found_in_a_sentence_and_is_no_order_id(tracking):
    text = f"I only have the tracking number {tracking}"
    assert [(e.kind, e.value) for e in find_entities(text)] == [("tracking_number", tracking)]
    assert parse_tracking_number(text) == tracking and parse_tracking_number(tracking) == tracking
    assert parse_tracking_number(tracking.lower()) == tracking
    assert parse_order_id(text) is None


@pytest.mark.parametrize("order_id", sorted({o["order_id"] for o in _demo_orders()}))
def test_no_demo_store_order_id_is_read_as_a_tracking_number_or_postcode(order_id):
    text = f"tracking for order {order_id} please"
    assert [(e.kind, e.value) for e in find_entities(text)] == [("order_id", order_id)]
    assert parse_tracking_number(order_id) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("$25", "25.00 USD"),
        ("refund 25.99 EUR", "25.99 EUR"),
        ("€30", "30.00 EUR"),
        ("30€", "30.00 EUR"),
        ("12,50 €", "12.50 EUR"),
        ("£34.50", "34.50 GBP"),
        ("1,299.00 USD", "1299.00 USD"),
        ("1.299,00 EUR", "1299.00 EUR"),
        ("C$45", "45.00 CAD"),
        ("USD 7.5", "7.50 USD"),
        ("40 bucks", "40.00 USD"),
        ("20 euros", "20.00 EUR"),
        ("\uff04\uff12\uff15", "25.00 USD"),
    ],
)
def test_amounts_carry_their_currency(text, expected):
    assert values(find_amounts(text)) == [expected]
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["I paid 25", "25 items", "order 1001", "EURO 2024 was fun"])
def test_numbers_without_a_currency_are_not_amounts(text):
    assert find_amounts(text) == []


def test_one_message_can_hold_every_kind_once_without_overlaps():
    text = "order #1001, chloe.dubois@example.fr, 75011, paid €4.99, dhl 1234567890"
    assert [(e.kind, e.value) for e in find_entities(text)] == [
        ("order_id", "#1001"),
        ("email", "chloe.dubois@example.fr"),
        ("postcode", "75011"),
        ("amount", "4.99 EUR"),
        ("tracking_number", "1234567890"),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("  hello \t\n  world  ", "hello world"),
        (f"a{ZWSP} b{RLO}c{PDF}", "a bc"),
        ("\uff28\uff49", "Hi"),
        ("\u00a0x\u3000y", "x y"),
        ("", ""),
    ],
)
def test_normalise_applies_nfkc_drops_invisible_marks_and_collapses_space(text, expected):
    assert normalise(text) == expected


_PIECES = st.sampled_from(
    ["order", "#", "-", " ", "@", ".", "1", "0", "9", "a", "Z", "\u0430", "\u041e", "\u200b", "\u202e", "\uff11",
     "\uff0d", "$", "\u20ac", "EUR", "SW1A 1AA", "114-3941689-8772232", "x@y.io", "1Z999AA10123456784"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_any_text_yields_ascii_values_on_ordered_non_overlapping_spans(text):
    entities = find_entities(text)
    previous_end = 0
    for entity in entities:
        assert previous_end <= entity.start < entity.end <= len(text)
        assert entity.value.isascii()
        previous_end = entity.end


@pytest.mark.parametrize("text", ["1" * 3000, "a" * 3000, "1-" * 1500, "a@" * 1500, "a." * 1500, "1," * 1500, "1Z" * 1500])
def test_long_runs_of_id_characters_are_rejected_without_matching_anything(text):
    assert find_entities(text) == []
