"""What each language's NLU model costs the Rasa server (issue 15; rasa_ext/languages.py).

    make bench-languages                                        # ~2 minutes here
    .venv/bin/python -m benchmarks.languages --parses 500       # any option: --help

One process does what `returnbot run`'s Rasa server does at start-up: it loads the bot's model
(English NLU and the dialogue, `Agent.load`), then each other language's NLU model beside it
(`rasa_ext.languages.load_languages`, Rasa's loader), and then reads messages through the patched
`MessageProcessor.parse_message` with the language in the metadata, as the gateway sends them. It
measures, per language:

- **load**: the seconds to load the model (for a language: finding it too, which hashes its inputs as
  the server does; for the bot's model: Rasa's lazy imports of its components), and the resident memory (VmRSS) it adds to the process,
  read before and after the load, and again after its first parse (TensorFlow and the tokenizers
  allocate on first use). Measured in the order the server loads them, so the first language model
  also pays for what the bot's model had not imported yet (the figures of each are its marginal cost).
- **parse**: median and p95 of `parse_message` over `--parses` parses (200 by default) of that
  language's held-out messages (tests/nlu/heldout*.yml, cycled), after a warm-up, and the CPU time of a
  parse; the same messages without metadata (`read in English`: what the bot's model costs them);
  English with no metadata, and English once more through Rasa's own parse (`en, unpatched`): what
  the patch costs a message that stays English. The rows take turns in blocks (ABBA), so other work
  on the machine weighs on each alike.

Not a test: it measures and prints, and writes reports/bench/languages.json. The models must be
trained (`returnbot train`); nothing is trained here.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, ContextManager, Dict, List, Optional, Sequence

from benchmarks.language_samples import heldout_examples
from benchmarks.latency import percentile

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "bench" / "languages.json"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Row:
    """One line of the parse table: `parse(text)` over `texts`, inside `context` (Rasa's own parse, say)."""

    name: str
    parse: Callable[[str], Any]
    texts: Sequence[str]
    context: Callable[[], ContextManager[Any]] = contextlib.nullcontext
    wall_ms: List[float] = field(default_factory=list)
    cpu_ms: List[float] = field(default_factory=list)


def time_rows(rows: Sequence[Row], parses: int, blocks: int = 10, warm_up: int = 20) -> Dict[str, Dict[str, float]]:
    """Median and p95 (ms) of `parses` calls of each row's `parse`, cycling through its texts, after
    `warm_up` calls. The rows take turns in `blocks` blocks, in order then in reverse (ABBA): the
    machine is shared, and other work, which comes and goes, then weighs on every row alike. CPU time
    per parse too: robust where wall-clock figures are not, on a busy machine."""
    for row in rows:
        with row.context():
            for i in range(warm_up):
                row.parse(row.texts[i % len(row.texts)])
    per_block = max(1, parses // blocks)
    for block in range(blocks):
        for row in (rows if block % 2 == 0 else list(reversed(rows))):
            with row.context():
                for i in range(block * per_block, (block + 1) * per_block):
                    start, cpu = time.perf_counter(), time.process_time()
                    row.parse(row.texts[i % len(row.texts)])
                    row.wall_ms.append((time.perf_counter() - start) * 1000)
                    row.cpu_ms.append((time.process_time() - cpu) * 1000)
    return {row.name: {"p50_ms": statistics.median(row.wall_ms), "p95_ms": percentile(row.wall_ms, 95),
                       "cpu_ms": statistics.mean(row.cpu_ms), "parses": len(row.wall_ms)} for row in rows}


class Server:
    """The bot's model in a processor as `rasa run` makes it, the language models loaded beside it on demand."""

    def __init__(self, bot_model: Path) -> None:
        from cli.nlu_eval import _quiet_rasa

        _quiet_rasa()
        from rasa.core.agent import Agent

        from rasa_ext import languages

        self.bot_model = bot_model
        self.loop = asyncio.new_event_loop()
        before, start = rss_mb(), time.perf_counter()
        self.agent = Agent.load(str(bot_model))  # not installed yet: the bot's model alone
        self.bot_load = {"load_s": time.perf_counter() - start, "rss_before_mb": before, "rss_added_mb": rss_mb() - before}
        self.processor = self.agent.processor
        languages.install()
        self.processor.returnbot_languages = {}
        self.parse("hello, I want to return order #1001", None)
        self.bot_load["rss_after_first_parse_mb"] = rss_mb() - before

    def load(self, language: str) -> Dict[str, float]:
        from rasa_ext import languages

        gc.collect()
        before, start = rss_mb(), time.perf_counter()
        found = languages.load_languages(languages.models_dir_of(self.bot_model), [language])
        seconds = time.perf_counter() - start
        if language not in found:
            raise SystemExit(f"no {language} model loaded (see the warning above): run `returnbot train` first")
        added = rss_mb() - before
        self.processor.returnbot_languages[language] = found[language]
        self.parse(heldout_examples(language)[0], language)
        return {"load_s": seconds, "rss_before_mb": before, "rss_added_mb": added,
                "rss_after_first_parse_mb": rss_mb() - before, "model_mb": found[language].path.stat().st_size / 2**20}

    def parse(self, text: str, language: Optional[str]) -> Dict[str, Any]:
        from rasa.core.channels.channel import UserMessage

        message = UserMessage(text, sender_id="bench", metadata={"language": language} if language else None)
        return self.loop.run_until_complete(self.processor.parse_message(message))

    def unpatched(self) -> "Unpatched":
        """Rasa's own `_parse_message_with_graph` in the processor, while the `with` block runs."""
        return Unpatched(type(self.processor))


class Unpatched:
    def __init__(self, processor_class: type) -> None:
        self.processor_class = processor_class
        self.patched = processor_class._parse_message_with_graph  # noqa: SLF001

    def __enter__(self) -> None:
        self.processor_class._parse_message_with_graph = self.patched.__wrapped__  # noqa: SLF001

    def __exit__(self, *exc: Any) -> None:
        self.processor_class._parse_message_with_graph = self.patched  # noqa: SLF001


def measure(languages: Sequence[str], parses: int) -> dict:
    from cli.model import language_model_path, model_path

    bot_model = model_path()
    missing = [str(p.relative_to(ROOT)) for p in [bot_model, *map(language_model_path, languages)] if not p.exists()]
    if missing:
        raise SystemExit(f"models missing: {', '.join(missing)}: run `returnbot train` (or `make train`) first")
    server = Server(bot_model)
    report: dict = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "processor": _cpu(), "cores": _cores()},
        "rss_after_imports_mb": server.bot_load["rss_before_mb"],
        "load": {"en": {**server.bot_load, "model_mb": bot_model.stat().st_size / 2**20}},
    }
    for language in languages:
        report["load"][language] = server.load(language)
    report["rss_all_loaded_mb"] = rss_mb()
    english = heldout_examples("en")
    rows = [Row("en", lambda t: server.parse(t, None), english),
            Row("en, unpatched", lambda t: server.parse(t, None), english, server.unpatched)]
    report["messages"] = {"en": len(english)}
    for language in languages:
        texts = heldout_examples(language)
        report["messages"][language] = len(texts)
        rows += [Row(language, lambda t, lang=language: server.parse(t, lang), texts),
                 Row(f"{language}, read in English", lambda t: server.parse(t, None), texts)]
    report["parse"] = time_rows(rows, parses)
    report["other_work"] = _load_average()
    return report


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def _load_average() -> float:
    """The machine's 1-minute load average after the parses: above the cores, the figures are pessimistic."""
    return os.getloadavg()[0]


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def render(report: dict) -> str:
    machine = report["machine"]
    lines = [f"language models in the Rasa server, {report['when']} ({machine['cores']} cores {machine['processor']}, "
             f"Python {machine['python']})", "",
             f"{'load':14}{'seconds':>9}{'model MB':>10}{'RSS +MB':>9}{'+ 1st parse':>13}"]
    for language, figures in report["load"].items():
        name = "en (bot)" if language == "en" else language
        lines.append(f"{name:14}{figures['load_s']:>9.2f}{figures['model_mb']:>10.1f}{figures['rss_added_mb']:>9.0f}"
                     f"{figures['rss_after_first_parse_mb']:>13.0f}")
    languages_added = sum(f["rss_after_first_parse_mb"] for lang, f in report["load"].items() if lang != "en")
    lines += [f"process RSS: {report['rss_after_imports_mb']:.0f} MB after Rasa's imports, {report['rss_all_loaded_mb']:.0f} MB "
              f"with every model loaded (the language models: +{languages_added:.0f} MB)", "",
              f"{'parse_message (ms)':30}{'p50':>8}{'p95':>8}{'vs en p50':>11}{'CPU':>8}{'vs en CPU':>11}"]
    en, en_cpu = report["parse"]["en"]["p50_ms"], report["parse"]["en"]["cpu_ms"]
    for name, figures in report["parse"].items():
        lines.append(f"{name:30}{figures['p50_ms']:>8.2f}{figures['p95_ms']:>8.2f}{figures['p50_ms'] / en:>10.2f}×"
                     f"{figures['cpu_ms']:>8.2f}{figures['cpu_ms'] / en_cpu:>10.2f}×")
    lines.append(f"({report['parse']['en']['parses']} parses each of the held-out messages: "
                 + ", ".join(f"{lang} {n}" for lang, n in report["messages"].items()) + "; rows in turns, ABBA; "
                 f"CPU: mean per parse; load average after: {report['other_work']:.1f} on {machine['cores']} cores)")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    from cli.model import model_languages

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parses", type=int, default=200, help="timed parses per language (default 200)")
    parser.add_argument("--languages", nargs="*", help="default: every language with training data (languages/)")
    parser.add_argument("--json", type=Path, default=REPORT, help=f"where to write the figures (default {REPORT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    report = measure(args.languages or model_languages(), args.parses)
    print(render(report))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
