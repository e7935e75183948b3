"""Edge hardening found by an outside probe of the running stack (issue 13): lone surrogates and deep
nesting in JSON bodies, an overlong webhook timestamp, a customer-chosen `title`, cacheable API
answers, floods of sessions and cases, the Server header and ids with a final newline. Each bad
input gets a clear answer and changes nothing. Runs against in-process gateways and fakes only."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from types import SimpleNamespace

import httpx
import pytest
import pytest_asyncio
from aiohttp import web, web_response
from aiohttp.test_utils import TestClient, TestServer
from multidict import CIMultiDict

from bot import responses
from bot.catalogue import catalogue
from bot.handoffs import Action, HandoffService
from bot.models import Resolution, ReturnReason
from bot.settings import Settings, SettingsError
from bot.sql.outbox import SqlOutbox
from channels.gateway import build_gateway, neutral_server_banner
from channels.http_body import MAX_DEPTH, BadBody, parse_object, too_deep
from channels.limits import (CASE_DEFAULTS, LOCAL, SESSION_DEFAULTS, SHARED, TOO_MANY_FROM_CLIENT,
                             TOO_MANY_IN_TOTAL, ClientAddresses, Limit, WindowCounter)
from channels.rasa_client import RasaClient
from channels.relay import PermanentFailure
from channels.returns_webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, ReturnsWebhook, sign, webhook_secret
from channels.slack import cards
from channels.telegram.channel import webhook_secret as telegram_secret
from channels.telegram.sender import chat_id_of, parse_callback_data
from channels.web.app import COOKIE_NAME
from tests.fakes import BUTTONS, FakeRasa, FakeReturns, FakeSettings, FakeStore

JSON = {"Content-Type": "application/json"}
ALICE, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"
LONE = b'{"text": "hi \\ud800 there"}'  # an escaped lone surrogate, as the probe sent it
LONE_RAW = b'{"text": "hi \xed\xa0\x80 there"}'  # the same code point as (CESU-style) UTF-8 bytes
HUMAN = "can I talk to a human"

CASES_BUSY = catalogue().text(responses.GATEWAY_CASES_BUSY)


# -- helpers ------------------------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path) -> FakeStore:
    store = FakeStore.in_folder(tmp_path)
    yield store
    store.engine.dispose()


@pytest_asyncio.fixture
async def chat(store):
    """The web chat on fakes (FakeRasa echoes), as `build_gateway` wires it."""
    rasa = FakeRasa()
    app = build_gateway(FakeSettings(), SimpleNamespace(store=store, returns=FakeReturns()), rasa.client())
    async with TestClient(TestServer(app)) as client:
        client.rasa = rasa
        yield client


@pytest_asyncio.fixture
async def gateway(services):
    """The whole gateway on the demo store's services (portal, webhook) with an echoing fake Rasa."""
    async with TestClient(TestServer(build_gateway(services.settings, services, FakeRasa().client()))) as client:
        yield client


async def session(client: TestClient, **headers) -> str:
    resp = await client.post("/api/session", headers=headers)
    assert resp.status == 200, await resp.text()
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value.partition(".")[0]


def signed(secret: str, body: bytes, **headers) -> dict:
    timestamp = str(int(time.time()))
    return {**JSON, TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body), **headers}


@pytest.fixture
def rma(services):
    conversation = "telegram:4711"
    assert services.returns.verify(conversation, ALICE, ALICE_EMAIL).verified
    return services.returns.request_return(conversation, ALICE, "L2", ReturnReason.TOO_SMALL, Resolution.REFUND).rma


# -- 6. lone surrogates -------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [LONE, LONE_RAW, b'{"text": "hi", "\\udc00": 1}', b'{"text": ["\\ud83d"]}'],
                         ids=["escaped", "utf8-bytes", "in-a-key", "nested"])
async def test_a_message_with_a_lone_surrogate_is_a_400_and_reaches_nobody(chat, store, body):
    sid = await session(chat)
    resp = await chat.post("/api/messages", data=body, headers=JSON)
    assert resp.status == 400
    assert "surrogate" in (await resp.json())["error"]
    assert chat.rasa.received == [] and store.rows.get(f"web:{sid}") is None


