"""The Telegram channel driven through the real python-telegram-bot polling adapter against a fake
Bot API on loopback (tests/fake_telegram.py): first with a scripted Rasa for each behaviour, then
(marked `stack`) against the running Rasa and action server for a full return, a tracking
question and a refund-status question."""
from __future__ import annotations

import asyncio
import json
import re
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import List

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot import responses
from bot.catalogue import catalogue
from bot.ids import RMA_IN_TEXT
from bot.store import SqlStore
from channels.gateway import build_gateway
from channels.rasa_client import RasaClient
from channels.telegram import reply_payloads, webhook_secret
from channels.telegram.channel import SECRET_HEADER
from channels.telegram.format import split_text, to_html, utf16_len
from tests.conftest import test_settings
from tests.fake_telegram import TOKEN
from tests.telegram_customer import TelegramCustomer, eventually, said, visible
from tests.telegram_rig import (INJECTION, LONG, PDF, REASONS, SLIP_RMA, ScriptedRasa, on_fake_telegram,
                               running)

EDITED, STALE = (catalogue().text(key) for key in (responses.TELEGRAM_EDITED, responses.TELEGRAM_STALE))
PHOTO_RECEIVED = catalogue().text(responses.GATEWAY_PHOTO_RECEIVED)


# -- the adapter under test (tests/telegram_rig.py) -----------------------------------------------
@pytest.fixture
def tg_settings(tmp_path, fake_telegram):
    return test_settings(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake_telegram.url)


@pytest.fixture
def store(tg_settings):
    store = SqlStore.from_url(tg_settings.database_url)
    yield store
    store.engine.dispose()


@pytest.fixture
def rasa() -> ScriptedRasa:
    return ScriptedRasa()


@pytest_asyncio.fixture
async def bot(fake_telegram, tg_settings, store, rasa):
    async with running(fake_telegram, tg_settings, store, rasa.client()) as bot:
        yield bot


# -- start-up -----------------------------------------------------------------------------------
async def test_start_up_registers_the_commands_and_polls_without_a_webhook(bot, fake_telegram):
    menus = fake_telegram.sent("setMyCommands")  # English for everyone, then one per language served
    assert [c["command"] for c in menus[0].params["commands"]] == ["start", "help", "human", "cancel"]
    assert "language_code" not in menus[0].params
    assert [m.params["language_code"] for m in menus[1:]] == ["de", "fr", "es", "it", "zh"]
    assert all([c["command"] for c in m.params["commands"]] == ["start", "help", "human", "cancel"] for m in menus)
    await eventually(lambda: fake_telegram.sent("getUpdates"))
    assert fake_telegram.sent("deleteWebhook") and not fake_telegram.sent("setWebhook")
    assert bot.channel.username == "returnbot_test_bot"


async def test_a_message_reaches_rasa_as_the_telegram_user_and_the_reply_comes_back(bot, rasa):
    replies = await bot.customer(501).say("  I want to return my shoes ")
    assert rasa.received == [{"sender": "telegram:501", "message": "I want to return my shoes",
                              "metadata": {"language": "en"}}]
    assert [(c.method, visible(c), c.params["parse_mode"]) for c in replies] == [
        ("sendMessage", "you said: I want to return my shoes", "HTML")]
    assert [m["direction"] for m in bot.store.messages("telegram:501")] == ["in", "out"]


@pytest.mark.parametrize("command, intent", [
    ("/start", "/greet"), ("/help", "/ask_help"), ("/human", "/human_handoff"), ("/cancel", "/stop"),
    ("/start@returnbot_test_bot", "/greet")])
async def test_commands_reach_rasa_as_their_intents(bot, rasa, command, intent):
    await bot.customer(502).say(command)
    assert rasa.texts() == [intent]


async def test_a_typed_intent_payload_is_sent_as_plain_text(bot, rasa):
    await bot.customer(503).say('/inform{"return_reason":"damaged"}')
    assert rasa.texts() == ['inform{"return_reason":"damaged"}']


