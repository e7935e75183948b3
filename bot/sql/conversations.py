"""Conversations in SQL: their transcript (what the customer and the bot said) and their tags."""
from __future__ import annotations

import json
from datetime import datetime
from typing import List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.repositories import Entry
from bot.sql.schema import messages, tags

_INSERT_MESSAGE = messages.insert()
_TRANSCRIPT = (sa.select(messages).where(messages.c.conversation_id == sa.bindparam("conversation_id"))
               .order_by(messages.c.id.desc()).limit(sa.bindparam("limit")))
_HAS_TAG = sa.select(tags.c.tag).where(tags.c.conversation_id == sa.bindparam("conversation_id"),
                                       tags.c.tag == sa.bindparam("tag"))
_INSERT_TAG = tags.insert()


class SqlConversations:
    """The `Conversations` repository (bot/repositories.py) over SQLAlchemy Core."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add_tag(self, conversation_id: str, tag: str, at: datetime) -> None:
        key = {"conversation_id": conversation_id, "tag": tag}
        try:
            with self.engine.begin() as conn:
                if conn.execute(_HAS_TAG, key).first() is None:  # a retag (each request) skips a failing insert
                    conn.execute(_INSERT_TAG, {**key, "at": at})
        except IntegrityError:
            pass  # tagged concurrently

    def tags(self, conversation_id: str) -> List[str]:
        """The conversation's tags, oldest first. Not part of the `Conversations` port: nothing in the
        core reads tags back (the merchant's reports query the table); tests use it to see them."""
        with self.engine.connect() as conn:
            return list(conn.execute(
                sa.select(tags.c.tag).where(tags.c.conversation_id == conversation_id).order_by(tags.c.at)
            ).scalars())

    def append_message(self, conversation_id: str, direction: str, payload: dict, at: datetime) -> None:
        self.append_messages(conversation_id, [(direction, payload)], at)

    def append_messages(self, conversation_id: str, entries: Sequence[Entry], at: datetime) -> None:
        """Adds transcript entries, `(direction, payload)` in order, in one statement."""
        with self.engine.begin() as conn:
            SqlTranscriptWrites(conn).append_messages(conversation_id, entries, at)

    def messages(self, conversation_id: str, limit: int = 200) -> List[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(_TRANSCRIPT, {"conversation_id": conversation_id, "limit": limit}).mappings().all()
        return [{"direction": r["direction"], "payload": json.loads(r["payload"]), "at": r["at"].isoformat()}
                for r in reversed(rows)]

    def latest_of(self, conversation_ids: Sequence[str]) -> Optional[str]:
        if not conversation_ids:
            return None
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(messages.c.conversation_id).where(messages.c.conversation_id.in_(list(conversation_ids)))
                .order_by(messages.c.id.desc()).limit(1)).scalar()


class SqlTranscriptWrites:
    """The transcript's writes on a connection whose transaction someone else holds (a unit of work)."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def append_messages(self, conversation_id: str, entries: Sequence[Entry], at: datetime) -> None:
        rows = [dict(conversation_id=conversation_id, direction=direction, payload=json.dumps(payload), at=at)
                for direction, payload in entries]
        if rows:
            self.conn.execute(_INSERT_MESSAGE, rows)
