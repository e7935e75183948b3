"""What another user of the same machine can get from a running returnbot (issue 13): no secret on any
command line, no answer from Rasa's channel or the action server without the caller's token, nothing in
var/ they can read, no telemetry sent anywhere unless the merchant turns it on, and a start-up log free of
dependencies' chatter.

Most tests build what the stack builds (command lines, endpoints, modes) without starting it; the `stack`
tests start one of their own, under umask 000, on ports of their own (RETURNBOT_TEST_PORT_OFFSET + 900)."""
from __future__ import annotations

import asyncio
import os
import socket
import stat
import subprocess
import sys
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterator, List

import httpx
import pytest
import yaml

from bot.importer import load_orders_file
from bot.settings import INTERNAL_TOKEN_HEADER, ROOT, Settings, SettingsError
from bot.store import SqlStore
from cli.model import ensure_model
from cli.stack import Stack, _in_child, endpoints_yaml, make_private
from tests.conftest import DEMO_STORE, test_settings
from tests.web_customer import Customer

PASSWORDS = {"RETURNBOT_DATABASE_URL": "postgresql://returnbot:pg-Pa55word@db.internal:5432/returnbot",
             "RETURNBOT_REDIS_URL": "redis://:redis-Pa55word@cache.internal:6379/0",
             "RETURNBOT_RABBITMQ_URL": "amqp://returnbot:mq-Pa55word@mq.internal:5672/"}


def secrets_of(settings: Settings) -> Dict[str, str]:
    return {"RETURNBOT_SECRET": settings.secret, "Rasa API token": settings.rasa_api_token,
            "gateway's token": settings.rasa_channel_token, "Rasa's token": settings.action_server_token}


def scaled_settings(var_dir: Path) -> Settings:
    return test_settings(var_dir, RETURNBOT_PROFILE="scaled", **PASSWORDS)


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- 3: no secret on a command line ---------------------------------------------------------------------------
@pytest.mark.parametrize("profile", ["default", "scaled"])
def test_no_secret_is_on_any_command_line_the_stack_starts(tmp_path, profile):
    settings = test_settings(tmp_path) if profile == "default" else scaled_settings(tmp_path)
    processes = Stack(settings, tmp_path / "model.tar.gz").plan()
    names = {p.name for p in processes}
    assert names == ({"actions", "rasa", "gateway"} if profile == "default"
                     else {"actions", "actions-2", "rasa", "rasa-2", "gateway", "stats"})
    hidden = {**secrets_of(settings), **{k: v for k, v in (("postgres", "pg-Pa55word"), ("redis", "redis-Pa55word"),
                                                            ("rabbitmq", "mq-Pa55word"))}}
    for process in processes:
        line = " ".join(process.argv)
        assert "--auth-token" not in process.argv and "token" not in line.lower(), process.argv
        for what, value in hidden.items():
            assert value not in line, f"{what} on the command line of {process.name}"


def test_rasa_gets_its_api_token_inside_its_own_process():
    from cli.rasa_cli import rasa_argv

    assert rasa_argv(["run", "--enable-api", "-p", "5005"], "t0ken") == [
        "rasa", "run", "--auth-token", "t0ken", "--enable-api", "-p", "5005"]
    assert rasa_argv(["train", "--out", "models"], None) == ["rasa", "train", "--out", "models"]


def test_each_hop_has_its_own_token_derived_from_the_secret(tmp_path):
    settings, other = test_settings(tmp_path), test_settings(tmp_path, RETURNBOT_SECRET="another")
    tokens = secrets_of(settings)
    assert len(set(tokens.values())) == 4 and not any(settings.secret in t for t in list(tokens.values())[1:])
    assert settings.rasa_channel_token != other.rasa_channel_token
    assert settings.action_server_token != other.action_server_token
    assert test_settings(tmp_path).rasa_channel_token == settings.rasa_channel_token  # every process agrees


# -- 4: only the gateway talks to Rasa, only Rasa to the action server ----------------------------------------
def test_rasa_sends_the_action_server_token_in_a_header(tmp_path):
    settings = test_settings(tmp_path)
    endpoint = yaml.safe_load(endpoints_yaml(settings))["action_endpoint"]
    assert endpoint["headers"] == {INTERNAL_TOKEN_HEADER: settings.action_server_token}
    assert "token" not in endpoint  # Rasa would send that one in the URL's query string
    from rasa.utils.endpoints import EndpointConfig

    assert EndpointConfig.from_dict(endpoint).headers == {INTERNAL_TOKEN_HEADER: settings.action_server_token}


def test_rasa_listens_only_on_the_gateways_channel():
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert list(credentials) == ["rasa_ext.channel.GatewayInput"]  # not Rasa's plain `rest`


