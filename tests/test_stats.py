"""Conversation statistics from Rasa's events (bot/conversation_stats.py): what each event counts for, a message
delivered twice counting once, the automation rate's definition, and `returnbot stats`."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from bot.conversation_stats import HANDOFFS, OUTCOMES, conversation_key, facts
from bot.settings import ROOT
from bot.sql.conversation_stats import SqlStats
from bot.sql.engine import make_engine

SECRET = "test-secret"


def user(sender: str, ts: float, intent: str = "request_return", text: str = "hi") -> dict:
    return {"sender_id": sender, "event": "user", "timestamp": ts, "text": text, "message_id": f"m{ts}",
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": []}, "input_channel": "rest"}


def bot(sender: str, ts: float, response: str) -> dict:
    return {"sender_id": sender, "event": "bot", "timestamp": ts, "text": "...", "data": {},
            "metadata": {"utter_action": response}}


@pytest.fixture
def stats(tmp_path) -> SqlStats:
    engine = make_engine(f"sqlite:///{tmp_path / 'stats.db'}")
    store = SqlStats(engine)
    store.create_schema()
    yield store
    engine.dispose()


def test_every_response_the_statistics_name_is_in_the_domain():
    responses = set(yaml.safe_load((ROOT / "domain.yml").read_text())["responses"])
    assert set(OUTCOMES) | set(HANDOFFS) <= responses
    assert any(r.startswith("utter_not_eligible_") for r in responses)


@pytest.mark.parametrize("event, expected", [
    pytest.param(user("web:a", 1.0, "where_is_my_refund"), [("turn", "where_is_my_refund")], id="turn"),
    pytest.param(bot("web:a", 2.0, "utter_rma_issued"), [("outcome", "rma_issued")], id="rma"),
    pytest.param(bot("web:a", 2.0, "utter_returnless_refund"), [("outcome", "returnless_refund")], id="returnless"),
    pytest.param(bot("web:a", 2.0, "utter_amazon_fba"), [("outcome", "amazon_path")], id="amazon"),
    pytest.param(bot("web:a", 2.0, "utter_not_eligible_window_closed"), [("outcome", "not_eligible")], id="window"),
    pytest.param(bot("web:a", 2.0, "utter_fraud_review"), [("outcome", "fraud_review"), ("handoff", "fraud_review")],
                 id="fraud"),
    pytest.param(bot("web:a", 2.0, "utter_damage_replacement"),
                 [("outcome", "damage_replacement"), ("handoff", "damage_claim")], id="damage"),
    pytest.param(bot("web:a", 2.0, "utter_handoff"), [("handoff", "customer_request")], id="handoff"),
    pytest.param(bot("web:a", 2.0, "utter_ask_return_reason"), [], id="a-question"),
    pytest.param({"sender_id": "web:a", "event": "slot", "timestamp": 3.0, "name": "goal", "value": "return"}, [],
                 id="slot"),
    pytest.param({"event": "user", "timestamp": 3.0}, [], id="no-sender"),
])
def test_what_an_event_counts_for(event, expected):
    found = facts(event, SECRET)
    assert [(f.kind, f.name) for f in found] == expected
    assert all(f.conversation == conversation_key(SECRET, "web:a") and "web:a" not in f.key for f in found)


def test_a_message_delivered_twice_counts_once_and_key_order_does_not_matter(stats):
    event = user("web:a", 1.0)
    stats.record(facts(event, SECRET))
    stats.record(facts(json.loads(json.dumps(event, sort_keys=True)), SECRET))
    stats.record(facts(event, SECRET) + facts(event, SECRET))
    assert (stats.summary().turns, stats.summary().conversations) == (1, 1)
    stats.record(facts(user("web:a", 2.0), SECRET))
    assert stats.summary().turns == 2


def test_the_automation_rate_counts_conversations_answered_without_a_person(stats):
    conversations = {
        "web:rma": [user("web:rma", 1), bot("web:rma", 2, "utter_rma_issued"), user("web:rma", 3, "thank")],
        "web:window": [user("web:window", 1), bot("web:window", 2, "utter_not_eligible_window_closed")],
        "web:fraud": [user("web:fraud", 1), bot("web:fraud", 2, "utter_fraud_review")],
        "web:answered-then-human": [user("web:answered-then-human", 1, "track_order"),
                                    bot("web:answered-then-human", 2, "utter_tracking"),
                                    user("web:answered-then-human", 3, "human_handoff"),
                                    bot("web:answered-then-human", 4, "utter_handoff")],
        "web:greeting": [user("web:greeting", 1, "greet"), bot("web:greeting", 2, "utter_greet")],
    }
    for events in conversations.values():
        stats.record(f for e in events for f in facts(e, SECRET))
    summary = stats.summary()
    assert (summary.conversations, summary.turns, summary.resolved_without_human) == (5, 7, 2)
    assert summary.automation_rate == 0.4
    assert summary.outcomes == {"fraud_review": 1, "not_eligible": 1, "rma_issued": 1, "tracking": 1}
    assert summary.handoffs == {"customer_request": 1, "fraud_review": 1}
    assert summary.intents == {"request_return": 3, "greet": 1, "human_handoff": 1, "thank": 1, "track_order": 1}


def test_returnbot_stats_prints_the_figures(stats, tmp_path):
    events = (user("web:a", 1), bot("web:a", 2, "utter_rma_issued"), user("web:b", 1), bot("web:b", 2, "utter_handoff"))
    stats.record(f for e in events for f in facts(e, SECRET))
    env = {"RETURNBOT_VAR_DIR": str(tmp_path), "RETURNBOT_SECRET": SECRET, "PATH": "/usr/bin:/bin",
           "RETURNBOT_DATABASE_URL": str(stats.engine.url)}
    as_json = subprocess.run([sys.executable, "-m", "cli.main", "stats", "--json"], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)
    assert json.loads(as_json.stdout) | {"intents": None} == {
        "conversations": 2, "turns": 2, "resolved_without_human": 1, "automation_rate": 0.5, "handoffs_total": 1,
        "intents": None, "outcomes": {"rma_issued": 1}, "handoffs": {"customer_request": 1}}
    text = subprocess.run([sys.executable, "-m", "cli.main", "stats"], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True).stdout
    assert "automation rate" in text and "50.0%" in text and "rma_issued" in text


def test_returnbot_stats_before_any_event_says_where_they_come_from(tmp_path):
    env = {"RETURNBOT_VAR_DIR": str(tmp_path), "RETURNBOT_SECRET": SECRET, "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "cli.main", "stats"], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True).stdout
    assert "no statistics yet" in out and "--profile scaled" in out


def test_stats_on_a_database_that_cannot_be_read_say_so(tmp_path, monkeypatch, capsys):
    from cli.main import main

    monkeypatch.setenv("RETURNBOT_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RETURNBOT_SECRET", "test-secret")
    monkeypatch.setenv("RETURNBOT_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")  # nothing listens
    assert main(["stats"]) == 1
    assert "returnbot: cannot read the statistics from the order database (" in capsys.readouterr().err
