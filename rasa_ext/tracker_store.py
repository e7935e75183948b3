"""Rasa's SQL tracker store on a SQLite file, made cheap per turn.

Named in the endpoints `cli/stack.py` writes for a SQLite database; PostgreSQL keeps Rasa's own
store. Three differences from Rasa 3.6's `SQLTrackerStore`, each measured with `make bench`
(benchmarks/README.md):

- The file is in WAL mode with `synchronous=NORMAL` (durable at each checkpoint, never corrupt):
  Rasa leaves it in rollback-journal mode, so each save waits for a full disk sync.
- A conversation's events since its last session start are kept in memory after a load or a
  save (the newest `CACHED_CONVERSATIONS` conversations). Each turn still asks the database how
  many events the conversation has and the id of the newest: only when both match what this
  process last read or wrote are the kept events used, so a conversation another process changed
  (a second Rasa server, `returnbot forget`) is read again from the file. Rasa treats events as
  immutable (it shares them between tracker copies), so sharing them between turns is safe.
- A save inserts the new events with one statement instead of one ORM object each, and knows
  from the kept events which are new, instead of counting the stored ones first.

- Connections stay open between turns, and the hot queries are plain SQL: opening a connection ran
  the pragmas, and closing the last one checkpointed the WAL, on every load and save.

A load takes the file's write lock for a moment: a file another process keeps locked (a stuck
writer, a backup) fails the turn at its start, after `LOCK_WAIT_SECONDS`, before any action runs,
and the gateway asks the customer to try again, rather than acting on a turn it cannot record.

That takes `fail_turns_not_conversations` (installed with the package, for every tracker store,
PostgreSQL's too): Rasa wraps the store in a `FailSafeTrackerStore` which, on an error, answers a
load with no conversation (a customer half-way through a return starts again) and keeps a save in
memory only (the turn is lost at the next load). Patched, the error fails the turn instead, and
`rasa_ext.channel.GatewayInput` answers it 503, so the gateway asks the customer to try again.
"""
from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

LOCK_WAIT_SECONDS = 5  # Rasa's own default for SQLite
CACHED_CONVERSATIONS = 1000


@dataclass(frozen=True)
class _Kept:
    """What the file held for a conversation when this process last read or wrote it."""
    stamp: Tuple[int, Optional[int]]  # (number of events, id of the newest)
    events: Tuple[Event, ...]  # those since the last session start


def fail_turns_not_conversations() -> None:
    """Make Rasa's fail-safe wrapper re-raise a tracker store's error instead of starting an empty
    conversation or saving to memory (see the module's docstring)."""
    from rasa.core.tracker_store import FailSafeTrackerStore

    def fail_the_turn(self: FailSafeTrackerStore, error: Exception) -> None:
        raise error

    FailSafeTrackerStore.on_tracker_store_error = fail_the_turn
    FailSafeTrackerStore.on_tracker_store_retrieve_error = fail_the_turn


class SqliteTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["dialect"] = "sqlite"
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, hide_parameters=True,
                                       connect_args={"timeout": LOCK_WAIT_SECONDS, "check_same_thread": False})
        sa.event.listen(self.engine, "connect", _pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._kept: "OrderedDict[str, _Kept]" = OrderedDict()

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The conversation since its last session start, as Rasa's store returns it."""
        with self.engine.connect() as conn:
            db = conn.connection  # the sqlite3 connection
            db.execute("BEGIN IMMEDIATE")  # the turn will be recorded: wait now, before any action, if it can't
            try:
                count, newest = db.execute(STAMP, {"id": sender_id}).fetchone()
                stamp = (int(count), newest)
                kept = self._kept.get(sender_id)
                if kept is not None and kept.stamp == stamp:
                    self._kept.move_to_end(sender_id)
                    events = list(kept.events)
                else:
                    rows = db.execute(SESSION_EVENTS, {"id": sender_id}).fetchall()
                    events = [Event.from_parameters(json.loads(data)) for (data,) in rows]
                    self._keep(sender_id, stamp, events)
            finally:
                db.rollback()
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events the file does not hold yet."""
        await self.stream_events(tracker)
        sender_id, events = tracker.sender_id, list(tracker.events)
        kept = self._kept.get(sender_id)
        with self.engine.connect() as conn:
            stamp = None
            if kept is not None and _is_prefix(kept.events, events):
                new = events[len(kept.events):]
                with conn.begin() as transaction:
                    _insert(conn, sender_id, new)  # writing first takes the file's write lock
                    stamp = _stamp(conn, sender_id)
                    if stamp[0] != kept.stamp[0] + len(new):  # the file changed since: count as Rasa does
                        transaction.rollback()
                        stamp = None
            if stamp is None:
                with conn.begin():
                    stored = conn.exec_driver_sql(SESSION_COUNT, {"id": sender_id}).scalar()
                    _insert(conn, sender_id, events[stored:])
                    stamp = _stamp(conn, sender_id)
        self._keep(sender_id, stamp, _since_session_start(events))

    def _keep(self, sender_id: str, stamp: Tuple[int, Optional[int]], events: List[Event]) -> None:
        self._kept[sender_id] = _Kept(stamp, tuple(events))
        self._kept.move_to_end(sender_id)
        while len(self._kept) > CACHED_CONVERSATIONS:
            self._kept.popitem(last=False)


# Rasa's own queries (`SQLTrackerStore._event_query`), in SQL: the events of the current session
# are those no older than the conversation's newest session start, in the order they were stored.
_SESSION_START = "(SELECT max(timestamp) FROM events WHERE sender_id = :id AND type_name = 'session_started')"
_SINCE_SESSION_START = f"sender_id = :id AND (timestamp >= {_SESSION_START} OR {_SESSION_START} IS NULL)"
SESSION_EVENTS = f"SELECT data FROM events WHERE {_SINCE_SESSION_START} ORDER BY id"
SESSION_COUNT = f"SELECT count(*) FROM events WHERE {_SINCE_SESSION_START}"
STAMP = "SELECT count(*), max(id) FROM events WHERE sender_id = :id"
INSERT = ("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
          "VALUES (:sender_id, :type_name, :timestamp, :intent_name, :action_name, :data)")


def _stamp(conn: Any, sender_id: str) -> Tuple[int, Optional[int]]:
    count, newest = conn.exec_driver_sql(STAMP, {"id": sender_id}).one()
    return int(count), newest


def _insert(conn: Any, sender_id: str, events: List[Event]) -> None:
    rows = []
    for event in events:
        data = event.as_dict()
        rows.append(dict(sender_id=sender_id, type_name=event.type_name, timestamp=data.get("timestamp"),
                         intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                         action_name=data.get("name"), data=json.dumps(data)))
    if rows:
        conn.exec_driver_sql(INSERT, rows)


def _is_prefix(kept: Tuple[Event, ...], events: List[Event]) -> bool:
    """Whether the tracker being saved starts with the kept events (the same objects: it was
    built from them), i.e. it was loaded from what this process kept."""
    return len(events) >= len(kept) and all(a is b for a, b in zip(kept, itertools.islice(events, len(kept))))


def _since_session_start(events: List[Event]) -> List[Event]:
    """The events Rasa's store returns as the current session: those no older than the newest
    `SessionStarted` (its query compares timestamps, not positions), all when there is none."""
    starts = [event.timestamp for event in events if isinstance(event, SessionStarted)]
    if not starts:
        return events
    start = max(starts)
    return [event for event in events if event.timestamp >= start]


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
