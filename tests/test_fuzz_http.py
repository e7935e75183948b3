"""Fuzzing every HTTP route of the gateway from its description, docs/openapi.yml (issue 13).

First the document is held to the code: the routes `build_gateway` registers (with the Telegram
webhook and Slack's HTTP mode on, and with them off) are exactly the document's paths and methods.

Then each operation gets requests drawn from the document's schemas (tests/openapi_fuzz.py), half of
them conforming and half with things wrong on purpose, sent to the whole gateway in-process (an aiohttp
TestServer; a raw socket for header bytes no client would send) over the demo store, with an echoing
fake Rasa and fake Telegram and Slack APIs on loopback. For every request:

- no 5xx;
- a rejected request (4xx) changes nothing in the database (every table's rows before and after; the
  one designed exception is the portal's wrong proof, which counts one failed attempt);
- an answer within HANG_GUARD seconds (asyncio.wait_for: a hang guard, not a performance threshold);
- the status is one the document gives for the operation (or one aiohttp gives in plain text before any
  handler runs, AIOHTTP_OWN), and a JSON answer has the documented shape;
- what the document's description promises of every answer: no `Server` header, and `Cache-Control:
  no-store` on /api/* and slip downloads.

And each operation must accept some of its conforming requests, so the fuzz reaches past the checks.
The loops that write on their own clock (Slack's sync, the return-update notices) are stopped once the
gateway has started, and queued Telegram updates and Slack listeners are waited for around each request,
so a snapshot before and after a request sees only what that request did.

`make test` runs the bounded, derandomized profile "returnbot-fuzz-ci" (CI_EXAMPLES per operation).
RETURNBOT_FUZZ_EXAMPLES=N runs N fresh random examples per operation instead (see docs/openapi.yml).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import shutil
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote

import aiohttp
import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator, RefResolver
from multidict import CIMultiDict
from yarl import URL

from bot.bootstrap import Services
from bot.models import Resolution, ReturnReason
from bot.policy import load_policy
from bot.return_updates import ReturnUpdates
from bot.services import ReturnsService, Shop
from bot.sql.platforms import SqlPlatformReturns
from bot.sql.schema import metadata
from bot.store import SqlStore
from channels.gateway import RETURN_UPDATES, SLACK_CHANNEL, build_gateway
from channels.returns_webhook import webhook_secret
from channels.telegram.channel import webhook_secret as telegram_secret
from channels.web.app import COOKIE_NAME
from tests.builders import NOW as STORE_NOW
from tests.conftest import counting_rma_ids, test_settings
from tests.fake_slack import TOKEN as SLACK_TOKEN
from tests.fake_slack import FakeSlack
from tests.fake_telegram import TOKEN as TELEGRAM_TOKEN
from tests.fake_telegram import FakeTelegram
from tests.fakes import FakeRasa
from tests.openapi_fuzz import (NOW, SESSION_KINDS, STALE, VALID, Draft, Operation, encode, from_schema,
                                load_document, operations, requests)

HANG_GUARD = 10.0  # seconds for one request: a hang guard, not a performance threshold
CI_EXAMPLES = 75  # per operation in `make test`
LONG_EXAMPLES = int(os.environ.get("RETURNBOT_FUZZ_EXAMPLES") or 0)
settings.register_profile(
    "returnbot-fuzz-ci", max_examples=CI_EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.register_profile(
    "returnbot-fuzz-long", max_examples=max(LONG_EXAMPLES, 1), deadline=None, derandomize=False, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
FUZZ = settings.get_profile("returnbot-fuzz-long" if LONG_EXAMPLES else "returnbot-fuzz-ci")

DOC = load_document()
OPERATIONS = operations(DOC)
TELEGRAM_WEBHOOK_URL = "https://shop.example/telegram/webhook"
SLACK_SECRET = "fuzz-slack-signing-secret"
SLACK_CHANNEL_ID = "C0AGENTS"
VERIFIED_ORDERS = [("114-3941689-8772232", "alice.martin@example.com"), ("#1001", "chloe.dubois@example.fr"),
                   ("12-34567-89012", "SW1A 1AA")]
WEBHOOK_RMA = ("114-3941689-8772232", "L2")  # an RMA the webhook and slip examples name (RMA-0000000011)
# Outbox columns the relay updates as it delivers Telegram replies, whenever it gets to them.
DELIVERY_COLUMNS = {"status", "attempts", "next_attempt_at", "sent_at", "last_error", "delivery_ref"}
# The one change a rejected request is designed to make: a wrong proof counts a failed attempt (also the one
# that reaches the limit and is answered 423).
COUNTED = {("portalVerify", 403): "verification_failures", ("portalVerify", 423): "verification_failures"}
# What aiohttp answers itself, in plain text, before any handler runs (docs/openapi.yml's description): a
# request line or header over 8190 bytes or a body it cannot decode, no route, no such method, over 64 KB,
# an `Expect` header it does not know.
AIOHTTP_OWN = (400, 404, 405, 413, 417)
MAX_LINE = 8190  # aiohttp's limit on the request line and each header line


# -- the gateway under fuzz ---------------------------------------------------------------------------------
@dataclass
class Answer:
    status: int
    content_type: str
    headers: CIMultiDict
    body: bytes
    errors: List[str]  # ERROR log records (with tracebacks) while it was handled

    @property
    def from_http_parser(self) -> bool:
        """aiohttp's answer to a request it could not parse, before the application saw it."""
        return self.status == 400 and self.content_type == "text/plain"


