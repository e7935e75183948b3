"""The cases of the threat list (issue 6) that no other test proves, or proves only in part.

Each section names its case; the map from every case to the tests that prove it is kept with the
issue. The rigs of the channel tests are reused: the Slack channel over the demo store with a fake
Web API (tests/test_slack.py's `Rig`), the real Telegram adapter polling a fake Bot API
(tests/test_telegram.py's `running`), the gateway's web chat with a fake Rasa, and, for
the cases that only the real dialogue can show (marked `stack`), the running stack.
"""
from __future__ import annotations

import asyncio
import functools
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Dict, List

import pytest
import pytest_asyncio
import sqlalchemy as sa
import yaml
from aiohttp.test_utils import TestClient, TestServer
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import deps
from actions.converse import ActionConverse
from bot.conversation.manager import DialogueManager
from bot.conversation.reading import Reading
from bot.conversation.state import State
from bot.models import Customer, Order, OrderStatus, Resolution, ReturnReason, SalesChannel
from bot.services import LOCKOUT_WINDOW, MAX_FAILED_VERIFICATIONS, NotVerified, ReturnsService
from bot.settings import ROOT
from bot.sql.outbox import SqlOutbox
from bot.store import SqlStore
from bot.text import find_entities
from channels.gateway import build_gateway
from channels.relay import Relay
from channels.router import Router
from channels.slack import cards
from channels.telegram import TelegramSender, reply_payloads, webhook_secret
from channels.telegram.app import MAX_TEXT_CHARS as TELEGRAM_MAX_TEXT
from channels.telegram.channel import SECRET_HEADER
from channels.telegram.format import utf16_len
from channels.web.app import COOKIE_NAME
from tests import slack_requests
from tests.builders import NOW, line, order
from tests.clock import Clock
from tests.fake_telegram import BOT_ID, TOKEN as TELEGRAM_TOKEN, FakeTelegram
from tests.fakes import BUTTONS, FakeRasa, FakeReturns, FakeSettings, FakeStore
from tests.telegram_customer import eventually, said, visible
from tests.telegram_rig import REASONS, ScriptedRasa, on_fake_telegram, running
from tests.slack_rig import CHANNEL, CONV, SECRET, Rig, card_text
from tests.web_customer import Customer as WebCustomer

ALICE_ORDER, ALICE_EMAIL, ALICE_POSTCODE = "114-3941689-8772232", "alice.martin@example.com", "94107"
CHLOE_ORDER, CHLOE_POSTCODE = "#1001", "75011"  # a Shopify phone case: refunded without a return
ZWSP, ZWJ, WJ, BOM, LRM, RLO, PDF = "\u200b", "\u200d", "\u2060", "\ufeff", "\u200e", "\u202e", "\u202c"
CYR_O, CYR_ZE, ARABIC_ONE = "\u041e", "\u0417", "\u0661"


# -- shared helpers -----------------------------------------------------------------------------------
@pytest.fixture
def actions(services):
    """The action server's services are the test's (the demo store, the fixed clock)."""
    deps.use(services)
    yield services
    deps.use(None)


def tracker(conversation: str, slots=None, intent: str = "inform") -> Tracker:
    return Tracker(conversation, slots or {}, {"intent": {"name": intent, "confidence": 0.99}, "entities": [],
                                               "text": ""}, [], False, None, {}, None)


def _turn(services, conversation: str, state: State, text: str, intent: str = "inform"):
    dialogue = DialogueManager(services.returns, services.updates.opt_out, services.updates.opt_in,
                               services.platforms.for_order, services.settings.portal_url)
    entities = [{"entity": e.kind, "value": e.value} for e in find_entities(text)]
    return dialogue.handle(conversation, state, Reading.of(text, intent, 0.99, entities))


def try_order(conversation: str, typed_order: str, typed_proof: str) -> tuple:
    """The chat's verification as the dialogue runs it: asked where an order is, the customer types the
    order number, then their email or postcode. Returns (verified, what the customer was told after
    the order number and the proof: response keys)."""
    services = deps.services()
    state = _turn(services, conversation, State(), "where is my order", "track_order").state
    turn = _turn(services, conversation, state, typed_order)
    said_ = [s.key for s in turn.says]
    if turn.state.task is not None and turn.state.task.order_id:
        turn = _turn(services, conversation, turn.state, typed_proof)
        said_ += [s.key for s in turn.says]
    return services.store.is_verified(conversation, turn.state.last_order or "-"), said_


def business_tables(engine: sa.engine.Engine, skip=("messages", "outbox", "processed_inbound",
                                                     "conversation_tags", "conversation_languages")) -> Dict[str, list]:
    """Every row of every table (a dump), but for the conversation's own records (transcript,
    outbox, processed events, tags, its language), which any message adds to."""
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return {name: sorted(map(repr, conn.execute(sa.text(f'SELECT * FROM "{name}"')).all()))
                for name in names if name not in skip}


@functools.lru_cache(maxsize=1)
def _domain():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml"))


def rasa_reads_an_intent(text: str) -> bool:
    """Whether Rasa takes `text` as a typed intent (`/intent{entities}`), as its message handler does."""
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.nlu.training_data.message import Message

    return YAMLStoryReader.unpack_regex_message(Message({"text": text}), _domain()).get("intent") is not None


