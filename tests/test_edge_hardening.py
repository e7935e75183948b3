"""Edge hardening found by an outside probe of the running stack (issue 13): lone surrogates and deep
nesting in JSON bodies, an overlong webhook timestamp, a customer-chosen `title`, cacheable API
answers, the Server header and ids with a final newline. Each bad
input gets a clear answer and changes nothing. Runs against in-process gateways and fakes only."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
import pytest_asyncio
from aiohttp import web_response
from aiohttp.test_utils import TestClient, TestServer

from bot.models import Resolution, ReturnReason
from bot.settings import SettingsError
from channels.gateway import build_gateway, neutral_server_banner
from channels.http_body import MAX_DEPTH, BadBody, parse_object, too_deep
from channels.relay import PermanentFailure
from channels.slack import cards
from channels.telegram.channel import webhook_secret as telegram_secret
from channels.telegram.sender import chat_id_of, parse_callback_data
from channels.updates import SIGNATURE_HEADER, TIMESTAMP_HEADER, ReturnsWebhook, sign, webhook_secret
from channels.web.app import COOKIE_NAME
from tests.fakes import BUTTONS, FakeRasa, FakeReturns, FakeSettings, FakeStore

JSON = {"Content-Type": "application/json"}
ALICE, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"
LONE = b'{"text": "hi \\ud800 there"}'  # an escaped lone surrogate, as the probe sent it
LONE_RAW = b'{"text": "hi \xed\xa0\x80 there"}'  # the same code point as (CESU-style) UTF-8 bytes


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
