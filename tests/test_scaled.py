"""The scale-out profile (`returnbot run --profile scaled`): orders and Rasa's trackers in PostgreSQL,
Rasa's lock store in Redis, its events in RabbitMQ, two Rasa servers with an action server each, the
gateway spreading messages across them and the statistics consumer.

The stack tests (marked `scaled`, and `stack` as every test that starts processes) start it on their own ports (RETURNBOT_TEST_PORT_OFFSET + 700), over
a fresh PostgreSQL database and a fresh RabbitMQ queue per run (both removed at the end), then hold
200 conversations at once whose turns alternate between the two Rasa servers. They need PostgreSQL,
Redis and RabbitMQ (RETURNBOT_TEST_POSTGRES_URL, RETURNBOT_REDIS_URL, RETURNBOT_RABBITMQ_URL; defaults
on 127.0.0.1): without them they are skipped, except on CI (CI set), where that is a failure."""
from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Dict, List, Optional
from urllib.parse import urlsplit

import aio_pika
import httpx
import pytest
import sqlalchemy as sa
import yaml

from bot.conversation_stats import conversation_key
from bot.models import Customer, Fulfillment, Order, OrderLine, OrderStatus, SalesChannel
from bot.settings import INTERNAL_TOKEN_HEADER, ROOT, Settings, SettingsError
from bot.sql.conversation_stats import SqlStats
from bot.store import SqlStore
from channels.rasa_client import WEBHOOK_PATH
from cli.model import ensure_model
from cli.stack import SANIC_UNDER_LOAD, Stack, endpoints_yaml
from tests.conftest import test_settings
from tests.web_customer import Customer as WebCustomer