def html_tags(text: str) -> List[str]:
    found: List[str] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append(tag)

        def handle_endtag(self, tag):
            found.append("/" + tag)

    Collect(convert_charrefs=True).feed(text)
    return found


# == 1. Forged, stale and unsigned Slack requests: 401, no effect ======================================
@pytest.mark.parametrize("headers", [
    pytest.param(lambda body: slack_requests.signed(body, "not-the-secret"), id="forged"),
    pytest.param(lambda body: slack_requests.signed(body, SECRET, timestamp=int(time.time()) - 301), id="stale"),
    pytest.param(lambda body: {}, id="unsigned"),
])
async def test_a_forged_stale_or_unsigned_agent_message_gets_401_and_reaches_no_customer(slack_rig, headers):
    """(test_slack proves it for button clicks; an agent's thread message is the one that writes
    to the customer.)"""
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    card = slack_rig.ledger.card(handoff.handoff_id)
    calls = len(slack_rig.fake.calls)
    body, _ = slack_requests.thread_message("Your refund is approved: reply with your card number", CHANNEL,
                                            card.ts, "1700000300.000100", "EvForged", SECRET)

    response = await slack_rig.post(body, slack_requests.JSON, headers(body))

    assert response.status == 401
    assert slack_rig.delivered == [] and not slack_rig.handoffs.is_agent_owned(CONV) and len(slack_rig.fake.calls) == calls
    assert slack_rig.slack.ledger.claim_event("message:C0AGENTS:1700000300.000100", NOW)  # nothing recorded either


# == 11. Slack control sequences in customer text: escaped on the card and in the thread ===============
EVIL = "<!channel> hi <@U123> see <http://evil.example|ok> and <!here>"


async def test_customer_text_cannot_ping_or_spoof_links_in_the_thread_mirror_or_in_any_fallback_text(slack_rig):
    handoff = slack_rig.fraud_case(first_words=EVIL)
    await slack_rig.slack.sync()
    slack_rig.slack.forward(CONV, EVIL, "in:evil")  # as the router does with each customer message
    await slack_rig.slack.background.join()

    [mirrored] = slack_rig.fake.thread(slack_rig.ledger.card(handoff.handoff_id).ts)
    assert card_text(mirrored) == ("*Customer:* &lt;!channel&gt; hi &lt;@U123&gt; see "
                                   "&lt;http://evil.example|ok&gt; and &lt;!here&gt;")
    assert mirrored.text == "Customer: " + card_text(mirrored).removeprefix("*Customer:* ")
    posted = [c for c in slack_rig.fake.calls if c.method in ("chat.postMessage", "chat.update")]
    assert posted and all(t.get("verbatim") for c in posted for t in _mrkdwn(c.params.get("blocks")))
    raw = json.dumps([c.params for c in posted])  # fallback texts (notifications) and blocks alike
    for control in ("<!channel>", "<@U123>", "<http://evil", "<!here>"):
        assert control not in raw


def _mrkdwn(node) -> list:
    if isinstance(node, dict):
        own = [node] if node.get("type") == "mrkdwn" else []
        return own + [t for value in node.values() for t in _mrkdwn(value)]
    if isinstance(node, list):
        return [t for value in node for t in _mrkdwn(value)]
    return []


# == 12. An agent's reply with markup or over 4096 characters: escaped, split, in order on Telegram ====
MARKUP = 'Note: <b>FREE</b> & <i>refund</i> </code> <pre> <a href="x">here</a> see https://shop.example/h?a=1&b=2'
LONG = "\n\n".join(f"Paragraph {n}: " + " ".join(["returns"] * 60) + " <b>&amp;</b>" for n in range(12))


async def test_an_agents_reply_with_markup_and_over_4096_characters_reaches_telegram_escaped_split_in_order(
        services, fake_slack, tmp_path):
    """Slack thread reply -> Router.deliver -> outbox -> relay -> TelegramSender -> the fake Bot API."""
    from telegram import Bot

    telegram = FakeTelegram()
    await telegram.start()
    outbox = SqlOutbox(services.store.engine)
    relay = Relay(outbox, clock=lambda: NOW)
    bot = Bot(TELEGRAM_TOKEN, base_url=f"{telegram.url}/bot", base_file_url=f"{telegram.url}/file/bot")
    await bot.initialize()
    relay.add_sender("telegram", TelegramSender(bot, slip_pdf=lambda rma_id, language: None))
    router = Router(FakeRasa().client(), outbox, {"telegram": reply_payloads}, transcript=services.store,
                    clock=lambda: NOW)
    slack_rig = Rig(services, fake_slack, tmp_path, deliver=router.deliver)
    await slack_rig.http.start_server()
    try:
        handoff = slack_rig.fraud_case(conversation="telegram:4343")
        await slack_rig.slack.sync()
        card = slack_rig.ledger.card(handoff.handoff_id)
        # what Slack sends for what the agent typed: &, < and > as entities, links in <...>
        as_slack = (cards.escape(MARKUP.split(" see ")[0]) + " see <https://shop.example/h?a=1&amp;b=2>")
        await slack_rig.message(as_slack, card.ts, "1700000500.000100", "Ev500")
        await slack_rig.message(cards.escape(LONG), card.ts, "1700000501.000100", "Ev501")
        await slack_rig.message("That's all.", card.ts, "1700000502.000100", "Ev502")
        await slack_rig.message(as_slack, card.ts, "1700000500.000100", "Ev500", retry=1)  # Slack retries one
        await relay.pump()

        sent = telegram.sent("sendMessage", chat_id=4343)
        shown = [visible(c) for c in sent]
        assert "Ana from our team" in shown[0]  # writing in the thread took the conversation over
        assert shown[1] == MARKUP
        assert len(sent) == 5 and shown[4] == "That's all."
        assert " ".join(shown[2:4]).split() == LONG.split()  # word for word, "&amp;" as typed
        assert all(utf16_len(text) <= 4096 for text in shown)
        for call in sent:  # only the links the sender made are markup; every other tag arrived escaped
            assert set(html_tags(call.params["text"])) <= {"a", "/a"}
        assert '<a href="https://shop.example/h?a=1&amp;b=2">' in sent[1].params["text"]
        assert outbox.pending() == []
    finally:
        await slack_rig.slack.stop()
        await slack_rig.http.close()
        await bot.shutdown()
        await telegram.close()


