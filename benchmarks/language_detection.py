"""What language detection costs and how well it reads first messages (issue 15).

    .venv/bin/python -m benchmarks.language_detection            # ~30 s here
    .venv/bin/python -m benchmarks.language_detection --json reports/language_detection.json

Measures, for lingua's high-accuracy mode (what the bot uses) and its low-accuracy mode:
- build time and the memory (RSS) building adds, each in a fresh Python process (`bot.language` is
  imported first, so the figure is lingua's models alone);
- the cost of one call on a short message (two or three words) and a long one (about 40 words), for
  lingua, the word lists, the combination, and `choose_language` end to end;
- accuracy per language on held-out first messages, and on the short ones of all languages together (benchmarks/language_samples.py): the share answered
  in their own language by `choose_language(text, None, detector=...)`, for the word lists alone, lingua
  alone and the combination (the default).
Not a test: it measures and prints. tests/test_language_detection.py holds the accuracy floors.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Sequence

ROOT = Path(__file__).resolve().parent.parent

SHORT = ("ok danke", "merci beaucoup", "pacco non arrivato", "where is it", "muchas gracias")
LONG = (
    "Hallo, ich möchte meine Badelatschen aus der Bestellung zurückschicken, sie sind leider zu klein und "
    "drücken vorne, und ich hätte gerne mein Geld zurück statt eines Umtauschs, bitte sagen Sie mir, wie "
    "das geht und wann das Geld kommt",
    "Bonjour, j'ai reçu ma commande hier mais la veste est trop petite et la couleur ne correspond pas à la "
    "photo du site, je voudrais la renvoyer et être remboursée le plus vite possible, comment dois-je faire "
    "pour le colis s'il vous plaît",
)

_BUILD = """
import json, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
import bot.language
before = rss()
from bot.language_detection import LinguaDetector
detector = LinguaDetector(high_accuracy={high})
start = time.perf_counter()
assert detector.available(), detector.error
seconds = time.perf_counter() - start
print(json.dumps({{"build_s": seconds, "rss_before_mb": before, "rss_added_mb": rss() - before}}))
"""


def build_cost(high_accuracy: bool) -> Dict[str, float]:
    """Build time and RSS added, in a fresh interpreter (a built detector cannot be unloaded)."""
    out = subprocess.run([sys.executable, "-c", _BUILD.format(high=high_accuracy)], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def per_call_us(call: Callable[[str], object], texts: Sequence[str], rounds: int = 7, reps: int = 200) -> float:
    """Median over `rounds` of the mean time of one call (µs), cycling through `texts`."""
    for text in texts:  # first calls out of the way
        call(text)
    means = []
    for _ in range(rounds):
        start = time.perf_counter()
        for i in range(reps):
            call(texts[i % len(texts)])
        means.append((time.perf_counter() - start) / reps * 1e6)
    return statistics.median(means)


SHORT_WORDS = 4  # a "short" first message: at most this many words (ids, emails, numbers not counted)


def accuracy(detector, samples: Dict[str, List[str]]) -> Dict[str, float]:
    """Per language, and `short`: over every language's messages of at most SHORT_WORDS words."""
    from bot.language import choose_language, words_of

    right = {lang: [choose_language(t, None, detector=detector).language == lang for t in texts]
             for lang, texts in samples.items()}
    figures = {lang: sum(hits) / len(hits) for lang, hits in right.items()}
    short = [hit for lang, texts in samples.items() for t, hit in zip(texts, right[lang])
             if len(words_of(t)) <= SHORT_WORDS]
    figures["short"] = sum(short) / len(short)
    return figures


def measure() -> dict:
    from benchmarks.language_samples import first_messages
    from bot.language import COMBINED, WORD_LIST, CombinedDetector, choose_language, words_of
    from bot.language_detection import LINGUA, LinguaDetector

    report: dict = {"build": {"high_accuracy": build_cost(True), "low_accuracy": build_cost(False)}}
    LINGUA.available()
    low = LinguaDetector(high_accuracy=False)
    low.available()
    short = [" ".join(words_of(t)) for t in SHORT]
    long = [" ".join(words_of(t)) for t in LONG]
    calls = {
        "lingua (high accuracy)": LINGUA.scores,
        "lingua (low accuracy)": low.scores,
        "word lists": WORD_LIST.scores,
        "combined (default)": COMBINED.scores,
    }
    report["per_call_us"] = {name: {"short": per_call_us(call, short), "long": per_call_us(call, long)}
                             for name, call in calls.items()}
    report["per_call_us"]["choose_language (default)"] = {
        "short": per_call_us(lambda t: choose_language(t, "en"), SHORT),
        "long": per_call_us(lambda t: choose_language(t, "en"), LONG),
    }
    samples = first_messages()
    report["samples"] = {lang: len(texts) for lang, texts in samples.items()}
    report["samples"]["short"] = sum(len(words_of(t)) <= SHORT_WORDS for texts in samples.values() for t in texts)
    report["accuracy"] = {
        "word lists": accuracy(WORD_LIST, samples),
        "lingua (high accuracy)": accuracy(LINGUA, samples),
        "lingua (low accuracy)": accuracy(low, samples),
        "combined, low accuracy": accuracy(CombinedDetector(low), samples),
        "combined (default)": accuracy(COMBINED, samples),
    }
    return report


def render(report: dict) -> str:
    lines = ["language detection (lingua-language-detector, six languages)", ""]
    for mode, figures in report["build"].items():
        lines.append(f"build, {mode.replace('_', ' ')}: {figures['build_s']:.2f} s, "
                     f"RSS +{figures['rss_added_mb']:.0f} MB (process at {figures['rss_before_mb']:.0f} MB before)")
    lines += ["", f"{'per call (µs)':32}{'short':>10}{'long':>10}"]
    for name, figures in report["per_call_us"].items():
        lines.append(f"{name:32}{figures['short']:>10.0f}{figures['long']:>10.0f}")
    langs = list(report["samples"])
    lines += ["", "held-out first messages answered in their language "
              + " ".join(f"{lang}={n}" for lang, n in report["samples"].items()),
              f"{'':32}" + "".join(f"{lang:>7}" for lang in langs)]
    for name, figures in report["accuracy"].items():
        lines.append(f"{name:32}" + "".join(f"{figures[lang]:>7.3f}" for lang in langs))
    return "\n".join(lines)


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    report = measure()
    print(render(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
