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
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.error import URLError
from urllib.request import urlopen

import aiohttp
import httpx

from benchmarks.conversations import Conversation, MoodbotCustomers, Press, ReturnbotCustomers, pick_button
from benchmarks.procstats import ProcessFigures, Sampler
from benchmarks.stats import rolling, summary

ROOT = Path(__file__).resolve().parent.parent
REPORT_DIR = ROOT / "reports" / "bench"
TROUBLE = "having trouble"  # the router's apology when Rasa or an action failed
MISUNDERSTOOD = ("didn't quite get that", "still not sure what you need")
TARGETS = {"p50_ms": 30.0, "p99_ms": 150.0, "errors": 0, "ratio": 2.0, "rss_mb_total": 2500.0}
# A person reads the answer and types the next message: seconds, not none. With no pause at all (the
# measured window, a closed loop) the latency at N customers is N / throughput by Little's law, so a
# 30 ms p50 at 20 customers would need 667 turns/s; the paced phase measures the latency those 20
# conversations get when they talk like people, still 20 at once (a pause of 2 s on average is
# brisk: it includes reading the answer).
PACED_THINK_MS = 2000.0
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


# ---------------------------------------------------------------------------------------------- clients
CLIENT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError)
@dataclass
class Answer:
    texts: List[str]
    buttons: List[Dict[str, str]]
    error: Optional[str]  # None: a good answer


class ReturnbotCustomer:
    """One web chat customer at a time over one keep-alive connection: `begin()` forgets the last
    customer's cookie and gets a new session, as a new browser would. On aiohttp's client, which
    costs a third of httpx's CPU per request: the bench's customers share the machine with the bot
    they measure (both bots' customers alike)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),  # unsafe: 127.0.0.1
                                          timeout=aiohttp.ClientTimeout(total=60, connect=5))

    async def begin(self) -> None:
        self.http.cookie_jar.clear()
        async with self.http.post(self.base_url + "/api/session") as response:
            response.raise_for_status()

    async def send(self, text: str, title: Optional[str]) -> Answer:
        body = {"text": text, "id": uuid.uuid4().hex, **({"title": title} if title else {})}
        async with self.http.post(self.base_url + "/api/messages", json=body) as response:
            if response.status != 200:
                return Answer([], [], f"HTTP {response.status}")
            answer = await response.json()
        messages = answer.get("messages") or []
        texts = [m.get("text") or "" for m in messages]
        buttons = [b for m in messages for b in m.get("buttons") or []]
        error = ("no messages" if not messages else "apology" if any(TROUBLE in t for t in texts)
                 else "notice" if answer.get("notice") else None)
        return Answer(texts, buttons, error)

    async def aclose(self) -> None:
        await self.http.close()


class RestCustomer:
    """One customer at a time of a Rasa REST channel: a new sender id per conversation."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60, connect=5))
        self.sender = ""

    async def begin(self) -> None:
        self.sender = f"bench-{uuid.uuid4().hex}"

    async def send(self, text: str, title: Optional[str]) -> Answer:
        async with self.http.post(self.base_url + "/webhooks/rest/webhook",
                                  json={"sender": self.sender, "message": text}) as response:
            if response.status != 200:
                return Answer([], [], f"HTTP {response.status}")
            messages = await response.json()
        texts = [m.get("text") or "" for m in messages] if isinstance(messages, list) else []
        buttons = [b for m in messages for b in m.get("buttons") or []] if isinstance(messages, list) else []
        return Answer(texts, buttons, None if texts else "no messages")

    async def aclose(self) -> None:
        await self.http.close()


# ---------------------------------------------------------------------------------------------- driving
@dataclass
class Turn:
    started: float  # perf_counter seconds
    latency_ms: float
    kind: str
    said: str
    error: Optional[str]
    texts: List[str] = field(default_factory=list)


