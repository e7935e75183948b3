"""bot/choices.py: typed answers read the way a person would (typos, casing, extra words, negations),
and the things that must NOT be read as an answer."""
from __future__ import annotations

import time

import pytest

from bot import choices
from bot.choices import (ReasonReading, mentioned_lines, quantity_in, read_lines, read_quantity, read_reason,
                         read_resolution, read_yes_no, reason_in)
from bot.models import Resolution, ReturnReason
from tests.builders import line

R = ReturnReason
S = Resolution
ALL = tuple(Resolution)

SHOES = line(line_id="L1", sku="SHOE-RUN-42", title="Trail running shoes", category="shoes")
SOCKS = line(line_id="L2", sku="SOCK-3PK", title="Running socks (3 pack)", category="apparel")
JEANS = line(line_id="L3", sku="JEANS-SLIM-32", title="Slim fit jeans", category="apparel", quantity=3)
TEE = line(line_id="L1", sku="TEE-ORG-M", title="Organic cotton T-shirt", category="apparel", quantity=3)
BOOTS = line(line_id="L1", sku="SHOE-CHELSEA", title="Leather Chelsea boots", category="shoes")
JACKET = line(line_id="L2", sku="JACKET-W", title="Wool jacket", category="apparel")
PHONES = line(line_id="L1", sku="HP-WL-BLK", title="Wireless headphones", category="electronics")
CASE = line(line_id="L2", sku="CASE-CHG", title="Charging case", category="electronics")
GIFT = line(line_id="L3", sku="GIFT-25", title="Gift card", category="gift_card")
BOTTLE = line(line_id="L2", sku="BTL-750", title="Insulated bottle 750 ml", category="sports")
MAT = line(line_id="L1", sku="MAT-YOGA", title="Yoga mat", category="sports", quantity=2)
TWIN_A = line(line_id="L1", sku="GIFT-CARD", title="Gift card", category="gift_card")
TWIN_B = line(line_id="L2", sku="GIFT-CARD-50", title="Gift card", category="gift_card")
HOODIE = line(line_id="L1", sku="HOODIE-GRY", title="Grey zip hoodie", category="apparel")
CABLE = line(line_id="L2", sku="CABLE-USBC", title="USB-C cable 1 m", category="electronics")
SUNGLASSES = line(line_id="L1", sku="SUNGL-POL", title="Polarised sunglasses", category="accessories")
EREADER = line(line_id="L2", sku="EREADER-6", title="E-reader 6-inch", category="electronics")
NC_PHONES = line(line_id="L1", sku="HP-NC", title="Noise-cancelling headphones", category="electronics")

ORDERS = {
    "shoes+socks": (SHOES, SOCKS),
    "shoes+socks+jeans": (SHOES, SOCKS, JEANS),
    "tee+socks": (TEE, SOCKS),
    "boots+jacket": (BOOTS, JACKET),
    "phones+case+gift": (PHONES, CASE, GIFT),
    "mat+bottle": (MAT, BOTTLE),
    "shoes": (SHOES,),
    "twins": (TWIN_A, TWIN_B),
    "hoodie+cable": (HOODIE, CABLE),
    "sunglasses+ereader": (SUNGLASSES, EREADER),
    "nc-phones": (NC_PHONES,),
}


def _titles(found):
    return None if found is None else tuple(l.title for l in found)


# ---------------------------------------------------------------------------------------------------
# Reasons

