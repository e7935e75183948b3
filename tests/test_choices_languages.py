"""Typed answers in German, French, Spanish, Italian and Chinese (issue 15): the readers of
`bot.choices` and the dialogue's word tables understand every served language as natives type it,
with typos, without accents, with questions; negations and look-alike words are not misread; English
reads as it always did (tests/test_choices.py, and an English corpus check in the last test)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bot import answer_words, choices, language
from bot.conversation import manager, policy_answers, reading
from bot.language import LANGUAGES
from bot.choices import mentioned_lines, read_lines
from bot.models import OrderLine, Resolution, ReturnReason

R = ReturnReason
BOOTS = OrderLine("L1", "SKU-A", "Leather Chelsea boots", "shoes", 1, Decimal("89"))
SOCKS = OrderLine("L2", "SKU-B", "Running socks (3 pack)", "socks", 2, Decimal("12"))
SCARF = OrderLine("L3", "SKU-C", "Wool scarf", "accessories", 1, Decimal("25"))
TWO, THREE = (BOOTS, SOCKS), (BOOTS, SOCKS, SCARF)
EVERY = list(Resolution)


def test_every_served_language_has_every_table():
    served = set(LANGUAGES) - {"en"}
    assert set(answer_words.BY_LANGUAGE) == served
    first = answer_words.BY_LANGUAGE["de"]
    tables = {name for name in vars(first) if name.isupper()}
    for lang, module in answer_words.BY_LANGUAGE.items():
        assert {name for name in vars(module) if name.isupper()} == tables, lang
        assert {v for v, _ in module.REASONS} - {None} == {r.value for r in R} - {"other"} | {"other"}, lang
        assert {v for v, _ in module.RESOLUTIONS} - {None} <= {r.value for r in Resolution}, lang


# -- reasons -------------------------------------------------------------------------------------
@pytest.mark.parametrize("answer, reason", [
    # German
    ("zu klein", R.TOO_SMALL), ("die sind mir leider zu klein", R.TOO_SMALL), ("zu eng", R.TOO_SMALL),
    ("kommt nicht rein", R.TOO_SMALL), ("zu kleinn", R.TOO_SMALL), ("sind zu klein geraten", R.TOO_SMALL), ("is kaputt", R.DAMAGED),
    ("geht nich", R.DAMAGED), ("hab mich vertan", R.CHANGED_MIND), ("trop ptit", R.TOO_SMALL),
    ("muy chico", R.TOO_SMALL), ("esta roto", R.DAMAGED), ("troppo stretta", R.TOO_SMALL), ("有破损", R.DAMAGED),
    ("尺码偏小", R.TOO_SMALL), ("der Akku ist tot", R.DAMAGED), ("zu groß", R.TOO_LARGE),
    ("viel zu gross", R.TOO_LARGE), ("die Hose ist zu lang", R.TOO_LARGE), ("kaputt angekommen", R.DAMAGED),
    ("kaput", R.DAMAGED), ("war beschädigt", R.DAMAGED), ("beschadigt", R.DAMAGED), ("Naht ist aufgerissen", R.DAMAGED),
    ("funktioniert nicht", R.DAMAGED), ("der Bildschirm hat einen Riss", R.DAMAGED),
    ("falsche Größe geliefert", R.WRONG_ITEM), ("die falsche Farbe", R.WRONG_ITEM),
    ("nicht wie auf dem Bild", R.NOT_AS_DESCRIBED), ("billig verarbeitet", R.NOT_AS_DESCRIBED),
    ("gefällt mir nicht", R.CHANGED_MIND), ("hab es mir anders überlegt", R.CHANGED_MIND),
    ("doppelt bestellt", R.CHANGED_MIND), ("brauche ich nicht mehr", R.CHANGED_MIND),
    # French
    ("trop petit", R.TOO_SMALL), ("c'est trop petit pour moi", R.TOO_SMALL), ("trop serré", R.TOO_SMALL),
    ("trop serre", R.TOO_SMALL), ("tropp petit", R.TOO_SMALL), ("trop grand", R.TOO_LARGE), ("trop large", R.TOO_LARGE),
    ("arrivé cassé", R.DAMAGED), ("arrive casse", R.DAMAGED), ("l'écran est fissuré", R.DAMAGED),
    ("ne fonctionne pas", R.DAMAGED), ("pas le bon article", R.WRONG_ITEM),
    ("on m'a envoyé la mauvaise taille", R.WRONG_ITEM), ("pas conforme à la photo", R.NOT_AS_DESCRIBED),
    ("ça ne me plaît pas", R.CHANGED_MIND), ("j'ai changé d'avis", R.CHANGED_MIND), ("jai change davis", R.CHANGED_MIND),
    # Spanish
    ("me queda pequeño", R.TOO_SMALL), ("me queda pequeno", R.TOO_SMALL), ("me aprieta", R.TOO_SMALL),
    ("me queda grande", R.TOO_LARGE), ("demasiado grande", R.TOO_LARGE), ("llegó roto", R.DAMAGED),
    ("llego roto", R.DAMAGED), ("no funciona", R.DAMAGED), ("me mandaron otro color", R.WRONG_ITEM),
    ("no es como en la foto", R.NOT_AS_DESCRIBED), ("ya no lo quiero", R.CHANGED_MIND),
    ("cambié de opinión", R.CHANGED_MIND), ("no es pequeño, es grande", R.TOO_LARGE),
    # Italian
    ("troppo piccolo", R.TOO_SMALL), ("mi sta stretto", R.TOO_SMALL), ("troppo grande", R.TOO_LARGE),
    ("mi sta largo", R.TOO_LARGE), ("è arrivato rotto", R.DAMAGED), ("e arrivato rotto", R.DAMAGED),
    ("non funziona", R.DAMAGED), ("colore sbagliato", R.WRONG_ITEM), ("non è come nella foto", R.NOT_AS_DESCRIBED),
    ("ho cambiato idea", R.CHANGED_MIND), ("non mi piace", R.CHANGED_MIND),
    # Chinese
    ("太小了", R.TOO_SMALL), ("有点小", R.TOO_SMALL), ("穿不下", R.TOO_SMALL), ("太大了", R.TOO_LARGE),
    ("偏大", R.TOO_LARGE), ("坏了", R.DAMAGED), ("屏幕碎了", R.DAMAGED), ("质量问题", R.DAMAGED),
    ("发错货了", R.WRONG_ITEM), ("颜色发错了", R.WRONG_ITEM), ("和图片不一样", R.NOT_AS_DESCRIBED),
    ("不喜欢", R.CHANGED_MIND), ("不想要了", R.CHANGED_MIND), ("拍错了", R.CHANGED_MIND),
    ("不是太小，是太大", R.TOO_LARGE),
    # negations and turns
    ("nicht zu klein, sondern zu groß", R.TOO_LARGE), ("nicht kaputt, nur zu klein", R.TOO_SMALL),
    ("nicht zu klein, aber kaputt", R.DAMAGED), ("pas cassé, juste trop petit", R.TOO_SMALL),
    ("no está roto, pero me queda pequeño", R.TOO_SMALL), ("non è rotto, ma è troppo piccolo", R.TOO_SMALL),
    ("没有坏，就是太小了", R.TOO_SMALL),
    ("sind leider ne Nummer zu gross", R.TOO_LARGE), ("ne Nummer zu klein", R.TOO_SMALL),  # "ne" is "eine", no Italian "né"
    # shoe sizes: numero, número, pointure
    ("vorrei cambiarle con un numero in più", R.TOO_SMALL), ("un numero in meno", R.TOO_LARGE),
    ("quiero un número más", R.TOO_SMALL), ("un número menos", R.TOO_LARGE),
    ("il me faut une pointure au dessus", R.TOO_SMALL), ("une pointure en dessous", R.TOO_LARGE),
    # other, confidently
    ("anderer Grund", R.OTHER), ("autre raison", R.OTHER), ("otro motivo", R.OTHER), ("altro motivo", R.OTHER),
    ("其他原因", R.OTHER), ("zu spät geliefert", R.OTHER),
])
def test_reasons_typed_in_every_language(answer, reason):
    reading_ = choices.read_reason(answer)
    assert (reading_.reason, reading_.confident) == (reason, True)
    assert reading_.words == answer


@pytest.mark.parametrize("answer, not_this", [
    ("nicht zu klein", R.TOO_SMALL), ("ce n'est pas trop petit", R.TOO_SMALL), ("no es pequeño", R.TOO_SMALL),
    ("non è rotto", R.DAMAGED), ("不是太小", R.TOO_SMALL), ("没有坏", R.DAMAGED), ("nicht kaputt", R.DAMAGED),
    ("die Schuhe", R.DAMAGED), ("ich finde die Farbe schön", R.DAMAGED), ("passt nicht", R.TOO_SMALL),
    ("kann ich die Schuhe gegen eine andere Größe umtauschen?", R.TOO_LARGE),
])
def test_negated_and_look_alike_words_are_not_a_reason(answer, not_this):
    assert choices.read_reason(answer).reason is not not_this
    assert choices.reason_in(answer) is not not_this


def test_the_german_article_is_no_english_die_and_english_keeps_it():
    assert choices.reason_in("ich möchte die Schuhe zurückgeben") is None
    assert choices.reason_in("die Hose ist zu eng") is R.TOO_SMALL
    for english in ("the battery will die", "it started to die randomly", "dies after an hour"):
        assert choices.read_reason(english).reason is R.DAMAGED, english
    assert choices.read_reason("my hat has a hole").reason is R.DAMAGED


def test_questions_volunteer_no_reason():
    for question in ("wie lange habe ich Zeit, wenn es zu klein ist?", "退款要多久", "combien de temps si c'est trop petit ?"):
        assert choices.reason_in(question) is None, question


# -- resolutions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("answer, resolution", [
    ("Geld zurück bitte", Resolution.REFUND), ("Geld zuruck", Resolution.REFUND), ("Geld zurueck", Resolution.REFUND),
    ("Erstattung", Resolution.REFUND), ("Rückerstattung bitte", Resolution.REFUND), ("zurück aufs Konto", Resolution.REFUND),
    ("umtauschen gegen L", Resolution.EXCHANGE), ("Umtausch in Größe 42", Resolution.EXCHANGE),
    ("lieber einen Gutschein", Resolution.STORE_CREDIT), ("kein Gutschein, Geld zurück", Resolution.REFUND),
    ("kann ich umtauschen?", Resolution.EXCHANGE), ("Umtausch statt Geld zurück", Resolution.EXCHANGE),
    ("remboursement", Resolution.REFUND), ("remboursment svp", Resolution.REFUND),
    ("je veux être remboursé", Resolution.REFUND), ("un échange en M", Resolution.EXCHANGE),
    ("echange", Resolution.EXCHANGE), ("un avoir", Resolution.STORE_CREDIT), ("bon d'achat", Resolution.STORE_CREDIT),
    ("je voudrais avoir un remboursement", Resolution.REFUND), ("pas d'avoir, un remboursement", Resolution.REFUND),
    ("reembolso", Resolution.REFUND), ("quiero mi dinero", Resolution.REFUND),
    ("cambio por una talla más", Resolution.EXCHANGE), ("cambiarlo por otro color", Resolution.EXCHANGE),
    ("un vale de compra", Resolution.STORE_CREDIT), ("no quiero vale, quiero el dinero", Resolution.REFUND),
    ("¿puedo cambiarlo?", Resolution.EXCHANGE),
    ("rimborso", Resolution.REFUND), ("voglio i soldi indietro", Resolution.REFUND),
    ("cambio con la taglia M", Resolution.EXCHANGE), ("preferisco il cambio", Resolution.EXCHANGE),
    ("un buono", Resolution.STORE_CREDIT),
    ("退款", Resolution.REFUND), ("我要退款", Resolution.REFUND), ("退钱", Resolution.REFUND),
    ("换货", Resolution.EXCHANGE), ("换大一码", Resolution.EXCHANGE), ("积分", Resolution.STORE_CREDIT),
    ("不要退款，换货", Resolution.EXCHANGE), ("可以换吗", Resolution.EXCHANGE),
    ("ja, refund please", Resolution.REFUND), ("ne nummer größer bitte", Resolution.EXCHANGE),
    ("je préfère un avoir", Resolution.STORE_CREDIT), ("devuélvanme la plata", Resolution.REFUND),
    ("cambio x otra talla", Resolution.EXCHANGE), ("换一个大码", Resolution.EXCHANGE), ("退款就行", Resolution.REFUND),
])
def test_resolutions_typed_in_every_language(answer, resolution):
    assert choices.read_resolution(answer, EVERY) is resolution


@pytest.mark.parametrize("answer", [
    "wie lange dauert die Erstattung?", "combien de temps pour le remboursement ?", "¿cuánto tarda el reembolso?",
    "quanto tempo per il rimborso?", "退款要多久", "Geld zurück oder Umtausch?", "vale",
])
def test_questions_and_two_choices_choose_nothing(answer):
    assert choices.read_resolution(answer, EVERY) is None


@pytest.mark.parametrize("answer, resolution", [
    ("lieber ne gutschrift als geld", Resolution.STORE_CREDIT), ("lieber Geld als einen Gutschein", Resolution.REFUND),
    ("plutôt un avoir que le remboursement", Resolution.STORE_CREDIT), ("mejor un vale que dinero", Resolution.STORE_CREDIT),
    ("meglio un buono che i soldi", Resolution.STORE_CREDIT), ("要积分不要退款", Resolution.STORE_CREDIT),
    ("prefiero que me devuelvan el dinero", Resolution.REFUND), ("je préfère qu'on me rembourse", Resolution.REFUND),
])
def test_a_preference_chooses_what_comes_before_than(answer, resolution):
    assert choices.read_resolution(answer, EVERY) == resolution


@pytest.mark.parametrize("answer", ["vale, gracias igualmente", "ok danke trotzdem", "d'accord, merci quand même",
                                    "ok grazie comunque", "好的，还是谢谢", "ok thanks anyway"])
def test_thanks_anyway_is_a_polite_no(answer):
    assert choices.read_yes_no(answer) is False


def test_asking_for_a_smaller_size_says_it_is_too_large():
    assert choices.read_reason("cambiarlo por una talla mas pequeña").reason == R.TOO_LARGE
    assert choices.read_reason("una talla más grande").reason == R.TOO_SMALL


def test_a_resolution_the_policy_does_not_offer_is_none():
    assert choices.read_resolution("Gutschein", [Resolution.REFUND, Resolution.EXCHANGE]) is None


# -- yes / no ------------------------------------------------------------------------------------
@pytest.mark.parametrize("answer, said", [
    ("jup", True), ("klaro", True), ("nee lass mal", False), ("ouai", True), ("nn", False), ("sip", True), ("nop", False),
    ("no no", False), ("嗯嗯", True), ("好滴", True), ("不用", False),
    ("ja", True), ("ja genau", True), ("jaa", True), ("genau", True), ("richtig", True), ("stimmt", True),
    ("passt", True), ("gerne", True), ("jo passt", True), ("nein", False), ("nee", False), ("nö", False),
    ("nein danke", False), ("stimmt nicht", False), ("nein, das andere", False), ("nicht wirklich", False),
    ("passt nicht", False), ("vielleicht", None), ("weiß nicht", None), ("weiss nicht", None),
    ("oui", True), ("ouais", True), ("d'accord", True), ("daccord", True), ("c'est ça", True), ("bien sûr", True),
    ("bien sur", True), ("non", False), ("non merci", False), ("pas du tout", False), ("peut-être", None),
    ("je sais pas", None), ("je ne sais pas", None),
    ("ça me va", True), ("ça me va pas", False), ("ça va pas", False), ("ça marche", True), ("ca marche pas", False),
    ("sí", True), ("si", True), ("claro", True), ("vale", True), ("de acuerdo", True), ("no", False),
    ("no gracias", False), ("para nada", False), ("tal vez", None), ("no sé", None),
    ("sì", True), ("certo", True), ("va bene", True), ("esatto", True), ("no grazie", False), ("per niente", False),
    ("forse", None), ("non so", None),
    ("是的", True), ("是", True), ("对", True), ("好的", True), ("可以", True), ("嗯", True), ("没问题", True),
    ("没错", True), ("好的谢谢", True), ("不", False), ("不是", False), ("不要了", False), ("不用了", False),
    ("算了", False), ("不确定", None), ("是的，第二个", True),
    # a yes/no word inside other words, or a sentence that only holds one
    ("我要退款", None), ("订单号是1157", None), ("早上好", None), ("nosotros lo devolvemos mañana", None),
    ("sitio web", None), ("nonna", None), ("je ne connais pas mon numéro de commande", None),
    ("da ist ein Loch drin", None), ("kann ich umtauschen?", None), ("merci", None), ("danke", None),
])
def test_yes_and_no_in_every_language(answer, said):
    assert choices.read_yes_no(answer) is said


@pytest.mark.parametrize("answer, said", [
    ("ya no hace falta", False), ("ya no lo necesito", False), ("ya no, gracias", False), ("ya no thanks", False),
    ("ya está bien así", True), ("ya", True), ("ya its #3019", True), ("ya sure", True), ("ja", True),
])
def test_spanish_ya_is_already_and_ya_no_no_longer(answer, said):
    """Spanish "ya" is "already", "now"; "ya no" is "no longer": only English's slang "ya" is a yes."""
    assert choices.read_yes_no(answer) is said


