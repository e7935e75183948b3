"""`returnbot forget EMAIL`: erase a customer from the order store (bot.erasure) and from Rasa's
tracker store, where Rasa keeps every conversation event by conversation id.

The tracker store is found the way the stack configures Rasa (`cli.nlu_tools.tracker_url`, the same
place `cli.stack.endpoints_yaml` writes): var/tracker.db beside a SQLite order store, otherwise the
order store's own database. Rasa 3.6's SQLTrackerStore keeps one row per event in table `events`,
the conversation id in `sender_id` and the event as JSON in `data`. A tracker store that does not
exist yet holds nothing to erase, and is not created.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Callable, Collection, List, Optional, Sequence, Tuple

import sqlalchemy as sa

from bot.erasure import Erasure, forget_customer
from bot.settings import Settings
from bot.store import make_engine
from cli.nlu_tools import tracker_url


class SqlTrackerEvents:
    """Rasa's SQL tracker store as a `bot.erasure.ConversationStore`."""

    kind = "tracker_events"
    label = "conversation events (Rasa tracker store)"

    def __init__(self, url: str):
        self.url = url
        self._engine: Optional[sa.engine.Engine] = None

    def candidates(self, needles: Sequence[str]) -> List[Tuple[str, str]]:
        events = self._events()
        if events is None or not needles:
            return []
        data = sa.func.lower(events.c.data)
        with self._engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.select(events.c.sender_id, events.c.data).where(
                sa.or_(*[data.contains(n, autoescape=True) for n in needles])))]

    def erase(self, conversation_ids: Collection[str]) -> int:
        events = self._events()
        if events is None or not conversation_ids:
            return 0
        with self._engine.begin() as conn:
            return conn.execute(events.delete().where(events.c.sender_id.in_(list(conversation_ids)))).rowcount

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def _events(self) -> Optional[sa.Table]:
        """The `events` table, or None when the store or the table does not exist yet."""
        if self.url.startswith("sqlite"):
            path = self.url.split("///", 1)[-1]
            if not path or path == ":memory:" or not Path(path).exists():
                return None
        if self._engine is None:
            self._engine = sa.create_engine(self.url, future=True, **(
                {"connect_args": {"timeout": 30}} if self.url.startswith("sqlite") else {"pool_pre_ping": True}))
        with self._engine.connect() as conn:
            if not sa.inspect(conn).has_table("events"):
                return None
        return sa.Table("events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("sender_id", sa.String(255)), sa.Column("data", sa.Text))


def forget(settings: Settings, email: str, new_token: Callable[[], str] = lambda: secrets.token_hex(8)) -> Erasure:
    """Erase the customer with `email` from the order store, its attachment files and the tracker store."""
    engine = make_engine(settings.database_url)
    tracker = SqlTrackerEvents(tracker_url(settings))
    try:
        return forget_customer(engine, email, new_token(), settings.var_dir / "attachments", stores=[tracker])
    finally:
        tracker.close()
        engine.dispose()
