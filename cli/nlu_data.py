"""The NLU training and test files as trainers see them: each example with its file and line, the
checks `returnbot nlu check` runs on them, and adding labelled examples to the right file.

No Rasa import: files are read with ruamel.yaml (which keeps line numbers), in Rasa's YAML format:

    nlu:
    - intent: request_return
      examples: |
        - I want to return something
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.text import ORDER_ID, EMAIL, POSTCODE, TRACKING_NUMBER, find_entities, normalise

MIN_EXAMPLES = 10
# Rasa's inline entity annotation: [text](type), [text](type:value), [text]{"entity": ...}, [text][{...}]
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+?)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])")
_EDGE_PUNCTUATION = " .,;:!?\"'()[]"


class NluFileError(ValueError):
    """A training or test file that is not valid YAML or not in Rasa's format; names the file and line."""


@dataclass(frozen=True)
class Example:
    intent: str
    text: str  # as written, with any entity annotation
    file: Path
    line: int  # 1-based, as an editor shows it

    @property
    def plain(self) -> str:
        return strip_annotations(self.text)

    def where(self, root: Optional[Path] = None) -> str:
        name = self.file
        if root is not None:
            try:
                name = self.file.relative_to(root)
            except ValueError:
                pass
        return f"{name} line {self.line}"


def strip_annotations(text: str) -> str:
    """`return [#1001](order_id)` -> `return #1001`."""
    return _ANNOTATION.sub(lambda m: m.group("text"), text)


def exact_key(text: str) -> str:
    """Two examples are duplicates when only annotations, case, spacing or Unicode look-alikes
    differ ("Hi  there" and "hi there"); the bot's features cannot tell them apart."""
    return " ".join(normalise(strip_annotations(text)).casefold().split())


def example_key(text: str) -> str:
    """Two examples say the same thing when they are duplicates or differ only in punctuation at
    either end ("Return?" and "return"). Used for conflicts between intents and for test messages
    that leak into training. A text of punctuation only ("???") is its own key."""
    exact = exact_key(text)
    return exact.strip(_EDGE_PUNCTUATION).strip() or exact


def _yaml() -> YAML:
    yaml = YAML()  # round-trip: keeps line numbers
    yaml.allow_duplicate_keys = False
    return yaml


def read_examples(path: Path) -> List[Example]:
    """Every intent example in one Rasa NLU YAML file, in file order. Regexes, lookups and synonyms
    are not examples and are skipped."""
    try:
        doc = _yaml().load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise NluFileError(f"{path}{where}: this is not valid YAML ({getattr(exc, 'problem', None) or exc}). "
                           "Check the indentation and that every example starts with '- '.") from None
    if doc is None:
        return []
    items = doc.get("nlu") if hasattr(doc, "get") else None
    if items is None:
        return []
    examples: List[Example] = []
    for item in items:
        if not hasattr(item, "get") or "intent" not in item:
            continue
        intent = str(item["intent"])
        block = item.get("examples")
        if not isinstance(block, str):
            raise NluFileError(f"{path} line {item.lc.line + 1}: intent {intent!r} has no 'examples: |' list")
        first_line = item.lc.value("examples")[0] + 2  # the block starts on the line after "examples: |"
        for offset, raw in enumerate(block.split("\n")):
            line = raw.strip()
            if not line:
                continue
            if not line.startswith("- "):
                raise NluFileError(f"{path} line {first_line + offset}: every example must start with '- ' "
                                   f"(found {line[:40]!r})")
            examples.append(Example(intent, line[2:].strip(), path, first_line + offset))
    return examples


def read_all(paths: Iterable[Path]) -> List[Example]:
    """Examples from files and folders (every .yml/.yaml inside a folder, sorted)."""
    examples: List[Example] = []
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml")) if path.is_dir() else [path]
        for file in files:
            examples += read_examples(file)
    return examples


# ---------------------------------------------------------------------------------------------------
# Checks


@dataclass(frozen=True)
class Finding:
    level: str  # "error": must be fixed before training; "warning": worth fixing
    message: str


def _quote(text: str, limit: int = 80) -> str:
    plain = strip_annotations(text)
    return f'"{plain if len(plain) <= limit else plain[:limit - 1] + "…"}"'