# -- each update once -----------------------------------------------------------------------------
async def test_a_redelivered_update_is_ignored_even_after_a_restart(fake_telegram, tg_settings, store, rasa):
    async with running(fake_telegram, tg_settings, store, rasa.client()) as bot:
        alice = bot.customer(504)
        hello = fake_telegram.message(504, "hello")
        await alice.send(hello)
        fake_telegram.push(hello)  # Telegram sends it again (say our confirmation was lost)
        await alice.say("ping")
    async with running(fake_telegram, tg_settings, store, rasa.client()) as restarted:
        alice = restarted.customer(504)
        fake_telegram.push(hello)
        await alice.say("still there?")
    assert rasa.texts() == ["hello", "ping", "still there?"]
    assert said(fake_telegram.sent(chat_id=504)).count("you said: hello") == 1


async def test_an_edited_message_is_not_taken_as_a_new_answer(bot, rasa):
    alice = bot.customer(505)
    await alice.say("alice@example.com")
    replies = await alice.send(bot.fake.message(505, "alice.martin@example.com", edited=True))
    assert said(replies) == EDITED
    assert rasa.texts() == ["alice@example.com"]


async def test_in_a_group_the_bot_declines_and_shows_no_order_data(bot, rasa, fake_telegram):
    group = {"id": -100777, "type": "group", "title": "Friends"}
    member = TelegramCustomer(bot.fake, bot.outbox, 506, chat_id=-100777)
    fake_telegram.push(fake_telegram.message(506, "anyone up for a run?", chat=group))  # not for the bot
    first = await member.send(fake_telegram.message(506, "/start", chat=group))
    second = await member.send(fake_telegram.message(
        506, "@returnbot_test_bot where is order 114-3941689-8772232 alice.martin@example.com", chat=group))
    for replies in (first, second):
        assert [c.method for c in replies] == ["sendMessage"]
        assert "private chat" in said(replies) and "https://t.me/returnbot_test_bot" in said(replies)
    assert rasa.received == []
    assert len(fake_telegram.sent("sendMessage", chat_id=-100777)) == 2


# -- delivery -------------------------------------------------------------------------------------
async def test_a_429_is_retried_after_retry_after_and_each_reply_arrives_once_in_order(bot, fake_telegram):
    fake_telegram.fail_next("sendMessage", 1, status=429, retry_after=1)
    await bot.customer(507).say("two")
    attempts = fake_telegram.attempts("sendMessage")
    assert [(c.outcome, c.params["text"]) for c in attempts] == [("429", "one"), ("ok", "one"), ("ok", "two")]


async def test_network_errors_back_off_and_recover_without_losing_replies(bot, fake_telegram):
    fake_telegram.fail_next("sendMessage", 1, drop=True)
    fake_telegram.fail_next("sendMessage", 1, status=502)
    await bot.customer(508).say("two")
    attempts = fake_telegram.attempts("sendMessage")
    assert [(c.outcome, c.params["text"]) for c in attempts] == [
        ("dropped", "one"), ("502", "one"), ("ok", "one"), ("ok", "two")]
    assert [m.attempts for m in bot.outbox.messages("telegram:508")] == [3, 1]


async def test_a_reply_over_4096_characters_is_split_in_order(bot):
    replies = await bot.customer(509).say("long")
    assert len(replies) == 2
    assert all(utf16_len(visible(c)) <= 4096 for c in replies)
    assert " ".join(visible(c) for c in replies).split() == LONG.split()


async def test_text_from_rasa_cannot_inject_markup_and_links_are_clickable(bot):
    [reply] = await bot.customer(510).say("inject")
    text = reply.params["text"]
    tags = _tags(text)
    assert {name for name, _ in tags} == {"a"}  # no <b>, <code>, <pre>: they arrived escaped
    assert [href for name, href in tags if href] == ["https://evil.example/", "https://shop.example/t?id=1&x=2"]
    assert visible(reply) == INJECTION  # the customer reads exactly what was written
    assert '<a href="https://shop.example/t?id=1&amp;x=2">https://shop.example/t?id=1&amp;x=2</a>.' in text