async def test_a_surrogate_pair_is_text_like_any_other(chat):
    await session(chat)
    resp = await chat.post("/api/messages", data=b'{"text": "thanks \\ud83d\\ude00"}', headers=JSON)
    assert resp.status == 200
    assert chat.rasa.received[-1]["message"] == "thanks \U0001F600"


@pytest.mark.parametrize("body", [
    b'{"order_id": "114-3941689-8772232", "proof": "alice\\udfff@example.com"}',
    b'{"order_id": "\\ud800", "proof": "94107"}',
], ids=["proof", "order-id"])
async def test_a_portal_proof_or_order_id_with_a_lone_surrogate_is_a_400_and_no_attempt(gateway, services, body):
    conversation = f"web:{await session(gateway)}"
    resp = await gateway.post("/api/portal/verify", data=body, headers=JSON)
    assert resp.status == 400 and "surrogate" in (await resp.json())["error"]
    assert resp.headers["Cache-Control"] == "no-store"
    since = datetime(2000, 1, 1, tzinfo=timezone.utc)
    assert services.store.failed_verifications(conversation, ALICE, since) == 0


async def test_a_signed_webhook_event_with_a_lone_surrogate_in_its_note_is_a_400_and_changes_nothing(
        gateway, services, rma):
    before = services.store.rma_events(rma.rma_id)
    body = json.dumps({"event_id": "scan-1", "rma": rma.rma_id, "status": "in_transit"}).encode()
    body = body[:-1] + b', "note": "picked up \\ud800"}'
    resp = await gateway.post("/webhooks/returns", data=body, headers=signed(webhook_secret(services.settings.secret),
                                                                             body))
    assert resp.status == 400 and "surrogate" in (await resp.json())["error"]
    assert services.store.rma_events(rma.rma_id) == before


# -- 7. deep nesting ----------------------------------------------------------------------------------
async def test_a_deeply_nested_message_is_a_400_before_it_is_parsed(chat):
    await session(chat)
    resp = await chat.post("/api/messages", data=b"[" * 30000, headers=JSON)
    assert resp.status == 400 and "nested" in (await resp.json())["error"]
    assert chat.rasa.received == []


@pytest.mark.parametrize("path", ["/api/portal/verify", "/api/portal/returns"])
async def test_a_deeply_nested_portal_body_is_a_400(gateway, path):
    await session(gateway)
    resp = await gateway.post(path, data=b"[" * 8000, headers=JSON)
    assert resp.status == 400 and "nested" in (await resp.json())["error"]


async def test_a_deeply_nested_signed_webhook_body_is_a_400(gateway, services):
    body = b"[" * 8000
    resp = await gateway.post("/webhooks/returns", data=body, headers=signed(webhook_secret(services.settings.secret),
                                                                             body))
    assert resp.status == 400 and "nested" in (await resp.json())["error"]


async def test_brackets_inside_text_do_not_count_as_nesting(chat):
    await session(chat)
    text = "[{" * 200 + " my order ]]"
    resp = await chat.post("/api/messages", json={"text": text})
    assert resp.status == 200
    assert chat.rasa.received[-1]["message"] == text


@pytest.mark.parametrize("raw, deep", [
    (b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, False),
    (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), True),
    (b'{"a": "' + b"[" * 500 + b'"}', False),
    (b'{"a": "\\"[[[", "b": ' + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"}", True),
    (b"[[]]" * 1000, False),  # many brackets, little depth
    (b'"' + b"\\" * 5000 + b"[" * 50, False),  # an unclosed string: the parser refuses it anyway
])
def test_the_nesting_scan_counts_depth_not_brackets(raw, deep):
    assert too_deep(raw) is deep


@pytest.mark.parametrize("raw, status", [(b"[1]", 400), (b"{oops", 400), (b'{"a": "\\udc80"}', 400)])
def test_parse_object_refuses_what_is_not_a_clean_json_object(raw, status):
    with pytest.raises(BadBody) as refused:
        parse_object(raw)
    assert refused.value.status == status


