"""The composition root: builds the real adapters and services from settings. Nothing connects
at import time; every process (action server, gateway, CLI) calls `build` once at start-up.

The services take repositories (bot/repositories.py); here they get the SQL ones (bot/sql/)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.clock import utc_now
from bot.ids import new_rma_id
from bot.platforms import PlatformReturns
from bot.policy import load_policy
from bot.return_updates import ReturnUpdates
from bot.services import Lockout, ReturnsService, Shop
from bot.settings import Settings
from bot.sql.platforms import SqlPlatformReturns
from bot.sql.slack_ledger import SqlSlackLedger
from bot.store import SqlStore


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: SqlStore
    returns: ReturnsService
    updates: ReturnUpdates
    platforms: PlatformReturns  # returns read from AfterShip / Loop, when the merchant uses one


def build(settings: Settings) -> Services:
    store = SqlStore.from_url(settings.database_url)
    shop = Shop(settings.shop_name, settings.public_url, settings.return_address, settings.secret)
    lockout = Lockout(settings.verify_max_failures, timedelta(minutes=settings.verify_lockout_minutes))
    returns = ReturnsService(store, load_policy(settings.policy_file), shop, utc_now, new_rma_id, lockout,
                             handoffs=store.handoffs)
    updates = ReturnUpdates(store, returns.policy.ship_back_days, returns.slip_url_for, utc_now,
                            bank_days=returns.policy.bank_days)
    return Services(settings=settings, store=store, returns=returns, updates=updates,
                    platforms=SqlPlatformReturns(store.engine))


def slack_ledger(store: SqlStore) -> SqlSlackLedger:
    """What the agents' Slack channel remembers (its cards, the events it handled, its posts), in the
    order store's database."""
    return SqlSlackLedger(store.engine)
