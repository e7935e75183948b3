"""Which language the bot answers in (bot/language.py): detected from the customer's words, kept over
short messages, followed when the customer switches or asks, hinted by the channel at the start."""
from __future__ import annotations

import pytest

from bot.language import (
    Choice, Hints, WordListDetector, accept_language, choose_language, only_asks_for_language, requested_language, served, words_of,
)


@pytest.mark.parametrize("text, expected", [
    ("Hallo, ich möchte meine Badelatschen zurückschicken. Bestellnummer #1157", "de"),
    ("Wo ist meine Rückerstattung?", "de"),
    ("hi, ich möchte die Schuhe zurückgeben", "de"),
    ("remboursement s'il vous plaît", "fr"),
    ("bonjour, je voudrais retourner ma commande 114-3941689-8772232", "fr"),
    ("hola, quiero devolver las zapatillas del pedido #1157", "es"),
    ("¿dónde está mi reembolso?", "es"),
    ("ciao, vorrei restituire le scarpe, ordine #1157", "it"),
    ("il pacco è arrivato rotto", "it"),
    ("我想退货，订单号 #1157", "zh"),
    ("退款什么时候到账", "zh"),
    ("where is my refund", "en"),
    ("hi I want to send back the shoes", "en"),
])
def test_a_first_message_is_answered_in_its_language(text, expected):
    assert choose_language(text, None).language == expected


@pytest.mark.parametrize("text", [
    "ok", "#1157", "114-3941689-8772232", "alice.martin@example.com", "10115", "SW1A 1AA", "👍", "?", "",
    "merci", "danke", "gracias", "grazie", "thanks", "sí", "ja", "oui",
])
@pytest.mark.parametrize("current", ["de", "fr", "es", "it", "zh", "en"])
def test_a_short_message_keeps_the_conversations_language(text, current):
    assert choose_language(text, current) == Choice(current, "kept")


def test_an_order_number_inside_a_short_reply_does_not_count_as_words():
    assert words_of("order #1157, alice@example.com 10115") == ["order"]
    assert choose_language("order #1157", "de").language == "de"


@pytest.mark.parametrize("text, current, expected", [
    ("Sorry, can we continue in English? where is my parcel", "de", "en"),
    ("actually I'd rather write in English, my order has not arrived", "fr", "en"),
    ("ich möchte lieber auf Deutsch schreiben, wo ist mein Paket?", "en", "de"),
    ("où est mon colis ? il n'est toujours pas arrivé", "de", "fr"),
    ("mi pedido todavía no ha llegado, ¿dónde está?", "it", "es"),
    ("il mio ordine non è ancora arrivato", "es", "it"),
    ("我的包裹还没到", "en", "zh"),
])
def test_a_customer_who_switches_is_followed(text, current, expected):
    assert choose_language(text, current).language == expected


@pytest.mark.parametrize("text, current", [
    ("hi, ich möchte die Schuhe zurückgeben, sie sind zu klein", "de"),
    ("ok danke, und wann kommt das Geld?", "de"),
    ("merci beaucoup, et pour le remboursement ?", "fr"),
    ("la talla M por favor", "es"),
])
def test_a_mixed_or_borrowed_word_does_not_flip_the_language(text, current):
    assert choose_language(text, current).language == current


@pytest.mark.parametrize("text, expected", [
    ("English please", "en"), ("english pls", "en"), ("can you speak English?", "en"), ("English", "en"),
    ("auf Deutsch bitte", "de"), ("Deutsch", "de"), ("können Sie Deutsch sprechen?", "de"),
    ("en français s'il vous plaît", "fr"), ("parlez-vous français ?", "fr"),
    ("en español por favor", "es"), ("¿hablas español?", "es"),
    ("in italiano per favore", "it"), ("parli italiano?", "it"),
    ("请说中文", "zh"), ("中文", "zh"), ("can you write in Chinese", "zh"),
])
def test_asking_for_a_language_switches_to_it(text, expected):
    for current in ("en", "de", "zh", None):
        assert choose_language(text, current) == Choice(expected, "asked")


@pytest.mark.parametrize("text", [
    "my English is not very good, sorry", "I bought a German dictionary and want to return it",
    "do you speak English or German?", "je ne parle pas bien anglais mais je veux un remboursement",
])
def test_a_language_that_is_only_mentioned_is_no_request(text):
    assert requested_language(text) is None


@pytest.mark.parametrize("text, expected", [
    ("English please", "en"), ("can we speak english please", "en"), ("sorry, do you speak English?", "en"),
    ("can you write in english", "en"), ("können wir auf deutsch schreiben?", "de"), ("parlez-vous français ?", "fr"),
    ("en français svp", "fr"), ("¿puedes hablar en español?", "es"), ("si può parlare in italiano?", "it"),
    ("请说中文", "zh"), ("中文", "zh"), ("可以用中文吗", "zh"),
])
def test_a_message_that_only_asks_for_a_language(text, expected):
    assert only_asks_for_language(text) == expected


@pytest.mark.parametrize("text", [
    "English please, I want to return order 1001", "can you speak english, the jacket is too small",
    "我想退货，说中文", "I want to return the German dictionary", "my English is bad", "auf Deutsch bitte, wo ist mein Paket?",
])
def test_a_language_request_with_more_to_it_is_not_only_that(text):
    assert only_asks_for_language(text) is None


def test_at_the_start_a_short_message_follows_the_channel_hint():
    assert choose_language("ok", None, Hints(language_code="de")) == Choice("de", "hint")
    assert choose_language("#1157", None, Hints(accept_language="fr-CH, fr;q=0.9, en;q=0.8")) == Choice("fr", "hint")
    assert choose_language("#1157", None, Hints(language_code="pt-br", accept_language="it")) == Choice("it", "hint")
    assert choose_language("#1157", None) == Choice("en", "default")


def test_words_beat_the_hint_and_the_current_language_beats_the_hint():
    assert choose_language("hola, quiero devolver mi pedido", None, Hints(language_code="de")).language == "es"
    assert choose_language("ok", "fr", Hints(language_code="de")) == Choice("fr", "kept")


@pytest.mark.parametrize("code, expected", [
    ("de", "de"), ("de-AT", "de"), ("DE_ch", "de"), ("zh-hans", "zh"), ("zh-TW", "zh"), ("pt-BR", None),
    ("", None), (None, None), ("en-GB", "en"),
])
def test_channel_codes_map_to_served_languages(code, expected):
    assert served(code) == expected


def test_accept_language_is_read_by_preference():
    assert accept_language("pt-BR,pt;q=0.9,es;q=0.8,en;q=0.7") == ["es", "en"]
    assert accept_language("en;q=0.2, de;q=0.9, xx, fr;q=0") == ["de", "en"]
    assert accept_language("garbage;;q=x") == []


def test_the_detector_is_a_port():
    class Always:
        def scores(self, text):
            return {"it": 1.0}
    assert choose_language("whatever words here", "en", detector=Always()) == Choice("it", "detected")
    assert WordListDetector({"de": ["hallo"]}, {}).scores("hallo hallo") == {"de": 2.0}


@pytest.mark.parametrize("raw, expected", [
    ({"language": "de"}, {"language": "de"}), ({"language": "zh", "other": 1}, {"language": "zh"}),
    ({"language": "pt"}, None), ({"language": ["de"]}, None), ("de", None), (None, None), ({}, None),
])
def test_the_gateway_can_tell_rasa_the_language_and_nothing_else(raw, expected):
    from rasa_ext.channel import message_metadata
    assert message_metadata(raw) == expected
