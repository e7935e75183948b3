"""`returnbot nlu eval`: the NLU benchmark (not a test). One run trains and compares, on the same
training data (nlu_data/) and the same unseen test sets (tests/nlu/; the sets the quality gate reads,
listed in nlu_quality.yml, are always among them):

- returnbot:   this project's pipeline (config.yml);
- rasa init:   Rasa's default pipeline, as `rasa init` ships it (benchmarks/rasa_default_config.yml);
- keywords:    the helpdesk keyword rules (cli.nlu_baseline), nothing trained.

Training runs in this process on an empty Rasa cache, so the time is a full, cold NLU training.
Latency is the wall time of parsing each test message in this process with the loaded model (one
warm-up parse first, not counted). Figures are computed by cli.nlu_scoring (read its conventions:
nlu_fallback counts as out_of_scope). Writes reports/nlu/: latest.json, summary.txt, a confusion
matrix picture and the misclassified messages. latest.json also has, under "gate", each gated set's
figures, per-intent recall and floors (the quality gate test writes the same section).
"""
from __future__ import annotations

import asyncio
import contextlib
import csv
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from bot.settings import ROOT
from cli.nlu_baseline import keyword_intent
from cli.nlu_scoring import FALLBACK, Entity, Prediction, canonical_intent, confusion, summarise

TRAINING_DATA = ROOT / "nlu_data"
OUR_CONFIG = ROOT / "config.yml"
RASA_DEFAULT_CONFIG = ROOT / "benchmarks" / "rasa_default_config.yml"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
VOICES = ROOT / "tests" / "nlu" / "voices.yml"
FRESH = ROOT / "tests" / "nlu" / "fresh.yml"
DEFAULT_TEST_SETS = (HELDOUT, VOICES, FRESH)
QUALITY_GATE = ROOT / "nlu_quality.yml"
REPORT_DIR = ROOT / "reports" / "nlu"
WARM_UP = "hello, I want to return order #1001"

OURS, RASA_DEFAULT, KEYWORDS = "returnbot", "rasa_default", "keyword"
TITLES = {OURS: "returnbot", RASA_DEFAULT: "rasa init", KEYWORDS: "keywords"}
titles = dict(TITLES)  # with the candidate pipelines of the run
# the targets (on the held-out set); figures below them are flagged in the printout
TARGETS = {"macro_f1": 0.95, "margin_over_keywords": 0.10, "entity_f1": {"order_id": 0.98, "email": 0.98},
           "oos_recall": 0.90, "train_seconds": 180.0, "parse_p50_ms": 10.0}
# targets on the other test sets (by set name): customer text in other voices than the training data
SET_TARGETS = {"voices": {"macro_f1": 0.85}}


@dataclass(frozen=True)
class TestExample:
    text: str
    intent: str
    entities: Tuple[Entity, ...] = ()


_QUIET = []


def _quiet_rasa() -> None:
    """Warnings and errors only, on stderr, as `rasa run` logs in production (its per-message debug
    log would also slow every parse down)."""
    if _QUIET:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(message)s")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    for name in ("rasa", "tensorflow", "absl", "matplotlib"):
        logging.getLogger(name).setLevel(logging.ERROR)
    _QUIET.append(True)


def load_test_set(path: Path) -> List[TestExample]:
    """The intent examples of a Rasa NLU YAML file, with their annotated entities (plain-text offsets)."""
    _quiet_rasa()
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [TestExample(m.get("text"), m.get("intent"),
                        tuple(Entity(e["entity"], e["start"], e["end"], str(e["value"])) for e in m.get("entities") or []))
            for m in data.intent_examples]


def set_name(path: Path) -> str:
    """A test set's name in reports: its file name without .yml (tests/nlu/heldout.yml -> heldout)."""
    return path.stem


# ---------------------------------------------------------------------------------------------------
# The quality gate's test sets and floors (nlu_quality.yml)


@dataclass(frozen=True)
class GatedSet:
    name: str
    path: Path
    floors: Dict = field(default_factory=dict)
    language: str = "en"  # which model reads it: the bot's (en) or that language's NLU model (cli.model)


