"""The outbox, the relay, the rate limiter, the router and attachments, without any channel:
each message is queued once, delivered once and in order per conversation, and survives a crash,
a retry-after and a network outage.

Tests on the `store` fixture run on SQLite and, marked `scaled` (they need PostgreSQL, at
RETURNBOT_TEST_POSTGRES_URL or 127.0.0.1:5432), on a PostgreSQL database of their own."""
from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from datetime import datetime, timedelta, timezone
from typing import List, Optional
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa

from bot.attachments import AttachmentRejected, AttachmentStore
from bot.outbox import ANSWER_BATCH, FAILED, PENDING, SENT, Outbox, OutboxMessage
from bot.repositories import Conflict
from bot.sql.attachments import SqlAttachments
from bot.sql.outbox import SqlOutbox
from bot.sql.unit_of_work import SqlUnitOfWork
from bot.sql.schema import metadata
from bot.store import SqlStore
from channels.rasa_client import RasaClient
from channels.relay import Backoff, PermanentFailure, RateLimiter, Relay, RetryLater, TemporaryFailure
from bot import responses as said
from bot.catalogue import catalogue
from channels.router import Inbound, Router
from tests.clock import Clock
from tests.fakes import FakeDesk

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
POSTGRES = os.environ.get("RETURNBOT_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"

SORRY = catalogue().text(said.GATEWAY_SORRY)
PHOTO_RECEIVED = catalogue().text(said.GATEWAY_PHOTO_RECEIVED)


class FakeSender:
    """Records what it delivered; `fail` holds outcomes (exceptions) for the next sends."""

    def __init__(self):
        self.delivered: List[tuple] = []
        self.fail: List[Exception] = []

    async def send(self, message: OutboxMessage) -> Optional[str]:
        if self.fail:
            raise self.fail.pop(0)
        self.delivered.append((message.conversation_id, message.payload["text"]))
        return f"ref-{message.id}"


@pytest.fixture(scope="module")
def postgres_url() -> str:
    """A PostgreSQL database of this module's own, dropped after it."""
    server = urlsplit(POSTGRES)
    try:
        socket.create_connection((server.hostname or "127.0.0.1", server.port or 5432), timeout=3).close()
    except OSError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {server.hostname}:{server.port or 5432}: {exc} (CI must provide it)")
        pytest.skip(f"needs PostgreSQL at {server.hostname}:{server.port or 5432} ({exc.strerror or exc})")
    database = f"returnbot_outbox_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
        yield str(sa.engine.make_url(POSTGRES).set(database=database))
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.scaled)])
def store(request, tmp_path) -> SqlStore:
    if request.param == "sqlite":
        store = SqlStore.from_url(f"sqlite:///{tmp_path / 'returnbot.db'}")
    else:
        store = SqlStore.from_url(request.getfixturevalue("postgres_url"))
        metadata.drop_all(store.engine)  # each test from empty tables, as on SQLite
        store.create_schema()
    yield store
    store.engine.dispose()


@pytest.fixture
def outbox(store) -> Outbox:
    return SqlOutbox(store.engine)


def texts(*items: str) -> List[dict]:
    return [{"text": t} for t in items]


# -- the outbox ---------------------------------------------------------------------------------
def test_schema_creation_includes_the_outbox_and_attachment_tables(tmp_path):
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'fresh.db'}")
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"outbox", "processed_inbound", "attachments"} <= tables
    store.engine.dispose()


def test_an_inbound_key_is_claimed_once_even_by_a_new_process(outbox, store):
    assert outbox.claim_inbound("telegram:1", ["telegram:9:update:5"], T0)
    assert not outbox.claim_inbound("telegram:1", ["telegram:9:update:5"], T0)
    assert not SqlOutbox(store.engine).claim_inbound("telegram:1", ["telegram:9:update:5"], T0)


def test_claiming_several_keys_is_all_or_nothing(outbox):
    assert outbox.claim_inbound("telegram:1", ["update:1", "pressed:7"], T0)
    assert not outbox.claim_inbound("telegram:1", ["update:2", "pressed:7"], T0)  # keyboard 7 used up
    assert outbox.claim_inbound("telegram:1", ["update:2"], T0)  # so update 2 was not recorded


