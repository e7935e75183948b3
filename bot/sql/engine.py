"""The engine for a database URL: SQLite (the default, in WAL mode) or PostgreSQL."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def make_engine(database_url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, a busy timeout and its folder created."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        pool = {}
        if path and path != ":memory:":  # a file: connections kept, not opened per use (a turn makes several)
            pool = {"poolclass": sa.pool.QueuePool, "pool_size": 5, "max_overflow": 10}
        engine = sa.create_engine(database_url, future=True, connect_args={"timeout": 30, "check_same_thread": False},
                                  hide_parameters=True, **pool)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(database_url, future=True, pool_pre_ping=True, hide_parameters=True)