def load_gate(path: Path = QUALITY_GATE) -> List[GatedSet]:
    """The test sets the quality gate reads, each with its floors, in file order. The older layout (one
    `test_set:` and its `floors:`) is read as one set."""
    import yaml

    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if "test_sets" in doc:
        return [GatedSet(name, ROOT / spec["path"], dict(spec.get("floors") or {}), spec.get("language", "en"))
                for name, spec in doc["test_sets"].items()]
    if "test_set" in doc:
        test_set = ROOT / doc["test_set"]
        return [GatedSet(set_name(test_set), test_set, dict(doc.get("floors") or {}))]
    raise ValueError(f"{path}: no test_sets (each with a path and floors)")


def check_floors(figures: Dict, floors: Dict) -> List[Tuple[str, float, Optional[float], bool]]:
    """(figure, floor, measured, at or above the floor) for each floor of one test set; `figures` as
    cli.nlu_scoring.summarise gives them. A figure that could not be measured is below its floor."""
    rows: List[Tuple[str, float, Optional[float], bool]] = []

    def add(label: str, floor: float, value: Optional[float]) -> None:
        rows.append((label, floor, value, value is not None and value >= floor))

    if "intent_macro_f1" in floors:
        add("intent macro-F1", floors["intent_macro_f1"], figures.get("macro_f1"))
    if "out_of_scope_recall" in floors:
        add("out-of-scope recall", floors["out_of_scope_recall"], figures.get("oos_recall"))
    for kind, floor in (floors.get("entity_f1") or {}).items():
        support = (figures.get("entity") or {}).get(kind, {}).get("support", 0)
        add(f"{kind} entity F1", floor, (figures.get("entity_f1") or {}).get(kind) if support else None)
    return rows


def gate_report(figures_by_set: Dict[str, Dict], gated: Sequence[GatedSet], model: Optional[str] = None) -> Dict:
    """The "gate" section of latest.json: for each gated set its headline figures, per-intent recall
    and F1, and each floor with the measured value."""
    sets = {}
    for gs in gated:
        figures = figures_by_set.get(gs.name)
        if figures is None:
            continue
        floors = check_floors(figures, gs.floors)
        sets[gs.name] = {
            "path": str(gs.path.relative_to(ROOT) if gs.path.is_relative_to(ROOT) else gs.path),
            "language": gs.language,
            "examples": figures["examples"],
            "macro_f1": figures["macro_f1"],
            "accuracy": figures["accuracy"],
            "oos_recall": figures["oos_recall"],
            "fallback_rate": figures["fallback_rate"],
            "entity_f1": figures.get("entity_f1", {}),
            "per_intent_recall": figures["per_intent_recall"],
            "per_intent_f1": figures["per_intent_f1"],
            "support": {label: s["support"] for label, s in figures["per_intent"].items()},
            "floors": [{"figure": label, "floor": floor, "measured": value, "passed": ok}
                       for label, floor, value, ok in floors],
            "passed": all(ok for *_, ok in floors),
        }
    return {"generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "model": model,
            "passed": all(s["passed"] for s in sets.values()), "sets": sets}


def format_recall_table(figures_by_set: Dict[str, Dict]) -> str:
    """Per-intent recall (and how many test messages) side by side for several test sets."""
    names = list(figures_by_set)
    intents = sorted({i for f in figures_by_set.values() for i in f["per_intent_recall"]})
    lines = [f"{'per-intent recall':<24}" + "".join(f"{n[:14]:>16}" for n in names)]
    for intent in intents:
        cells = []
        for n in names:
            f = figures_by_set[n]
            if intent in f["per_intent_recall"]:
                cells.append(f"{f['per_intent_recall'][intent]:.2f} ({f['per_intent'][intent]['support']:>3})")
            else:
                cells.append("-")
        lines.append(f"{intent:<24}" + "".join(f"{c:>16}" for c in cells))
    lines.append(f"{'intent macro-F1':<24}" + "".join(f"{figures_by_set[n]['macro_f1']:>16.3f}" for n in names))
    return "\n".join(lines)