def full_settings(var_dir: Path, telegram_url: str = "http://127.0.0.1:9", slack_url: str = "http://127.0.0.1:9/api/"):
    """Settings with every optional route on: Telegram's webhook and Slack's HTTP mode (their APIs at
    the given fakes), and this machine as a trusted proxy so X-Forwarded-For names the client."""
    return test_settings(
        var_dir, TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN, TELEGRAM_API_BASE_URL=telegram_url,
        TELEGRAM_WEBHOOK_URL=TELEGRAM_WEBHOOK_URL, SLACK_BOT_TOKEN=SLACK_TOKEN, SLACK_SIGNING_SECRET=SLACK_SECRET,
        SLACK_CHANNEL_ID=SLACK_CHANNEL_ID, SLACK_API_BASE_URL=slack_url, RETURNBOT_TRUSTED_PROXIES="127.0.0.1,::1")


def demo_services(settings, demo_db: Path) -> Services:
    """The demo store behind real services with the tests' fixed clock (as tests/conftest.py's `services`)."""
    shutil.copyfile(demo_db, settings.var_dir / "returnbot.db")
    store = SqlStore.from_url(settings.database_url)
    shop = Shop(settings.shop_name, settings.public_url, settings.return_address, settings.secret)
    returns = ReturnsService(store, load_policy(settings.policy_file), shop, lambda: STORE_NOW, counting_rma_ids())
    updates = ReturnUpdates(store, returns.policy.ship_back_days, returns.slip_url_for, lambda: STORE_NOW)
    return Services(settings=settings, store=store, returns=returns, updates=updates,
                    platforms=SqlPlatformReturns(store.engine))


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.records.append(text)