def test_messages_are_numbered_in_order_per_conversation(outbox):
    outbox.enqueue("telegram:1", "telegram", "in:1", texts("a", "b"), T0)
    outbox.enqueue("telegram:2", "telegram", "in:2", texts("x"), T0)
    outbox.enqueue("telegram:1", "telegram", "in:3", texts("c"), T0)
    assert [(m.seq, m.payload["text"], m.key) for m in outbox.messages("telegram:1")] == [
        (1, "a", "in:1:0"), (2, "b", "in:1:1"), (3, "c", "in:3:0")]
    assert [m.seq for m in outbox.messages("telegram:2")] == [1]


def test_queueing_the_same_keys_again_adds_nothing(outbox):
    first = outbox.enqueue("telegram:1", "telegram", "in:1", texts("a", "b"), T0)
    again = outbox.enqueue("telegram:1", "telegram", "in:1", texts("a", "b"), T0)
    assert [m.id for m in again] == [m.id for m in first]
    assert len(outbox.messages("telegram:1")) == 2


def test_enqueue_returns_its_rows_as_the_store_holds_them_new_or_queued_before(outbox):
    outbox.enqueue("telegram:1", "telegram", "agent:1", texts("first"), T0)
    at = datetime(2026, 11, 20, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))  # stored as UTC
    new = outbox.enqueue("telegram:1", "telegram", "in:1", [{"text": "a", "parts": ("x", 1)}, {"text": "b"}], at)
    assert new == [outbox.get(m.id) for m in new]
    assert [(m.seq, m.key, m.payload, m.status, m.created_at.tzinfo) for m in new] == [
        (2, "in:1:0", {"text": "a", "parts": ["x", 1]}, PENDING, timezone.utc),
        (3, "in:1:1", {"text": "b"}, PENDING, timezone.utc)]
    outbox.mark_sent(new[0].id, T0, "ref-1")
    again = outbox.enqueue("telegram:1", "telegram", "in:1", texts("a", "b", "c"), T0)  # one key more
    assert again == [outbox.get(m.id) for m in again]
    assert [(m.seq, m.key, m.status) for m in again] == [(2, "in:1:0", SENT), (3, "in:1:1", PENDING),
                                                        (4, "in:1:2", PENDING)]
    assert outbox.enqueue("telegram:2", "telegram", "in:1", texts("a"), T0) == [outbox.get(new[0].id)]  # a key is global
    assert outbox.messages("telegram:2") == []


def test_enqueue_marks_the_inbound_answered_in_the_same_transaction(outbox):
    outbox.claim_inbound("telegram:1", ["in:1"], T0)
    assert not outbox.is_answered("in:1")
    outbox.enqueue("telegram:1", "telegram", "in:1", [], T0, answers="in:1")
    assert outbox.is_answered("in:1")


def transcript_of(store: SqlStore, conversation_id: str) -> List[tuple]:
    return [(m["direction"], m["payload"]) for m in store.messages(conversation_id)]


def test_transcript_entries_are_added_in_order_and_none_from_a_unit_of_work_left_uncommitted(store):
    store.append_messages("telegram:1", [("in", {"text": "hi"}), ("out", {"text": "hello", "seq": 1})], T0)
    store.append_messages("telegram:1", [], T0)
    with SqlUnitOfWork(store.engine) as uow:
        uow.transcript.append_messages("telegram:1", [("out", {"text": "rolled back"})], T0)
    with pytest.raises(RuntimeError), SqlUnitOfWork(store.engine) as uow:
        uow.transcript.append_messages("telegram:1", [("out", {"text": "rolled back too"})], T0)
        raise RuntimeError("the unit of work fails before its commit")
    store.append_message("telegram:1", "in", {"text": "bye"}, T0)
    assert transcript_of(store, "telegram:1") == [
        ("in", {"text": "hi"}), ("out", {"text": "hello", "seq": 1}), ("in", {"text": "bye"})]
    assert {m["at"] for m in store.messages("telegram:1")} == {T0.isoformat()}


