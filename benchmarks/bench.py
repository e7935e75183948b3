"""`make bench`: how fast the real returnbot stack answers whole conversations, and how that compares
with a vanilla Rasa bot on the same machine in the same run. A benchmark, not a test: it measures and
reports, it asserts nothing.

1. returnbot: the three processes (`cli.stack.Stack`: Rasa, action server, gateway) on ports of their
   own (16017/16067/18617), over a fresh SQLite copy of the demo store rebased to today. Simulated web
   chat customers (benchmarks.conversations) talk to the gateway's own API, as the chat page does:
   POST /api/session, then POST /api/messages {"text", "id"} per turn.
2. vanilla: `rasa init`'s moodbot (trained once per Rasa version, benchmarks.vanilla) served by
   `rasa run` with the REST channel, driven the same way through POST /webhooks/rest/webhook.

Both run at once. Each bot is warmed up, then talks to one customer alone (its latency when idle),
then `--turns` turns are measured with `--concurrency` customers at once, each sending its next
message as soon as it has the answer (a closed loop: the figures are the bot's capacity; `--think-ms`
adds pauses). The bots take turns in blocks of `--block-turns`, so that other work on this shared
machine, which comes and goes, weighs on both alike; the report says how much there was. Last,
`--paced-turns` turns by `--concurrency` customers who pause like people between messages
(`--paced-think-ms`): the latency of a turn at that many conversations at once, below capacity.

Latency is client side, per turn; throughput is turns over the bot's measured blocks; an error is a
non-200, an answer with no message, or the "having trouble" apology. Memory and CPU of each process
tree come from /proc (benchmarks.procstats). Writes reports/bench/: latest.json, turns.csv and
latency_over_time.png. `--profile` also records each server with py-spy (benchmarks.profile_summary).

This module is the command line; the work is done by benchmarks.bots (starting and stopping the
bots), benchmarks.load (the simulated customers), benchmarks.measure (the phases and each bot's
figures) and benchmarks.bench_report (the report).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Sequence

from benchmarks.bench_report import build_report, plot, print_profiles, print_summary, write_turns
from benchmarks.measure import run

REPORT_DIR = Path(__file__).resolve().parent.parent / "reports" / "bench"
# A person reads the answer and types the next message: seconds, not none. With no pause at all (the
# measured window, a closed loop) the latency at N customers is N / throughput by Little's law, so a
# 30 ms p50 at 20 customers would need 667 turns/s; the paced phase measures the latency those 20
# conversations get when they talk like people, still 20 at once (a pause of 2 s on average is
# brisk: it includes reading the answer).
PACED_THINK_MS = 2000.0


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=20, help="customers talking at the same time")
    parser.add_argument("--turns", type=int, default=2000, help="measured turns per bot")
    parser.add_argument("--warmup-turns", type=int, default=200, help="turns per bot before measuring (not counted)")
    parser.add_argument("--alone-turns", type=int, default=100,
                        help="turns by one customer alone after the warm-up: the latency of an otherwise idle bot")
    parser.add_argument("--block-turns", type=int, default=500,
                        help="the bots take turns in blocks of this many measured turns")
    parser.add_argument("--think-ms", type=float, default=0.0,
                        help="mean pause of a customer between turns (exponential); 0: answer at once (capacity)")
    parser.add_argument("--paced-turns", type=int, default=400,
                        help="turns by --concurrency customers pausing like people (--paced-think-ms) after the "
                             "measured window: the latency of a turn at that many conversations, not at capacity")
    parser.add_argument("--paced-think-ms", type=float, default=PACED_THINK_MS,
                        help="mean pause of a paced customer before each message (exponential)")
    parser.add_argument("--seed", type=int, default=20261120)
    parser.add_argument("--skip-vanilla", action="store_true", help="measure returnbot only")
    parser.add_argument("--vanilla-only", action="store_true", help="measure the vanilla Rasa bot only")
    parser.add_argument("--gateway-url", help="drive an already running gateway instead of starting a stack "
                                              "(no memory or CPU figures then)")
    # ports of their own: `make run` uses 5005/5055/8000 and test stacks 15005/15055/18000 plus a multiple of 100
    parser.add_argument("--rasa-port", type=int, default=env_int("RETURNBOT_BENCH_RASA_PORT", 16017))
    parser.add_argument("--actions-port", type=int, default=env_int("RETURNBOT_BENCH_ACTIONS_PORT", 16067))
    parser.add_argument("--gateway-port", type=int, default=env_int("RETURNBOT_BENCH_GATEWAY_PORT", 18617))
    parser.add_argument("--vanilla-port", type=int, default=env_int("RETURNBOT_BENCH_VANILLA_PORT", 16117))
    parser.add_argument("--profile", action="store_true",
                        help="record each server with py-spy during the measured window (uv tool run py-spy)")
    parser.add_argument("--keep", action="store_true", help="keep the stack's temporary folder (logs, databases)")
    parser.add_argument("--out", type=Path, default=REPORT_DIR, help="report folder")
    args = parser.parse_args(argv)
    if args.skip_vanilla and args.vanilla_only:
        parser.error("--skip-vanilla and --vanilla-only exclude each other")
    if min(args.concurrency, args.turns, args.block_turns) < 1 or \
            min(args.warmup_turns, args.alone_turns, args.paced_turns, args.paced_think_ms) < 0:
        parser.error("--concurrency, --turns and --block-turns must be at least 1, the other counts at least 0")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for stale in args.out.glob("profile-*"):
        stale.unlink()
    log = lambda message: print(message, flush=True)  # noqa: E731
    started_at, started = datetime.now(timezone.utc), time.monotonic()
    phases = run(args, log)
    report = build_report(phases, args, started_at, time.monotonic() - started)
    (args.out / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    write_turns(phases, args.out / "turns.csv")
    plot(phases, report, args.out / "latency_over_time.png")
    print_summary(report, args.out, log)
    if args.profile:
        print_profiles(report, args.out, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
