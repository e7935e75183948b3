"""The trainer's tools without a trained model: scoring, the keyword baseline, the data checks,
reading the tracker store for review, labelling (prompt and CSV), adding examples to nlu_data/
without duplicates, and handing a new model to a running Rasa."""
from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from bot.settings import ROOT
from cli import nlu_tools
from cli.main import main, parser
from cli.nlu_baseline import keyword_intent
from cli.nlu_eval import (
    DEFAULT_TEST_SETS, FRESH, HELDOUT, QUALITY_GATE, VOICES, GatedSet, check_floors, evaluated_sets,
    format_recall_table, gate_report, load_gate, write_gate_report,
)
from cli.nlu_data import (
    Example, NluFileError, append_examples, check_examples, example_key, find_conflicts, find_duplicates,
    find_leaks, find_small_intents, mask_personal_data, read_all, read_examples,
)
from cli.nlu_scoring import (
    Entity, Prediction, accuracy, canonical_intent, entity_scores, macro_f1, oos_recall, per_intent_scores,
    percentile, summarise,
)
from cli.nlu_tools import (
    LabelFileError, export_csv, import_csv, label_interactively, parse_user_event, read_user_messages, review_items,
)
from cli.reload import reload_model
from cli.stack import rasa_api_token
from tests.conftest import test_settings

# ---------------------------------------------------------------------------------------------------
# Scoring


def test_macro_f1_matches_scikit_learn_over_the_expected_intents():
    from sklearn.metrics import accuracy_score, f1_score

    gold = ["a", "a", "a", "b", "b", "c", "c", "c", "c"]
    pred = ["a", "b", "a", "b", "x", "c", "c", "a", "c"]
    labels = sorted(set(gold))
    assert macro_f1(gold, pred) == pytest.approx(f1_score(gold, pred, labels=labels, average="macro"))
    assert accuracy(gold, pred) == pytest.approx(accuracy_score(gold, pred))


def test_per_intent_scores_by_hand():
    scores = per_intent_scores(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert scores["a"].precision == 1.0 and scores["a"].recall == 0.5 and scores["a"].f1 == pytest.approx(2 / 3)
    assert scores["b"].precision == pytest.approx(2 / 3) and scores["b"].recall == 1.0
    assert scores["a"].support == 2 and scores["b"].support == 2


def test_fallback_counts_as_out_of_scope_for_every_figure():
    gold = ["out_of_scope", "out_of_scope", "greet", "greet"]
    pred = ["nlu_fallback", "greet", "greet", "nlu_fallback"]
    assert canonical_intent("nlu_fallback") == "out_of_scope"
    assert oos_recall(gold, pred) == 0.5
    assert accuracy(gold, pred) == 0.5
    oos = per_intent_scores(gold, pred)["out_of_scope"]
    assert (oos.precision, oos.recall) == (0.5, 0.5)  # a fallback on "greet" is a false alarm


def test_oos_recall_is_none_without_out_of_scope_messages():
    assert oos_recall(["greet"], ["greet"]) is None


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError):
        macro_f1(["a"], [])


def test_an_entity_counts_when_type_and_value_match_on_an_overlapping_span():
    expected = [[Entity("order_id", 0, 6, "#1001")], [Entity("email", 3, 10, "a@b.co")], []]
    found = [[Entity("order_id", 1, 6, "#1001")],  # span without an invisible mark: still found
             [Entity("email", 3, 10, "A@b.co")],  # wrong value: missed, and an extra
             [Entity("order_id", 0, 4, "#1234")]]  # nothing expected: a false positive
    scores = entity_scores(expected, found)
    assert scores["order_id"].precision == 0.5 and scores["order_id"].recall == 1.0
    assert scores["email"].f1 == 0.0 and scores["email"].support == 1