def find_duplicates(examples: Sequence[Example], root: Optional[Path] = None) -> List[Finding]:
    """The same example listed more than once under the same intent (it only adds weight)."""
    seen: Dict[Tuple[str, str], List[Example]] = defaultdict(list)
    for ex in examples:
        seen[(ex.intent, exact_key(ex.text))].append(ex)
    return [Finding("warning", f"{_quote(group[0].text)} is listed {len(group)} times under '{intent}' "
                               f"({', '.join(e.where(root) for e in group)}). Keep one and delete the others.")
            for (intent, _), group in seen.items() if len(group) > 1]


def find_conflicts(examples: Sequence[Example], root: Optional[Path] = None) -> List[Finding]:
    """The same example under two or more intents: the bot cannot learn which one is meant."""
    by_key: Dict[str, List[Example]] = defaultdict(list)
    for ex in examples:
        by_key[example_key(ex.text)].append(ex)
    findings = []
    for group in by_key.values():
        intents = sorted({e.intent for e in group})
        if len(intents) > 1:
            places = "; ".join(f"'{e.intent}' at {e.where(root)}" for e in group)
            findings.append(Finding("error", f"{_quote(group[0].text)} is an example of {len(intents)} different "
                                             f"intents ({places}). Decide what it means and keep it only there."))
    return findings


def find_small_intents(examples: Sequence[Example], minimum: int = MIN_EXAMPLES) -> List[Finding]:
    """Intents with fewer than `minimum` different examples."""
    keys: Dict[str, set] = defaultdict(set)
    for ex in examples:
        keys[ex.intent].add(example_key(ex.text))
    return [Finding("error", f"'{intent}' has only {len(k)} different example{'s' if len(k) != 1 else ''}; "
                             f"give it at least {minimum} (different wordings real customers use).")
            for intent, k in sorted(keys.items()) if len(k) < minimum]


def find_leaks(training: Sequence[Example], tests: Sequence[Example], root: Optional[Path] = None) -> List[Finding]:
    """Test-set examples that also appear in the training data: the test would then measure memory,
    not understanding."""
    trained: Dict[str, Example] = {}
    for ex in training:
        trained.setdefault(example_key(ex.text), ex)
    findings = []
    for ex in tests:
        twin = trained.get(example_key(ex.text))
        if twin is not None:
            findings.append(Finding("error", f"{_quote(ex.text)} is in the test set ({ex.where(root)}) and also in "
                                             f"the training data ({twin.where(root)}). Delete it from the training "
                                             "data (or write a different test message): the test must stay unseen."))
    return findings


def find_unknown_test_intents(training: Sequence[Example], tests: Sequence[Example],
                              root: Optional[Path] = None) -> List[Finding]:
    trained = {ex.intent for ex in training}
    missing: Dict[str, Example] = {}
    for ex in tests:
        if ex.intent not in trained:
            missing.setdefault(ex.intent, ex)
    return [Finding("error", f"the test set uses the intent '{intent}' ({ex.where(root)}) but the training data "
                             "has no examples of it. Check the spelling.") for intent, ex in sorted(missing.items())]


def check_examples(training: Sequence[Example], tests: Sequence[Example] = (), minimum: int = MIN_EXAMPLES,
                   root: Optional[Path] = None) -> List[Finding]:
    """All of our own checks (Rasa's validation runs separately), errors first."""
    findings = (find_conflicts(training, root) + find_small_intents(training, minimum)
                + find_leaks(training, tests, root) + find_unknown_test_intents(training, tests, root)
                + find_duplicates(training, root))
    return sorted(findings, key=lambda f: f.level != "error")


# ---------------------------------------------------------------------------------------------------
# Adding labelled examples

# Personal data is replaced by demo values of the same shape before a customer's message becomes a
# training example (training files are shared and kept in version control).
_STAND_INS = {
    EMAIL: "customer@example.com",
    POSTCODE: "94107",
    TRACKING_NUMBER: "1Z999AA10123456784",
}
_ORDER_STAND_INS = (
    (re.compile(r"^[0-9]{3}-"), "114-0000000-0000000"),
    (re.compile(r"^[0-9]{2}-"), "12-00000-00000"),
)


def _order_stand_in(value: str, written: str) -> str:
    for pattern, stand_in in _ORDER_STAND_INS:
        if pattern.match(value):
            return stand_in
    return "#1001" if written.lstrip().startswith(("#", "\uff03")) else "1001"


