"""The training data and dialogue as Rasa sees them: `rasa data validate` is clean. (How the
conversations go is tested by tests/test_conversation_manager.py and the corpus, tests/conversations.)"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot.settings import ROOT
from cli.model import TRAINING_DATA

RASA = str(Path(sys.executable).with_name("rasa"))
UNUSED_RESPONSE = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")


def _responses_used_by_the_dialogue() -> set:
    """Responses no rule names, but the code says: every name of bot/responses.py (tests/test_catalogue.py
    checks that each is a sentence of the catalogue and is used)."""
    from bot import responses

    return {value for name, value in vars(responses).items() if name.isupper() and isinstance(value, str)}


def test_training_data_and_domain_validate_cleanly():
    result = subprocess.run([RASA, "data", "validate", "--domain", "domain.yml", "--data", *TRAINING_DATA,
                             "--config", "config.yml"], cwd=ROOT, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    problems = [line for line in output.splitlines()
                if "UserWarning" in line and not (UNUSED_RESPONSE.search(line)
                                                  and UNUSED_RESPONSE.search(line).group(1) in _responses_used_by_the_dialogue())]
    assert problems == []
