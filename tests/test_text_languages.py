"""Order numbers, emails and postcodes inside German, French, Spanish, Italian and Chinese sentences
(bot/text.py), and where the line is for full-width digits (issue 15 on issue 6's look-alikes)."""
from __future__ import annotations

import pytest

from bot.text import find_entities, parse_order_id, parse_postcode, postcode_as_order_id


def found(text):
    return [(e.kind, e.value) for e in find_entities(text)]


@pytest.mark.parametrize("text, expected", [
    ("Hallo, ich möchte meine Badelatschen zurückschicken. Bestellnummer #1157", [("order_id", "#1157")]),
    ("Bestellnummer 1157", [("order_id", "#1157")]),
    ("meine Bestellnr. 1157, PLZ 10115", [("order_id", "#1157"), ("postcode", "10115")]),
    ("numéro de commande 1157", [("order_id", "#1157")]),
    ("ma commande 114-3941689-8772232 n'est pas arrivée", [("order_id", "114-3941689-8772232")]),
    ("número de pedido: 1157, mi correo es lucia.garcia@example.es",
     [("order_id", "#1157"), ("email", "lucia.garcia@example.es")]),
    ("il mio numero d'ordine è 1157", [("order_id", "#1157")]),
    ("ordine n. 1157, CAP 00184", [("order_id", "#1157"), ("postcode", "00184")]),
    ("订单#1157我想退掉", [("order_id", "#1157")]),
    ("订单号1157", [("order_id", "#1157")]),
    ("订单号是4501", [("order_id", "#4501")]),  # 是 ("is") touches the digits: Chinese has no spaces
    ("我的订单号为1157，想退货", [("order_id", "#1157")]),
    ("订单114-3941689-8772232什么时候到", [("order_id", "114-3941689-8772232")]),
    ("我的邮箱是wang.fang@example.cn，谢谢", [("email", "wang.fang@example.cn")]),
    ("我的邮编是200120", [("postcode", "200120")]),
])
def test_ids_emails_and_postcodes_are_found_inside_each_languages_sentences(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "快递单号 1234567890",  # a tracking number's word, not an order's
    "ich habe 2000 Stück bestellt",  # a quantity
    "200120",  # six digits with no postcode word are no Chinese postcode
])
def test_numbers_without_an_order_or_postcode_word_stay_unread(text):
    assert not [k for k, _ in found(text) if k in ("order_id", "postcode")]


@pytest.mark.parametrize("text", ["订单号是＃１１５７", "订单号１１５７", "我要退货 ＃１１５７", "订单#１１５７"])
def test_a_fullwidth_order_number_in_chinese_text_is_read(text):
    assert found(text) == [("order_id", "#1157")]
    assert parse_order_id(text) == "#1157"


@pytest.mark.parametrize("text", [
    "＃１１５７",  # no Chinese around it: a look-alike, as issue 6 decided
    "order １１５７",
    "订单号#11５7",  # digits of both widths in one number
    "订单号#１１57",
    "订单号＃１1５７",
])
def test_a_fullwidth_number_outside_chinese_text_or_of_mixed_width_stays_a_look_alike(text):
    assert not [k for k, _ in found(text) if k == "order_id"]
    assert parse_order_id(text) is None


@pytest.mark.parametrize("answer", ["200040", "610000", " 100020 ", "018956", "610000，谢谢", "610000。"])
def test_six_digits_alone_answer_the_postcode_question(answer):
    """A Chinese (or Indian, Singaporean) customer asked for the email or postcode types the postcode
    alone (maybe with thanks); inside a sentence six digits still need 邮编 (test above)."""
    assert parse_postcode(answer) == answer.strip()[:6]


def test_a_bare_fullwidth_answer_is_still_no_postcode_nor_order():
    assert parse_postcode("＃１１５７") is None and parse_order_id("１１５７") is None


@pytest.mark.parametrize("text, postcode", [
    ("meine PLZ ist 1070, Wien", "1070"), ("meine PLZ lautet 8010", "8010"), ("mon code postal est 1000, Bruxelles", "1000"),
    ("mi código postal es 28013", "28013"), ("il mio CAP è 00184", "00184"),
])
def test_a_postcode_after_the_languages_is(text, postcode):
    assert found(text) == [("postcode", postcode)]
    assert parse_postcode(text) == postcode


@pytest.mark.parametrize("text, expected", [
    ("Hallo! hab 2 wollpullover bestellt (4107) und will beide zurueckschicken", "#4107"),
    ("wo steckt eigentlich mein paket 4103? und wie lang dauerts bis ich mein geld hab", "#4103"),
    ("je voudrais renvoyer la ceinture de ma cde 4206, elle est trop courte", "#4206"),
    ("coucou, mon colis 4203 il arrive quand??", "#4203"),  # ("4203 il" is no Dutch postcode)
    ("quiero devolver el sombrero de paja del 4301", "#4301"),
    ("vorrei rendere la sciarpa del 4401", "#4401"),
    ("4506的真丝连衣裙有点大 穿着松垮垮的", "#4506"),  # 的 after the number: the order's dress
    ("想退 4507 的手表", "#4507"),
    ("my parcel 1042 hasn't come", "#1042"),
    # its arrival or its damage make it the order's too
    ("servus, die teekanne (4105) kam mit nem sprung im deckel an", "#4105"),
    ("die teekanne 4105 kam kaputt an", "#4105"), ("la théière 4205 est arrivée cassée", "#4205"),
    ("ricevuto rotto il 4405", "#4405"), ("my mug 1042 arrived broken", "#1042"),
])
def test_a_bare_number_in_a_message_about_an_order_parcel_or_return_is_its_order_number(text, expected):
    assert found(text) == [("order_id", expected)]


@pytest.mark.parametrize("text, expected", [
    ("mein paket nach 10115 ist nicht da", [("postcode", "10115")]),  # a postcode stays one
    ("ich habe 2000 Stück bestellt", []),  # a quantity
    ("zurückschicken, ich hab 1042 € bezahlt", [("amount", "1042.00 EUR")]),  # a price
    ("j'ai commandé en 2024", []),  # a year
    ("my 2023 order broke, I want to return it", []),  # a year, even without "in"
    ("return it, call me on 07700 900123", []),  # a phone in groups
    ("return it, phone 7700900", []),  # a phone word
    ("mi paquete con seguimiento 1234567890 no llega", [("tracking_number", "1234567890")]),
    ("I bought 3 things for 1001 reasons", []),  # buying is no order word
    ("my parcel 1042 or 1043, can't remember", []),  # which one?
    ("return #1001, I have 2044 of them", [("order_id", "#1001")]),  # the order is named already
    ("hallo 4107", []),  # nothing about an order
    ("the 2024 model is broken", []),  # a year, with damage
])
def test_a_number_an_order_word_does_not_explain_stays_what_it_is(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("answer, order_id, expected", [
    ("01067", "#01067", "01067"),  # from 0: a postcode
    ("28013", "#28013", "28013"),  # the whole answer in a postcode's 5 digits
    ("018956", "#018956", "018956"),
    ("die PLZ ist 01067", "#01067", "01067"),
    ("4107", "#4107", None),  # 4 digits: an order number
    ("#28013", "#28013", None),  # "#" names an order
    ("Bestellung 28013", "#28013", None),  # so does an order word
])
def test_a_postcode_shaped_answer_is_the_proof_of_the_order_named(answer, order_id, expected):
    assert postcode_as_order_id(answer, order_id) == expected