class Gateway:
    """`build_gateway` on the demo store, started in its own event loop, with fakes for Rasa, Telegram and
    Slack; sends drafts with their credentials filled in and snapshots the database."""

    def __init__(self, var_dir: Path, demo_db: Path) -> None:
        self.var_dir, self.demo_db = var_dir, demo_db
        self.loop = asyncio.new_event_loop()
        self.errors = ErrorLog()
        self.statuses: Dict[str, Counter] = {}

    # -- life cycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        self.loop.run_until_complete(self._start())

    def stop(self) -> None:
        try:
            self.loop.run_until_complete(self._stop())
        finally:
            self.loop.close()

    async def _start(self) -> None:
        self.telegram_api, self.slack_api = FakeTelegram(), FakeSlack()
        await self.telegram_api.start()
        await self.slack_api.start()
        self.settings = full_settings(self.var_dir, self.telegram_api.url, self.slack_api.base_url)
        self.services = demo_services(self.settings, self.demo_db)
        returns = self.services.returns
        assert returns.verify("telegram:4711", *VERIFIED_ORDERS[0]).verified
        rma = returns.request_return("telegram:4711", *WEBHOOK_RMA, ReturnReason.TOO_SMALL, Resolution.REFUND).rma
        assert rma.rma_id == "RMA-0000000011"  # docs/openapi.yml's example
        self.app = build_gateway(self.settings, self.services, FakeRasa().client())
        # A connection per request: aiohttp's client (3.9) reuses a connection whose request body it is still
        # writing after an early answer (a 413 for 200 KB), and the next request on it waits for nothing.
        # Pipelined on one socket, the gateway answers both at once.
        self.client = TestClient(TestServer(self.app), cookie_jar=aiohttp.DummyCookieJar(),
                                 connector=aiohttp.TCPConnector(force_close=True))
        await self.client.start_server()
        webhook_path = URL(TELEGRAM_WEBHOOK_URL).path  # its handler is the TelegramChannel's bound method
        self.telegram = next(route.handler.__self__ for route in self.app.router.routes()
                             if route.resource is not None and route.resource.canonical == webhook_path)
        self.slack = self.app[SLACK_CHANNEL]
        await self._until(lambda: self.telegram.application.running, "the Telegram bot to start")
        await self._until(lambda: getattr(self.slack, "_loop_task", None) is not None, "the Slack app to start")
        # The loops that write at moments of their own (Slack's sync: cards and re-announcements on the real
        # clock; the return-update notices) are stopped, so a snapshot before and after a request sees only
        # what that request did. The routes stay: bolt and the webhook need neither loop.
        await self.slack.stop()
        await self.app[RETURN_UPDATES].stop()
        self.cookies = {"valid": await self._new_session(), "verified": await self._new_session()}
        for order_id, proof in VERIFIED_ORDERS:
            answer = await self.client.post("/api/portal/verify", json={"order_id": order_id, "proof": proof},
                                            headers={"Cookie": f"{COOKIE_NAME}={self.cookies['verified']}"})
            assert answer.status == 200, await answer.text()
        logging.getLogger().addHandler(self.errors)

    async def _stop(self) -> None:
        logging.getLogger().removeHandler(self.errors)
        await self.client.close()
        await self.telegram_api.close()
        await self.slack_api.stop()
        self.services.store.engine.dispose()

    async def _until(self, condition, what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {what}")
            await asyncio.sleep(0.02)

    async def _new_session(self) -> str:
        answer = await self.client.post("/api/session")
        assert answer.status == 200
        return answer.cookies[COOKIE_NAME].value

    # -- one request ---------------------------------------------------------------------------------
    def exchange(self, draft: Draft) -> Tuple[Answer, Dict[str, Tuple[int, str]], Dict[str, Tuple[int, str]]]:
        """Send `draft`; the answer and the database before and after."""
        return self.loop.run_until_complete(self._exchange(draft))

    async def _exchange(self, draft: Draft):
        await self._settle()
        before = self.snapshot()
        self.errors.records = []
        method, target, headers, body = await self._filled(draft)
        try:
            answer = await asyncio.wait_for(self._send(method, target, headers, body), HANG_GUARD)
        except asyncio.TimeoutError:
            raise AssertionError(f"no answer within {HANG_GUARD:.0f} s (a hang):\n{draft.describe()}") from None
        await self._settle()
        answer.errors = list(self.errors.records)
        self.statuses.setdefault(draft.operation.id, Counter())[answer.status] += 1
        return answer, before, self.snapshot()

    async def _settle(self) -> None:
        """Wait for the work an earlier request left running: queued Telegram updates, Slack's listeners."""
        await asyncio.wait_for(self.telegram.application.update_queue.join(), HANG_GUARD)
        await asyncio.wait_for(self.slack.background.join(), HANG_GUARD)

    async def _filled(self, draft: Draft):
        """Method, target, headers and body with the credentials, clock and cookie filled in."""
        now = int(time.time())
        headers: List[Tuple[str, Any]] = []
        for name, value in draft.headers:
            if value is NOW or value is STALE:
                value = str(now if value is NOW else now - 360)
            headers.append((name, value))
        cookie = draft.cookie
        if cookie in SESSION_KINDS:
            value = await self._new_session() if cookie == "fresh" else self.cookies[cookie]
            cookie = f"{COOKIE_NAME}={value}"
        if cookie is not None:
            headers.append(("Cookie", cookie))
        body = draft.body
        query = list(draft.query)
        for scheme, given_value in draft.credentials.items():
            if given_value is None:
                continue
            if scheme == "slipToken":
                token = self.services.returns.slip_token(unquote(draft.path_values.get("rma_id", "")))
                query.append(("t", token if given_value is VALID else _quoted(given_value)))
                continue
            name = DOC["components"]["securitySchemes"][scheme]["name"]
            if given_value is VALID:
                given_value = self._credential(scheme, headers, body or b"")
            headers = [(n, v) for n, v in headers if n.lower() != name.lower()] + [(name, given_value)]
        target = draft.path + ("?" + "&".join(f"{n}={v}" for n, v in query) if query else "")
        return draft.operation.method.upper(), target, headers, body

    def _credential(self, scheme: str, headers: List[Tuple[str, Any]], body: bytes) -> str:
        def header(name: str) -> str:
            value = next((v for n, v in headers if n.lower() == name.lower()), "")
            return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value

        if scheme == "returnsSignature":
            timestamp = header("X-Returnbot-Timestamp")
            return "v1=" + hmac.new(webhook_secret(self.settings.secret).encode(),
                                    timestamp.encode("utf-8", "surrogateescape") + b"." + body,
                                    hashlib.sha256).hexdigest()
        if scheme == "telegramSecret":
            return telegram_secret(self.settings)
        if scheme == "slackSignature":
            timestamp = header("X-Slack-Request-Timestamp")
            return "v0=" + hmac.new(SLACK_SECRET.encode(), b"v0:" + timestamp.encode("utf-8", "surrogateescape")
                                    + b":" + body, hashlib.sha256).hexdigest()
        raise AssertionError(f"no way to sign for {scheme}")

    async def _send(self, method: str, target: str, headers: List[Tuple[str, Any]], body: Optional[bytes]) -> Answer:
        if any(isinstance(value, bytes) for _, value in headers):
            return await self._send_raw(method, target, headers, body)
        sent = CIMultiDict(headers)
        skip = () if "Content-Type" in sent else ("Content-Type",)
        async with self.client.session.request(
                method, self.client.make_url(URL(target, encoded=True)), headers=sent, data=body,
                allow_redirects=False, skip_auto_headers=skip) as response:
            content = await response.read()
            return Answer(response.status, response.content_type, CIMultiDict(response.headers), content, [])

    async def _send_raw(self, method: str, target: str, headers: List[Tuple[str, Any]],
                        body: Optional[bytes]) -> Answer:
        """The request written on a socket as given: header values no HTTP client would send (bytes that
        are not UTF-8)."""
        server = self.client.server
        lines = [f"{method} {target} HTTP/1.1".encode(), f"Host: {server.host}:{server.port}".encode(),
                 b"Connection: close"]
        lines += [name.encode() + b": " + (value if isinstance(value, bytes) else value.encode())
                  for name, value in headers]
        if body is not None:
            lines.append(b"Content-Length: %d" % len(body))
        reader, writer = await asyncio.open_connection(server.host, server.port)
        try:
            writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + (body or b""))
            await writer.drain()
            raw = await reader.read()
        except ConnectionResetError:
            if max(map(len, lines)) <= MAX_LINE:
                raise
            # aiohttp answered 400 to the overlong line and closed with our bytes unread: the reset can
            # overtake its answer
            return Answer(400, "text/plain", CIMultiDict(), b"(connection reset after a line over 8190 bytes)", [])
        finally:
            writer.close()
        while raw.startswith(b"HTTP/1.1 1"):  # an interim answer (100 Continue): the final one follows
            raw = raw.partition(b"\r\n\r\n")[2]
        head, _, content = raw.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        received = CIMultiDict(line.split(": ", 1) for line in header_lines if ": " in line)
        if received.get("Transfer-Encoding", "").lower() == "chunked":
            content = _unchunked(content)
        content_type = received.get("Content-Type", "").split(";")[0].strip()
        return Answer(int(status_line.split()[1]), content_type, received, content, [])

    # -- the database ------------------------------------------------------------------------------------
    def snapshot(self) -> Dict[str, Tuple[int, str]]:
        """Every table's row count and a digest of its rows (the outbox without its delivery columns), read
        from SQLite as stored."""
        tables = {}
        with self.services.store.engine.connect() as conn:
            for table in metadata.sorted_tables:
                columns = ", ".join(f'"{c.name}"' for c in table.columns
                                    if not (table.name == "outbox" and c.name in DELIVERY_COLUMNS))
                query = f'SELECT {columns} FROM "{table.name}" ORDER BY rowid'
                rows = [tuple(row) for row in conn.exec_driver_sql(query)]
                digest = hashlib.sha256(repr(rows).encode("utf-8", "surrogatepass")).hexdigest()
                tables[table.name] = (len(rows), digest)
        return tables


