"""What choosing and keeping the conversation's language costs the gateway per customer message.

The router (channels/router.py) does three things per message for the language: it reads the
conversation's language (`ConversationLanguages.language_of`, one primary-key SELECT), chooses
(`bot.language.choose_language`, pure) and, only when it changed, writes it (`set_language`, one UPDATE
or INSERT). This times each on this machine, over the customers' messages of the held-out sets of
every language (tests/nlu/heldout*.yml), against a SQLite file as `returnbot run` uses by default:

    .venv/bin/python -m benchmarks.language_choice                 # ~10 s
    .venv/bin/python -m benchmarks.language_choice --rounds 5 --database-url postgresql://...

It prints microseconds per message (median of the rounds) and how often a message changed the language
in a conversation of one language, which is how often the write is paid.
"""
from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, List

import yaml

from bot.language import Hints, choose_language
from bot.sql.conversation_languages import SqlConversationLanguages
from bot.sql.engine import make_engine

ROOT = Path(__file__).resolve().parent.parent
ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def messages() -> List[str]:
    """The customers' messages of every held-out set, annotations taken out."""
    found: List[str] = []
    for path in sorted((ROOT / "tests" / "nlu").glob("heldout*.yml")):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                text = ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
                if text:
                    found.append(text)
    return found


def per_message(work: Callable[[], int], rounds: int) -> float:
    """Microseconds per message of `work` (which returns how many messages it did), the median of rounds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        count = work()
        times.append((time.perf_counter() - start) / count * 1e6)
    return statistics.median(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args(argv)
    texts = messages()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(args.database_url or f"sqlite:///{Path(folder) / 'returnbot.db'}")
        store = SqlConversationLanguages(engine)
        ids = [f"web:bench-{i}" for i in range(len(texts))]
        for cid in ids[::2]:
            store.set_language(cid, "de")  # half the conversations have a language, half are new

        def choose() -> int:
            for text in texts:
                choose_language(text, "en", Hints())
            return len(texts)

        def read() -> int:
            for cid in ids:
                store.language_of(cid)
            return len(ids)

        def write() -> int:
            for i, cid in enumerate(ids):
                store.set_language(cid, "fr" if i % 2 else "it")
            return len(ids)

        changed = 0
        current = None
        for text in texts:  # as one conversation through all the sets: how often the language changes
            chosen = choose_language(text, current, Hints()).language
            changed += chosen != current
            current = chosen
        figures = {"choose": per_message(choose, args.rounds), "read": per_message(read, args.rounds),
                   "write": per_message(write, args.rounds)}
        engine.dispose()
    print(f"{len(texts)} messages of tests/nlu/heldout*.yml, {args.rounds} rounds, "
          f"{'SQLite file' if not args.database_url else engine.url.get_backend_name()}:")
    print(f"  choose_language          {figures['choose']:8.1f} µs per message")
    print(f"  language_of (read)       {figures['read']:8.1f} µs per message (every message)")
    print(f"  set_language (write)     {figures['write']:8.1f} µs per change")
    print(f"  changes in one stream    {changed} of {len(texts)} messages ({changed / len(texts):.1%})")
    print(f"  per message, no change   {figures['choose'] + figures['read']:8.1f} µs")


if __name__ == "__main__":
    main()
