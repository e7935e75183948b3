"""Items named in the customer's own language (the NOUNS glossaries of `bot.answer_words`): "die Laufschuhe",
"les chaussettes", "el abrigo", "il piumino", "羽绒服" name the order line whose English title holds the word,
in a typed sentence (`bot.choices.mentioned_lines`), plural or colloquial, with a common misspelling, and not
after a negation ("nicht die Schuhe, den Schal"). English sentences are not read as another language's items."""
from __future__ import annotations

import json
from decimal import Decimal
from itertools import count
from pathlib import Path

import pytest

from bot import answer_words, choices, language
from bot.choices import mentioned_lines
from bot.models import OrderLine

_IDS = count(1)
ROOT = Path(__file__).resolve().parent.parent


def _lines(*titles: str) -> list:
    return [OrderLine(f"L{n}", f"SKU-{n}", title, "general", 1, Decimal("20")) for n, title in zip(_IDS, titles)]


def _named(text: str, *titles: str) -> list:
    return [line.title for line in mentioned_lines(text, _lines(*titles))]


TYPO_READER = pytest.mark.xfail(strict=False, reason="a slip is forgiven in words of 5+ letters when missing, doubled or swapped "
                                "(bot.choices._close); a wrong letter only in long words, and none in Chinese")

# (sentence, the order's titles, the titles it names)
GERMAN = [
    ("Hallo, ich möchte die Laufschuhe zurückschicken", ("Running shoes", "Wool scarf"), ["Running shoes"]),
    ("Die Turnschuhe sind leider zu klein", ("Leather sneakers", "Wool scarf"), ["Leather sneakers"]),
    ("ich will die Badelatschen zurückgeben", ("Pool slides", "Wool coat"), ["Pool slides"]),
    ("Der Pulli kratzt total, den schicke ich zurück", ("Wool sweater", "Gift card"), ["Wool sweater"]),
    ("die Daunenjacke ist mir zu warm", ("Down jacket", "Rain jacket"), ["Down jacket"]),
    ("Die Regenjacke hat ein Loch am Ärmel", ("Rain jacket", "Down vest"), ["Rain jacket"]),
    ("die Wollsocken sind zu klein", ("Merino wool socks", "Knitted cap"), ["Merino wool socks"]),
    ("Der Wasserkocher ist undicht", ("Electric kettle", "Ceramic teapot"), ["Electric kettle"]),
    ("die Teekanne kam zerbrochen an", ("Porcelain teapot", "Espresso cup set"), ["Porcelain teapot"]),
    ("der Reiskocher funktioniert nicht", ("Rice cooker", "Tea set"), ["Rice cooker"]),
    ("zwei von den Weingläsern waren kaputt, die Gläser bitte", ("Wine glass set", "Porcelain vase"), ["Wine glass set"]),
    ("die Kopfhörer rauschen", ("Wireless headphones", "Leather belt"), ["Wireless headphones"]),
    ("die Sweatjacke ist zu klein", ("Grey zip hoodie", "Rain jacket"), ["Grey zip hoodie"]),
    ("die Sneakres gefallen mir nicht", ("Leather sneakers", "Wool scarf"), ["Leather sneakers"]),  # typo of a loan word
    ("nicht die Schuhe, den Schal", ("Running shoes", "Wool scarf"), ["Wool scarf"]),
    pytest.param("die Handschue sind zu groß", ("Thermal gloves", "Down jacket"), ["Thermal gloves"]),
]
FRENCH = [
    ("Bonjour, je voudrais renvoyer la doudoune", ("Down jacket", "Thermal gloves"), ["Down jacket"]),
    ("les chaussettes sont trop petites", ("Running socks (3 pack)", "Leather belt"), ["Running socks (3 pack)"]),
    ("je vous renvoie mes baskets", ("Leather sneakers", "Wool scarf"), ["Leather sneakers"]),
    ("le sweat ne me va pas du tout", ("Grey zip hoodie", "Slim fit jeans"), ["Grey zip hoodie"]),
    ("la théière est arrivée cassée", ("Ceramic teapot", "Loose leaf tea sampler"), ["Ceramic teapot"]),
    ("l'enceinte ne marche plus", ("Portable speaker", "Phone case"), ["Portable speaker"]),
    ("la bouilloire fuit", ("Electric kettle", "Coffee grinder"), ["Electric kettle"]),
    ("le bonnet gratte trop", ("Merino beanie", "Softshell jacket"), ["Merino beanie"]),
    ("le casque grésille", ("Over-ear headphones", "Leather belt"), ["Over-ear headphones"]),
    ("les chausettes sont trouées", ("Running socks (3 pack)", "Leather belt"), ["Running socks (3 pack)"]),  # misspelt
    ("pas la ceinture, les caleçons", ("Leather belt", "Boxer shorts (3 pack)"), ["Boxer shorts (3 pack)"]),
    pytest.param("la doudoun est trop grande", ("Down jacket", "Thermal gloves"), ["Down jacket"]),
]
SPANISH = [
    ("Hola, quiero devolver las zapatillas", ("Running shoes", "Wool scarf"), ["Running shoes"]),
    ("la chaqueta me queda pequeña", ("Denim jacket", "Straw hat"), ["Denim jacket"]),
    ("la cazadora vaquera tiene una mancha", ("Denim jacket", "Slim fit jeans"), ["Denim jacket"]),
    ("la sudadera no me gusta", ("Grey zip hoodie", "Linen trousers"), ["Grey zip hoodie"]),
    ("el abrigo me queda grande", ("Wool coat", "Silk scarf"), ["Wool coat"]),
    ("quiero devolver las alpargatas", ("Espadrilles", "Straw hat"), ["Espadrilles"]),
    ("la batidora no funciona", ("Stand mixer", "Mixing bowl set"), ["Stand mixer"]),
    ("el hervidor gotea", ("Electric kettle", "Blender"), ["Electric kettle"]),
    ("los platos llegaron rotos", ("Ceramic plate set", "Glass jar set"), ["Ceramic plate set"]),
    ("los calsetines son muy chicos", ("Merino wool socks", "Knitted cap"), ["Merino wool socks"]),  # misspelt
    ("no las sandalias, el sombrero", ("Leather sandals", "Straw hat"), ["Straw hat"]),
    pytest.param("el abrijo no me queda", ("Wool coat", "Silk scarf"), ["Wool coat"], marks=TYPO_READER),
]
ITALIAN = [
    ("Buongiorno, vorrei restituire il piumino", ("Down jacket", "Thermal gloves"), ["Down jacket"]),
    ("le scarpe sono strette", ("Running shoes", "Silk scarf"), ["Running shoes"]),
    ("il giubbotto è troppo corto", ("Denim jacket", "Straw hat"), ["Denim jacket"]),
    ("la felpa è scolorita", ("Grey zip hoodie", "Slim fit jeans"), ["Grey zip hoodie"]),
    ("il cappotto è troppo grande", ("Wool coat", "Silk scarf"), ["Wool coat"]),
    ("la moka perde acqua", ("Moka pot", "Stand mixer"), ["Moka pot"]),
    ("la planetaria fa rumore", ("Stand mixer", "Mixing bowl set"), ["Stand mixer"]),
    ("due calici sono arrivati rotti", ("Wine glass set", "Porcelain vase"), ["Wine glass set"]),
    ("le luci della bici non si accendono", ("Bike light set", "Linen trousers"), ["Bike light set"]),
    ("non la sciarpa, il cappotto", ("Wool coat", "Silk scarf"), ["Wool coat"]),
    pytest.param("il capotto è largo", ("Wool coat", "Silk scarf"), ["Wool coat"]),
]
CHINESE = [
    ("你好，我想退羽绒服", ("Down jacket", "Thermal gloves"), ["Down jacket"]),
    ("跑鞋太小了", ("Running shoes", "Wool scarf"), ["Running shoes"]),
    ("运动鞋不合脚，想退", ("Leather sneakers", "Wool scarf"), ["Leather sneakers"]),
    ("拖鞋想退掉", ("Pool slides", "Wool coat"), ["Pool slides"]),
    ("保温杯漏水", ("Insulated bottle 750 ml", "Ceramic teapot"), ["Insulated bottle 750 ml"]),
    ("音箱没有声音", ("Portable speaker", "Phone case"), ["Portable speaker"]),
    ("电饭煲坏了", ("Rice cooker", "Tea set"), ["Rice cooker"]),
    ("台灯不亮", ("LED desk lamp", "Spare bulb"), ["LED desk lamp"]),
    ("灯泡是坏的", ("LED desk lamp", "Spare bulb"), ["Spare bulb"]),
    ("外套太大了", ("Wool coat", "Silk scarf"), ["Wool coat"]),
    ("包裹收到了，但是手套破了", ("Leather crossbody bag", "Thermal gloves"), ["Thermal gloves"]),
    ("不是手套，是羽绒服", ("Down jacket", "Thermal gloves"), ["Down jacket"]),
    pytest.param("羽戎服太小", ("Down jacket", "Thermal gloves"), ["Down jacket"], marks=TYPO_READER),
]