@pytest.mark.parametrize("answer, said", [("ya", None), ("ya, gracias", None), ("ya no", False), ("sí, ya", True)])
def test_in_a_spanish_conversation_ya_is_no_yes(answer, said):
    with language.conversing_in("es"):
        assert choices.read_yes_no(answer) is said
    with language.conversing_in("de"):
        assert choices.read_yes_no("ja") is True


# -- which item, how many ------------------------------------------------------------------------
@pytest.mark.parametrize("answer, lines, chosen", [
    ("das zweite", TWO, ["L2"]), ("den zweiten", TWO, ["L2"]), ("das erste", TWO, ["L1"]), ("die Schuhe", TWO, ["L1"]),
    ("die Stiefel", TWO, ["L1"]), ("die Socken", TWO, ["L2"]), ("beide", TWO, ["L1", "L2"]),
    ("nicht die Schuhe", TWO, ["L2"]), ("alle außer den Socken", THREE, ["L1", "L3"]), ("das letzte", THREE, ["L3"]),
    ("les deux", TWO, ["L1", "L2"]), ("le deuxième", TWO, ["L2"]), ("le deuxieme", TWO, ["L2"]),
    ("la première", TWO, ["L1"]), ("les chaussettes", TWO, ["L2"]), ("tous sauf les chaussettes", THREE, ["L1", "L3"]),
    ("los dos", TWO, ["L1", "L2"]), ("el segundo", TWO, ["L2"]), ("los calcetines", TWO, ["L2"]), ("las botas", TWO, ["L1"]),
    ("entrambi", TWO, ["L1", "L2"]), ("il secondo", TWO, ["L2"]), ("i calzini", TWO, ["L2"]), ("le scarpe", TWO, ["L1"]),
    ("beides", TWO, ["L1", "L2"]), ("nur die socken", TWO, ["L2"]), ("les 2", TWO, ["L1", "L2"]), ("le 2eme", TWO, ["L2"]),
    ("los 2", TWO, ["L1", "L2"]), ("el 2do", TWO, ["L2"]), ("tutti e 2", TWO, ["L1", "L2"]), ("il 2°", TWO, ["L2"]),
    ("就第二个", TWO, ["L2"]), ("只要袜子", TWO, ["L2"]), ("都要退", TWO, ["L1", "L2"]),
    ("两个都退", TWO, ["L1", "L2"]), ("第二个", TWO, ["L2"]), ("第一个", TWO, ["L1"]), ("袜子", TWO, ["L2"]),
    ("那双鞋", TWO, ["L1"]), ("最后一个", THREE, ["L3"]), ("zwei", TWO, ["L2"]),
    ("beide", THREE, None), ("pas du tout", TWO, None), ("tout à fait", TWO, None), ("llegó todo roto", TWO, None),
    ("两件", TWO, None),
])
def test_items_named_in_every_language(answer, lines, chosen):
    found = choices.read_lines(answer, lines)
    assert (None if found is None else [line.line_id for line in found]) == chosen


