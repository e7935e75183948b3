"""When parts fail: the action server down or too slow, the tracker store locked, the order
database busy, the gateway killed halfway through posting to Slack. Customers get a polite "try
again", nothing is half-made, and a retry ends with the one RMA or the one Slack card there
should be.

The stack tests here run their own stack (they stop and freeze its processes), on ports apart
from the session's shared one, with the gateway's Rasa timeout short so a frozen action server
shows in seconds."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Callable

import httpx
import pytest

from bot.sql.slack_ledger import SqlSlackLedger
from bot.importer import load_orders_file
from bot.models import Resolution, ReturnReason
from bot.settings import ROOT
from bot.store import SqlStore
from channels.rasa_client import RasaClient
from cli.model import ensure_model
from cli.stack import Stack
from tests.conftest import DEMO_STORE, test_settings
from tests.fake_slack import TOKEN as SLACK_TOKEN
from tests.web_customer import Customer

ALICE_ORDER, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"
RASA_TIMEOUT = 5


def eventually(predicate: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"not reached: {what}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A stack of our own over the demo store, which these tests may break."""
    var_dir = tmp_path_factory.mktemp("own-stack")
    offset = int(os.environ.get("RETURNBOT_TEST_PORT_OFFSET", "0")) + 500
    settings = test_settings(var_dir, RETURNBOT_RASA_PORT=15005 + offset, RETURNBOT_ACTIONS_PORT=15055 + offset,
                             RETURNBOT_GATEWAY_PORT=18000 + offset, RETURNBOT_RASA_TIMEOUT=str(RASA_TIMEOUT))
    store = SqlStore.from_url(settings.database_url)
    store.upsert_orders(load_orders_file(DEMO_STORE, rebase_to=datetime.now(timezone.utc).date()))
    running = Stack(settings, ensure_model(), log_dir=var_dir / "logs")
    running.start()
    yield running, store
    running.stop()
    store.engine.dispose()


def to_the_last_step(stack: Stack, line_title: str) -> Customer:
    """Alice, verified, with item and reason chosen: the next press (Refund) issues the RMA."""
    alice = Customer(stack)
    alice.say(f"I want to return something from order {ALICE_ORDER}")
    answer = alice.say(ALICE_EMAIL)
    if "Which item" in answer:  # not when the other line has its return already (an earlier test's)
        answer = alice.press(line_title)
    assert "reason" in answer.lower()
    assert "refund" in alice.press("Too small").lower()
    return alice


def asked_to_retry(answer: str) -> bool:
    return "trouble" in answer and "try again" in answer


def rmas(store: SqlStore, line_id: str):
    return [r.rma_id for r in store.rmas_for_order(ALICE_ORDER) if r.line_id == line_id]


# -- the action server --------------------------------------------------------------------------
@pytest.mark.stack
def test_with_the_action_server_down_the_customer_is_asked_to_retry_and_the_retry_issues_the_rma(own_stack):
    stack, store = own_stack
    alice = to_the_last_step(stack, "Running socks")
    refund = next(b for b in alice.buttons() if b["title"] == "Refund")
    stack.kill("actions")
    try:
        assert asked_to_retry(alice.say(refund["payload"]))
        assert rmas(store, "L2") == []  # nothing half-made
    finally:
        stack.restart("actions")
    answer = alice.say(refund["payload"])
    [rma] = rmas(store, "L2")
    assert rma in answer and "approved" in answer


@pytest.mark.stack
def test_with_the_action_server_too_slow_the_customer_is_asked_to_retry_and_the_retry_issues_one_rma(own_stack):
    """The gateway stops waiting and asks the customer to retry. The frozen action server may still
    finish the one call it had taken once thawed; either way there is one RMA, and the retry names it."""
    stack, store = own_stack
    alice = to_the_last_step(stack, "Trail running shoes")
    refund = next(b for b in alice.buttons() if b["title"] == "Refund")
    actions = next(p for p in stack.processes if p.name == "actions").popen
    os.killpg(actions.pid, signal.SIGSTOP)  # frozen: Rasa waits, the gateway gives up after RASA_TIMEOUT
    try:
        started = time.monotonic()
        assert asked_to_retry(alice.say(refund["payload"]))
        assert time.monotonic() - started < RASA_TIMEOUT + 10
    finally:
        os.killpg(actions.pid, signal.SIGCONT)
    time.sleep(2)  # the thawed action server catches up with whatever was left
    answer = alice.say(refund["payload"])
    [rma] = rmas(store, "L1")  # one RMA, made by the first try (its one action call finished on the thaw) or the retry
    assert rma in answer and ("approved" in answer or "already have a return" in answer)