async def drive(make_customer: Callable[[], Any], conversations: Iterator[Conversation], concurrency: int,
                turns: int, think_ms: float, seed: int) -> List[Turn]:
    """`turns` turns by `concurrency` customers at once; each customer starts a new conversation
    (and session) when it has finished the last, and all stop when the turns are used up."""
    budget = [turns]
    done: List[Turn] = []

    async def customer(worker: int) -> None:
        client = make_customer()
        pauses = random.Random(seed + worker)
        try:
            while budget[0] > 0:
                conversation = next(conversations)
                try:
                    await client.begin()
                except CLIENT_ERRORS as exc:  # no session, no conversation: counted as a failed turn
                    budget[0] -= 1
                    done.append(Turn(time.perf_counter(), 0.0, conversation.kind, "(new session)",
                                     f"session: {type(exc).__name__}"))
                    continue
                buttons: List[Dict[str, str]] = []
                for step in conversation.steps:
                    title = None
                    if isinstance(step, Press):
                        button = pick_button(buttons, step)
                        if button is None:
                            continue
                        text, title = button["payload"], button["title"]
                    else:
                        text = step.text
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                    if think_ms > 0:
                        await asyncio.sleep(pauses.expovariate(1000.0 / think_ms))
                    started = time.perf_counter()
                    try:
                        answer = await client.send(text, title)
                    except (*CLIENT_ERRORS, ValueError) as exc:  # ValueError: an answer that is not JSON
                        answer = Answer([], [], type(exc).__name__)
                    done.append(Turn(started, (time.perf_counter() - started) * 1000, conversation.kind, text,
                                     answer.error, answer.texts))
                    buttons = answer.buttons
        finally:
            await client.aclose()

    await asyncio.gather(*(customer(i) for i in range(concurrency)))
    return done


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_answering(send_one: Callable[[], bool], what: str, timeout: float = 180.0) -> None:
    """Until one real message gets an answer: a server may answer its health check before its model
    is loaded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if send_one():
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not answer a message within {timeout:.0f} s")


# ---------------------------------------------------------------------------------------------- profiling
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


# ---------------------------------------------------------------------------------------------- the bots
class Bot(ABC):
    """One bot under test: started (or found running), driven, stopped. `processes` names the root
    pids whose trees are measured (none for a stack this run did not start)."""

    name = ""

    def __init__(self, args: argparse.Namespace, log: Callable[[str], None]):
        self.args, self.log = args, log
        self.processes: Dict[str, int] = {}
        self.startup_seconds = 0.0
        self.extra: Dict[str, Any] = {}

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def customer(self) -> Any:
        """A new simulated customer client (`begin`, `send`, `aclose`)."""

    @abstractmethod
    def conversations(self) -> Iterator[Conversation]: ...

    @abstractmethod
    def stop(self) -> None:
        """Stop what `start` started, also after a failed start."""


class Returnbot(Bot):
    """The three processes on the bench's ports over a fresh copy of the demo store, or a running gateway."""

    name = "returnbot"

    def start(self) -> None:
        args = self.args
        if args.gateway_url:
            self.base_url, self.stack = args.gateway_url.rstrip("/"), None
            self.log(f"returnbot: driving the running gateway at {self.base_url} (no memory or CPU figures)")
            return
        from bot.importer import load_orders_file
        from bot.settings import Settings
        from bot.store import SqlStore
        from cli.model import ensure_model
        from cli.stack import Stack

        self.var_dir = Path(tempfile.mkdtemp(prefix="returnbot-bench-"))
        settings = Settings.from_env({
            "RETURNBOT_VAR_DIR": str(self.var_dir), "RETURNBOT_SECRET": "bench-secret",
            "RETURNBOT_RASA_PORT": str(args.rasa_port), "RETURNBOT_ACTIONS_PORT": str(args.actions_port),
            "RETURNBOT_GATEWAY_PORT": str(args.gateway_port)})
        store = SqlStore.from_url(settings.database_url)
        store.upsert_orders(load_orders_file(ROOT / "data" / "demo_orders.json",
                                             rebase_to=datetime.now(timezone.utc).date()))
        store.engine.dispose()
        self.stack = Stack(settings, ensure_model(log=lambda m: self.log(f"returnbot: {m}")),
                           log_dir=self.var_dir / "logs")
        self.log(f"returnbot: starting Rasa :{args.rasa_port}, actions :{args.actions_port}, gateway "
                 f":{args.gateway_port} (logs in {self.var_dir / 'logs'})")
        started = time.monotonic()
        self.base_url = f"http://127.0.0.1:{args.gateway_port}"
        try:
            self.stack.start()
            wait_answering(self._answers, "the gateway")
        except BaseException:
            self.stack.stop()  # its logs stay, for the error's sake
            self.stack = None
            raise
        self.startup_seconds = time.monotonic() - started
        self.processes = {p.name: p.popen.pid for p in self.stack.processes}
        self.log(f"returnbot: answering after {self.startup_seconds:.0f} s")

    def _answers(self) -> bool:
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            http.post("/api/session").raise_for_status()
            response = http.post("/api/messages", json={"text": "hello", "id": uuid.uuid4().hex})
            return response.status_code == 200 and bool(response.json().get("messages"))

    def customer(self) -> ReturnbotCustomer:
        return ReturnbotCustomer(self.base_url)

    def conversations(self) -> Iterator[Conversation]:
        return iter(ReturnbotCustomers(self.args.seed))

    def stop(self) -> None:
        if getattr(self, "stack", None) is not None:
            self.stack.stop()
            if not self.args.keep:
                shutil.rmtree(self.var_dir, ignore_errors=True)