REASONS = [
    # button values and titles
    ("too_small", R.TOO_SMALL), ("too_large", R.TOO_LARGE), ("not_as_described", R.NOT_AS_DESCRIBED),
    ("changed_mind", R.CHANGED_MIND), ("damaged", R.DAMAGED), ("wrong_item", R.WRONG_ITEM), ("other", R.OTHER),
    ("Too small", R.TOO_SMALL), ("Too large", R.TOO_LARGE), ("Not as described", R.NOT_AS_DESCRIBED),
    ("Changed my mind", R.CHANGED_MIND), ("Damaged", R.DAMAGED), ("Wrong item sent", R.WRONG_ITEM), ("Other", R.OTHER),
    ("  TOO SMALL!! ", R.TOO_SMALL),
    # sizes
    ("they're too tight", R.TOO_SMALL), ("They\u2019re too tight", R.TOO_SMALL), ("runs small", R.TOO_SMALL),
    ("size is off, too short", R.TOO_SMALL), ("a bit snug around the toes", R.TOO_SMALL),
    ("I need a bigger size", R.TOO_SMALL), ("it's smaller than I expected", R.TOO_SMALL),
    ("doesnt fit, way too big", R.TOO_LARGE), ("way too large", R.TOO_LARGE), ("the sleeves are too long", R.TOO_LARGE),
    ("they're a bit loose", R.TOO_LARGE), ("huge on me", R.TOO_LARGE), ("I want a smaller size", R.TOO_LARGE),
    ("not too small, too big", R.TOO_LARGE), ("the shorts are too big", R.TOO_LARGE),
    ("the big one is fine but the small one is too tight", R.TOO_SMALL),
    # damage
    ("arrived cracked", R.DAMAGED), ("screen broken", R.DAMAGED), ("stopped working after 2 days", R.DAMAGED),
    ("It does not work", R.DAMAGED), ("no longer works", R.DAMAGED), ("won't turn on", R.DAMAGED),
    ("a small hole in the sleeve", R.DAMAGED), ("the zip snapped", R.DAMAGED), ("it leaks", R.DAMAGED),
    ("stained", R.DAMAGED), ("came with a big scratch", R.DAMAGED), ("faulty", R.DAMAGED),
    ("i dont need it, it is broken", R.DAMAGED),
    # wrong item
    ("not what i ordered", R.WRONG_ITEM), ("you sent the wrong colour", R.WRONG_ITEM),
    ("they sent the wrong size", R.WRONG_ITEM), ("this isn't the item I ordered", R.WRONG_ITEM),
    ("received a different model", R.WRONG_ITEM), ("I never ordered this", R.WRONG_ITEM),
    # not as described
    ("looks nothing like the photo", R.NOT_AS_DESCRIBED), ("cheap quality", R.NOT_AS_DESCRIBED),
    ("quality is poor", R.NOT_AS_DESCRIBED), ("not good quality", R.NOT_AS_DESCRIBED),
    ("the colour is different from the picture", R.NOT_AS_DESCRIBED), ("it's not what I expected", R.NOT_AS_DESCRIBED),
    ("feels flimsy", R.NOT_AS_DESCRIBED), ("it's fake", R.NOT_AS_DESCRIBED),
    # changed mind (ordered twice and by mistake included: nothing is wrong with the item)
    ("changed my mind", R.CHANGED_MIND), ("dont need it anymore", R.CHANGED_MIND), ("don't need it any more", R.CHANGED_MIND),
    ("found it cheaper", R.CHANGED_MIND), ("found it cheaper elsewhere", R.CHANGED_MIND),
    ("bought by mistake", R.CHANGED_MIND), ("ordered twice", R.CHANGED_MIND), ("I ordered the wrong size", R.CHANGED_MIND),
    ("it's not broken, I just don't like it", R.CHANGED_MIND), ("it was as described but I don't like it", R.CHANGED_MIND),
    ("fits perfectly but I don't want it", R.CHANGED_MIND), ("not my style", R.CHANGED_MIND),
    ("gift, didnt like it", R.CHANGED_MIND), ("no longer needed", R.CHANGED_MIND),
    # other, said
    ("late delivery", R.OTHER), ("arrived late", R.OTHER), ("took too long to arrive", R.OTHER),
    ("something else", R.OTHER),
    # typos
    ("to smal", R.TOO_SMALL), ("damagd", R.DAMAGED), ("brokn", R.DAMAGED), ("chnaged my mind", R.CHANGED_MIND),
    ("tigth", R.TOO_SMALL), ("crakced screen", R.DAMAGED), ("defective", R.DAMAGED), ("stoped working", R.DAMAGED),
    ("wrnog item", R.WRONG_ITEM), ("to lrage", R.TOO_LARGE),
    # more customers' words (the conversation corpus and beyond)
    ("it does not look like the picture on the website", R.NOT_AS_DESCRIBED), ("not like the photo", R.NOT_AS_DESCRIBED),
    ("actually it's not too big, it's just not what the picture showed", R.NOT_AS_DESCRIBED),
    ("the quality is much worse than described", R.NOT_AS_DESCRIBED),
    ("can I swap it for a bigger size", R.TOO_SMALL), ("way too big on me, swimming in it", R.TOO_LARGE),
    ("they pinch", R.TOO_SMALL), ("they fall off my feet", R.TOO_LARGE), ("keeps slipping off", R.TOO_LARGE),
    ("missing parts", R.DAMAGED), ("the heel came off", R.DAMAGED), ("battery dies quickly", R.DAMAGED),
    ("it's a different colour", R.WRONG_ITEM), ("I received the wrong order", R.WRONG_ITEM),
    ("I WANT MY MONEY BACK FOR ORDER #3014 THE JACKET IS TOO SMALL", R.TOO_SMALL),
    ("hello i am wanting to give back the shirt, is too much big for me", R.TOO_LARGE),
    ("never used it, changed my mind", R.CHANGED_MIND), ("too expensive, changed my mind", R.CHANGED_MIND),
    ("other reason", R.OTHER), ("none of these", R.OTHER), ("missed the party", R.OTHER),
    # regional words, a "loose" typed as "lose", what the listing said, what it is like to use
    ("they're too wee for my hands", R.TOO_SMALL), ("its to lose on the shoulders", R.TOO_LARGE),
    ("way too lose", R.TOO_LARGE), ("the site said navy and it's bright blue", R.NOT_AS_DESCRIBED),
    ("the lights are too dim", R.NOT_AS_DESCRIBED), ("the keys are too loud", R.NOT_AS_DESCRIBED),
    ("far too scratchy for him", R.NOT_AS_DESCRIBED), ("a scratch on the lens", R.DAMAGED),
    # faults as they show ("flickers", "keeps cutting out")
    ("it flickers all the time", R.DAMAGED), ("the sound keeps cutting out", R.DAMAGED), ("it overheats", R.DAMAGED),
    # German: a crack, a chip, a dent ("Sprung", "angeschlagen", "verbeult")
    ("kam mit nem sprung im deckel an", R.DAMAGED), ("die tasse ist angeschlagen", R.DAMAGED),
    ("das gehäuse ist verbeult", R.DAMAGED),
    # the size wanted names the fault: "the bigger size" is wanted because it is too small
    ("yep the bigger size pls", R.TOO_SMALL), ("the smaller one please", R.TOO_LARGE),
    ("they're bigger than I thought", R.TOO_LARGE),
]


