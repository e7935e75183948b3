"""Verifications in SQL: which conversation proved which order, and the failed attempts the lockout
counts."""
from __future__ import annotations

from datetime import datetime
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.sql.schema import UtcDateTime, verification_failures, verifications

_IS_VERIFIED = sa.select(verifications.c.order_id).where(
    verifications.c.conversation_id == sa.bindparam("conversation_id"),
    verifications.c.order_id == sa.bindparam("order_id"))
def _failures_where(column: sa.Column, name: str):
    return sa.select(sa.func.count()).select_from(verification_failures).where(
        column == sa.bindparam(name), verification_failures.c.at >= sa.bindparam("since")).scalar_subquery()


_FAILURES = sa.select(_failures_where(verification_failures.c.conversation_id, "conversation_id"),
                      _failures_where(verification_failures.c.order_id, "order_id"))
_CLAIM_ATTEMPT = verification_failures.insert().from_select(  # one row, only while under the limit
    ["conversation_id", "order_id", "at"],
    sa.select(sa.bindparam("conversation_id", type_=sa.String), sa.bindparam("order_id", type_=sa.String),
              sa.bindparam("at", type_=UtcDateTime))
    .where(_failures_where(verification_failures.c.conversation_id, "conversation_id") < sa.bindparam("max_failures"),
           _failures_where(verification_failures.c.order_id, "order_id") < sa.bindparam("max_failures")))
_INSERT_VERIFICATION = verifications.insert()


class SqlVerifications:
    """The `Verifications` repository (bot/repositories.py) over SQLAlchemy Core."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def record_verification(self, conversation_id: str, order_id: str, at: datetime) -> None:
        with self.engine.begin() as conn:
            if not self._is_verified(conn, conversation_id, order_id):
                conn.execute(_INSERT_VERIFICATION, {"conversation_id": conversation_id, "order_id": order_id,
                                                    "verified_at": at})

    def is_verified(self, conversation_id: str, order_id: str) -> bool:
        with self.engine.connect() as conn:
            return self._is_verified(conn, conversation_id, order_id)

    @staticmethod
    def _is_verified(conn: Connection, conversation_id: str, order_id: str) -> bool:
        return conn.execute(_IS_VERIFIED, {"conversation_id": conversation_id, "order_id": order_id}).first() is not None

    def claim_verification_attempt(self, conversation_id: str, order_id: str, at: datetime, since: datetime,
                                   max_failures: int) -> Optional[int]:
        """Counts a verification attempt before its proof is checked, in one step with the check of the
        limit: a failure row is inserted only while the conversation and the order each have fewer than
        `max_failures` since `since`. Returns the row's id (the caller deletes it when the proof was
        right: `release_verification_attempt`), or None when locked. Parallel attempts cannot all pass
        the check: on SQLite the conditional INSERT takes the write lock before it counts; on
        PostgreSQL the conversation and the order are locked (advisory, for the transaction) first."""
        values = {"conversation_id": conversation_id, "order_id": order_id, "at": at, "since": since,
                  "max_failures": max_failures}
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                for key in sorted({f"conversation:{conversation_id}", f"order:{order_id}"}):
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
            claimed = conn.execute(_CLAIM_ATTEMPT, values)
            if claimed.rowcount != 1:
                return None
            if conn.dialect.name == "sqlite":
                return claimed.lastrowid
            return conn.execute(sa.select(sa.func.max(verification_failures.c.id)).where(
                verification_failures.c.conversation_id == conversation_id,
                verification_failures.c.order_id == order_id)).scalar()

    def release_verification_attempt(self, attempt_id: int, conversation_id: str, order_id: str,
                                     at: datetime) -> None:
        """The proof was right: the attempt is no failure, and the conversation has verified the order
        (one transaction)."""
        with self.engine.begin() as conn:
            conn.execute(verification_failures.delete().where(verification_failures.c.id == attempt_id))
            if not self._is_verified(conn, conversation_id, order_id):
                conn.execute(_INSERT_VERIFICATION, {"conversation_id": conversation_id, "order_id": order_id,
                                                    "verified_at": at})

    def record_failed_verification(self, conversation_id: str, order_id: str, at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(verification_failures.insert().values(conversation_id=conversation_id,
                                                               order_id=order_id, at=at))

    def failed_verifications(self, conversation_id: str, order_id: str, since: datetime) -> int:
        """Failures since `since` for this conversation or for this order, whichever is more (both
        counted in one statement)."""
        with self.engine.connect() as conn:
            by_conversation, by_order = conn.execute(
                _FAILURES, {"conversation_id": conversation_id, "order_id": order_id, "since": since}).one()
        return max(by_conversation, by_order)

    def orders_verified_by(self, conversation_id: str) -> List[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(verifications.c.order_id).where(
                verifications.c.conversation_id == conversation_id)).scalars())

    def conversations_verifying(self, order_id: str) -> List[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(verifications.c.conversation_id).where(
                verifications.c.order_id == order_id)).scalars())