def claim_with_entry(store: SqlStore, key: str, text: str) -> bool:
    with SqlUnitOfWork(store.engine) as uow:
        if not uow.outbox.claim_inbound("telegram:1", [key], T0):
            return False
        uow.transcript.append_messages("telegram:1", [("in", {"text": text})], T0)
        uow.commit()
    return True


def test_a_claim_and_its_transcript_entry_are_one_unit_of_work_and_a_duplicate_writes_none(outbox, store):
    assert claim_with_entry(store, "in:1", "hello")
    assert not claim_with_entry(store, "in:1", "hello again")
    assert not outbox.claim_inbound("telegram:1", ["in:1"], T0)
    assert transcript_of(store, "telegram:1") == [("in", {"text": "hello"})]


def test_an_enqueue_in_a_unit_of_work_gives_the_rows_it_queued_and_commits_with_the_transcript(outbox, store):
    outbox.enqueue("telegram:1", "telegram", "agent:1", texts("first"), T0)
    outbox.claim_inbound("telegram:1", ["in:1"], T0)
    with SqlUnitOfWork(store.engine) as uow:
        rows = uow.outbox.enqueue("telegram:1", "telegram", "in:1", texts("a", "b"), T0, answers="in:1")
        uow.transcript.append_messages("telegram:1", [("out", {"seq": row.seq}) for row in rows], T0)
        assert not outbox.is_answered("in:1")  # not seen outside the unit of work before its commit
        uow.commit()
    assert [(m.seq, m.key) for m in rows] == [(2, "in:1:0"), (3, "in:1:1")]
    assert [m.key for m in outbox.pending()] == ["agent:1:0", "in:1:0", "in:1:1"] and outbox.is_answered("in:1")
    assert transcript_of(store, "telegram:1") == [("out", {"seq": 2}), ("out", {"seq": 3})]


def test_a_unit_of_work_that_fails_keeps_neither_the_claim_nor_the_replies(outbox, store):
    with pytest.raises(ValueError), SqlUnitOfWork(store.engine) as uow:
        assert uow.outbox.claim_inbound("telegram:1", ["in:1"], T0)
        uow.outbox.enqueue("telegram:1", "telegram", "in:1", texts("a"), T0, answers="in:1")
        raise ValueError("the transcript broke")
    assert outbox.pending() == [] and not outbox.is_answered("in:1")
    assert outbox.claim_inbound("telegram:1", ["in:1"], T0)  # never claimed


# -- the relay ----------------------------------------------------------------------------------
async def test_relay_delivers_each_message_once_in_order_per_conversation(outbox):
    sender, clock = FakeSender(), Clock()
    relay = Relay(outbox, {"telegram": sender}, clock=clock)
    outbox.enqueue("telegram:1", "telegram", "in:1", texts("a1", "a2"), T0)
    outbox.enqueue("telegram:2", "telegram", "in:2", texts("b1"), T0)
    outbox.enqueue("telegram:1", "telegram", "in:3", texts("a3"), T0)

    await relay.pump()
    await relay.pump()

    assert [t for c, t in sender.delivered if c == "telegram:1"] == ["a1", "a2", "a3"]
    assert [t for c, t in sender.delivered if c == "telegram:2"] == ["b1"]
    assert len(sender.delivered) == 4
    assert {m.status for m in outbox.messages("telegram:1")} == {SENT}
    assert [m.delivery_ref for m in outbox.messages("telegram:2")] == [f"ref-{outbox.messages('telegram:2')[0].id}"]


async def test_retry_after_holds_the_conversation_until_then_and_nothing_overtakes(outbox):
    sender, clock = FakeSender(), Clock()
    relay = Relay(outbox, {"telegram": sender}, clock=clock)
    outbox.enqueue("telegram:1", "telegram", "in:1", texts("first", "second"), T0)
    sender.fail = [RetryLater(7)]

    await relay.pump()
    assert sender.delivered == []
    head = outbox.head("telegram:1")
    assert (head.payload["text"], head.next_attempt_at, head.attempts) == ("first", T0 + timedelta(seconds=7), 1)

    clock.advance(6)
    await relay.pump()
    assert sender.delivered == []

    clock.advance(1)
    await relay.pump()
    assert [t for _, t in sender.delivered] == ["first", "second"]