@pytest.mark.parametrize("answer,reason", REASONS, ids=[a for a, _ in REASONS])
def test_read_reason_maps_customer_words_to_a_category(answer, reason):
    reading = read_reason(answer)
    assert reading.reason == reason
    assert reading.confident


NOT_A_REASON = ["meh", "because", "my wife", "", "   ", "?", "doesn't fit", "it's ok", "i have a small question",
                "the shirt", "never mind", "it smells weird", "show me", "hmm let me think", "I want to return it",
                "order 114-3941689-8772232", "satin", "the wife", "sort of", "sorry, wrong number, it's #1158",
                "oops wrong number", "manon.petit@example.fr", "sorry i meant the other order #3014",
                "also where is my other order #1002?", "order 27-11111-22222 shows delivered to the wrong address",
                "my brother gave me the same ones for my birthday", "can i get a different size instead?",
                "the other one", "a small thing"]


@pytest.mark.parametrize("answer", NOT_A_REASON, ids=[repr(a) for a in NOT_A_REASON])
def test_read_reason_other_not_confident_when_nothing_fits(answer):
    reading = read_reason(answer)
    assert reading == ReasonReading(R.OTHER, " ".join(answer.split()), False)


def test_read_reason_keeps_the_customers_words_cleaned_and_bounded():
    assert read_reason("  they're   too\ttight \n").words == "they're too tight"
    long = "too small " * 100
    reading = read_reason(long)
    assert reading.reason == R.TOO_SMALL and len(reading.words) == 500
    assert read_reason(None).reason == R.OTHER  # type: ignore[arg-type]


REASON_IN = [
    ("I want to return the shoes from order 114-3941689-8772232, they're too small", R.TOO_SMALL),
    ("return the socks please they arrived damaged", R.DAMAGED),
    ("can I return these? they're too tight", R.TOO_SMALL),
    ("I want to return it, it's broken", R.DAMAGED),
    ("I'd like to send back the jeans, you sent the wrong size", R.WRONG_ITEM),
    ("return order #3001 because I changed my mind", R.CHANGED_MIND),
    ("is it too late to return the shoes", None),
    ("can I return the other one", None),
    ("what if they're too small?", None),
    ("how long do I have to return them", None),
    ("I want to return the big one", None),
    ("i have a small question about returns", None),
    ("return the shoes, they arrived late", None),
    ("I'd like a refund please", None),
    ("I want to return the shoes from order 114-3941689-8772232", None),
    ("they are not broken", None),
    ("", None),
    ("hi i want return the hoodie order 13-56290-29408 its too big", R.TOO_LARGE),
    ("the scarf from 113-5606311-9268633 arrived torn and I also want to return the cookbook", R.DAMAGED),
    ("send back another item", None), ("I want to return another item from the same order", None),
    ("can i get a different size instead?", None), ("sorry, wrong number, it's #1158", None),
    ("order 27-11111-22222 shows delivered to the wrong address", None), ("late delivery", None),
]


@pytest.mark.parametrize("text,reason", REASON_IN, ids=[t or "empty" for t, _ in REASON_IN])
def test_reason_in_a_longer_message_only_when_confident(text, reason):
    assert reason_in(text) == reason


# ---------------------------------------------------------------------------------------------------
# Resolutions

RESOLUTIONS = [
    ("refund", ALL, S.REFUND), ("exchange", ALL, S.EXCHANGE), ("store_credit", ALL, S.STORE_CREDIT),
    ("replacement", ALL, S.REPLACEMENT), ("Store credit", ALL, S.STORE_CREDIT), ("REFUND", ALL, S.REFUND),
    ("Replacement", ALL, S.REPLACEMENT),
    ("refund please", ALL, S.REFUND), ("money back", ALL, S.REFUND), ("I want my money back!", ALL, S.REFUND),
    ("refund to my credit card", ALL, S.REFUND), ("can i get a refund", ALL, S.REFUND), ("refund?", ALL, S.REFUND),
    ("i'd rather exchange", ALL, S.EXCHANGE), ("swap for a bigger size", ALL, S.EXCHANGE),
    ("a different size please", ALL, S.EXCHANGE), ("exchange it for a medium", ALL, S.EXCHANGE),
    ("credit is fine", ALL, S.STORE_CREDIT), ("voucher", ALL, S.STORE_CREDIT), ("a gift card", ALL, S.STORE_CREDIT),
    ("a new one", ALL, S.REPLACEMENT), ("replace it", ALL, S.REPLACEMENT), ("send me another one", ALL, S.REPLACEMENT),
    # typos, casing, extra words
    ("refnd", ALL, S.REFUND), ("exchnage", ALL, S.EXCHANGE), ("Refund pls!!", ALL, S.REFUND),
    ("replacemnet", ALL, S.REPLACEMENT), ("umm, store credit I guess", ALL, S.STORE_CREDIT),
    # negations and preferences
    ("not a refund, a replacement", ALL, S.REPLACEMENT), ("I'd rather exchange than refund", ALL, S.EXCHANGE),
    ("no exchange, just refund", ALL, S.REFUND), ("exchange instead of a refund", ALL, S.EXCHANGE),
    ("i don't want a refund, i want a new one", ALL, S.REPLACEMENT),
    ("refund please. how long does it take?", ALL, S.REFUND),
    ("refund... no actually make it an exchange", ALL, S.EXCHANGE), ("I just want my money back", ALL, S.REFUND),
    ("I prefer the money back please", ALL, S.REFUND), ("a voucher / store credit is fine", ALL, S.STORE_CREDIT),
    ("exchange for a bigger one", ALL, S.EXCHANGE), ("switch it for a medium", ALL, S.EXCHANGE),
    ("I'd like it replaced", ALL, S.REPLACEMENT), ("send me a new pair", ALL, S.REPLACEMENT),
    ("too small, I'd like a bigger size", ALL, S.EXCHANGE), ("it's broken, I want a new one", ALL, S.REPLACEMENT),
    ("can you just send me the black one?", ALL, S.EXCHANGE), ("send me the right size", ALL, S.EXCHANGE),
    # only one of `allowed`
    ("refund", (S.REFUND, S.STORE_CREDIT), S.REFUND),
    ("exchange", (S.REFUND, S.STORE_CREDIT), None),
    ("a new one", (S.REFUND,), None),
    ("credit", (), None),
]


