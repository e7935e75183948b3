"""The conversation's language through the gateway (issue 15): chosen by the router on each customer
message, kept per conversation (only when it changes), sent to Rasa as the message's metadata, and used
for what the gateway says itself, for Telegram's menus and slip, and for the notices that a return moved.
Forgetting a customer erases it. The SQL store is held to the fake's promises on SQLite and PostgreSQL."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot import responses as said
from bot.catalogue import catalogue, speaking
from bot.language import Hints
from bot.models import Resolution, ReturnReason, RmaStatus
from bot.sql.conversation_languages import SqlConversationLanguages
from bot.sql.erasure import forget_customer
from bot.sql.outbox import SqlOutbox
from bot.sql.schema import metadata
from bot.store import SqlStore
from channels.gateway import build_gateway
from channels.limits import CaseGate, Limit, session_notice
from channels.router import Inbound, Router
from channels.telegram.app import bot_commands
from channels.telegram.format import reply_payloads
from channels.telegram.sender import TelegramSender
from channels.web.app import web_payloads
from channels.web.session import COOKIE_NAME, conversation_of
from tests.fake_telegram import TOKEN
from tests.fakes import FakeConversationLanguages, FakeRasa, FakeReturns, FakeSettings, FakeStore
from tests.telegram_customer import visible
from tests.telegram_rig import REASONS, SLIP_RMA, ScriptedRasa, running
from tests.builders import NOW as T0
from tests.conftest import test_settings
from tests.test_outbox import postgres_url  # noqa: F401  (a fixture: a database of this module's own)

GERMAN = "Hallo, ich möchte meine Schuhe zurückschicken, sie sind zu klein"
ENGLISH = "I would like to return my order please, it is too small"
FRENCH = "Bonjour, je voudrais retourner ma commande, elle est trop petite"
BUTTON = '/inform{"return_reason":"too_small"}'
DE = catalogue(language="de")


@pytest.fixture
def outbox(tmp_path):
    store = FakeStore.in_folder(tmp_path)
    yield SqlOutbox(store.engine)
    store.engine.dispose()


def router_on(rasa: FakeRasa, outbox, languages, **extra) -> Router:
    return Router(rasa.client(), outbox, {"web": web_payloads, "telegram": reply_payloads}, languages=languages,
                  **extra)


def languages_sent(rasa) -> list:
    return [body["metadata"].get("language") for body in rasa.received]


class Turns:
    """One conversation's messages through the router, each under a key of its own."""

    def __init__(self, router: Router, conversation: str = "web:s1"):
        self.router, self.conversation, self.count = router, conversation, 0

    async def say(self, text: str, **extra) -> None:
        self.count += 1
        channel = self.conversation.partition(":")[0]
        key = f"{self.conversation}:k{self.count}"
        assert await self.router.handle(Inbound(channel, self.conversation, key, text, **extra))


# -- chosen per message, kept per conversation ------------------------------------------------------
async def test_the_language_is_chosen_from_the_first_words_and_kept_for_short_answers(outbox):
    rasa, languages = FakeRasa(), FakeConversationLanguages()
    turns = Turns(router_on(rasa, outbox, languages))
    await turns.say(GERMAN)
    await turns.say("ok")
    await turns.say("#1004")
    assert languages_sent(rasa) == ["de", "de", "de"]
    assert languages.languages == {"web:s1": "de"} and languages.writes == 1  # kept once: it did not change


async def test_each_conversation_has_its_own_language(outbox):
    rasa, languages = FakeRasa(), FakeConversationLanguages()
    router = router_on(rasa, outbox, languages)
    await Turns(router, "web:a").say(GERMAN)
    await Turns(router, "web:b").say(FRENCH)
    assert languages.languages == {"web:a": "de", "web:b": "fr"}
    assert router.language_of("web:a") == "de" and router.language_of("web:unknown") == "en"


async def test_a_customer_who_switches_language_is_followed(outbox):
    rasa, languages = FakeRasa(), FakeConversationLanguages()
    turns = Turns(router_on(rasa, outbox, languages))
    await turns.say(GERMAN)
    await turns.say(FRENCH)
    await turns.say("merci")
    assert languages_sent(rasa) == ["de", "fr", "fr"]
    assert languages.languages["web:s1"] == "fr" and languages.writes == 2


