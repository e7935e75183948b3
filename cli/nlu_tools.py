"""`returnbot nlu check` and `returnbot nlu review`: the trainer's tools.

check:  Rasa's own validation (`rasa data validate`) plus our checks on nlu_data/ and the test sets
        (cli.nlu_data), explained in plain words; exit status 1 when something must be fixed.
review: customer messages from Rasa's tracker store that the bot did not understand (it fell back)
        or was unsure about (confidence under a threshold), most frequent first; label them at a
        prompt, or export them to CSV and import the labelled CSV back. Labelled messages go into the
        nlu_data/ file where their intent lives (cli.nlu_data.append_examples).
"""
from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from bot.settings import ROOT, Settings
from cli.nlu_data import (
    MIN_EXAMPLES, AppendResult, Finding, NluFileError, append_examples, check_examples, example_key,
    mask_personal_data, read_all,
)
from cli.nlu_scoring import FALLBACK

TRAINING_DIR = ROOT / "nlu_data"
TEST_DIR = ROOT / "tests" / "nlu"
LANGUAGES_DIR = ROOT / "languages"  # languages/<lang>/nlu_data/: one NLU model per language (docs/languages.md)


def languages() -> List[str]:
    """English, then every language with training data under languages/."""
    return ["en"] + sorted(p.parent.name for p in LANGUAGES_DIR.glob("*/nlu_data") if p.is_dir())


def language_paths(language: str) -> Tuple[List[Path], List[Path]]:
    """(training paths, test paths) of a language: English is nlu_data/ and tests/nlu/ (all its sets, and
    the other languages' held-out sets, which must not leak into it either); another language is
    languages/<lang>/nlu_data/ and tests/nlu/heldout_<lang>.yml."""
    if language == "en":
        return [TRAINING_DIR], [TEST_DIR]
    data = LANGUAGES_DIR / language / "nlu_data"
    if not data.is_dir():
        raise ValueError(f"no training data for {language!r} ({data.relative_to(ROOT)}); known: {', '.join(languages())}")
    return [data], sorted(TEST_DIR.glob(f"heldout_{language}.yml"))


def message_language(text: str) -> str:
    """The language a single customer message is in, without its conversation (bot.language)."""
    from bot.language import choose_language

    return choose_language(text, None).language
RASA = str(Path(sys.executable).with_name("rasa"))
DEFAULT_THRESHOLD = 0.6

# ---------------------------------------------------------------------------------------------------
# check

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RASA_WARNING = re.compile(r"UserWarning: (?P<text>.*)")
_DIALOGUE_NOTE = re.compile(r"The utterance '\w+' is not used in any story or rule")


def rasa_validate(training_paths: Sequence[Path]) -> Tuple[bool, List[str], List[str]]:
    """Runs `rasa data validate`; (passed, warnings for trainers, notes about the dialogue).

    "Response not used in any story or rule" is a note for developers (actions send those), not a
    training-data problem, so it is kept apart."""
    result = subprocess.run([RASA, "data", "validate", "--domain", "domain.yml", "--config", "config.yml",
                             "--data", *map(str, training_paths)],
                            cwd=ROOT, capture_output=True, text=True)
    output = _ANSI.sub("", result.stdout + "\n" + result.stderr)
    warnings, notes = [], []
    for line in output.splitlines():
        m = _RASA_WARNING.search(line)
        if m:
            (notes if _DIALOGUE_NOTE.search(m.group("text")) else warnings).append(m.group("text").strip())
        elif " ERROR " in line or line.startswith("ERROR") or "InvalidDomain" in line or "YamlSyntaxException" in line:
            warnings.append(line.strip())
    if result.returncode != 0 and not warnings:
        warnings = [line for line in output.splitlines() if line.strip()][-5:]
    return result.returncode == 0, warnings, notes


# Rasa's findings that matter to a trainer, in plain words: (pattern, level, message template)
_RASA_PLAIN = [
    (re.compile(r"labeled with intent '(?P<intent>[^']+)'\. This intent is not listed in your domain"), "error",
     "'{intent}' is not an intent the bot knows (it is not in domain.yml). If it is a typo, correct the intent "
     "name; if it is a new intent, a developer must add it to domain.yml and a rule saying what the bot does."),
    (re.compile(r"The intent '(?P<intent>[^']+)' is listed in the domain file, but is not found in the NLU"), "error",
     "the bot should understand '{intent}' (domain.yml lists it) but nlu_data/ has no examples of it."),
    (re.compile(r"found labeled with multiple different intents"), None, ""),  # our own check says it better
]


def _plain(warning: str) -> Optional[Finding]:
    for pattern, level, template in _RASA_PLAIN:
        m = pattern.search(warning)
        if m:
            return Finding(level, template.format(**m.groupdict())) if level else None
    return Finding("warning", f"Rasa says: {warning}")


