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


def test_action_form_and_slot_names_exist_in_the_domain():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert set(names.ACTIONS) <= set(domain["actions"])
    assert set(names.FORMS) == set(domain["forms"])
    assert set(names.SLOTS) <= set(domain["slots"])


def test_every_response_an_action_names_exists_in_the_domain():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    used = set()
    for path in (ROOT / "actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("utter_"):
                used.add(node.value)
    assert used and used <= set(domain["responses"]) | {"utter_not_eligible_", "utter_cancel_"}
