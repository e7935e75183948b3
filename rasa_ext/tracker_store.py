"""Rasa's SQL tracker store on a SQLite file, tuned the way bot/store.py tunes the order store.

Rasa 3.6 opens a new SQLite connection for every read and write of a conversation and leaves the
file in rollback-journal mode, so each save waits for a full disk sync: measured with `make bench`,
the largest wait of a turn after the action call. This store keeps its connections (QueuePool) and
puts the file in WAL mode with `synchronous=NORMAL` (durable at each checkpoint, never corrupt).
A locked file still fails a turn after `LOCK_WAIT_SECONDS`, as before: the gateway then asks the
customer to try again, and no action has run. Named in the endpoints `cli/stack.py` writes for a
SQLite database; PostgreSQL keeps Rasa's own store.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

LOCK_WAIT_SECONDS = 5  # Rasa's own default for SQLite


class SqliteTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["dialect"] = "sqlite"
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=5, max_overflow=10,
                                       connect_args={"check_same_thread": False, "timeout": LOCK_WAIT_SECONDS},
                                       hide_parameters=True)
        sa.event.listen(self.engine, "connect", _pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
