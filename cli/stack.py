"""Starting and stopping the three processes: Rasa server, action server and gateway.

`Stack(settings).start()` writes the Rasa endpoints file for these settings, starts each process
bound to loopback, waits until each answers its health check, and `stop()` ends them all.

Scaled out (settings.rasa_replicas > 1, `returnbot run --profile scaled`): N action servers and N Rasa
servers on consecutive ports (Rasa i calls action server i; the first pair keeps the names "actions"
and "rasa", the others are "actions-2", "rasa-2"...), all sharing the PostgreSQL order and tracker
store and the Redis lock store; one gateway spreading messages across the Rasa servers; and, with
RabbitMQ as Rasa's event broker, the statistics consumer ("stats", cli/stats_consumer.py).

What another user of this machine can see of it: no secret on any command line (`ps` shows them all;
each process derives its tokens from RETURNBOT_SECRET in its environment, which only our user can read);
Rasa's channel answers only the gateway's token and the action server only Rasa's (rasa_ext/channel.py,
actions/server.py); and var/ is 0700 with its files 0600 (`make_private`, and umask 077 in every child).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

from bot.settings import INTERNAL_TOKEN_HEADER, Settings
from cli.environment import PRIVATE_UMASK, child_environment

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class StackError(RuntimeError):
    pass


# Sanic (Rasa's and the action servers' HTTP server) drops a connection whose request has not begun
# within KEEP_ALIVE_TIMEOUT, 5 s by default. Under load Rasa's event loop is busy with NLU for longer
# than that between opening a connection to its action server and writing the request, and the action
# call fails ("Cannot write to closing transport"): the turn loses its events. The same 5 s races the
# gateway's kept-alive connections (httpx keeps them 5 s too). Longer than both clients' waits, in
# every profile (a busy default stack is as exposed). And a listen backlog above Sanic's 100 (Rasa reads
# SANIC_BACKLOG): while NLU holds Rasa's event loop, a burst of new connections (a gateway's pool
# filling, or several gateways) waits in the kernel's accept queue; past the backlog the kernel drops
# their handshakes and a client may see the connection reset after its request went.
SANIC_UNDER_LOAD = {"SANIC_KEEP_ALIVE_TIMEOUT": "120", "SANIC_REQUEST_TIMEOUT": "120", "SANIC_BACKLOG": "1024"}
LOGGING_CONFIG = ROOT / "rasa_logging.yml"  # masks personal data in what Rasa and the action server log


def endpoints_yaml(settings: Settings, actions_port: Optional[int] = None, actions_url: Optional[str] = None) -> str:
    """Rasa's endpoints for these settings: our action server (the first, unless `actions_port`, or elsewhere
    at `actions_url`), the SQL tracker store, and when configured the Redis lock store and the RabbitMQ
    event broker."""
    url = settings.database_url
    if url.startswith("sqlite"):
        tracker = (f'  type: rasa_ext.tracker_store.SqliteTrackerStore\n  dialect: "sqlite"\n'
                   f'  db: "{settings.var_dir / "tracker.db"}"\n')
    else:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        tracker = (f'  type: SQL\n  dialect: "postgresql"\n  url: "{parsed.host or "127.0.0.1"}"\n'
                   f'  port: {parsed.port or 5432}\n  db: "{parsed.database}"\n'
                   f'  username: "{parsed.username or ""}"\n  password: "{parsed.password or ""}"\n')
    actions_url = actions_url or f"http://127.0.0.1:{actions_port or settings.actions_port}/webhook"
    # the action server runs nothing for a request without this header (actions/server.py); a header,
    # not Rasa's `token:` (a query parameter, which ends up in URLs and access logs)
    return (f"action_endpoint:\n  url: {_yaml(actions_url)}\n"
            f"  headers:\n    {INTERNAL_TOKEN_HEADER}: {_yaml(settings.action_server_token)}\n"
            f"tracker_store:\n{tracker}" + _lock_store(settings) + _event_broker(settings))


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(value)


def _lock_store(settings: Settings) -> str:
    """Rasa's RedisLockStore: the lock that keeps one conversation's messages in order across Rasa
    servers. Its keys are prefixed with the database's name, so two installations sharing one Redis
    never wait on each other's conversations."""
    if not settings.redis_url:
        return ""
    from sqlalchemy.engine import make_url

    redis = urlsplit(settings.redis_url)
    prefix = "".join(c for c in (make_url(settings.database_url).database or "") if c.isalnum()) or "returnbot"
    lines = ["lock_store:", "  type: redis", f"  url: {_yaml(redis.hostname or '127.0.0.1')}",
             f"  port: {redis.port or 6379}", f"  db: {int(redis.path.strip('/') or 0)}",
             f"  key_prefix: {_yaml(prefix)}"]
    if redis.username:
        lines.append(f"  username: {_yaml(redis.username)}")
    if redis.password:
        lines.append(f"  password: {_yaml(redis.password)}")
    if redis.scheme == "rediss":
        lines.append("  use_ssl: true")
    return "\n".join(lines) + "\n"