async def test_a_pressed_button_is_answered_its_keyboard_removed_and_a_second_press_ignored(bot, rasa, fake_telegram):
    alice = bot.customer(511)
    await alice.say("choose")
    keyboard = alice.keyboard()
    assert [b["text"] for b in keyboard.buttons] == ["Too small", "Arrived damaged"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in keyboard.buttons)

    replies = await alice.press("Too small")
    assert rasa.texts()[-1] == '/inform{"return_reason":"too_small"}'
    assert [c.method for c in replies] == ["editMessageReplyMarkup", "sendMessage"]
    assert replies[0].params == {"chat_id": 511, "message_id": keyboard.result["message_id"]}
    await eventually(lambda: len(fake_telegram.sent("answerCallbackQuery")) == 1)

    mark = len(fake_telegram.calls)
    button = keyboard.buttons[1]  # a quick double tap, or an old screen
    fake_telegram.push(fake_telegram.press(511, keyboard, button))
    await alice.say("ping")
    after = [c for c in fake_telegram.calls[mark:] if c.ok and c.params.get("chat_id") == 511]
    assert [(c.method, visible(c)) for c in after] == [("sendMessage", "you said: ping")]
    assert rasa.texts() == ["choose", '/inform{"return_reason":"too_small"}', "ping"]
    await eventually(lambda: len(fake_telegram.sent("answerCallbackQuery")) == 2)
    assert [m["payload"].get("title") for m in bot.store.messages("telegram:511") if m["direction"] == "in"] == [
        None, "Too small", None]


async def test_an_older_keyboard_is_stale(bot, rasa):
    alice = bot.customer(512)
    await alice.say("choose")
    old = alice.keyboard()
    await alice.say("choose")
    replies = await alice.press("Too small", old)
    assert [c.method for c in replies] == ["editMessageReplyMarkup", "sendMessage"]
    assert said(replies) == STALE
    assert rasa.texts() == ["choose", "choose"]


async def test_a_photo_is_stored_with_the_case_and_acknowledged(bot, rasa, fake_telegram):
    from bot.sql.handoffs import SqlHandoffs

    handoff = SqlHandoffs(bot.store.engine).open("telegram:513", "damage_claim", "#1004", "vase", (),
                                                 datetime.now(timezone.utc))
    photo = b"\xff\xd8\xff\xe0 a broken vase"
    replies = await bot.customer(513).send(fake_telegram.photo(513, photo, caption="it arrived like this"))
    assert said(replies).splitlines() == [PHOTO_RECEIVED, "you said: it arrived like this"]
    [saved] = bot.attachments.list(conversation_id="telegram:513")
    assert (saved.handoff_id, saved.content_type, saved.size) == (handoff.handoff_id, "image/jpeg", len(photo))
    assert bot.attachments.file(saved).read_bytes() == photo
    assert [c.method for c in fake_telegram.calls if c.method in ("getFile", "downloadFile")] == [
        "getFile", "downloadFile"]
    assert fake_telegram.attempts("getFile")[0].params["file_id"] == "photo-1"  # the largest size
    assert rasa.texts() == ["it arrived like this"]


async def test_the_return_slip_is_sent_as_a_pdf_document_after_the_text(bot):
    replies = await bot.customer(514).say("slip")
    assert [c.method for c in replies] == ["sendMessage", "sendDocument"]
    assert SLIP_RMA in visible(replies[0])
    filename, content = replies[1].files["document"]
    assert (filename, content) == (f"return-slip-{SLIP_RMA}.pdf", PDF)
    assert SLIP_RMA in replies[1].params["caption"]


# -- the gateway: off without a token, polling, webhook with its secret ---------------------------
def test_without_tokens_the_gateway_says_telegram_and_slack_are_off(caplog, services, rasa):
    caplog.set_level("INFO", logger="channels.gateway")
    build_gateway(services.settings, services, rasa.client())
    assert any("Telegram: off (set TELEGRAM_BOT_TOKEN" in r.getMessage() for r in caplog.records)
    assert any("Slack: off (handoffs are recorded" in r.getMessage() for r in caplog.records)


async def test_the_gateway_runs_the_bot_by_long_polling(services, fake_telegram, rasa):
    settings = on_fake_telegram(services.settings, fake_telegram)
    async with TestClient(TestServer(build_gateway(settings, services, rasa.client()))):
        await eventually(lambda: fake_telegram.sent("getUpdates"))
        fake_telegram.push(fake_telegram.message(515, "hello from the gateway"))
        await eventually(lambda: fake_telegram.sent("sendMessage", chat_id=515))
    assert visible(fake_telegram.sent("sendMessage", chat_id=515)[0]) == "you said: hello from the gateway"


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: ""}],
                         ids=["missing", "wrong", "empty"])