@pytest.mark.parametrize("answer,allowed,expected", RESOLUTIONS, ids=[a for a, _, _ in RESOLUTIONS])
def test_read_resolution(answer, allowed, expected):
    assert read_resolution(answer, allowed) == expected


NOT_A_RESOLUTION = ["do you refund shipping?", "how long does a refund take?", "where is my refund", "is a refund possible?",
                    "what is store credit?", "refund or credit", "refund or exchange, whatever", "i don't want a refund",
                    "I haven't received my refund", "no refund", "meh", "", "yes", "the shoes", "too small",
                    "you sent the wrong colour", "when will I get my money?", "I changed my mind",
                    "will i get a full refund?", "can I return a gift card?",
                    # reason answers are read for a resolution too: these choose none
                    "brand new and already broken", "the power switch is broken", "waste of money",
                    "I paid by card and it's too small", "the other one is fine", "it's a different colour",
                    "you sent a different size", "i want to return another item from the same order"]


@pytest.mark.parametrize("answer", NOT_A_RESOLUTION, ids=[repr(a) for a in NOT_A_RESOLUTION])
def test_read_resolution_none_for_questions_and_unclear_answers(answer):
    assert read_resolution(answer, ALL) is None


# ---------------------------------------------------------------------------------------------------
# Lines

LINES = [
    # ids and SKUs
    ("L1", "shoes+socks", ("Trail running shoes",)), ("l2", "shoes+socks", ("Running socks (3 pack)",)),
    ("SOCK-3PK", "shoes+socks", ("Running socks (3 pack)",)), ("sock-3pk please", "shoes+socks", ("Running socks (3 pack)",)),
    ("L1 and L3", "shoes+socks+jeans", ("Trail running shoes", "Slim fit jeans")),
    # positions
    ("2", "shoes+socks", ("Running socks (3 pack)",)), ("the second one", "shoes+socks", ("Running socks (3 pack)",)),
    ("2nd", "shoes+socks", ("Running socks (3 pack)",)), ("last one", "shoes+socks", ("Running socks (3 pack)",)),
    ("the last", "shoes+socks+jeans", ("Slim fit jeans",)), ("First", "shoes+socks", ("Trail running shoes",)),
    ("number 2", "shoes+socks", ("Running socks (3 pack)",)), ("#2", "shoes+socks", ("Running socks (3 pack)",)),
    ("two", "shoes+socks", ("Running socks (3 pack)",)), ("3", "shoes+socks+jeans", ("Slim fit jeans",)),
    ("1 and 2", "shoes+socks+jeans", ("Trail running shoes", "Running socks (3 pack)")),
    ("the frist one", "shoes+socks", ("Trail running shoes",)), ("thrid", "shoes+socks+jeans", ("Slim fit jeans",)),
    ("1", "shoes", ("Trail running shoes",)),
    # all of them
    ("both", "shoes+socks", ("Trail running shoes", "Running socks (3 pack)")),
    ("Both please", "shoes+socks", ("Trail running shoes", "Running socks (3 pack)")),
    ("all", "shoes+socks+jeans", ("Trail running shoes", "Running socks (3 pack)", "Slim fit jeans")),
    ("all of them", "shoes+socks", ("Trail running shoes", "Running socks (3 pack)")),
    ("everything", "shoes+socks+jeans", ("Trail running shoes", "Running socks (3 pack)", "Slim fit jeans")),
    ("everything except the socks", "shoes+socks+jeans", ("Trail running shoes", "Slim fit jeans")),
    ("all but the jeans", "shoes+socks+jeans", ("Trail running shoes", "Running socks (3 pack)")),
    # names
    ("the shoes", "shoes+socks", ("Trail running shoes",)), ("my shoes", "shoes+socks", ("Trail running shoes",)),
    ("socks", "shoes+socks", ("Running socks (3 pack)",)), ("running shoes", "shoes+socks", ("Trail running shoes",)),
    ("the SHOES please", "shoes+socks", ("Trail running shoes",)), ("shoe", "shoes+socks", ("Trail running shoes",)),
    ("sokcs", "shoes+socks", ("Running socks (3 pack)",)), ("the trail ones", "shoes+socks", ("Trail running shoes",)),
    ("the jeans and the socks", "shoes+socks+jeans", ("Running socks (3 pack)", "Slim fit jeans")),
    ("jeans & shoes", "shoes+socks+jeans", ("Trail running shoes", "Slim fit jeans")),
    ("Trail running shoes (89.99 USD)", "shoes+socks", ("Trail running shoes",)),
    ("the t-shirt", "tee+socks", ("Organic cotton T-shirt",)), ("tshirt", "tee+socks", ("Organic cotton T-shirt",)),
    ("the tee", "tee+socks", ("Organic cotton T-shirt",)), ("t shirts", "tee+socks", ("Organic cotton T-shirt",)),
    ("the boots", "boots+jacket", ("Leather Chelsea boots",)), ("chelsea", "boots+jacket", ("Leather Chelsea boots",)),
    ("the shoes", "boots+jacket", ("Leather Chelsea boots",)),  # by category when no title says it
    ("headphones", "phones+case+gift", ("Wireless headphones",)), ("the case", "phones+case+gift", ("Charging case",)),
    ("bottle", "mat+bottle", ("Insulated bottle 750 ml",)), ("yoga mat", "mat+bottle", ("Yoga mat",)),
    ("not the shoes", "shoes+socks", ("Running socks (3 pack)",)),
    ("not the shoes, the socks", "shoes+socks+jeans", ("Running socks (3 pack)",)),
    ("the socks not the shoes", "shoes+socks", ("Running socks (3 pack)",)),
    ("bothh", "shoes+socks", ("Trail running shoes", "Running socks (3 pack)")),
    ("the 3 pack", "shoes+socks+jeans", ("Running socks (3 pack)",)),
    ("the cable", "hoodie+cable", ("USB-C cable 1 m",)), ("usb cable", "hoodie+cable", ("USB-C cable 1 m",)),
    ("hmm the grey thing", "hoodie+cable", ("Grey zip hoodie",)),
    ("the hoodie and the usb cable", "hoodie+cable", ("Grey zip hoodie", "USB-C cable 1 m")),
    ("the ereader", "sunglasses+ereader", ("E-reader 6-inch",)), ("the E-Reader", "sunglasses+ereader", ("E-reader 6-inch",)),
    ("sunglases", "sunglasses+ereader", ("Polarised sunglasses",)),
    ("sorry, not the sunglasses, the e-reader", "sunglasses+ereader", ("E-reader 6-inch",)),
]