def write_gate_report(report: Dict, figures_by_set: Dict[str, Dict], out_dir: Path = REPORT_DIR) -> Path:
    """Puts `report` under "gate" in out_dir/latest.json (the benchmark's own figures there stay) and
    the per-intent recall table in out_dir/gate.txt; returns latest.json's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    latest = out_dir / "latest.json"
    try:
        current = json.loads(latest.read_text(encoding="utf-8"))
        if not isinstance(current, dict):
            current = {}
    except (OSError, ValueError):
        current = {}
    current["gate"] = report
    recall = current.get("per_intent_recall") if isinstance(current.get("per_intent_recall"), dict) else {}
    recall.update({name: s["per_intent_recall"] for name, s in report["sets"].items()})
    current["per_intent_recall"] = recall  # by test set; the benchmark's other sets stay
    partial = latest.with_name(f"latest.json.{os.getpid()}.part")
    partial.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, latest)
    lines = [f"NLU quality gate, {report['generated_at']}" + (f", model {report['model']}" if report.get("model") else ""), ""]
    for name, s in report["sets"].items():
        lines.append(f"{name} ({s['path']}, {s['examples']} messages): {'passed' if s['passed'] else 'FAILED'}")
        for f in s["floors"]:
            lines.append(f"  {'ok    ' if f['passed'] else 'BELOW '} {f['figure']} {_fmt(f['measured'])} (floor {f['floor']})")
    lines += ["", format_recall_table(figures_by_set)]
    (out_dir / "gate.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return latest


def training_example_count() -> int:
    from cli.nlu_data import read_all

    return len(read_all([TRAINING_DATA]))


def train_nlu(config: Path, out_dir: Path, name: str, log: Callable[[str], None]) -> Tuple[Path, float]:
    """Trains an NLU-only model from `config` on nlu_data/ with an empty cache; (model, seconds).

    The config is copied first: Rasa writes its auto-configuration back into the config file it
    trained from, and the repository's copy stays as shipped."""
    _quiet_rasa()
    from rasa.model_training import train_nlu as rasa_train_nlu

    work = Path(tempfile.mkdtemp(prefix=f"nlu-eval-{name}-", dir=out_dir))
    config_copy = work / "config.yml"
    shutil.copyfile(config, config_copy)
    previous = os.environ.get("RASA_CACHE_DIRECTORY")
    os.environ["RASA_CACHE_DIRECTORY"] = str(work / "cache")
    log(f"training {TITLES.get(name, name)} ({config.relative_to(ROOT) if config.is_relative_to(ROOT) else config})...")
    try:
        started = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr):  # Rasa's progress messages: stdout is for the table
            model = rasa_train_nlu(str(config_copy), str(TRAINING_DATA), str(work), fixed_model_name=name)
        seconds = time.perf_counter() - started
    finally:
        if previous is None:
            os.environ.pop("RASA_CACHE_DIRECTORY", None)
        else:
            os.environ["RASA_CACHE_DIRECTORY"] = previous
    if not model:
        raise RuntimeError(f"Rasa did not train a model from {config}")
    log(f"  trained in {seconds:.1f} s")
    return Path(model), seconds


class ModelParser:
    """A trained model loaded in this process; parses texts and times each parse."""

    def __init__(self, model: Path) -> None:
        _quiet_rasa()
        from rasa.core.agent import Agent

        self.agent = Agent.load(str(model))
        self.loop = asyncio.new_event_loop()
        self.parse(WARM_UP)

    def parse(self, text: str) -> Dict:
        return self.loop.run_until_complete(self.agent.parse_message(text))

    def predict(self, examples: Sequence[TestExample]) -> List[Prediction]:
        return self.loop.run_until_complete(self._predict(examples))

    async def _predict(self, examples: Sequence[TestExample]) -> List[Prediction]:
        predictions = []
        for ex in examples:
            started = time.perf_counter()
            parsed = await self.agent.parse_message(ex.text)
            elapsed_ms = (time.perf_counter() - started) * 1000
            predictions.append(prediction_from_parse(ex, parsed, elapsed_ms))
        return predictions

    def close(self) -> None:
        self.loop.close()
        self.agent = None
        gc.collect()


