"""Rasa's SQL tracker store on a SQLite file, tuned the way bot/store.py tunes the order store.

Rasa 3.6 leaves the file in rollback-journal mode, so each save of a conversation waits for a full
disk sync: measured with `make bench`, the largest wait of a turn after the action call. This
store puts the file in WAL mode with `synchronous=NORMAL` (durable at each checkpoint, never
corrupt). It still opens a connection per use, as Rasa does (opening a SQLite file is cheap): a
file another process has locked then fails the turn at its start, after `LOCK_WAIT_SECONDS`,
before any action runs, and the gateway asks the customer to try again. Named in the endpoints
`cli/stack.py` writes for a SQLite database; PostgreSQL keeps Rasa's own store.
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
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"timeout": LOCK_WAIT_SECONDS},
                                       hide_parameters=True)
        sa.event.listen(self.engine, "connect", _pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
