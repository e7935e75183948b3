"""What `make bench` writes to its report folder (reports/bench/) and prints: latest.json (the figures
of each bot, the ratio and the targets met), turns.csv (every turn), latency_over_time.png (every
turn's latency over the run) and, with `--profile`, where each server spent its CPU."""
from __future__ import annotations

import argparse
import csv
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

from benchmarks.latency import rolling
from benchmarks.load import Turn
from benchmarks.measure import Phase
from benchmarks.procstats import machine

TARGETS = {"p50_ms": 30.0, "p99_ms": 150.0, "errors": 0, "ratio": 2.0, "rss_mb_total": 2500.0}
# what the replies of a run were, by a phrase of each response (domain.yml; the first that matches counts):
# shows the conversations went where real ones go, not only that they were fast
OUTCOMES = {
    "rma_issued": "Your return is approved", "rma_exists": "You already have a return",
    "returnless_refund": "you don't need to send", "amazon_fba": "Amazon handles its return",
    "window_closed": "return window for", "not_returnable": "are not returnable",
    "person_reviews": "needs to look at this return", "damage": "arrived damaged. We'll",
    "tracking": "Tracking number", "return_status": "RMA number is", "no_return_yet": "There's no return on order",
    "verification_failed": "couldn't find an order with those details", "greet": "I'm the returns assistant",
    "help": "I can start a return", "you_are_welcome": "You're welcome",
}


def outcomes(turns: Sequence[Turn]) -> Dict[str, int]:
    counts = {name: 0 for name in OUTCOMES}
    for turn in turns:
        text = " ".join(turn.texts)
        name = next((name for name, phrase in OUTCOMES.items() if phrase in text), None)
        if name is not None:
            counts[name] += 1
    return {name: n for name, n in counts.items() if n}


def build_report(phases: Dict[str, Phase], args: argparse.Namespace, started_at: datetime,
                 run_seconds: float) -> Dict[str, Any]:
    report: Dict[str, Any] = {
        "date": started_at.isoformat(timespec="seconds"), "machine": machine(),
        "settings": {"concurrency": args.concurrency, "turns": args.turns, "warmup_turns": args.warmup_turns,
                     "think_ms": args.think_ms, "paced_turns": args.paced_turns,
                     "paced_think_ms": args.paced_think_ms, "seed": args.seed, "profiled": args.profile},
        "run_seconds": round(run_seconds, 1), "targets": TARGETS,
    }
    ours = phases.get("returnbot")
    vanilla = phases.get("vanilla")
    if ours is not None:
        figures = ours.figures()
        figures["outcomes"] = outcomes(ours.turns)
        report["returnbot"] = figures
        report.update({key: figures[key] for key in ("p50_ms", "p95_ms", "p99_ms", "turns_per_s", "errors",
                                                     "rss_mb_total", "rss_mb")})
        report.update({f"paced_{key}": figures["paced"].get(key) for key in ("p50_ms", "p95_ms", "p99_ms", "errors")})
    if vanilla is not None:
        figures = vanilla.figures()
        report["vanilla"] = figures
        report.update({"vanilla_turns_per_s": figures["turns_per_s"], "vanilla_p50_ms": figures["p50_ms"],
                       "vanilla_p99_ms": figures["p99_ms"], "vanilla_errors": figures["errors"],
                       "vanilla_rss_mb_total": figures["rss_mb_total"],
                       "vanilla_paced_p50_ms": figures["paced"].get("p50_ms"),
                       "vanilla_paced_p99_ms": figures["paced"].get("p99_ms")})
    if ours is not None and vanilla is not None and report["vanilla_turns_per_s"]:
        report["ratio"] = round(report["turns_per_s"] / report["vanilla_turns_per_s"], 2)
    if ours is not None:
        paced = {key: report[f"paced_{key}"] for key in ("p50_ms", "p99_ms")}
        report["targets_met"] = {
            "p50_ms": report["p50_ms"] <= TARGETS["p50_ms"], "p99_ms": report["p99_ms"] <= TARGETS["p99_ms"],
            "paced_p50_ms": paced["p50_ms"] <= TARGETS["p50_ms"] if paced["p50_ms"] is not None else None,
            "paced_p99_ms": paced["p99_ms"] <= TARGETS["p99_ms"] if paced["p99_ms"] is not None else None,
            "errors": report["errors"] == TARGETS["errors"] and not report.get("paced_errors"),
            "ratio": report.get("ratio", 0) >= TARGETS["ratio"] if "ratio" in report else None,
            "rss_mb_total": report["rss_mb_total"] < TARGETS["rss_mb_total"] if ours.processes else None}
    return report


def write_turns(phases: Dict[str, Phase], path: Path) -> None:
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["bot", "phase", "t_s", "latency_ms", "conversation", "said", "error", "answer"])
        origin = min((t.started for phase in phases.values() for t in phase.turns), default=0.0)
        for phase in phases.values():
            for name, turns in (("capacity", phase.turns), ("paced", phase.paced)):
                for turn in sorted(turns, key=lambda t: t.started):
                    writer.writerow([phase.name, name, f"{turn.started - origin:.4f}", f"{turn.latency_ms:.2f}",
                                     turn.kind, turn.said, turn.error or "", " / ".join(turn.texts)[:300]])