def _event_broker(settings: Settings) -> str:
    """Rasa's PikaEventBroker: every tracker event goes to a fanout exchange named like the queue and
    from there to the durable queue the statistics consumer reads (both declared by either side).
    Rasa rebuilds `scheme://username:password@host:port/vhost` from these, so the credentials stay
    percent-encoded as they are in RETURNBOT_RABBITMQ_URL."""
    if not settings.rabbitmq_url:
        return ""
    amqp = urlsplit(settings.rabbitmq_url)
    port = amqp.port or (5671 if amqp.scheme == "amqps" else 5672)
    host = amqp.netloc.rpartition("@")[2]
    host, vhost = host if amqp.port else f"{host}:{port}", amqp.path or "/"
    lines = ["event_broker:", "  type: pika", f"  url: {_yaml(f'{amqp.scheme}://{host}{vhost}')}",
             f"  port: {port}", f"  username: {_yaml(amqp.username or 'guest')}",
             f"  password: {_yaml(amqp.password or 'guest')}",
             f"  queues:\n    - {_yaml(settings.events_queue)}", f"  exchange_name: {_yaml(settings.events_queue)}"]
    return "\n".join(lines) + "\n"


def create_database_if_missing(database_url: str) -> bool:
    """Create the PostgreSQL database of `database_url` unless it exists (True: it was created), by
    way of the server's `postgres` database; a clear StackError when neither works."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError, ProgrammingError

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return False
    where = f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}"
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect():
            return False
    except OperationalError as exc:
        if f'database "{url.database}" does not exist' not in str(exc):
            raise StackError(f"cannot reach {where} ({str(exc.orig).strip()}); start it or point "
                             "RETURNBOT_DATABASE_URL at yours") from None
    finally:
        engine.dispose()
    admin = sa.create_engine(url.set(database="postgres"), future=True, isolation_level="AUTOCOMMIT")
    quoted = '"' + url.database.replace('"', '""') + '"'
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
        return True
    except ProgrammingError as exc:
        if "already exists" in str(exc):  # made meanwhile by another process
            return False
        raise StackError(f"database {url.database} does not exist on {where} and could not be created "
                         f"({str(exc.orig).strip()}); create it or use a role with CREATEDB") from None
    except OperationalError as exc:
        raise StackError(f"database {url.database} does not exist on {where} and could not be created "
                         f"({str(exc.orig).strip()})") from None
    finally:
        admin.dispose()


def prepare_database(settings: Settings) -> None:
    """The database server's side of a start: the database exists and holds every table, made here once
    rather than by several processes at once (concurrent CREATE TABLEs clash on PostgreSQL)."""
    from bot.sql.conversation_stats import SqlStats
    from bot.store import SqlStore

    create_database_if_missing(settings.database_url)
    store = SqlStore.from_url(settings.database_url)
    try:
        SqlStats(store.engine).create_schema()
    finally:
        store.engine.dispose()


def rasa_api_token(settings: Settings) -> str:
    """The token for Rasa's HTTP API (model reload), derived from the installation secret so that
    `returnbot train` in another terminal knows it. Rasa reads it in its own process (cli/rasa_cli.py):
    neither it nor the secret appears in a process list."""
    return settings.rasa_api_token


OWN_FOLDERS = ("logs", "attachments")  # var/'s folders that returnbot writes, made private all the way down


def make_private(var_dir: Path) -> None:
    """var/ for the service's user alone, whatever an earlier version, another umask or a copy left there:
    the folder 0700 (no other user reaches anything in it), and, should it be opened again, every file
    in it 0600 (the databases, so also the -wal and -shm files SQLite makes with their mode; the secret,
    endpoints files) and every folder 0700, all the way down in logs/ and attachments/. Symbolic links
    are left alone (chmod would change what they point to)."""
    if var_dir.resolve() in (Path("/"), Path.home().resolve()):
        raise StackError(f"RETURNBOT_VAR_DIR is {var_dir}: give returnbot a folder of its own (it makes it and "
                         "everything in it readable by this user alone)")
    try:
        var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _chmod(var_dir, 0o700)
        for entry in var_dir.iterdir():
            if entry.name in OWN_FOLDERS and entry.is_dir() and not entry.is_symlink():
                for folder, _, files in os.walk(entry):
                    _chmod(Path(folder), 0o700)
                    for name in files:
                        _chmod(Path(folder) / name, 0o600)
            else:
                _chmod(entry, 0o700 if entry.is_dir() else 0o600)
    except PermissionError as exc:
        raise StackError(f"cannot make {exc.filename} private to this user ({exc.strerror}): run returnbot as "
                         f"the user that owns {var_dir}, or chown it to this one") from None


def _chmod(path: Path, mode: int) -> None:
    info = path.lstat()
    if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) != mode:
        path.chmod(mode)


def _write_private(path: Path, text: str) -> None:
    """`text` in `path`, readable by this user alone from the moment it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        os.fchmod(handle.fileno(), 0o600)  # a file that existed keeps its mode through O_CREAT
        handle.write(text)


