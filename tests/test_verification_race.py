"""Issue 13, case 2: the verification lockout cannot be raced. Parallel proofs for one order (eight
wrong and the right one; then forty wrong ones) are checked at most `max_failures` times within the
window, on SQLite and on the real PostgreSQL of this machine (`scaled`)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import List

import pytest
import sqlalchemy as sa

from bot.policy import load_policy
from bot.services import Lockout, ReturnsService, Shop
from bot.sql.schema import verification_failures
from bot.store import SqlStore
from tests.builders import NOW, order
from tests.test_outbox import postgres_url  # noqa: F401  (a fixture: a database of this module's own)

ORDER = order()
LIMIT = Lockout().max_failures


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.scaled)])
def store(request, tmp_path) -> SqlStore:
    url = f"sqlite:///{tmp_path / 'returnbot.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = SqlStore.from_url(url)
    with store.engine.begin() as conn:
        conn.execute(verification_failures.delete())
    store.upsert_orders([ORDER])
    yield store
    store.engine.dispose()


def service(store: SqlStore) -> ReturnsService:
    from pathlib import Path
    shop = Shop("Shop", "http://localhost:8000", ("1 Road",), "s" * 32)
    return ReturnsService(store, load_policy(Path(__file__).parent.parent / "policy.yml"), shop, lambda: NOW,
                          lambda: "RMA-X")


def race(returns: ReturnsService, proofs: List[str], conversation=lambda i: f"web:guess-{i}"):
    start = threading.Barrier(len(proofs))

    def attempt(i: int):
        start.wait()
        return returns.verify(conversation(i), ORDER.order_id, proofs[i])

    with ThreadPoolExecutor(max_workers=len(proofs)) as pool:
        return list(pool.map(attempt, range(len(proofs))))


def failures(store: SqlStore) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(verification_failures)).scalar_one()


def test_parallel_wrong_proofs_are_checked_no_more_than_the_limit(store):
    results = race(service(store), [f"wrong{i}@example.com" for i in range(40)])
    assert failures(store) == LIMIT
    assert not any(r.verified for r in results)
    assert sum(1 for r in results if r.locked) >= 40 - LIMIT


def test_eight_wrong_and_the_right_proof_in_parallel_never_exceed_the_limit(store):
    proofs = [f"wrong{i}@example.com" for i in range(8)] + [ORDER.customer.email]
    results = race(service(store), proofs, conversation=lambda i: "web:one-guesser")
    wrong_checked = failures(store)  # a wrong proof checked is a failure recorded, nothing else is
    assert wrong_checked <= LIMIT
    if wrong_checked == LIMIT:  # locked now: even the right proof is refused for the rest of the window
        assert service(store).verify("web:one-guesser", ORDER.order_id, ORDER.customer.email).locked


def test_a_right_proof_takes_its_count_back(store):
    returns = service(store)
    for i in range(LIMIT - 1):
        assert not returns.verify("web:c", ORDER.order_id, f"wrong{i}@example.com").verified
    assert returns.verify("web:c", ORDER.order_id, ORDER.customer.email).verified
    assert failures(store) == LIMIT - 1
    assert returns.verify("web:c", ORDER.order_id, "wrong@example.com").locked
    assert returns.verify("web:d", ORDER.order_id, ORDER.customer.email).locked  # the order is locked for everyone