def test_items_mentioned_in_a_sentence():
    assert [l.line_id for l in choices.mentioned_lines("ich möchte die Socken zurückschicken", THREE)] == ["L2"]
    assert [l.line_id for l in choices.mentioned_lines("je voudrais renvoyer les chaussettes", THREE)] == ["L2"]
    assert [l.line_id for l in choices.mentioned_lines("我想退袜子", THREE)] == ["L2"]
    assert choices.mentioned_lines("I'm gonna return it", THREE) == ()


@pytest.mark.parametrize("answer, count", [
    ("beide", 2), ("zwei", 2), ("nur eins", 1), ("nur einen", 1), ("alle", 3), ("die Hälfte", None),
    ("les deux", 2), ("deux", 2), ("un seul", 1), ("tous", 3), ("la moitié", None),
    ("los dos", 2), ("dos", 2), ("solo uno", 1), ("todos", 3), ("la mitad", None),
    ("entrambi", 2), ("due", 2), ("tutti e due", 2), ("tutti", 3), ("metà", None),
    ("两个都退", 2), ("两个", 2), ("一个", 1), ("只退一个", 1), ("都退", 3), ("一半", None),
    ("when's my delivery due", None), ("juste un", 1), ("nur eine", 1), ("les 2", 2), ("两双", 2), ("就一个", 1),
    ("vorrei fare un reso per la taglia", None),
])
def test_quantities_in_every_language(answer, count):
    assert choices.read_quantity(answer, 3) == count