# == 16. Slack's 429 (Retry-After) and 5xx: each post once, in order ====================================


@pytest.mark.parametrize("failure", [
    pytest.param(dict(status=429, retry_after=5), id="429-retry-after"),
    pytest.param(dict(status=503, after_effect=True), id="5xx-but-posted"),
    pytest.param(dict(status=500), id="5xx-not-posted"),
])
async def test_customer_messages_reach_the_thread_once_and_in_order_when_slack_fails(slack_rig, failure):
    """(test_slack proves a rate-limited thread post is posted once; here Slack fails the first of
    three messages and the next arrive while it waits.)"""
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    posts = lambda: [c for c in slack_rig.fake.calls if c.method == "chat.postMessage"]  # noqa: E731

    async def wait_as_slack_asked(seconds: float) -> None:
        """Slack's wait (at most 5 s), cut short once some other post reaches Slack: a later message
        that is not held back overtakes at once; one that is held back costs the whole wait."""
        deadline, others = asyncio.get_running_loop().time() + min(seconds, 5.0), len(posts())
        while asyncio.get_running_loop().time() < deadline and len(posts()) == others:
            await asyncio.sleep(0.01)

    slack_rig.slack.notifier.sleep = wait_as_slack_asked
    slack_rig.fake.fail("chat.postMessage", **failure)
    for n, words in enumerate(["first", "second", "third"]):
        slack_rig.slack.forward(CONV, words, f"in:{n}")  # each once the one before has reached Slack
        await eventually(lambda: any(c.params.get("text") == f"Customer: {words}" for c in posts()))
    await slack_rig.slack.background.join()

    thread = [card_text(m) for m in slack_rig.fake.thread(slack_rig.ledger.card(handoff.handoff_id).ts)]
    assert thread == ["*Customer:* first", "*Customer:* second", "*Customer:* third"]


# == Telegram: 9 (limits), 14 (a keyboard pressed twice), 15 (another chat's keyboard, typed intents) ==
@pytest.fixture
def rasa() -> ScriptedRasa:
    return ScriptedRasa()


@pytest_asyncio.fixture
async def telegram_bot(services, fake_telegram, rasa):
    """The real Telegram adapter polling the fake Bot API, on the demo store, with a scripted Rasa."""
    settings = on_fake_telegram(services.settings, fake_telegram)
    async with running(fake_telegram, settings, services.store, rasa.client()) as bot:
        yield bot


def update_key(update: dict) -> str:
    return f"telegram:{BOT_ID}:update:{update['update_id']}"


async def test_a_ten_thousand_character_telegram_message_reaches_rasa_cut_to_the_limit(telegram_bot, rasa):
    replies = await telegram_bot.customer(601).say("a" * 10_000)
    assert rasa.texts() == ["a" * TELEGRAM_MAX_TEXT]
    assert said(replies) == "you said: " + "a" * TELEGRAM_MAX_TEXT


@pytest_asyncio.fixture
async def webhook(services, fake_telegram, rasa):
    """The gateway with Telegram in webhook mode: (test client, the secret Telegram sends)."""
    settings = on_fake_telegram(services.settings, fake_telegram,
                                telegram_webhook_url="https://shop.example/telegram/hook")
    async with TestClient(TestServer(build_gateway(settings, services, rasa.client()))) as client:
        await eventually(lambda: fake_telegram.sent("setWebhook"))
        yield client, webhook_secret(settings)


async def test_a_one_megabyte_webhook_body_is_refused_with_a_4xx_and_reaches_nothing(webhook, fake_telegram, rasa):
    client, secret = webhook
    update = fake_telegram.message(602, "x" * 1_000_000)
    for headers in ({SECRET_HEADER: secret}, {}):
        response = await client.post("/telegram/hook", json=update, headers=headers)
        assert 400 <= response.status < 500
        assert "error" in await response.json()
    accepted = await client.post("/telegram/hook", json=fake_telegram.message(602, "b" * 10_000),
                                 headers={SECRET_HEADER: secret})
    assert accepted.status == 200
    await eventually(lambda: fake_telegram.sent("sendMessage", chat_id=602))
    assert rasa.texts() == ["b" * TELEGRAM_MAX_TEXT]


