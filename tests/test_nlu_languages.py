"""Each language's training data and held-out set (languages/<lang>/nlu_data/, tests/nlu/heldout_<lang>.yml):
every intent covered, at least 100 test messages, nothing shared between the two, and the trainer's
tools find them (docs/languages.md)."""
from __future__ import annotations

from collections import Counter

import pytest
import yaml

from cli.nlu_data import check_examples, example_key, read_all
from cli.nlu_eval import QUALITY_GATE, ROOT, load_gate
from cli.nlu_tools import language_paths, languages, message_language

OTHERS = ["de", "es", "fr", "it", "zh"]
INTENTS = set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])


def test_every_language_is_found_and_english_comes_first():
    assert languages() == ["en", *OTHERS]


@pytest.mark.parametrize("language", OTHERS)
def test_a_language_has_every_intent_and_a_held_out_set_of_at_least_100(language):
    training_paths, test_paths = language_paths(language)
    training, tests = read_all(training_paths), read_all(test_paths)
    counts = Counter(ex.intent for ex in training)
    assert set(counts) == INTENTS and min(counts.values()) >= 10, counts
    assert len(tests) >= 100 and {ex.intent for ex in tests} >= INTENTS - {"no_order_number"}
    assert not {example_key(ex.text) for ex in tests} & {example_key(ex.text) for ex in training}
    assert [f for f in check_examples(training, tests, root=ROOT) if f.level == "error"] == []


@pytest.mark.parametrize("language", OTHERS)
def test_the_gate_reads_each_language_with_its_own_model(language):
    (gs,) = [gs for gs in load_gate(QUALITY_GATE) if gs.language == language]
    assert gs.path == language_paths(language)[1][0]


def test_an_unknown_language_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="known: en, de"):
        language_paths("pt")


@pytest.mark.parametrize("text, expected", [
    ("wo ist mein Paket", "de"), ("où est mon colis", "fr"), ("我的包裹在哪", "zh"), ("#1157", "en"),
])
def test_review_sorts_each_message_by_its_language(text, expected):
    assert message_language(text) == expected