def run_check(training_paths: Sequence[Path], test_paths: Sequence[Path], with_rasa: bool = True,
              minimum: int = MIN_EXAMPLES, out: Callable[[str], None] = print, verbose: bool = False) -> int:
    """Prints what is wrong in words a trainer can act on; 0 when nothing must be fixed, 1 otherwise."""
    errors = 0
    def _names(paths):
        return ", ".join(str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in paths)

    out(f"Checking the training data ({_names(training_paths)}) and the test sets ({_names(test_paths)})...")
    try:
        training = read_all(training_paths)
        tests = read_all(test_paths)
    except NluFileError as exc:
        out(f"\nERROR  {exc}")
        out("\nFix this first: the other checks need every file to be readable.")
        return 1
    findings: List[Finding] = check_examples(training, tests, minimum=minimum, root=ROOT)
    if with_rasa:
        out("  running Rasa's own validation (about half a minute)...")
        passed, warnings, notes = rasa_validate([*training_paths, ROOT / "rules"])
        if not passed:
            findings.insert(0, Finding("error", "Rasa's own validation failed:\n         "
                                                + "\n         ".join(warnings or ["(no details)"])))
        else:
            findings += [f for f in map(_plain, warnings) if f is not None]
            findings.sort(key=lambda f: f.level != "error")
        if notes and verbose:
            findings += [Finding("warning", f"(for developers) {n}") for n in notes]
    intents = Counter(ex.intent for ex in training)
    out(f"  {len(training)} training examples in {len(intents)} intents, {len(tests)} test examples\n")
    for finding in findings:
        label = "ERROR  " if finding.level == "error" else "warning"
        out(f"{label}  {finding.message}")
        errors += finding.level == "error"
    warnings_count = len(findings) - errors
    if not findings:
        out("All good: no problems found.")
    else:
        out(f"\n{errors} error{'s' if errors != 1 else ''} (must be fixed before training), "
            f"{warnings_count} warning{'s' if warnings_count != 1 else ''} (worth fixing).")
    return 1 if errors else 0


# ---------------------------------------------------------------------------------------------------
# review: reading the tracker store


@dataclass(frozen=True)
class UserMessage:
    conversation_id: str
    timestamp: float
    text: str
    intent: str
    confidence: float
    guess: str  # the classifier's best real intent (under a fallback: the one it was unsure about)
    guess_confidence: float


@dataclass(frozen=True)
class ReviewItem:
    text: str  # the most common wording of this message
    times: int
    conversations: int
    guess: str
    confidence: float  # the lowest confidence the bot had
    fell_back: bool
    last_seen: datetime


def parse_user_event(conversation_id: str, timestamp: Optional[float], data: str) -> Optional[UserMessage]:
    """One row of Rasa's `events` table (type_name 'user') as a message; None when it has no text or
    no NLU result, or is a button payload ("/affirm")."""
    try:
        event = json.loads(data)
    except (TypeError, ValueError):
        return None
    text = (event.get("text") or "").strip()
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    if not text or text.startswith("/") or not intent.get("name"):
        return None
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") and r.get("name") != FALLBACK]
    guess = ranking[0] if ranking else intent
    return UserMessage(
        conversation_id=conversation_id, timestamp=float(timestamp or event.get("timestamp") or 0.0), text=text,
        intent=intent["name"], confidence=float(intent.get("confidence") or 0.0),
        guess=guess.get("name") or "", guess_confidence=float(guess.get("confidence") or 0.0),
    )


def needs_review(message: UserMessage, threshold: float) -> bool:
    return message.intent == FALLBACK or message.confidence < threshold


def review_items(messages: Iterable[UserMessage], threshold: float = DEFAULT_THRESHOLD,
                 known: Iterable[str] = ()) -> List[ReviewItem]:
    """Messages the bot fell back on or was unsure about, grouped by wording, most frequent first (then
    most recent). Wordings that differ only in an order number, email, postcode or tracking number are
    one group: they make the same training example (`mask_personal_data`). Messages already in the
    training data (`known` texts) are left out: they were labelled and wait only for the next training."""
    skip = {example_key(t) for t in known}
    groups: Dict[str, List[UserMessage]] = defaultdict(list)
    for m in messages:
        key = example_key(mask_personal_data(m.text))
        if key and key not in skip and needs_review(m, threshold):
            groups[key].append(m)
    items = []
    for group in groups.values():
        wording = Counter(m.text for m in group).most_common(1)[0][0]
        guess = Counter(m.guess for m in group).most_common(1)[0][0]
        items.append(ReviewItem(
            text=wording, times=len(group), conversations=len({m.conversation_id for m in group}), guess=guess,
            confidence=min(m.confidence if m.intent != FALLBACK else m.guess_confidence for m in group),
            fell_back=any(m.intent == FALLBACK for m in group),
            last_seen=datetime.fromtimestamp(max(m.timestamp for m in group), tz=timezone.utc),
        ))
    return sorted(items, key=lambda i: (-i.times, -i.last_seen.timestamp(), i.text))


