"""The order store on each backend, for tests that hold every one to the same promises: in memory
(`FakeOrderStore`), SQLite, and PostgreSQL (marked `scaled`: it needs the server). Each starts with
the demo orders; `services_over` puts the real returns service on top with a fixed clock."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.importer import load_orders_file
from bot.policy import load_policy
from bot.return_updates import ReturnUpdates
from bot.services import ReturnsService, Shop
from bot.settings import Settings
from bot.sql.schema import metadata
from bot.store import SqlStore
from tests.builders import NOW
from tests.conftest import DEMO_STORE, counting_rma_ids
from tests.fakes import FakeOrderStore

BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.scaled)]


def demo_store(request, backend: str, tmp_path):
    """A store of `backend` holding the demo orders, and a function that closes it."""
    orders = load_orders_file(DEMO_STORE)
    if backend == "memory":
        return FakeOrderStore(orders), lambda: None
    if backend == "sqlite":
        store = SqlStore.from_url(f"sqlite:///{tmp_path / 'returnbot.db'}")
    else:
        store = SqlStore.from_url(request.getfixturevalue("postgres_url"))
        metadata.drop_all(store.engine)  # each test from empty tables, as on SQLite
        store.create_schema()
    store.upsert_orders(orders)
    return store, store.engine.dispose


def services_over(store, settings: Settings) -> SimpleNamespace:
    """The returns service and the return updates over `store`, as `bootstrap.build` wires them."""
    shop = Shop(settings.shop_name, settings.public_url, settings.return_address, settings.secret)
    returns = ReturnsService(store, load_policy(settings.policy_file), shop, lambda: NOW, counting_rma_ids())
    updates = ReturnUpdates(store, returns.policy.ship_back_days, returns.slip_url_for, lambda: NOW)
    return SimpleNamespace(settings=settings, store=store, returns=returns, updates=updates)
