"""What the Slack channel remembers, in SQL (`SqlSlackLedger`, the `channels.slack.ledger.SlackLedger`):

- `handoff_cards`: the card of each case (Slack channel and ts), written before and after posting
  so a retry never posts twice;
- `slack_events`: the events it handled (a message an agent wrote, keyed by channel and ts, which
  Slack's retries of the event share);
- `slack_posts`: the thread posts and uploads it made (keyed by what they are for, written before
  and after the call, so a retry after an ambiguous failure looks for the earlier post first).

Tables on `bot.store.metadata`, in the order store's database. None of them is needed without Slack.
"""
from __future__ import annotations

from datetime import datetime
from typing import List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.handoffs.types import CLOSED, Card
from bot.sql.handoffs import handoffs
from bot.store import UtcDateTime, metadata

handoff_cards = sa.Table(
    "handoff_cards", metadata,
    sa.Column("handoff_id", sa.Integer, primary_key=True),  # one card per case
    sa.Column("channel", sa.String(64), nullable=False),  # the Slack channel id
    sa.Column("ts", sa.String(32)),  # the card's message id; NULL while a post is in flight
    sa.Column("thread_ts", sa.String(32)),
    sa.Column("reserved_at", UtcDateTime, nullable=False),
    sa.Column("posted_at", UtcDateTime),
    sa.UniqueConstraint("channel", "ts", name="one_case_per_card"),
)

slack_events = sa.Table(
    "slack_events", metadata,
    sa.Column("key", sa.String(255), primary_key=True),  # e.g. message:<channel>:<ts>
    sa.Column("received_at", UtcDateTime, nullable=False),
)

slack_posts = sa.Table(
    "slack_posts", metadata,
    sa.Column("key", sa.String(255), primary_key=True),  # e.g. customer:<outbox key>, upload:<attachment>:<case>
    sa.Column("handoff_id", sa.Integer, index=True),
    sa.Column("ts", sa.String(64)),  # the message ts (or file id); NULL while the call is in flight
    sa.Column("reserved_at", UtcDateTime, nullable=False),
    sa.Column("posted_at", UtcDateTime),
)

TABLES = (handoff_cards, slack_events, slack_posts)


class SqlSlackLedger:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=list(TABLES))

    # -- cards ----------------------------------------------------------------------------------
    def card(self, handoff_id: int) -> Optional[Card]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(handoff_cards)
                               .where(handoff_cards.c.handoff_id == handoff_id)).mappings().first()
        return _card_from(row) if row else None

    def reserve_card(self, handoff_id: int, channel: str, at: datetime) -> Tuple[Card, bool]:
        try:
            with self.engine.begin() as conn:
                conn.execute(handoff_cards.insert().values(handoff_id=handoff_id, channel=channel, reserved_at=at))
            return Card(handoff_id, channel, None, None), True
        except IntegrityError:
            return self.card(handoff_id), False

    def save_card(self, handoff_id: int, channel: str, ts: str, at: datetime, thread_ts: Optional[str] = None) -> Card:
        with self.engine.begin() as conn:
            conn.execute(handoff_cards.update().where(handoff_cards.c.handoff_id == handoff_id).values(
                channel=channel, ts=ts, thread_ts=thread_ts or ts, posted_at=at))
        return Card(handoff_id, channel, ts, thread_ts or ts)

    def case_for_thread(self, channel: str, thread_ts: str) -> Optional[int]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(handoff_cards.c.handoff_id).where(
                handoff_cards.c.channel == channel, handoff_cards.c.thread_ts == thread_ts)).scalar()

    def cases_without_card(self) -> List[int]:
        posted = sa.select(handoff_cards.c.handoff_id).where(handoff_cards.c.ts.isnot(None))
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(handoffs.c.handoff_id).where(
                handoffs.c.status != CLOSED, handoffs.c.handoff_id.notin_(posted))
                .order_by(handoffs.c.handoff_id)).scalars())

    # -- events and posts -----------------------------------------------------------------------
    def claim_event(self, key: str, at: datetime) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(slack_events.insert().values(key=key, received_at=at))
        except IntegrityError:
            return False
        return True

    def release_event(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(slack_events.delete().where(slack_events.c.key == key))

    def reserve_post(self, key: str, handoff_id: Optional[int], at: datetime) -> Tuple[Optional[str], bool]:
        try:
            with self.engine.begin() as conn:
                conn.execute(slack_posts.insert().values(key=key, handoff_id=handoff_id, reserved_at=at))
            return None, True
        except IntegrityError:
            with self.engine.connect() as conn:
                return conn.execute(sa.select(slack_posts.c.ts).where(slack_posts.c.key == key)).scalar(), False

    def save_post(self, key: str, ts: str, at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(slack_posts.update().where(slack_posts.c.key == key).values(ts=ts, posted_at=at))

    def posted(self, key: str) -> Optional[str]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(slack_posts.c.ts).where(slack_posts.c.key == key)).scalar()


def _card_from(r) -> Card:
    return Card(r["handoff_id"], r["channel"], r["ts"], r["thread_ts"])
