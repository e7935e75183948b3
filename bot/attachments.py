"""Files customers send (photos of a damaged item), kept with their case.

The bytes go to a file under the attachments folder (`settings.var_dir / "attachments"`), the
record to the `attachments` table: conversation, the conversation's open handoff if there is one,
path (relative to the folder), content type, size and time, kept by an `AttachmentRecords`
repository (SQL: bot/sql/attachments.py). Agents' channels list them by conversation or handoff.
Time is passed in; file names are random.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, List, Optional, Protocol

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
              "image/heic": ".heic"}
MAX_BYTES = 20 * 1024 * 1024  # what Telegram lets a bot download

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


class AttachmentRecords(Protocol):
    """Where the records of kept files live."""

    def add(self, conversation_id: str, path: str, content_type: str, size: int, at: datetime) -> Attachment:
        """Record a file kept for the conversation, with the conversation's open handoff if any."""

    def list(self, conversation_id: Optional[str] = None, handoff_id: Optional[int] = None) -> List[Attachment]:
        """The records of a conversation, of a handoff, or of both at once, oldest first."""


class AttachmentStore:
    def __init__(self, records: AttachmentRecords, folder: Path,
                 new_name: Callable[[], str] = lambda: secrets.token_hex(16)):
        self.records = records
        self.folder = Path(folder)
        self.new_name = new_name

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
        return self.records.add(conversation_id, relative, content_type, len(data), at)

    def list(self, conversation_id: Optional[str] = None, handoff_id: Optional[int] = None) -> List[Attachment]:
        return self.records.list(conversation_id, handoff_id)

    def file(self, attachment: Attachment) -> Path:
        return self.folder / attachment.path


def _safe(conversation_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", conversation_id)[:100] or "_"