def test_both_inside_a_sentence():
    assert choices.quantity_in("ich schicke beide zurück", 2) == 2
    assert choices.quantity_in("je renvoie les deux", 2) == 2
    assert choices.quantity_in("两个都退", 2) == 2


# -- the dialogue's word tables ------------------------------------------------------------------
@pytest.mark.parametrize("words, asks", [
    ("wie lange dauert das?", True), ("wie lange dauert die erstattung", True), ("kann ich umtauschen", True),
    ("zu klein", False), ("combien de temps ça prend", True), ("puis-je échanger", True), ("trop petit", False),
    ("¿cuándo llega mi reembolso", True), ("cuándo llega el dinero", True), ("me queda pequeño", False),
    ("quanto tempo ci vuole", True), ("troppo piccolo", False), ("perché è troppo piccolo", False),
    ("退款要多久", True), ("可以退款吗", True), ("太小了", False), ("hallo, wo ist mein paket", True),
])
def test_questions_in_every_language(words, asks):
    assert reading.is_question(words) is asks


def test_bot_challenges_already_sent_and_still_in_time():
    for words in ("bist du ein bot?", "es-tu un robot ?", "eres un bot?", "sei un bot?", "你是机器人吗"):
        assert reading.asks_if_bot(words), words
    for words in ("ich habe es schon zurückgeschickt", "je l'ai déjà renvoyé", "ya lo he devuelto",
                  "l'ho già spedito", "已经寄回了"):
        assert reading.already_sent(words), words
    for words in ("kann ich es noch zurückgeben?", "je peux encore le retourner ?", "todavía puedo devolverlo?",
                  "posso ancora restituirlo?", "还能退吗"):
        assert reading.asks_window(words), words
    assert not reading.already_sent("je veux le renvoyer")


def test_the_cancel_words_in_every_language():
    assert manager._CANCEL_VERB.search("bitte stornieren") and manager._CANCEL_VERB.search("我要取消")
    assert manager._KEEP_ALL.search("nein, alles behalten") and manager._KEEP_ALL.search("不取消")
    assert not manager._CANCEL_VERB.search(manager._cancel_words("不取消"))
    assert manager._EVERYTHING.search("alles stornieren") and not manager._EVERYTHING.search("tout à fait")
    assert manager._QUESTION_LEAD.match("kann ich umtauschen") and manager._QUESTION_LEAD.match("可以换货吗")
    assert not manager._CANCEL_VERB.search("i want to annul my order")  # English as before


@pytest.mark.parametrize("question, topic", [
    ("wie lange habe ich Zeit für eine Rücksendung?", "window"), ("wer zahlt den Rückversand?", "shipping_cost"),
    ("ist die Rücksendung kostenlos?", "shipping_cost"), ("wie lange dauert eine Erstattung?", "refund_timing"),
    ("qui paie les frais de retour ?", "shipping_cost"), ("combien de temps prend un remboursement ?", "refund_timing"),
    ("¿cuánto tiempo tengo para devolver algo?", "window"), ("¿quién paga el envío de la devolución?", "shipping_cost"),
    ("quanto tempo ho per il reso?", "window"), ("chi paga la spedizione del reso?", "shipping_cost"),
    ("退款要多久？", "refund_timing"), ("退货运费谁出？", "shipping_cost"), ("退货政策是什么？", "general"),
    ("wie lange hab ich noch zeit was zurückzugeben?", "window"), ("wieviele tage hat man für die rückgabe", "window"),
    ("bis wann muss das paket weg wenn ich den rücksendeschein habe?", "ship_back"),
    ("je dispose de combien de temps pour rendre un article ?", "window"),
    ("combien de jours pour être remboursée ?", "refund_timing"),
    ("une fois l'étiquette imprimée, j'ai combien de temps ?", "ship_back"),
    ("cuántos días tengo para llevar el paquete a correos?", "ship_back"),
    ("in quanti giorni arriva il rimborso?", "refund_timing"),
    ("wie lange dauert es denn bis das geld zurück ist?", "refund_timing"),
    ("wie lang dauerts bis ich mein geld hab", "refund_timing"), ("wie lang dauert's bis die erstattung da ist?", "refund_timing"),
    ("wie lang hab ich zeit für die rückgabe?", "window"),
    ("après combien de jours je serai remboursee ?", "refund_timing"), ("quanto ci mette ad arrivare il rimborso?", "refund_timing"),
])
def test_policy_questions_in_every_language(question, topic):
    from bot.conversation import policy_answers

    words = question.lower()
    assert policy_answers.sounds_like_policy_question(words) and policy_answers.topics_in(words) == [topic]