def prediction_from_parse(example: TestExample, parsed: Dict, parse_ms: Optional[float] = None) -> Prediction:
    intent = parsed.get("intent") or {}
    ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    name = intent.get("name") or ""
    second = ranking[0] if name == FALLBACK and ranking else ranking[1] if len(ranking) > 1 else {}
    return Prediction(
        text=example.text, expected_intent=example.intent, intent=name,
        confidence=float(intent.get("confidence") or 0.0), runner_up=second.get("name") or "",
        runner_up_confidence=float(second.get("confidence") or 0.0),
        expected_entities=example.entities,
        entities=tuple(Entity(e["entity"], e["start"], e["end"], str(e["value"])) for e in parsed.get("entities") or []),
        parse_ms=parse_ms,
    )


def keyword_predictions(examples: Sequence[TestExample]) -> List[Prediction]:
    predictions = []
    for ex in examples:
        started = time.perf_counter()
        intent = keyword_intent(ex.text)
        predictions.append(Prediction(ex.text, ex.intent, intent, expected_entities=ex.entities,
                                      parse_ms=(time.perf_counter() - started) * 1000))
    return predictions


# ---------------------------------------------------------------------------------------------------
# Output


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def format_table(results: Dict, systems: Sequence[str]) -> str:
    """The side-by-side printout of a run (`results` as written to latest.json)."""
    lines: List[str] = []
    head = f"{'':<28}" + "".join(f"{titles.get(s, s)[:11]:>12}" for s in systems)

    def row(label: str, values: Sequence, digits: int = 3) -> None:
        lines.append(f"{label:<28}" + "".join(f"{_fmt(v, digits):>12}" for v in values))

    for set_name, block in results["test_sets"].items():
        sys_results = block["systems"]
        lines.append(f"{set_name}: {block['path']} ({block['examples']} messages, {len(block['intents'])} intents)")
        lines.append(head)
        row("intent accuracy", [sys_results[s]["accuracy"] for s in systems])
        row("intent macro-F1", [sys_results[s]["macro_f1"] for s in systems])
        row("out-of-scope recall", [sys_results[s]["oos_recall"] for s in systems])
        row("fallback rate", [sys_results[s]["fallback_rate"] for s in systems])
        row("parse p50 (ms)", [sys_results[s].get("parse_p50_ms") for s in systems], 2)
        row("parse p99 (ms)", [sys_results[s].get("parse_p99_ms") for s in systems], 2)
        lines.append("per-intent F1")
        for intent in block["intents"]:
            row(f"  {intent}", [sys_results[s]["per_intent_f1"].get(intent) for s in systems])
        lines.append("per-intent recall")
        for intent in block["intents"]:
            row(f"  {intent}", [sys_results[s].get("per_intent_recall", {}).get(intent) for s in systems])
        kinds = sorted({k for s in systems for k in sys_results[s].get("entity_f1", {})})
        if kinds:
            lines.append("entity F1")
            for kind in kinds:
                support = next((sys_results[s]["entity"][kind]["support"] for s in systems
                                if kind in sys_results[s].get("entity", {})), 0)
                row(f"  {kind} ({support})", [sys_results[s].get("entity_f1", {}).get(kind) for s in systems])
        lines.append("")
    row("NLU training time (s)", [results["train_seconds_by_system"].get(s) for s in systems], 1)
    lines.append("")
    lines.append(f"trained on {results['training_examples']} examples in nlu_data/; "
                 "nlu_fallback counts as out_of_scope; keywords: no training, no entities.")
    if RASA_DEFAULT in systems:
        lines.append("rasa init finds no entities: nlu_data/ annotates none (returnbot's come from rules, "
                     "rasa_ext/entities.py), so its DIET has none to learn.")
    machine = results.get("machine") or {}
    if machine:
        lines.append(f"timings on {machine['cpus']} CPUs, load average {machine['load_average_1_5_15']} "
                     "at the end of the run (other work on the machine slows them)")
    if results.get("notes"):
        lines += [f"note: {n}" for n in results["notes"]]
    lines.append("")
    lines.append("targets (held-out set; others named):")
    lines += [f"  {t}" for t in results["targets"]]
    gate = results.get("gate")
    if gate:
        lines.append("")
        lines.append(f"quality gate (nlu_quality.yml), this pipeline: {'passed' if gate['passed'] else 'FAILED'}")
        for name, s in gate["sets"].items():
            for f in s["floors"]:
                lines.append(f"  {'ok    ' if f['passed'] else 'BELOW '} {name}: {f['figure']} {_fmt(f['measured'])} "
                             f"(floor {f['floor']})")
    return "\n".join(lines)