# -- 8. the webhook's timestamp and signature ---------------------------------------------------------
@pytest.mark.parametrize("timestamp, signature", [
    ("9" * 400, None), ("²" * 3, None), ("9" * 5000, None), (None, "v1=é"),
], ids=["400-digits", "unicode-digits", "5000-digits", "non-ascii-signature"])
async def test_a_malformed_timestamp_or_signature_is_a_401_without_a_traceback(gateway, services, rma, caplog,
                                                                              timestamp, signature):
    body = json.dumps({"event_id": "scan-2", "rma": rma.rma_id, "status": "in_transit"}).encode()
    headers = signed(webhook_secret(services.settings.secret), body)
    if timestamp is not None:
        headers[TIMESTAMP_HEADER] = timestamp
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    before = services.store.rma_events(rma.rma_id)
    with caplog.at_level(logging.INFO):
        resp = await gateway.post("/webhooks/returns", data=body, headers=headers)
    assert resp.status == 401
    assert "signature" in (await resp.json())["error"]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert services.store.rma_events(rma.rma_id) == before


def test_a_timestamp_or_signature_with_a_final_newline_is_not_authentic():
    secret, body = "s", b"{}"
    hook = ReturnsWebhook(updates=None, secret=secret, now=lambda: 1_700_000_000)
    good = sign(secret, "1700000000", body)

    def authentic(timestamp, signature):
        return hook._authentic(SimpleNamespace(headers={TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature}),
                               body)

    assert authentic("1700000000", good)
    assert not authentic("1700000000\n", good)
    assert not authentic("1700000000", good + "\n")
    assert not authentic(" 1700000000", good)


# -- 9. a title is the bot's, for the bot's buttons only ----------------------------------------------
async def test_a_title_on_words_the_bot_did_not_offer_is_dropped(chat, store):
    sid = await session(chat)
    await chat.post("/api/messages", json={"text": "I will sue you", "title": "Thanks, all good"})
    assert store.rows[f"web:{sid}"][0]["payload"] == {"text": "I will sue you"}
    history = (await (await chat.get("/api/history")).json())["messages"]
    assert (history[0]["text"], history[0].get("title")) == ("I will sue you", None)


async def test_a_title_on_an_offered_button_is_that_buttons_own_title(chat, store):
    sid = await session(chat)
    await chat.post("/api/messages", json={"text": "buttons please"})
    await chat.post("/api/messages", json={"text": BUTTONS[0]["payload"], "title": "Thanks, all good"})
    assert store.rows[f"web:{sid}"][2]["payload"] == {"text": BUTTONS[0]["payload"], "title": "Too small"}


async def test_a_title_on_a_payload_from_an_older_answer_is_dropped(chat, store):
    sid = await session(chat)
    await chat.post("/api/messages", json={"text": "buttons please"})
    await chat.post("/api/messages", json={"text": "never mind"})  # the buttons are no longer offered
    await chat.post("/api/messages", json={"text": BUTTONS[0]["payload"], "title": "Too small"})
    entry = store.rows[f"web:{sid}"][-3]["payload"]
    assert entry == {"text": BUTTONS[0]["payload"].lstrip("/")}


# -- 11. no API answer is cached ----------------------------------------------------------------------
async def test_every_api_answer_and_slip_download_is_no_store(chat):
    await session(chat)
    answers = [
        await chat.post("/api/messages", json={"text": "hi"}),
        await chat.get("/api/history"),
        await chat.get("/api/updates?after=0"),
        await chat.get("/api/updates?after=x"),  # an error is no exception
        await chat.post("/api/session"),
        await chat.get("/api/no-such-thing"),
        await chat.get("/returns/RMA-000001002S/slip.pdf?t=good-token"),
        await chat.get("/returns/RMA-000001002S/slip.pdf?t=bad-token"),
    ]
    chat.session.cookie_jar.clear()
    answers.append(await chat.get("/api/history"))  # 401
    for resp in answers:
        assert "no-store" in resp.headers.get("Cache-Control", ""), (resp.url, resp.status)