POSTGRES = os.environ.get("RETURNBOT_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = os.environ.get("RETURNBOT_REDIS_URL") or "redis://127.0.0.1:6379/0"
RABBITMQ = os.environ.get("RETURNBOT_RABBITMQ_URL") or "amqp://guest:guest@127.0.0.1:5672/"
CONVERSATIONS = 200
LINES = (("L1", "Trail running shoes", "shoes", "89.99"), ("L2", "Rain jacket", "apparel", "120.00"))
RMA = r"RMA-[0-9A-Z]{9}[0-9A-Z*~$=]"  # Crockford base32 and its check symbol (bot/ids.py)
PROBE_INTENT = "returnbot_test_probe"


# -- without services: the settings and the endpoints they make ---------------------------------------------
def test_the_scaled_profile_defaults_to_the_services_on_this_machine(tmp_path):
    s = Settings.from_env({"RETURNBOT_VAR_DIR": str(tmp_path), "RETURNBOT_SECRET": "x", "RETURNBOT_PROFILE": "scaled"})
    assert (s.database_url, s.redis_url, s.rabbitmq_url, s.rasa_replicas) == (
        "postgresql://postgres@127.0.0.1:5432/returnbot", "redis://127.0.0.1:6379/0",
        "amqp://guest:guest@127.0.0.1:5672/", 2)
    assert s.rasa_servers == ("http://127.0.0.1:5005", "http://127.0.0.1:5006")
    default = Settings.from_env({"RETURNBOT_VAR_DIR": str(tmp_path), "RETURNBOT_SECRET": "x"})
    assert (default.profile, default.rasa_replicas, default.redis_url, default.rabbitmq_url) == (
        "default", 1, None, None)
    assert default.rasa_servers == ("http://127.0.0.1:5005",)


@pytest.mark.parametrize("env, named", [
    ({"RETURNBOT_PROFILE": "huge"}, "RETURNBOT_PROFILE"),
    ({"RETURNBOT_PROFILE": "scaled", "RETURNBOT_DATABASE_URL": "sqlite:///x.db"}, "RETURNBOT_DATABASE_URL"),
    ({"RETURNBOT_RASA_REPLICAS": "2"}, "RETURNBOT_RASA_REPLICAS=2"),
    ({"RETURNBOT_PROFILE": "scaled", "RETURNBOT_REDIS_URL": "127.0.0.1:6379"}, "RETURNBOT_REDIS_URL"),
    ({"RETURNBOT_PROFILE": "scaled", "RETURNBOT_RABBITMQ_URL": "http://x"}, "RETURNBOT_RABBITMQ_URL"),
    ({"RETURNBOT_EVENTS_QUEUE": "a queue"}, "RETURNBOT_EVENTS_QUEUE"),
    ({"RETURNBOT_RASA_URLS": "rasa:5005"}, "RETURNBOT_RASA_URLS"),
])
def test_a_bad_scale_setting_is_named(tmp_path, env, named):
    with pytest.raises(SettingsError, match=named):
        Settings.from_env({"RETURNBOT_VAR_DIR": str(tmp_path), "RETURNBOT_SECRET": "x", **env})


def test_each_rasa_server_gets_its_action_server_the_shared_stores_and_the_broker(tmp_path):
    s = test_settings(tmp_path, RETURNBOT_PROFILE="scaled", RETURNBOT_ACTIONS_PORT=7055,
                      RETURNBOT_DATABASE_URL="postgresql://bot:p%40ss@db.internal:6543/shop",
                      RETURNBOT_REDIS_URL="rediss://:r3d%21s@cache.internal:6380/2",
                      RETURNBOT_RABBITMQ_URL="amqps://rb:s%2Fcret@mq.internal/returns", RETURNBOT_EVENTS_QUEUE="ev")
    endpoints = yaml.safe_load(endpoints_yaml(s, actions_port=7056))
    assert endpoints["action_endpoint"] == {"url": "http://127.0.0.1:7056/webhook",
                                            "headers": {"X-Returnbot-Token": s.action_server_token}}
    assert endpoints["tracker_store"] | {"password": None} == {
        "type": "SQL", "dialect": "postgresql", "url": "db.internal", "port": 6543, "db": "shop", "username": "bot",
        "password": None}
    assert endpoints["lock_store"] == {"type": "redis", "url": "cache.internal", "port": 6380, "db": 2,
                                       "key_prefix": "shop", "password": "r3d%21s", "use_ssl": True}
    assert endpoints["event_broker"] == {"type": "pika", "url": "amqps://mq.internal:5671/returns", "port": 5671,
                                         "username": "rb", "password": "s%2Fcret", "queues": ["ev"],
                                         "exchange_name": "ev"}
    default = yaml.safe_load(endpoints_yaml(test_settings(tmp_path)))
    assert set(default) == {"action_endpoint", "tracker_store"}


def test_docker_compose_describes_the_same_deployment_with_secrets_from_the_environment():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "rabbitmq", "init", "actions-1", "actions-2", "rasa-1", "rasa-2",
                             "gateway", "stats"}
    ours = {name: service for name, service in services.items() if service.get("build")}
    assert set(ours) == set(services) - {"postgres", "redis", "rabbitmq"}
    assert {(s["build"], s["image"]) for s in ours.values()} == {(".", "returnbot:latest")}
    for rasa, actions in (("rasa-1", "actions-1"), ("rasa-2", "actions-2")):
        assert services[rasa]["environment"]["ACTIONS_URL"] == f"http://{actions}:5055/webhook"
        assert "python -m cli.stack endpoints" in services[rasa]["command"]
    assert services["gateway"]["environment"]["RETURNBOT_RASA_URLS"] == "http://rasa-1:5005,http://rasa-2:5005"
    assert {name: services["rasa-1"]["environment"].get(name) for name in SANIC_UNDER_LOAD} == SANIC_UNDER_LOAD
    assert services["stats"]["command"][:3] == ["python", "-m", "cli.stats_consumer"]
    assert services["gateway"]["ports"] == ["127.0.0.1:8000:8000"]
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "RABBITMQ_PASSWORD", "RETURNBOT_SECRET"):
        assert f"${{{secret}:?" in text
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.10-slim" in dockerfile and "requirements.lock" in dockerfile


# -- the running scaled stack ----------------------------------------------------------------------------------
def _reachable(url: str, port: int) -> Optional[str]:
    host = urlsplit(url).hostname or "127.0.0.1"
    try:
        socket.create_connection((host, urlsplit(url).port or port), timeout=3).close()
        return None
    except OSError as exc:
        return f"{host}:{urlsplit(url).port or port} ({exc.strerror or exc})"


@pytest.fixture(scope="module")
def services_up() -> None:
    down = [f"{name} at {where}" for name, url, port in (("PostgreSQL", POSTGRES, 5432), ("Redis", REDIS, 6379),
                                                         ("RabbitMQ", RABBITMQ, 5672))
            if (where := _reachable(url, port))]
    if down:
        message = f"the scaled profile needs {', '.join(down)}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must provide them)")
        pytest.skip(message)


@dataclass
class Scaled:
    stack: Stack
    store: SqlStore
    stats: SqlStats
    queue: str
    orders: List[Order] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return self.stack.settings