def _quoted(value: Any) -> str:
    return encode(value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else str(value))


def _unchunked(content: bytes) -> bytes:
    out = b""
    while content:
        size_line, _, rest = content.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, content = out + rest[:size], rest[size + 2:]
    return out


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, demo_db):
    running = Gateway(tmp_path_factory.mktemp("fuzz"), demo_db)
    running.start()
    yield running
    running.stop()


# -- the rules ---------------------------------------------------------------------------------------------
RESOLVER = RefResolver("", DOC)


def documented_problem(operation: Operation, answer: Answer) -> Optional[str]:
    """What about the answer the document does not say, or None."""
    if answer.status in AIOHTTP_OWN and answer.content_type == "text/plain":
        return None  # aiohttp's own, before any handler runs (the document's description says so)
    documented = operation.responses(DOC).get(str(answer.status))
    if documented is None:
        return f"status {answer.status} is not documented for {operation.id}"
    content = documented.get("content") or {}
    if not content:
        return None
    if answer.content_type not in content:
        return f"{answer.status} answered {answer.content_type or 'no content type'}; documented: {sorted(content)}"
    schema = (content[answer.content_type] or {}).get("schema")
    if schema is None or answer.content_type != "application/json":
        return None
    try:
        body = json.loads(answer.body)
    except ValueError:
        return f"{answer.status} says application/json but is not JSON: {answer.body[:200]!r}"
    errors = sorted(Draft202012Validator(schema, resolver=RESOLVER).iter_errors(body), key=str)
    if errors:
        return f"{answer.status} body does not match the document: {errors[0].message} at {list(errors[0].path)}"
    return None


