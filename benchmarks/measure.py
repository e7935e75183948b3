"""How `make bench` measures: each bot warmed up, then one customer alone, then the measured window
(every bot's turns in blocks, the bots taking turns, with the /proc sampler of benchmarks.procstats
and, with `--profile`, py-spy on each server), then the paced customers; and the figures of each bot's
window (`Phase.figures`: latency, throughput, errors, memory, CPU per turn)."""
from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from benchmarks.bots import Bot, Returnbot, Vanilla
from benchmarks.conversations import Conversation
from benchmarks.latency import summary
from benchmarks.load import MISUNDERSTOOD, Turn, drive
from benchmarks.procstats import ProcessFigures, Sampler


def profiler(enabled: bool, processes: Dict[str, int], out: Path, log: Callable[[str], None]):
    """A function that starts py-spy on each process and returns the function that stops them
    (py-spy writes its stacks on SIGINT). py-spy runs from uv's tool cache, never from the venv."""
    def start() -> Callable[[], None]:
        if not enabled:
            return lambda: None
        uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
        if uv is None:
            log("profile: uv not found, no profile")
            return lambda: None
        spies = []
        for name, pid in processes.items():
            with open(out / f"profile-{name}.log", "wb") as errors:
                spies.append(subprocess.Popen(
                    [uv, "tool", "run", "py-spy", "record", "--pid", str(pid), "--rate", "200", "--subprocesses",
                     "--format", "raw", "--output", str(out / f"profile-{name}.txt"), "--nonblocking"],
                    stdout=subprocess.DEVNULL, stderr=errors))
        time.sleep(3.0)  # py-spy attaches (on its first use uv also fetches it)

        def stop() -> None:
            for spy in spies:
                spy.send_signal(signal.SIGINT)
            for spy in spies:
                try:
                    spy.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    spy.kill()
        return stop
    return start


@dataclass
class Phase:
    """What one bot did in its measured window."""

    name: str
    turns: List[Turn]
    seconds: float
    processes: Dict[str, ProcessFigures]
    client_cpu_seconds: float
    machine_busy_seconds: float
    startup_seconds: float
    alone: List[Turn] = field(default_factory=list)  # one customer alone, before the window
    paced: List[Turn] = field(default_factory=list)  # customers pausing like people, after the window
    extra: Dict[str, Any] = field(default_factory=dict)

    def figures(self) -> Dict[str, Any]:
        latencies = [t.latency_ms for t in self.turns]
        errors = [t for t in self.turns if t.error]
        ours = sum(p.cpu_seconds for p in self.processes.values()) + self.client_cpu_seconds
        texts = [" ".join(t.texts) for t in self.turns]
        by_kind = {}
        for kind in sorted({t.kind for t in self.turns}):
            of_kind = [t.latency_ms for t in self.turns if t.kind == kind]
            by_kind[kind] = {"turns": len(of_kind), **summary(of_kind)}
        per_turn = 1000 / max(len(self.turns), 1)
        return {
            **summary(latencies),
            "turns": len(self.turns),
            "seconds": round(self.seconds, 2),
            "turns_per_s": round(len(self.turns) / self.seconds, 1) if self.seconds else 0.0,
            "errors": len(errors),
            "error_samples": sorted({f"{t.kind}: {t.said!r} -> {t.error}: {' / '.join(t.texts)[:120]}"
                                     for t in errors})[:10],
            "misunderstood": sum(any(p in text for p in MISUNDERSTOOD) for text in texts),
            "by_conversation": by_kind,
            "rss_mb": {name: p.hwm_mb for name, p in self.processes.items()},
            "rss_mb_total": round(sum(p.hwm_mb for p in self.processes.values()), 1),
            "peak_rss_during_run_mb": {name: p.peak_rss_mb for name, p in self.processes.items()},
            "cpu_ms_per_turn": {**{name: round(p.cpu_seconds * per_turn, 2) for name, p in self.processes.items()},
                                "bench_client": round(self.client_cpu_seconds * per_turn, 2)},
            "other_work_cpu_s": round(max(self.machine_busy_seconds - ours, 0.0), 1) if self.processes else None,
            "alone": {"turns": len(self.alone), "errors": sum(1 for t in self.alone if t.error),
                      **summary([t.latency_ms for t in self.alone])},
            "paced": {"turns": len(self.paced), "errors": sum(1 for t in self.paced if t.error),
                      **summary([t.latency_ms for t in self.paced])},
            "startup_s": round(self.startup_seconds, 1),
            **self.extra,
        }