@pytest.mark.parametrize("answer,order,expected", LINES, ids=[f"{a}|{o}" for a, o, _ in LINES])
def test_read_lines(answer, order, expected):
    assert _titles(read_lines(answer, ORDERS[order])) == expected


NO_LINE = [
    ("running", "shoes+socks"),  # a word of every title decides nothing
    ("the running ones", "shoes+socks+jeans"),  # two of three titles: still unclear
    ("gift card", "twins"),  # two lines match equally
    ("3", "shoes+socks"), ("0", "shoes+socks"), ("the fifth", "shoes+socks"),
    ("both", "shoes+socks+jeans"),  # which two?
    ("none", "shoes+socks"), ("neither", "shoes+socks"), ("hmm", "shoes+socks"), ("the other one", "shoes+socks"),
    ("the hat", "shoes+socks"), ("", "shoes+socks"), ("not the shoes", "shoes+socks+jeans"),
    ("how much did I pay?", "shoes+socks"), ("the shirt", "boots+jacket"), ("both packs", "shoes+socks+jeans"),
]


@pytest.mark.parametrize("answer,order", NO_LINE, ids=[f"{a or 'empty'}|{o}" for a, o in NO_LINE])
def test_read_lines_none_when_unclear(answer, order):
    assert read_lines(answer, ORDERS[order]) is None


def test_read_lines_without_lines():
    assert read_lines("the shoes", ()) is None