def changed_tables(before: Dict[str, Tuple[int, str]], after: Dict[str, Tuple[int, str]]) -> Dict[str, str]:
    return {name: f"{before[name][0]} -> {after[name][0]} rows" + ("" if before[name][0] != after[name][0]
                                                                    else " (contents changed)")
            for name in before if before[name] != after[name]}


def check(gateway: Gateway, draft: Draft) -> int:
    """Send `draft` and hold the answer to the rules; its status."""
    answer, before, after = gateway.exchange(draft)
    operation = draft.operation
    where = f"\n{draft.describe()}\n  answer: {answer.status} {answer.content_type} {answer.body[:300]!r}"
    if answer.errors:
        where += "\n  logged:\n" + "\n".join(answer.errors)[-4000:]
    assert answer.status < 500, f"a {answer.status}:{where}"
    if 400 <= answer.status < 500:
        changed = changed_tables(before, after)
        counted = COUNTED.get((operation.id, answer.status))
        if counted is not None and counted in changed and before[counted][0] + 1 == after[counted][0]:
            del changed[counted]
        assert not changed, f"a rejected request ({answer.status}) changed the database: {changed}{where}"
    problem = documented_problem(operation, answer)
    assert problem is None, f"{problem}{where}"
    if not answer.from_http_parser:
        assert "Server" not in answer.headers, f"the answer names the server software{where}"
        routed = not (answer.status in (404, 405) and answer.content_type == "text/plain")
        if routed and (operation.path.startswith("/api/") or operation.id == "returnSlip"):
            assert "no-store" in answer.headers.get("Cache-Control", ""), f"an API answer without no-store{where}"
    return answer.status


