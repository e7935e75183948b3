"""Whole conversations in German and Chinese (issue 15) on the dialogue manager in-process, as a
customer types them: the return with a typed reason and resolution, "ja" to the bot's offer, a
correction ("nein, nur die Yogamatte"). The NLU is given no help (a low-confidence fallback) where
the words themselves must be read, so what is tested is the dialogue's own reading."""
from __future__ import annotations

import pytest

from tests.test_conversation_manager import (ALICE_EMAIL, ALICE_ORDER, CHLOE_EMAIL, Chat, cancelled_units,  # noqa: F401
                                             chat, verified_alice)

GEORGE_ORDER, GEORGE_POSTCODE = "#2146", "OX1 2JD"  # processing: Yoga mat x2, E-reader 6-inch
UNSURE = {"intent": "nlu_fallback", "confidence": 0.3}


def typed(chat: Chat, text: str):
    return chat.say(text, **UNSURE)


def test_a_german_return_typed_from_start_to_end(chat):
    chat.say(f"Hallo, ich möchte etwas aus der Bestellung {ALICE_ORDER} zurückschicken", "request_return")
    assert chat.say(ALICE_EMAIL)[-1] == "utter_ask_line"
    assert typed(chat, "die Schuhe")[-1] == "utter_ask_return_reason"
    assert typed(chat, "sind leider zu klein")[-1] == "utter_ask_resolution"
    assert typed(chat, "Geld zurück bitte")[-1] == "utter_rma_issued"
    (rma,) = chat.rmas()
    assert (rma.line_id, rma.reason.value, rma.resolution.value) == ("L1", "too_small", "refund")
    assert chat.services.store.return_words_for(rma.rma_id) == "sind leider zu klein"



def test_german_items_by_ordinal_both_and_name(chat):
    verified_alice(chat)
    typed(chat, "das zweite")
    assert chat.state.task.line_ids == ("L2",)
    for answer in ("beide", "alle beide", "die Schuhe und die Socken"):
        other = verified_alice(Chat(chat.services, f"web:de-{answer}"))
        typed(other, answer)
        assert other.state.task.line_ids == ("L1", "L2"), answer


def test_a_german_cancel_is_corrected_then_confirmed_with_ja(chat, services):
    chat.say(f"bitte die Bestellung {GEORGE_ORDER} stornieren", "cancel_order")
    assert chat.say(GEORGE_POSTCODE)[-1] == "utter_confirm_cancel"
    assert typed(chat, "nein, nur den E-Reader")[-1] == "utter_confirm_cancel_items"
    assert chat.value("utter_confirm_cancel_items", "items") == "E-reader 6-inch"
    assert typed(chat, "ja genau")[0] == "utter_cancel_items_done"
    assert cancelled_units(services) == {"E-reader 6-inch": 1}


def test_a_german_nein_keeps_the_order(chat, services):
    chat.say("Bestellung #1003 stornieren bitte", "cancel_order")
    assert chat.say(CHLOE_EMAIL)[-1] == "utter_confirm_cancel"
    assert typed(chat, "nee, lieber doch nicht") == ["utter_cancel_kept"]
    assert services.store.get_order("#1003").status.value == "processing"


def test_ja_to_the_offered_person_in_german_french_spanish_italian_chinese(services):
    for i, yes in enumerate(("ja bitte", "oui volontiers", "sí, por favor", "sì grazie", "好的")):
        chat = Chat(services, f"web:yes-{i}")
        chat.say("i want to return order 12-34567-89012", "request_return")
        assert chat.say("SW1A 1AA")[-1] == "utter_not_eligible_window_closed"
        assert typed(chat, yes) == ["utter_handoff"], yes


def test_a_typed_question_chooses_an_exchange(chat):
    verified_alice(chat)
    typed(chat, "die Schuhe")
    typed(chat, "zu eng")
    typed(chat, "kann ich umtauschen?")
    assert chat.state.task is None or chat.state.task.resolution == "exchange"
    (rma,) = chat.rmas()
    assert (rma.reason.value, rma.resolution.value) == ("too_small", "exchange")