MENTIONED = [
    ("I want to return the socks from order 114-3941689-8772232", "shoes+socks", ("Running socks (3 pack)",)),
    ("actually I want the socks instead", "shoes+socks", ("Running socks (3 pack)",)),
    ("the socks instead of the shoes", "shoes+socks", ("Running socks (3 pack)",)),
    ("can I send back my running shoes? order 114-3941689-8772232", "shoes+socks", ("Trail running shoes",)),
    ("the chelsea ones are too tight", "boots+jacket", ("Leather Chelsea boots",)),
    ("return the jeans and the shoes please", "shoes+socks+jeans", ("Trail running shoes", "Slim fit jeans")),
    ("both items", "shoes+socks", ("Trail running shoes", "Running socks (3 pack)")),
    ("I want to return all the items", "shoes+socks", ("Trail running shoes", "Running socks (3 pack)")),
    ("the whole order please", "shoes+socks", ("Trail running shoes", "Running socks (3 pack)")),
    ("both of the items, order #3001", "shoes+socks", ("Trail running shoes", "Running socks (3 pack)")),
    ("the case is cracked", "phones+case+gift", ("Charging case",)),
    ("my sokcs have a hole", "shoes+socks", ("Running socks (3 pack)",)),
    ("return the gift card", "phones+case+gift", ("Gift card",)),
    ("the Headphones stopped working", "phones+case+gift", ("Wireless headphones",)),
    ("I need to return the hoodie and the usb cable from #1158", "hoodie+cable", ("Grey zip hoodie", "USB-C cable 1 m")),
    ("sorry, not the sunglasses, the e-reader", "sunglasses+ereader", ("E-reader 6-inch",)),
    ("everything in the order except the socks", "shoes+socks+jeans", ("Trail running shoes", "Slim fit jeans")),
    ("the shoes are great but the socks are itchy, can I return just the socks?", "shoes+socks",
     ("Running socks (3 pack)",)),
    ("I bought shoes and socks and only want to send back the shoes", "shoes+socks", ("Trail running shoes",)),
    ("just bought the shoes and the socks. return both items", "shoes+socks",
     ("Trail running shoes", "Running socks (3 pack)")),
    # an item said to be all right or kept is not returned with the others
    ("the jeans are way too tight round the waist, shoes are fine tho", "shoes+socks+jeans", ("Slim fit jeans",)),
    ("socks too small but I love the shoes", "shoes+socks", ("Running socks (3 pack)",)),
    ("I'll keep the shoes, the socks go back", "shoes+socks", ("Running socks (3 pack)",)),
    ("the shoes are not good and the socks are too small", "shoes+socks",
     ("Trail running shoes", "Running socks (3 pack)")),
    ("the shoes keep slipping off and the socks are too long", "shoes+socks",
     ("Trail running shoes", "Running socks (3 pack)")),
    ("love the shoes but they're too small", "shoes+socks", ("Trail running shoes",)),
    ("return both the shoes and the socks, the shoes are fine but whatever", "shoes+socks",
     ("Trail running shoes", "Running socks (3 pack)")),
    # of the items named, the ones after "return"/"send" are meant; the others are only talked about
    ("he loved the shoes, really, but the socks are not him, I'd like to send the socks back", "shoes+socks",
     ("Running socks (3 pack)",)),
    ("return the socks please, they're too short for my shoes", "shoes+socks", ("Running socks (3 pack)",)),
    ("return the shoes. the socks too", "shoes+socks", ("Trail running shoes", "Running socks (3 pack)")),
    ("return the shoes, also the socks", "shoes+socks", ("Trail running shoes", "Running socks (3 pack)")),
]


@pytest.mark.parametrize("text,order,expected", MENTIONED, ids=[t for t, _, _ in MENTIONED])
def test_mentioned_lines(text, order, expected):
    assert _titles(mentioned_lines(text, ORDERS[order])) == expected


NOT_MENTIONED = [
    ("return both", "shoes+socks"), ("the second one", "shoes+socks"), ("I want to return my order", "shoes+socks"),
    ("2", "shoes+socks"), ("all of them", "shoes+socks"), ("the running stuff", "shoes+socks"),
    ("in case it doesn't fit", "phones+case+gift"), ("refund to my card please", "phones+case+gift"),
    ("it doesn't fit", "shoes+socks+jeans"), ("it was a gift", "phones+case+gift"), ("", "shoes+socks"),
    ("return order 114-3941689-8772232", "shoes+socks"), ("I'd like to return the hat", "shoes+socks"),
    ("both pairs", "shoes+socks+jeans"), ("both items", "shoes+socks+jeans"), ("also cancel #1160", "nc-phones"),
    ("I want to return another item", "shoes+socks"),
]


@pytest.mark.parametrize("text,order", NOT_MENTIONED, ids=[f"{t or 'empty'}|{o}" for t, o in NOT_MENTIONED])
def test_mentioned_lines_is_strict(text, order):
    assert mentioned_lines(text, ORDERS[order]) == ()


JERSEY = line(line_id="L1", sku="JERSEY", title="Cycling jersey", category="apparel")
LIGHTS = line(line_id="L2", sku="LIGHTS", title="Bike lights set", category="sports")


def test_each_item_takes_the_reason_of_the_clause_that_names_it():
    text = ("So I ordered some bits for my cycling club's winter season, anyway the order was #3011, but the cycling "
            "jersey is too small for me (I'm an L not an M, my mistake) and the bike lights are too dim honestly, "
            "you can barely see them in the fog. I'd like to return both")
    found = choices.reasons_by_line(text, (JERSEY, LIGHTS))
    assert {k: v[0] for k, v in found.items()} == {"L1": ReturnReason.TOO_SMALL, "L2": ReturnReason.NOT_AS_DESCRIBED}
    assert found["L1"][1].startswith("the cycling jersey is too small")


def test_a_clause_naming_several_items_gives_none_its_own_reason():
    assert choices.reasons_by_line("the jersey and the lights, both are too small", (JERSEY, LIGHTS)) == {}
    assert choices.reasons_by_line("the jersey is too small", (JERSEY, LIGHTS)) == {
        "L1": (ReturnReason.TOO_SMALL, "the jersey is too small")}


KEYBOARD = line(line_id="L1", sku="KBD-MECH", title="Mechanical keyboard", category="electronics")
LICENCE = line(line_id="L3", sku="LIC-PHOTO", title="Photo editor licence key", category="digital")


@pytest.mark.parametrize("text", ["the keys are too loud for my shared office", "return the keys please", "keys"])
def test_a_word_in_another_form_that_is_part_of_another_items_compound_names_neither(text):
    """"keys" are a keyboard's as well as a licence key: the word tells the two apart no better."""
    assert mentioned_lines(text, (KEYBOARD, LICENCE)) == ()
    assert read_lines(text, (KEYBOARD, LICENCE)) is None