async def test_the_webhook_refuses_a_request_without_the_secret_token(services, fake_telegram, rasa, headers):
    settings = on_fake_telegram(services.settings, fake_telegram,
                                telegram_webhook_url="https://shop.example/telegram/hook")
    async with TestClient(TestServer(build_gateway(settings, services, rasa.client()))) as client:
        await eventually(lambda: fake_telegram.sent("setWebhook"))
        [hook] = fake_telegram.sent("setWebhook")
        assert hook.params["url"] == "https://shop.example/telegram/hook"
        assert hook.params["secret_token"] == webhook_secret(settings)
        assert not fake_telegram.sent("getUpdates")

        update = fake_telegram.message(516, "I want to return order 114-3941689-8772232")
        refused = await client.post("/telegram/hook", json=update, headers=headers)
        assert refused.status == 403
        accepted = await client.post("/telegram/hook", json=fake_telegram.message(516, "hello"),
                                     headers={SECRET_HEADER: webhook_secret(settings)})
        assert accepted.status == 200
        await eventually(lambda: fake_telegram.sent("sendMessage", chat_id=516))
    assert rasa.texts() == ["hello"]


async def test_the_webhook_refuses_a_secret_token_of_bytes_that_are_not_utf8(services, fake_telegram, rasa):
    """Found by tests/test_fuzz_http.py: such a header reaches the handler as lone surrogates, and encoding
    it for the comparison was a 500."""
    settings = on_fake_telegram(services.settings, fake_telegram,
                                telegram_webhook_url="https://shop.example/telegram/hook")
    body = json.dumps(fake_telegram.message(517, "hello")).encode()
    async with TestClient(TestServer(build_gateway(settings, services, rasa.client()))) as client:
        reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
        writer.write(b"POST /telegram/hook HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
                     + SECRET_HEADER.encode() + b": \xff\xfe" + webhook_secret(settings).encode() + b"\r\n\r\n" + body)
        answer = await reader.read()
        writer.close()
    assert answer.startswith(b"HTTP/1.1 403 ") and rasa.texts() == []


# -- formatting -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, limit, parts", [
    ("short", 4096, ["short"]),
    ("aaaa bbbb cccc", 9, ["aaaa bbbb", "cccc"]),
    ("para one\n\npara two", 12, ["para one", "para two"]),
    ("line one\nline two two", 16, ["line one", "line two two"]),
    ("a\n\nbbbbbbbb cccc dddd", 16, ["a\n\nbbbbbbbb cccc", "dddd"]),  # no needlessly short part
    ("x" * 10, 4, ["xxxx", "xxxx", "xx"]),
    ("😀" * 3, 4, ["😀😀", "😀"]),  # counted in UTF-16 units, never half a character
])
def test_split_text_cuts_at_the_best_boundary(text, limit, parts):
    assert split_text(text, limit) == parts


def test_to_html_escapes_everything_but_the_links_it_makes():
    assert to_html("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert to_html("see https://x.example/a?b=1&c=2.") == (
        'see <a href="https://x.example/a?b=1&amp;c=2">https://x.example/a?b=1&amp;c=2</a>.')
    assert to_html('"https://q.example/"') == '"<a href="https://q.example/">https://q.example/</a>"'


def test_reply_payloads_put_buttons_on_the_last_part_and_the_slip_after():
    payloads = reply_payloads({"text": LONG, "buttons": REASONS, "custom": {"return_slip": {"rma_id": SLIP_RMA}}})
    assert [sorted(p) for p in payloads] == [["text"], ["buttons", "text"], ["document"]]
    assert payloads[-1] == {"document": {"return_slip": SLIP_RMA}}
    assert reply_payloads({"buttons": REASONS}) == [{"text": "Please choose:", "buttons": REASONS}]
    assert reply_payloads({"custom": {"return_slip": {"rma_id": "../../etc/passwd"}}}) == []


def _tags(text: str) -> List[tuple]:
    found: List[tuple] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs).get("href")))

        def handle_endtag(self, tag):
            found.append((tag, None))

    Collect(convert_charrefs=True).feed(text)
    return found