async def test_network_failures_back_off_exponentially_up_to_the_cap_and_then_deliver(outbox):
    sender, clock = FakeSender(), Clock()
    relay = Relay(outbox, {"telegram": sender}, clock=clock, backoff=Backoff(base=1, factor=2, cap=5))
    outbox.enqueue("telegram:1", "telegram", "in:1", texts("hello"), T0)
    sender.fail = [TemporaryFailure("connection reset")] * 4
    waits = []
    for _ in range(4):
        await relay.pump()
        head = outbox.head("telegram:1")
        waits.append((head.next_attempt_at - clock()).total_seconds())
        clock.now = head.next_attempt_at
    await relay.pump()
    assert waits == [1, 2, 4, 5]
    assert sender.delivered == [("telegram:1", "hello")]
    assert outbox.messages("telegram:1")[0].attempts == 5


async def test_an_undeliverable_message_is_marked_failed_and_the_next_one_follows(outbox):
    sender = FakeSender()
    relay = Relay(outbox, {"telegram": sender}, clock=Clock())
    outbox.enqueue("telegram:1", "telegram", "in:1", texts("blocked?", "next"), T0)
    sender.fail = [PermanentFailure("Forbidden: bot was blocked by the user")]
    await relay.pump()
    assert [m.status for m in outbox.messages("telegram:1")] == [FAILED, SENT]
    assert "blocked" in outbox.messages("telegram:1")[0].last_error


async def test_messages_queued_before_a_crash_are_sent_by_the_next_relay(store):
    SqlOutbox(store.engine).enqueue("telegram:1", "telegram", "in:1", texts("a", "b"), T0)
    # the process dies here; a new one starts on the same database
    sender = FakeSender()
    await Relay(SqlOutbox(store.engine), {"telegram": sender}, clock=Clock()).pump()
    assert [t for _, t in sender.delivered] == ["a", "b"]


async def test_messages_for_a_channel_without_a_sender_wait_for_it(outbox):
    outbox.enqueue("slack:U1", "slack", "in:1", texts("later"), T0)
    await Relay(outbox, {"telegram": FakeSender()}, clock=Clock()).pump()
    assert [m.status for m in outbox.messages("slack:U1")] == [PENDING]


@pytest.mark.parametrize("attempt, delay", [(1, 1), (2, 2), (3, 4), (9, 256), (10, 300), (50, 300)])
def test_backoff_doubles_up_to_five_minutes(attempt, delay):
    assert Backoff().delay(attempt) == delay


# -- the rate limiter ---------------------------------------------------------------------------
class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.slept: List[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


async def test_limiter_allows_a_short_burst_per_chat_then_one_a_second():
    time = FakeTime()
    limiter = RateLimiter(per_key_rate=1, per_key_burst=3, global_rate=30, global_burst=30,
                          clock=time.clock, sleep=time.sleep)
    for _ in range(5):
        await limiter.acquire(42)
    assert time.slept == [1.0, 1.0]


async def test_limiter_keeps_chats_apart_but_caps_the_total():
    time = FakeTime()
    limiter = RateLimiter(per_key_rate=1, per_key_burst=1, global_rate=2, global_burst=2,
                          clock=time.clock, sleep=time.sleep)
    await limiter.acquire(1)
    await limiter.acquire(2)  # another chat: no wait for the chat, and the global burst allows it
    await limiter.acquire(3)  # the third message in the same instant waits for the global limit
    assert time.slept == [0.5]


# -- the router ---------------------------------------------------------------------------------
class FakeRasa:
    def __init__(self, down: bool = False):
        self.received: List[dict] = []
        self.down = down

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        body = json.loads(request.content)
        self.received.append(body)
        return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": f"you said: {body['message']}"},
                                         {"recipient_id": body["sender"], "text": "Anything else?"}])

    def client(self) -> RasaClient:
        return RasaClient("http://rasa.test", client=httpx.AsyncClient(transport=httpx.MockTransport(self.handler)))


