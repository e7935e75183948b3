"""The unit of work in SQL: one connection and one transaction for the writes made through it."""
from __future__ import annotations

from typing import Optional

from sqlalchemy.engine import Connection, Engine, Transaction

from bot.sql.conversations import SqlTranscriptWrites
from bot.sql.outbox import SqlOutboxWrites


class SqlUnitOfWork:
    """`with SqlUnitOfWork(engine) as uow: ...; uow.commit()` (bot/repositories.py: `UnitOfWork`).
    Made afresh for each use; not shared between threads or tasks."""

    outbox: SqlOutboxWrites
    transcript: SqlTranscriptWrites

    def __init__(self, engine: Engine):
        self.engine = engine
        self._conn: Optional[Connection] = None
        self._transaction: Optional[Transaction] = None

    def __enter__(self) -> "SqlUnitOfWork":
        self._conn = self.engine.connect()
        self._transaction = self._conn.begin()
        self.outbox = SqlOutboxWrites(self._conn)
        self.transcript = SqlTranscriptWrites(self._conn)
        return self

    def commit(self) -> None:
        self._transaction.commit()

    def __exit__(self, *exc: object) -> None:
        try:
            if self._transaction.is_active:
                self._transaction.rollback()
        finally:
            self._conn.close()
            self._conn = self._transaction = None