def test_answers_are_no_policy_questions():
    from bot.conversation import policy_answers

    for words in ("zu klein", "geld zurück bitte", "remboursement", "退款", "the frist one",
                  "what are the conditions for returning an item"):
        assert not policy_answers.sounds_like_policy_question(words), words


def test_tot_is_dead_in_german_and_a_child_in_english():
    assert choices.read_reason("der Akku ist nach zwei Tagen tot").reason is R.DAMAGED
    assert not choices.read_reason("my tot loves it").confident
    assert not choices.read_reason("return my tote bag").confident


def test_not_received_and_a_lost_order_number_in_every_language():
    for words in ("das paket ist nie angekommen", "als zugestellt markiert, aber nicht da", "je n'ai jamais reçu le colis",
                  "no me ha llegado", "non mi è mai arrivato", "显示签收了但是没收到",
                  "le site affiche livré mais on a rien reçu", "non ho ricevuto nulla", "il tracking segna consegnato ieri"):
        assert reading.not_received(words), words
    for words in ("ich finde die bestellnummer nicht", "je ne trouve pas mon numéro de commande",
                  "no tengo el número de pedido", "non trovo il numero d'ordine", "找不到订单号"):
        assert reading.lost_order_number(words), words
    assert not reading.not_received("zu klein") and not reading.lost_order_number("bestellnummer 1157")
    for words in ("j'ai perdu mon numéro de commande", "ho perso il numero d'ordine", "订单号丢了", "perdí el número de pedido"):
        assert not reading.not_received(words), words


@pytest.mark.parametrize("words, found", [
    ("oh wait found it", True), ("ah warte hab sie doch gefunden", True), ("je l'ai retrouvé", True),
    ("ya lo encontre", True), ("l'ho trovato", True), ("找到了", True),
    ("i haven't found it", False), ("hab sie nicht gefunden", False), ("je ne l'ai pas trouvé", False),
    ("no lo encuentro", False), ("non l'ho trovato", False), ("没找到", False), ("i can't find my order number", False),
])
def test_a_found_order_number_in_every_language(words, found):
    assert reading.found_order_number(words) is found


@pytest.mark.parametrize("text, goals", [
    ("Ich will die Schuhe zurückschicken und wo ist meine Erstattung für #1003?", ["return", "refund_status"]),
    ("je voudrais retourner le pull et où est ma commande #1004 ?", ["return", "track"]),
    ("quiero devolver la chaqueta y dónde está mi pedido #1004?", ["return", "track"]),
    ("vorrei restituire la giacca e dov'è il mio ordine #1004?", ["return", "track"]),
    ("我想退货，还有我的快递到哪了？", ["return", "track"]),
])
def test_two_requests_in_one_message_in_every_language(text, goals):
    requests = reading.requests_in(reading.Reading.of(text, "request_return", 0.9, []))
    assert [r.goal for r in requests] == goals


@pytest.mark.parametrize("text, goals", [
    ("dov'è la mia moka? ordine #4403. e se poi non mi piace entro quanto posso restituirla?", ["track", "policy"]),
    ("wo sind meine Wanderschuhe? Bestellung #4102", ["track"]), ("où est mon manteau ? commande #4301", ["track"]),
    ("¿dónde están mis zapatillas? pedido #4201", ["track"]),
    ("wo ist mein Geld? #4102", ["refund_status"]), ("dov'è il mio rimborso? #4403", ["refund_status"]),
    ("where is my order #4403? and how long do I have to return it?", ["track", "policy"]),
])
def test_where_is_my_thing_and_a_question_without_a_question_word(text, goals):
    """Any possessed thing is tracked, as in English; a clause ended by "?" is a question whatever its
    first word ("e se poi ..., entro quanto ...?")."""
    requests = reading.requests_in(reading.Reading.of(text, "ask_policy", 0.9, []))
    assert [r.goal for r in requests] == goals
    assert all("?" not in r.words for r in requests)


def test_a_policy_question_keeps_the_condition_said_before_it():
    """"et s'ils ne plaisent pas, combien de temps ?" asks the return window, not the days to ship back."""
    text = "Où est ma commande #4203 ? Et si les bols ne me plaisent pas, j'ai combien de temps pour les renvoyer ?"
    question = reading.requests_in(reading.Reading.of(text, "track_order", 0.9, []))[-1]
    assert question.goal == reading.POLICY and policy_answers.topics_in(question.words) == ["window"]


def test_the_clauses_keep_their_question_marks():
    assert reading._clauses("where is it? and the jeans. how long?") == [
        ("where is it", True), ("and the jeans", False), ("how long", True), ("", True)]


def test_a_chinese_word_holding_an_item_word_names_no_item():
    bag = OrderLine("L9", "SKU-BAG", "Leather crossbody bag", "bags", 1, Decimal("120"))
    assert choices.mentioned_lines("我的包裹到哪了", (bag, SCARF)) == ()
    assert choices.read_lines("那个包", (bag, SCARF)) == (bag,)


# -- Chinese as customers type it: a reason told as a comparison, a garment by its Chinese name, English
#    words mixed into a Chinese sentence

@pytest.mark.parametrize("text, reason", [
    ("颜色跟图片上完全不一样", R.NOT_AS_DESCRIBED),  # "different" (不一样) alone, as English's "different"
    ("我买的是跑鞋，收到的是一双拖鞋", R.WRONG_ITEM),  # "what I received is ..." weakly: a wrong item
    ("收到的是坏的", R.DAMAGED),  # ... and any real reason after it wins
    ("收到的是M码，偏小", R.TOO_SMALL),
])
def test_chinese_reasons_told_as_a_comparison(text, reason):
    assert choices.read_reason(text).reason is reason and choices.reason_in(text) is reason