def check_targets(primary: Dict, train_seconds: Optional[float], others: Optional[Dict[str, Dict]] = None) -> List[str]:
    """The issue's targets met or missed; `others`: the other test sets' blocks by name (SET_TARGETS)."""
    ours = primary["systems"][OURS]
    keywords = primary["systems"].get(KEYWORDS)
    out = []

    def line(ok: bool, text: str) -> None:
        out.append(f"{'met   ' if ok else 'MISSED'} {text}")

    line(ours["macro_f1"] >= TARGETS["macro_f1"], f"macro-F1 {ours['macro_f1']:.3f} >= {TARGETS['macro_f1']}")
    if keywords:
        margin = ours["macro_f1"] - keywords["macro_f1"]
        line(margin >= TARGETS["margin_over_keywords"],
             f"macro-F1 {margin * 100:.1f} points above keywords (>= {TARGETS['margin_over_keywords'] * 100:.0f})")
    for kind, floor in TARGETS["entity_f1"].items():
        value = ours.get("entity_f1", {}).get(kind)
        line(value is not None and value >= floor, f"{kind} entity F1 {_fmt(value)} >= {floor}")
    if ours["oos_recall"] is not None:
        line(ours["oos_recall"] >= TARGETS["oos_recall"], f"out-of-scope recall {ours['oos_recall']:.3f} >= {TARGETS['oos_recall']}")
    if train_seconds is not None:
        line(train_seconds <= TARGETS["train_seconds"],
             f"NLU training {train_seconds:.1f} s <= {TARGETS['train_seconds']:.0f} s")
    if "parse_p50_ms" in ours:
        line(ours["parse_p50_ms"] <= TARGETS["parse_p50_ms"],
             f"parse p50 {ours['parse_p50_ms']:.2f} ms <= {TARGETS['parse_p50_ms']:.0f} ms")
    for name, targets in SET_TARGETS.items():
        block = (others or {}).get(name)
        if block is None or "macro_f1" not in targets:
            continue
        value = block["systems"][OURS]["macro_f1"]
        line(value >= targets["macro_f1"], f"{name}: macro-F1 {value:.3f} >= {targets['macro_f1']}")
    return out


