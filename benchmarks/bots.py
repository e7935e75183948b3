"""The bots `make bench` measures, each started on ports of its own and stopped afterwards: returnbot's
three processes (`cli.stack.Stack`) over a fresh copy of the demo store, or a gateway already running;
and vanilla Rasa, `rasa init`'s moodbot served by `rasa run` (benchmarks.vanilla). Each says which
processes to measure, how to make one of its customers (benchmarks.load) and what they talk about
(benchmarks.conversations)."""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator
from urllib.error import URLError
from urllib.request import urlopen

import httpx

from benchmarks.conversations import Conversation, MoodbotCustomers, ReturnbotCustomers
from benchmarks.load import RestCustomer, ReturnbotCustomer

ROOT = Path(__file__).resolve().parent.parent


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
