"""Where the rest of the code finds the order store: `SqlStore` (bot/sql/store.py), every repository
of the order database on one engine, and `make_engine`. The SQL itself lives in `bot/sql/`: the
schema in `bot/sql/schema.py`, one module per aggregate."""
from __future__ import annotations

from bot.sql.engine import make_engine
from bot.sql.store import SqlStore

__all__ = ["SqlStore", "make_engine"]
