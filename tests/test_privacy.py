"""Masking personal data before it reaches agents' tools: what is hidden, what is kept."""
import pytest

from bot.privacy import mask_email, mask_name, mask_phone, mask_postcode, mask_text


@pytest.mark.parametrize("email, masked", [
    ("jane.doe@example.com", "j***@e***.com"),
    ("Sam.Serial@Example.com", "S***@E***.com"),
    ("ben.okafor@example.co.uk", "b***@e***.uk"),
    ("x@localhost", "x***@***"),
    ("not an email", "***"),
    ("", "***"),
])
def test_an_email_keeps_its_first_letters_and_top_level_domain(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize("phone, masked", [
    ("+1 415-555-0132", "+* ***-***-**32"),
    ("07700 900123", "***** ****23"),
    ("(555) 123-4567", "(***) ***-**67"),
    ("1234", "****"),
    ("", "***"),
])
def test_a_phone_number_keeps_its_last_two_digits_and_its_grouping(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("postcode, masked", [
    ("94107", "94***"), ("SW1A 1AA", "SW** ***"), ("M5V 2T6", "M5* ***"), ("75011", "75***"), ("", ""),
])
def test_a_postcode_keeps_its_area_only(postcode, masked):
    assert mask_postcode(postcode) == masked


@pytest.mark.parametrize("name, masked", [
    ("Sam Sorel", "Sam S."), ("Jean-Luc de la tour", "Jean-Luc T."), ("Cher", "Cher"), ("  ", ""),
])
def test_a_name_keeps_the_first_name_and_an_initial(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("text, masked", [
    ("mail me at jane.doe@example.com please", "mail me at j***@e***.com please"),
    ("call +1 415-555-0132 or 07700 900123", "call +* ***-***-**32 or ***** ****23"),
    ("I live at SW1A 1AA, zip 94107", "I live at SW** ***, zip 94***"),
    ("my number is (555) 123-4567.", "my number is (***) ***-**67."),
])
def test_personal_data_inside_free_text_is_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", [
    "return order 114-7777777-0000001 please",  # order ids find the case and identify nobody
    "ebay 12-34567-89012 and #1001",
    "tracking 1Z999AA10123456784",
    "it cost $120.00, delivered 2026-11-16",
    "RMA-000000001X is my return",
    "RMA-0000000011 and https://shop.example/returns/1234567890/slip.pdf?t=1234567890",
    "10 orders, 8 with returns",
    "",
])
def test_order_ids_tracking_numbers_amounts_and_dates_are_left_alone(text):
    assert mask_text(text) == text


def test_nothing_personal_survives_a_message_full_of_it():
    text = "I'm jane.doe@example.com, +44 7700 900123, SW1A 1AA; order 114-7777777-0000001"
    masked = mask_text(text)
    for secret in ("jane.doe", "example", "7700", "900123", "1AA"):
        assert secret not in masked
    assert "114-7777777-0000001" in masked