def test_a_chinese_garment_name_names_the_english_title():
    down = OrderLine("L7", "JKT-DOWN", "Down jacket", "apparel", 1, Decimal("159"))
    gloves = OrderLine("L8", "GLOVE-THERM", "Thermal gloves", "accessories", 1, Decimal("25"))
    assert mentioned_lines("你好，我想退订单#4501里的羽绒服", (down, gloves)) == (down,)
    assert read_lines("羽绒服", (down, gloves)) == (down,)


@pytest.mark.parametrize("text", ["您好，订单#4501有一件要退", "hi，订单#4501的down jacket想return，size不对"])
def test_a_return_said_in_chinese_or_mixed_with_english(text):
    assert reading.goals_in(text.lower()) == ["return"]


def test_not_returning_is_no_return():
    assert reading.goals_in("我不要退款，换一个") == []


# -- Items named as customers of the other languages name them: compounds, several English words, numbers

JACKET = OrderLine("L4", "SKU-D", "Softshell jacket", "outerwear", 1, Decimal("90"))
MERINO = OrderLine("L5", "SKU-E", "Merino wool socks", "socks", 1, Decimal("12"))
HIKING = OrderLine("L6", "SKU-F", "Hiking boots", "shoes", 1, Decimal("80"))


@pytest.mark.parametrize("text, titles", [
    ("Hallo, ich möchte die Softshelljacke aus meiner Bestellung #4101 zurückschicken", ["Softshell jacket"]),
    ("die Merinosocken bitte", ["Merino wool socks"]),
    ("die Jacke", ["Softshell jacket"]),
    ("nicht die Socken, die Stiefel", ["Hiking boots"]),
    ("die ist leider zu klein", []),
])
def test_a_compound_names_the_line_by_its_tail_and_head(text, titles):
    assert [line.title for line in mentioned_lines(text, [JACKET, MERINO, HIKING])] == titles


@pytest.mark.parametrize("text, position", [
    ("el número dos", 2), ("la numero due", 2), ("Nummer zwei", 2), ("numéro trois svp", 3),
    ("die erste", 1), ("le deuxième", 2), ("第二个", 2), ("最后一个", 3),
])
def test_a_position_typed_in_words(text, position):
    assert read_lines(text, [JACKET, MERINO, HIKING]) == ([JACKET, MERINO, HIKING][position - 1],)


# -- Typed answers of the corpus's failure classes: counts in a sentence, reasons, store credit, item words

@pytest.mark.parametrize("text, count", [
    ("Ich hab 2 Pullover bestellt (#4107) und möchte einen davon zurückschicken", 1),
    ("ich schicke nur einen zurück", 1), ("je veux en renvoyer un seul", 1), ("je renvoie juste un", 1),
    ("quiero devolver uno de los dos", 1), ("devuelvo solo uno", 1), ("ne restituisco solo uno", 1),
    ("ne rendo uno dei due", 1), ("只退一件", 1), ("其中一件有问题", 1),
    ("Ich hab 2 Pullover bestellt", None), ("ich möchte die Pullover zurückschicken", None),
    ("ein Pullover ist zu weit", None),  # "ein" is an article: no count
])
def test_a_count_tied_to_the_items_in_a_longer_message(text, count):
    assert choices.quantity_in(text, 2) == count


@pytest.mark.parametrize("answer, reason", [
    ("el color no tiene nada que ver con el de la foto", R.NOT_AS_DESCRIBED),
    ("il colore è completamente diverso da quello nella foto", R.NOT_AS_DESCRIBED),
    ("la couleur n'a rien à voir avec la photo du site", R.NOT_AS_DESCRIBED),
    ("die Farbe passt nicht zum Foto", R.NOT_AS_DESCRIBED),
    ("il ne me sert à rien en fait", R.CHANGED_MIND), ("ça ne me sert plus", R.CHANGED_MIND),
])
def test_reasons_said_in_a_sentence_in_other_languages(answer, reason):
    assert choices.read_reason(answer).reason is reason and choices.read_reason(answer).confident


@pytest.mark.parametrize("answer", ["die jacke, in dem Paket war eine ganz andere drin",
                                    "mi è arrivato un articolo completamente diverso"])
def test_a_completely_different_item_is_no_description_gone_wrong(answer):
    assert choices.read_reason(answer).reason is not R.NOT_AS_DESCRIBED


@pytest.mark.parametrize("answer, resolution", [
    ("un avoir sur mon compte, ça me va", Resolution.STORE_CREDIT), ("du crédit sur mon compte client", Resolution.STORE_CREDIT),
    ("remboursement sur mon compte", Resolution.REFUND),  # the bank account: a refund still
])
def test_store_credit_on_the_customers_account(answer, resolution):
    assert choices.read_resolution(answer, EVERY) is resolution


SANDALS = OrderLine("L7", "SKU-G", "Leather sandals", "shoes", 1, Decimal("65"))
HAT = OrderLine("L8", "SKU-H", "Straw hat", "accessories", 1, Decimal("30"))
DOWN = OrderLine("L9", "SKU-I", "Down jacket", "apparel", 1, Decimal("159"))
GLOVES = OrderLine("L10", "SKU-J", "Thermal gloves", "accessories", 1, Decimal("25"))


@pytest.mark.parametrize("text, lines, titles", [
    ("Hola, quiero devolver las sandalias de mi pedido #4301", (SANDALS, HAT), ["Leather sandals"]),
    ("je renvoie les sandales", (SANDALS, HAT), ["Leather sandals"]),
    ("我想退订单#4501的羽绒服", (DOWN, GLOVES), ["Down jacket"]),
    ("il piumino è troppo grande", (DOWN, GLOVES), ["Down jacket"]),
])
def test_sandals_and_down_jackets_in_other_languages(text, lines, titles):
    assert [line.title for line in mentioned_lines(text, lines)] == titles


def test_an_items_name_written_out_is_no_reason():
    tote = OrderLine("L11", "SKU-K", "Canvas tote bag", "accessories", 1, Decimal("25"))
    ripped = OrderLine("L12", "SKU-L", "Ripped jeans", "apparel", 1, Decimal("60"))
    assert choices.reason_in(choices.without_titles("le Canvas tote bag", [tote])) is None
    assert choices.reason_in(choices.without_titles("the ripped jeans please", [ripped])) is None
    assert choices.reason_in(choices.without_titles("the Ripped Jeans are too big", [ripped])) is R.TOO_LARGE
    assert choices.reason_in(choices.without_titles("the tote is torn", [tote])) is R.DAMAGED  # one word: read
    assert choices.reason_in(choices.without_titles("die Running socks", [SOCKS])) is None  # no English "die"