def test_the_word_as_the_title_has_it_or_another_title_word_still_names_its_item():
    assert _titles(mentioned_lines("the licence key never arrived", (KEYBOARD, LICENCE))) == ("Photo editor licence key",)
    assert _titles(read_lines("the keyboard", (KEYBOARD, LICENCE))) == ("Mechanical keyboard",)
    assert _titles(read_lines("the key", (KEYBOARD, LICENCE))) == ("Photo editor licence key",)
    teapot, tea = line(line_id="L1", title="Ceramic teapot"), line(line_id="L2", title="Loose leaf tea sampler")
    assert _titles(read_lines("the tea", (teapot, tea))) == ("Loose leaf tea sampler",)


# ---------------------------------------------------------------------------------------------------
# Quantities

QUANTITIES = [
    ("1", 3, 1), ("2", 3, 2), ("3", 3, 3), (" 2 ", 3, 2), ("2 please", 3, 2), ("just 1 of them", 3, 1),
    ("one", 3, 1), ("One.", 3, 1), ("two", 3, 2), ("three", 3, 3), ("thre", 3, 3), ("only one", 3, 1),
    ("just the one", 3, 1), ("a pair", 3, 2), ("both", 2, 2), ("both of them", 3, 2), ("all", 3, 3),
    ("all of them", 2, 2), ("everything", 3, 3), ("all 3", 3, 3), ("1 of 3", 3, 1), ("two of the three", 3, 2),
    ("1 out of 3", 3, 1), ("x2", 3, 2), ("2x", 3, 2), ("I'd like to return 2", 3, 2), ("Two please!", 3, 2),
    ("both packs", 2, 2), ("actually just one", 3, 1), ("1 pair", 3, 1),
]


@pytest.mark.parametrize("answer,maximum,expected", QUANTITIES, ids=[f"{a}|max{m}" for a, m, _ in QUANTITIES])
def test_read_quantity(answer, maximum, expected):
    assert read_quantity(answer, maximum) == expected


NO_QUANTITY = [
    ("half", 3), ("half of them", 4), ("0", 3), ("zero", 3), ("4", 3), ("five", 3), ("both", 1), ("some", 3),
    ("a few", 3), ("several", 3), ("", 3), ("meh", 3), ("the blue one", 3), ("1 or 2", 3), ("1", 0),
    ("-1", 3), ("1.5", 3), ("$25", 3), ("none", 3),
]


@pytest.mark.parametrize("answer,maximum", NO_QUANTITY, ids=[f"{a or 'empty'}|max{m}" for a, m in NO_QUANTITY])
def test_read_quantity_none_when_unclear_or_out_of_range(answer, maximum):
    assert read_quantity(answer, maximum) is None


QUANTITY_IN = [
    ("I bought three of the t-shirts on order #3007 and want to send two back", 3, 2),
    ("i got 3 and want to return 1", 3, 1),
    ("I want to return 1 of the 3 jeans", 3, 1), ("just one of them", 3, 1), ("only 2 of them please", 3, 2),
    ("I paid $25 for 2 of them", 3, 2), ("return 2 of my 3 shirts, order #3007", 3, 2), ("send back 2", 3, 2),
    ("I'd like to return two", 3, 2), ("keep one and return two", 3, 2), ("return them both", 2, 2),
    ("return all of them", 3, 3), ("2 x t-shirts", 3, 2), ("return 2 pairs", 3, 2), ("both of them are too big", 2, 2),
    ("I want to return 1 of the jeans from order 114-3941689-8772232", 3, 1),
]


@pytest.mark.parametrize("text,maximum,expected", QUANTITY_IN, ids=[t for t, _, _ in QUANTITY_IN])
def test_quantity_in(text, maximum, expected):
    assert quantity_in(text, maximum) == expected


NO_QUANTITY_IN = [
    ("return the shoes from order 114-3941689-8772232", 3), ("my postcode is 94107", 3), ("I waited 2 weeks", 3),
    ("size 10", 3), ("I bought 3 of them for $25", 2), ("order 12-34567-89012", 3), ("it cost 2.50", 3),
    ("return the t-shirts", 3), ("it arrived 2 days late", 3), ("I have 2 questions", 3), ("", 3),
    ("return 5 of them", 3), ("I'd like to return the blue one", 3), ("that's all", 3), ("SW1A 1AA", 3),
]


@pytest.mark.parametrize("text,maximum", NO_QUANTITY_IN, ids=[t or "empty" for t, _ in NO_QUANTITY_IN])
def test_quantity_in_none_when_not_said(text, maximum):
    assert quantity_in(text, maximum) is None


# ---------------------------------------------------------------------------------------------------
# Yes / no

YES = ["yes", "Yes.", "YES!", "yes please", "yep", "yup", "yeah", "sure", "ok", "OK", "okay go ahead", "please do",
       "that's a yes from me", "absolutely", "y", "yeah why not", "ja", "oui", "sí", "si", "是", "好的", "好的谢谢",
       "go ahead", "sounds good", "of course", "please", "no problem", "yesss", "yess", "okk", "k", "alright",
       "sure, but how long will it take?", "yes, and where is my refund?", "well yes", "oh ok then", "I think so",
       "why not", "definitely", "sure thing", "\U0001f44d", "that works for me", "i dont mind", "perfect",
       "fine by me", "definitely, go ahead", "yes cancel it", "ok thanks"]


@pytest.mark.parametrize("answer", YES, ids=YES)
def test_read_yes_no_yes(answer):
    assert read_yes_no(answer) is True