def tracker_url(settings: Settings, override: Optional[str] = None) -> str:
    """Where Rasa keeps conversations: var/tracker.db next to a SQLite order store, else the same
    database (see cli.stack.endpoints_yaml). `override` is a file path or a database URL."""
    if override:
        return override if "://" in override else f"sqlite:///{Path(override).resolve()}"
    if settings.database_url.startswith("sqlite"):
        return f"sqlite:///{settings.var_dir / 'tracker.db'}"
    return settings.database_url


def read_user_messages(url: str) -> List[UserMessage]:
    """Every typed customer message in Rasa's SQL tracker store (table `events`)."""
    import sqlalchemy as sa

    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        raise FileNotFoundError(f"no conversations yet: {url[len('sqlite:///'):]} does not exist "
                                "(it is made when the bot first answers someone)")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("events"):
                return []
            rows = conn.execute(sa.text("SELECT sender_id, timestamp, data FROM events "
                                        "WHERE type_name = 'user' ORDER BY id")).fetchall()
    finally:
        engine.dispose()
    return [m for m in (parse_user_event(r[0], r[1], r[2]) for r in rows) if m is not None]


# ---------------------------------------------------------------------------------------------------
# review: CSV for spreadsheets

CSV_FIELDS = ["message", "times_seen", "conversations", "bot_guess", "confidence", "last_seen", "label"]
_FORMULA_START = ("=", "+", "-", "@")