class Vanilla(Bot):
    """`rasa init`'s moodbot served by `rasa run` with the REST channel (benchmarks.vanilla)."""

    name = "vanilla"

    def start(self) -> None:
        from benchmarks.vanilla import die_with_parent, ensure_vanilla, rasa_env, serve_argv

        bot = ensure_vanilla(self.log)
        if bot.cached:
            self.log(f"vanilla: cached moodbot {bot.model.name} (its training took {bot.train_seconds:.0f} s "
                     f"on {bot.trained_at})")
        self.extra = {"train_seconds": round(bot.train_seconds, 1), "trained_at": bot.trained_at,
                      "trained_this_run": not bot.cached, "model": bot.model.name}
        self.base_url = f"http://127.0.0.1:{self.args.vanilla_port}"
        if not port_free(self.args.vanilla_port):  # else another server there would answer for vanilla Rasa
            raise RuntimeError(f"port {self.args.vanilla_port} for vanilla Rasa is in use: pass --vanilla-port "
                               "or set RETURNBOT_BENCH_VANILLA_PORT")
        self.log_file = open(Path(tempfile.gettempdir()) / f"returnbot-bench-vanilla-{os.getpid()}.log", "wb")
        self.log(f"vanilla: starting rasa run :{self.args.vanilla_port} (log {self.log_file.name})")
        started = time.monotonic()
        self.server = subprocess.Popen(serve_argv(bot, self.args.vanilla_port), cwd=bot.directory, env=rasa_env(),
                                       stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True,
                                       preexec_fn=die_with_parent)
        try:
            wait_answering(self._answers, "vanilla Rasa")
        except BaseException:
            self._stop_server()  # its log stays, for the error's sake
            raise
        self.startup_seconds = time.monotonic() - started
        self.processes = {"rasa": self.server.pid}
        self.log(f"vanilla: answering after {self.startup_seconds:.0f} s")

    def _answers(self) -> bool:
        if self.server.poll() is not None:
            raise RuntimeError(f"vanilla Rasa exited with code {self.server.returncode}; see {self.log_file.name}")
        try:
            with urlopen(self.base_url + "/", timeout=2):
                pass
        except (URLError, OSError):
            return False
        response = httpx.post(self.base_url + "/webhooks/rest/webhook",
                              json={"sender": "bench-ready", "message": "hi"}, timeout=30)
        return response.status_code == 200 and bool(response.json())

    def customer(self) -> RestCustomer:
        return RestCustomer(self.base_url)

    def conversations(self) -> Iterator[Conversation]:
        return iter(MoodbotCustomers(self.args.seed))

    def stop(self) -> None:
        self._stop_server()
        if getattr(self, "log_file", None) is not None and not self.args.keep:
            Path(self.log_file.name).unlink(missing_ok=True)

    def _stop_server(self) -> None:
        server = getattr(self, "server", None)
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        if getattr(self, "log_file", None) is not None:
            self.log_file.close()


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


# ---------------------------------------------------------------------------------------------- report
def machine() -> Dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    from importlib.metadata import version

    return {"cores": os.cpu_count(), "cpu_model": model, "memory_mb": mem_kb // 1024,
            "python": platform.python_version(), "rasa": version("rasa"), "platform": platform.platform(),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]}


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
