"""The records of files customers send, in SQL (bot/attachments.py keeps the files)."""
from __future__ import annotations

from datetime import datetime
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.attachments import Attachment
from bot.sql.schema import attachments, handoffs, metadata


class SqlAttachments:
    """The `AttachmentRecords` repository (bot/attachments.py) over SQLAlchemy Core."""

    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=[attachments])

    def add(self, conversation_id: str, path: str, content_type: str, size: int, at: datetime) -> Attachment:
        with self.engine.begin() as conn:
            handoff_id = conn.execute(
                sa.select(handoffs.c.handoff_id).where(handoffs.c.conversation_id == conversation_id,
                                                       handoffs.c.status != "closed")
                .order_by(handoffs.c.handoff_id.desc()).limit(1)).scalar()
            new_id = conn.execute(attachments.insert().values(
                conversation_id=conversation_id, handoff_id=handoff_id, path=path, content_type=content_type,
                size=size, created_at=at)).inserted_primary_key[0]
        return Attachment(new_id, conversation_id, handoff_id, path, content_type, size, at)

    def list(self, conversation_id: Optional[str] = None, handoff_id: Optional[int] = None) -> List[Attachment]:
        query = sa.select(attachments).order_by(attachments.c.id)
        if conversation_id is not None:
            query = query.where(attachments.c.conversation_id == conversation_id)
        if handoff_id is not None:
            query = query.where(attachments.c.handoff_id == handoff_id)
        with self.engine.connect() as conn:
            return [Attachment(r["id"], r["conversation_id"], r["handoff_id"], r["path"], r["content_type"],
                               r["size"], r["created_at"]) for r in conn.execute(query).mappings()]
