"""Tracking numbers of the carriers our customers quote, inside English, German, French, Spanish, Italian and
Chinese sentences (bot/text.py), and the numbers that only look like one: order numbers, postcodes, phones."""
from __future__ import annotations

import pytest

from bot import responses as said
from bot.catalogue import catalogue, speaking
from bot.conversation import outcomes
from bot.text import find_entities, find_tracking_numbers, parse_tracking_number
from bot.tracking import carrier_display_name, tracking_url
from integrations import ebay
from tests import builders


def found(text):
    return [(e.kind, e.value) for e in find_entities(text)]


def tracking(text):
    return [s.value for s in find_tracking_numbers(text)]


@pytest.mark.parametrize("text, expected", [
    # Chinese: SF Express (顺丰), also spaced in groups of 4 and typed in full-width forms
    ("顺丰快递单号SF1234567890123，还没收到", "SF1234567890123"),
    ("我的快递单号是 SF 1234 5678 9012 3", "SF1234567890123"),
    ("快递单号是ＳＦ１２３４５６７８９０１２３", "SF1234567890123"),
    ("sf123456789012 是我的运单号", "SF123456789012"),
    ("顺丰运单号：123456789012", "123456789012"),
    ("EMS单号EE112233447CN", "EE112233447CN"),
    # German: DHL Paket, Hermes, Post AT, GLS
    ("Meine Sendungsnummer ist JJD000390007830946543", "JJD000390007830946543"),
    ("DHL Paket 00340434161234567890 ist nicht angekommen", "00340434161234567890"),
    ("Die Sendung 123456789012 hängt seit Tagen im Paketzentrum", "123456789012"),
    ("Hermes Sendungsnummer H1000730000051201009", "H1000730000051201009"),
    ("Post.at Sendungsnummer 1012345678901238", "1012345678901238"),
    ("Österreichische Post: RR987654326AT", "RR987654326AT"),
    ("GLS Paketnummer 12345678901", "12345678901"),
    ("hab keine bestellnummer, nur die sendungsnummer 1012345678901234", "1012345678901234"),  # Post AT, 16
    ("Rücksendung ins Ausland mit CX271828189DE", "CX271828189DE"),
    # French: Colissimo / La Poste (13 characters, a digit and a letter first), S10 from France, bpost
    ("mon colis 6A12345678901 n'est toujours pas arrivé", "6A12345678901"),
    ("numéro de suivi Colissimo : 8R00432154798", "8R00432154798"),
    ("La Poste m'a donné LA123456785FR", "LA123456785FR"),
    ("bpost : 323212345678901234567890", "323212345678901234567890"),
    ("j'ai pas le numéro de commande, seulement le numéro de suivi 323212345678901234", "323212345678901234"),
    ("suivi CD102030405BE svp", "CD102030405BE"),
    # Spanish: Correos (23 characters from P, and S10 from Spain)
    ("Correos: mi número de seguimiento es PQ4F6P0703673180181750T", "PQ4F6P0703673180181750T"),
    ("el envío PQ555123453ES no llega", "PQ555123453ES"),
    # Italian: Poste Italiane (S10, and 12 digits of registered mail near a shipping word)
    ("il mio pacco Poste Italiane RA314159268IT non è arrivato", "RA314159268IT"),
    ("codice di tracciamento 123456789012", "123456789012"),
    # English: Evri near its name
    ("Evri tracking H01HYA0012345678 says delivered", "H01HYA0012345678"),
])
def test_each_carriers_number_is_found_in_its_customers_sentences(text, expected):
    assert tracking(text) == [expected]
    assert parse_tracking_number(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Bestellnummer #1157, PLZ 80331, mein Paket ist nicht da", [("order_id", "#1157"), ("postcode", "80331")]),
    ("Meine Bestellung 4101 ist nicht angekommen, die Sendungsverfolgung zeigt nichts", [("order_id", "#4101")]),
    ("Bestellnummer 4101234567, das Paket fehlt", [("order_id", "#4101234567")]),
    ("我的快递还没到，订单号1157，邮编100020，电话13812345678", [("order_id", "#1157"), ("postcode", "100020")]),
    ("快递单号是多少？我的手机号码是13812345678", []),
    ("订单＃１１５７的快递到哪了", [("order_id", "#1157")]),
    ("commande 1157, mon colis n'est pas arrivé", [("order_id", "#1157")]),
])
def test_order_numbers_postcodes_and_phones_near_a_tracking_word_stay_what_they_are(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "Paket nicht da, ruf mich an: Tel. 0891234567",
    "Sendung fehlt, meine Telefonnummer ist 0891234567",
    "Sendung fehlt, Handy 01701234567",  # 11 digits, and no GLS
    "快递没到，电话：0101234567",
    "suivi: mon téléphone 0612345678",
    "EC123456789US",  # an S10 shape whose check digit fails, with no tracking word
    "LA123456789FR",
    "1012345678901234",  # 16 digits with no tracking word (a card number, as often)
    "Paket 4915112345678",  # 13 digits: a phone with its country code, an EAN
    "6A123456789012 colis",  # a digit, a letter and 12 digits: no Colissimo number
    "SF12345678901234 顺丰",  # 14 digits after SF
    "GLS 1234567",
    "Bestellung 80331",
    "我的邮编是100020，快递",
    "12345678901 please",
])
def test_numbers_that_only_look_like_tracking_numbers_are_not_read_as_one(text):
    assert tracking(text) == []