# -- against the running Rasa and action server ---------------------------------------------------
@asynccontextmanager
async def bot_on_the_stack(stack, fake, tmp_path):
    """The Telegram adapter in this process, on the stack's database and Rasa (the stack's own
    gateway runs without a token)."""
    from bot import bootstrap

    settings = on_fake_telegram(stack.settings, fake, var_dir=tmp_path)
    services = bootstrap.build(settings)
    returns = services.returns
    rasa = RasaClient(stack.settings.rasa_url, token=stack.settings.rasa_channel_token)
    try:
        async with running(fake, settings, services.store, rasa,
                           slip_pdf=lambda rma_id, language: returns.slip_pdf(
                               rma_id, returns.slip_token(rma_id), language)) as bot:
            yield bot
    finally:
        await rasa.aclose()
        services.store.engine.dispose()


@pytest.mark.stack
async def test_a_full_return_over_telegram_ends_with_the_rma_and_the_slip_pdf(stack, fake_telegram, tmp_path):
    async with bot_on_the_stack(stack, fake_telegram, tmp_path) as bot:
        alice = bot.customer(7001)
        answer = said(await alice.say("hi, I want to return something from order #2143"))  # no other test's
        assert "email" in answer.lower()
        assert "Which item" in said(await alice.say("lucas.garcia@example.com"))
        assert [b["text"] for b in alice.keyboard().buttons] == [
            "Glass vase (45.00 USD)", "1080p webcam (64.99 USD)", "All of them"]
        assert "reason" in said(await alice.press("1080p webcam")).lower()
        assert "refund" in said(await alice.press("Too small")).lower()
        replies = await alice.press("Refund")

        assert [c.method for c in replies] == ["editMessageReplyMarkup", "sendMessage", "sendDocument"]
        rma = RMA_IN_TEXT.search(said(replies)).group(0)
        assert "Your return is approved" in said(replies)
        assert re.search(rf'<a href="{re.escape(stack.settings.public_url)}/returns/RMA-\w+/slip\.pdf\?t=\w+">',
                         replies[1].params["text"])
        filename, pdf = replies[2].files["document"]
        assert filename == f"return-slip-{rma}.pdf" and pdf.startswith(b"%PDF") and rma.encode() in pdf
        await eventually(lambda: len(fake_telegram.sent("answerCallbackQuery")) == 3)
        assert len(fake_telegram.sent("editMessageReplyMarkup")) == 3  # every keyboard pressed is gone
        assert [r.rma_id for r in bot.store.rmas_for_order("#2143") if r.line_id == "L2"] == [rma]


@pytest.mark.stack
async def test_a_tracking_question_over_telegram_gets_the_carrier_link(stack, fake_telegram, tmp_path):
    async with bot_on_the_stack(stack, fake_telegram, tmp_path) as bot:
        chloe = bot.customer(7002)
        await chloe.say("where is my order #1002")
        replies = await chloe.say("chloe.dubois@example.fr")
    assert "on its way" in said(replies) and "DHL" in said(replies)
    assert re.search(r'<a href="https://www\.dhl\.com/[^"]+1234567890">', replies[-1].params["text"])


@pytest.mark.stack
async def test_a_refund_status_question_over_telegram_before_any_return(stack, fake_telegram, tmp_path):
    async with bot_on_the_stack(stack, fake_telegram, tmp_path) as bot:
        dan = bot.customer(7003)
        await dan.say("where is my refund for order 27-11111-22222")
        replies = await dan.say("dan.lee@example.com")
    assert "no return" in said(replies).lower(), said(dan.received)


@pytest.mark.stack
async def test_a_refund_status_question_over_telegram_after_a_refund(stack, fake_telegram, tmp_path):
    async with bot_on_the_stack(stack, fake_telegram, tmp_path) as bot:
        chloe = bot.customer(7004)
        await chloe.say("I want a refund for order #1001")
        answer = said(await chloe.say("75011"))
        if "reason" in answer.lower():  # asked when the reason could matter
            answer = said(await chloe.press("Changed my mind"))
        assert "refunded" in answer, said(chloe.received)
        replies = await chloe.say("where is my refund for order #1001")
    assert "refunded" in said(replies).lower(), said(chloe.received)