@pytest.mark.parametrize("request_words", ["English please", "can you speak English?"])
async def test_asking_for_english_switches_back(outbox, request_words):
    rasa, languages = FakeRasa(), FakeConversationLanguages({"web:s1": "de"})
    turns = Turns(router_on(rasa, outbox, languages))
    await turns.say(request_words)
    await turns.say("ok")
    assert languages_sent(rasa) == ["en", "en"] and languages.languages["web:s1"] == "en"


@pytest.mark.parametrize("press", [
    pytest.param({"text": BUTTON, "title": "Too small"}, id="button"),
    pytest.param({"text": "/human_handoff", "title": "/human"}, id="telegram-command"),
    pytest.param({"text": "/greet"}, id="payload"),
])
async def test_a_button_or_a_command_keeps_the_language(outbox, press):
    rasa, languages = FakeRasa(), FakeConversationLanguages({"web:s1": "fr"})
    turns = Turns(router_on(rasa, outbox, languages))
    await turns.say(**press)
    assert languages_sent(rasa) == ["fr"] and languages.writes == 0


async def test_english_words_in_an_english_conversation_write_nothing(outbox):
    rasa, languages = FakeRasa(), FakeConversationLanguages()
    turns = Turns(router_on(rasa, outbox, languages))
    for text in (ENGLISH, "thanks", BUTTON):
        await turns.say(text)
    assert languages_sent(rasa) == ["en", "en", "en"] and languages.writes == 1  # the first message only


async def test_a_hint_decides_a_first_message_too_short_to_tell_and_words_overrule_it(outbox):
    rasa, languages = FakeRasa(), FakeConversationLanguages()
    router = router_on(rasa, outbox, languages)
    await Turns(router, "telegram:1").say("ok", hints=Hints(language_code="it"))
    await Turns(router, "telegram:2").say(ENGLISH, hints=Hints(language_code="it"))
    await Turns(router, "telegram:3").say("/greet", hints=Hints(language_code="es-MX"))
    assert languages_sent(rasa) == ["it", "en", "es"]


async def test_a_store_that_fails_costs_the_language_never_the_answer(outbox):
    class Broken:
        def language_of(self, conversation_id):
            raise RuntimeError("database away")

        def set_language(self, conversation_id, language):
            raise RuntimeError("database away")

    rasa = FakeRasa()
    turns = Turns(router_on(rasa, outbox, Broken()))
    await turns.say(GERMAN)
    assert languages_sent(rasa) == ["de"]
    assert [m.payload["text"] for m in outbox.messages("web:s1")] == [f"you said: {GERMAN}", "Anything else?"]


# -- the channels' hints ----------------------------------------------------------------------------
@pytest.fixture
def web_store(tmp_path):
    store = FakeStore.in_folder(tmp_path)
    yield store
    store.engine.dispose()


@pytest_asyncio.fixture
async def web(web_store):
    rasa = FakeRasa()
    app = build_gateway(FakeSettings(), SimpleNamespace(store=web_store, returns=FakeReturns()), rasa.client())
    async with TestClient(TestServer(app)) as client:
        yield client, rasa


@pytest.mark.parametrize("body, header, expected", [
    pytest.param({"lang": "fr"}, "de-DE,de;q=0.9", "fr", id="page-lang-before-accept-language"),
    pytest.param({}, "de-DE,de;q=0.9,en;q=0.5", "de", id="accept-language"),
    pytest.param({"lang": "pt"}, "it", "it", id="page-lang-not-served"),
    pytest.param({}, None, "en", id="no-hint"),
])
async def test_the_web_chat_hints_with_the_pages_language_then_the_browsers(web, web_store, body, header, expected):
    client, rasa = web
    headers = {"Accept-Language": header} if header else {}
    assert (await client.post("/api/session")).status == 200
    response = await client.post("/api/messages", json={"text": "ok", **body}, headers=headers)
    assert response.status == 200
    assert languages_sent(rasa) == [expected]
    [conversation] = {b["sender"] for b in rasa.received}
    assert SqlConversationLanguages(web_store.engine).language_of(conversation) == expected