async def test_one_button_pressed_twice_at_once_makes_one_turn(telegram_bot, rasa, fake_telegram):
    """(test_telegram presses a second button of a keyboard after the first was answered; here
    the same button twice, both presses arriving before either is handled.)"""
    alice = telegram_bot.customer(603)
    await alice.say("choose")
    keyboard = alice.keyboard()
    presses = [fake_telegram.push(fake_telegram.press(603, keyboard, keyboard.buttons[0])) for _ in range(2)]
    await alice.say("ping")  # a conversation's updates are handled in order: both presses are done by now

    assert rasa.texts() == ["choose", REASONS[0]["payload"], "ping"]
    assert [telegram_bot.outbox.is_answered(update_key(p)) for p in presses] == [True, False]
    assert [c.method for c in alice.take(0) if c.method != "sendMessage"] == ["editMessageReplyMarkup"]


async def test_a_button_of_another_customers_keyboard_does_nothing(telegram_bot, rasa, fake_telegram):
    alice, mallory = telegram_bot.customer(604), telegram_bot.customer(605)
    await alice.say("choose")
    keyboard = alice.keyboard()
    mark = len(fake_telegram.calls)
    fake_telegram.push(fake_telegram.press(605, keyboard, keyboard.buttons[1]))  # Alice's button data, from Mallory
    await mallory.say("ping")

    assert rasa.received[-1] == {"sender": "telegram:605", "message": "ping", "metadata": {"language": "en"}}
    assert [m["message"] for m in rasa.received] == ["choose", "ping"]
    assert alice.take(mark) == []
    await alice.press("Too small")  # and Alice's keyboard still works
    assert rasa.received[-1] == {"sender": "telegram:604", "message": REASONS[0]["payload"],
                                 "metadata": {"language": "en"}}


TYPED_INTENTS = [
    pytest.param('/inform{"return_reason":"damaged"}', id="slash"),
    pytest.param('//inform{"return_reason":"damaged"}', id="two-slashes"),
    pytest.param(' \t/human_handoff', id="blank-then-slash"),
]
TYPED_INTENTS_BYPASS = [
    pytest.param('/ /inform{"return_reason":"damaged"}', id="slash-space-slash"),
    pytest.param('/\n/human_handoff', id="slash-newline-slash"),
    pytest.param('/\u3000/inform{"resolution":"refund"}', id="slash-ideographic-space-slash"),
]


@pytest.mark.parametrize("typed", TYPED_INTENTS + TYPED_INTENTS_BYPASS)
async def test_a_typed_intent_never_reaches_rasa_as_an_intent_on_telegram(telegram_bot, rasa, typed):
    await telegram_bot.customer(606).say(typed)
    [received] = rasa.texts()
    assert not rasa_reads_an_intent(received), received


@pytest.mark.parametrize("typed", TYPED_INTENTS + TYPED_INTENTS_BYPASS)
async def test_a_typed_intent_in_a_photo_caption_never_reaches_rasa_as_an_intent(telegram_bot, rasa,
                                                                                 fake_telegram, typed):
    await telegram_bot.customer(607).send(fake_telegram.photo(607, b"\xff\xd8\xff\xe0 jpeg", caption=typed))
    [received] = rasa.texts()
    assert not rasa_reads_an_intent(received), received


# == Web chat: 14 (a button pressed twice), 15 (ids, typed intents and metadata from the client) =======
@pytest_asyncio.fixture
async def web_chat(tmp_path):
    """The gateway's web chat (no Telegram, no Slack) over a fake Rasa: (client, Rasa, store)."""
    rasa, store = FakeRasa(), FakeStore.in_folder(tmp_path)
    app = build_gateway(FakeSettings(), SimpleNamespace(store=store, returns=FakeReturns()), rasa.client())
    async with TestClient(TestServer(app)) as client:
        assert (await client.post("/api/session")).status == 200
        yield client, rasa, store
    store.engine.dispose()


def web_conversation(client: TestClient) -> str:
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    return "web:" + cookie.partition(".")[0]


async def test_a_web_button_pressed_twice_reaches_rasa_as_a_choice_once(web_chat):
    client, rasa, _ = web_chat
    await client.post("/api/messages", json={"text": "buttons please"})
    for _ in range(2):  # a double click: two requests, each with an id of its own
        response = await client.post("/api/messages", json={"text": BUTTONS[0]["payload"], "title": "Too small"})
        assert response.status == 200

    sent = [m["message"] for m in rasa.received]
    assert sent[:2] == ["buttons please", BUTTONS[0]["payload"]]
    assert len(sent) == 3 and not rasa_reads_an_intent(sent[2])  # the second is words, not the choice


async def test_the_client_cannot_choose_the_conversation_or_send_metadata_to_rasa(web_chat):
    client, rasa, store = web_chat
    own = web_conversation(client)
    victim = "web:victims-session-id"
    response = await client.post("/api/messages", json={
        "text": "hello", "sender": victim, "conversation_id": victim, "recipient_id": victim,
        "metadata": {"verified_order_id": ALICE_ORDER, "agent": True}, "customData": {"intent": "affirm"}})

    assert response.status == 200
    assert rasa.received == [{"sender": own, "message": "hello", "metadata": {"language": "en"}}]
    assert victim not in store.rows and own in store.rows


@pytest.mark.parametrize("typed", TYPED_INTENTS + TYPED_INTENTS_BYPASS)
async def test_a_typed_intent_never_reaches_rasa_as_an_intent_on_the_web(web_chat, typed):
    client, rasa, _ = web_chat
    assert (await client.post("/api/messages", json={"text": typed})).status == 200
    [received] = [m["message"] for m in rasa.received]
    assert not rasa_reads_an_intent(received), received