@asynccontextmanager
async def serving(app):
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        server.close()
        await server.wait_closed()


def test_the_action_server_runs_nothing_without_rasas_token():
    from sanic import Sanic
    from rasa_sdk.endpoint import create_app

    from actions.server import OnlyRasa

    Sanic.test_mode = True  # more than one app of that name in this process
    app = create_app("actions")
    OnlyRasa("rasa-token").attach_sanic_app_extensions(app)
    call = {"next_action": "action_that_does_not_exist", "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": "web:victim", "slots": {}, "latest_message": {}, "events": [], "paused": False,
                        "followup_action": None, "active_loop": {}, "latest_action_name": None}}

    async def probe() -> List[int]:
        async with serving(app) as http:
            return [(await http.post("/webhook", json=call)).status_code,
                    (await http.post("/webhook", json=call, headers={INTERNAL_TOKEN_HEADER: "rasa-tokeN"})).status_code,
                    (await http.get("/actions")).status_code,
                    (await http.post("/webhook", json=call, headers={INTERNAL_TOKEN_HEADER: "rasa-token"})).status_code,
                    (await http.get("/health")).status_code]

    # 404: with the token the call reaches rasa-sdk, which knows no such action
    assert asyncio.run(probe()) == [401, 403, 401, 404, 200]


def test_rasas_channel_answers_only_the_gateways_token():
    from sanic import Sanic, response

    from rasa_ext.channel import GatewayInput

    received = []

    async def on_new_message(message) -> None:
        received.append(message.sender_id)
        await message.output_channel.send_text_message(message.sender_id, f"you said {message.text}")

    Sanic.test_mode = True
    app = Sanic("rasa_channel_test")
    app.add_route(lambda request: response.text("Hello from Rasa"), "/")
    channel = GatewayInput(token="gateway-token")
    app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
    message = {"sender": "web:somebody-else", "message": "my orders please"}

    async def probe():
        async with serving(app) as http:
            refused = [(await http.post("/webhooks/rest/webhook", json=message)).status_code,
                       (await http.post("/webhooks/rest/webhook", json=message,
                                        headers={INTERNAL_TOKEN_HEADER: "gateway-tokem"})).status_code]
            ok = await http.post("/webhooks/rest/webhook", json=message,
                                 headers={INTERNAL_TOKEN_HEADER: "gateway-token"})
            root = await http.get("/")
            return refused, ok.status_code, ok.json(), root.status_code

    refused, status, answer, root = asyncio.run(probe())
    assert refused == [401, 403] and received == ["web:somebody-else"]  # the refused ones never reached Rasa
    assert status == 200 and answer == [{"recipient_id": "web:somebody-else", "text": "you said my orders please"}]
    assert root == 200  # the check is on the channel's routes, not on the rest of Rasa's server


def test_the_gateways_client_sends_its_token(tmp_path, monkeypatch):
    from channels.rasa_client import RasaClient, RasaUnavailable

    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get(INTERNAL_TOKEN_HEADER))
        if request.headers.get(INTERNAL_TOKEN_HEADER) != "right":
            return httpx.Response(403, json={"error": "wrong"})
        return httpx.Response(200, json=[{"recipient_id": "web:a", "text": "hi"}])

    def client(**kwargs) -> RasaClient:
        return RasaClient("http://rasa.test", client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
                          **kwargs)

    assert asyncio.run(client(token="right").send("web:a", "hello")) == [{"recipient_id": "web:a", "text": "hi"}]
    with pytest.raises(RasaUnavailable, match="refused the gateway's token"):
        asyncio.run(client(token="wrong").send("web:a", "hello"))
    monkeypatch.setenv("RETURNBOT_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RETURNBOT_SECRET", "from-the-environment")
    with pytest.raises(RasaUnavailable):
        asyncio.run(client().send("web:a", "hello"))  # the gateway's own settings, by default
    from_environment = test_settings(tmp_path, RETURNBOT_SECRET="from-the-environment").rasa_channel_token
    assert seen == ["right", "wrong", from_environment]