async def test_the_web_chat_keeps_the_conversations_language_over_the_hint(web):
    client, rasa = web
    await client.post("/api/session")
    await client.post("/api/messages", json={"text": GERMAN})
    await client.post("/api/messages", json={"text": "ok", "lang": "fr"}, headers={"Accept-Language": "it"})
    assert languages_sent(rasa) == ["de", "de"]


async def test_the_chat_page_sends_the_language_it_was_asked_for():
    from pathlib import Path

    script = (Path(__file__).resolve().parent.parent / "channels" / "web" / "static" / "chat.js").read_text()
    assert 'get("lang")' in script and "lang: PAGE_LANG" in script and "/api/session${query}" in script


@pytest.fixture
def tg(tmp_path, fake_telegram):
    settings = test_settings(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake_telegram.url)
    store = SqlStore.from_url(settings.database_url)
    yield settings, store
    store.engine.dispose()


def in_german(update: dict) -> dict:
    """The update as a customer whose Telegram app is in German sends it."""
    for part in ("message", "callback_query"):
        if part in update:
            update[part]["from"]["language_code"] = "de"
    return update


async def test_telegram_hints_with_the_apps_language_and_keeps_it_for_buttons(fake_telegram, tg):
    settings, store = tg
    rasa, slips = ScriptedRasa(), []

    def slip_pdf(rma_id, language):
        slips.append((rma_id, language))
        return b"%PDF-1.4 slip"

    async with running(fake_telegram, settings, store, rasa.client(), slip_pdf=slip_pdf) as bot:
        customer = bot.customer(901)
        await customer.send(in_german(fake_telegram.message(901, "choose")))
        await customer.send(in_german(fake_telegram.press(901, customer.keyboard(), customer.keyboard().buttons[0])))
        sent = await customer.send(in_german(fake_telegram.message(901, "slip")))
        assert [b["metadata"] for b in rasa.received] == [{"language": "de"}] * 3
        assert rasa.received[1]["message"] == REASONS[0]["payload"]
        assert bot.languages.language_of("telegram:901") == "de"
        [document] = [c for c in sent if c.method == "sendDocument"]
        assert slips == [(SLIP_RMA, "de")]
        assert visible(SimpleNamespace(params={"text": document.params["caption"]})) == DE.text(
            said.TELEGRAM_SLIP_CAPTION, rma_id=SLIP_RMA)


async def test_telegrams_command_menus_are_registered_per_language(fake_telegram, tg):
    settings, store = tg
    async with running(fake_telegram, settings, store, ScriptedRasa().client()):
        menus = {m.params.get("language_code"): m.params["commands"] for m in fake_telegram.sent("setMyCommands")}
    assert set(menus) == {None, "de", "fr", "es", "it", "zh"}
    assert [c["description"] for c in menus["de"]] == [c.description for c in bot_commands("de")]
    assert menus["de"][3]["description"] == DE.text(said.TELEGRAM_COMMAND_CANCEL)
    assert menus[None][2]["description"] == catalogue().text(said.TELEGRAM_COMMAND_HUMAN)
    assert all(3 <= len(c.description) <= 256 for lang in menus if lang for c in bot_commands(lang))


# -- what the gateway says itself, in German --------------------------------------------------------
async def test_the_apology_when_rasa_is_down_is_in_the_conversations_language(outbox):
    languages = FakeConversationLanguages({"web:s1": "de"})
    turns = Turns(router_on(FakeRasa(down="connect"), outbox, languages))
    await turns.say("und jetzt?")
    assert [m.payload["text"] for m in outbox.messages("web:s1")] == [DE.text(said.GATEWAY_SORRY)]