def plot(phases: Dict[str, Phase], report: Dict[str, Any], path: Path) -> None:
    """Latency of every turn over the run, one panel per bot on one time axis (the bots take turns,
    so each panel has gaps); the curves are rolling p50 and p99 within each block."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    origin = min((t.started for phase in phases.values() for t in phase.turns), default=0.0)
    figure, axes = plt.subplots(len(phases), 1, figsize=(11, 3.6 * len(phases)), squeeze=False, sharex=True)
    for ax, phase in zip(axes[:, 0], phases.values()):
        ordered = sorted(phase.turns, key=lambda t: t.started)
        if not ordered:
            continue
        window = max(len(ordered) // 40, 20)
        ax.scatter([t.started - origin for t in ordered], [t.latency_ms for t in ordered], s=3, alpha=0.35,
                   color="tab:blue", label="one turn")
        for n, block in enumerate(_blocks(ordered)):
            x = [t.started - origin for t in block]
            y = [t.latency_ms for t in block]
            ax.plot(x, rolling(y, window, 50), color="tab:green", label=f"p50 of last {window}" if n == 0 else None)
            ax.plot(x, rolling(y, window, 99), color="tab:red", label=f"p99 of last {window}" if n == 0 else None)
        errors = [(t.started - origin, t.latency_ms) for t in ordered if t.error]
        if errors:
            ax.scatter(*zip(*errors), s=18, marker="x", color="black", label="error")
        if phase.name == "returnbot":
            for key, style in (("p50_ms", ":"), ("p99_ms", "--")):
                ax.axhline(TARGETS[key], color="grey", linestyle=style, linewidth=1,
                           label=f"target {key[:3]} {TARGETS[key]:.0f} ms")
        figures = report[phase.name]
        ax.set_yscale("log")
        ax.set_ylabel("latency per turn (ms)")
        ax.set_title(f"{phase.name}: {figures['turns']} turns, {args_text(report)}: p50 {figures['p50_ms']} ms, "
                     f"p99 {figures['p99_ms']} ms, {figures['turns_per_s']} turns/s, {figures['errors']} errors",
                     fontsize=10)
        ax.legend(loc="upper right", fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
    axes[-1, 0].set_xlabel("seconds into the measured window (the bots take turns)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _blocks(ordered: Sequence[Turn], gap_s: float = 1.0) -> List[List[Turn]]:
    """Turns split where none started for `gap_s`: the blocks of one bot between the other's."""
    blocks: List[List[Turn]] = []
    for turn in ordered:
        if not blocks or turn.started - blocks[-1][-1].started > gap_s:
            blocks.append([])
        blocks[-1].append(turn)
    return blocks


def args_text(report: Dict[str, Any]) -> str:
    settings = report["settings"]
    think = f", think {settings['think_ms']:.0f} ms" if settings["think_ms"] else ""
    return f"{settings['concurrency']} concurrent{think}"


def print_summary(report: Dict[str, Any], report_dir: Path, log: Callable[[str], None]) -> None:
    m = report["machine"]
    log(f"\n== bench: {m['cores']} cores ({m['cpu_model']}), Python {m['python']}, Rasa {m['rasa']}, "
        f"{args_text(report)}, {report['settings']['turns']} turns per bot ==")
    for name in ("returnbot", "vanilla"):
        if name not in report:
            continue
        f = report[name]
        log(f"{name:9} p50 {f['p50_ms']:7.1f} ms  p95 {f['p95_ms']:7.1f} ms  p99 {f['p99_ms']:7.1f} ms  "
            f"{f['turns_per_s']:6.1f} turns/s  errors {f['errors']}  misunderstood {f['misunderstood']}")
        a = f["alone"]
        if a["turns"]:
            log(f"{'':9} one customer alone: p50 {a['p50_ms']:.1f} ms  p95 {a['p95_ms']:.1f} ms  "
                f"p99 {a['p99_ms']:.1f} ms ({a['turns']} turns, {a['errors']} errors)")
        p = f["paced"]
        if p["turns"]:
            log(f"{'':9} {report['settings']['concurrency']} at once, pausing "
                f"{report['settings']['paced_think_ms']:.0f} ms: p50 {p['p50_ms']:.1f} ms  p95 {p['p95_ms']:.1f} ms  "
                f"p99 {p['p99_ms']:.1f} ms ({p['turns']} turns, {p['errors']} errors)")
        if f["rss_mb"]:
            memory = ", ".join(f"{k} {v:.0f}" for k, v in f["rss_mb"].items())
            log(f"{'':9} RSS peak (VmHWM) MB: {memory}; total {f['rss_mb_total']:.0f}")
            cpu = ", ".join(f"{k} {v:.1f}" for k, v in f["cpu_ms_per_turn"].items())
            log(f"{'':9} CPU ms per turn: {cpu}")
            busy = f["other_work_cpu_s"] / (f["seconds"] * report["machine"]["cores"]) if f["seconds"] else 0.0
            log(f"{'':9} other work on this machine meanwhile: {f['other_work_cpu_s']} CPU s ({100 * busy:.0f}% of "
                f"its cores){': the figures above are pessimistic' if busy > 0.1 else ''}")
        for sample in f["error_samples"][:3]:
            log(f"{'':9} error: {sample}")
    if "ratio" in report:
        log(f"ratio    returnbot / vanilla throughput: {report['ratio']:.2f}x")
    if "targets_met" in report:
        met = report["targets_met"]
        log("targets  " + ", ".join(f"{k} {'met' if v else 'MISSED' if v is not None else 'n/a'}"
                                    for k, v in met.items()) + f"  (targets: {TARGETS})")
    log(f"run took {report['run_seconds']:.0f} s; report in {report_dir}/")


def print_profiles(report: Dict[str, Any], out: Path, log: Callable[[str], None]) -> None:
    from benchmarks.profile_summary import summarize

    for path in sorted(out.glob("profile-*.txt")):
        name = path.stem.removeprefix("profile-")
        bot, process = ("vanilla", "rasa") if name == "vanilla-rasa" else ("returnbot", name)
        cpu = report.get(bot, {}).get("cpu_ms_per_turn", {}).get(process)
        log("\n".join(summarize(path, cpu)))