def _in_child() -> None:
    """In the child, before exec: new files for our user alone (umask 077: SQLite, the logs and the
    attachments create theirs with 0644 & ~umask), and ask Linux to send SIGTERM when the supervisor
    dies, however it dies (even SIGKILL), so no Rasa, action server or gateway is ever left running on
    its own."""
    os.umask(PRIVATE_UMASK)
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
    ready_file: Optional[Path] = None  # instead of health_url: a process without HTTP writes it once ready


def _numbered(name: str, index: int, sep: str = "-") -> str:
    """The i-th replica's name: "rasa", "rasa-2", "rasa-3"..."""
    return name if index == 0 else f"{name}{sep}{index + 1}"


@dataclass
class Stack:
    settings: Settings
    model: Path
    log_dir: Optional[Path] = None  # None: children write to this terminal
    processes: List[Process] = field(default_factory=list)

    def env(self) -> Dict[str, str]:
        """The children's environment: ours, and the settings (the secret among them: a process's
        environment, unlike its command line, is readable by its own user alone)."""
        s = self.settings
        env = dict(os.environ)
        env.update({
            "RETURNBOT_VAR_DIR": str(s.var_dir), "RETURNBOT_DATABASE_URL": s.database_url,
            "RETURNBOT_RASA_PORT": str(s.rasa_port), "RETURNBOT_RASA_URL": s.rasa_url,
            "RETURNBOT_ACTIONS_PORT": str(s.actions_port), "RETURNBOT_GATEWAY_PORT": str(s.gateway_port),
            "RETURNBOT_GATEWAY_HOST": s.gateway_host, "RETURNBOT_PUBLIC_URL": s.public_url,
            "RETURNBOT_PORTAL_URL": s.portal_url, "RETURNBOT_SECRET": s.secret,
            "RETURNBOT_POLICY_FILE": str(s.policy_file), "RETURNBOT_RASA_TIMEOUT": str(s.rasa_timeout_seconds),
            "SANIC_HOST": "127.0.0.1", "PYTHONPATH": str(ROOT),
            **child_environment(s.rasa_telemetry),  # no telemetry unless the merchant turns it on, no chatter
            # Rasa's error events stay JSON in a terminal too, so the log filter can redact them
            "FORCE_JSON_LOGGING": "1", "PYTHONUNBUFFERED": "1",
            **SANIC_UNDER_LOAD,
        })
        if self.scaled:
            env.update({"RETURNBOT_PROFILE": s.profile, "RETURNBOT_RASA_REPLICAS": str(s.rasa_replicas),
                        "RETURNBOT_RASA_URLS": ",".join(self.rasa_urls()), "RETURNBOT_EVENTS_QUEUE": s.events_queue,
                        "RETURNBOT_REDIS_URL": s.redis_url or "", "RETURNBOT_RABBITMQ_URL": s.rabbitmq_url or ""})
        return env

    @property
    def scaled(self) -> bool:
        """More than the three processes of the default: replicas, or the shared stores and broker."""
        s = self.settings
        return s.rasa_replicas > 1 or bool(s.redis_url or s.rabbitmq_url) or s.profile != "default"

    def rasa_urls(self) -> List[str]:
        """The Rasa servers this stack starts, the gateway's RETURNBOT_RASA_URLS."""
        s = self.settings
        return [s.rasa_url] + [f"http://127.0.0.1:{s.rasa_port + i}" for i in range(1, s.rasa_replicas)]

    def endpoints_file(self, index: int) -> Path:
        """The endpoints file of the index-th Rasa server (it holds the action server's token and the
        shared stores' passwords: 0600, in the 0700 var/)."""
        return self.settings.var_dir / f"{_numbered('endpoints', index)}.yml"

    def plan(self) -> List[Process]:
        """The processes `start` starts, with their command lines. No secret is on any of them: each
        process reads RETURNBOT_SECRET (or var/secret) and derives its tokens itself."""
        s, replicas = self.settings, range(self.settings.rasa_replicas)
        processes = []
        for i in replicas:
            processes.append(Process(
                _numbered("actions", i), [str(BIN / "python"), "-m", "actions.server", "--actions", "actions",
                                          "-p", str(s.actions_port + i),
                                          "--logging-config_file", str(LOGGING_CONFIG)],  # (rasa-sdk's spelling)
                f"http://127.0.0.1:{s.actions_port + i}/health"))
        for i, rasa_url in zip(replicas, self.rasa_urls()):
            processes.append(Process(
                _numbered("rasa", i), [str(BIN / "python"), "-m", "cli.rasa_cli", "run", "--model", str(self.model),
                                       "--endpoints", str(self.endpoints_file(i)),
                                       "--credentials", str(ROOT / "credentials.yml"),
                                       "-i", "127.0.0.1", "-p", str(s.rasa_port + i),
                                       "--logging-config-file", str(LOGGING_CONFIG),
                                       # the HTTP API, so `returnbot train` can swap in a new model; its token
                                       # is added inside the process (cli/rasa_cli.py)
                                       "--enable-api"], f"{rasa_url}/"))
        processes.append(Process("gateway", [str(BIN / "python"), "-m", "channels.gateway"],
                                 f"http://127.0.0.1:{s.gateway_port}/healthz"))
        if s.rabbitmq_url:
            ready = s.var_dir / "stats-consumer.ready"
            processes.append(Process("stats", [str(BIN / "python"), "-m", "cli.stats_consumer",
                                               "--ready-file", str(ready)], "", ready_file=ready))
        return processes

    def start(self, timeout: float = 180.0) -> None:
        s, replicas = self.settings, range(self.settings.rasa_replicas)
        ports = ([(_numbered("Rasa server", i, " "), "127.0.0.1", s.rasa_port + i, "RETURNBOT_RASA_PORT")
                  for i in replicas]
                 + [(_numbered("action server", i, " "), "127.0.0.1", s.actions_port + i, "RETURNBOT_ACTIONS_PORT")
                    for i in replicas]
                 + [("gateway", s.gateway_host, s.gateway_port, "RETURNBOT_GATEWAY_PORT")])
        if len({port for _, _, port, _ in ports}) < len(ports):
            raise StackError("RETURNBOT_RASA_PORT, RETURNBOT_ACTIONS_PORT and RETURNBOT_GATEWAY_PORT are too close "
                             f"for {s.rasa_replicas} Rasa servers on consecutive ports")
        for name, host, port, setting in ports:
            if not _port_free(host, port):
                raise StackError(f"port {port} for the {name} is in use: is returnbot already running? Stop it, or "
                                 f"set {setting} to a free port")
        make_private(s.var_dir)
        if not s.database_url.startswith("sqlite"):
            prepare_database(s)
        for i in replicas:
            _write_private(self.endpoints_file(i), endpoints_yaml(s, actions_port=s.actions_port + i))
        self.processes = self.plan()
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
        if process.ready_file is not None:
            process.ready_file.unlink(missing_ok=True)
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            output = os.fdopen(os.open(self.log_dir / f"{process.name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                                       0o600), "ab")
        try:
            process.popen = subprocess.Popen(process.argv, cwd=ROOT, env=self.env(), stdout=output,
                                             stderr=subprocess.STDOUT if output else None,
                                             start_new_session=True, preexec_fn=_in_child)
        finally:
            if output is not None:
                output.close()  # the child has its own copy

    def _wait_healthy(self, process: Process, deadline: float) -> None:
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                self.stop()
                raise StackError(f"{process.name} exited with code {process.popen.returncode}"
                                 + (f"; see {self.log_dir / (process.name + '.log')}" if self.log_dir else ""))
            if process.ready_file is not None:
                if process.ready_file.exists():
                    return
            else:
                try:
                    with urlopen(process.health_url, timeout=2) as response:
                        if response.status == 200:
                            return
                except (URLError, OSError):
                    pass
            time.sleep(0.5)
        self.stop()
        raise StackError(f"{process.name} did not become healthy at {process.health_url or process.ready_file}")

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


def main(argv: Optional[List[str]] = None) -> int:
    """Entry points for containers (docker-compose.yml), where each process runs on its own: `endpoints
    --actions-url URL` prints a Rasa server's endpoints file for the environment's settings, `prepare`
    makes the database (if missing) and every table before the other services start."""
    parser = argparse.ArgumentParser(prog="python -m cli.stack", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("endpoints", help="print Rasa's endpoints.yml").add_argument("--actions-url", required=True)
    sub.add_parser("prepare", help="create the database and its tables")
    args = parser.parse_args(argv)
    settings = Settings.from_env(os.environ)
    if args.command == "endpoints":
        sys.stdout.write(endpoints_yaml(settings, actions_url=args.actions_url))
        return 0
    try:
        prepare_database(settings)
    except StackError as exc:
        print(f"returnbot: {exc}", file=sys.stderr)
        return 1
    print("database ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