async def test_a_fixed_reply_and_a_photo_are_acknowledged_in_the_conversations_language(outbox, tmp_path):
    from bot.attachments import AttachmentStore
    from bot.sql.attachments import SqlAttachments

    metadata.create_all(outbox.engine)  # the attachments' handoffs
    languages = FakeConversationLanguages({"telegram:5": "de"})
    attachments = AttachmentStore(SqlAttachments(outbox.engine), tmp_path / "attachments")
    router = router_on(FakeRasa(), outbox, languages, attachments=attachments)
    assert await router.reply(Inbound("telegram", "telegram:5", "k1"), [said.TELEGRAM_STALE])
    assert await router.reply(Inbound("telegram", "telegram:6", "k2", hints=Hints(language_code="de")),
                              [said.TELEGRAM_PRIVATE_ONLY], username="shop_bot")

    async def fetch():
        return b"\xff\xd8\xff jpeg", "image/jpeg"

    assert await router.attach(Inbound("telegram", "telegram:5", "k3"), fetch)
    texts = [m.payload["text"] for m in outbox.messages("telegram:5")]
    assert texts == [DE.text(said.TELEGRAM_STALE), DE.text(said.GATEWAY_PHOTO_RECEIVED)]
    assert [m.payload["text"] for m in outbox.messages("telegram:6")] == [
        DE.text(said.TELEGRAM_PRIVATE_ONLY, username="shop_bot")]


async def test_the_telegram_choose_prompt_and_slip_follow_the_conversations_language(outbox):
    languages = FakeConversationLanguages({"telegram:7": "de"})
    rasa = FakeRasa()
    router = router_on(rasa, outbox, languages)
    router.deliver("telegram:7", "Ihre Rücksendung ist unterwegs.", "update:1", source="updates")
    with speaking("de"):
        payloads = reply_payloads({"buttons": REASONS, "custom": {"return_slip": {"rma_id": SLIP_RMA}}})
    assert payloads[0]["text"] == DE.text(said.CHOOSE)
    assert payloads[-1] == {"document": {"return_slip": SLIP_RMA, "language": "de"}}
    assert reply_payloads({"custom": {"return_slip": {"rma_id": SLIP_RMA}}}) == [
        {"document": {"return_slip": SLIP_RMA}}]  # English: as before


async def test_the_telegram_sender_draws_and_captions_the_slip_in_its_language():
    from bot.outbox import OutboxMessage

    class Bot:
        def __init__(self):
            self.documents = []

        async def send_document(self, chat_id, document, caption, parse_mode):
            self.documents.append(caption)
            return SimpleNamespace(message_id=1)

    asked, bot = [], Bot()
    sender = TelegramSender(bot, lambda rma_id, language: asked.append(language) or b"%PDF")
    for language in ("zh", None):
        document = {"return_slip": SLIP_RMA, **({"language": language} if language else {})}
        await sender.send(OutboxMessage(id=1, conversation_id="telegram:9", channel="telegram", key="k", seq=1,
                                        payload={"document": document}, status="pending", attempts=0,
                                        created_at=None, next_attempt_at=None))
    assert asked == ["zh", "en"]
    assert bot.documents == [catalogue(language="zh").text(said.TELEGRAM_SLIP_CAPTION, rma_id=SLIP_RMA),
                             catalogue().text(said.TELEGRAM_SLIP_CAPTION, rma_id=SLIP_RMA)]


def test_the_limits_say_so_in_the_customers_language():
    assert session_notice("client", 30, "", "de") == DE.text(said.GATEWAY_SESSIONS_BUSY_CLIENT, wait="einer Minute")
    assert session_notice("total", 300, "help@acme.example", "de") == (
        DE.text(said.GATEWAY_SESSIONS_BUSY_TOTAL, wait="5 Minuten") + " "
        + DE.text(said.GATEWAY_CONTACT, contact="help@acme.example"))
    gate = CaseGate(SimpleNamespace(), Limit(1, 1, 60.0), contact="help@acme.example")
    assert gate.notice("de").startswith(DE.text(said.GATEWAY_CASES_BUSY))
    assert gate.notice() == (catalogue().text(said.GATEWAY_CASES_BUSY)
                             + " You can also reach the shop directly: help@acme.example.")


async def test_the_web_chat_asks_for_a_lost_message_again_in_the_conversations_language(web, web_store):
    client, _ = web
    assert (await client.post("/api/session")).status == 200
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    conversation = conversation_of(cookie.partition(".")[0])
    SqlConversationLanguages(web_store.engine).set_language(conversation, "de")
    assert SqlOutbox(web_store.engine).claim_inbound(conversation, [f"{conversation}:msg:lost-in-a-crash"], T0)
    answer = await (await client.post("/api/messages", json={"text": "hallo?", "id": "lost-in-a-crash"})).json()
    assert answer["notice"] == DE.text(said.GATEWAY_NOT_ANSWERED)


