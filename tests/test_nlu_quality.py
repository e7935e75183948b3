"""The NLU quality gate: the trained bot reads every message of each gated test set (never trained
on; nlu_quality.yml lists them: tests/nlu/heldout.yml and tests/nlu/voices.yml) and stays at or above
that set's floors: intent macro-F1, out-of-scope recall, and order number and email extraction.
Scored as `returnbot nlu eval` scores (cli.nlu_scoring).

Each run also writes what it measured, per-intent recall on every gated set included, to
reports/nlu/latest.json (under "gate"; the benchmark's figures there stay) and reports/nlu/gate.txt."""
from __future__ import annotations

import pytest

from cli.model import ensure_language_model, ensure_model
from cli.nlu_eval import (
    QUALITY_GATE, ModelParser, check_floors, format_recall_table, gate_report, load_gate, load_test_set,
    write_gate_report,
)
from cli.nlu_scoring import match_entities, summarise

pytestmark = pytest.mark.stack  # needs the trained model

GATED = load_gate(QUALITY_GATE)
NAMES = [gs.name for gs in GATED]
BY_NAME = {gs.name: gs for gs in GATED}
HINT = "See what changed with `returnbot nlu eval` (reports/nlu/misclassified.md); fix nlu_data/, not the floor."


@pytest.fixture(scope="module")
def gate():
    """{set name: (predictions, figures)} for every gated set, read by one loaded model; the report is
    written once all are read."""
    model = ensure_model()
    predictions = {}
    for language in dict.fromkeys(gs.language for gs in GATED):  # one model per language (cli.model)
        parser = ModelParser(model if language == "en" else ensure_language_model(language))
        try:
            predictions.update({gs.name: parser.predict(load_test_set(gs.path)) for gs in GATED
                                if gs.language == language})
        finally:
            parser.close()
    figures = {name: summarise(p) for name, p in predictions.items()}
    write_gate_report(gate_report(figures, GATED, model=model.name), figures)
    print("\n" + format_recall_table(figures))
    return {name: (predictions[name], figures[name]) for name in predictions}


def _floor(name: str, key: str):
    floor = BY_NAME[name].floors.get(key)
    if floor is None:
        pytest.skip(f"nlu_quality.yml sets no {key} floor for {name}")
    return floor


def _recall_lines(figures) -> str:
    return "\n".join(f"  {intent:<22} recall {recall:.2f}" for intent, recall in
                     sorted(figures["per_intent_recall"].items(), key=lambda kv: kv[1]))


def test_every_gated_set_has_floors():
    assert GATED, "nlu_quality.yml lists no test set"
    for gs in GATED:
        assert gs.path.exists(), f"{gs.name}: {gs.path} does not exist"
        assert check_floors({}, gs.floors), f"{gs.name}: no floors in nlu_quality.yml"


@pytest.mark.parametrize("name", NAMES)
def test_intents_are_told_apart_at_least_as_well_as_the_floor(name, gate):
    predictions, figures = gate[name]
    floor = _floor(name, "intent_macro_f1")
    weakest = sorted(figures["per_intent_f1"].items(), key=lambda kv: kv[1])[:5]
    wrong = [f"  expected {p.expected_intent}, got {p.intent}: {p.text}" for p in predictions if not p.correct]
    assert figures["macro_f1"] >= floor, (
        f"{name}: intent macro-F1 {figures['macro_f1']:.3f} is below the floor {floor} "
        f"(nlu_quality.yml). Weakest intents: {', '.join(f'{i} {f:.2f}' for i, f in weakest)}.\n{HINT}\n"
        f"Per-intent recall:\n{_recall_lines(figures)}\n" + "\n".join(wrong[:40]))


@pytest.mark.parametrize("name", NAMES)
def test_off_topic_messages_stay_off_topic(name, gate):
    predictions, figures = gate[name]
    floor = _floor(name, "out_of_scope_recall")
    missed = [f"  got {p.intent}: {p.text}" for p in predictions
              if p.expected_intent == "out_of_scope" and not p.correct]
    assert figures["oos_recall"] is not None, f"{name} has no out_of_scope messages"
    assert figures["oos_recall"] >= floor, (
        f"{name}: out-of-scope recall {figures['oos_recall']:.3f} is below the floor {floor}.\n"
        f"{HINT}\n" + "\n".join(missed))


@pytest.mark.parametrize("name, entity", [(gs.name, kind) for gs in GATED
                                          for kind in sorted(gs.floors.get("entity_f1") or {})])
def test_order_numbers_and_emails_are_found_with_their_values(name, entity, gate):
    predictions, figures = gate[name]
    floor = BY_NAME[name].floors["entity_f1"][entity]
    scores = figures["entity"].get(entity)
    assert scores and scores["support"] > 0, f"{name}: the test set has no {entity} to find"
    errors = []
    for p in predictions:
        _, missed, extra = match_entities(p.expected_entities, p.entities)
        errors += [f"  missed {e.value!r}: {p.text}" for e in missed if e.kind == entity]
        errors += [f"  not expected {e.value!r}: {p.text}" for e in extra if e.kind == entity]
    assert scores["f1"] >= floor, (
        f"{name}: {entity} F1 {scores['f1']:.3f} is below the floor {floor}\n" + "\n".join(errors))
