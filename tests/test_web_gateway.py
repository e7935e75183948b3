"""Web chat gateway: sessions, message round trips (once per message id, through the router and the
outbox), limits, history, updates pulled from the outbox, agent handoffs and slip downloads, against
a fake Rasa."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from types import SimpleNamespace

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import responses
from bot.catalogue import catalogue
from bot.outbox import SENT
from bot.sql.outbox import SqlOutbox
from bot.store import SqlStore
from channels.gateway import build_gateway
from channels.rasa_client import RasaClient, RasaUnavailable
from channels.router import Router
from channels.web import add_web_routes
from channels.web.app import COOKIE_NAME, MAX_TEXT_CHARS, OFFERS_LOOKBACK, WebChat, offered_payloads
from tests.fakes import BUTTONS, PDF, FakeDesk, FakeRasa, FakeReturns, FakeSettings, FakeStore

pytestmark = pytest.mark.asyncio

T0 = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)

SORRY = catalogue().text(responses.GATEWAY_SORRY)
NOT_ANSWERED = catalogue().text(responses.GATEWAY_NOT_ANSWERED)


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def store(tmp_path) -> FakeStore:
    store = FakeStore.in_folder(tmp_path)
    yield store
    store.engine.dispose()


def make_app(rasa: FakeRasa, store: FakeStore, settings: FakeSettings | None = None):
    services = SimpleNamespace(store=store, returns=FakeReturns())
    return build_gateway(settings or FakeSettings(), services, rasa.client())


def agents(store: FakeStore) -> Router:
    """How Slack reaches a web customer: `Router.deliver` with the gateway's web renderer."""
    return Router(FakeRasa().client(), SqlOutbox(store.engine), {"web": lambda reply: [reply]},
                  transcript=store, clock=lambda: T0)


@pytest_asyncio.fixture
async def client(rasa: FakeRasa, store: FakeStore):
    async with TestClient(TestServer(make_app(rasa, store))) as c:
        yield c


async def start_session(client: TestClient) -> str:
    resp = await client.post("/api/session")
    assert resp.status == 200
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value


def sid_of(cookie: str) -> str:
    return cookie.partition(".")[0]


async def test_gateway_issues_an_httponly_lax_session_cookie_and_keeps_it(client):
    resp = await client.post("/api/session")
    set_cookie = resp.headers["Set-Cookie"]
    assert (await resp.json()) == {"new": True}
    assert f"{COOKIE_NAME}=" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    assert len(sid_of(cookie)) >= 32

    again = await client.post("/api/session")
    assert (await again.json()) == {"new": False}
    assert "Set-Cookie" not in again.headers


async def test_forged_cookie_is_rejected_and_replaced(client, rasa):
    client.session.cookie_jar.update_cookies({COOKIE_NAME: "my-own-id.not-a-signature"})
    refused = await client.post("/api/messages", json={"text": "hi"})
    assert refused.status == 401
    assert rasa.received == []

    cookie = await start_session(client)
    assert sid_of(cookie) != "my-own-id"
    assert (await client.post("/api/messages", json={"text": "hi"})).status == 200
    assert rasa.received[0]["sender"] == f"web:{sid_of(cookie)}"


async def test_cookie_signed_with_another_secret_is_rejected(rasa, store):
    async with TestClient(TestServer(make_app(rasa, store, FakeSettings(secret="other")))) as other:
        foreign = await start_session(other)
    async with TestClient(TestServer(make_app(rasa, store))) as client:
        client.session.cookie_jar.update_cookies({COOKIE_NAME: foreign})
        assert (await (await client.post("/api/session")).json()) == {"new": True}


