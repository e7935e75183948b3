"""Postcodes of every country the store ships to, as customers type them: bot.text.find_postcodes (inside a
sentence) and parse_postcode (a whole answer to "what is your postcode?"), what they must never take for
a postcode, and the look-alike rules. Verification compares postcodes with blanks removed, upper-cased
(bot.services), so a value only has to match the stored postcode that way."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text import find_entities, find_order_ids, find_postcodes, parse_order_id, parse_postcode

DEMO_ORDERS = Path(__file__).resolve().parents[1] / "data" / "demo_orders.json"


def values(spans):
    return [s.value for s in spans]


def squash(postcode: str) -> str:
    """As verification compares them (bot.services): blanks removed, upper-cased."""
    return "".join(postcode.split()).upper()


# (country, what the customer typed, the value); each typed text is also a whole answer
SENTENCES = [
    # United States: ZIP and ZIP+4
    ("US", "94107", "94107"),
    ("US", "zip 94107-1234", "94107-1234"),
    ("US", "my zip code is 02139", "02139"),
    ("US", "order #1001, postcode 75011", "75011"),
    ("US", "it's 97205 in Portland", "97205"),
    ("US", "12345-6789", "12345-6789"),
    # Canada
    ("CA", "M5V 2T6", "M5V 2T6"),
    ("CA", "m5v2t6", "M5V 2T6"),
    ("CA", "h2x 1y4", "H2X 1Y4"),
    ("CA", "I live in Toronto, M5V2T6, order #1004", "M5V 2T6"),
    # Great Britain: every outward shape, and GIR 0AA
    ("GB", "SW1A 1AA", "SW1A 1AA"),
    ("GB", "sw1a1aa", "SW1A 1AA"),
    ("GB", "my postcode is sw1a1aa", "SW1A 1AA"),
    ("GB", "NE1 7RU", "NE1 7RU"),
    ("GB", "ne17ru", "NE1 7RU"),
    ("GB", "EC1A 1BB", "EC1A 1BB"),
    ("GB", "W1A 0AX", "W1A 0AX"),
    ("GB", "M1 1AE", "M1 1AE"),
    ("GB", "b338th", "B33 8TH"),
    ("GB", "CR2 6XH", "CR2 6XH"),
    ("GB", "dn55 1pt", "DN55 1PT"),
    ("GB", "GIR 0AA", "GIR 0AA"),
    ("GB", "gir0aa", "GIR 0AA"),
    ("GB", "ls1  4ap", "LS1 4AP"),
    ("GB", "parcel for 12-34567-89012 goes to EC1A 1BB please", "EC1A 1BB"),
    # Ireland: Eircode
    ("IE", "D02 X285", "D02 X285"),
    ("IE", "d02x285", "D02 X285"),
    ("IE", "it's D02 X285", "D02 X285"),
    ("IE", "A65 F4E2", "A65 F4E2"),
    ("IE", "a65f4e2", "A65 F4E2"),
    ("IE", "T12 YE4N", "T12 YE4N"),
    ("IE", "t12 x70a", "T12 X70A"),
    ("IE", "eircode W10 2023", "W10 2023"),  # all digits at the end: only with the word
    ("IE", "order #3001, I live at D02X285 Dublin", "D02 X285"),
    # Netherlands
    ("NL", "3511 LX", "3511 LX"),
    ("NL", "3511lx", "3511 LX"),
    ("NL", "3511 lx", "3511 LX"),
    ("NL", "3511LX", "3511 LX"),
    ("NL", "1017ct", "1017 CT"),
    ("NL", "3011 AD", "3011 AD"),
    ("NL", "postcode 3011 ad", "3011 AD"),
    ("NL", "hi i live in 3511 LX and i want to track my order", "3511 LX"),
    # Germany
    ("DE", "10115", "10115"),
    ("DE", "PLZ 10115 Berlin", "10115"),
    ("DE", "plz: 01067", "01067"),
    ("DE", "80331 München", "80331"),
    ("DE", "Bestellung #1159, Postleitzahl 70173", "70173"),
    # France
    ("FR", "75011", "75011"),
    ("FR", "code postal 75011", "75011"),
    ("FR", "cp 69002", "69002"),
    ("FR", "j'habite 75011 Paris, commande #1002", "75011"),
    # Spain
    ("ES", "28013", "28013"),
    ("ES", "08001", "08001"),
    ("ES", "C.P. 28013", "28013"),
    ("ES", "mi código postal es 28013", "28013"),
    ("ES", "vivo en Madrid 28013, pedido #3003", "28013"),
    # Italy
    ("IT", "00184", "00184"),
    ("IT", "CAP 00184", "00184"),
    ("IT", "cap: 20121 Milano", "20121"),
    ("IT", "abito a Roma, 00184, ordine #3004", "00184"),
    # Australia: 4 digits only with a postcode word (or after a state) inside a sentence
    ("AU", "postcode 2000", "2000"),
    ("AU", "my postcode is 3000", "3000"),
    ("AU", "3000 is my postcode", "3000"),
    ("AU", "Sydney NSW 2000", "2000"),
    ("AU", "order #3005, post code: 0800", "0800"),
    # Japan: with the postal mark or a postcode word inside a sentence
    ("JP", "〒100-0001", "100-0001"),
    ("JP", "〒 100-0001", "100-0001"),
    ("JP", "〒1000001", "100-0001"),
    ("JP", "〒１００－０００１", "100-0001"),  # as a Japanese keyboard types it
    ("JP", "postcode 150-0001, order #3006", "150-0001"),
]


@pytest.mark.parametrize("country, text, expected", SENTENCES, ids=[f"{c}-{t}" for c, t, _ in SENTENCES])
def test_postcodes_are_found_in_any_spacing_and_case_and_normalised(country, text, expected):
    assert values(find_postcodes(text)) == [expected]
    assert parse_postcode(text) == expected


# Whole answers: nothing else was said, so a shape too common inside sentences counts too.
ANSWERS = [
    ("AU", "2000", "2000"),
    ("AU", "it's 3000", "3000"),
    ("AU", "0800.", "0800"),
    ("AU", "2026", "2026"),  # a year in a sentence, but alone it answers the question
    ("JP", "100-0001", "100-0001"),
    ("JP", "150 0001", "150-0001"),
    ("JP", "1000005", "100-0005"),
    ("JP", "my postcode is 100-0001 thanks", "100-0001"),
    ("NL", "3011 ad", "3011 AD"),
    ("NL", "yes, it is 3011ad.", "3011 AD"),
    ("NL", "3011 ad is my postcode", "3011 AD"),
    ("NL", "1012 AM", "1012 AM"),
    ("IE", "W10 2023", "W10 2023"),
    ("GB", "S W 1 A 1 A A", "SW1A 1AA"),
    ("CA", "m 5 v 2 t 6", "M5V 2T6"),
    ("US", "  94107 ", "94107"),
    ("US", "Zip code: 94107-1234!", "94107-1234"),
]


@pytest.mark.parametrize("country, text, expected", ANSWERS, ids=[f"{c}-{t}" for c, t, _ in ANSWERS])
def test_a_whole_answer_may_be_just_the_code(country, text, expected):
    assert parse_postcode(text) == expected


@pytest.mark.parametrize("text", ["2000", "it's 3000", "100-0001", "1000005", "3011 ad", "W10 2023"])
def test_what_only_a_whole_answer_makes_a_postcode_is_not_one_inside_a_sentence(text):
    assert find_postcodes(f"I have {text} of them, delivered in 2026") == []


def _demo_postcodes():
    orders = json.loads(DEMO_ORDERS.read_text(encoding="utf-8"))["orders"]
    return sorted({(o["customer"]["country"], o["customer"]["postcode"]) for o in orders if o["customer"]["postcode"]})


@pytest.mark.parametrize("country, stored", _demo_postcodes())
def test_every_demo_customer_postcode_verifies_however_it_is_typed(country, stored):
    typed = {stored, stored.lower(), stored.replace(" ", ""), stored.lower().replace(" ", ""),
             f"my postcode is {stored}", f"it's {stored.lower()}"}
    for text in typed:
        value = parse_postcode(text)
        assert value is not None and squash(value) == squash(stored), text
    assert squash(parse_postcode(stored)) == squash(stored) and parse_postcode(stored) == stored  # canonical


@pytest.mark.parametrize(
    "text",
    [
        # order ids: never split into a postcode
        "114-3941689-8772232", "order 114-3941689-8772232", "11439416898772232", "114 3941689 8772232",
        "12-34567-89012", "ebay 12-34567-89012", "#1001", "order #1001", "order 1001", "order number 12345",
        "#10001", "orders #1001 and #1003", "114-3941689-877223", "12-34567-8901",
        # prices and amounts
        "49.99", "I paid 49.99", "$94107", "€2000", "2000€", "1,299.00", "94107.50", "I paid 12000 yen",
        "it costs 12000", "12000 EUR",
        # years and dates
        "in 2026", "delivered on 20 Nov 2026", "2026-11-20", "11/20/2026", "20.11.2026", "since 1999",
        "from 2024 to 2025",
        # quantities and measures
        "2 of them", "I want 2 of them", "10000 of them", "I bought 3000 items", "5000 km", "1000 mg",
        "my 1000th order", "I waited 10000 years", "1000 pcs",
        # phone numbers
        "call me on 07700 900123", "+44 7700 900123", "(415) 555-0100", "+1 415 555 0132", "call 555 12345",
        "555-1234", "+33 1 42 68 53 00", "020 7946 0958",
        # references and tracking numbers
        "ticket 12345", "invoice 12345", "RMA-7K3QX9M2AB", "tracking 4271930585", "1Z999AA10123456784",
        "RR473124829GB", "9400111899562834751933", "TBA304918372650",
        # shapes that are not postcodes
        "1234", "9410", "941077", "123", "100-0001", "1000001", "W10 2023", "3511 SA", "I bought 1001 zip ties",
    ],
)
def test_numbers_that_belong_to_something_else_are_not_postcodes(text):
    assert find_postcodes(text) == []


@pytest.mark.parametrize(
    "answer",
    [
        "114-3941689-8772232", "12-34567-89012", "#1001", "order 1001", "order #1001", "49.99", "$25",
        "2 of them", "20 Nov 2026", "2026-11-20", "07700 900123", "+44 7700 900123", "1Z999AA10123456784",
        # six digits alone are a postcode since Chinese customers are served (China, India, Singapore)
        "TBA304918372650", "RR473124829GB", "yes", "no", "I don't know", "", "12", "12345678",
        "94107 or 94110",  # two different codes: ask again
        "3511 SA",  # Dutch codes never end in SA, SD or SS
    ],
)
def test_answers_that_are_not_one_postcode_give_none(answer):
    assert parse_postcode(answer) is None


def test_the_same_postcode_twice_is_one_answer():
    assert parse_postcode("SW1A 1AA, yes sw1a1aa") == "SW1A 1AA"


def test_a_postcode_next_to_an_order_id_keeps_both_apart():
    text = "order 114-3941689-8772232, zip 94107, and #1001 goes to 3511 LX"
    assert [(e.kind, e.value) for e in find_entities(text)] == [
        ("order_id", "114-3941689-8772232"), ("postcode", "94107"), ("order_id", "#1001"), ("postcode", "3511 LX"),
    ]


def test_spans_point_at_what_the_customer_typed():
    text = "my eircode is d02x285, thanks"
    (span,) = find_postcodes(text)
    assert text[span.start:span.end] == "d02x285" and span.value == "D02 X285"


# -- look-alikes -----------------------------------------------------------------------------------------
CYR_A, CYR_ZE, CYR_KHA, ARABIC_SEVEN = "\u0410", "\u0417", "\u0425", "\u0667"


@pytest.mark.parametrize(
    "text",
    [
        f"9410{ARABIC_SEVEN}",  # Arabic-Indic digit
        "941\U0001F60007",  # an emoji inside
        f"SW1{CYR_A} 1AA",  # Cyrillic A
        f"D02 X28{CYR_ZE}",  # Cyrillic Ze for 3... makes the last group 3 long
        f"3511 L{CYR_KHA}",  # Cyrillic Kha for X
        "M5V 2T6\u0338",  # a combining overlay on the last character
        "94107\u20e3",  # a keycap on the last digit
        "7501\u0661",  # Arabic-Indic one
        f"postcode 2{CYR_ZE}00",
    ],
)
def test_look_alike_characters_never_make_a_postcode(text):
    assert find_postcodes(text) == []
    assert parse_postcode(text) is None


@pytest.mark.parametrize(
    "text",
    ["\uff03\uff11\uff10\uff10\uff11", "order \uff11\uff10\uff10\uff13", "#10\uff101", "\uff11\uff10\uff10\uff11"],
)
def test_a_fullwidth_order_number_is_never_read_as_a_postcode_either(text):
    assert find_entities(text) == []
    assert parse_postcode(text) is None and parse_order_id(text) is None


def test_fullwidth_forms_of_a_postcode_read_as_the_postcode():
    """NFKC: what a Japanese or Chinese keyboard types (tests/test_text.py keeps 75011 as the reference)."""
    assert parse_postcode("\uff17\uff15\uff10\uff11\uff11") == "75011"
    assert parse_postcode("\uff33\uff37\uff11\uff21 \uff11\uff21\uff21") == "SW1A 1AA"


@pytest.mark.parametrize("text, expected", [
    ("SW1A\u200b1AA", "SW1A 1AA"), ("\u202e3511 LX\u202c", "3511 LX"), ("D02\u2060X285", "D02 X285"),
])
def test_invisible_characters_are_dropped_first(text, expected):
    assert parse_postcode(text) == expected


def test_look_alikes_never_change_an_order_number_into_a_postcode():
    for text in ["#1\u041e01", "#100\u0661", "order 1\u041e01"]:
        assert find_order_ids(text) == [] and find_postcodes(text) == []


_PIECES = st.sampled_from(
    ["postcode", "zip", " ", "-", "#", "〒", "1", "0", "3511", "LX", "lx", "D02", "X285", "SW1A", "1AA", "2000",
     "75011", "order", "\u0417", "\uff11", "\u200b", "NSW", "is my postcode", ".", ","]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=20).map("".join))
def test_any_text_gives_ascii_postcodes_on_ordered_spans(text):
    previous_end = 0
    for span in find_postcodes(text):
        assert previous_end <= span.start < span.end <= len(text)
        assert span.value.isascii() and span.value == span.value.upper()
        previous_end = span.end
    answer = parse_postcode(text)
    assert answer is None or (answer.isascii() and answer == answer.upper())