@pytest.fixture(scope="module")
def scaled(services_up, tmp_path_factory):
    """The scaled stack over a database and a queue of its own, with 200 fresh two-line orders."""
    run = secrets.token_hex(4)
    database, queue = f"returnbot_test_{run}", f"returnbot_test_{run}"
    database_url = str(sa.engine.make_url(POSTGRES).set(database=database))
    var_dir = tmp_path_factory.mktemp("scaled")
    offset = int(os.environ.get("RETURNBOT_TEST_PORT_OFFSET", "0")) + 700
    settings = test_settings(var_dir, RETURNBOT_PROFILE="scaled", RETURNBOT_DATABASE_URL=database_url,
                             RETURNBOT_REDIS_URL=REDIS, RETURNBOT_RABBITMQ_URL=RABBITMQ, RETURNBOT_EVENTS_QUEUE=queue,
                             RETURNBOT_RASA_PORT=15005 + offset, RETURNBOT_ACTIONS_PORT=15055 + offset,
                             RETURNBOT_GATEWAY_PORT=18000 + offset)
    stack = Stack(settings, ensure_model(), log_dir=var_dir / "logs")
    store: Optional[SqlStore] = None
    try:
        stack.start(timeout=600)
        store = SqlStore.from_url(database_url)
        orders = fresh_orders(run)
        store.upsert_orders(orders)
        yield Scaled(stack, store, SqlStats(store.engine), queue, orders)
    finally:
        stack.stop()
        if store is not None:
            store.engine.dispose()
        _drop(database)
        asyncio.run(_delete_queue(queue))


def fresh_orders(run: str) -> List[Order]:
    """Two-line orders delivered three days ago, one customer each (no return history)."""
    delivered = datetime.now(timezone.utc) - timedelta(days=3)
    return [Order(
        order_id=f"#{700001 + i}", channel=SalesChannel.SHOPIFY, fulfillment=Fulfillment.MERCHANT,
        customer=Customer(f"scale{i:03d}.{run}@example.com", f"Scale Tester {i}", "94107", "US"),
        placed_at=delivered - timedelta(days=4), status=OrderStatus.DELIVERED, currency="USD",
        lines=tuple(OrderLine(line_id, f"SKU-{line_id}", title, category, 1, Decimal(price))
                    for line_id, title, category, price in LINES),
        shipped_at=delivered - timedelta(days=2), delivered_at=delivered, carrier="UPS",
        tracking_number=f"1Z999AA1{i:010d}", return_shipping_cost=Decimal("7.50"),
    ) for i in range(CONVERSATIONS)]


def _drop(database: str) -> None:
    engine = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT", future=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        engine.dispose()


async def _delete_queue(queue: str) -> None:
    connection = await aio_pika.connect_robust(RABBITMQ)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(queue)
        await channel.exchange_delete(queue)


@dataclass
class Conversation:
    index: int
    sender: str
    order: Order
    line: OrderLine
    said: List[str] = field(default_factory=list)
    answers: List[List[dict]] = field(default_factory=list)  # Rasa's reply to each turn, in order

    def texts(self, turn: int) -> List[str]:
        return [m["text"] for m in self.answers[turn] if m.get("text")]


def dialogue(order: Order, line: OrderLine) -> List[str]:
    """Verification, a return of one line, and where its refund is."""
    return [f"I want to return something from order {order.order_id}", order.customer.email,
            '/inform{"line_id":"%s"}' % line.line_id, '/inform{"return_reason":"too_small"}',
            '/inform{"resolution":"refund"}', "where is my refund?"]


def expected_answers(conversation: Conversation, rma: str) -> List[List[str]]:
    """For each turn, a pattern for each message the bot must send: its dialogue step's, once."""
    order, title, rma = conversation.order.order_id, re.escape(conversation.line.title), re.escape(rma)
    return [[r"returns portal", rf"email address or postcode used for order {re.escape(order)}\."],
            [r"^Which item is it about\?$"], [r"^What's the reason for the return\?$"],
            [r"^Would you like a refund, an exchange or store credit\?$"],
            [rf"^Your return is approved\. Your RMA number is {rma}\..*send {title} back by"],
            [rf"RMA number is {rma} \({title}\)"]]  # the portal link was given once, in the first answer