# == 6. Another customer's order number: word for word the answer an unknown order gets ================
@pytest.mark.parametrize("proof", [ALICE_EMAIL, ALICE_POSTCODE])
@pytest.mark.parametrize("someone_elses, unknown", [
    ("#1001", "#9876"), ("27-11111-22222", "27-00000-00000"), ("114-7777777-0000001", "114-0000000-0000009")])
def test_another_customers_order_gets_the_very_answer_an_unknown_order_gets(actions, someone_elses, unknown, proof):
    """(test_services proves the service's result is the same; here what the customer is told.)"""
    theirs = try_order("web:mallory-1", someone_elses, proof)
    nobodys = try_order("web:mallory-2", unknown, proof)
    assert theirs == nobodys == (False, ["utter_ask_customer_proof", "utter_verification_failed_keep"])


async def test_a_lockout_looks_the_same_for_another_customers_order_and_an_unknown_one(actions):
    answers = []
    for n, order_id in enumerate(("#1001", "#9876")):
        for guess in range(MAX_FAILED_VERIFICATIONS):
            actions.returns.verify(f"web:guesser-{n}-{guess}", order_id, f"guess{guess}@example.com")
        answers.append(try_order(f"web:next-{n}", order_id, ALICE_EMAIL))
    assert answers[0] == answers[1] == (False, ["utter_verification_locked", "utter_verification_locked"])


# == 7. Verification brute force: 5 failures for a conversation or an order in 15 minutes lock it ======
@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def returns(services, clock) -> ReturnsService:
    """The demo store's returns service on a clock the test moves."""
    given = services.returns
    return ReturnsService(services.store, given.policy, given.shop, clock, given.new_rma_id)


def test_five_failures_on_one_order_from_five_conversations_lock_the_order(returns):
    """(test_services locks one conversation that failed five times on one order.)"""
    for n in range(MAX_FAILED_VERIFICATIONS):
        assert not returns.verify(f"web:guesser-{n}", ALICE_ORDER, f"guess{n}@example.com").verified
    result = returns.verify("web:guesser-next", ALICE_ORDER, ALICE_EMAIL)
    assert (result.verified, result.locked) == (False, True)
    assert not returns.store.is_verified("web:guesser-next", ALICE_ORDER)
    assert returns.verify("web:guesser-next", CHLOE_ORDER, CHLOE_POSTCODE).verified  # other orders are not locked


def test_five_failures_in_one_conversation_on_five_orders_lock_the_conversation(returns):
    for n in range(MAX_FAILED_VERIFICATIONS):
        assert not returns.verify("web:guesser", f"#90{n:02d}", ALICE_EMAIL).verified
    result = returns.verify("web:guesser", ALICE_ORDER, ALICE_EMAIL)
    assert (result.verified, result.locked) == (False, True)
    assert returns.verify("web:alice", ALICE_ORDER, ALICE_EMAIL).verified  # the order is not locked for others


def test_four_failures_do_not_lock(returns):
    for n in range(MAX_FAILED_VERIFICATIONS - 1):
        returns.verify("web:typo", ALICE_ORDER, f"alice{n}@example.com")
    assert returns.verify("web:typo", ALICE_ORDER, ALICE_EMAIL).verified


@pytest.mark.parametrize("later, locked", [
    (timedelta(0), True), (timedelta(minutes=14, seconds=59), True), (LOCKOUT_WINDOW, True),
    (LOCKOUT_WINDOW + timedelta(seconds=1), False), (timedelta(hours=3), False)])
def test_the_lock_holds_for_the_window_after_the_failures_then_lifts(returns, clock, later, locked):
    assert LOCKOUT_WINDOW == timedelta(minutes=15)
    for n in range(MAX_FAILED_VERIFICATIONS):
        returns.verify("web:guesser", ALICE_ORDER, f"guess{n}@example.com")
    clock.now = NOW + later
    result = returns.verify("web:guesser", ALICE_ORDER, ALICE_EMAIL)
    assert (result.verified, result.locked) == (not locked, locked)


def test_failures_spread_over_more_than_the_window_never_lock(returns, clock):
    for n in range(3 * MAX_FAILED_VERIFICATIONS):
        clock.now = NOW + n * (LOCKOUT_WINDOW / (MAX_FAILED_VERIFICATIONS - 1) + timedelta(seconds=1))
        assert not returns.verify("web:slow-typist", ALICE_ORDER, f"typo{n}@example.com").locked


async def test_a_locked_customer_is_told_so_and_offered_a_person(actions):
    conversation = "web:locked-out"
    for n in range(MAX_FAILED_VERIFICATIONS - 1):
        assert try_order(conversation, ALICE_ORDER, f"guess{n}@example.com") == (
            False, ["utter_ask_customer_proof", "utter_verification_failed_keep"])
    assert try_order(conversation, ALICE_ORDER, "guess@example.com") == (
        False, ["utter_ask_customer_proof", "utter_verification_locked"])
    assert try_order(conversation, ALICE_ORDER, ALICE_EMAIL) == (  # even the truth
        False, ["utter_verification_locked", "utter_verification_locked"])
    assert not actions.store.is_verified(conversation, ALICE_ORDER)
    [locked] = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]["utter_verification_locked"]
    assert "team" in locked["text"] and [b["payload"] for b in locked["buttons"]] == ["/human_handoff"]


