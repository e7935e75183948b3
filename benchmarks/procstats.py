"""Memory and CPU of the benchmarked processes, read from /proc (Linux), so the benchmark needs no
extra dependency.

Each benchmarked process is the root of a process tree (a server may fork helpers); its memory is
the sum over the tree. Two figures are kept: the highest sum of VmRSS seen by a sampler thread during
the run, and the sum of VmHWM (each process's own high-water mark, which the kernel keeps between
samples and which includes start-up, e.g. loading the model). CPU time (user + system) is read at
the start and the end of each part of the measured window, so `cpu_seconds` is what each tree spent
serving it. `machine()` describes the machine itself, for the reports of `make bench` and `make soak`.
"""
from __future__ import annotations

import os
import platform
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def parse_status(text: str) -> Dict[str, int]:
    """VmRSS and VmHWM in kB, and PPid, from the text of /proc/<pid>/status (missing ones absent:
    a kernel thread or a zombie has no Vm lines)."""
    values: Dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM", "PPid"):
            values[key] = int(rest.split()[0])
    return values


def parse_stat(text: str) -> Tuple[int, int]:
    """(parent pid, utime + stime in clock ticks) from /proc/<pid>/stat. The command name, in
    parentheses, may itself hold spaces and parentheses, so fields are counted after the last ')'."""
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def parse_machine_cpu(text: str) -> Tuple[int, int]:
    """(busy, total) clock ticks of all CPUs from /proc/stat; idle and iowait count as not busy."""
    ticks = [int(v) for v in text.splitlines()[0].split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    total = sum(ticks[:8])  # guest time is already counted in user time
    return total - idle, total


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None  # the process ended meanwhile


def process_tree(root: int) -> List[int]:
    """`root` and all its descendants that are alive now."""
    children: Dict[int, List[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _read(entry / "stat")
            if stat:
                children.setdefault(parse_stat(stat)[0], []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        if (PROC / str(pid)).exists():
            tree.append(pid)
            todo.extend(children.get(pid, []))
    return tree


def memory_kb(pids: List[int]) -> Tuple[int, int]:
    """(sum of VmRSS, sum of VmHWM) in kB over `pids`."""
    rss = hwm = 0
    for pid in pids:
        status = _read(PROC / str(pid) / "status")
        if status:
            values = parse_status(status)
            rss, hwm = rss + values.get("VmRSS", 0), hwm + values.get("VmHWM", 0)
    return rss, hwm


def cpu_ticks(pids: List[int]) -> int:
    total = 0
    for pid in pids:
        stat = _read(PROC / str(pid) / "stat")
        if stat:
            total += parse_stat(stat)[1]
    return total


def machine_cpu() -> Tuple[int, int]:
    return parse_machine_cpu((PROC / "stat").read_text())


@dataclass
class ProcessFigures:
    peak_rss_mb: float  # highest VmRSS (tree sum) sampled during the run
    hwm_mb: float  # sum of the tree's VmHWM: the peak since start, start-up included
    cpu_seconds: float  # user + system during the measured window


@dataclass
class Sampler:
    """Samples the memory of named process trees in a thread until `stop()`. Each pair of
    `block_start()` and `block_end()` brackets a part of the measured window: CPU time is summed over
    those parts, the machine's too, to tell how busy other work kept the cores meanwhile."""

    roots: Mapping[str, int]
    interval: float = 0.2
    peaks_kb: Dict[str, int] = field(default_factory=dict)
    hwm_kb: Dict[str, int] = field(default_factory=dict)
    cpu_ticks: Dict[str, int] = field(default_factory=dict)
    machine_busy_ticks: int = 0
    trees: Dict[str, List[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._block: Tuple[Dict[str, int], int] = ({}, 0)

    def start(self) -> "Sampler":
        self._refresh_trees()
        self._thread.start()
        return self

    def _refresh_trees(self) -> None:
        self.trees = {name: process_tree(pid) for name, pid in self.roots.items()}

    def _run(self) -> None:
        rounds = 0
        while not self._stop.wait(self.interval):
            rounds += 1
            if rounds % 25 == 0:  # a server may start helpers late; scanning /proc each time costs CPU
                self._refresh_trees()
            self._sample()

    def _sample(self) -> None:
        for name, pids in self.trees.items():
            rss, hwm = memory_kb(pids)
            self.peaks_kb[name] = max(self.peaks_kb.get(name, 0), rss)
            self.hwm_kb[name] = max(self.hwm_kb.get(name, 0), hwm)

    def block_start(self) -> None:
        self._block = ({name: cpu_ticks(pids) for name, pids in self.trees.items()}, machine_cpu()[0])

    def block_end(self) -> None:
        started, machine_busy = self._block
        for name, pids in self.trees.items():
            self.cpu_ticks[name] = self.cpu_ticks.get(name, 0) + cpu_ticks(pids) - started.get(name, 0)
        self.machine_busy_ticks += machine_cpu()[0] - machine_busy

    def stop(self) -> Dict[str, ProcessFigures]:
        self._stop.set()
        self._thread.join()
        self._sample()
        return {name: ProcessFigures(round(self.peaks_kb.get(name, 0) / 1024, 1),
                                     round(self.hwm_kb.get(name, 0) / 1024, 1),
                                     round(self.cpu_ticks.get(name, 0) / TICKS, 2))
                for name in self.roots}

    def machine_busy_seconds(self) -> float:
        """CPU seconds all cores were busy during the blocks, whoever kept them busy."""
        return self.machine_busy_ticks / TICKS


def machine() -> Dict[str, Any]:
    """The machine a run measures on: cores, CPU model, memory, Python, Rasa and the load average."""
    model = next((line.split(":", 1)[1].strip() for line in (PROC / "cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in (PROC / "meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    from importlib.metadata import version

    return {"cores": os.cpu_count(), "cpu_model": model, "memory_mb": mem_kb // 1024,
            "python": platform.python_version(), "rasa": version("rasa"), "platform": platform.platform(),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]}