def plain(reply: dict) -> List[dict]:
    return [{"text": reply["text"]}] if reply.get("text") else []


async def test_a_duplicate_inbound_reaches_rasa_once_and_queues_once(outbox, store):
    rasa = FakeRasa()
    router = Router(rasa.client(), outbox, {"telegram": plain}, transcript=store, clock=Clock())
    inbound = Inbound("telegram", "telegram:1", "telegram:9:update:1", "hello")
    assert await router.handle(inbound)
    assert not await router.handle(inbound)
    assert not await Router(rasa.client(), SqlOutbox(store.engine), {"telegram": plain}).handle(inbound)
    assert [r["message"] for r in rasa.received] == ["hello"]
    assert [m.payload["text"] for m in outbox.messages("telegram:1")] == ["you said: hello", "Anything else?"]
    assert [(m["direction"], m["payload"]["text"]) for m in store.messages("telegram:1")] == [
        ("in", "hello"), ("out", "you said: hello"), ("out", "Anything else?")]


async def test_replies_queued_before_a_crash_are_delivered_after_it(store):
    router = Router(FakeRasa().client(), SqlOutbox(store.engine), {"telegram": plain}, clock=Clock())
    await router.handle(Inbound("telegram", "telegram:1", "in:1", "hello"))
    # crash before any send: a fresh relay on the same database picks the replies up
    sender = FakeSender()
    await Relay(SqlOutbox(store.engine), {"telegram": sender}, clock=Clock()).pump()
    assert [t for _, t in sender.delivered] == ["you said: hello", "Anything else?"]


async def test_rasa_down_queues_an_apology(outbox):
    router = Router(FakeRasa(down=True).client(), outbox, {"telegram": plain}, clock=Clock())
    await router.handle(Inbound("telegram", "telegram:1", "in:1", "hello"))
    assert [m.payload["text"] for m in outbox.messages("telegram:1")] == [SORRY]


async def test_a_photo_is_kept_with_the_open_handoff_and_acknowledged(outbox, store, tmp_path):
    handoff = store.handoffs.open("telegram:1", "damage_claim", "#1004", "vase broken", (), T0)
    attachments = AttachmentStore(SqlAttachments(store.engine), tmp_path / "attachments")
    router = Router(FakeRasa().client(), outbox, {"telegram": plain}, attachments=attachments, clock=Clock())

    async def fetch():
        return b"\xff\xd8\xff jpeg bytes", "image/jpeg"

    assert await router.attach(Inbound("telegram", "telegram:1", "in:1"), fetch)
    assert not await router.attach(Inbound("telegram", "telegram:1", "in:1"), fetch)
    [saved] = attachments.list(conversation_id="telegram:1")
    assert (saved.handoff_id, saved.content_type, saved.size, saved.created_at) == (
        handoff.handoff_id, "image/jpeg", 14, T0)
    assert attachments.file(saved).read_bytes() == b"\xff\xd8\xff jpeg bytes"
    assert [m.payload["text"] for m in outbox.messages("telegram:1")] == [PHOTO_RECEIVED]


async def test_while_an_agent_owns_the_conversation_the_bot_is_silent_and_the_agent_reads_it(outbox, store):
    rasa, desk = FakeRasa(), FakeDesk(owned={"telegram:1"})
    router = Router(rasa.client(), outbox, {"telegram": plain}, transcript=store, clock=Clock(), desk=desk)
    assert await router.handle(Inbound("telegram", "telegram:1", "in:1", "is anyone there?"),
                               before=[{"remove_keyboard": 7}])
    assert rasa.received == [] and desk.forwarded == [("telegram:1", "is anyone there?", "in:1")]
    assert [m.payload for m in outbox.messages("telegram:1")] == [{"remove_keyboard": 7}]
    assert outbox.is_answered("in:1")  # handled: a re-delivery is not sent to the agent again
    assert not await router.handle(Inbound("telegram", "telegram:1", "in:1", "is anyone there?"))
    assert len(desk.forwarded) == 1