@pytest.mark.parametrize("q", [0, 25, 50, 90, 99, 100])
def test_percentile_interpolates_like_numpy(q):
    import numpy

    values = [3.0, 1.0, 7.5, 2.0, 9.0, 4.0, 10.5]
    assert percentile(values, q) == pytest.approx(numpy.percentile(values, q))


def test_summary_has_the_headline_figures():
    predictions = [Prediction("hi", "greet", "greet", parse_ms=2.0),
                   Prediction("weather?", "out_of_scope", "nlu_fallback", parse_ms=4.0),
                   Prediction("#1001", "inform", "inform", expected_entities=(Entity("order_id", 0, 5, "#1001"),),
                              entities=(Entity("order_id", 0, 5, "#1001"),), parse_ms=3.0)]
    summary = summarise(predictions)
    assert summary["accuracy"] == 1.0 and summary["macro_f1"] == 1.0 and summary["oos_recall"] == 1.0
    assert summary["entity_f1"] == {"order_id": 1.0} and summary["parse_p50_ms"] == 3.0
    assert summary["fallback_rate"] == pytest.approx(1 / 3)
    assert summary["per_intent_recall"] == {"greet": 1.0, "inform": 1.0, "out_of_scope": 1.0}


def test_per_intent_recall_counts_a_fallback_as_a_miss():
    summary = summarise([Prediction("hi", "greet", "greet"), Prediction("hey", "greet", "nlu_fallback"),
                         Prediction("yes", "affirm", "greet")])
    assert summary["per_intent_recall"] == {"affirm": 0.0, "greet": 0.5}


# ---------------------------------------------------------------------------------------------------
# The quality gate's sets and floors (nlu_quality.yml) and its report


def test_the_gate_reads_heldout_and_voices_with_their_floors():
    gated = load_gate(QUALITY_GATE)
    assert [gs.name for gs in gated][:2] == ["heldout", "voices"]
    for gs in gated:
        assert gs.path.exists()
        # the other languages' sets start lower (117 messages, a first training set; nlu_quality.yml)
        assert gs.floors["intent_macro_f1"] >= (0.85 if gs.language == "en" else 0.75)
        assert set(gs.floors["entity_f1"]) == {"order_id", "email"}
    assert {gs.language for gs in gated} == {"en", "de", "fr", "es", "it", "zh"}
    assert {gs.name: gs.floors["intent_macro_f1"] for gs in gated}["heldout"] >= 0.93


def test_the_older_gate_layout_is_one_set(tmp_path):
    old = write(tmp_path / "gate.yml", "test_set: tests/nlu/heldout.yml\nfloors:\n  intent_macro_f1: 0.9\n")
    assert load_gate(old) == [GatedSet("heldout", HELDOUT, {"intent_macro_f1": 0.9})]
    with pytest.raises(ValueError):
        load_gate(write(tmp_path / "empty.yml", "floors: {}\n"))


def _figures(predictions):
    return summarise(predictions)


def test_floors_are_checked_per_set_and_an_unmeasured_figure_is_below_its_floor():
    figures = _figures([Prediction("hi", "greet", "greet"), Prediction("weather", "out_of_scope", "greet")])
    rows = check_floors(figures, {"intent_macro_f1": 0.5, "out_of_scope_recall": 0.9, "entity_f1": {"email": 0.9}})
    assert [(label, ok) for label, _, _, ok in rows] == [
        ("intent macro-F1", False), ("out-of-scope recall", False), ("email entity F1", False)]
    assert rows[2][2] is None  # no email to find: not measured
    assert check_floors(figures, {"intent_macro_f1": 0.3})[0][3] is True