# -- 13. no server banner; ids match whole ------------------------------------------------------------
async def test_no_response_names_the_server_software(store):
    async def boom(request):
        raise RuntimeError("a handler that fails")

    app = build_gateway(FakeSettings(), SimpleNamespace(store=store, returns=FakeReturns()), FakeRasa().client())
    app.router.add_get("/boom", boom)
    async with TestClient(TestServer(app)) as client:
        answers = [await client.get("/"), await client.post("/api/session"), await client.get("/healthz"),
                   await client.get("/nowhere"), await client.put("/api/messages"), await client.get("/boom"),
                   await client.get("/static/chat.js")]
    assert [r.status for r in answers] == [200, 200, 200, 404, 405, 500, 200]
    for resp in answers:
        assert "Server" not in resp.headers, (resp.url, resp.headers.get("Server"))


async def test_a_request_aiohttp_cannot_parse_names_no_software_either(store, monkeypatch):
    monkeypatch.setattr(web_response, "SERVER_SOFTWARE", web_response.SERVER_SOFTWARE)  # restored afterwards
    neutral_server_banner()  # as the gateway's main() does
    app = build_gateway(FakeSettings(), SimpleNamespace(store=store, returns=FakeReturns()), FakeRasa().client())
    async with TestServer(app) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await writer.drain()
        head = (await reader.read(4096)).split(b"\r\n\r\n")[0].decode()
        writer.close()
    assert head.startswith("HTTP/1.0 400") and "aiohttp" not in head and "Python" not in head
    assert "Server: returnbot" in head


@pytest.mark.parametrize("message_id", ["abcdefgh\n", "abcdefgh\r\n", "abcdefgh ", "abcd\nefgh"])
async def test_a_message_id_with_a_final_newline_is_refused(chat, message_id):
    await session(chat)
    resp = await chat.post("/api/messages", json={"text": "hi", "id": message_id})
    assert resp.status == 400 and "id must be" in (await resp.json())["error"]
    assert chat.rasa.received == []


async def test_a_cursor_with_a_final_newline_is_refused(chat):
    await session(chat)
    assert (await chat.get("/api/updates", params={"after": "5\n"})).status == 400


def test_telegram_ids_and_secrets_match_whole():
    assert parse_callback_data("12:1") == (12, 1)
    for data in ("12\n:1", "12:1\n", "²:1", "12:¹", "+1:1", " 1:1"):
        assert parse_callback_data(data) is None, data
    assert chat_id_of("telegram:-100123") == -100123
    for conversation in ("telegram:123\n", "telegram:²", "telegram:--1"):
        with pytest.raises(PermanentFailure):
            chat_id_of(conversation)
    with pytest.raises(SettingsError):
        telegram_secret(SimpleNamespace(telegram_webhook_secret="abc\n", secret="s"))


def test_a_slack_user_id_with_a_final_newline_is_no_mention():
    assert cards.who(cards.Agent("U123ABC", "Ann Agent")) == "<@U123ABC>"
    assert cards.who(cards.Agent("U123ABC\n", "Ann <Agent>")) == "Ann &lt;Agent&gt;"


# -- 12. limits on new sessions and new cases ---------------------------------------------------------
@dataclass(frozen=True)
class LimitedSettings(FakeSettings):
    trusted_proxies: tuple = ("127.0.0.1",)  # the test client plays a TLS proxy on this machine
    session_limit_per_client: int = 2
    session_limit_total: int = 3
    session_limit_minutes: int = 10
    shop_contact: str = ""


def via(address: str) -> dict:
    return {"X-Forwarded-For": address}