async def test_an_open_case_nobody_took_yet_is_answered_by_the_bot_and_seen_by_agents(outbox, store):
    rasa, desk = FakeRasa(), FakeDesk()
    router = Router(rasa.client(), outbox, {"telegram": plain}, clock=Clock(), desk=desk)
    await router.handle(Inbound("telegram", "telegram:1", "in:1", "/choose", title="Too small"))
    assert [r["message"] for r in rasa.received] == ["/choose"]
    assert desk.forwarded == [("telegram:1", "Too small", "in:1")]  # agents read the button's words


async def test_a_photo_caption_goes_to_the_agent_not_the_bot_while_they_own_it(outbox, store, tmp_path):
    rasa, desk = FakeRasa(), FakeDesk(owned={"telegram:1"})
    router = Router(rasa.client(), outbox, {"telegram": plain}, clock=Clock(), desk=desk,
                    attachments=AttachmentStore(SqlAttachments(store.engine), tmp_path / "attachments"))

    async def fetch():
        return b"\xff\xd8\xff jpeg bytes", "image/jpeg"

    await router.attach(Inbound("telegram", "telegram:1", "in:1", "the box was crushed"), fetch)
    assert rasa.received == [] and desk.forwarded == [("telegram:1", "the box was crushed", "in:1")]
    assert [m.payload["text"] for m in outbox.messages("telegram:1")] == [PHOTO_RECEIVED]


async def test_deliver_queues_an_agents_message_once_on_the_customers_channel(outbox, store):
    router = Router(FakeRasa().client(), outbox, {"telegram": plain, "web": lambda r: [r]}, transcript=store,
                    clock=Clock())
    router.deliver("telegram:1", "Your refund is on its way", "slack:message:C1:1.2")
    router.deliver("telegram:1", "Your refund is on its way", "slack:message:C1:1.2")  # Slack retried
    router.deliver("web:abc", "Hello from Ana", "slack:message:C1:1.3")
    [queued] = outbox.messages("telegram:1")
    assert (queued.channel, queued.payload) == ("telegram", {"text": "Your refund is on its way"})
    assert [m["payload"] for m in store.messages("telegram:1")] == [
        {"text": "Your refund is on its way", "from": "agent", "seq": queued.seq}]
    assert [(m.channel, m.payload) for m in outbox.messages("web:abc")] == [
        ("web", {"text": "Hello from Ana", "from": "agent"})]
    with pytest.raises(ValueError):
        router.deliver("fax:1", "hello", "k")


def test_a_pulling_channel_collects_its_rows_in_order_and_again_until_it_moves_on(outbox):
    for i, text in enumerate(["one", "two"]):
        outbox.enqueue("web:abc", "web", f"agent:{i}", [{"text": text}], T0)
    first = outbox.collect("web:abc", 0, T0)
    assert [(m.seq, m.payload["text"]) for m in first] == [(1, "one"), (2, "two")]
    assert outbox.pending("web:abc") == []  # taken: counted as delivered
    assert [m.seq for m in outbox.collect("web:abc", 0, T0)] == [1, 2]  # a lost answer is asked again
    assert outbox.collect("web:abc", 2, T0) == [] and outbox.last_seq("web:abc") == 2
    assert outbox.collect("web:other", 0, T0) == [] and outbox.last_seq("web:other") == 0


def test_the_answer_to_an_inbound_key_is_its_rows_in_order_marked_sent_and_the_same_when_asked_again(outbox):
    outbox.enqueue("web:abc", "web", "slack:1", [{"text": "from an agent"}], T0)
    outbox.enqueue("web:abc", "web", "web:abc:msg:1", texts("a", "b"), T0, answers="web:abc:msg:1")
    outbox.enqueue("web:abc", "web", "web:abc:msg:10", texts("not this one"), T0)
    later = T0 + timedelta(seconds=5)

    answered = outbox.answers("web:abc:msg:1", later)

    assert [(m.seq, m.key, m.payload["text"]) for m in answered] == [
        (2, "web:abc:msg:1:0", "a"), (3, "web:abc:msg:1:1", "b")]
    assert [(m.seq, m.status, m.sent_at, m.delivery_ref) for m in outbox.messages("web:abc")] == [
        (1, PENDING, None, None), (2, SENT, later, "answered"), (3, SENT, later, "answered"), (4, PENDING, None, None)]
    assert [m.id for m in outbox.answers("web:abc:msg:1", later)] == [m.id for m in answered]  # a retried request
    assert outbox.answers("web:abc:msg:2", later) == []