def test_a_chinese_return_typed_from_start_to_end(chat):
    chat.say(f"你好，我想退货，订单号{ALICE_ORDER}", "request_return")
    assert chat.say(ALICE_EMAIL)[-1] == "utter_ask_line"
    assert typed(chat, "第一个")[-1] == "utter_ask_return_reason"
    assert typed(chat, "鞋子太小了，穿不下")[-1] == "utter_ask_resolution"
    assert typed(chat, "退款吧")[-1] == "utter_rma_issued"
    (rma,) = chat.rmas()
    assert (rma.line_id, rma.reason.value, rma.resolution.value) == ("L1", "too_small", "refund")


def test_chinese_both_items_and_a_name(chat):
    verified_alice(chat)
    typed(chat, "两个都退")
    assert chat.state.task.line_ids == ("L1", "L2")
    other = verified_alice(Chat(chat.services, "web:zh-socks"))
    typed(other, "袜子")
    assert other.state.task.line_ids == ("L2",)


def test_a_chinese_cancel_confirmed_with_shi_de_and_one_declined_with_bu_yong_le(services):
    chat = Chat(services, "web:zh-cancel")
    chat.say("取消订单#1003", "cancel_order")
    assert chat.say(CHLOE_EMAIL)[-1] == "utter_confirm_cancel"
    assert typed(chat, "是的") == ["utter_cancel_done"]
    chat = Chat(services, "web:zh-keep")
    chat.say(f"取消订单{GEORGE_ORDER}", "cancel_order")
    chat.say(GEORGE_POSTCODE)
    assert typed(chat, "不用了，谢谢") == ["utter_cancel_kept"]


def test_a_chinese_correction_names_the_item_instead(chat, services):
    chat.say(f"取消订单{GEORGE_ORDER}", "cancel_order")
    assert chat.say(GEORGE_POSTCODE)[-1] == "utter_confirm_cancel"
    assert typed(chat, "不对，只取消瑜伽垫")[-1] == "utter_confirm_cancel_items"
    assert chat.value("utter_confirm_cancel_items", "items").startswith("Yoga mat")
    assert typed(chat, "对")[0] == "utter_cancel_items_done"


@pytest.mark.parametrize("line, reason, resolution", [
    ("la première", "trop petites", "remboursement svp"),
    ("el primero", "me quedan pequeñas", "prefiero el reembolso"),
    ("il primo", "troppo piccole", "rimborso grazie"),
])
def test_french_spanish_italian_returns_typed(chat, line, reason, resolution):
    verified_alice(chat)
    assert typed(chat, line)[-1] == "utter_ask_return_reason"
    assert typed(chat, reason)[-1] == "utter_ask_resolution"
    assert typed(chat, resolution)[-1] == "utter_rma_issued"
    (rma,) = chat.rmas()
    assert (rma.line_id, rma.reason.value, rma.resolution.value) == ("L1", "too_small", "refund")


@pytest.mark.parametrize("first, correction", [("die Schuhe", "nein, die Socken"), ("鞋子", "不对，是袜子"),
                                               ("les chaussures", "non, les chaussettes")])
def test_a_corrected_item_is_followed(chat, first, correction):
    verified_alice(chat)
    assert typed(chat, first)[-1] == "utter_ask_return_reason" and chat.state.task.line_ids == ("L1",)
    assert chat.say(correction, "deny", 0.6)[-1] == "utter_ask_return_reason"
    assert chat.state.task.line_ids == ("L2",)


# -- Typed answers the corpus found unread (issue 15): an item to "what would you like to do?", a count said
# in the first message, a reason typed at the quantity prompt

def _two_sweaters(services):
    from tests.builders import line, order
    from bot.models import Customer
    services.store.upsert_orders([order(
        line(line_id="L1", sku="SWT-WOOL-L", title="Wool sweater", category="apparel", quantity=2),
        line(line_id="L2", sku="SCF-WOOL", title="Wool scarf", category="accessories"),
        order_id="#4107", customer=Customer("stefan.braun@example.de", "Stefan Braun", "01067", "DE"))])