@pytest.mark.parametrize("text, titles, named", GERMAN)
def test_german_item_words_name_the_line(text, titles, named):
    assert _named(text, *titles) == named


@pytest.mark.parametrize("text, titles, named", FRENCH)
def test_french_item_words_name_the_line(text, titles, named):
    assert _named(text, *titles) == named


@pytest.mark.parametrize("text, titles, named", SPANISH)
def test_spanish_item_words_name_the_line(text, titles, named):
    assert _named(text, *titles) == named


@pytest.mark.parametrize("text, titles, named", ITALIAN)
def test_italian_item_words_name_the_line(text, titles, named):
    assert _named(text, *titles) == named


@pytest.mark.parametrize("text, titles, named", CHINESE)
def test_chinese_item_words_name_the_line(text, titles, named):
    assert _named(text, *titles) == named


@pytest.mark.parametrize("text, titles, named", [
    ("can you pull up my order 4107?", ("Wool sweater", "Gift card"), []),
    ("where is my return slip?", ("Boxer shorts (3 pack)", "Leather belt"), []),
    ("what is my store credit balance?", ("Kitchen scale", "Leather belt"), []),
    ("are you a robot?", ("Stand mixer", "Mixing bowl set"), []),
    ("这笔退货什么时候退款", ("Fountain pen", "Dotted notebook (3 pack)"), []),
    pytest.param("quiero el reembolso de la bufanda", ("Leather crossbody bag", "Silk scarf"), ["Silk scarf"]),
    pytest.param("mi rimborsa la sciarpa?", ("Leather crossbody bag", "Silk scarf"), ["Silk scarf"]),
])
def test_words_that_only_look_like_item_words_name_nothing(text, titles, named):
    assert _named(text, *titles) == named
    with language.conversing_in("en"):
        assert _named(text, *titles) == named