def _cell(text: str) -> str:
    """Spreadsheets run a cell that starts with = + - @ as a formula: customer text must not."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def export_csv(items: Sequence[ReviewItem], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:  # the BOM makes Excel read UTF-8
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for item in items:
            writer.writerow({"message": _cell(item.text), "times_seen": item.times,
                             "conversations": item.conversations, "bot_guess": item.guess,
                             "confidence": f"{item.confidence:.2f}", "last_seen": item.last_seen.strftime("%Y-%m-%d %H:%M"),
                             "label": ""})


class LabelFileError(ValueError):
    pass


SKIP_LABELS = {"", "skip", "-", "?"}


def import_csv(path: Path, intents: Iterable[str]) -> List[Tuple[str, str]]:
    """(message, intent) for each row with a label; an unknown label rejects the whole file, naming
    its row (nothing is added until every label is right)."""
    allowed = set(intents)
    labelled, problems = [], []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "message" not in reader.fieldnames or "label" not in reader.fieldnames:
            raise LabelFileError(f"{path.name}: needs the columns 'message' and 'label' (as `--export` writes them)")
        for row_number, row in enumerate(reader, start=2):  # row 1 is the header, as a spreadsheet counts
            label = (row.get("label") or "").strip()
            message = _uncell((row.get("message") or "").strip())
            if label.lower() in SKIP_LABELS or not message:
                continue
            if label not in allowed:
                problems.append(f"row {row_number}: {label!r} is not an intent")
                continue
            labelled.append((message, label))
    if problems:
        raise LabelFileError(f"{path.name}: " + "; ".join(problems[:10]) + ("; ..." if len(problems) > 10 else "")
                             + f". Intents: {', '.join(sorted(allowed))}. Nothing was added.")
    return labelled


# ---------------------------------------------------------------------------------------------------
# review: the prompt


def _menu(intents: Sequence[str], columns: int = 3) -> str:
    width = max(len(i) for i in intents) + 6
    cells = [f"{n:>2} {intent}".ljust(width) for n, intent in enumerate(intents, start=1)]
    rows = (len(cells) + columns - 1) // columns
    return "\n".join("  " + "".join(cells[r + c * rows] for c in range(columns) if r + c * rows < len(cells)).rstrip()
                     for r in range(rows))


def label_interactively(items: Sequence[ReviewItem], intents: Sequence[str],
                        ask: Callable[[str], str] = input, out: Callable[[str], None] = print) -> List[Tuple[str, str]]:
    """Asks for each message's intent: a number from the list, s to skip, q to stop (what was labelled
    so far is kept), ? to show the list again."""
    out("What did the customer mean? Type the number of the intent, s to skip, q to stop, ? for the list.\n")
    out(_menu(intents))
    labelled: List[Tuple[str, str]] = []
    for n, item in enumerate(items, start=1):
        how = "the bot did not understand" if item.fell_back else f"the bot was unsure ({item.confidence:.0%})"
        out(f"\n[{n}/{len(items)}] \"{item.text}\"")
        out(f"        seen {item.times}x in {item.conversations} conversation{'s' if item.conversations != 1 else ''}; "
            f"{how}; its best guess: {item.guess or '-'}")
        while True:
            try:
                answer = ask("  intent number (s skip, q stop, ? list): ").strip().lower()
            except EOFError:
                return labelled
            if answer == "q":
                return labelled
            if answer in ("s", ""):
                break
            if answer == "?":
                out(_menu(intents))
                continue
            if answer.isdigit() and 1 <= int(answer) <= len(intents):
                labelled.append((item.text, intents[int(answer) - 1]))
                out(f"        -> {intents[int(answer) - 1]}")
                break
            out(f"  please type a number from 1 to {len(intents)}, s, q or ?")
    return labelled


def report_added(result: AppendResult, out: Callable[[str], None] = print) -> None:
    for text, intent, path in result.added:
        out(f"  added to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} under {intent}: {text}")
    for text, intent in result.already_there:
        out(f"  already an example of {intent}: {text}")
    for text, wanted, existing in result.conflicting:
        out(f"  NOT added: \"{text}\" is already an example of {existing}, not {wanted}. "
            "If it belongs to the other intent, move that example by hand.")
    for text, intent in result.in_test_set:
        out(f"  NOT added: \"{text}\" is in the test set (tests/nlu/); it stays there so the test stays honest.")
    if result.added:
        out(f"\n{len(result.added)} example{'s' if len(result.added) != 1 else ''} added. Next: "
            "`returnbot nlu check`, then `returnbot train` (a running bot picks the new model up).")
    else:
        out("\nNothing new was added.")


def run_review(settings: Settings, threshold: float = DEFAULT_THRESHOLD, limit: Optional[int] = None,
               tracker: Optional[str] = None, export: Optional[Path] = None, import_: Optional[Path] = None,
               list_only: bool = False, training_paths: Optional[Sequence[Path]] = None,
               test_paths: Optional[Sequence[Path]] = None, ask: Callable[[str], str] = input,
               out: Callable[[str], None] = print, language: Optional[str] = None) -> int:
    """`language`: review only the messages in that language, and add them to its training data; None
    reviews the English ones (and says how many are in other languages)."""
    if training_paths is None or test_paths is None:
        lang_training, lang_tests = language_paths(language or "en")
        training_paths = lang_training if training_paths is None else training_paths
        test_paths = lang_tests if test_paths is None else test_paths
    training = read_all(training_paths)
    intents = sorted({ex.intent for ex in training})
    if import_ is not None:
        try:
            labelled = import_csv(import_, intents)
        except (LabelFileError, OSError) as exc:
            out(f"returnbot: {exc}")
            return 1
        out(f"{len(labelled)} labelled message{'s' if len(labelled) != 1 else ''} in {import_.name}")
        return _add(training_paths, labelled, test_paths, out)
    try:
        messages = read_user_messages(tracker_url(settings, tracker))
    except FileNotFoundError as exc:
        out(f"returnbot: {exc}")
        return 1
    if language is not None or len(languages()) > 1:
        by_language = Counter(message_language(m.text) for m in messages)
        wanted = language or "en"
        others = {lang: n for lang, n in sorted(by_language.items()) if lang != wanted}
        messages = [m for m in messages if message_language(m.text) == wanted]
        if others:
            out("Messages in other languages are reviewed with --language: "
                + ", ".join(f"{lang} ({n})" for lang, n in others.items()))
    items = review_items(messages, threshold, known=[ex.text for ex in training])
    if limit:
        items = items[:limit]
    if not items:
        out(f"Nothing to review: in {len(messages)} customer messages, none fell back or was under "
            f"{threshold:.0%} confidence (apart from ones already in the training data).")
        return 0
    if export is not None:
        export_csv(items, export)
        out(f"wrote {len(items)} messages to {export}. Fill in the 'label' column with an intent "
            f"({', '.join(intents)}), or leave it empty to skip, then: returnbot nlu review --import {export}")
        return 0
    if list_only:
        out(f"{'times':>5}  {'conv':>4}  {'conf':>5}  {'bot guess':<20} message")
        for item in items:
            conf = "fallb" if item.fell_back else f"{item.confidence:.2f}"
            out(f"{item.times:>5}  {item.conversations:>4}  {conf:>5}  {item.guess:<20} {item.text}")
        return 0
    labelled = label_interactively(items, intents, ask=ask, out=out)
    if not labelled:
        out("\nNothing labelled.")
        return 0
    out("")
    return _add(training_paths, labelled, test_paths, out)


def _add(training_paths: Sequence[Path], labelled: Sequence[Tuple[str, str]], test_paths: Sequence[Path],
         out: Callable[[str], None]) -> int:
    try:
        result = append_examples(training_paths, labelled, test_paths)
    except (NluFileError, ValueError) as exc:
        out(f"returnbot: {exc}")
        out("Nothing was added. Fix that first (`returnbot nlu check` shows where), then import again.")
        return 1
    report_added(result, out)
    return 0