def test_the_gate_report_keeps_the_benchmark_figures_and_has_recall_for_every_set(tmp_path):
    (tmp_path / "latest.json").write_text(json.dumps({"macro_f1": 0.9, "gate": {"old": True},
                                                      "per_intent_recall": {"fresh": {"greet": 1.0}}}))
    figures = {"heldout": _figures([Prediction("hi", "greet", "greet"), Prediction("no", "deny", "greet")]),
               "voices": _figures([Prediction("yo", "greet", "nlu_fallback")])}
    gated = [GatedSet("heldout", HELDOUT, {"intent_macro_f1": 0.3}), GatedSet("voices", VOICES, {"intent_macro_f1": 0.5})]
    report = gate_report(figures, gated, model="m.tar.gz")
    assert report["sets"]["heldout"]["passed"] is True and report["sets"]["voices"]["passed"] is False
    assert report["passed"] is False and report["sets"]["heldout"]["path"] == "tests/nlu/heldout.yml"
    latest = json.loads(write_gate_report(report, figures, tmp_path).read_text())
    assert latest["macro_f1"] == 0.9  # the benchmark's own figures stay
    assert latest["gate"]["sets"]["voices"]["per_intent_recall"] == {"greet": 0.0}
    assert latest["per_intent_recall"] == {"fresh": {"greet": 1.0}, "heldout": {"deny": 0.0, "greet": 1.0},
                                           "voices": {"greet": 0.0}}
    table = (tmp_path / "gate.txt").read_text()
    assert "voices" in table and "FAILED" in table and "deny" in table
    assert "0.00 (  1)" in format_recall_table(figures)


def test_the_eval_reads_the_gated_sets_first_and_each_set_once():
    gated = load_gate(QUALITY_GATE)
    assert evaluated_sets([HELDOUT, FRESH], gated) == [HELDOUT, VOICES, FRESH]
    assert evaluated_sets(DEFAULT_TEST_SETS, gated) == [HELDOUT, VOICES, FRESH]
    assert evaluated_sets([FRESH], []) == [FRESH]


def test_the_test_sets_cover_every_intent_and_stay_out_of_the_training_data():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    intents = set(domain["intents"])
    training = read_all([ROOT / "nlu_data"])
    assert {ex.intent for ex in training} == intents
    voices = read_all([VOICES])
    counts = {intent: sum(ex.intent == intent for ex in voices) for intent in intents}
    assert len(voices) >= 400 and min(counts.values()) >= 15, counts
    tests = read_all([ROOT / "tests" / "nlu"])
    assert {ex.intent for ex in tests} <= intents
    assert find_leaks(training, tests) == []


# ---------------------------------------------------------------------------------------------------
# Keyword baseline


@pytest.mark.parametrize("text, intent", [
    ("I want to return my shoes", "request_return"),
    ("returning these", "request_return"),
    ("where is my refund", "where_is_my_refund"),
    ("can I get a refund", "request_refund"),
    ("I'd like to exchange it", "request_exchange"),
    ("has my return arrived", "check_return_status"),
    ("where is my package", "track_order"),
    ("cancel order #1003", "cancel_order"),
    ("my vase arrived broken", "report_damage"),
    ("talk to a human", "human_handoff"),
    ("no thanks", "deny"),
    ("thanks!", "thank"),
    ("#1001", "inform"),
    ("who pays return shipping?", "ask_policy"),
    ("what's your return policy", "ask_policy"),
    ("I don't know my order number", "no_order_number"),
    ("I only have the tracking number", "no_order_number"),
    ("what's the weather like", "out_of_scope"),
    ("nothing", "out_of_scope"),  # "no" is a whole word: it does not match "nothing"
])
def test_keyword_rules(text, intent):
    assert keyword_intent(text) == intent


# ---------------------------------------------------------------------------------------------------
# Training files and checks

NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi
    - Hi
    - hello there
- intent: goodbye
  examples: |
    - bye
    - hello there!
- regex: shape
  examples: |
    - \\d+
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_examples_are_read_with_their_file_and_line(tmp_path):
    examples = read_examples(write(tmp_path / "nlu.yml", NLU))
    assert [(e.intent, e.text, e.line) for e in examples] == [
        ("greet", "hi", 5), ("greet", "Hi", 6), ("greet", "hello there", 7),
        ("goodbye", "bye", 10), ("goodbye", "hello there!", 11)]