def test_a_spanish_devolucion_of_an_order_is_a_return_request():
    assert reading.goals_in("devolución del pedido #4301 porfa") == ["return"]
    assert reading.goals_in("devolución de las sandalias") == ["return"]
    assert reading.goals_in("devolución del dinero") == []


BEANIE = OrderLine("L13", "SKU-M", "Merino beanie", "accessories", 1, Decimal("29"))


@pytest.mark.parametrize("text, lines, titles", [
    ("ach nee, doch nicht die Jacke, ich meinte die Mütze", [JACKET, BEANIE], ["Merino beanie"]),  # not English's "jacke"
    ("ay no perdona, el sombrero no, las sandalias", [SANDALS, HAT], ["Leather sandals"]),  # a closing "no"
    ("il berretto no, la giacca", [JACKET, BEANIE], ["Softshell jacket"]), ("le bonnet non, la veste", [JACKET, BEANIE], ["Softshell jacket"]),
    ("哦不对，不是手套，是羽绒服", [DOWN, GLOVES], ["Down jacket"]),
    ("il berretto non mi piace", [JACKET, BEANIE], ["Merino beanie"]),  # "non" before its words: the beanie is named
    ("die Jacke passt nicht", [JACKET, BEANIE], ["Softshell jacket"]),  # German "nicht" at the end denies the verb
])
def test_an_item_corrected_in_another_language(text, lines, titles):
    assert [line.title for line in mentioned_lines(text, lines)] == titles


def test_doch_nicht_before_an_item_is_no_change_of_mind():
    assert not choices.read_reason("ach nee, doch nicht die Jacke, ich meinte die Mütze").confident
    assert choices.read_reason("ich will die Jacke doch nicht").reason is R.CHANGED_MIND


@pytest.mark.parametrize("text, goals", [
    ("Moment, wie war nochmal die Sendungsnummer?", ["track"]), ("au fait c'était quoi le numéro de suivi ?", ["track"]),
    ("por cierto, ¿cuál era el número de seguimiento?", ["track"]), ("qual era il numero di tracking?", ["track"]),
    ("快递单号是多少来着？", ["track"]), ("订单#4503到哪了？", ["track"]),
    ("devolución de las sandalias, pedido #4301", ["return"]), ("reso del cappotto, ordine #4401", ["return"]),
    ("hab keine bestellnummer, nur die sendungsnummer 1012345678901234", []),  # no question: a way to find the order
    ("j'ai seulement le numéro de suivi", []), ("el estado de la devolución del pedido #4301", ["return_status"]),
    ("wo steckt eigentlich mein paket 4103?", ["track"]), ("wo steckt denn meine Bestellung", ["track"]),
    ("wo steckt eigentlich mein paket 4103? und falls ich die tassen zurueckschick, wie lang dauerts bis ich mein geld hab",
     ["track", "policy"]),
])
def test_requests_in_the_words_of_every_language(text, goals):
    assert [r.goal for r in reading.requests_in(reading.Reading.of(text, "nlu_fallback", 0.3, []))] == goals


@pytest.mark.parametrize("question, topic", [
    ("und wie lange hätte ich zeit, die tassen zurückzuschicken, falls sie mir nicht gefallen?", "window"),
    ("et si les bols ne me plaisent pas, j'ai combien de temps pour les renvoyer ?", "window"),
    ("if i don't like them, how long do i have to send them back?", "window"),
    ("如果空气净化器不好用，多少天内可以退？", "window"),
    ("how long do i have to send it back?", "ship_back"),  # a return in hand: the days to ship it back
    ("if i don't get the label, how long do i have to send it back?", "ship_back"),
    ("si je n'ai pas l'étiquette, combien de temps pour les renvoyer ?", "ship_back"),
])
def test_if_i_dont_like_it_asks_the_window_not_the_days_to_ship_back(question, topic):
    from bot.conversation import policy_answers

    assert policy_answers.topics_in(question) == [topic]


@pytest.mark.parametrize("text, reason", [
    ("je veux rendre le tote bag de la commande #4201", None),  # English "tote", not German "tot"
    ("der Akku ist tot", ReturnReason.DAMAGED),
    ("das Handy ist leider tot", ReturnReason.DAMAGED),
])
def test_german_dead_is_said_of_the_item_not_found_in_tote(text, reason):
    assert choices.reason_in(text) == reason


@pytest.mark.parametrize("text", ["ok. en fait il me plait plus", "elles me plaisent plus", "j'aime plus la couleur"])
def test_french_no_longer_liked_without_ne_is_a_change_of_mind(text):
    assert choices.read_reason(text).reason is ReturnReason.CHANGED_MIND


def test_a_mutze_is_a_beanie_however_the_umlaut_is_typed():
    beanie = OrderLine("L7", "SKU-G", "Merino beanie", "accessories", 1, Decimal("29"))
    for text in ("die Mütze", "die muetze", "die mutze bitte"):
        assert choices.read_lines(text, (JACKET, beanie)) == (beanie,), text


def test_a_german_ding_is_a_thing_not_dying():
    assert choices.reason_in("das ding mit dem anderen ding halt") is None
    assert choices.read_reason("the battery is dyin").reason is R.DAMAGED


def test_a_three_letter_word_with_two_letters_swapped_is_no_typo_of_an_english_cue():
    """Italian "dei" (of the) is "die" swapped: "il reso dei pantaloni" made a damage replacement."""
    assert choices.reason_in("vorrei fare il reso dei pantaloni di lino, ordine 4406") is None
    assert choices.reason_in("my phone will die") is ReturnReason.DAMAGED


@pytest.mark.parametrize("question", ["fino a quando posso fare un reso?", "hasta cuándo puedo devolverlo?",
                                      "jusqu'à quand je peux retourner un article ?", "bis wann kann ich das zurückgeben?",
                                      "到什么时候能退？", "until when can I return it?"])
def test_until_when_asks_the_return_window(question):
    assert policy_answers.topics_in(question) == ["window"]
    assert policy_answers.sounds_like_policy_question(question)


def test_two_policy_questions_in_one_message_are_both_asked():
    class Said:
        words = "fino a quando posso fare un reso? e il rimborso in quanti giorni arriva"
    asked = reading.requests_in(Said)
    assert [q.goal for q in asked] == [reading.POLICY, reading.POLICY]
    assert [policy_answers.topics_in(q.words) for q in asked] == [["window"], ["refund_timing"]]