@dataclass
class Tally:
    """One bot's measured window so far, summed over its blocks."""

    turns: List[Turn] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu: float = 0.0
    paced: List[Turn] = field(default_factory=list)


async def run_blocks(bots: List[Bot], samplers: Dict[str, Optional[Sampler]], args: argparse.Namespace,
                     streams: Dict[str, Iterator[Conversation]]) -> Dict[str, Tally]:
    """The measured window: each bot's `--turns` in blocks of `--block-turns`, the bots taking turns
    (ABBA...), so that other work on the machine, which comes and goes, weighs on both alike."""
    tallies = {bot.name: Tally() for bot in bots}
    rounds = -(-args.turns // args.block_turns)
    for round_no in range(rounds):
        for bot in (bots if round_no % 2 == 0 else list(reversed(bots))):
            tally = tallies[bot.name]
            block = min(args.block_turns, args.turns - len(tally.turns))
            sampler = samplers[bot.name]
            if sampler is not None:
                sampler.block_start()
            cpu0, started = time.process_time(), time.perf_counter()
            tally.turns += await drive(bot.customer, streams[bot.name], args.concurrency, block, args.think_ms,
                                       args.seed)
            tally.seconds += time.perf_counter() - started
            tally.client_cpu += time.process_time() - cpu0
            if sampler is not None:
                sampler.block_end()
    return tallies


async def exercise(bots: List[Bot], samplers: Dict[str, Optional[Sampler]], args: argparse.Namespace,
                   profile: Callable[[], Callable[[], None]]) -> Tuple[Dict[str, Tally], Dict[str, List[Turn]]]:
    """Each bot warmed up, then one customer alone on each, then the measured blocks, then the
    paced customers on each."""
    streams = {bot.name: bot.conversations() for bot in bots}
    alone: Dict[str, List[Turn]] = {}
    for bot in bots:
        await drive(bot.customer, streams[bot.name], args.concurrency, args.warmup_turns, args.think_ms, args.seed)
        alone[bot.name] = await drive(bot.customer, streams[bot.name], 1, args.alone_turns, 0.0, args.seed)
    stop_profile = profile()
    try:
        tallies = await run_blocks(bots, samplers, args, streams)
    finally:
        stop_profile()
    for bot in bots:
        tallies[bot.name].paced = await drive(bot.customer, streams[bot.name], args.concurrency, args.paced_turns,
                                              args.paced_think_ms, args.seed)
    return tallies, alone


def run(args: argparse.Namespace, log: Callable[[str], None]) -> Dict[str, Phase]:
    bots: List[Bot] = []
    if not args.vanilla_only:
        bots.append(Returnbot(args, log))
    if not args.skip_vanilla:
        bots.append(Vanilla(args, log))
    started: List[Bot] = []
    try:
        for bot in bots:
            bot.start()
            started.append(bot)
        samplers = {bot.name: Sampler(bot.processes).start() if bot.processes else None for bot in bots}
        log(f"bench: each bot {args.warmup_turns} warm-up turns, {args.alone_turns} turns by one customer alone, "
            f"then {args.turns} measured turns by {args.concurrency} customers at once, in blocks of "
            f"{args.block_turns} taking turns, then {args.paced_turns} turns by {args.concurrency} customers "
            f"pausing {args.paced_think_ms:.0f} ms on average")
        pids = {(name if bot.name == "returnbot" else f"{bot.name}-{name}"): pid
                for bot in bots for name, pid in bot.processes.items()}
        tallies, alone = asyncio.run(exercise(bots, samplers, args, profiler(args.profile, pids, args.out, log)))
        phases = {}
        for bot in bots:
            sampler, tally = samplers[bot.name], tallies[bot.name]
            processes = sampler.stop() if sampler is not None else {}
            busy = sampler.machine_busy_seconds() if sampler is not None else 0.0
            phases[bot.name] = Phase(bot.name, tally.turns, tally.seconds, processes, tally.client_cpu, busy,
                                     bot.startup_seconds, alone[bot.name], tally.paced, bot.extra)
        return phases
    finally:
        for bot in reversed(started):
            bot.stop()