# -- the tracker store ----------------------------------------------------------------------------
@pytest.mark.stack
def test_with_the_tracker_store_locked_the_customer_is_asked_to_retry_and_no_action_runs(own_stack):
    stack, store = own_stack
    chloe = Customer(stack)
    assert "postcode" in chloe.say("please cancel order #1003").lower()
    blocker = sqlite3.connect(stack.settings.var_dir / "tracker.db", timeout=1, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process writing the conversations, and not finishing
    try:
        assert asked_to_retry(chloe.say("chloe.dubois@example.fr"))
        time.sleep(4)  # past Rasa's own wait for the database (5 s): its request has failed by now
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    time.sleep(1)
    assert store.get_order("#1003").status.value == "processing"  # the cancel action never ran
    # the retry picks the conversation up where it was (Rasa's fail-safe store would have started an
    # empty one, or kept the turn in memory only): the email answers the question asked before the lock
    answer = chloe.say("chloe.dubois@example.fr")
    assert "Shall I cancel" in answer
    answer = chloe.say("yes")
    assert "is cancelled" in answer and store.get_order("#1003").status.value == "cancelled"


# -- the order database ---------------------------------------------------------------------------
def test_a_return_waits_for_a_busy_database_and_is_issued_once(services):
    """SQLite "database is locked": the store waits (busy timeout) instead of failing the customer."""
    returns = services.returns
    assert returns.verify("web:busy", ALICE_ORDER, ALICE_EMAIL).verified
    path = services.settings.database_url.removeprefix("sqlite:///")
    held = threading.Event()

    def hold_the_write_lock():
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process writing for a while
        held.set()
        time.sleep(1.5)
        other.execute("COMMIT")
        other.close()

    writer = threading.Thread(target=hold_the_write_lock)
    writer.start()
    held.wait()
    results = []
    workers = [threading.Thread(target=lambda: results.append(  # the request, and the customer's retry
        returns.request_return("web:busy", ALICE_ORDER, "L2", ReturnReason.TOO_SMALL, Resolution.REFUND)))
        for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers + [writer]:
        worker.join()
    assert len(results) == 2
    assert {r.rma.rma_id for r in results} == {rmas(services.store, "L2")[0]}
    assert len(rmas(services.store, "L2")) == 1


# -- the gateway killed while posting to Slack ------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_gateway_killed_while_posting_a_card_posts_it_once_after_restart(services, fake_slack):
    returns = services.returns
    assert returns.verify("telegram:55", "#1004", "M5V 2T6").verified
    result = returns.request_return("telegram:55", "#1004", "L1", ReturnReason.DAMAGED)
    handoff = result.handoff  # the RMA and the case are in the database; Slack knows nothing yet
    assert result.rma is not None and handoff is not None

    settings = services.settings
    env = {**os.environ, "RETURNBOT_VAR_DIR": str(settings.var_dir), "RETURNBOT_DATABASE_URL": settings.database_url,
           "RETURNBOT_SECRET": settings.secret, "RETURNBOT_GATEWAY_PORT": str(_free_port()),
           "RETURNBOT_RASA_URL": "http://127.0.0.1:9", "PYTHONPATH": str(ROOT),
           "SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": "s" * 32, "SLACK_CHANNEL_ID": "C0AGENTS",
           "SLACK_API_BASE_URL": fake_slack.base_url}
    env.pop("TELEGRAM_BOT_TOKEN", None)

    def gateway() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "channels.gateway"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def until(predicate: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 60
        while not predicate():
            assert time.monotonic() < deadline, f"not reached: {what}"
            await asyncio.sleep(0.1)

    release = fake_slack.hold("chat.postMessage")
    first = gateway()
    try:
        await until(lambda: fake_slack.cards("C0AGENTS"), "the card posted (its answer held back)")
        first.send_signal(signal.SIGKILL)  # dies before it learns the card's ts
        first.wait()
    finally:
        release.set()
        if first.poll() is None:
            first.kill()
    handoffs = SqlSlackLedger(services.store.engine)
    assert handoffs.card(handoff.handoff_id).ts is None

    second = gateway()
    try:
        await until(lambda: (handoffs.card(handoff.handoff_id).ts or None) is not None, "the restarted gateway "
                    "finding the card")
        await asyncio.sleep(1.0)  # a few more syncs
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    [card] = fake_slack.cards("C0AGENTS")
    posts = [c for c in fake_slack.calls if c.method == "chat.postMessage" and not c.params.get("thread_ts")]
    assert handoffs.card(handoff.handoff_id).ts == card.ts and len(posts) == 1


async def test_rasa_answering_nothing_means_an_action_failed(services):
    """What the stack tests rely on: Rasa's empty answer (an action failed) is a failure to answer."""
    from channels.rasa_client import RasaUnavailable

    client = RasaClient("http://rasa.test", client=httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=[]))))
    with pytest.raises(RasaUnavailable):
        await client.send("web:1", "refund")
    await client.aclose()
