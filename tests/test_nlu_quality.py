"""The NLU quality gate: the trained bot reads every message of the held-out test set (never trained
on) and stays at or above the floors in nlu_quality.yml: intent macro-F1, out-of-scope recall, and
order number and email extraction. Scored as `returnbot nlu eval` scores (cli.nlu_scoring)."""
from __future__ import annotations

import pytest
import yaml

from bot.settings import ROOT
from cli.model import ensure_model
from cli.nlu_eval import ModelParser, load_test_set
from cli.nlu_scoring import match_entities, summarise

pytestmark = pytest.mark.stack  # needs the trained model

GATE = yaml.safe_load((ROOT / "nlu_quality.yml").read_text())
FLOORS = GATE["floors"]
HINT = "See what changed with `returnbot nlu eval` (reports/nlu/misclassified.md); fix nlu_data/, not the floor."


@pytest.fixture(scope="module")
def predictions():
    parser = ModelParser(ensure_model())
    try:
        yield parser.predict(load_test_set(ROOT / GATE["test_set"]))
    finally:
        parser.close()


@pytest.fixture(scope="module")
def figures(predictions):
    return summarise(predictions)


def test_intents_are_told_apart_at_least_as_well_as_the_floor(figures, predictions):
    weakest = sorted(figures["per_intent_f1"].items(), key=lambda kv: kv[1])[:5]
    wrong = [f"  expected {p.expected_intent}, got {p.intent}: {p.text}" for p in predictions if not p.correct]
    assert figures["macro_f1"] >= FLOORS["intent_macro_f1"], (
        f"intent macro-F1 {figures['macro_f1']:.3f} is below the floor {FLOORS['intent_macro_f1']} "
        f"(nlu_quality.yml). Weakest intents: {', '.join(f'{i} {f:.2f}' for i, f in weakest)}.\n{HINT}\n"
        + "\n".join(wrong[:40]))


def test_off_topic_messages_stay_off_topic(figures, predictions):
    missed = [f"  got {p.intent}: {p.text}" for p in predictions
              if p.expected_intent == "out_of_scope" and not p.correct]
    assert figures["oos_recall"] >= FLOORS["out_of_scope_recall"], (
        f"out-of-scope recall {figures['oos_recall']:.3f} is below the floor {FLOORS['out_of_scope_recall']}.\n"
        f"{HINT}\n" + "\n".join(missed))


@pytest.mark.parametrize("entity", sorted(FLOORS["entity_f1"]))
def test_order_numbers_and_emails_are_found_with_their_values(entity, figures, predictions):
    scores = figures["entity"].get(entity)
    assert scores and scores["support"] > 0, f"the test set has no {entity} to find"
    errors = []
    for p in predictions:
        _, missed, extra = match_entities(p.expected_entities, p.entities)
        errors += [f"  missed {e.value!r}: {p.text}" for e in missed if e.kind == entity]
        errors += [f"  not expected {e.value!r}: {p.text}" for e in extra if e.kind == entity]
    assert scores["f1"] >= FLOORS["entity_f1"][entity], (
        f"{entity} F1 {scores['f1']:.3f} is below the floor {FLOORS['entity_f1'][entity]}\n" + "\n".join(errors))