async def test_new_sessions_are_limited_per_client_address_and_overall_with_a_plain_notice(store):
    app = build_gateway(LimitedSettings(shop_contact="help@acme.example"),
                        SimpleNamespace(store=store, returns=FakeReturns()), FakeRasa().client())
    async with TestClient(TestServer(app)) as client:
        for _ in range(2):
            client.session.cookie_jar.clear()
            await session(client, **via("203.0.113.7"))
        first_cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
        client.session.cookie_jar.clear()
        refused = await client.post("/api/session", headers=via("203.0.113.7"))
        assert refused.status == 429 and "Set-Cookie" not in refused.headers
        body = await refused.json()
        assert "from your connection" in body["notice"] and "help@acme.example" in body["notice"]
        assert int(refused.headers["Retry-After"]) > 0
        assert "no-store" in refused.headers["Cache-Control"]

        await session(client, **via("198.51.100.4"))  # another client: the third session in all
        client.session.cookie_jar.clear()
        busy = await client.post("/api/session", headers=via("192.0.2.1"))
        assert busy.status == 429 and "very busy" in (await busy.json())["notice"]

        client.session.cookie_jar.update_cookies({COOKIE_NAME: first_cookie})
        kept = await client.post("/api/session", headers=via("203.0.113.7"))  # a session it has stays
        assert kept.status == 200 and (await kept.json()) == {"new": False}


def request_from(remote, forwarded=None):
    return SimpleNamespace(remote=remote, headers=CIMultiDict({"X-Forwarded-For": forwarded} if forwarded else {}))


PUBLIC, OTHER = "81.2.69.160", "81.2.69.161"  # public addresses (the documentation ranges are not)


def test_x_forwarded_for_counts_only_from_a_trusted_proxy():
    addresses = ClientAddresses(["10.0.0.0/8"])
    assert ClientAddresses().key(request_from(PUBLIC, OTHER)) == PUBLIC  # no trusted proxy: the header is noise
    assert addresses.key(request_from(PUBLIC, OTHER)) == PUBLIC  # not from the proxy
    assert addresses.key(request_from("10.1.2.3", OTHER)) == OTHER
    assert addresses.key(request_from("10.1.2.3", f"6.6.6.6, {OTHER}, 10.9.9.9")) == OTHER  # right-most untrusted
    assert addresses.key(request_from("10.1.2.3", f"{OTHER}, not-an-address")) == SHARED  # nobody named
    assert addresses.key(request_from("10.1.2.3", "192.168.1.20")) == "192.168.1.20"  # a LAN customer, named
    assert addresses.key(request_from("10.1.2.3")) == SHARED  # the proxy itself
    assert addresses.key(request_from("2a01:4f8:1:2:3:4:5:6")) == addresses.key(request_from("2a01:4f8:1:2:ff::1")) \
        == "2a01:4f8:1:2::/64"
    assert addresses.key(request_from(f"::ffff:{PUBLIC}")) == PUBLIC


def test_this_machine_is_not_limited_and_an_untrusted_private_peer_is_one_crowd(caplog):
    addresses = ClientAddresses()
    assert addresses.key(request_from("127.0.0.1")) == addresses.key(request_from("::1")) \
        == addresses.key(request_from(None)) == LOCAL
    with caplog.at_level(logging.WARNING, logger="channels.limits"):
        for _ in range(3):
            assert addresses.key(request_from("172.18.0.1", PUBLIC)) == SHARED  # a proxy in front, not configured
    assert len([r for r in caplog.records if "RETURNBOT_TRUSTED_PROXIES" in r.getMessage()]) == 1
    assert addresses.key(request_from("127.0.0.1", PUBLIC)) == SHARED  # a proxy on this machine, not configured
    assert addresses.key(request_from("192.168.1.20")) == SHARED


def test_the_session_window_slides_and_only_admitted_sessions_count():
    now = [0.0]
    counter = WindowCounter(Limit(per_client=2, total=3, window=600), clock=lambda: now[0])
    assert [counter.admit("a") for _ in range(3)] == [None, None, TOO_MANY_FROM_CLIENT]
    assert counter.admit("b") is None
    assert counter.admit("c") == TOO_MANY_IN_TOTAL
    assert counter.retry_after("c", TOO_MANY_IN_TOTAL) == 601
    now[0] = 600.5
    assert counter.admit("a") is None and counter.admit("c") is None
    assert all(counter.admit(LOCAL) is None for _ in range(10))
    assert counter.admit(SHARED) is None  # a crowd counts in the total only...
    assert counter.admit(SHARED) == TOO_MANY_IN_TOTAL  # ...which is full now
    unlimited = WindowCounter(Limit(per_client=0, total=0, window=600), clock=lambda: now[0])
    assert all(unlimited.admit("a") is None for _ in range(50))


