"""`SqlStore`: every repository of the order database in one object, over one engine, as the
composition root hands it to the services (bot/repositories.py: `Store`)."""
from __future__ import annotations

from typing import Optional

from sqlalchemy.engine import Engine

from bot.sql.conversations import SqlConversations
from bot.sql.engine import make_engine
from bot.sql.handoffs import SqlHandoffs
from bot.sql.notices import SqlNotices
from bot.sql.orders import SqlOrders
from bot.sql.returns import SqlReturns
from bot.sql.schema import metadata
from bot.sql.verifications import SqlVerifications


class SqlStore(SqlOrders, SqlReturns, SqlVerifications, SqlConversations, SqlNotices):
    """Orders, returns, verifications, conversations, notices and handoffs on one engine."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._handoffs: Optional[SqlHandoffs] = None

    @property
    def handoffs(self) -> SqlHandoffs:
        """The cases for a person on the same database (made on first use: building a store writes nothing)."""
        if self._handoffs is None:
            self._handoffs = SqlHandoffs(self.engine)
        return self._handoffs

    @classmethod
    def from_url(cls, database_url: str):
        store = cls(make_engine(database_url))
        store.create_schema()
        return store

    def create_schema(self) -> None:
        """Every table on `metadata` (bot/sql/schema.py declares them all)."""
        metadata.create_all(self.engine)
