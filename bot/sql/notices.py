"""What telling customers about their returns remembers, in SQL: the named cursor over the status
events, and the subjects that opted out of updates (bot/return_updates.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.sql.schema import update_cursor, update_optouts


class SqlNotices:
    """The `Notices` repository (bot/repositories.py) over SQLAlchemy Core."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def notice_cursor(self, name: str) -> Optional[int]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(update_cursor.c.last_event_id).where(update_cursor.c.name == name)).scalar()

    def start_notice_cursor(self, name: str, event_id: int) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(update_cursor.insert().values(name=name, last_event_id=event_id))
        except IntegrityError:
            return False
        return True

    def advance_notice_cursor(self, name: str, event_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update_cursor.update().where(
                update_cursor.c.name == name, update_cursor.c.last_event_id < event_id).values(last_event_id=event_id))

    def opt_out(self, subjects: Sequence[str], at: datetime) -> None:
        for subject in subjects:
            try:
                with self.engine.begin() as conn:
                    conn.execute(update_optouts.insert().values(subject=subject, at=at))
            except IntegrityError:
                pass  # said before

    def opt_in(self, subjects: Sequence[str]) -> None:
        with self.engine.begin() as conn:
            conn.execute(update_optouts.delete().where(update_optouts.c.subject.in_(list(subjects))))

    def opted_out(self, subjects: Sequence[str]) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(update_optouts.c.subject).where(
                update_optouts.c.subject.in_(list(subjects)))).first() is not None