async def test_message_round_trip_goes_to_rasa_as_the_web_session_and_is_stored(client, rasa, store):
    sid = sid_of(await start_session(client))

    resp = await client.post("/api/messages", json={"text": "  I want to return my shoes  "})

    assert resp.status == 200
    assert (await resp.json()) == {"messages": [{"text": "you said: I want to return my shoes", "seq": 1},
                                                {"text": "Anything else?", "seq": 2}], "cursor": 2}
    assert rasa.received == [{"sender": f"web:{sid}", "message": "I want to return my shoes",
                              "metadata": {"language": "en"}}]
    assert [(m["direction"], m["payload"]) for m in store.rows[f"web:{sid}"]] == [
        ("in", {"text": "I want to return my shoes"}),
        ("out", {"text": "you said: I want to return my shoes", "seq": 1}),
        ("out", {"text": "Anything else?", "seq": 2})]


async def test_bot_buttons_are_passed_through_to_the_page(client):
    await start_session(client)
    body = await (await client.post("/api/messages", json={"text": "buttons please"})).json()
    assert body == {"messages": [{"text": "Why are you returning it?", "buttons": BUTTONS, "seq": 1}], "cursor": 1}


async def test_pressed_button_payload_goes_to_rasa_verbatim_and_history_shows_its_title(client, rasa):
    await start_session(client)
    await client.post("/api/messages", json={"text": "buttons please"})

    await client.post("/api/messages", json={"text": BUTTONS[0]["payload"], "title": "Too small"})

    assert rasa.received[-1]["message"] == BUTTONS[0]["payload"]
    history = (await (await client.get("/api/history")).json())["messages"]
    assert history[2]["direction"] == "in"
    assert (history[2]["text"], history[2]["title"]) == (BUTTONS[0]["payload"], "Too small")


async def test_typed_intent_payload_the_bot_did_not_offer_is_sent_as_plain_text(client, rasa):
    await start_session(client)
    await client.post("/api/messages", json={"text": '/inform{"resolution":"refund"}'})
    assert rasa.received[-1]["message"] == 'inform{"resolution":"refund"}'


async def test_words_go_to_rasa_as_typed_without_reading_the_transcript_for_offered_buttons(rasa, store):
    reads: list[str] = []
    messages = store.messages
    store.messages = lambda conversation_id, limit=200: reads.append(conversation_id) or messages(conversation_id, limit)
    async with TestClient(TestServer(chat_app(rasa, store))) as client:
        await start_session(client)
        await post(client, "buttons please", None)
        assert reads == []
        await post(client, BUTTONS[0]["payload"], None)
        await post(client, "I want to return /my shoes", None)
        assert len(reads) == 1
        await post(client, "x" * (MAX_TEXT_CHARS - 1) + " /y", None)  # cut to end in a blank, which goes
        assert len(reads) == 2
    assert [m["message"] for m in rasa.received] == [
        "buttons please", BUTTONS[0]["payload"], "I want to return /my shoes", "x" * (MAX_TEXT_CHARS - 1)]


async def test_after_an_apology_the_buttons_before_it_can_still_be_pressed(client, rasa):
    await start_session(client)
    await client.post("/api/messages", json={"text": "buttons please"})
    rasa.down = "connect"
    await client.post("/api/messages", json={"text": BUTTONS[0]["payload"], "title": "Too small"})
    rasa.down = None
    await client.post("/api/messages", json={"text": BUTTONS[0]["payload"], "title": "Too small"})  # the retry
    assert rasa.received[-1]["message"] == BUTTONS[0]["payload"]
    await client.post("/api/messages", json={"text": BUTTONS[1]["payload"]})  # answered since: no longer offered
    assert rasa.received[-1]["message"] == BUTTONS[1]["payload"].lstrip("/")


@pytest.mark.parametrize("apologies", [1, OFFERS_LOOKBACK, 3 * OFFERS_LOOKBACK])
async def test_the_buttons_stay_offered_through_any_run_of_apologies_the_transcript_holds(rasa, store, apologies):
    async with TestClient(TestServer(chat_app(rasa, store))) as client:
        await start_session(client)
        await post(client, "buttons please", None)
        rasa.down = "connect"
        for _ in range(apologies):
            await post(client, BUTTONS[0]["payload"], None, title="Too small")
        rasa.down = None
        await post(client, BUTTONS[0]["payload"], None, title="Too small")
        assert rasa.received[-1]["message"] == BUTTONS[0]["payload"]
        await post(client, BUTTONS[1]["payload"], None)
        assert rasa.received[-1]["message"] == BUTTONS[1]["payload"].lstrip("/")


