"""The language each conversation is in, in SQL (the `ConversationLanguages` repository of
bot/repositories.py): one row per conversation that has one, replaced when the customer switches."""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.sql.schema import conversation_languages, metadata


class SqlConversationLanguages:
    """The `ConversationLanguages` repository over SQLAlchemy Core (SQLite and PostgreSQL)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=[conversation_languages])  # a database made before the table

    def language_of(self, conversation_id: str) -> Optional[str]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(conversation_languages.c.language).where(
                conversation_languages.c.conversation_id == conversation_id)).scalar()

    def set_language(self, conversation_id: str, language: str) -> None:
        table = conversation_languages
        for _ in range(2):  # a concurrent first write of the same conversation: the second try updates
            try:
                with self.engine.begin() as conn:
                    updated = conn.execute(table.update().where(table.c.conversation_id == conversation_id)
                                           .values(language=language)).rowcount
                    if not updated:
                        conn.execute(table.insert().values(conversation_id=conversation_id, language=language))
                return
            except IntegrityError:
                continue
        raise RuntimeError(f"the language of {conversation_id!r} could not be kept")