def test_limit_settings_are_read_and_checked(tmp_path):
    base = {"RETURNBOT_VAR_DIR": str(tmp_path), "RETURNBOT_SECRET": "s"}
    defaults = Settings.from_env(base)
    assert (defaults.session_limit_per_client, defaults.case_limit_per_client, defaults.trusted_proxies) == (10, 3, ())
    custom = Settings.from_env({**base, "RETURNBOT_CASE_LIMIT_TOTAL": "0",
                                "RETURNBOT_TRUSTED_PROXIES": "10.0.0.1, ::1"})
    assert (custom.case_limit_total, custom.trusted_proxies) == (0, ("10.0.0.1", "::1"))
    with pytest.raises(SettingsError, match="RETURNBOT_TRUSTED_PROXIES"):
        Settings.from_env({**base, "RETURNBOT_TRUSTED_PROXIES": "proxy.local"})
    with pytest.raises(SettingsError, match="RETURNBOT_SESSION_LIMIT_PER_CLIENT"):
        Settings.from_env({**base, "RETURNBOT_SESSION_LIMIT_PER_CLIENT": "-1"})


class CaseOpeningRasa(FakeRasa):
    """A Rasa whose action opens a case, as the action server does, when the customer asks for a person."""

    def __init__(self, returns):
        super().__init__()
        self.returns = returns

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path == "/webhooks/rest/webhook" and body["message"] == HUMAN:
            case = self.returns.open_handoff(body["sender"], "customer_request", None,
                                             "The customer asked to talk to a person.")
            return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": (
                f"I've passed your conversation to a member of our team (case #{case.handoff_id}). "
                "They'll reply right here, usually within one business day.")}])
        return super().handler(request)


@pytest_asyncio.fixture
async def limited(services):
    settings = services.settings.with_overrides(trusted_proxies=("127.0.0.1",), case_limit_per_client=2,
                                                case_limit_total=3, shop_contact="help@acme.example")
    rasa = CaseOpeningRasa(services.returns)
    app = build_gateway(settings, services, RasaClient("http://rasa.test", client=httpx.AsyncClient(
        transport=httpx.MockTransport(rasa.handler))))
    async with TestClient(TestServer(app)) as client:
        yield client


async def ask_for_a_person(client: TestClient, address: str, verify: tuple | None = None,
                           services=None) -> tuple[str, str]:
    """A fresh session from `address` asks for a person; (its conversation, what the bot said)."""
    client.session.cookie_jar.clear()
    conversation = f"web:{await session(client, **via(address))}"
    if verify:
        assert services.returns.verify(conversation, *verify).verified
    resp = await client.post("/api/messages", json={"text": HUMAN}, headers=via(address))
    assert resp.status == 200
    return conversation, " ".join(m["text"] for m in (await resp.json())["messages"])


async def test_new_cases_from_unverified_customers_are_limited_per_client_and_overall(limited, services):
    handoffs = HandoffService(services.store, services.returns)
    first = [await ask_for_a_person(limited, "203.0.113.7") for _ in range(2)]
    assert all("member of our team (case #" in said for _, said in first)

    conversation, said = await ask_for_a_person(limited, "203.0.113.7")  # a third from that address
    assert said == CASES_BUSY + " You can also reach the shop directly: help@acme.example."
    declined = handoffs.list_active()
    assert conversation not in [h.conversation_id for h in declined] and len(declined) == 2
    case = services.returns.handoffs.list()[-1]
    assert (case.conversation_id, case.status) == (conversation, "closed")
    assert [e.action for e in handoffs.events(case.handoff_id)] == [Action.DECLINE]

    _, said = await ask_for_a_person(limited, "198.51.100.4")  # another address: the third in all
    assert "member of our team (case #" in said
    _, said = await ask_for_a_person(limited, "192.0.2.1")  # the overall limit
    assert said.startswith(CASES_BUSY)

    _, said = await ask_for_a_person(limited, "203.0.113.7", (ALICE, ALICE_EMAIL), services)
    assert "member of our team (case #" in said  # a customer who verified an order always gets a person
    assert len(handoffs.list_active()) == 4


