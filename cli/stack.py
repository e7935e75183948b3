"""Starting and stopping the three processes: Rasa server, action server and gateway.

`Stack(settings).start()` writes the Rasa endpoints file for these settings, starts each process
bound to loopback, waits until each answers its health check, and `stop()` ends them all.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional
from urllib.error import URLError
from urllib.request import urlopen

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class StackError(RuntimeError):
    pass


def endpoints_yaml(settings: Settings) -> str:
    """Rasa's endpoints for these settings: our action server, and the SQL tracker store."""
    url = settings.database_url
    if url.startswith("sqlite"):
        tracker = f'  type: SQL\n  dialect: "sqlite"\n  db: "{settings.var_dir / "tracker.db"}"\n'
    else:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        tracker = (f'  type: SQL\n  dialect: "postgresql"\n  url: "{parsed.host or "127.0.0.1"}"\n'
                   f'  port: {parsed.port or 5432}\n  db: "{parsed.database}"\n'
                   f'  username: "{parsed.username or ""}"\n  password: "{parsed.password or ""}"\n')
    return (f'action_endpoint:\n  url: "http://127.0.0.1:{settings.actions_port}/webhook"\n'
            f"tracker_store:\n{tracker}")


def rasa_api_token(settings: Settings) -> str:
    """The token for Rasa's HTTP API (model reload), derived from the installation secret so that
    `returnbot train` in another terminal knows it; the secret itself never appears in a process list."""
    return hmac.new(settings.secret.encode(), b"returnbot rasa api token", hashlib.sha256).hexdigest()[:40]


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to send SIGTERM when the supervisor dies, however it
    dies (even SIGKILL), so no Rasa, action server or gateway is ever left running on its own."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass  # not Linux: stop() still ends the children on every normal exit


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@dataclass
class Process:
    name: str
    argv: List[str]
    health_url: str
    popen: Optional[subprocess.Popen] = None


@dataclass
class Stack:
    settings: Settings
    model: Path
    log_dir: Optional[Path] = None  # None: children write to this terminal
    processes: List[Process] = field(default_factory=list)

    def env(self) -> Dict[str, str]:
        s = self.settings
        env = dict(os.environ)
        env.update({
            "RETURNBOT_VAR_DIR": str(s.var_dir), "RETURNBOT_DATABASE_URL": s.database_url,
            "RETURNBOT_RASA_PORT": str(s.rasa_port), "RETURNBOT_RASA_URL": s.rasa_url,
            "RETURNBOT_ACTIONS_PORT": str(s.actions_port), "RETURNBOT_GATEWAY_PORT": str(s.gateway_port),
            "RETURNBOT_GATEWAY_HOST": s.gateway_host, "RETURNBOT_PUBLIC_URL": s.public_url,
            "RETURNBOT_PORTAL_URL": s.portal_url, "RETURNBOT_SECRET": s.secret,
            "RETURNBOT_POLICY_FILE": str(s.policy_file), "RETURNBOT_RASA_TIMEOUT": str(s.rasa_timeout_seconds),
            "SANIC_HOST": "127.0.0.1",
            "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        })
        return env

    def start(self, timeout: float = 180.0) -> None:
        s = self.settings
        for name, host, port in (("Rasa", "127.0.0.1", s.rasa_port), ("action server", "127.0.0.1", s.actions_port),
                                 ("gateway", s.gateway_host, s.gateway_port)):
            if not _port_free(host, port):
                raise StackError(f"port {port} for the {name} is in use (is returnbot already running?)")
        s.var_dir.mkdir(parents=True, exist_ok=True)
        endpoints = s.var_dir / "endpoints.yml"
        endpoints.write_text(endpoints_yaml(s))
        self.processes = [
            Process("actions", [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions",
                                "-p", str(s.actions_port)], f"http://127.0.0.1:{s.actions_port}/health"),
            Process("rasa", [str(BIN / "rasa"), "run", "--model", str(self.model), "--endpoints", str(endpoints),
                             "--credentials", str(ROOT / "credentials.yml"), "-i", "127.0.0.1",
                             "-p", str(s.rasa_port),
                             # the HTTP API, token-protected, so `returnbot train` can swap in a new model
                             "--enable-api", "--auth-token", rasa_api_token(s)], f"{s.rasa_url}/"),
            Process("gateway", [str(BIN / "python"), "-m", "channels.gateway"],
                    f"http://127.0.0.1:{s.gateway_port}/healthz"),
        ]
        for process in self.processes:
            self._spawn(process)
        deadline = time.monotonic() + timeout
        for process in self.processes:
            self._wait_healthy(process, deadline)

    def restart(self, name: str, timeout: float = 120.0) -> None:
        """Stop one process (if it still runs) and start it again, waiting until it is healthy."""
        process = next(p for p in self.processes if p.name == name)
        self._end(process, grace=10.0)
        self._spawn(process)
        self._wait_healthy(process, time.monotonic() + timeout)

    def kill(self, name: str) -> None:
        """SIGKILL one process and its children, as a crash would."""
        process = next(p for p in self.processes if p.name == name)
        if process.popen and process.popen.poll() is None:
            os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait()

    def _spawn(self, process: Process) -> None:
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{process.name}.log", "ab")
        process.popen = subprocess.Popen(process.argv, cwd=ROOT, env=self.env(), stdout=output,
                                         stderr=subprocess.STDOUT if output else None,
                                         start_new_session=True, preexec_fn=_die_with_parent)

    def _wait_healthy(self, process: Process, deadline: float) -> None:
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                self.stop()
                raise StackError(f"{process.name} exited with code {process.popen.returncode}"
                                 + (f"; see {self.log_dir / (process.name + '.log')}" if self.log_dir else ""))
            try:
                with urlopen(process.health_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (URLError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise StackError(f"{process.name} did not become healthy at {process.health_url}")

    def alive(self) -> bool:
        return all(p.popen is not None and p.popen.poll() is None for p in self.processes)

    def stop(self, grace: float = 10.0) -> None:
        for process in reversed(self.processes):
            self._signal(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes:
            self._reap(process, deadline)

    def _end(self, process: Process, grace: float) -> None:
        self._signal(process, signal.SIGTERM)
        self._reap(process, time.monotonic() + grace)

    @staticmethod
    def _signal(process: Process, signum: int) -> None:
        if process.popen and process.popen.poll() is None:
            try:
                os.killpg(process.popen.pid, signum)
            except ProcessLookupError:
                pass

    @staticmethod
    def _reap(process: Process, deadline: float) -> None:
        """Wait for the process until `deadline`, then SIGKILL its group."""
        if process.popen is None:
            return
        try:
            process.popen.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait()
