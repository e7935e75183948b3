"""What the Slack channel remembers so nothing happens twice: the events it handled (a message an
agent wrote, keyed by channel and ts, which Slack's retries of the event share) and the thread
posts and uploads it made (keyed by what they are for, written before and after the call, so a
retry after an ambiguous failure looks for the earlier post before posting again).

Tables on `bot.store.metadata` in the order store's database; the card of each case is in
`bot.handoffs.handoff_cards`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.store import UtcDateTime, metadata

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


class SlackLedger:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=[slack_events, slack_posts])

    def claim_event(self, key: str, at: datetime) -> bool:
        """Record an inbound event; False when it was recorded before (a retry or a duplicate)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(slack_events.insert().values(key=key, received_at=at))
        except IntegrityError:
            return False
        return True

    def release_event(self, key: str) -> None:
        """Forget an event whose handling failed, so a later delivery of it is handled."""
        with self.engine.begin() as conn:
            conn.execute(slack_events.delete().where(slack_events.c.key == key))

    def reserve_post(self, key: str, handoff_id: Optional[int], at: datetime) -> Tuple[Optional[str], bool]:
        """(ts of the earlier post or None, reserved now?). (None, False): an earlier attempt may
        have posted; look for it before posting."""
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