async def test_on_the_gateways_sql_store_a_turn_is_three_transactions_with_the_same_answer_and_history(
        rasa, tmp_path):
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")
    commits: list[int] = []
    async with TestClient(TestServer(make_app(rasa, store))) as client:
        conversation = f"web:{sid_of(await start_session(client))}"
        await post(client, "buttons please", "ask-buttons")
        sa.event.listen(store.engine, "commit", lambda conn: commits.append(1))

        pressed = await post(client, BUTTONS[1]["payload"], "press-damaged", title="Damaged")
        assert len(commits) == 3  # the claim with its entry, the replies with theirs, the answer taken
        again = await post(client, BUTTONS[1]["payload"], "press-damaged", title="Damaged")
        history = await (await client.get("/api/history")).json()

    assert pressed == again == {"messages": [{"text": f"you said: {BUTTONS[1]['payload']}", "seq": 2},
                                             {"text": "Anything else?", "seq": 3}], "cursor": 3}
    assert [m["message"] for m in rasa.received] == ["buttons please", BUTTONS[1]["payload"]]
    assert [(m["direction"], m.get("title"), m["text"], m.get("seq")) for m in history["messages"]] == [
        ("in", None, "buttons please", None), ("out", None, "Why are you returning it?", 1),
        ("in", "Damaged", BUTTONS[1]["payload"], None), ("out", None, f"you said: {BUTTONS[1]['payload']}", 2),
        ("out", None, "Anything else?", 3)]
    assert [(m.status, m.attempts, m.delivery_ref) for m in SqlOutbox(store.engine).messages(conversation)] == [
        (SENT, 1, "answered")] * 3
    store.engine.dispose()


def answer(buttons: list[dict] | None = None, text: str = "ok") -> dict:
    return {"direction": "out", "payload": {"text": text, **({"buttons": buttons} if buttons else {})}}


def said(text: str = "hi") -> dict:
    return {"direction": "in", "payload": {"text": text}}


OTHER = [{"title": "Yes", "payload": "/affirm"}]
SORRY_ENTRY = answer(text=SORRY)