def test_a_broken_file_names_the_line(tmp_path):
    bad = write(tmp_path / "bad.yml", "nlu:\n- intent: greet\n  examples: |\n    - hi\n  - oops: [\n")
    with pytest.raises(NluFileError, match=r"bad.yml line \d+"):
        read_examples(bad)


def test_duplicates_conflicts_and_small_intents_are_found(tmp_path):
    examples = read_examples(write(tmp_path / "nlu.yml", NLU))
    [duplicate] = find_duplicates(examples)
    assert duplicate.level == "warning" and '"hi" is listed 2 times' in duplicate.message and "line 5" in duplicate.message
    [conflict] = find_conflicts(examples)
    assert conflict.level == "error" and "'greet'" in conflict.message and "'goodbye'" in conflict.message
    assert "line 7" in conflict.message and "line 11" in conflict.message
    small = find_small_intents(examples, minimum=3)
    assert [f.message.split("'")[1] for f in small] == ["goodbye", "greet"]  # greet: "hi" twice counts once


def test_a_test_message_seen_in_training_is_an_error(tmp_path):
    training = read_examples(write(tmp_path / "nlu.yml", NLU))
    tests = [Example("greet", "Hello there?", tmp_path / "test.yml", 4), Example("greet", "hey you", tmp_path / "t.yml", 5)]
    [leak] = find_leaks(training, tests)
    assert leak.level == "error" and "test.yml line 4" in leak.message and "nlu.yml line 7" in leak.message
    findings = check_examples(training, tests, minimum=1)
    assert [f.level for f in findings] == sorted((f.level for f in findings), key=lambda level: level != "error")


def test_example_keys_ignore_case_spacing_annotations_and_edge_punctuation():
    assert example_key("Return  [#1001](order_id) ?") == example_key("return #1001")
    assert example_key("???") != example_key("?")  # punctuation-only examples stay themselves