def plot_confusion(predictions: Sequence[Prediction], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = sorted({p.expected_intent for p in predictions})
    if any(p.intent == FALLBACK for p in predictions):
        labels.append(FALLBACK)
    labels += sorted({p.intent for p in predictions} - set(labels))
    counts = confusion([p.expected_intent for p in predictions], [p.intent for p in predictions], labels)
    rows = [label for label in labels if any(p.expected_intent == label for p in predictions)]
    matrix = [counts[labels.index(r)] for r in rows]
    fig, ax = plt.subplots(figsize=(0.55 * len(labels) + 3, 0.5 * len(rows) + 2.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title(title, fontsize=10)
    top = max((max(r) for r in matrix), default=1) or 1
    for i, counts_row in enumerate(matrix):
        for j, n in enumerate(counts_row):
            if n:
                ax.text(j, i, str(n), ha="center", va="center", fontsize=7,
                        color="white" if n > top / 2 else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_misclassified(predictions_by_set: Dict[str, Dict[str, List[Prediction]]], md_path: Path, csv_path: Path) -> None:
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["test_set", "system", "message", "expected", "predicted", "confidence", "runner_up",
                         "runner_up_confidence"])
        for set_name, by_system in predictions_by_set.items():
            for system, predictions in by_system.items():
                for p in predictions:
                    if not p.correct:
                        writer.writerow([set_name, system, p.text, p.expected_intent, p.intent,
                                         f"{p.confidence:.3f}", p.runner_up, f"{p.runner_up_confidence:.3f}"])
    lines = ["# Misclassified by the returnbot pipeline", "",
             "Intent errors (nlu_fallback counts as out_of_scope), then entity errors. "
             "All three systems' intent errors are in misclassified.csv.", ""]
    for set_name, by_system in predictions_by_set.items():
        wrong = [p for p in by_system[OURS] if not p.correct]
        lines += [f"## {set_name}: {len(wrong)} intent errors", "",
                  "| expected | predicted (confidence) | runner-up (confidence) | message |", "|---|---|---|---|"]
        for p in sorted(wrong, key=lambda p: (p.expected_intent, p.intent)):
            predicted = p.intent if p.intent == FALLBACK else f"{p.intent} ({p.confidence:.2f})"
            lines.append(f"| {p.expected_intent} | {predicted} | {p.runner_up} ({p.runner_up_confidence:.2f}) "
                         f"| {_md(p.text)} |")
        from cli.nlu_scoring import match_entities

        entity_rows = []
        for p in by_system[OURS]:
            _, missed, extra = match_entities(p.expected_entities, p.entities)
            for e in missed:
                entity_rows.append(f"| missed | {e.kind} | {_md(str(e.value))} | {_md(p.text)} |")
            for e in extra:
                entity_rows.append(f"| not expected | {e.kind} | {_md(str(e.value))} | {_md(p.text)} |")
        lines += ["", f"### {set_name}: {len(entity_rows)} entity errors", ""]
        if entity_rows:
            lines += ["| error | entity | value | message |", "|---|---|---|---|", *entity_rows]
        lines.append("")
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------------
# The run


def evaluated_sets(test_sets: Sequence[Path], gated: Sequence[GatedSet]) -> List[Path]:
    """The English gated sets first (in nlu_quality.yml's order), then the others asked for, each once.
    (Other languages' sets are read by their own models, in the gate: tests/test_nlu_quality.py.)"""
    ordered: List[Path] = []
    for path in [gs.path for gs in gated if gs.language == "en"] + list(test_sets):
        if path.resolve() not in [p.resolve() for p in ordered]:
            ordered.append(path)
    return ordered


def run_eval(test_sets: Sequence[Path] = DEFAULT_TEST_SETS, out_dir: Path = REPORT_DIR, with_rasa_default: bool = True,
             rasa_default_epochs: Optional[int] = None, log: Callable[[str], None] = None,
             gate: Optional[Path] = QUALITY_GATE, candidates: Sequence[Path] = ()) -> Dict:
    """Trains, evaluates and writes the report; returns what latest.json holds. The quality gate's
    test sets (`gate`, nlu_quality.yml) are always evaluated, first, and checked against its floors.
    `candidates`: other pipeline configs to train and score beside them (named by file name), e.g.
    benchmarks/nlu_candidates/*.yml, to measure a change before it goes into config.yml."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    _quiet_rasa()
    out_dir.mkdir(parents=True, exist_ok=True)
    gated = load_gate(gate) if gate is not None and gate.exists() else []
    gated = [gs for gs in gated if gs.language == "en"]  # the benchmark trains English pipelines; other
    # languages' models are read by the gate (tests/test_nlu_quality.py)
    sets = {set_name(p): (p, load_test_set(p)) for p in evaluated_sets(test_sets, gated) if p.exists()}
    if not sets:
        raise FileNotFoundError("no test set found (tests/nlu/heldout.yml)")
    extra = {path.stem: path for path in candidates}
    titles.update({name: name for name in extra})
    systems = [OURS] + list(extra) + ([RASA_DEFAULT] if with_rasa_default else []) + [KEYWORDS]
    predictions: Dict[str, Dict[str, List[Prediction]]] = {name: {} for name in sets}
    train_seconds: Dict[str, Optional[float]] = {KEYWORDS: 0.0}
    notes: List[str] = []
    with tempfile.TemporaryDirectory(prefix="returnbot-nlu-eval-") as scratch:
        for system in systems:
            if system == KEYWORDS:
                for name, (_, examples) in sets.items():
                    predictions[name][system] = keyword_predictions(examples)
                continue
            config = extra.get(system) or (OUR_CONFIG if system == OURS else RASA_DEFAULT_CONFIG)
            if system == RASA_DEFAULT and rasa_default_epochs:
                config = _capped_default_config(Path(scratch), rasa_default_epochs)
                notes.append(f"rasa init pipeline trained with DIET epochs capped at {rasa_default_epochs} "
                             "(shipped: 100)")
            model, train_seconds[system] = train_nlu(config, Path(scratch), system, log)
            log(f"parsing the test sets with {titles[system]}...")
            parser = ModelParser(model)
            for name, (_, examples) in sets.items():
                predictions[name][system] = parser.predict(examples)
            parser.close()
            model.unlink(missing_ok=True)
    results: Dict = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rasa_version": _rasa_version(),
        "training_examples": training_example_count(),
        # timings depend on the machine and on what else runs on it
        "machine": {"cpus": os.cpu_count(), "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]},
        "test_sets": {},
    }
    for name, (path, examples) in sets.items():
        results["test_sets"][name] = {
            "path": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
            "examples": len(examples),
            "intents": sorted({canonical_intent(e.intent) for e in examples}),
            "systems": {s: summarise(predictions[name][s], entities=s != KEYWORDS) for s in systems},
        }
    primary_name = next(iter(sets))
    primary = results["test_sets"][primary_name]
    ours = primary["systems"][OURS]
    results.update({
        # the headline figures: our pipeline on the held-out set
        "test_set": primary["path"],
        "macro_f1": ours["macro_f1"],
        "accuracy": ours["accuracy"],
        "oos_recall": ours["oos_recall"],
        "fallback_rate": ours["fallback_rate"],
        "entity_f1": ours.get("entity_f1", {}),
        "per_intent_f1": ours["per_intent_f1"],
        "train_seconds": train_seconds[OURS],
        "train_seconds_by_system": train_seconds,
        "parse_p50_ms": ours.get("parse_p50_ms"),
        "parse_p99_ms": ours.get("parse_p99_ms"),
        "rasa_default_macro_f1": primary["systems"].get(RASA_DEFAULT, {}).get("macro_f1"),
        "rasa_default_accuracy": primary["systems"].get(RASA_DEFAULT, {}).get("accuracy"),
        "rasa_default_train_seconds": train_seconds.get(RASA_DEFAULT),
        "keyword_macro_f1": primary["systems"][KEYWORDS]["macro_f1"],
        "keyword_accuracy": primary["systems"][KEYWORDS]["accuracy"],
        "notes": notes,
    })
    results["per_intent_recall"] = {name: block["systems"][OURS]["per_intent_recall"]
                                    for name, block in results["test_sets"].items()}
    results["targets"] = check_targets(primary, train_seconds[OURS],
                                       {n: b for n, b in results["test_sets"].items() if n != primary_name})
    if gated:
        results["gate"] = gate_report({n: b["systems"][OURS] for n, b in results["test_sets"].items()}, gated,
                                      model=f"{OURS} trained by this run from {OUR_CONFIG.name}")
    table = format_table(results, systems)
    (out_dir / "summary.txt").write_text(table + "\n", encoding="utf-8")
    (out_dir / "latest.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for name in sets:
        suffix = "" if name == primary_name else f"_{name}"
        plot_confusion(predictions[name][OURS], out_dir / f"confusion_matrix{suffix}.png",
                       f"returnbot pipeline on {results['test_sets'][name]['path']}")
    write_misclassified(predictions, out_dir / "misclassified.md", out_dir / "misclassified.csv")
    results["table"] = table
    return results


def _capped_default_config(scratch: Path, epochs: int) -> Path:
    """The rasa init pipeline written out (Rasa's auto-configured default) with fewer DIET epochs."""
    import yaml
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    shipped = yaml.safe_load(RASA_DEFAULT_CONFIG.read_text())
    config = DefaultV1Recipe.complete_config(shipped, {"pipeline"})
    for component in config["pipeline"]:
        if component["name"] in ("DIETClassifier", "ResponseSelector"):
            component["epochs"] = epochs
    path = scratch / "rasa_default_capped.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _rasa_version() -> str:
    try:
        import rasa

        return rasa.__version__
    except Exception:  # pragma: no cover - rasa is installed wherever this runs
        return "unknown"