NO = ["no", "No.", "NO!", "nope", "no thanks", "no thank you", "not now", "i would prefer not", "I'd rather not", "nah",
      "never mind", "nevermind", "nein", "non", "不", "不用了谢谢", "please no", "please don't", "not really", "nooo",
      "no, I want a refund", "of course not", "i dont think so", "not today", "n", "not ok", "no need",
      "\U0001f44e"]


@pytest.mark.parametrize("answer", NO, ids=NO)
def test_read_yes_no_no(answer):
    assert read_yes_no(answer) is False


NEITHER = ["", "   ", "is it free?", "what do you mean?", "not sure", "maybe", "i dont know", "Thanks", "hmm",
           "where is my refund?", "can you do it tomorrow?", "the shoes", "too", "off", "than", "what?",
           "I want to return the socks from order 114-3941689-8772232 and yes the shoes too", "refund please",
           "is that a yes?", "noon", "yesterday", "nobody told me", "great thanks, bye", "great, thanks"]


@pytest.mark.parametrize("answer", NEITHER, ids=[repr(a) for a in NEITHER])
def test_read_yes_no_none(answer):
    assert read_yes_no(answer) is None


# ---------------------------------------------------------------------------------------------------
# Plain words are not typos; earlier readers; speed

PLAIN = [("show", R.NOT_AS_DESCRIBED), ("shirt", R.TOO_SMALL), ("sort", R.TOO_SMALL), ("satin", R.DAMAGED),
         ("lose", R.TOO_LARGE), ("wide", R.TOO_LARGE), ("though", R.NOT_AS_DESCRIBED), ("star", R.DAMAGED)]


@pytest.mark.parametrize("word,near", PLAIN, ids=[w for w, _ in PLAIN])
def test_plain_words_are_not_bent_onto_a_lexicon_word(word, near):
    if word == "wide":  # a lexicon word itself: "wife" is the plain word one slip away
        word = "wife"
    assert read_reason(f"the {word}").reason != near


CLOSE = [("smal", "small", True), ("sokcs", "socks", True), ("chnaged", "changed", True), ("refnd", "refund", True),
         ("exchnage", "exchange", True), ("reimbursment", "reimbursement", True), ("shirt", "short", False),
         ("wife", "wide", False), ("light", "tight", False), ("ab", "ba", False), ("xsmall", "small", False)]


@pytest.mark.parametrize("token,word,expected", CLOSE, ids=[f"{t}~{w}" for t, w, _ in CLOSE])
def test_close_is_one_usual_typo(token, word, expected):
    assert choices._close(token, word) is expected


def test_earlier_readers_keep_their_signatures():
    assert choices.parse_reason("they're too tight") == R.TOO_SMALL
    assert choices.parse_reason("other") == R.OTHER
    assert choices.parse_reason("meh") is None
    assert choices.parse_resolution("money back", ALL) == S.REFUND
    assert choices.parse_resolution("exchange", (S.REFUND,)) is None
    assert choices.parse_line("the second one", (SHOES, SOCKS)) == SOCKS
    assert choices.parse_line("L1", (SHOES, SOCKS)) == SHOES
    assert choices.parse_line("both", (SHOES, SOCKS)) is None


def test_readers_are_fast():
    """Well under a millisecond a call, typos (the slow path) included."""
    lines = ORDERS["shoes+socks+jeans"]
    calls = ([(read_reason, (a,)) for a, _ in REASONS] + [(reason_in, (t,)) for t, _ in REASON_IN]
             + [(read_resolution, (a, ALL)) for a, _, _ in RESOLUTIONS]
             + [(read_lines, (a, lines)) for a, _, _ in LINES] + [(mentioned_lines, (t, lines)) for t, _, _ in MENTIONED]
             + [(read_quantity, (a, 3)) for a, _, _ in QUANTITIES] + [(quantity_in, (t, 3)) for t, _, _ in QUANTITY_IN]
             + [(read_yes_no, (a,)) for a in YES + NO + NEITHER])
    salted = [(f, (args[0] + " zqx" + str(i),) + args[1:]) for i, (f, args) in enumerate(calls)]  # no cache hits
    start = time.perf_counter()
    for f, args in salted:
        f(*args)
    per_call = (time.perf_counter() - start) / len(salted)
    assert per_call < 0.001, f"{per_call * 1e6:.0f} us a call"


def test_quantity_of_is_the_count_before_that_items_name():
    from bot.choices import quantity_of

    shoes, socks = ORDERS["shoes+socks"]
    three_socks = type(socks)(**{**socks.__dict__, "quantity": 3})
    lines = (shoes, three_socks)
    assert quantity_of("return the shoes and 2 of the socks", three_socks, lines) == 2
    assert quantity_of("return the shoes and two pairs of socks", three_socks, lines) == 2
    assert quantity_of("return 2 of the shoes and the socks", three_socks, lines) is None
    assert quantity_of("return the shoes and the socks from #3007", three_socks, lines) is None



def test_a_part_of_the_item_in_hand_names_no_other_item():
    from tests.builders import line

    keyboard = line(line_id="L1", title="Mechanical keyboard", category="electronics")
    key = line(line_id="L2", title="Photo editor licence key", category="digital")
    lines = (keyboard, key)
    assert mentioned_lines("the keys are too loud for my shared office", lines) == ()  # the keyboard's keys
    assert mentioned_lines("the licence key is wrong", lines) == (key,)