# -- the document and the routes -----------------------------------------------------------------------------
def served_routes(app) -> Tuple[set, set]:
    """(path, method) of every route but HEAD, and the paths that answer HEAD."""
    routes = [(route.resource.canonical, route.method.lower()) for route in app.router.routes()]
    return {r for r in routes if r[1] != "head"}, {path for path, method in routes if method == "head"}


def documented_routes(optional: bool = True) -> set:
    return {(op.path, op.method) for op in OPERATIONS if optional or op.optional_route is None}


def test_the_document_names_every_route_the_gateway_serves_and_no_other(services, tmp_path):
    app = build_gateway(full_settings(tmp_path), services, FakeRasa().client())
    served, heads = served_routes(app)
    assert served - documented_routes() == set(), "routes the gateway serves that docs/openapi.yml lacks"
    assert documented_routes() - served == set(), "paths in docs/openapi.yml the gateway does not serve"
    assert heads == {path for path, method in served if method == "get"}, "every GET answers HEAD too"


def test_without_telegram_and_slack_their_routes_are_gone_and_the_rest_stay(services):
    served, _ = served_routes(build_gateway(services.settings, services, FakeRasa().client()))
    assert served == documented_routes(optional=False)
    assert {op.id for op in OPERATIONS if op.optional_route} == {"telegramUpdate", "slackEvent"}


def test_every_schema_in_the_document_is_one_the_fuzz_can_generate():
    for name, schema in DOC["components"]["schemas"].items():
        from_schema(DOC, schema)  # raises on a keyword the translator does not know
    Draft202012Validator.check_schema({"$defs": DOC["components"]["schemas"]})


def test_every_documented_static_asset_is_served_and_nothing_else(gateway):
    [static] = [op for op in OPERATIONS if op.id == "staticAsset"]
    names = static.parameters(DOC)[0]["schema"]["enum"]

    async def statuses():
        found = {}
        for name in names + ["chat.js\n", "chat.css\x00", "app.py", "chat.jsx", "portal.html", "../app.py"]:
            url = gateway.client.make_url(URL(f"/static/{encode(name)}", encoded=True))
            async with gateway.client.session.get(url) as answer:
                found[name] = answer.status
        return found

    found = gateway.loop.run_until_complete(statuses())
    assert {name: found[name] for name in names} == {name: 200 for name in names}
    assert all(status == 404 for name, status in found.items() if name not in names), repr(found)


# -- the fuzz -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.id for op in OPERATIONS])
def test_no_request_breaks_the_gateway_or_changes_what_it_refuses(gateway, operation):
    def fuzz(draft: Draft) -> None:
        check(gateway, draft)

    fuzz._hypothesis_internal_add_digest = operation.id.encode()  # its own seed and saved examples per operation
    FUZZ(given(draft=requests(DOC, operation))(fuzz))()
    seen = gateway.statuses.get(operation.id, Counter())
    assert any(200 <= status < 400 for status in seen), (
        f"no request to {operation.id} got past its checks ({dict(seen)}): the fuzz would test only refusals")


@pytest.mark.parametrize("expect", [b"\xff\xfe-continue", "200-ok"])
@pytest.mark.parametrize("target", ["/", "/healthz", "/api/messages", "/no-such-page"])  # a route, a wrong method, none
def test_an_expect_header_the_gateway_does_not_know_is_417_with_a_fixed_text_on_every_route(gateway, target, expect):
    answer = gateway.loop.run_until_complete(gateway._send_raw("GET", target, [("Expect", expect)], None))
    assert (answer.status, answer.content_type) == (417, "text/plain")
    assert answer.body == b"Only 'Expect: 100-continue' is supported."


def test_expect_100_continue_still_gets_the_body_through(gateway):
    answer = gateway.loop.run_until_complete(gateway._send_raw("GET", "/healthz", [("Expect", "100-continue")], b""))
    assert answer.status == 200 and json.loads(answer.body)["status"] == "ok"
