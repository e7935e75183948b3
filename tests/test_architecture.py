"""The layout rules a newcomer relies on: a pure core, and names that match domain.yml."""
import ast
from pathlib import Path

import pytest
import yaml

from actions import names

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = {"rasa", "rasa_sdk", "telegram", "slack_bolt", "slack_sdk", "aiohttp", "httpx", "sanic"}


@pytest.mark.parametrize("path", sorted((ROOT / "bot").rglob("*.py")), ids=lambda p: p.name)
def test_core_imports_no_framework(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not imported & FRAMEWORKS, f"{path.name} imports {imported & FRAMEWORKS}"


def _domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


def test_action_and_slot_names_exist_in_the_domain():
    domain = _domain()
    assert set(names.ACTIONS) == set(domain["actions"])
    assert set(names.SLOTS) == set(domain["slots"])
    assert "forms" not in domain  # the dialogue manager asks, not Rasa forms (docs/conversation.md)


def test_every_intent_reaches_the_dialogue_manager():
    rule = yaml.safe_load((ROOT / "rules" / "converse.yml").read_text())["rules"][0]["steps"]
    routed = {step["intent"] for step in rule[0]["or"]}
    assert routed == set(_domain()["intents"]) | {"nlu_fallback"}
    assert rule[1] == {"action": names.CONVERSE}


def _constants(folder: Path):
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield node.value
            elif isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
                yield node.values[0].value + "{"


def test_every_response_the_dialogue_names_exists_in_the_domain():
    """Keys written whole must exist; keys built from a prefix (f"utter_queued_{goal}") must have a
    response for every value the code can put there."""
    from bot.conversation.state import GOALS
    from bot.policy import CancelDecision

    responses = set(_domain()["responses"])
    used = {v for folder in ("actions", "bot/conversation") for v in _constants(ROOT / folder)
            if v.startswith("utter_")}
    whole = {v for v in used if not v.endswith(("{", "_"))}
    assert whole and whole <= responses, whole - responses
    built = {
        "utter_queued_{": {f"utter_queued_{g}" for g in GOALS},
        "utter_cancel_{": {f"utter_cancel_{d.value}" for d in CancelDecision if d is not CancelDecision.CANCEL}
        | {"utter_cancel_done"},
        "utter_not_eligible_{": {f"utter_not_eligible_{r}" for r in (
            "window_closed", "non_returnable_category", "nothing_left_to_return", "not_delivered", "cancelled",
            "other")},
    }
    for prefix in {v for v in used if v.endswith("{")}:
        assert prefix in built, f"a response key built at run time from {prefix!r}: list its values here"
        assert built[prefix] <= responses, built[prefix] - responses