def test_asking_for_an_answer_again_leaves_the_rows_it_marked_sent_as_they_were(outbox):
    outbox.enqueue("web:abc", "web", "in:1", texts("a", "b"), T0)
    outbox.mark_sent(outbox.pending()[1].id, T0, "relayed")
    later = T0 + timedelta(seconds=5)

    first = outbox.answers("in:1", later)
    again = outbox.answers("in:1", later + timedelta(seconds=5))

    assert [(m.status, m.attempts) for m in first] == [(PENDING, 0), (SENT, 1)]  # as they were when asked
    assert [(m.status, m.attempts, m.sent_at, m.delivery_ref) for m in again] == [
        (SENT, 1, later, "answered"), (SENT, 1, T0, "relayed")]


def test_a_long_answer_is_read_whole_across_lookup_batches(outbox):
    count = ANSWER_BATCH * 2 + 3
    outbox.enqueue("web:abc", "web", "in:1", texts(*(f"part {i}" for i in range(count))), T0)
    assert [m.payload["text"] for m in outbox.answers("in:1", T0)] == [f"part {i}" for i in range(count)]
    outbox.enqueue("web:abc", "web", "in:2", texts(*(f"part {i}" for i in range(ANSWER_BATCH))), T0)
    assert len(outbox.answers("in:2", T0)) == ANSWER_BATCH


async def test_the_transcript_gives_each_reply_the_seq_of_its_last_queued_message(outbox, store):
    def split(reply: dict) -> List[dict]:
        return [{"text": part} for part in reply["text"].split(": ")]

    router = Router(FakeRasa().client(), outbox, {"telegram": split}, transcript=store, clock=Clock(),
                    units=lambda: SqlUnitOfWork(store.engine))
    await router.handle(Inbound("telegram", "telegram:1", "in:1", "hello"), before=[{"remove_keyboard": 7}])
    assert [m.payload for m in outbox.messages("telegram:1")] == [
        {"remove_keyboard": 7}, {"text": "you said"}, {"text": "hello"}, {"text": "Anything else?"}]
    assert [(m["direction"], m["payload"]) for m in store.messages("telegram:1")] == [
        ("in", {"text": "hello"}), ("out", {"text": "you said: hello", "seq": 3}),
        ("out", {"text": "Anything else?", "seq": 4})]


async def test_a_turn_is_two_transactions_the_claim_with_its_entry_and_the_replies_with_theirs(outbox, store):
    commits: List[int] = []
    sa.event.listen(store.engine, "commit", lambda conn: commits.append(1))
    router = Router(FakeRasa().client(), outbox, {"telegram": plain}, transcript=store, clock=Clock(),
                    units=lambda: SqlUnitOfWork(store.engine))

    assert await router.handle(Inbound("telegram", "telegram:1", "in:1", "hello"))

    assert len(commits) == 2
    assert transcript_of(store, "telegram:1") == [
        ("in", {"text": "hello"}), ("out", {"text": "you said: hello", "seq": 1}),
        ("out", {"text": "Anything else?", "seq": 2})]


async def test_a_transcript_that_fails_never_costs_a_turn_its_replies(outbox, store, caplog):
    class BrokenTranscript:
        def __init__(self, conn):
            self.conn = conn

        def append_messages(self, *args, **kwargs):  # writes a row, then fails: the row goes with the rollback
            self.conn.execute(sa.text("INSERT INTO messages (conversation_id, direction, payload, at) "
                                      "VALUES ('telegram:1', 'in', '{}', '2026-11-20 12:00:00')"))
            raise OSError("disk full")

    class BrokenUnit(SqlUnitOfWork):
        def __enter__(self):
            super().__enter__()
            self.transcript = BrokenTranscript(self.outbox.conn)
            return self

    router = Router(FakeRasa().client(), outbox, {"telegram": plain}, transcript=store, clock=Clock(),
                    units=lambda: BrokenUnit(store.engine))

    assert await router.handle(Inbound("telegram", "telegram:1", "in:1", "hello"))
    router.deliver("telegram:1", "Sam here.", "slack:1")

    assert not await router.handle(Inbound("telegram", "telegram:1", "in:1", "hello"))
    assert [m.payload["text"] for m in outbox.messages("telegram:1")] == [
        "you said: hello", "Anything else?", "Sam here."]
    assert outbox.is_answered("in:1") and store.messages("telegram:1") == []
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        "transcript of telegram:1 not written"] * 3