# == 8. Order ids written as SQL: "not found", and the database unchanged ==============================
INJECTIONS = ["1' OR '1'='1", "1;DROP TABLE orders", "1; DROP TABLE orders; --", "' OR 1=1 --",
              "x' UNION SELECT email FROM orders --", "'; DELETE FROM rmas; --"]


@pytest.mark.parametrize("typed", INJECTIONS)
def test_an_order_number_written_as_sql_is_refused_and_changes_nothing(actions, typed):
    """(test_actions proves the form refuses `1' OR '1'='1`; here every table is compared too.)"""
    before = business_tables(actions.store.engine)
    assert try_order("web:sql", typed, ALICE_EMAIL) == (False, ["utter_invalid_order_id", "utter_ask_order_id"])
    assert business_tables(actions.store.engine) == before


@pytest.mark.parametrize("order_id", INJECTIONS)
def test_sql_given_straight_to_the_services_finds_nothing_and_changes_only_the_failure_count(actions, order_id):
    """Past the form too (an action given a raw slot), the store binds the id as a value."""
    store, returns = actions.store, actions.returns
    before = business_tables(store.engine)
    orders_before = store.count_orders()

    assert store.get_order(order_id) is None
    result = returns.verify("web:sql", order_id, "x' OR '1'='1@example.com")
    assert (result.verified, result.order) == (False, None)
    with pytest.raises(NotVerified):
        returns.request_return("web:sql", order_id, "L1' OR '1'='1", ReturnReason.OTHER, Resolution.REFUND)

    after = business_tables(store.engine)
    [failure] = set(after.pop("verification_failures")) - set(before.pop("verification_failures"))
    assert repr(order_id) in failure  # the failure is counted, under the text as given
    assert after == before and store.count_orders() == orders_before


# == 10. Invisible characters, emoji and look-alikes in an order number, through verification ==========
@pytest.mark.parametrize("typed", [
    f"114-39416{ZWSP}89-8772232", f"1{ZWJ}14-3941689-877{WJ}2232", f"{BOM}114-3941689-8772232",
    f"{RLO}114-3941689-8772232{PDF}", f"114-394{LRM}1689-8772232", "order 114-3941689-8772232 \U0001F45F",
])
def test_an_order_number_with_invisible_characters_is_normalised_and_verifies_the_real_order(actions, typed):
    """(test_text proves the parser normalises them; here the form and the service go on to verify.)"""
    verified, said_ = try_order("web:typist", typed, ALICE_EMAIL)
    assert verified and said_[:1] == ["utter_ask_customer_proof"] and "utter_tracking" in said_
    assert actions.store.is_verified("web:typist", ALICE_ORDER)


ALICE, CHLOE = (ALICE_ORDER, ALICE_EMAIL), (CHLOE_ORDER, CHLOE_POSTCODE)  # (order, proof) a look-alike imitates
LOOKALIKES = [  # (typed, the order it imitates, that order's proof)
    pytest.param("114-39416\U0001F60089-8772232", *ALICE, id="emoji-inside"),
    pytest.param("#10\U0001F4E601", *CHLOE, id="emoji-inside-shop-id"),
    pytest.param(f"114-3941689-877223{CYR_ZE}", *ALICE, id="cyrillic-ze-for-3"),
    pytest.param(f"#1{CYR_O}01", *CHLOE, id="cyrillic-o-for-0"),
    pytest.param(f"#100{ARABIC_ONE}", *CHLOE, id="arabic-indic-one"),
    pytest.param("#1OO1", *CHLOE, id="latin-o-for-0"),
    pytest.param("#l001", *CHLOE, id="latin-l-for-1"),
    pytest.param("#1\u0338001", *CHLOE, id="combining-overlay-inside"),
    pytest.param("#10\u20e301", *CHLOE, id="keycap-inside"),
    pytest.param("114-3941689-8772232\u0338", *ALICE, id="combining-overlay-on-the-last-digit"),
    pytest.param("114-3941689-8772232\u20e3", *ALICE, id="keycap-on-the-last-digit"),
]


@pytest.mark.parametrize("typed, imitated, proof", LOOKALIKES)
def test_a_look_alike_order_number_never_reaches_a_real_order(actions, typed, imitated, proof):
    """With the imitated order's own email or postcode: only the order number is wrong."""
    assert try_order("web:spoofer", typed, proof) == (False, ["utter_invalid_order_id", "utter_ask_order_id"])
    # given straight to the service, past the parser, it matches no order either
    assert actions.store.get_order(typed) is None
    assert not actions.returns.verify("web:spoofer", typed, proof).verified
    assert not actions.store.is_verified("web:spoofer", imitated)


@pytest.mark.parametrize("proof", ["\u0430lice.martin@example.com", "alice.martin@ex\u0430mple.com", "9410\u0667",
                                   "941\U0001F60007"])
def test_a_look_alike_email_or_postcode_never_verifies(actions, proof):
    verified, _ = try_order("web:spoofer", ALICE_ORDER, proof)
    assert not verified
    assert not actions.returns.verify("web:spoofer-2", ALICE_ORDER, proof).verified


# == 8, 9, 10 in the self-service portal (the chat's sibling door to the same verification) =============
@pytest_asyncio.fixture
async def portal(settings, services):
    """The gateway over the demo store's real services, with a session: a browser at /returns."""
    async with TestClient(TestServer(build_gateway(settings, services, FakeRasa().client()))) as client:
        assert (await client.post("/api/session")).status == 200
        yield client