@pytest.mark.parametrize("text, titles, named", [
    ("je voudrais renvoyer le pull, il gratte", ("Wool sweater", "Gift card"), ["Wool sweater"]),
    ("la balance est arrivée cassée", ("Kitchen scale", "Leather belt"), ["Kitchen scale"]),
    ("le slip est trop petit", ("Cotton briefs (3 pack)", "Leather belt"), ["Cotton briefs (3 pack)"]),
    ("der Slip ist zu klein", ("Cotton briefs (3 pack)", "Leather belt"), ["Cotton briefs (3 pack)"]),
])
def test_a_glossary_is_read_in_its_own_language(text, titles, named):
    """French "pull" (sweater), "balance" (scale), "slip" (briefs): the message, or the conversation, is French."""
    assert _named(text, *titles) == named


def test_a_glossary_is_read_in_its_conversation_and_not_in_another():
    lines = _lines("Wool sweater", "Gift card")
    with language.conversing_in("fr"):
        assert [line.title for line in choices.read_lines("pull", lines)] == ["Wool sweater"]
        assert _named("c'est le pull", "Wool sweater", "Gift card") == ["Wool sweater"]
    with language.conversing_in("en"):
        assert choices.read_lines("pull", lines) is None
        assert _named("please pull up the order", "Wool sweater", "Gift card") == []
    with language.conversing_in("en"):  # a customer who switches: the message reads German
        assert _named("ich will die Pullis zurückgeben", "Wool sweater", "Gift card") == ["Wool sweater"]


def _store_titles() -> list:
    titles = set()

    def walk(value) -> None:
        if isinstance(value, dict):
            titles.update(v for k, v in value.items() if k == "title" and isinstance(v, str))
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
    for path in ("tests/conversations/orders.json", "data/demo_orders.json"):
        walk(json.loads((ROOT / path).read_text(encoding="utf-8")))
    return sorted(titles)


# Head nouns customers type as in English ("die Webcam", "il panettone"), and the gaps said in the modules:
# French/Spanish/Italian "thé"/"té"/"tè" fold to English "the" and the pronoun "te"; "sac à dos" is three words.
AS_TYPED = {"webcam", "panettone", "serum", "protector", "box"}
GAPS = {("Tea set", "fr"), ("Tea set", "es"), ("Tea set", "it"), ("25 L daypack", "fr")}


@pytest.mark.parametrize("language", sorted(answer_words.BY_LANGUAGE))
def test_every_store_title_is_reachable_by_its_head_noun(language):
    words = {w for value in answer_words.BY_LANGUAGE[language].NOUNS.values() for w in value.split("|")}
    unreachable = []
    for title in _store_titles():
        heads = [w for w in choices._title_words(title) if w.head]
        if (title, language) in GAPS or any(h.raw in AS_TYPED for h in heads):
            continue
        if not any(choices._word_match(choices._Token(w, choices._stem(w), 0), h) == 2 for w in words for h in heads):
            unreachable.append(title)
    assert unreachable == []


@pytest.mark.parametrize("language", sorted(answer_words.BY_LANGUAGE))
def test_glossary_keys_are_lower_case_and_values_are_title_words(language):
    for key, value in answer_words.BY_LANGUAGE[language].NOUNS.items():
        assert key == key.lower() and " " not in key, key
        assert all(w and w == w.lower() and w.isalpha() for w in value.split("|")), (key, value)
