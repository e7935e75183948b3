"""Conversation statistics in SQL (bot/conversation_stats.py says what they count)."""
from __future__ import annotations

from typing import Dict, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.conversation_stats import HANDOFF, OUTCOME, RESOLVING, TURN, Fact, Summary
from bot.repositories import StoreUnavailable
from bot.sql.schema import conversation_stats, stats_metadata


class SqlStats:
    """The facts in the order database (PostgreSQL or SQLite), and their summary."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def create_schema(self) -> None:
        stats_metadata.create_all(self.engine)

    def exists(self) -> bool:
        """Whether the consumer made its table; StoreUnavailable when the database cannot be read."""
        try:
            with self.engine.connect() as conn:
                return sa.inspect(conn).has_table(conversation_stats.name)
        except OperationalError as exc:
            raise StoreUnavailable(str(exc.orig).strip()) from exc

    def record(self, new_facts: Iterable[Fact]) -> None:
        """Store the facts in one transaction; a fact stored before (same key) is left as it is."""
        rows = {f.key: dict(fact_key=f.key, conversation_key=f.conversation, kind=f.kind, name=f.name[:100], at=f.at)
                for f in new_facts}
        if not rows:
            return
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        with self.engine.begin() as conn:
            conn.execute(insert(conversation_stats).on_conflict_do_nothing(index_elements=["fact_key"]),
                         list(rows.values()))

    def summary(self) -> Summary:
        """The statistics so far; StoreUnavailable when the database cannot be read."""
        try:
            return self._summary()
        except OperationalError as exc:
            raise StoreUnavailable(str(exc.orig).strip()) from exc

    def _summary(self) -> Summary:
        t = conversation_stats
        turned = sa.select(t.c.conversation_key).where(t.c.kind == TURN)
        handed = sa.select(t.c.conversation_key).where(t.c.kind == HANDOFF)
        with self.engine.connect() as conn:
            turns, conversations = conn.execute(
                sa.select(sa.func.count(), sa.func.count(sa.distinct(t.c.conversation_key))).where(t.c.kind == TURN)
            ).one()
            resolved = conn.execute(sa.select(sa.func.count(sa.distinct(t.c.conversation_key))).where(
                t.c.kind == OUTCOME, t.c.name.in_(sorted(RESOLVING)), t.c.conversation_key.in_(turned),
                t.c.conversation_key.not_in(handed))).scalar_one()
            counts: Dict[str, Dict[str, int]] = {TURN: {}, OUTCOME: {}, HANDOFF: {}}
            grouped = (sa.select(t.c.kind, t.c.name, sa.func.count()).group_by(t.c.kind, t.c.name)
                       .order_by(sa.func.count().desc(), t.c.name))
            for kind, name, n in conn.execute(grouped):
                counts.setdefault(kind, {})[name] = n
        return Summary(conversations=conversations, turns=turns, resolved_without_human=resolved,
                       intents=counts[TURN], outcomes=counts[OUTCOME], handoffs=counts[HANDOFF])