# -- 5: var/ for the service's user alone ----------------------------------------------------------------------
def test_var_is_made_private_whatever_the_umask_left(tmp_path):
    var, elsewhere = tmp_path / "var", tmp_path / "elsewhere.txt"
    elsewhere.write_text("not ours to change")
    elsewhere.chmod(0o644)
    with umask(0):
        (var / "attachments" / "web_x").mkdir(parents=True, mode=0o777)
        for name in ("returnbot.db", "returnbot.db-wal", "returnbot.db-shm", "tracker.db", "tracker.db-wal",
                     "endpoints.yml", "attachments/web_x/photo.jpg"):
            (var / name).write_bytes(b"x")
            (var / name).chmod(0o666)
        var.chmod(0o755)
        (var / "link").symlink_to(elsewhere)
        (var / "merchants-backups").mkdir(mode=0o755)
        (var / "merchants-backups" / "restore.sh").write_text("#!/bin/sh\n")
        (var / "merchants-backups" / "restore.sh").chmod(0o755)
        make_private(var)
    assert stat.S_IMODE((var / "merchants-backups" / "restore.sh").stat().st_mode) == 0o755  # not ours: kept
    modes = {str(p.relative_to(var)): stat.S_IMODE(p.lstat().st_mode) for p in [var, *var.rglob("*")]
             if not p.is_symlink() and p.name != "restore.sh"}
    assert [modes.pop(d) for d in (".", "attachments", "attachments/web_x", "merchants-backups")] == [0o700] * 4
    assert set(modes.values()) == {0o600}, modes
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o644  # a link's target is left alone


def test_a_var_folder_that_is_not_returnbots_own_is_refused():
    from cli.stack import StackError

    for folder in (Path("/"), Path.home()):
        with pytest.raises(StackError, match="a folder of its own"):
            make_private(folder)


def test_every_child_creates_files_for_our_user_alone(tmp_path):
    with umask(0):
        made = subprocess.run([sys.executable, "-c", "import os, sys; mask = os.umask(0); os.umask(mask); print(mask); "
                               "import sqlite3; sqlite3.connect(sys.argv[1]).execute('create table t (x)')",
                               str(tmp_path / "new.db")], preexec_fn=_in_child, capture_output=True, text=True,
                              check=True)
    assert made.stdout.strip() == str(0o077)
    assert stat.S_IMODE((tmp_path / "new.db").stat().st_mode) == 0o600


def test_the_returnbot_command_writes_private_files(tmp_path, monkeypatch):
    from cli.main import main

    monkeypatch.setenv("RETURNBOT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RETURNBOT_SECRET", "test-secret")
    monkeypatch.delenv("RETURNBOT_DATABASE_URL", raising=False)
    orders = tmp_path / "orders.json"
    orders.write_text((ROOT / "data" / "demo_orders.json").read_text())
    with umask(0):
        assert main(["import-orders", str(orders)]) == 0
        assert os.umask(0) == 0  # put back as it was
    assert stat.S_IMODE((tmp_path / "var" / "returnbot.db").stat().st_mode) == 0o600


# -- 14: no telemetry unless the merchant turns it on ---------------------------------------------------------
@pytest.mark.parametrize("given, expected", [(None, "false"), ("", "false"), ("false", "false"), ("true", "true"),
                                             ("True", "true"), ("1", "true")])
def test_rasa_telemetry_is_off_unless_the_merchant_turns_it_on(tmp_path, monkeypatch, given, expected):
    extra = {} if given is None else {"RASA_TELEMETRY_ENABLED": given}
    monkeypatch.delenv("RASA_TELEMETRY_ENABLED", raising=False)
    stack = Stack(test_settings(tmp_path, **extra), tmp_path / "model.tar.gz")
    assert stack.env()["RASA_TELEMETRY_ENABLED"] == expected


def test_a_telemetry_setting_that_is_not_true_or_false_is_an_error(tmp_path):
    with pytest.raises(SettingsError, match="RASA_TELEMETRY_ENABLED must be true or false"):
        test_settings(tmp_path, RASA_TELEMETRY_ENABLED="maybe")


def test_returnbot_commands_and_training_run_rasa_without_telemetry(tmp_path, monkeypatch):
    from cli.main import main
    from cli.model import _training_environment

    monkeypatch.delenv("RASA_TELEMETRY_ENABLED", raising=False)
    assert _training_environment()["RASA_TELEMETRY_ENABLED"] == "false"
    monkeypatch.setenv("RETURNBOT_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RETURNBOT_SECRET", "test-secret")
    assert main(["returns", "list", "--json"]) == 0
    assert os.environ["RASA_TELEMETRY_ENABLED"] == "false"  # for Rasa in this process and `rasa train`


# -- quiet start --------------------------------------------------------------------------------------------------
def test_dependencies_deprecation_warnings_are_not_shown_but_ours_are():
    code = ("import warnings\n"
            "from cli.environment import quiet_warnings\n"
            "quiet_warnings()\n"
            "for module in ('pkg_resources', 'bot.store'):\n"
            "    warnings.warn_explicit(f'old API in {module}', DeprecationWarning, 'x.py', 1, module=module)\n"
            "warnings.warn_explicit(\"The utterance 'utter_greet' is not used in any story or rule.\", UserWarning,"
            " 'v.py', 1, module='rasa.validator')\n"
            "warnings.warn_explicit('something else', UserWarning, 'y.py', 1, module='rasa.core')\n")
    shown = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stderr
    assert "old API in bot.store" in shown and "something else" in shown
    assert "pkg_resources" not in shown and "utter_greet" not in shown


