"""Where each server spends its CPU, from the py-spy stacks `make bench` records with `--profile`
(collapsed "frame;frame;... count" lines, py-spy's raw format).

Samples whose innermost frame is the event loop waiting (sanic's or aiohttp's serve/select) are
idle and left out. Every other sample goes to the first bucket (in the order below) that matches one
of its frames, so a bucket listed earlier wins: e.g. the JSON-schema check Rasa runs on each action
server answer is counted there, not under "custom action call" that contains it.

The samples are time on the server's thread, which includes waits in system calls that py-spy
cannot tell from work (a disk sync in a SQLite commit or close). The ms/turn column spreads the
process's measured CPU time over the buckets by their shares, so it is an estimate.

    python -m benchmarks.profile_summary reports/bench/profile-*.txt
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

IDLE_LEAVES = ("serve (sanic/server/runners.py", "run_forever (asyncio/base_events.py",
               "_run_once (asyncio/base_events.py:1871)", "select (selectors.py", "run_app (aiohttp/web.py")

# (bucket, substrings of a frame); the first bucket with a matching frame takes the sample
BUCKETS: Dict[str, List[Tuple[str, Tuple[str, ...]]]] = {
    "rasa": [
        ("action answer JSON-schema check", ("_validate_action_result",)),
        ("tracker store: save", ("save (rasa/core/tracker_store.py", "save_tracker (rasa/core/processor.py")),
        ("tracker store: load", ("retrieve (rasa/core/tracker_store.py", "get_tracker (rasa/core/processor.py",
                                          "fetch_tracker_and_update_session")),
        ("NLU pipeline", ("_parse_message_with_graph", "parse_message (rasa/core/processor.py")),
        ("policies (prediction)", ("_predict_next_with_tracker", "predict_next_action")),
        ("custom action call (HTTP to action server)", ("rasa/core/actions/action.py",)),
        ("forms and slots", ("rasa/core/actions/forms.py", "rasa/core/actions/loops.py")),
        ("other message handling", ("rasa/core/processor.py", "rasa/core/agent.py")),
        ("HTTP server (sanic)", ("sanic/",)),
    ],
    "actions": [
        ("SQLite connect (pool opens a connection, pragmas)",
         ("_sqlite_pragmas", "_create_connection (sqlalchemy/pool")),
        ("SQLite close (last connection: WAL checkpoint)", ("do_close (sqlalchemy/engine/default.py",)),
        ("SQLite commit", ("do_commit (sqlalchemy",)),
        ("SQL statements (SQLAlchemy)", ("sqlalchemy/",)),
        ("actions and bot/ services", ("actions/", "bot/")),
        ("rasa_sdk (forms, executor)", ("rasa_sdk/",)),
        ("HTTP server (sanic)", ("sanic/",)),
    ],
    "gateway": [
        ("SQLite connect (pool opens a connection, pragmas)",
         ("_sqlite_pragmas", "_create_connection (sqlalchemy/pool")),
        ("SQLite close (last connection: WAL checkpoint)", ("do_close (sqlalchemy/engine/default.py",)),
        ("SQLite commit", ("do_commit (sqlalchemy",)),
        ("SQL statements (SQLAlchemy)", ("sqlalchemy/",)),
        ("Rasa client (httpx)", ("httpx/", "httpcore/", "channels/rasa_client.py")),
        ("router, outbox, web chat code", ("channels/", "bot/")),
        ("HTTP server (aiohttp)", ("aiohttp/",)),
    ],
}
BUCKETS["vanilla-rasa"] = BUCKETS["rasa"]


def read_stacks(lines: Iterable[str]) -> List[Tuple[List[str], int]]:
    stacks = []
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def attribute(stacks: Sequence[Tuple[List[str], int]],
              buckets: List[Tuple[str, Tuple[str, ...]]]) -> Tuple[Counter, int]:
    """(samples per bucket, idle samples); a sample no bucket matches is "other"."""
    counts: Counter = Counter()
    idle = 0
    for frames, count in stacks:
        if frames[-1].startswith(IDLE_LEAVES):
            idle += count
            continue
        joined = ";".join(frames)
        bucket = next((name for name, needles in buckets if any(n in joined for n in needles)), "other")
        counts[bucket] += count
    return counts, idle


def summarize(path: Path, cpu_ms_per_turn: float | None = None) -> List[str]:
    """Lines of text: each bucket's share of the busy samples (and, given the process's CPU time
    per turn, its milliseconds per turn)."""
    name = path.stem.removeprefix("profile-")
    counts, idle = attribute(read_stacks(path.read_text().splitlines()), BUCKETS.get(name, []))
    busy = sum(counts.values())
    lines = [f"{name}: {busy} busy samples ({idle} idle)"]
    for bucket, count in counts.most_common():
        share = count / busy if busy else 0.0
        per_turn = f"  {share * cpu_ms_per_turn:5.1f} ms/turn" if cpu_ms_per_turn else ""
        lines.append(f"  {100 * share:5.1f}%{per_turn}  {bucket}")
    return lines


def main(argv: Sequence[str]) -> int:
    for arg in argv:
        print("\n".join(summarize(Path(arg))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