def test_check_command_explains_problems_and_fails(tmp_path, monkeypatch, capsys):
    training = tmp_path / "nlu_data"
    write(training / "nlu.yml", NLU)
    write(tmp_path / "tests" / "nlu" / "heldout.yml", 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - bye\n')
    monkeypatch.setattr(nlu_tools, "TRAINING_DIR", training)
    monkeypatch.setattr(nlu_tools, "TEST_DIR", tmp_path / "tests" / "nlu")
    assert main(["nlu", "check", "--no-rasa"]) == 1
    out = capsys.readouterr().out
    assert "ERROR" in out and "different intents" in out and "only 2 different examples" in out
    assert "is in the test set" in out and "must be fixed" in out


def test_check_passes_on_clean_data(tmp_path, capsys):
    lines = "\n".join(f"    - example number {n}" for n in range(10))
    path = write(tmp_path / "nlu.yml", f'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n{lines}\n')
    assert nlu_tools.run_check([path], [], with_rasa=False) == 0
    assert "All good" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------
# Review: the tracker store

EVENTS_TABLE = """CREATE TABLE events (
    id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


def user_event(text, intent, confidence, ranking=()):
    return {"event": "user", "text": text, "parse_data": {
        "intent": {"name": intent, "confidence": confidence}, "entities": [],
        "intent_ranking": [{"name": intent, "confidence": confidence}] + [
            {"name": n, "confidence": c} for n, c in ranking]}}


@pytest.fixture
def tracker_db(tmp_path) -> Path:
    """Rasa's SQLTrackerStore `events` table with a few conversations."""
    path = tmp_path / "tracker.db"
    rows = [
        ("web:1", 100.0, "user", user_event("wher is my mony", "nlu_fallback", 0.4, [("where_is_my_refund", 0.31)])),
        ("web:1", 101.0, "bot", {"event": "bot", "text": "Sorry?"}),
        ("web:2", 200.0, "user", user_event("Wher is my  mony", "nlu_fallback", 0.4, [("where_is_my_refund", 0.28)])),
        ("web:2", 201.0, "user", user_event("wher is my mony", "nlu_fallback", 0.4, [("where_is_my_refund", 0.35)])),
        ("web:3", 300.0, "user", user_event("can u swap it", "request_exchange", 0.52)),
        ("web:3", 301.0, "user", user_event("I want to return my shoes", "request_return", 0.97)),
        ("web:3", 302.0, "user", user_event("/affirm", "affirm", 1.0)),
        ("web:4", 400.0, "user", user_event("hi", "greet", 0.3)),  # already a training example
        ("web:4", 401.0, "action", {"event": "action", "name": "action_listen"}),
    ]
    with sqlite3.connect(path) as conn:
        conn.execute(EVENTS_TABLE)
        conn.executemany("INSERT INTO events (sender_id, timestamp, type_name, intent_name, data) VALUES (?, ?, ?, ?, ?)",
                         [(s, t, k, (d.get("parse_data") or {}).get("intent", {}).get("name"), json.dumps(d))
                          for s, t, k, d in rows])
    return path


def test_review_lists_fallbacks_and_unsure_messages_most_frequent_first(tracker_db):
    messages = read_user_messages(f"sqlite:///{tracker_db}")
    assert len(messages) == 6  # user messages only, button payloads left out
    items = review_items(messages, threshold=0.6, known=["hi"])
    assert [(i.text, i.times, i.conversations, i.guess, i.fell_back) for i in items] == [
        ("wher is my mony", 3, 2, "where_is_my_refund", True),
        ("can u swap it", 1, 1, "request_exchange", False),
    ]
    assert items[0].confidence == pytest.approx(0.28) and items[0].last_seen.timestamp() == 201.0


def test_messages_differing_only_in_personal_data_are_one_item_until_labelled(data_copy):
    training, tests = data_copy
    messages = [parse_user_event(f"web:{n}", float(n), json.dumps(user_event(text, "nlu_fallback", 0.4)))
                for n, text in enumerate(["my mail is ann@x.org, any news on #2001", "my mail is bo@y.net, any news on #2002"])]
    [item] = review_items(messages)
    assert item.times == 2 and item.conversations == 2
    append_examples([training], [(item.text, "where_is_my_refund")], [tests])
    assert review_items(messages, known=[e.text for e in read_all([training])]) == []


def test_unreadable_events_are_skipped():
    assert parse_user_event("web:1", 1.0, "not json") is None
    assert parse_user_event("web:1", 1.0, json.dumps({"event": "user", "text": "hi"})) is None


def test_review_without_a_tracker_store_says_so(tmp_path, capsys):
    settings = test_settings(tmp_path)
    assert nlu_tools.run_review(settings, out=print) == 1
    assert "no conversations yet" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------
# Review: labelling and adding examples


@pytest.fixture
def data_copy(tmp_path) -> tuple:
    """A copy of the real nlu_data/ and tests/nlu/ to change."""
    training = tmp_path / "nlu_data"
    tests = tmp_path / "tests_nlu"
    shutil.copytree(ROOT / "nlu_data", training)
    shutil.copytree(ROOT / "tests" / "nlu", tests)
    return training, tests


def test_labelled_messages_go_to_their_intents_file_once_and_stay_valid_for_rasa(data_copy):
    from rasa.shared.nlu.training_data.loading import load_data

    training, tests = data_copy
    before = read_all([training])
    heldout = read_examples(tests / "heldout.yml")[0].text
    labelled = [
        ("wher is my mony, order 114-3941689-8772232", "where_is_my_refund"),
        ("WHER is my mony, order 114-3941689-8772232!", "where_is_my_refund"),  # same message again
        ("return", "request_return"),  # already an example of request_return
        ("return", "request_refund"),  # already an example of another intent
        (heldout, "request_return"),  # in the test set
        ("can u swap it mate, mail me at jo@shop.example", "request_exchange"),
    ]
    result = append_examples([training], labelled, [tests])
    assert [(t, i, p.name) for t, i, p in result.added] == [
        ("wher is my mony, order 114-0000000-0000000", "where_is_my_refund", "refunds.yml"),
        ("can u swap it mate, mail me at customer@example.com", "request_exchange", "returns.yml"),
    ]
    assert result.already_there == [("WHER is my mony, order 114-0000000-0000000!", "where_is_my_refund"),
                                    ("return", "request_return")]
    assert result.conflicting == [("return", "request_refund", "request_return")]
    assert result.in_test_set == [(heldout, "request_return")]
    after = read_all([training])
    assert len(after) == len(before) + 2
    assert yaml.safe_load((training / "returns.yml").read_text())  # still YAML
    rasa_view = load_data(str(training))
    assert ("can u swap it mate, mail me at customer@example.com", "request_exchange") in {
        (m.get("text"), m.get("intent")) for m in rasa_view.intent_examples}
    # a second import of the same labels adds nothing
    again = append_examples([training], labelled, [tests])
    assert again.added == [] and len(read_all([training])) == len(after)


def test_personal_data_is_replaced_by_demo_values():
    assert mask_personal_data("order #1234 for bob@mail.com zip 10001, [x](y)\nthanks") == \
        "order #1001 for customer@example.com zip 94107, (x)(y) thanks"
    assert mask_personal_data("ebay 27-12345-67890 and ups 1Z999AA10123456784") == \
        "ebay 12-00000-00000 and ups 1Z999AA10123456784"


def test_an_unknown_intent_adds_nothing(data_copy):
    training, tests = data_copy
    with pytest.raises(ValueError, match="no training examples of 'make_coffee'"):
        append_examples([training], [("coffee?", "make_coffee")], [tests])


def test_csv_round_trip_neutralises_spreadsheet_formulas(tracker_db, tmp_path):
    items = review_items(read_user_messages(f"sqlite:///{tracker_db}"))
    items[1] = items[1].__class__(**{**items[1].__dict__, "text": "=HYPERLINK(\"http://x\")"})
    path = tmp_path / "review.csv"
    export_csv(items, path)
    with open(path, newline="", encoding="utf-8-sig") as handle:  # as a spreadsheet would
        rows = list(csv.DictReader(handle))
    assert rows[1]["message"] == "'=HYPERLINK(\"http://x\")" and rows[0]["label"] == ""
    rows[0]["label"], rows[1]["label"] = "where_is_my_refund", "request_exchange"
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert import_csv(path, ["where_is_my_refund", "request_exchange"]) == [
        ("wher is my mony", "where_is_my_refund"), ("=HYPERLINK(\"http://x\")", "request_exchange")]


def test_a_csv_with_an_unknown_label_is_rejected_whole(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("message,label\nhello,greet\nwhat,grete\nskip me,\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match=r"row 3: 'grete' is not an intent.*Nothing was added"):
        import_csv(path, ["greet"])


def test_import_command_adds_labelled_rows(data_copy, monkeypatch, capsys, tmp_path):
    training, tests = data_copy
    monkeypatch.setattr(nlu_tools, "TRAINING_DIR", training)
    monkeypatch.setattr(nlu_tools, "TEST_DIR", tests)
    monkeypatch.setenv("RETURNBOT_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RETURNBOT_SECRET", "test-secret")
    labels = tmp_path / "labels.csv"
    labels.write_text("message,label\nyo whats up,greet\n", encoding="utf-8")
    assert main(["nlu", "review", "--import", str(labels)]) == 0
    assert "added to" in capsys.readouterr().out
    assert "- yo whats up" in (training / "smalltalk.yml").read_text()


def test_the_prompt_takes_numbers_skips_and_quits(tracker_db):
    items = review_items(read_user_messages(f"sqlite:///{tracker_db}"))
    answers = iter(["9", "x", "2", "q"])
    said = []
    labelled = label_interactively(items, ["greet", "where_is_my_refund"], ask=lambda _: next(answers), out=said.append)
    assert labelled == [("wher is my mony", "where_is_my_refund")]
    assert any("please type a number from 1 to 2" in s for s in said)


def test_review_labels_at_the_prompt_and_writes_them(tracker_db, data_copy, tmp_path, capsys):
    training, tests = data_copy
    settings = test_settings(tmp_path)
    intents = sorted({e.intent for e in read_all([training])})
    answers = iter([str(intents.index("where_is_my_refund") + 1), "s"])
    code = nlu_tools.run_review(settings, tracker=str(tracker_db), training_paths=[training], test_paths=[tests],
                                ask=lambda _: next(answers))
    assert code == 0
    assert "- wher is my mony" in (training / "refunds.yml").read_text()
    assert "1 example added" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------
# Command line and model reload


@pytest.mark.parametrize("words", [["nlu"], ["nlu", "eval"], ["nlu", "check"], ["nlu", "review"]],
                         ids=" ".join)
def test_nlu_subcommands_have_help(words, capsys):
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args([*words, "--help"])
    assert exit_.value.code == 0 and "usage: returnbot nlu" in capsys.readouterr().out


class FakeRasa(BaseHTTPRequestHandler):
    """Rasa's root, GET /status and PUT /model, with token auth."""

    token = "t"
    model_file = "old.tar.gz"
    loads = []

    def _reply(self, code: int, body=None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if parse_qs(urlparse(self.path).query).get("token") == [self.token]:
            return True
        self._reply(401, {"message": "User is not authenticated."})
        return False

    def do_GET(self):  # noqa: N802
        if urlparse(self.path).path == "/":
            data = b"Hello from Rasa: 3.6.21"
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif self._authorised():
            self._reply(200, {"model_file": FakeRasa.model_file})

    def do_PUT(self):  # noqa: N802
        if self._authorised():
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            FakeRasa.loads.append(body)
            FakeRasa.model_file = Path(body["model_file"]).name
            self._reply(204)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_rasa(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = test_settings(tmp_path, RETURNBOT_RASA_URL=f"http://127.0.0.1:{server.server_port}")
    FakeRasa.token, FakeRasa.model_file, FakeRasa.loads = rasa_api_token(settings), "old.tar.gz", []
    yield settings
    server.shutdown()
    server.server_close()


def test_train_hands_the_new_model_to_the_running_server(fake_rasa, tmp_path):
    model = tmp_path / "returnbot-new.tar.gz"
    result = reload_model(fake_rasa, model)
    assert result.status == "reloaded" and result.ok
    assert FakeRasa.loads == [{"model_file": str(model.resolve())}]
    assert reload_model(fake_rasa, model).status == "already_running" and len(FakeRasa.loads) == 1


def test_a_server_with_another_token_refuses_the_reload(fake_rasa, tmp_path):
    FakeRasa.token = "someone else's"
    result = reload_model(fake_rasa, tmp_path / "m.tar.gz")
    assert result.status == "refused" and not result.ok and FakeRasa.loads == []


def test_no_running_server_is_fine(tmp_path):
    settings = test_settings(tmp_path, RETURNBOT_RASA_URL="http://127.0.0.1:9")  # discard port: nothing listens
    assert reload_model(settings, tmp_path / "m.tar.gz").status == "no_server"


def test_the_api_token_is_derived_from_the_secret_not_the_secret_itself(tmp_path):
    settings = test_settings(tmp_path)
    token = rasa_api_token(settings)
    assert token == rasa_api_token(settings) and "test-secret" not in token and len(token) == 40
    assert token != rasa_api_token(settings.with_overrides(secret="another"))