# -- the running stack, started under umask 000 --------------------------------------------------------------------
@pytest.fixture(scope="module")
def open_umask_stack(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("process-security") / "var"
    offset = int(os.environ.get("RETURNBOT_TEST_PORT_OFFSET", "0")) + 900
    settings = test_settings(var_dir, RETURNBOT_RASA_PORT=15005 + offset, RETURNBOT_ACTIONS_PORT=15055 + offset,
                             RETURNBOT_GATEWAY_PORT=18000 + offset)
    model = ensure_model()
    with umask(0):
        var_dir.mkdir(mode=0o755)
        store = SqlStore.from_url(settings.database_url)  # 0644, as an earlier version left it
        store.upsert_orders(load_orders_file(DEMO_STORE, rebase_to=datetime.now(timezone.utc).date()))
        store.engine.dispose()
        running = Stack(settings, model, log_dir=var_dir / "logs")
        running.start()
    try:
        customer = Customer(running)  # a conversation, so every database has its -wal and -shm files
        assert "postcode" in customer.say("where is my order #1002")
        assert "on its way" in customer.say("chloe.dubois@example.fr")
        yield running
    finally:
        running.stop()


def _group(pgid: int) -> List[int]:
    """Every process in the process group (a child and whatever it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                found.append(int(entry.name))
    return found


@pytest.mark.stack
def test_the_running_stack_shows_no_secret_to_other_users(open_umask_stack):
    secrets = secrets_of(open_umask_stack.settings)
    seen = 0
    for process in open_umask_stack.processes:
        for pid in _group(process.popen.pid):
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            seen += 1
            for what, value in secrets.items():
                assert value not in argv, f"{what} in the command line of {process.name} ({pid})"
    assert seen >= len(open_umask_stack.processes)


@pytest.mark.stack
def test_the_running_stack_answers_only_its_own_processes(open_umask_stack):
    s = open_umask_stack.settings
    message = {"sender": "web:another-customer", "message": "where is my order #1002"}
    rasa = f"http://127.0.0.1:{s.rasa_port}/webhooks/rest/webhook"
    actions = f"http://127.0.0.1:{s.actions_port}/webhook"
    call = {"next_action": "action_converse", "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": "web:another-customer", "slots": {}, "latest_message": {"text": "hi"},
                        "events": [], "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": None}}
    assert httpx.post(rasa, json=message, timeout=30).status_code == 401
    assert httpx.post(rasa, json=message, headers={INTERNAL_TOKEN_HEADER: s.action_server_token},
                      timeout=30).status_code == 403  # the other hop's token is no key here
    assert httpx.post(actions, json=call, timeout=30).status_code == 401
    assert httpx.post(actions, json=call, headers={INTERNAL_TOKEN_HEADER: s.rasa_channel_token},
                      timeout=30).status_code == 403
    assert httpx.get(f"http://127.0.0.1:{s.actions_port}/health", timeout=30).status_code == 200
    answer = httpx.post(rasa, json=message, headers={INTERNAL_TOKEN_HEADER: s.rasa_channel_token}, timeout=60)
    assert answer.status_code == 200 and "postcode" in answer.text  # the gateway's token: Rasa, and its actions


@pytest.mark.stack
def test_the_running_stack_keeps_var_private_under_umask_000(open_umask_stack):
    var_dir = open_umask_stack.settings.var_dir
    files = {str(p.relative_to(var_dir)): stat.S_IMODE(p.stat().st_mode) for p in var_dir.rglob("*")}
    for name in ("returnbot.db", "returnbot.db-wal", "returnbot.db-shm", "tracker.db", "tracker.db-wal",
                 "tracker.db-shm", "endpoints.yml", "logs/rasa.log", "logs/gateway.log"):
        assert name in files, sorted(files)
    assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700
    assert {name: mode for name, mode in files.items() if mode != (0o700 if (var_dir / name).is_dir() else 0o600)} == {}


@pytest.mark.stack
def test_the_running_stack_sends_no_telemetry_and_logs_no_dependency_chatter(open_umask_stack):
    for process in open_umask_stack.processes:
        environ = Path(f"/proc/{process.popen.pid}/environ").read_bytes().split(b"\0")
        assert b"RASA_TELEMETRY_ENABLED=false" in environ, process.name
    logs = {p.name: p.read_text(errors="replace") for p in (open_umask_stack.settings.var_dir / "logs").iterdir()}
    assert set(logs) == {"actions.log", "rasa.log", "gateway.log"}
    for name, text in logs.items():
        for chatter in ("DeprecationWarning", "Warning:", "telemetry", "oneDNN", "tensorflow", "Sanic v"):
            assert chatter not in text, f"{name}: {chatter}\n{text}"