def test_an_item_named_to_what_would_you_like_to_do_starts_its_return(chat):
    chat.say(f"Bestellung {ALICE_ORDER}", **UNSURE)
    assert chat.say(ALICE_EMAIL)[-1] == "utter_what_to_do"
    assert typed(chat, "die Running socks")[-1] == "utter_ask_return_reason"
    assert (chat.state.task.goal, chat.state.task.line_ids) == ("return", ("L2",))


def test_a_count_said_in_the_first_german_message_is_kept(chat, services):
    _two_sweaters(services)
    chat.say("Ich hab 2 Pullover bestellt (#4107) und möchte einen davon zurückschicken", "request_return")
    assert chat.say("01067")[-1] == "utter_ask_return_reason"
    assert (chat.state.task.line_ids, chat.state.task.quantity) == (("L1",), 1)


def test_a_reason_and_a_resolution_typed_at_the_quantity_prompt_are_kept(chat, services):
    _two_sweaters(services)
    chat.say("Ich möchte die Pullover aus #4107 zurückschicken", "request_return")
    assert chat.say("01067")[-1] == "utter_ask_quantity"
    assert typed(chat, "die Pullis sind zu weit")[-1] == "utter_ask_quantity"
    assert typed(chat, "Geld zurück")[-1] == "utter_ask_quantity"
    assert typed(chat, "einen")[-1] == "utter_rma_issued"
    (rma,) = chat.rmas("#4107")
    assert (rma.quantity, rma.reason.value, rma.resolution.value) == (1, "too_large", "refund")
@pytest.mark.parametrize("question", ["Moment, wie war nochmal die Sendungsnummer?", "au fait c'était quoi le numéro de suivi ?",
                                      "por cierto, ¿cuál era el número de seguimiento?",
                                      "a proposito, qual era il numero di tracking?", "对了，快递单号是多少来着？"])
def test_a_tracking_number_asked_at_the_reason_is_answered_and_the_return_resumes(chat, question):
    verified_alice(chat)
    typed(chat, "1")
    keys = chat.say(question, "no_order_number", 0.75)  # what the NLU of these languages guessed
    assert keys[0] == "utter_tracking" and keys[-1] == "utter_ask_return_reason"
    assert not chat.rmas()
    assert typed(chat, "too small")[-1] == "utter_ask_resolution"


@pytest.mark.parametrize("correction", ["ay no perdona, los zapatos no, los calcetines",
                                        "ach nee, doch nicht die Schuhe, ich meinte die Socken",
                                        "哦不对，不是鞋子，是袜子"])
def test_an_item_corrected_at_the_reason_is_no_other_request(chat, correction):
    verified_alice(chat)
    typed(chat, "die Schuhe")
    assert chat.say(correction, "where_is_my_refund", 0.56)[-1] == "utter_ask_return_reason"  # an unsure guess
    assert chat.state.task.line_ids == ("L2",) and chat.state.task.reason is None


def test_a_policy_question_with_a_send_back_verb_is_no_return_request(chat):
    keys = chat.say(f"Wo ist meine Bestellung {ALICE_ORDER}? Und wie lange hätte ich Zeit, die Schuhe zurückzuschicken, "
                    "falls sie mir nicht gefallen?", "request_return", 0.61)  # the NLU read "zurückzuschicken"
    assert keys[0] == "utter_policy_window" and chat.state.task.goal == "track" and not chat.state.queued
    assert chat.say(ALICE_EMAIL)[0] == "utter_tracking"


@pytest.mark.parametrize("words, kept", [
    ("订单#4504里的Tea set能单独取消吗？电饭煲我还要", "Rice cooker"),
    ("die Mütze behalte ich, den Tea set stornieren", "Knitted cap"),
    ("the cap I'll keep, cancel the tea set", "Knitted cap"),
    ("keep the cap, cancel the tea set", "Knitted cap"),
])
def test_a_keep_closing_its_clause_leaves_the_item_out_of_the_cancel(words, kept):
    from decimal import Decimal

    from bot.choices import mentioned_lines
    from bot.conversation.manager import _cancel_words
    from bot.models import OrderLine

    lines = [OrderLine("1", "A", "Rice cooker", "kitchen", 1, Decimal("90")),
             OrderLine("2", "B", "Tea set", "kitchen", 1, Decimal("58")),
             OrderLine("3", "C", "Knitted cap", "accessories", 1, Decimal("9"))]
    named = [line.title for line in mentioned_lines(_cancel_words(words), lines)]
    assert named == ["Tea set"] and kept not in named