async def converse(http: httpx.AsyncClient, servers: List[str], conversation: Conversation,
                   stack: Optional[Stack] = None) -> None:
    """Each turn to the other Rasa server than the turn before (conversations start on alternate ones).
    A turn that gets no answer fails with where it was sent and what the stack logged meanwhile."""
    for turn, text in enumerate(dialogue(conversation.order, conversation.line)):
        server = servers[(conversation.index + turn) % len(servers)]
        try:
            response = await http.post(server + WEBHOOK_PATH, json={"sender": conversation.sender, "message": text})
        except httpx.TransportError as exc:
            pytest.fail(f"{conversation.sender} turn {turn} to {server}: {type(exc).__name__} {exc!r}"
                        + (_log_problems(stack) if stack is not None else ""))
        response.raise_for_status()
        conversation.said.append(text)
        conversation.answers.append(response.json())


def _log_problems(stack: Stack, lines: int = 20) -> str:
    """The last warnings and errors each process of `stack` logged, and whether it still runs."""
    report = []
    for process in stack.processes:
        log = stack.log_dir / f"{process.name}.log"
        text = log.read_text(errors="replace").splitlines() if log.exists() else []
        problems = [line for line in text if re.search(r"warn|error|exception|traceback|timeout", line, re.I)]
        running = process.popen is not None and process.popen.poll() is None
        report.append(f"\n-- {process.name} ({'running' if running else 'exited'}), {len(problems)} problem lines:\n"
                      + "\n".join(problems[-lines:]))
    return "".join(report)


async def probe(scaled: Scaled, channel: aio_pika.abc.AbstractChannel, extra: List[bytes] = ()) -> None:
    """Publish `extra` then a probe event (one turn of a conversation of its own) and wait until the consumer
    counted the probe: the queue is first in, first out with one consumer, so what came before is counted too."""
    exchange = await channel.get_exchange(scaled.queue)
    sender = f"probe:{secrets.token_hex(4)}"
    event = {"sender_id": sender, "event": "user", "timestamp": time.time(), "text": "probe",
             "parse_data": {"intent": {"name": PROBE_INTENT}}}
    for body in [*extra, json.dumps(event).encode()]:
        await exchange.publish(aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), "")
    key = conversation_key(scaled.settings.secret, sender)
    table = sa.table("conversation_stats", sa.column("conversation_key"))
    await until(lambda: _count(scaled, sa.select(sa.func.count()).select_from(table)
                               .where(table.c.conversation_key == key)) == 1, "the probe counted")


def _count(scaled: Scaled, query) -> int:
    with scaled.store.engine.connect() as conn:
        return conn.execute(query).scalar_one()


