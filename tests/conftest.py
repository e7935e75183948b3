"""Shared fixtures: settings on a temporary folder, and the demo store in a real SQLite database
(imported once per session, copied per test) behind real services with a fixed clock."""
from __future__ import annotations

import itertools
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
import pytest_asyncio

from bot.bootstrap import Services
from bot.ids import ALPHABET, check_symbol
from bot.importer import load_orders_file
from bot.policy import load_policy
from bot.return_updates import ReturnUpdates
from bot.services import ReturnsService, Shop
from bot.settings import ROOT, Settings
from bot.sql.platforms import SqlPlatformReturns
from bot.store import SqlStore
from cli.model import ensure_model
from cli.stack import Stack
from tests.builders import NOW
from tests.fake_telegram import FakeTelegram

DEMO_STORE = ROOT / "data" / "demo_orders.json"


def test_settings(var_dir: Path, **env) -> Settings:
    base = {"RETURNBOT_VAR_DIR": str(var_dir), "RETURNBOT_SECRET": "test-secret"}
    base.update({k: str(v) for k, v in env.items()})
    return Settings.from_env(base)


test_settings.__test__ = False  # a helper, not a test


def counting_rma_ids():
    """Deterministic RMA numbers with valid check characters: RMA-00000000 1X, ..."""
    counter = itertools.count(1)

    def new_id() -> str:
        n = next(counter)
        body = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(9)))
        return f"RMA-{body}{check_symbol(body)}"

    return new_id


@pytest.fixture(scope="session", autouse=True)
def no_real_chat_services():
    """Tests never reach real Telegram or Slack, even when a developer has tokens exported."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith(("TELEGRAM_", "SLACK_"))}
    yield
    os.environ.update(saved)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "returnbot.db"
    store = SqlStore.from_url(f"sqlite:///{path}")
    store.upsert_orders(load_orders_file(DEMO_STORE))  # dates as in the file: anchored at NOW
    store.engine.dispose()
    return path


@pytest.fixture
def settings(tmp_path) -> Settings:
    return test_settings(tmp_path)


@pytest.fixture
def services(settings: Settings, demo_db: Path) -> Services:
    shutil.copyfile(demo_db, settings.var_dir / "returnbot.db")
    store = SqlStore.from_url(settings.database_url)
    shop = Shop(settings.shop_name, settings.public_url, settings.return_address, settings.secret)
    returns = ReturnsService(store, load_policy(settings.policy_file), shop, lambda: NOW, counting_rma_ids())
    updates = ReturnUpdates(store, returns.policy.ship_back_days, returns.slip_url_for, lambda: NOW)
    yield Services(settings=settings, store=store, returns=returns, updates=updates,
                   platforms=SqlPlatformReturns(store.engine))
    store.engine.dispose()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The three processes on test ports, over the demo store rebased to today (they use the real
    clock). Shared by every test of the session that needs it; tests use their own conversations."""
    var_dir = tmp_path_factory.mktemp("stack")
    offset = int(os.environ.get("RETURNBOT_TEST_PORT_OFFSET", "0"))  # two test runs on one machine
    settings = test_settings(var_dir, RETURNBOT_RASA_PORT=15005 + offset, RETURNBOT_ACTIONS_PORT=15055 + offset,
                             RETURNBOT_GATEWAY_PORT=18000 + offset)
    store = SqlStore.from_url(settings.database_url)
    store.upsert_orders(load_orders_file(DEMO_STORE, rebase_to=datetime.now(timezone.utc).date()))
    running = Stack(settings, ensure_model(), log_dir=var_dir / "logs")
    running.start()
    yield running
    running.stop()
    store.engine.dispose()


@pytest_asyncio.fixture
async def fake_telegram():
    """The fake Telegram Bot API on loopback (tests/fake_telegram.py), for the tests of any channel."""
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.close()


@pytest_asyncio.fixture
async def fake_slack():
    """The fake Slack Web API on loopback (tests/fake_slack.py)."""
    from tests.fake_slack import FakeSlack

    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


@pytest_asyncio.fixture
async def slack_rig(services, fake_slack, tmp_path):
    """The Slack channel over the demo store against the fake Slack, its route served (tests/slack_rig.py)."""
    from tests.slack_rig import Rig

    rig = Rig(services, fake_slack, tmp_path)
    await rig.http.start_server()
    yield rig
    await rig.slack.stop()
    await rig.http.close()