def test_an_s10_number_whose_check_digit_fails_is_read_only_near_a_tracking_word():
    assert tracking("EC123456789US") == []
    assert tracking("tracking EC123456789US") == ["EC123456789US"]
    assert tracking("numéro de suivi la123456789fr") == ["LA123456789FR"]


def test_a_bare_answer_of_a_carriers_number_is_the_tracking_number():
    assert parse_tracking_number("sf1234567890123") == "SF1234567890123"
    assert parse_tracking_number("6a12345678901") == "6A12345678901"
    assert parse_tracking_number("12345678901234") == "12345678901234"  # DPD / Hermes 14 digits
    assert parse_tracking_number("80331") is None and parse_tracking_number("#1157") is None


# -- The carrier's name and page where a customer sees them (bot/tracking.py, bot/conversation/outcomes.py)

@pytest.mark.parametrize("given, name, page", [
    ("SF_EXPRESS", "SF Express", "https://www.sf-express.com/"),  # eBay's code
    ("sf-express", "SF Express", "https://www.sf-express.com/"),  # AfterShip's slug
    ("顺丰", "SF Express", "https://www.sf-express.com/"),
    ("colissimo", "Colissimo", "https://www.laposte.fr/"),
    ("LA_POSTE", "La Poste", "https://www.laposte.fr/"),
    ("correos-spain", "Correos", "https://www.correos.es/"),
    ("BPOST", "bpost", "https://track.bpost.cloud/"),
    ("austrian-post", "Österreichische Post", "https://www.post.at/"),
    ("PosteItaliane", "Poste Italiane", "https://www.poste.it/"),
    ("dhl-germany", "DHL Paket", "https://www.dhl.de/"),
    ("DEUTSCHE_POST", "Deutsche Post", "https://www.dhl.de/"),
    ("hermes-de", "Hermes", "https://www.myhermes.de/"),
    ("EVRI", "Evri", "https://www.evri.com/"),
    ("gls", "GLS", "https://gls-group.eu/"),
    ("Royal Mail", "Royal Mail", "https://www.royalmail.com/"),
])
def test_a_carrier_however_spelt_shows_by_its_own_name_with_its_tracking_page(given, name, page):
    assert carrier_display_name(given) == name and ebay.carrier_name(given) == name
    assert tracking_url(given, "SF 123/4").startswith(page) and "SF%20123%2F4" in tracking_url(given, "SF 123/4")


def test_an_unknown_carrier_keeps_its_name_and_has_no_page():
    assert carrier_display_name(" Nacex ") == "Nacex" and tracking_url("Nacex", "123") is None
    assert carrier_display_name(None) is None and carrier_display_name(" ") is None


@pytest.mark.parametrize("language", ["en", "de", "fr", "es", "it", "zh"])
def test_the_tracking_reply_names_the_new_carrier_and_links_its_page_in_each_language(language):
    shipped = builders.order(carrier="SF_EXPRESS", tracking_number="SF1234567890123")
    with speaking(language):
        say = outcomes.tracking(shipped)
        assert say.values["carrier_text"] == " " + catalogue().text(said.ORDER_CARRIER, carrier="SF Express")
    assert "SF Express" in say.values["carrier_text"] and "SF_EXPRESS" not in say.values["carrier_text"]
    assert "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890123" in say.values["tracking_text"]
