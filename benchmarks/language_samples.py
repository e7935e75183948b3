"""First messages with their known language, from data written apart from any training and from the
detector's word lists: the NLU held-out sets (tests/nlu/heldout.yml for English,
tests/nlu/heldout_<lang>.yml) and the first line of each test conversation (tests/conversations/lang_<lang>.yml;
English: the other conversation files). Used by benchmarks/language_detection.py and
tests/test_language_detection.py; never to fit anything."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

import yaml

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "de", "fr", "es", "it", "zh")
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


def plain(example: str) -> str:
    """An NLU example without its entity annotations: "[#1157](order_id)" -> "#1157"."""
    return _ANNOTATION.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), example)


def heldout_examples(lang: str, root: Path = ROOT) -> List[str]:
    path = root / "tests" / "nlu" / ("heldout.yml" if lang == "en" else f"heldout_{lang}.yml")
    out = []
    for block in yaml.safe_load(path.read_text())["nlu"]:
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                out.append(plain(line[2:].strip()))
    return out


def conversation_openers(lang: str, root: Path = ROOT) -> List[str]:
    folder = root / "tests" / "conversations"
    paths = ([folder / f"lang_{lang}.yml"] if lang != "en" else
             sorted(p for p in folder.glob("*.yml") if not p.name.startswith("lang_")))
    out = []
    for path in paths:
        for conversation in yaml.safe_load(path.read_text()) or []:
            if not isinstance(conversation, dict) or conversation.get("language", "en") != lang:
                continue
            lines = conversation.get("lines") or []
            if lines and isinstance(lines[0], str):
                out.append(lines[0])
    return out


def first_messages(root: Path = ROOT) -> Dict[str, List[str]]:
    """Each language's first messages: held-out NLU examples, then conversation openers."""
    return {lang: heldout_examples(lang, root) + conversation_openers(lang, root) for lang in LANGUAGES}