# -- notices that a return moved ---------------------------------------------------------------------
ALICE_ORDER, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"


def alices_return(services, conversation: str):
    assert services.returns.verify(conversation, ALICE_ORDER, ALICE_EMAIL).verified
    services.store.append_message(conversation, "in", {"text": "Socken zurück"}, services.returns.clock())
    return services.returns.request_return(conversation, ALICE_ORDER, "L2", ReturnReason.TOO_SMALL,
                                           Resolution.REFUND).rma


@pytest.mark.parametrize("language", ["de", "zh"])
def test_a_notice_is_said_in_the_conversations_language(services, language):
    languages = SqlConversationLanguages(services.store.engine)
    updates = services.updates.speaking_from(languages)
    assert updates.due() == []  # the cursor starts now
    rma = alices_return(services, "telegram:4711")
    languages.set_language("telegram:4711", language)
    updates.record(rma.rma_id, RmaStatus.IN_TRANSIT, event_id="scan-1", note="picked up")
    updates.record(rma.rma_id, RmaStatus.REFUNDED, event_id="refund-1")
    notices = [n for n in updates.due() if n.text]
    assert [n.conversation_id for n in notices] == ["telegram:4711", "telegram:4711"]
    rma = services.store.get_rma(rma.rma_id)
    assert notices[0].text == services.updates._text(rma, notices[0].event, language)
    words = catalogue(language=language)
    assert notices[0].text.startswith(words.text(said.NOTICE_IN_TRANSIT, rma_id=rma.rma_id, item="")[:6])
    english = [n for n in services.updates.due() if n.text]  # the same events without the languages: English
    assert english[0].text != notices[0].text and english[0].text == services.updates._text(rma, notices[0].event)


def test_a_label_notice_links_the_slip_in_the_conversations_language(services):
    languages = SqlConversationLanguages(services.store.engine)
    updates = services.updates.speaking_from(languages)
    updates.due()  # the cursor starts now
    rma = alices_return(services, "telegram:4712")
    languages.set_language("telegram:4712", "de")
    services.store.apply_rma_event(rma.rma_id, RmaStatus.LABEL_CREATED, services.returns.clock(), "label printed",
                                   "test:label-1")
    [notice] = [n for n in updates.due() if n.text]
    assert "lang=de" in notice.text and "Rücksende" in notice.text


# -- forgetting the customer --------------------------------------------------------------------------
def test_forgetting_a_customer_erases_the_language_of_their_conversations(services):
    languages = SqlConversationLanguages(services.store.engine)
    assert services.returns.verify("telegram:31", ALICE_ORDER, ALICE_EMAIL).verified
    languages.set_language("telegram:31", "fr")
    languages.set_language("telegram:32", "de")  # someone else
    erasure = forget_customer(services.store.engine, ALICE_EMAIL, "0123456789abcdef")
    assert erasure.count("conversation_languages") == 1
    assert languages.language_of("telegram:31") is None and languages.language_of("telegram:32") == "de"


# -- the SQL store: the fake's promises on SQLite and PostgreSQL --------------------------------------
@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.scaled)])
def store_of_languages(request, tmp_path):
    if request.param == "memory":
        yield FakeConversationLanguages()
        return
    if request.param == "sqlite":
        store = SqlStore.from_url(f"sqlite:///{tmp_path / 'returnbot.db'}")
    else:
        store = SqlStore.from_url(request.getfixturevalue("postgres_url"))
        metadata.drop_all(store.engine)
    yield SqlConversationLanguages(store.engine)  # makes its table on a database made before it
    store.engine.dispose()


def test_the_store_keeps_one_language_per_conversation_and_replaces_it(store_of_languages):
    languages = store_of_languages
    assert languages.language_of("web:a") is None
    languages.set_language("web:a", "de")
    languages.set_language("telegram:1", "zh")
    assert (languages.language_of("web:a"), languages.language_of("telegram:1")) == ("de", "zh")
    languages.set_language("web:a", "fr")
    languages.set_language("web:a", "fr")
    assert (languages.language_of("web:a"), languages.language_of("telegram:1")) == ("fr", "zh")
    assert languages.language_of("web:b") is None
