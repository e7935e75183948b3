"""Scoring NLU predictions: intent accuracy, per-intent and macro F1, out-of-scope recall, entity F1,
latency percentiles. Pure: values in, numbers out; no Rasa, no files, no clock.

Conventions (the benchmark and the quality gate share them):
- `nlu_fallback` (the FallbackClassifier's "not sure") counts as `out_of_scope` everywhere: in the bot
  both end in "I can't help with that here" (a clarifying question, then a person), never in a return,
  refund or tracking action. So a fallback on an out-of-scope message is a hit, and a fallback on an
  in-scope message is a miss for its intent and a false alarm for out_of_scope.
- Macro-F1 averages the F1 of every intent in the test set, each intent weighing the same.
- An entity is found when a predicted entity has the same type and normalised value as an expected
  one and their character spans overlap (invisible characters at a span's edge do not matter).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"


def canonical_intent(intent: Optional[str]) -> str:
    """The intent as scored: no intent or `nlu_fallback` is `out_of_scope`."""
    return OUT_OF_SCOPE if intent in (None, "", FALLBACK) else intent


class Scores(NamedTuple):
    precision: float
    recall: float
    f1: float
    support: int  # how many test messages have this label


def _f1(tp: int, fp: int, fn: int) -> Tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def per_intent_scores(gold: Sequence[str], predicted: Sequence[str],
                      labels: Optional[Iterable[str]] = None) -> Dict[str, Scores]:
    """Precision, recall, F1 and support for each label (default: every label in `gold`), after
    `canonical_intent`. Predictions outside `labels` still count as misses for the gold label."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} expected intents but {len(predicted)} predictions")
    gold = [canonical_intent(g) for g in gold]
    predicted = [canonical_intent(p) for p in predicted]
    wanted = sorted(set(gold)) if labels is None else sorted({canonical_intent(l) for l in labels})
    scores = {}
    for label in wanted:
        tp = sum(1 for g, p in zip(gold, predicted) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted) if g == label and p != label)
        scores[label] = Scores(*_f1(tp, fp, fn), support=tp + fn)
    return scores


def macro_f1(gold: Sequence[str], predicted: Sequence[str], labels: Optional[Iterable[str]] = None) -> float:
    """Unweighted mean of the per-intent F1 scores (0.0 for an empty test set)."""
    scores = per_intent_scores(gold, predicted, labels)
    return sum(s.f1 for s in scores.values()) / len(scores) if scores else 0.0


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} expected intents but {len(predicted)} predictions")
    if not gold:
        return 0.0
    return sum(canonical_intent(g) == canonical_intent(p) for g, p in zip(gold, predicted)) / len(gold)


def oos_recall(gold: Sequence[str], predicted: Sequence[str]) -> Optional[float]:
    """Share of out-of-scope test messages the system kept out of scope (fallback counts); None if
    the test set has none."""
    pairs = [(g, p) for g, p in zip(gold, predicted) if canonical_intent(g) == OUT_OF_SCOPE]
    if not pairs:
        return None
    return sum(canonical_intent(p) == OUT_OF_SCOPE for _, p in pairs) / len(pairs)


def confusion(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> List[List[int]]:
    """counts[i][j]: messages of labels[i] predicted as labels[j] (raw predictions, not canonical, so
    `nlu_fallback` can have its own column). Pairs with a label outside `labels` are left out."""
    index = {label: i for i, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted):
        if g in index and p in index:
            counts[index[g]][index[p]] += 1
    return counts


# ---------------------------------------------------------------------------------------------------
# Entities


class Entity(NamedTuple):
    kind: str
    start: int
    end: int
    value: str


def _same(expected: Entity, found: Entity) -> bool:
    return (expected.kind == found.kind and str(expected.value) == str(found.value)
            and found.start < expected.end and expected.start < found.end)


def match_entities(expected: Sequence[Entity], found: Sequence[Entity]) -> Tuple[List[Entity], List[Entity], List[Entity]]:
    """(matched, missed, extra) for one message; each expected entity matches at most one found one."""
    unused = list(found)
    matched, missed = [], []
    for want in expected:
        hit = next((f for f in unused if _same(want, f)), None)
        if hit is None:
            missed.append(want)
        else:
            unused.remove(hit)
            matched.append(want)
    return matched, missed, unused


def entity_scores(expected: Sequence[Sequence[Entity]], found: Sequence[Sequence[Entity]],
                  kinds: Optional[Iterable[str]] = None) -> Dict[str, Scores]:
    """Per entity type over all messages: a found entity no test message expects is a false positive
    (the held-out set annotates every id the extractor must find, and only those)."""
    if len(expected) != len(found):
        raise ValueError(f"{len(expected)} expected entity lists but {len(found)} found")
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for want, got in zip(expected, found):
        matched, missed, extra = match_entities(want, got)
        tp.update(e.kind for e in matched)
        fn.update(e.kind for e in missed)
        fp.update(e.kind for e in extra)
    wanted = sorted(set(kinds) if kinds is not None else set(tp) | set(fn) | set(fp))
    return {k: Scores(*_f1(tp[k], fp[k], fn[k]), support=tp[k] + fn[k]) for k in wanted}


# ---------------------------------------------------------------------------------------------------
# Latency


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, got {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# ---------------------------------------------------------------------------------------------------
# One system's result on one test set


@dataclass(frozen=True)
class Prediction:
    text: str
    expected_intent: str
    intent: str  # raw prediction, e.g. nlu_fallback
    confidence: float = 1.0
    runner_up: str = ""  # the classifier's guess under a fallback, or its second choice
    runner_up_confidence: float = 0.0
    expected_entities: Tuple[Entity, ...] = ()
    entities: Tuple[Entity, ...] = ()
    parse_ms: Optional[float] = None

    @property
    def correct(self) -> bool:
        return canonical_intent(self.expected_intent) == canonical_intent(self.intent)


def summarise(predictions: Sequence[Prediction], entities: bool = True) -> Dict[str, object]:
    """The figures for one system on one test set, JSON-ready."""
    gold = [p.expected_intent for p in predictions]
    pred = [p.intent for p in predictions]
    per_intent = per_intent_scores(gold, pred)
    result: Dict[str, object] = {
        "examples": len(predictions),
        "accuracy": accuracy(gold, pred),
        "macro_f1": macro_f1(gold, pred),
        "oos_recall": oos_recall(gold, pred),
        "fallback_rate": (sum(p.intent == FALLBACK for p in predictions) / len(predictions)) if predictions else 0.0,
        "per_intent_f1": {label: s.f1 for label, s in per_intent.items()},
        # the share of each intent's test messages read as that intent (nlu_fallback counts as a miss)
        "per_intent_recall": {label: s.recall for label, s in per_intent.items()},
        "per_intent": {label: s._asdict() for label, s in per_intent.items()},
    }
    if entities:
        scores = entity_scores([p.expected_entities for p in predictions], [p.entities for p in predictions])
        result["entity_f1"] = {kind: s.f1 for kind, s in scores.items()}
        result["entity"] = {kind: s._asdict() for kind, s in scores.items()}
    timings = [p.parse_ms for p in predictions if p.parse_ms is not None]
    if timings:
        result["parse_p50_ms"] = percentile(timings, 50)
        result["parse_p99_ms"] = percentile(timings, 99)
        result["parse_mean_ms"] = sum(timings) / len(timings)
    return result