@pytest.mark.parametrize("history", [
    [],
    [said()],
    [said(), answer(BUTTONS)],
    [said(), answer(BUTTONS), said(), SORRY_ENTRY],
    [said(), answer(BUTTONS), *[said(), SORRY_ENTRY] * OFFERS_LOOKBACK],
    [said(), answer(OTHER), said(), answer(BUTTONS), *[said(), SORRY_ENTRY] * (OFFERS_LOOKBACK // 2 - 1)],
    [said(), answer(OTHER), said(), answer(BUTTONS), *[said(), SORRY_ENTRY] * (OFFERS_LOOKBACK // 2)],
    [answer(BUTTONS), *[said()] * (OFFERS_LOOKBACK - 1)],
    [answer(BUTTONS), *[said()] * OFFERS_LOOKBACK],
    [said(), answer(OTHER), said(), answer(BUTTONS), *[said()] * (OFFERS_LOOKBACK + 5)],
    [said(), answer(BUTTONS), answer(OTHER), said(), *[SORRY_ENTRY] * OFFERS_LOOKBACK],
    [*[said(), answer(OTHER)] * 150, said(), answer(BUTTONS), *[said(), SORRY_ENTRY] * 99],  # 200 entries read
    [*[said(), answer(OTHER)] * 150, said(), answer(BUTTONS), *[said(), SORRY_ENTRY] * 100],  # beyond them
], ids=lambda history: f"{len(history)} entries")
async def test_the_offered_buttons_are_those_of_the_latest_200_transcript_entries_however_few_are_read(store, history):
    store.rows["web:s"] = history
    chat = WebChat(router=None, outbox=None, store=store, slip_pdf=FakeReturns().slip_pdf, secret="s",
                   shop_name="shop", secure_cookie=False, now=lambda: T0)
    assert chat._offered("web:s") == offered_payloads(history[-200:])


async def test_history_survives_a_reload_with_the_same_cookie(client, rasa, store):
    cookie = await start_session(client)
    await client.post("/api/messages", json={"text": "buttons please"})

    async with TestClient(TestServer(make_app(rasa, store))) as reloaded:
        reloaded.session.cookie_jar.update_cookies({COOKIE_NAME: cookie})
        assert (await (await reloaded.post("/api/session")).json()) == {"new": False}
        history = (await (await reloaded.get("/api/history")).json())["messages"]

    assert [(m["direction"], m["text"]) for m in history] == [
        ("in", "buttons please"), ("out", "Why are you returning it?")]
    assert history[1]["buttons"] == BUTTONS
    assert datetime.fromisoformat(history[0]["at"]).tzinfo is not None


async def test_history_needs_a_session(client):
    assert (await client.get("/api/history")).status == 401


async def updates(client: TestClient, after: int | None = None) -> dict:
    resp = await client.get("/api/updates", params={} if after is None else {"after": after})
    assert resp.status == 200
    return await resp.json()


async def test_agent_messages_are_pulled_once_in_order_and_the_same_cursor_returns_them_again(client, store):
    conversation = f"web:{sid_of(await start_session(client))}"
    agents(store).deliver(conversation, "Hi, I'm Sam from the returns team.", "slack:1")
    agents(store).deliver(conversation, "I've refunded the shipping too.", "slack:2")

    pulled = await updates(client)

    assert pulled == {"messages": [
        {"text": "Hi, I'm Sam from the returns team.", "from": "agent", "seq": 1},
        {"text": "I've refunded the shipping too.", "from": "agent", "seq": 2}], "cursor": 2}
    assert await updates(client, after=2) == {"messages": [], "cursor": 2}
    assert await updates(client, after=0) == pulled
    assert (await updates(client, after=1))["messages"] == pulled["messages"][1:]
    assert SqlOutbox(store.engine).pending(conversation) == []


async def test_history_gives_the_cursor_to_pull_from_and_agent_messages_keep_their_seq(client, store):
    conversation = f"web:{sid_of(await start_session(client))}"
    await client.post("/api/messages", json={"text": "I'd like to talk to a person"})
    agents(store).deliver(conversation, "Sam here, how can I help?", "slack:1")

    history = await (await client.get("/api/history")).json()

    assert history["cursor"] == 3
    assert [(m["direction"], m["text"], m.get("from"), m.get("seq")) for m in history["messages"]] == [
        ("in", "I'd like to talk to a person", None, None),
        ("out", "you said: I'd like to talk to a person", None, 1),
        ("out", "Anything else?", None, 2), ("out", "Sam here, how can I help?", "agent", 3)]
    agents(store).deliver(conversation, "Are you still there?", "slack:2")
    assert (await updates(client, after=history["cursor"]))["messages"] == [
        {"text": "Are you still there?", "from": "agent", "seq": 4}]


@pytest.mark.parametrize("after", ["-1", "abc", "1.5", "", "1e3", " 1", "99999999999999999999"])
async def test_updates_cursor_must_be_a_non_negative_integer(client, after):
    await start_session(client)
    resp = await client.get("/api/updates", params={"after": after})
    assert resp.status == 400
    assert "non-negative integer" in (await resp.json())["error"]


async def test_updates_need_a_session(client):
    assert (await client.get("/api/updates")).status == 401
    client.session.cookie_jar.update_cookies({COOKIE_NAME: "someone.forged"})
    assert (await client.get("/api/updates", params={"after": 0})).status == 401


async def test_another_session_never_sees_a_conversations_agent_messages(client, store):
    conversation = f"web:{sid_of(await start_session(client))}"
    agents(store).deliver(conversation, "Your refund is on its way.", "slack:1")

    client.session.cookie_jar.clear()
    await start_session(client)

    assert await updates(client) == {"messages": [], "cursor": 0}
    assert (await (await client.get("/api/history")).json()) == {"messages": [], "cursor": 0}
    assert [m.status for m in SqlOutbox(store.engine).messages(conversation)] == ["pending"]


def chat_app(rasa: FakeRasa, store: FakeStore, desk: FakeDesk | None = None, middlewares=()) -> web.Application:
    """The web routes alone, on a router like the gateway's, with the clock at T0."""
    outbox = SqlOutbox(store.engine)
    router = Router(rasa.client(), outbox, {"web": lambda reply: [reply]}, transcript=store, clock=lambda: T0,
                    desk=desk)
    app = web.Application(middlewares=list(middlewares))
    add_web_routes(app, router=router, outbox=outbox, store=store, slip_pdf=FakeReturns().slip_pdf, secret="s",
                   now=lambda: T0)
    return app


def without_seq(messages: list[dict]) -> list[dict]:
    return [{k: v for k, v in m.items() if k != "seq"} for m in messages]


async def test_while_an_agent_owns_the_conversation_the_bot_is_silent_and_the_agent_gets_the_words(
        rasa, store):
    desk = FakeDesk()
    async with TestClient(TestServer(chat_app(rasa, store, desk))) as client:
        conversation = f"web:{sid_of(await start_session(client))}"
        desk.owned.add(conversation)

        resp = await client.post("/api/messages", json={"text": "  Is anyone there?  ", "id": "msg-0001"})
        again = await client.post("/api/messages", json={"text": "  Is anyone there?  ", "id": "msg-0001"})

        assert resp.status == 200
        assert (await resp.json()) == {"messages": [], "cursor": 0}
        assert (await again.json()) == {"messages": [], "cursor": 0}  # answered with silence: no notice
        await client.post("/api/messages", json={"text": "Hello?"})  # no id: the gateway makes one
    assert rasa.received == []
    [(forwarded_to, text, key), (_, second, generated)] = desk.forwarded
    assert (forwarded_to, text, key) == (conversation, "Is anyone there?", f"{conversation}:msg:msg-0001")
    assert second == "Hello?" and generated.startswith(f"{conversation}:msg:") and len(generated) > len(key)
    assert [(m["direction"], m["payload"]) for m in store.rows[conversation]] == [
        ("in", {"text": "Is anyone there?"}), ("in", {"text": "Hello?"})]
    assert SqlOutbox(store.engine).messages(conversation) == []


async def test_while_nobody_took_the_case_the_agents_see_the_words_and_the_bot_still_answers(rasa, store):
    desk = FakeDesk()
    async with TestClient(TestServer(chat_app(rasa, store, desk))) as client:
        conversation = f"web:{sid_of(await start_session(client))}"
        await client.post("/api/messages", json={"text": "buttons please"})

        resp = await client.post("/api/messages", json={"text": BUTTONS[0]["payload"], "title": "Too small"})

        assert (await resp.json())["messages"] == [{"text": f"you said: {BUTTONS[0]['payload']}", "seq": 2},
                                                   {"text": "Anything else?", "seq": 3}]
    assert [m["message"] for m in rasa.received] == ["buttons please", BUTTONS[0]["payload"]]
    assert [(c, text) for c, text, _ in desk.forwarded] == [(conversation, "buttons please"),
                                                            (conversation, "Too small")]
    assert len({key for _, _, key in desk.forwarded}) == 2


async def test_a_new_session_has_nothing_to_pull_and_the_cursor_it_asks_from_comes_back(rasa, store):
    async with TestClient(TestServer(chat_app(rasa, store))) as client:
        await start_session(client)
        assert await updates(client, after=5) == {"messages": [], "cursor": 5}
        assert (await (await client.get("/api/history")).json())["cursor"] == 0


@pytest.mark.parametrize("failure", ["connect", "timeout", "500", "garbage"])
async def test_rasa_down_gets_a_polite_reply_with_200(client, rasa, store, failure):
    sid = sid_of(await start_session(client))
    rasa.down = failure

    resp = await client.post("/api/messages", json={"text": "hello?"})

    assert resp.status == 200
    assert (await resp.json()) == {"messages": [{"text": SORRY, "seq": 1}], "cursor": 1}
    assert [m["direction"] for m in store.rows[f"web:{sid}"]] == ["in", "out"]


# -- each message once, by the id the page gives it ----------------------------------------------------
async def post(client: TestClient, text: str, message_id: str | None, **extra) -> dict:
    resp = await client.post("/api/messages", json={"text": text, **extra,
                                                    **({} if message_id is None else {"id": message_id})})
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_a_message_sent_twice_under_one_id_reaches_rasa_once_and_both_answers_carry_its_replies(
        client, rasa, store):
    conversation = f"web:{sid_of(await start_session(client))}"
    message_id = "2f0c6a1e-5b7d-4c1a-9d7e-0a1b2c3d4e5f"

    first = await post(client, "I want to return my shoes", message_id)
    again = await post(client, "I want to return my shoes", message_id)

    assert first == again == {"messages": [{"text": "you said: I want to return my shoes", "seq": 1},
                                           {"text": "Anything else?", "seq": 2}], "cursor": 2}
    assert [m["message"] for m in rasa.received] == ["I want to return my shoes"]
    assert [m["direction"] for m in store.rows[conversation]] == ["in", "out", "out"]
    assert [(m.key, m.status) for m in SqlOutbox(store.engine).messages(conversation)] == [
        (f"{conversation}:msg:{message_id}:0", "sent"), (f"{conversation}:msg:{message_id}:1", "sent")]


class GatedRasa(FakeRasa):
    """Answers only once `release` is set; `asked` is set when a message reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.asked, self.release = asyncio.Event(), asyncio.Event()

    async def gated(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/webhooks/"):
            self.asked.set()
            await self.release.wait()
        return self.handler(request)

    def client(self) -> RasaClient:
        return RasaClient("http://rasa.test", client=httpx.AsyncClient(transport=httpx.MockTransport(self.gated)))


async def test_two_concurrent_posts_of_one_id_reach_rasa_once_and_get_the_same_answer(store):
    rasa, arrived = GatedRasa(), []

    @web.middleware
    async def count(request: web.Request, handler):
        if request.path == "/api/messages":
            arrived.append(request.path)
        return await handler(request)

    async with TestClient(TestServer(chat_app(rasa, store, middlewares=[count]))) as client:
        await start_session(client)
        first = asyncio.create_task(post(client, "hello", "same-id-123"))
        await asyncio.wait_for(rasa.asked.wait(), 5)
        second = asyncio.create_task(post(client, "hello", "same-id-123"))
        while len(arrived) < 2:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # the second is in its handler, waiting for the conversation
        rasa.release.set()
        answers = await asyncio.wait_for(asyncio.gather(first, second), 5)

    assert [m["message"] for m in rasa.received] == ["hello"]
    assert answers[0] == answers[1] == {"messages": [{"text": "you said: hello", "seq": 1},
                                                     {"text": "Anything else?", "seq": 2}], "cursor": 2}


async def test_different_ids_are_separate_turns_even_with_the_same_text(client, rasa, store):
    conversation = f"web:{sid_of(await start_session(client))}"

    first = await post(client, "hello", "first-id-1")
    second = await post(client, "hello", "second-id-2")

    assert [m["message"] for m in rasa.received] == ["hello", "hello"]
    assert [m["seq"] for m in first["messages"]] == [1, 2] and [m["seq"] for m in second["messages"]] == [3, 4]
    assert without_seq(first["messages"]) == without_seq(second["messages"])
    assert (first["cursor"], second["cursor"]) == (2, 4)
    assert [m["direction"] for m in store.rows[conversation]] == ["in", "out", "out", "in", "out", "out"]


@pytest.mark.parametrize("message_id", ["short", "x" * 65, "has space", "semi;colon:x", "ünïcode-id", "",
                                        42, ["abcdefgh"], {"id": "abcdefgh"}])
async def test_a_malformed_message_id_is_a_400_and_changes_nothing(client, rasa, store, message_id):
    conversation = f"web:{sid_of(await start_session(client))}"

    resp = await client.post("/api/messages", json={"text": "hello", "id": message_id})

    assert resp.status == 400
    assert "id" in (await resp.json())["error"]
    assert rasa.received == [] and conversation not in store.rows
    assert SqlOutbox(store.engine).messages(conversation) == []


async def test_with_rasa_down_the_apology_is_queued_once_and_a_retry_gets_it_again(client, rasa, store):
    conversation = f"web:{sid_of(await start_session(client))}"
    rasa.down = "connect"

    first = await post(client, "hello?", "retry-me-1")
    rasa.down = None
    again = await post(client, "hello?", "retry-me-1")

    assert first == again == {"messages": [{"text": SORRY, "seq": 1}], "cursor": 1}
    assert rasa.received == []  # the retry is the same message, answered already
    assert [m.payload for m in SqlOutbox(store.engine).messages(conversation)] == [{"text": SORRY}]
    assert [m["direction"] for m in store.rows[conversation]] == ["in", "out"]


async def test_a_message_taken_but_never_answered_asks_the_customer_to_send_it_again(client, rasa, store):
    conversation = f"web:{sid_of(await start_session(client))}"
    key = f"{conversation}:msg:lost-in-a-crash"
    assert SqlOutbox(store.engine).claim_inbound(conversation, [key], T0)  # the gateway stopped after this

    answer = await post(client, "hello?", "lost-in-a-crash")

    assert answer == {"messages": [], "cursor": 0, "notice": NOT_ANSWERED}
    assert rasa.received == []
    assert "hello" in (await post(client, "hello?", "sent-again-1"))["messages"][0]["text"]


async def test_replies_answered_to_a_post_are_not_pulled_again_after_its_cursor(client, rasa, store):
    conversation = f"web:{sid_of(await start_session(client))}"
    agents(store).deliver(conversation, "Sam here.", "slack:1")

    answer = await post(client, "hi Sam", "after-sam-1")

    assert [m["seq"] for m in answer["messages"]] == [2, 3] and answer["cursor"] == 3
    assert await updates(client, after=answer["cursor"]) == {"messages": [], "cursor": 3}
    # a page that never pulled Sam's message gets it from its own cursor, with the replies it has seen
    assert [m["seq"] for m in (await updates(client, after=0))["messages"]] == [1, 2, 3]
    agents(store).deliver(conversation, "Anything else?", "slack:2")
    assert (await updates(client, after=answer["cursor"]))["messages"] == [
        {"text": "Anything else?", "from": "agent", "seq": 4}]
    assert SqlOutbox(store.engine).pending(conversation) == []


async def test_history_shows_each_message_once_with_the_pressed_buttons_title_and_the_replies_seqs(client, store):
    await start_session(client)
    buttons = await post(client, "buttons please", "ask-buttons")
    await post(client, BUTTONS[1]["payload"], "press-damaged", title="  Damaged  ")
    await post(client, BUTTONS[1]["payload"], "press-damaged", title="  Damaged  ")  # a retry

    history = await (await client.get("/api/history")).json()

    assert [(m["direction"], m.get("title"), m["text"], m.get("seq")) for m in history["messages"]] == [
        ("in", None, "buttons please", None), ("out", None, "Why are you returning it?", 1),
        ("in", "Damaged", BUTTONS[1]["payload"], None), ("out", None, f"you said: {BUTTONS[1]['payload']}", 2),
        ("out", None, "Anything else?", 3)]
    assert history["messages"][1]["buttons"] == buttons["messages"][0]["buttons"] == BUTTONS
    assert history["cursor"] == 3


async def test_one_megabyte_body_is_refused_with_413_json(client, rasa):
    await start_session(client)
    resp = await client.post("/api/messages", json={"text": "x" * 1_000_000})
    assert resp.status == 413
    assert "error" in await resp.json()
    assert rasa.received == []


async def test_ten_thousand_character_text_is_truncated_to_two_thousand(client, rasa):
    await start_session(client)
    resp = await client.post("/api/messages", json={"text": "a" * 10_000})
    assert resp.status == 200
    assert rasa.received[0]["message"] == "a" * MAX_TEXT_CHARS


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   \n "}, {"text": 42}, {}, ["text"]])
async def test_empty_or_malformed_text_is_a_400_json_error(client, rasa, body):
    await start_session(client)
    resp = await client.post("/api/messages", json=body)
    assert resp.status == 400
    assert "error" in await resp.json()
    assert rasa.received == []


async def test_non_json_body_is_refused(client, rasa):
    await start_session(client)
    resp = await client.post("/api/messages", data="text=hi", headers={"Content-Type": "text/plain"})
    assert resp.status == 415
    assert rasa.received == []


@pytest.mark.parametrize("path", ["/returns/RMA-000001002S/slip.pdf?t=bad-token", "/returns/RMA-000001002S/slip.pdf",
                                  "/returns/RMA-9999/slip.pdf?t=good-token"])
async def test_slip_is_404_for_a_bad_token_or_unknown_return(client, path):
    assert (await client.get(path)).status == 404


async def test_slip_pdf_is_served_for_the_right_token(client):
    resp = await client.get("/returns/RMA-000001002S/slip.pdf?t=good-token")
    assert resp.status == 200
    assert resp.content_type == "application/pdf"
    assert await resp.read() == PDF
    assert "no-store" in resp.headers["Cache-Control"]


async def test_chat_page_names_the_shop_escaped_and_loads_only_local_assets(rasa, store):
    app = make_app(rasa, store, FakeSettings(shop_name="Bob's <Bikes> & Co"))
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/")
        page = await resp.text()
        assert "Bob&#x27;s &lt;Bikes&gt; &amp; Co" in page and "<Bikes>" not in page
        assert 'name="viewport"' in page and 'aria-live="polite"' in page
        assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
        for asset in ("/static/chat.js", "/static/chat.css"):
            assert asset in page
            assert (await client.get(asset)).status == 200
        assert "http://" not in page and "https://" not in page


async def test_shop_name_defaults_when_settings_have_none(rasa, store):
    app = make_app(rasa, store, FakeSettings(shop_name=""))
    async with TestClient(TestServer(app)) as client:
        assert "returnbot demo shop" in await (await client.get("/")).text()


async def test_cookie_is_secure_when_the_public_url_is_https(rasa, store):
    app = make_app(rasa, store, FakeSettings(public_url="https://shop.example"))
    async with TestClient(TestServer(app)) as client:
        assert "Secure" in (await client.post("/api/session")).headers["Set-Cookie"]


@pytest.mark.parametrize("down, expected", [(None, "up"), ("connect", "down")])
async def test_healthz_reports_whether_rasa_answers(client, rasa, down, expected):
    rasa.down = down
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert (await resp.json()) == {"status": "ok", "rasa": expected}


async def test_rasa_client_raises_rasa_unavailable_for_a_reply_that_is_not_a_message_list():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"oops": True})

    rasa = RasaClient("http://rasa.test", client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    with pytest.raises(RasaUnavailable):
        await rasa.send("web:x", "hi")
    await rasa.aclose()


async def test_stored_times_come_from_the_injected_clock(rasa, store):
    async with TestClient(TestServer(chat_app(rasa, store))) as client:
        sid = sid_of(await start_session(client))
        await client.post("/api/messages", json={"text": "hi"})
    assert [m["at"] for m in store.rows[f"web:{sid}"]] == [T0, T0, T0]