@pytest.mark.parametrize("text, reason", [
    ("trop courte meme au dernier trou", ReturnReason.TOO_SMALL),  # a belt's last hole is no hole in it
    ("il y a un trou dans le pull", ReturnReason.DAMAGED),
])
def test_a_belts_last_hole_is_its_length_not_damage(text, reason):
    assert choices.read_reason(text).reason is reason


# -- the third set written apart (tests/conversations/fresh_languages_3.yml) ------------------------
@pytest.mark.parametrize("text, reason", [
    ("schade. dann will ich wenigstens einen von den 2 pullovern zurueckschicken", ReturnReason.OTHER),  # a pity, no damage
    ("schade, ist leider kaputt", ReturnReason.DAMAGED), ("die naht hat einen schaden", ReturnReason.DAMAGED),
    ("me queda grandisima", ReturnReason.TOO_LARGE), ("son larguísimos", ReturnReason.TOO_LARGE),
    ("me queda anchísima", ReturnReason.TOO_LARGE), ("sono strettissimi", ReturnReason.TOO_SMALL),
    ("è piccolissimo", ReturnReason.TOO_SMALL), ("larghissimo in vita", ReturnReason.TOO_LARGE),
    ("llegaron con la tira despegada", ReturnReason.DAMAGED), ("se despegó la suela", ReturnReason.DAMAGED),
])
def test_a_pity_is_no_damage_and_superlatives_are_their_adjective(text, reason):
    """"schade" is one slip from "Schaden" but means "a pity"; Spanish -ísimo and Italian -issimo are the
    adjective they are made from (grandísima: grande), whatever the adjective."""
    assert choices.read_reason(text).reason is reason
    assert not choices.read_reason("muchísimas gracias").confident


@pytest.mark.parametrize("answer", [
    "je voudrais juste recevoir la bonne svp", "envoyez-moi la bonne taille", "ich will den richtigen",
    "mandadme el correcto", "quello giusto per favore", "发正确的给我", "just send me the right one",
    "the one I ordered please",
])
def test_the_right_one_instead_of_a_wrong_one_is_an_exchange(answer):
    assert choices.read_resolution(answer, EVERY) is Resolution.EXCHANGE


@pytest.mark.parametrize("description", [
    "j'ai reçu la bonne taille mais elle est abîmée", "c'est la bonne taille mais la couleur est moche",
    "it's the right size but the colour is off", "die Größe ist richtig, aber die Farbe nicht",
    "es la talla correcta pero", "la taglia è giusta ma il colore no", "尺码是正确的，但是颜色不对",
])
def test_the_right_one_said_of_what_came_is_a_description_not_a_choice(description):
    assert choices.read_resolution(description, EVERY) is None


def test_the_right_one_denied_and_a_voucher_are_no_exchange():
    assert choices.read_resolution("ce n'est pas la bonne taille", EVERY) is None
    assert choices.read_resolution("not the right size", EVERY) is None
    assert choices.read_resolution("le bon d'achat", EVERY) is Resolution.STORE_CREDIT


@pytest.mark.parametrize("words", [
    "komisch, die hab ich wirklich abgeschickt. kann das bitte jemand von euch pruefen?", "kann mir jemand helfen?",
    "ich möchte mit einem mitarbeiter sprechen", "quelqu'un peut vérifier ?", "je voudrais parler à un conseiller",
    "alguien puede revisarlo?", "alguien me puede ayudar", "qualcuno può controllare?", "mi passi un operatore",
    "找个人帮我查一下",
])
def test_a_person_asked_for_in_ones_own_words(words):
    assert reading.wants_person(reading.Reading.of(words, "cancel_order", 0.59, []))


def test_returns_and_questions_are_no_request_for_a_person():
    for words in ("ich will die jacke zurueckschicken", "je veux parler du remboursement", "kann ich die mütze zurückgeben?",
                  "alguien me regaló esto", "qualcuno l'ha rotto"):
        assert not reading.wants_person(reading.Reading.of(words, "request_return", 0.9, [])), words


@pytest.mark.parametrize("text, goals, topics", [
    ("oiga donde viene mi pedido 4303? y si no me gusta la bocina cuantos dias tengo para regresarla",
     ["track", reading.POLICY], [["window"]]),
    ("quiero devolver el juego de platos del 4305, y cuanto tardan en devolverme el dinero?",
     ["return", reading.POLICY], [["refund_timing"]]),
    ("bonjour, si je retourne un article c'est moi qui paye les frais de port ? et vous remboursez en combien de temps",
     [reading.POLICY, reading.POLICY], [["shipping_cost"], ["refund_timing"]]),
    ("wo steckt eigentlich mein paket 4103? und falls ich die tassen zurueckschick, wie lang dauerts bis ich mein geld hab",
     ["track", reading.POLICY], [["refund_timing"]]),
])
def test_a_supposed_dislike_asks_the_rules_and_refund_times_asked_in_passing(text, goals, topics):
    """"y si no me gusta, cuántos días tengo" asks the window with no question mark; "cuánto tardan en
    devolverme el dinero", "vous remboursez en combien de temps" ask the refund's timing."""
    requests = reading.requests_in(reading.Reading.of(text, "track_order", 0.9, []))
    assert [r.goal for r in requests] == goals
    assert [policy_answers.topics_in(r.words) for r in requests if r.goal == reading.POLICY] == topics


def test_kept_items_in_a_cancel_in_spanish_and_chinese_typed_with_spaces():
    """"los frascos sí los quiero", "电饭煲照常发" (ship it as usual) keep those items; Chinese typed with a
    space for a comma has its clauses there."""
    jars = OrderLine("L2", "JARS", "Glass jar set", "kitchen", 1, Decimal("29"))
    blender = OrderLine("L1", "BLEND", "Blender", "kitchen", 1, Decimal("99"))
    words = manager._cancel_words("quiero cancelar solo la licuadora, los frascos si los quiero")
    assert mentioned_lines(words, (blender, jars)) == (blender,)
    assert not manager._KEEP_ALL.search("los quiero cancelar")
    cooker = OrderLine("L1", "COOK", "Rice cooker", "kitchen", 1, Decimal("89"))
    tea = OrderLine("L2", "TEA", "Tea set", "homeware", 1, Decimal("59"))
    words = manager._cancel_words("订单4504里的茶具我不要了 电饭煲照常发")
    assert mentioned_lines(words, (cooker, tea)) == (tea,)