async def portal_verify(client: TestClient, order_id: str, proof: str) -> int:
    response = await client.post("/api/portal/verify", json={"order_id": order_id, "proof": proof})
    await response.read()
    return response.status


@pytest.mark.parametrize("order_id", INJECTIONS)
async def test_sql_for_an_order_number_in_the_portal_finds_nothing_and_changes_only_the_failure_count(
        portal, services, order_id):
    before = business_tables(services.store.engine)
    assert await portal_verify(portal, order_id, ALICE_EMAIL) == 403
    after = business_tables(services.store.engine)
    assert len(set(after.pop("verification_failures")) - set(before.pop("verification_failures"))) == 1
    assert after == before


@pytest.mark.parametrize("typed, imitated, proof", LOOKALIKES)
async def test_a_look_alike_order_number_in_the_portal_never_reaches_a_real_order(portal, typed, imitated, proof):
    assert await portal_verify(portal, typed, proof) == 403
    assert (await portal.get("/api/portal/order", params={"order_id": imitated})).status == 403


async def test_an_order_number_with_invisible_characters_verifies_in_the_portal(portal):
    assert await portal_verify(portal, f"{RLO}114-39416{ZWSP}89-8772232{PDF}", ALICE_EMAIL) == 200
    assert (await portal.get("/api/portal/order", params={"order_id": ALICE_ORDER})).status == 200


async def test_a_one_megabyte_or_ten_thousand_character_portal_request_is_a_4xx_and_changes_nothing(portal,
                                                                                                  services):
    before = business_tables(services.store.engine)
    for body in ({"order_id": ALICE_ORDER, "proof": "x" * 1_000_000}, {"order_id": "1" * 10_000, "proof": "x"}):
        response = await portal.post("/api/portal/verify", json=body)
        assert 400 <= response.status < 500 and "error" in await response.json()
    assert business_tables(services.store.engine) == before  # refused before any check: not even a failure


# == 13. 50 identical return requests at once: one RMA, and every answer names it ======================
def all_at_once(work, times: int = 50) -> list:
    """`work(n)` in `times` threads released together."""
    start = threading.Barrier(times)

    def one(n):
        start.wait()
        return work(n)

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(one, range(times)))


def test_fifty_identical_requests_at_once_make_one_rma_and_all_get_it(services):
    """(test_services sends 24 through 8 threads; here 50 released at the same moment.)"""
    returns = services.returns
    assert returns.verify("web:eager", ALICE_ORDER, ALICE_EMAIL).verified
    results = all_at_once(lambda n: returns.request_return(
        "web:eager", ALICE_ORDER, "L1", ReturnReason.TOO_SMALL, Resolution.REFUND))
    [rma] = services.store.list_rmas()
    assert {r.rma.rma_id for r in results} == {rma.rma_id}
    assert sum(r.created for r in results) == 1


async def test_fifty_identical_submits_at_once_answer_every_one_with_the_one_rma(actions):
    """The action server runs each request in its own task; each gets a message naming the RMA."""
    assert actions.returns.verify("web:eager", ALICE_ORDER, ALICE_EMAIL).verified
    ready = State.from_dict({"task": {"goal": "return", "order_id": ALICE_ORDER, "verified": True, "step": "resolution",
                                      "line_ids": ["L2"], "reason": "too_small"}})
    pressed = {"intent": {"name": "inform", "confidence": 1.0}, "text": '/inform{"resolution":"refund"}',
               "entities": [{"entity": "resolution", "value": "refund"}]}

    def submit(n):
        said_ = CollectingDispatcher()
        asyncio.run(ActionConverse().run(said_, Tracker("web:eager", {"dialogue": ready.to_dict()}, pressed, [],
                                                        False, None, {}, None), {}))
        return said_.messages

    answers = all_at_once(submit)
    [rma] = actions.store.list_rmas()
    assert all(len(messages) == 1 and messages[0]["rma_id"] == rma.rma_id for messages in answers)
    assert sorted(m[0]["response"] for m in answers) == ["utter_rma_exists"] * 49 + ["utter_rma_issued"]


# == 14. A confirm pressed twice: one RMA, one refund ===================================================
def test_a_returnless_refund_asked_twice_is_one_rma_and_one_refund(services):
    """(test_services asks twice for an RMA with a slip, which has no refund yet; a returnless
    refund is paid at once, so asking twice must not pay twice.)"""
    returns = services.returns
    assert returns.verify("web:double", CHLOE_ORDER, CHLOE_POSTCODE).verified
    first = returns.request_return("web:double", CHLOE_ORDER, "L1", ReturnReason.CHANGED_MIND, Resolution.REFUND)
    again = returns.request_return("web:double", CHLOE_ORDER, "L1", ReturnReason.CHANGED_MIND, Resolution.REFUND)
    assert (first.created, again.created, again.rma.rma_id) == (True, False, first.rma.rma_id)
    assert len(services.store.list_rmas()) == 1 and services.store.refund_count(first.rma.rma_id) == 1