def mask_personal_data(text: str) -> str:
    """One line of plain text for a training file: order numbers, emails, postcodes and tracking
    numbers become demo values of the same kind; newlines and brackets (Rasa's entity markup) go."""
    spans = []
    for e in find_entities(text):
        if e.kind == ORDER_ID:
            spans.append((e.start, e.end, _order_stand_in(e.value, text[e.start:e.end])))
        elif e.kind in _STAND_INS:
            spans.append((e.start, e.end, _STAND_INS[e.kind]))
    for start, end, stand_in in sorted(spans, reverse=True):
        text = text[:start] + stand_in + text[end:]
    text = text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")")
    return " ".join(text.split())


@dataclass
class AppendResult:
    added: List[Tuple[str, str, Path]] = field(default_factory=list)  # (text, intent, file)
    already_there: List[Tuple[str, str]] = field(default_factory=list)  # same intent already has it
    conflicting: List[Tuple[str, str, str]] = field(default_factory=list)  # (text, wanted, existing intent)
    in_test_set: List[Tuple[str, str]] = field(default_factory=list)


def intent_files(examples: Sequence[Example]) -> Dict[str, Path]:
    """Where each intent lives: the file holding most of its examples (first one on a tie)."""
    counts: Dict[str, Dict[Path, int]] = defaultdict(lambda: defaultdict(int))
    for ex in examples:
        counts[ex.intent][ex.file] += 1
    return {intent: max(files.items(), key=lambda kv: kv[1])[0] for intent, files in counts.items()}


def append_examples(training_paths: Sequence[Path], labelled: Sequence[Tuple[str, str]],
                    test_paths: Sequence[Path] = ()) -> AppendResult:
    """Adds each (text, intent) under its intent in the training file where that intent already lives.

    Texts are masked (`mask_personal_data`) first. Skipped, and reported: a text the intent already
    has, one another intent has (a trainer must decide), one in a test set, an intent the training data
    does not know (ValueError, nothing written). Each changed file is re-read to prove it is still
    valid and holds the new examples; on any doubt it is restored and NluFileError raised."""
    existing = read_all(training_paths)
    tests = read_all(test_paths) if test_paths else []
    homes = intent_files(existing)
    unknown = sorted({intent for _, intent in labelled if intent not in homes})
    if unknown:
        raise ValueError(f"no training examples of {', '.join(map(repr, unknown))} yet; "
                         f"known intents: {', '.join(sorted(homes))}")
    known = {example_key(ex.text): ex.intent for ex in existing}
    test_keys = {example_key(ex.text) for ex in tests}
    result = AppendResult()
    pending: Dict[Path, Dict[str, List[str]]] = defaultdict(lambda: defaultdict(list))
    for raw, intent in labelled:
        text = mask_personal_data(raw)
        key = example_key(text)
        if not key:
            continue
        if key in test_keys:
            result.in_test_set.append((text, intent))
        elif known.get(key) == intent:
            result.already_there.append((text, intent))
        elif key in known:
            result.conflicting.append((text, intent, known[key]))
        else:
            known[key] = intent
            pending[homes[intent]][intent].append(text)
            result.added.append((text, intent, homes[intent]))
    originals = {path: path.read_text(encoding="utf-8") for path in pending}
    try:
        for path, by_intent in pending.items():
            _insert_into_file(path, by_intent)
    except BaseException:
        for path, text in originals.items():  # all files or none
            path.write_text(text, encoding="utf-8")
        raise
    return result


def _insert_into_file(path: Path, by_intent: Dict[str, List[str]]) -> None:
    original = path.read_text(encoding="utf-8")
    lines = original.split("\n")
    last_line: Dict[str, Example] = {}
    for ex in read_examples(path):
        last_line[ex.intent] = ex  # examples come in file order: the last one wins
    # insert bottom-up so earlier line numbers stay valid
    for intent in sorted(by_intent, key=lambda i: last_line[i].line, reverse=True):
        anchor = last_line[intent]
        row = lines[anchor.line - 1]
        indent = row[: len(row) - len(row.lstrip())]
        lines[anchor.line:anchor.line] = [f"{indent}- {text}" for text in by_intent[intent]]
    updated = "\n".join(lines)
    path.write_text(updated, encoding="utf-8")
    try:
        after = read_examples(path)
    except NluFileError:
        path.write_text(original, encoding="utf-8")
        raise
    have = {(ex.intent, ex.text) for ex in after}
    lost = [(i, t) for i, texts in by_intent.items() for t in texts if (i, t) not in have]
    if lost:
        path.write_text(original, encoding="utf-8")
        raise NluFileError(f"{path}: adding {len(lost)} example(s) would not have kept the file's meaning "
                           f"(first: {lost[0][1]!r} under {lost[0][0]!r}); nothing was changed in it")
