"""Files customers send (photos of a damaged item), kept with their case.

The bytes go to a file under the attachments folder (`settings.var_dir / "attachments"`), the
record to the `attachments` table: conversation, the conversation's open handoff if there is one,
path (relative to the folder), content type, size and time. Agents' channels list them by
conversation or handoff. Time is passed in; file names are random.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.sql.handoffs import handoffs
from bot.store import UtcDateTime, metadata

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
              "image/heic": ".heic"}
MAX_BYTES = 20 * 1024 * 1024  # what Telegram lets a bot download

attachments = sa.Table(
    "attachments", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("handoff_id", sa.Integer, index=True),
    sa.Column("path", sa.String(500), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)


class AttachmentRejected(ValueError):
    """Not a file we keep: empty, too large, or not an image."""


@dataclass(frozen=True)
class Attachment:
    id: int
    conversation_id: str
    handoff_id: Optional[int]
    path: str  # relative to the attachments folder
    content_type: str
    size: int
    created_at: datetime


class AttachmentStore:
    def __init__(self, engine: Engine, folder: Path, new_name: Callable[[], str] = lambda: secrets.token_hex(16)):
        self.engine = engine
        self.folder = Path(folder)
        self.new_name = new_name
        metadata.create_all(engine, tables=[attachments])

    def save(self, conversation_id: str, data: bytes, content_type: str, at: datetime) -> Attachment:
        """Keep an image sent in a conversation, with the conversation's open handoff if any."""
        content_type = (content_type or "").split(";")[0].strip().lower()
        if content_type not in EXTENSIONS:
            raise AttachmentRejected(f"not an image we keep: {content_type or 'unknown type'}")
        if not data or len(data) > MAX_BYTES:
            raise AttachmentRejected(f"size {len(data)} bytes is outside 1..{MAX_BYTES}")
        relative = f"{_safe(conversation_id)}/{self.new_name()}{EXTENSIONS[content_type]}"
        target = self.folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
        with self.engine.begin() as conn:
            handoff_id = conn.execute(
                sa.select(handoffs.c.handoff_id).where(handoffs.c.conversation_id == conversation_id,
                                                       handoffs.c.status != "closed")
                .order_by(handoffs.c.handoff_id.desc()).limit(1)).scalar()
            new_id = conn.execute(attachments.insert().values(
                conversation_id=conversation_id, handoff_id=handoff_id, path=relative, content_type=content_type,
                size=len(data), created_at=at)).inserted_primary_key[0]
        return Attachment(new_id, conversation_id, handoff_id, relative, content_type, len(data), at)

    def list(self, conversation_id: Optional[str] = None, handoff_id: Optional[int] = None) -> List[Attachment]:
        query = sa.select(attachments).order_by(attachments.c.id)
        if conversation_id is not None:
            query = query.where(attachments.c.conversation_id == conversation_id)
        if handoff_id is not None:
            query = query.where(attachments.c.handoff_id == handoff_id)
        with self.engine.connect() as conn:
            return [Attachment(r["id"], r["conversation_id"], r["handoff_id"], r["path"], r["content_type"],
                               r["size"], r["created_at"]) for r in conn.execute(query).mappings()]

    def file(self, attachment: Attachment) -> Path:
        return self.folder / attachment.path


def _safe(conversation_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", conversation_id)[:100] or "_"
