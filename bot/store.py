"""The order store as the rest of the code knows it: `SqlStore`, every repository of the order
database (bot/sql/store.py) plus the handoff queries.

The SQL lives in `bot/sql/`: the schema in `bot/sql/schema.py`, one module per aggregate. The
handoff queries below (and their table's users in bot/handoffs.py and the Slack ledger) move there
with the handoffs' own rework (issue 14, item 2); until then this module also re-exports the schema
names that code imports from here.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import List, Optional, Tuple

import sqlalchemy as sa

from bot.models import Handoff
from bot.repositories import RmaIdClash  # noqa: F401  (re-exported)
from bot.sql.engine import make_engine  # noqa: F401  (re-exported)
from bot.sql.schema import (  # noqa: F401  (re-exported for the handoff code, see above)
    DecimalString,
    UtcDateTime,
    handoffs,
    messages,
    metadata,
    orders,
    verifications,
)
from bot.sql.store import SqlOrderStore


class SqlStore(SqlOrderStore):
    def open_handoff(self, conversation_id: str, reason: str, order_id: Optional[str], summary: str,
                     signals: Tuple[str, ...], at: datetime) -> Handoff:
        """Open a handoff, or return the conversation's open one (never two at once)."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(handoffs).where(
                handoffs.c.conversation_id == conversation_id, handoffs.c.status != "closed")).mappings().first()
            if row is None:
                conn.execute(handoffs.insert().values(
                    conversation_id=conversation_id, order_id=order_id, reason=reason, summary=summary,
                    signals=json.dumps(list(signals)), status="open", created_at=at))
                row = conn.execute(sa.select(handoffs).where(
                    handoffs.c.conversation_id == conversation_id, handoffs.c.status != "closed")).mappings().first()
        return handoff_from_row(row)

    def list_handoffs(self, status: Optional[str] = None) -> List[Handoff]:
        query = sa.select(handoffs).order_by(handoffs.c.handoff_id)
        if status:
            query = query.where(handoffs.c.status == status)
        with self.engine.connect() as conn:
            return [handoff_from_row(r) for r in conn.execute(query).mappings()]


def handoff_from_row(r) -> Handoff:
    return Handoff(
        handoff_id=r["handoff_id"], conversation_id=r["conversation_id"], reason=r["reason"],
        order_id=r["order_id"], summary=r["summary"], status=r["status"], created_at=r["created_at"],
        signals=tuple(json.loads(r["signals"])),
    )