def test_a_returnless_refund_pressed_fifty_times_at_once_pays_once(services):
    returns = services.returns
    assert returns.verify("web:double", CHLOE_ORDER, CHLOE_POSTCODE).verified
    results = all_at_once(lambda n: returns.request_return(
        "web:double", CHLOE_ORDER, "L1", ReturnReason.CHANGED_MIND, Resolution.REFUND))
    [rma] = services.store.list_rmas()
    assert {r.rma.rma_id for r in results} == {rma.rma_id} and services.store.refund_count(rma.rma_id) == 1
    with services.store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM refunds")).scalar_one() == 1


# == On the running stack: what the real dialogue says =================================================
def stack_store(stack) -> SqlStore:
    return SqlStore.from_url(stack.settings.database_url)


def chat_id(customer: WebCustomer) -> str:
    return "web:" + customer.http.cookies.get(COOKIE_NAME).partition(".")[0]


def close_cases(store: SqlStore, conversation_id: str) -> None:
    """Close the cases a test opened, so later tests on the shared stack never take them for theirs."""
    from bot.sql.handoffs import handoffs

    with store.engine.begin() as conn:
        conn.execute(handoffs.update().where(handoffs.c.conversation_id == conversation_id).values(status="closed"))


def recent_order(order_id: str, email: str, postcode: str, *lines, **changes) -> Order:
    """An order of our own, delivered three days ago (the stack runs on the real clock and its
    database is shared: each test brings its own orders so it neither sees nor locks another's)."""
    delivered = datetime.now(timezone.utc) - timedelta(days=3)
    return order(*lines, order_id=order_id, channel=SalesChannel.SHOPIFY,
                 customer=Customer(email, "Test Customer", postcode, "US"), placed_at=delivered - timedelta(days=4),
                 shipped_at=delivered - timedelta(days=2), delivered_at=delivered, status=OrderStatus.DELIVERED,
                 **changes)


@pytest.mark.stack
@pytest.mark.parametrize("someone_elses, unknown", [("#1101", "#9876"), ("114-0618485-5446199", "114-0000000-0000009")])
def test_in_the_chat_another_customers_order_gets_word_for_word_the_unknown_orders_answers(stack, someone_elses,
                                                                                           unknown):
    turns = []
    for order_id in (someone_elses, unknown):
        mallory = WebCustomer(stack)
        asked = mallory.say(f"where is my order {order_id}")
        told = mallory.say(ALICE_EMAIL)  # Alice's email: right for neither order
        turns.append((asked.replace(order_id, "<order>"), told))
    assert turns[0] == turns[1]
    assert "email address or postcode" in turns[0][0] and "couldn't find an order" in turns[0][1]


@pytest.mark.stack
def test_in_the_chat_the_sixth_try_is_refused_and_a_person_offered(stack):
    store = stack_store(stack)
    try:
        store.upsert_orders([recent_order("#7306", "owner.7306@example.com", "30306")])
        guesser = WebCustomer(stack)
        answer = guesser.say("where is my order #7306")
        tries = []
        for n in range(MAX_FAILED_VERIFICATIONS + 1):  # five wrong guesses, then the right email
            if "What's your order number" in answer:
                answer = guesser.say("#7306")
            elif "email address or postcode" not in answer:  # after a miss the order is kept: the next guess goes on
                answer = guesser.say("where is my order #7306")  # starting again after the lockout
            answer = guesser.say(f"guess{n}@example.com" if n < MAX_FAILED_VERIFICATIONS else "owner.7306@example.com")
            tries.append(answer)
        assert all("couldn't find an order" in a for a in tries[:MAX_FAILED_VERIFICATIONS - 1]), tries
        assert all("can't check more order details" in a for a in tries[MAX_FAILED_VERIFICATIONS - 1:]), tries
        assert [b["payload"] for b in guesser.buttons()] == ["/human_handoff"]
        assert "member of our team" in guesser.press("Talk to a person")
        assert not store.is_verified(chat_id(guesser), "#7306")
        close_cases(store, chat_id(guesser))
    finally:
        store.engine.dispose()


@pytest.mark.stack
def test_in_the_chat_sql_for_an_order_number_is_refused_and_the_database_is_unchanged(stack):
    store = stack_store(stack)
    try:
        before = business_tables(store.engine)
        bobby = WebCustomer(stack)
        first = bobby.say("I want to return order 1' OR '1'='1")
        second = bobby.say("1;DROP TABLE orders")
        assert "order number" in first.lower() and "doesn't look like an order number" in second, (first, second)
        assert business_tables(store.engine) == before
    finally:
        store.engine.dispose()


@pytest.mark.stack
def test_in_the_chat_a_refund_pressed_twice_pays_once(stack):
    store = stack_store(stack)
    try:
        store.upsert_orders([recent_order("#7314", "owner.7314@example.com", "30314", line(
            line_id="L1", sku="CABLE-USB", title="USB cable", category="electronics", unit_price=Decimal("3.99")),
            return_shipping_cost=Decimal("6.50"))])
        buyer = WebCustomer(stack)
        buyer.say("I want a refund for order #7314")
        answer = buyer.say("30314")
        assert "reason" in answer.lower(), answer
        reason = next(b for b in buyer.buttons() if "changed" in b["title"].lower())
        first = buyer.say(reason["payload"])
        second = buyer.say(reason["payload"])  # the same button again
        [rma] = store.rmas_for_order("#7314")
        assert rma.rma_id in first and "refunded" in first, first
        assert store.refund_count(rma.rma_id) == 1 and set(re.findall(r"RMA-\w+", second)) <= {rma.rma_id}
    finally:
        store.engine.dispose()