@pytest.mark.parametrize("text, language", [("¿eres un robot?", "es"), ("tu es un robot ?", "fr"), ("sei un robot?", "it"),
                                            ("are you a bot?", "en"), ("bist du ein Bot?", "de")])
def test_a_bot_challenge_too_short_to_detect_is_answered_in_its_words_language(services, text, language):
    from bot.conversation.reading import Reading
    from bot.conversation.state import State

    chat = Chat(services, "web:bot-challenge")
    turn = chat.dm.handle(chat.conv, State(), Reading.of(text, "out_of_scope", 0.4, [], language="en"))
    assert [s.key for s in turn.says][0] == "utter_i_am_a_bot" and turn.state.language == language


def test_a_bot_challenge_keeps_a_language_the_gateway_detected(services):
    from bot.conversation.reading import Reading
    from bot.conversation.state import State

    chat = Chat(services, "web:bot-challenge-de")
    turn = chat.dm.handle(chat.conv, State(), Reading.of("sei un robot?", "out_of_scope", 0.4, [], language="de"))
    assert turn.state.language == "de"


def test_a_question_that_asks_to_return_an_item_names_it(chat):
    chat.say(f"你好 我邮箱{ALICE_EMAIL} 订单{ALICE_ORDER} 那双鞋子不想要了 能退吗", "request_return", 0.7)
    assert chat.state.task.line_ids == ("L1",) and chat.state.task.reason == "changed_mind"
    other = Chat(chat.services, "web:en-can-i")
    other.say(f"can I return the socks from order {ALICE_ORDER}? my email is {ALICE_EMAIL}", "request_return")
    assert other.state.task.line_ids == ("L2",)


def test_a_reason_to_send_it_back_is_a_return_not_tracking(chat):
    chat.say(f"hola, compre unas zapatillas por ebay, pedido {ALICE_ORDER}, me estan enormes", "track_order", 0.9)
    chat.say(ALICE_EMAIL)
    assert chat.state.task.goal == "return" and chat.state.task.reason == "too_large"
    other = Chat(chat.services, "web:en-where")
    other.say(f"where is my order {ALICE_ORDER}? the last one was too small", "track_order", 0.9)
    assert other.state.task.goal == "track"


def test_a_cracked_item_and_a_mexican_return_are_returns(chat):
    keys = typed(chat, f"bonjour, la chaussure est arrivee avec la semelle fendue, commande {ALICE_ORDER}, mon mail {ALICE_EMAIL}")
    assert keys[-1] == "utter_damage_replacement"
    other = Chat(chat.services, "web:es-mx")
    typed(other, f"kiero regresar los calcetines q pedi, pedido {ALICE_ORDER}")
    assert other.state.task.goal == "return"


@pytest.mark.parametrize("request_", ["can we speak english please", "English please", "do you speak english?"])
def test_asking_for_english_mid_return_is_no_person_and_asks_the_pending_question_again(chat, request_):
    chat.say(f"je veux retourner quelque chose de la commande {ALICE_ORDER}", "request_return")
    assert chat.say(request_, "human_handoff", 0.8) == ["utter_language_changed", "utter_ask_customer_proof"]
    assert chat.state.task is not None and chat.state.task.order_id == ALICE_ORDER
    assert chat.say(ALICE_EMAIL)[-1] == "utter_ask_line"


def test_asking_for_a_language_with_nothing_in_hand_asks_what_to_help_with(chat):
    assert chat.say("können wir auf deutsch schreiben?", **UNSURE) == ["utter_language_changed", "utter_how_can_i_help"]
    assert chat.state.offer is None
