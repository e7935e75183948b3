"""The training data and dialogue as Rasa sees them: `rasa data validate` is clean, and the
end-to-end test conversations in tests/stories pass `rasa test` on the trained model."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ROOT
from cli.model import TRAINING_DATA, ensure_model

RASA = str(Path(sys.executable).with_name("rasa"))
UNUSED_RESPONSE = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")


def _responses_used_by_actions_or_forms() -> set:
    """Responses no rule names, but an action does, or a form asks with (utter_ask_<slot>)."""
    text = "\n".join(p.read_text() for p in (ROOT / "actions").glob("*.py"))
    named = set(re.findall(r'"(utter_\w+)"', text))
    prefixes = re.findall(r'f"(utter_\w+_)\{', text)
    domain = (ROOT / "domain.yml").read_text()
    named |= {r for prefix in prefixes for r in re.findall(rf"^  ({prefix}\w+):", domain, re.M)}
    return named | set(re.findall(r"^  (utter_ask_\w+):", domain, re.M))


def test_training_data_and_domain_validate_cleanly():
    result = subprocess.run([RASA, "data", "validate", "--domain", "domain.yml", "--data", *TRAINING_DATA,
                             "--config", "config.yml"], cwd=ROOT, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    problems = [line for line in output.splitlines()
                if "UserWarning" in line and not (UNUSED_RESPONSE.search(line)
                                                  and UNUSED_RESPONSE.search(line).group(1) in _responses_used_by_actions_or_forms())]
    assert problems == []


@pytest.mark.stack
def test_end_to_end_test_conversations_pass(tmp_path):
    model = ensure_model()
    result = subprocess.run([RASA, "test", "core", "--model", str(model), "--stories", "tests/stories",
                             "--out", str(tmp_path), "--fail-on-prediction-errors"],
                            cwd=ROOT, capture_output=True, text=True)
    failed = (tmp_path / "failed_test_stories.yml")
    assert result.returncode == 0, (failed.read_text() if failed.exists() else "") + result.stderr[-3000:]
    assert "None of the test stories failed" in failed.read_text()