async def until(predicate, what, timeout: float = 300.0) -> None:
    """Eventual consistency, not speed: a generous deadline only so a broken consumer fails the test."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"not reached: {what() if callable(what) else what}"
        await asyncio.sleep(0.5)


@pytest.mark.scaled
@pytest.mark.stack
async def test_200_conversations_alternating_between_two_rasa_servers_stay_whole(scaled):
    s, settings = scaled, scaled.settings
    servers = list(settings.rasa_servers)
    assert len(servers) == 2 and [p.name for p in s.stack.processes] == [
        "actions", "actions-2", "rasa", "rasa-2", "gateway", "stats"]
    connection = await aio_pika.connect_robust(RABBITMQ)
    async with connection:
        channel = await connection.channel()
        await probe(s, channel)
        before = s.stats.summary()

        conversations = [Conversation(i, f"web:scale-{i:03d}-{secrets.token_hex(3)}", order, order.lines[i % 2])
                         for i, order in enumerate(s.orders)]
        limits = httpx.Limits(max_connections=2 * CONVERSATIONS, max_keepalive_connections=2 * CONVERSATIONS)
        async with httpx.AsyncClient(timeout=httpx.Timeout(600.0, connect=30.0), limits=limits,
                                     headers={INTERNAL_TOKEN_HEADER: scaled.settings.rasa_channel_token}) as http:
            await asyncio.gather(*(converse(http, servers, c, s.stack) for c in conversations))
        sent = sum(len(c.said) for c in conversations)
        assert sent == 6 * CONVERSATIONS

        # every turn answered once, in order: each answer is its own step's
        told: Dict[str, str] = {}
        for c in conversations:
            issued = re.search(RMA, " ".join(c.texts(4)))
            assert issued, (c.sender, c.texts(4))
            told[c.sender] = issued.group(0)
            for turn, patterns in enumerate(expected_answers(c, told[c.sender])):
                texts = c.texts(turn)
                assert len(texts) == len(patterns) and all(re.search(p, t) for p, t in zip(patterns, texts)), (
                    c.sender, turn, texts)
            assert [b["title"].split(" (")[0] for b in c.answers[1][0]["buttons"]] == [t for _, t, _, _ in LINES] + [
                "All of them"]

        # each tracker in PostgreSQL: the conversation's own events in order, and the slots it ends with
        events = _tracker_events(s, [c.sender for c in conversations])
        for c in conversations:
            mine = events[c.sender]
            assert [e["text"] for e in mine if e["event"] == "user"] == c.said, c.sender
            assert [e["text"] for e in mine if e["event"] == "bot" and e.get("text")] == [
                t for turn in range(len(c.said)) for t in c.texts(turn)], c.sender
            slots = {e["name"]: e["value"] for e in mine if e["event"] == "slot"}
            dialogue = slots.get("dialogue") or {}  # the dialogue's state as the last turn left it
            assert (dialogue.get("task"), dialogue.get("last_order"), dialogue.get("queued")) == (
                None, c.order.order_id, []), c.sender

        # exactly one RMA per requested line, the one the customer was told; the other lines have none
        with s.store.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT rma_id, order_id, line_id, conversation_id FROM rmas")).all()
        assert sorted((r.order_id, r.line_id, r.conversation_id, r.rma_id) for r in rows) == sorted(
            (c.order.order_id, c.line.line_id, c.sender, told[c.sender]) for c in conversations)

        # the stats consumer counted every user turn once; a message delivered again changes nothing
        await until(lambda: s.stats.summary().turns - before.turns >= sent,
                    lambda: f"every turn counted ({s.stats.summary().turns - before.turns} of {sent})")
        again = [json.dumps({"sender_id": c.sender, **e}).encode() for c in conversations[:50]
                 for e in events[c.sender] if e["event"] in ("user", "bot")]
        await probe(s, channel, again)
        after = s.stats.summary()
        assert after.turns - before.turns == sent + 1  # and the probe
        assert after.conversations - before.conversations == CONVERSATIONS + 1
        assert (after.outcomes.get("rma_issued", 0) - before.outcomes.get("rma_issued", 0),
                after.outcomes.get("return_status", 0) - before.outcomes.get("return_status", 0)) == (200, 200)
        assert after.handoffs == before.handoffs
        grown = {name: n - before.intents.get(name, 0) for name, n in after.intents.items()
                 if name != PROBE_INTENT and n != before.intents.get(name, 0)}
        assert grown["request_return"] == grown["where_is_my_refund"] == CONVERSATIONS
        assert grown["inform"] >= 3 * CONVERSATIONS and sum(grown.values()) == sent


def _tracker_events(scaled: Scaled, senders: List[str]) -> Dict[str, List[dict]]:
    """Rasa's SQL tracker store: each conversation's events in the order they were stored."""
    found: Dict[str, List[dict]] = {sender: [] for sender in senders}
    with scaled.store.engine.connect() as conn:
        for sender, data in conn.execute(sa.text("SELECT sender_id, data FROM events WHERE sender_id IN :senders "
                                                 "ORDER BY id").bindparams(sa.bindparam("senders", expanding=True)),
                                         {"senders": senders}):
            found[sender].append(json.loads(data))
    return found


@pytest.mark.scaled
@pytest.mark.stack
def test_the_gateway_carries_on_when_a_rasa_server_dies_and_takes_it_back_when_it_returns(scaled):
    s = scaled
    order = s.orders[-1]
    s.stack.kill("rasa-2")
    try:
        customer = WebCustomer(s.stack)
        answers = [customer.say(f"where is my order {order.order_id}"), customer.say(order.customer.email),
                   customer.say("thanks"), customer.say(f"where is my order {order.order_id}")]
        assert "email address or postcode" in answers[0]
        assert answers[1].startswith(f"Order {order.order_id}") and "UPS" in answers[1]
        assert "welcome" in answers[2].lower() and answers[3].startswith(f"Order {order.order_id}")
        assert httpx.get(f"http://127.0.0.1:{s.settings.gateway_port}/healthz").json()["rasa"] == "up"
    finally:
        s.stack.restart("rasa-2", timeout=300)
    assert s.stack.alive()
    customer = WebCustomer(s.stack)
    assert "email address or postcode" in customer.say(f"where is my order {order.order_id}")
    assert customer.say(order.customer.email).startswith(f"Order {order.order_id}")


@pytest.mark.scaled
@pytest.mark.stack
def test_returnbot_stats_reads_the_scaled_database(scaled):
    out = subprocess.run([sys.executable, "-m", "cli.main", "stats", "--json"], cwd=ROOT, env=scaled.stack.env(),
                         capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout)
    assert figures["conversations"] >= 1 and figures["turns"] >= figures["conversations"]
