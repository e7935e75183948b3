"""Latency figures of a list of turns."""
from __future__ import annotations

from typing import Dict, Optional, Sequence

from cli.nlu_scoring import percentile as ranked_percentile


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks, as numpy's
    default (the NLU benchmark's, cli/nlu_scoring.py); NaN for no values."""
    return ranked_percentile(values, q) if values else float("nan")


def summary(latencies_ms: Sequence[float]) -> Dict[str, Optional[float]]:
    """p50/p95/p99, mean and max in milliseconds, rounded to 0.1 ms (None without turns)."""
    if not latencies_ms:
        return {key: None for key in ("p50_ms", "p95_ms", "p99_ms", "mean_ms", "max_ms")}
    return {"p50_ms": round(percentile(latencies_ms, 50), 1), "p95_ms": round(percentile(latencies_ms, 95), 1),
            "p99_ms": round(percentile(latencies_ms, 99), 1),
            "mean_ms": round(sum(latencies_ms) / len(latencies_ms), 1), "max_ms": round(max(latencies_ms), 1)}


def rolling(values: Sequence[float], window: int, q: float) -> list:
    """The q-th percentile of each run of `window` consecutive values ending at each position
    (shorter at the start), for a curve over time."""
    return [percentile(values[max(0, i + 1 - window): i + 1], q) for i in range(len(values))]