async def test_a_customer_who_already_has_a_case_is_not_counted_again(limited, services):
    client = limited
    conversation = f"web:{await session(client, **via('203.0.113.7'))}"
    for _ in range(4):
        resp = await client.post("/api/messages", json={"text": HUMAN}, headers=via("203.0.113.7"))
        assert "member of our team (case #" in " ".join(m["text"] for m in (await resp.json())["messages"])
    assert [h.conversation_id for h in HandoffService(services.store, services.returns).list_active()] == [
        conversation]


def test_a_case_card_marks_a_customer_who_verified_no_order(services):
    handoffs = HandoffService(services.store, services.returns)
    stranger = services.returns.open_handoff("web:stranger", "customer_request", None, "asked for a person")
    text, blocks = cards.handoff_card(handoffs.context(stranger.handoff_id))
    assert "unverified" in text and cards.UNVERIFIED in json.dumps(blocks, ensure_ascii=False)

    assert services.returns.verify("web:alice", ALICE, ALICE_EMAIL).verified
    alice = services.returns.open_handoff("web:alice", "customer_request", None, "asked for a person")
    context = handoffs.context(alice.handoff_id)
    text, blocks = cards.handoff_card(context)
    assert context.verified and "unverified" not in text and "Unverified" not in json.dumps(blocks)


def test_a_declined_case_shows_why_on_its_card(services):
    handoffs = HandoffService(services.store, services.returns)
    case = services.returns.open_handoff("web:stranger", "customer_request", None, "asked for a person")
    assert handoffs.decline(case.handoff_id, "Not passed on: too many new cases in all.")
    assert not handoffs.decline(case.handoff_id, "again")  # closed already: nothing more
    _, blocks = cards.handoff_card(handoffs.context(case.handoff_id))
    assert "too many new cases in all" in json.dumps(blocks)
    assert [e.action for e in handoffs.events(case.handoff_id)] == [Action.DECLINE]


def test_the_limits_defaults_match_the_settings_defaults(tmp_path):
    settings = Settings.from_env({"RETURNBOT_VAR_DIR": str(tmp_path), "RETURNBOT_SECRET": "s"})
    assert Limit.of(settings, "session", Limit(0, 0, 1)) == SESSION_DEFAULTS
    assert Limit.of(settings, "case", Limit(0, 0, 1)) == CASE_DEFAULTS


class NoNewSessions:
    """A session limit that is full, whoever asks (the browser is on this machine, never limited)."""

    def admit(self, client: str) -> str:
        return TOO_MANY_IN_TOTAL

    def retry_after(self, client: str, refused: str) -> int:
        return 120


@pytest.mark.browser
@pytest.mark.parametrize("path, shown", [("/", "[...document.querySelectorAll('.msg.bot .bubble')].at(-1)"),
                                         ("/returns", "document.querySelector('#find-error')")])
async def test_the_chat_and_the_portal_tell_a_customer_plainly_when_no_session_can_start(store, path, shown):
    from channels.router import Router
    from channels.web import add_web_routes
    from tests.browser import Chromium, ensure_chromium

    chromium = ensure_chromium()
    outbox = SqlOutbox(store.engine)
    app = web.Application()
    add_web_routes(app, router=Router(FakeRasa().client(), outbox, {"web": lambda reply: [reply]}, transcript=store),
                   outbox=outbox, store=store, slip_pdf=lambda rma_id, token, language="en": None, secret="s",
                   returns=SimpleNamespace(policy=None), sessions=NoNewSessions(), contact="help@acme.example")
    async with TestServer(app, host="127.0.0.1") as server, Chromium(chromium) as page:
        await page.navigate(str(server.make_url(path)))
        await page.wait_for("document.body.dataset.ready === 'true'", "the page to start")
        said = await page.evaluate(f"{shown}.textContent")
    assert said == ("Sorry, our chat is very busy right now and can't start new conversations for a few minutes. "
                    "Please try again in 2 minutes. You can also reach the shop directly: help@acme.example.")