async def test_a_unit_of_work_that_meets_another_writer_is_made_again_from_the_start(outbox, store):
    tries: List[str] = []

    class OutrunOnce(SqlUnitOfWork):
        """The first enqueue finds its sequence number taken (as when another writer got there first)."""

        def __enter__(self):
            super().__enter__()
            enqueue = self.outbox.enqueue

            def first_conflicts(*args, **kwargs):
                tries.append(args[2])
                if tries.count(args[2]) == 1:
                    raise Conflict("seq taken")
                return enqueue(*args, **kwargs)

            self.outbox.enqueue = first_conflicts
            return self

    router = Router(FakeRasa().client(), outbox, {"telegram": plain}, transcript=store, clock=Clock(),
                    units=lambda: OutrunOnce(store.engine))
    assert await router.handle(Inbound("telegram", "telegram:1", "in:1", "hello"))
    assert tries == ["in:1", "in:1"]
    assert [m.payload["text"] for m in outbox.messages("telegram:1")] == ["you said: hello", "Anything else?"]
    assert transcript_of(store, "telegram:1") == [
        ("in", {"text": "hello"}), ("out", {"text": "you said: hello", "seq": 1}),
        ("out", {"text": "Anything else?", "seq": 2})]


async def test_a_turn_that_meets_other_writers_five_times_fails_and_keeps_nothing(outbox, store):
    class AlwaysOutrun(SqlUnitOfWork):
        def __enter__(self):
            super().__enter__()

            def conflicts(*args, **kwargs):
                raise Conflict("seq taken")

            self.outbox.enqueue = conflicts
            return self

    tries: List[int] = []
    router = Router(FakeRasa().client(), outbox, {"telegram": plain}, transcript=store, clock=Clock(),
                    units=lambda: tries.append(1) or AlwaysOutrun(store.engine))
    with pytest.raises(Conflict):
        router.deliver("telegram:1", "Sam here.", "slack:1")
    assert len(tries) == 5 and outbox.messages("telegram:1") == [] and store.messages("telegram:1") == []


async def test_a_transcript_on_another_database_is_written_after_each_step(outbox, tmp_path):
    elsewhere = SqlStore.from_url(f"sqlite:///{tmp_path / 'transcripts.db'}")
    router = Router(FakeRasa().client(), outbox, {"telegram": plain}, transcript=elsewhere, clock=Clock())

    await router.handle(Inbound("telegram", "telegram:1", "in:1", "hello"))
    router.deliver("telegram:1", "Sam here.", "slack:1")

    assert transcript_of(elsewhere, "telegram:1") == [
        ("in", {"text": "hello"}), ("out", {"text": "you said: hello", "seq": 1}),
        ("out", {"text": "Anything else?", "seq": 2}), ("out", {"text": "Sam here.", "from": "agent", "seq": 3})]
    elsewhere.engine.dispose()


def test_attachments_keep_images_only(store, tmp_path):
    attachments = AttachmentStore(SqlAttachments(store.engine), tmp_path / "attachments")
    with pytest.raises(AttachmentRejected):
        attachments.save("telegram:1", b"MZ\x90\x00", "application/x-msdownload", T0)
    with pytest.raises(AttachmentRejected):
        attachments.save("telegram:1", b"", "image/png", T0)
    saved = attachments.save("telegram:1", b"\x89PNG", "image/png", T0)
    assert saved.handoff_id is None and saved.path.startswith("telegram_1/") and saved.path.endswith(".png")
    assert attachments.list() == [saved]
