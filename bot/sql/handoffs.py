"""Cases for a person in SQL (`SqlHandoffs`, the `bot.handoffs.HandoffRepository`): the cases, their
facts and what agents did about them.

- `handoffs`: one row per case; a conversation has at most one that is not closed.
- `handoff_facts`: what a case is about, as columns (order, line, quantity, reason, resolution
  asked, the customer's words, language), written in the transaction that opens the case. A case
  opened before this table existed has no row: `facts` answers None and agents decide it by hand.
  The words are personal data: `returnbot forget` deletes the row with the case (its `handoff_id`).
- `handoff_events`: who did what and when; the column `decides` holds the case id on a decision and
  is unique, so a case gets one decision whatever the clicks (NULLs never clash, in SQLite and
  PostgreSQL alike).
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.handoffs.types import (
    CLOSED,
    MAX_NOTE,
    MAX_WORDS,
    OPEN,
    Action,
    Agent,
    Announced,
    HandoffEvent,
    HandoffFacts,
)
from bot.models import Handoff, Resolution, ReturnReason
from bot.store import UtcDateTime, metadata, verifications

handoffs = sa.Table(
    "handoffs", metadata,
    sa.Column("handoff_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("order_id", sa.String(64)),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("signals", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

handoff_facts = sa.Table(
    "handoff_facts", metadata,
    sa.Column("handoff_id", sa.Integer, primary_key=True),  # one row per case
    sa.Column("order_id", sa.String(64)),
    sa.Column("line_id", sa.String(64)),
    sa.Column("quantity", sa.Integer),
    sa.Column("reason", sa.String(32)),
    sa.Column("resolution", sa.String(32)),
    sa.Column("words", sa.String(MAX_WORDS), nullable=False, default=""),
    sa.Column("language", sa.String(16), nullable=False),
)

handoff_events = sa.Table(
    "handoff_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("handoff_id", sa.Integer, nullable=False, index=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("agent_id", sa.String(64)),
    sa.Column("agent_name", sa.String(200)),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("note", sa.String(MAX_NOTE), nullable=False, default=""),
    sa.Column("rma_id", sa.String(20)),
    sa.Column("decides", sa.Integer, unique=True),
)

TABLES = (handoffs, handoff_facts, handoff_events)
_NOT_CLOSED = handoffs.c.status != CLOSED


class SqlHandoffs:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=list(TABLES))

    # -- cases ----------------------------------------------------------------------------------
    def open(self, conversation_id: str, reason: str, order_id: Optional[str], summary: str,
             signals: Tuple[str, ...], at: datetime, facts: Optional[HandoffFacts] = None) -> Handoff:
        """Open a case with its facts (one transaction), or return the conversation's case that is
        not closed (never two at once)."""
        with self.engine.begin() as conn:
            row = self._active(conn, conversation_id)
            if row is None:
                handoff_id = conn.execute(handoffs.insert().values(
                    conversation_id=conversation_id, order_id=order_id, reason=reason, summary=summary,
                    signals=json.dumps(list(signals)), status=OPEN, created_at=at)).inserted_primary_key[0]
                if facts is not None:
                    conn.execute(handoff_facts.insert().values(handoff_id=handoff_id, **_facts_row(facts)))
                row = self._active(conn, conversation_id)
        return handoff_from_row(row)

    def get(self, handoff_id: int) -> Optional[Handoff]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(handoffs).where(handoffs.c.handoff_id == handoff_id)).mappings().first()
        return handoff_from_row(row) if row else None

    def active(self, conversation_id: str) -> Optional[Handoff]:
        with self.engine.connect() as conn:
            row = self._active(conn, conversation_id)
        return handoff_from_row(row) if row else None

    def list(self, status: Optional[str] = None) -> List[Handoff]:
        query = sa.select(handoffs).order_by(handoffs.c.handoff_id)
        if status:
            query = query.where(handoffs.c.status == status)
        with self.engine.connect() as conn:
            return [handoff_from_row(r) for r in conn.execute(query).mappings()]

    def list_active(self) -> List[Handoff]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(handoffs).where(_NOT_CLOSED).order_by(handoffs.c.handoff_id)).mappings()
            return [handoff_from_row(r) for r in rows]

    def facts(self, handoff_id: int) -> Optional[HandoffFacts]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(handoff_facts).where(handoff_facts.c.handoff_id == handoff_id)
                               ).mappings().first()
        return _facts_from(row) if row else None

    def move(self, handoff_id: int, from_status: str, to_status: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(handoffs.update().where(handoffs.c.handoff_id == handoff_id,
                                                          handoffs.c.status == from_status).values(status=to_status))
        return result.rowcount == 1

    @staticmethod
    def _active(conn, conversation_id: str):
        return conn.execute(sa.select(handoffs).where(handoffs.c.conversation_id == conversation_id, _NOT_CLOSED)
                            .order_by(handoffs.c.handoff_id.desc()).limit(1)).mappings().first()

    # -- events ---------------------------------------------------------------------------------
    def events(self, handoff_id: int) -> List[HandoffEvent]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(handoff_events).where(handoff_events.c.handoff_id == handoff_id)
                                .order_by(handoff_events.c.id)).mappings().all()
        return [_event_from(r) for r in rows]

    def record(self, handoff_id: int, action: Action, agent: Optional[Agent], note: str, at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(handoff_events.insert().values(**_event_row(handoff_id, action, agent, note, at)))

    def claim_decision(self, handoff_id: int, action: Action, agent: Agent, note: str, at: datetime) -> Optional[int]:
        try:
            with self.engine.begin() as conn:
                return conn.execute(handoff_events.insert().values(
                    **_event_row(handoff_id, action, agent, note, at), decides=handoff_id)).inserted_primary_key[0]
        except IntegrityError:
            return None

    def set_decision_rma(self, event_id: int, rma_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(handoff_events.update().where(handoff_events.c.id == event_id).values(rma_id=rma_id))

    def drop_event(self, event_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(handoff_events.delete().where(handoff_events.c.id == event_id))

    def undecided_open(self) -> List[Announced]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(handoffs).where(handoffs.c.status == OPEN)
                                .order_by(handoffs.c.handoff_id)).mappings().all()
            announced = {r.handoff_id: (r.last, r.count) for r in conn.execute(
                sa.select(handoff_events.c.handoff_id, sa.func.max(handoff_events.c.at).label("last"),
                          sa.func.count().label("count"))
                .where(handoff_events.c.action == Action.REANNOUNCE.value)
                .group_by(handoff_events.c.handoff_id))}
            decided = set(conn.execute(sa.select(handoff_events.c.decides)
                                       .where(handoff_events.c.decides.isnot(None))).scalars())
        return [Announced(handoff_from_row(row), *announced.get(row["handoff_id"], (None, 0)))
                for row in rows if row["handoff_id"] not in decided]

    # -- the conversation -----------------------------------------------------------------------
    def has_verified(self, conversation_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(verifications.c.order_id).where(
                verifications.c.conversation_id == conversation_id).limit(1)).first() is not None


# -- rows -------------------------------------------------------------------------------------------
def handoff_from_row(r) -> Handoff:
    return Handoff(
        handoff_id=r["handoff_id"], conversation_id=r["conversation_id"], reason=r["reason"],
        order_id=r["order_id"], summary=r["summary"], status=r["status"], created_at=r["created_at"],
        signals=tuple(json.loads(r["signals"])),
    )


def _facts_row(facts: HandoffFacts) -> dict:
    return dict(order_id=facts.order_id, line_id=facts.line_id, quantity=facts.quantity,
                reason=facts.reason.value if facts.reason else None,
                resolution=facts.resolution.value if facts.resolution else None,
                words=facts.words, language=facts.language)


def _facts_from(r) -> HandoffFacts:
    return HandoffFacts(order_id=r["order_id"], line_id=r["line_id"], quantity=r["quantity"],
                        reason=_member(ReturnReason, r["reason"]), resolution=_member(Resolution, r["resolution"]),
                        words=r["words"] or "", language=r["language"])


def _member(kind, value):
    """The enum member of a stored value; None for none, or for a value this version does not know."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def _event_row(handoff_id: int, action: Action, agent: Optional[Agent], note: str, at: datetime) -> dict:
    return dict(handoff_id=handoff_id, action=action.value, agent_id=agent.id if agent else None,
                agent_name=agent.name if agent else None, at=at, note=(note or "")[:MAX_NOTE])


def _event_from(r) -> HandoffEvent:
    agent = Agent(r["agent_id"], r["agent_name"] or r["agent_id"]) if r["agent_id"] else None
    return HandoffEvent(Action(r["action"]), agent, r["at"], r["note"] or "", r["rma_id"])
