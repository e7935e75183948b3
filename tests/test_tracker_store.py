"""rasa_ext.tracker_store.SqliteTrackerStore: whatever it keeps in memory, it returns what Rasa's
own SQL store returns from the same file, stores every event once, and sees changes made by
another process (a second Rasa server, `returnbot forget`)."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import List

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_ext import tracker_store as module
from rasa_ext.tracker_store import SqliteTrackerStore

DOMAIN = Domain.from_dict({"intents": ["greet", "request_return"],
                           "slots": {"order_id": {"type": "text", "mappings": [{"type": "custom"}]}}})


def run(coro):
    return asyncio.run(coro)


def store(path: Path) -> SqliteTrackerStore:
    return SqliteTrackerStore(DOMAIN, db=str(path))


def rasa_store(path: Path) -> SQLTrackerStore:
    return SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))


def turn(n: int, at: float) -> List[Event]:
    return [UserUttered(f"message {n}", {"name": "greet", "confidence": 1.0}, timestamp=at),
            SlotSet("order_id", f"#{n}", timestamp=at + 0.1),
            BotUttered(f"answer {n}", timestamp=at + 0.2),
            ActionExecuted("action_listen", timestamp=at + 0.3)]


def session_start(at: float) -> List[Event]:
    return [ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at),
            ActionExecuted("action_listen", timestamp=at + 0.01)]


def talk(tracker_store: SqliteTrackerStore, sender: str, events: List[Event]) -> DialogueStateTracker:
    """One turn as Rasa's processor makes it: load (or start), add events, save."""
    tracker = run(tracker_store.retrieve(sender)) or DialogueStateTracker(sender, DOMAIN.slots)
    for event in events:
        tracker.update(event)
    run(tracker_store.save(tracker))
    return tracker


def dicts(tracker) -> List[dict]:
    return [event.as_dict() for event in tracker.events] if tracker else []


def stored_rows(path: Path, sender: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def test_it_returns_what_rasas_store_returns_turn_after_turn(tmp_path):
    path = tmp_path / "tracker.db"
    ours = store(path)
    talk(ours, "web:a", session_start(1000.0))
    for n in range(5):
        tracker = talk(ours, "web:a", turn(n, 1001.0 + n))
        assert dicts(run(ours.retrieve("web:a"))) == dicts(run(rasa_store(path).retrieve("web:a")))
        assert dicts(run(ours.retrieve("web:a"))) == dicts(tracker)
    assert stored_rows(path, "web:a") == 3 + 5 * 4  # every event once
    assert run(ours.retrieve("web:a")).get_slot("order_id") == "#4"


def test_a_new_session_returns_only_its_events_as_rasas_store_does(tmp_path):
    path = tmp_path / "tracker.db"
    ours = store(path)
    talk(ours, "tg:1", session_start(1000.0) + turn(1, 1001.0))
    talk(ours, "tg:1", session_start(2000.0) + turn(2, 2001.0))  # a later visit starts a session
    talk(ours, "tg:1", turn(3, 2002.0))
    expected = dicts(run(rasa_store(path).retrieve("tg:1")))
    assert dicts(run(ours.retrieve("tg:1"))) == expected
    assert [e["text"] for e in expected if e["event"] == "user"] == ["message 2", "message 3"]
    assert stored_rows(path, "tg:1") == 2 * 3 + 3 * 4


def test_a_conversation_another_process_wrote_is_read_again(tmp_path):
    path = tmp_path / "tracker.db"
    first, second = store(path), store(path)  # e.g. two Rasa servers on one file
    talk(first, "web:b", session_start(1000.0) + turn(1, 1001.0))
    talk(second, "web:b", turn(2, 1002.0))
    talk(first, "web:b", turn(3, 1003.0))  # first's kept copy is stale: it must not lose turn 2
    texts = [e["text"] for e in dicts(run(rasa_store(path).retrieve("web:b"))) if e["event"] == "user"]
    assert texts == ["message 1", "message 2", "message 3"]
    assert stored_rows(path, "web:b") == 3 + 3 * 4


def test_a_save_from_a_stale_copy_follows_rasas_own_rule(tmp_path):
    """The tracker being saved was loaded before another process added events: as Rasa's own
    store, the events past the stored count are taken as the new ones (Rasa's lock store keeps
    this from happening)."""
    path = tmp_path / "tracker.db"
    ours = store(path)
    talk(ours, "web:c", session_start(1000.0))
    tracker = run(ours.retrieve("web:c"))
    rasa = rasa_store(path)
    other = run(rasa.retrieve("web:c"))
    other.update(UserUttered("from elsewhere", timestamp=1500.0))
    run(rasa.save(other))
    for event in turn(1, 1501.0):
        tracker.update(event)
    run(ours.save(tracker))
    assert stored_rows(path, "web:c") == 3 + 1 + 3  # Rasa's rule: the first new event is taken as stored


def test_an_erased_conversation_is_gone(tmp_path):
    path = tmp_path / "tracker.db"
    ours = store(path)
    talk(ours, "web:d", session_start(1000.0) + turn(1, 1001.0))
    with sqlite3.connect(path) as conn:  # what `returnbot forget` does to the file
        conn.execute("DELETE FROM events WHERE sender_id = ?", ("web:d",))
    assert run(ours.retrieve("web:d")) is None


def test_only_the_newest_conversations_are_kept_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(module, "CACHED_CONVERSATIONS", 2)
    path = tmp_path / "tracker.db"
    ours = store(path)
    for sender in ("a", "b", "c"):
        talk(ours, sender, session_start(1000.0) + turn(1, 1001.0))
    assert list(ours._kept) == ["b", "c"]
    assert dicts(run(ours.retrieve("a"))) == dicts(run(rasa_store(path).retrieve("a")))  # read from the file


def test_a_file_locked_for_writing_fails_the_load(tmp_path, monkeypatch):
    """Even with the conversation kept in memory: the turn fails at its start, before any action,
    rather than acting and then failing to record it."""
    monkeypatch.setattr(module, "LOCK_WAIT_SECONDS", 0.2)
    path = tmp_path / "tracker.db"
    ours = store(path)
    talk(ours, "web:e", session_start(1000.0))
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process writing, and not finishing
    try:
        with pytest.raises(Exception, match="locked"):
            run(ours.retrieve("web:e"))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
