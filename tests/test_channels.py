"""The gateway's channel contract (channels/contract.py): how a channel that must reach a service
starts, whatever the channel, and how the gateway runs the channels of its list."""
from __future__ import annotations

import logging
from typing import Dict, List

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from channels.contract import START_BACKOFF, Off, start_with_retry
from channels.gateway import CHANNELS, CHANNELS_ON, build_gateway, channel_health
from tests.fakes import FakeRasa
from tests.telegram_customer import eventually
from tests.telegram_rig import on_fake_telegram


class Unreachable(OSError):
    pass


class Connect:
    """Fails with each of `failures` in turn, then connects."""

    def __init__(self, *failures: BaseException):
        self.failures, self.calls = list(failures), 0

    async def __call__(self) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)


def refused_when_forbidden(exc: BaseException):
    return "the service refused the token" if isinstance(exc, PermissionError) else None


@pytest.fixture
def slept() -> List[float]:
    return []


async def test_a_channel_that_cannot_reach_its_service_retries_with_backoff_until_it_starts(slept, caplog):
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    connect = Connect(Unreachable("connection refused"), Unreachable("connection refused"), TimeoutError())
    started = await start_with_retry(connect, "Chat", retry_on=(OSError,), sleep=sleep)
    assert started and connect.calls == 4
    assert slept == [5.0, 10.0, 20.0] == [START_BACKOFF.delay(n) for n in (1, 2, 3)]
    assert "Chat: could not start (connection refused); retrying in 5 s" in caplog.text


def test_the_start_backoff_doubles_from_five_seconds_up_to_five_minutes():
    assert [START_BACKOFF.delay(n) for n in (1, 2, 3, 7, 8, 30)] == [5.0, 10.0, 20.0, 300.0, 300.0, 300.0]


@pytest.mark.parametrize("failure, logged", [
    (PermissionError("403"), "Chat: off (the service refused the token)"),
    (ValueError("a bug"), "Chat: off (failed to start)"),
], ids=["refused", "unexpected"])
async def test_a_refused_token_or_an_unexpected_error_turns_the_channel_off_without_retrying(
        slept, caplog, failure, logged):
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    caplog.set_level(logging.INFO)
    connect = Connect(failure)
    started = await start_with_retry(connect, "Chat", retry_on=(OSError,), refused=refused_when_forbidden,
                                     sleep=sleep)
    assert not started and connect.calls == 1 and slept == []
    assert logged in caplog.text


def test_telegram_and_slack_tell_a_refused_token_from_an_outage():
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.slack_response import SlackResponse
    from telegram.error import InvalidToken, NetworkError

    from channels.slack.channel import _refused as slack_refused
    from channels.telegram.channel import _refused as telegram_refused

    def slack_error(status: int, error: str) -> SlackApiError:
        response = SlackResponse(client=None, http_verb="POST", api_url="https://slack.test/api/auth.test",
                                 req_args={}, data={"ok": False, "error": error}, headers={}, status_code=status)
        return SlackApiError(error, response)

    assert "TELEGRAM_BOT_TOKEN" in telegram_refused(InvalidToken())
    assert telegram_refused(NetworkError("timed out")) is None
    assert "invalid_auth" in slack_refused(slack_error(200, "invalid_auth"))
    assert slack_refused(slack_error(429, "ratelimited")) is None
    assert slack_refused(slack_error(503, "service_unavailable")) is None
    assert slack_refused(OSError("connection refused")) is None


# -- the gateway runs the channels of its list ----------------------------------------------------
class Recorder:
    """A channel a new package could add (say WhatsApp): a renderer, a route, start and stop."""

    def __init__(self, name: str, events: List[str], hub):
        self.name, self.events, self.hub = name, events, hub
        self.desk = None
        self.state = "starting"

    def renderer(self, reply: dict) -> List[dict]:
        return [{"text": reply["text"].upper()}]

    def add_routes(self, app: web.Application) -> None:
        async def ping(request: web.Request) -> web.Response:
            return web.json_response({"channel": self.name})

        app.router.add_get(f"/{self.name}/ping", ping)

    async def start(self) -> None:
        self.events.append(f"start {self.name}")
        self.state = "up"

    async def stop(self) -> None:
        self.events.append(f"stop {self.name}")
        self.state = "off"

    def health(self):
        return self.state


async def test_a_new_channel_is_one_factory_in_the_list(services, caplog):
    events: List[str] = []
    built: Dict[str, Recorder] = {}

    def factory(name: str):
        def make(hub):
            built[name] = Recorder(name, events, hub)
            return built[name]
        return make

    def not_configured(hub):
        return Off("Pigeon post", "set PIGEON_LOFT to turn it on")

    caplog.set_level(logging.INFO, logger="channels.gateway")
    app = build_gateway(services.settings, services, FakeRasa().client(),
                        channels=(*CHANNELS, factory("whatsapp"), not_configured, factory("sms")))
    assert "Pigeon post: off (set PIGEON_LOFT to turn it on)" in caplog.text
    assert list(app[CHANNELS_ON]) == ["web", "return-updates", "whatsapp", "sms"]  # no tokens: no Telegram, Slack
    async with TestClient(TestServer(app)) as client:
        assert await (await client.get("/whatsapp/ping")).json() == {"channel": "whatsapp"}
        await eventually(lambda: set(channel_health(app).values()) == {"up"})
        router = built["whatsapp"].hub.router
        router.deliver("whatsapp:4477", "your refund is on its way", "test:whatsapp:1")
        outbox = built["whatsapp"].hub.outbox
        assert outbox.head("whatsapp:4477").payload == {"text": "YOUR REFUND IS ON ITS WAY"}
    assert events == ["start whatsapp", "start sms", "stop sms", "stop whatsapp"]
    assert set(channel_health(app).values()) == {"off"}


async def test_the_gateway_reports_each_channels_health(services, fake_telegram):
    settings = on_fake_telegram(services.settings, fake_telegram)
    app = build_gateway(settings, services, FakeRasa().client())
    assert channel_health(app) == {"web": "starting", "telegram": "starting", "return-updates": "starting"}
    async with TestClient(TestServer(app)):
        await eventually(lambda: channel_health(app) == {"web": "up", "telegram": "up", "return-updates": "up"})
    assert channel_health(app) == {"web": "off", "telegram": "off", "return-updates": "off"}


async def test_a_token_telegram_refuses_turns_telegram_off_and_the_rest_runs(services, fake_telegram, caplog):
    settings = services.settings.with_overrides(telegram_bot_token="999:not-the-token",
                                                telegram_api_base_url=fake_telegram.url)
    app = build_gateway(settings, services, FakeRasa().client())
    async with TestClient(TestServer(app)) as client:
        await eventually(lambda: channel_health(app)["telegram"] == "off")
        assert channel_health(app)["web"] == "up" and (await client.post("/api/session")).status == 200
    assert "Telegram: off (Telegram refused TELEGRAM_BOT_TOKEN" in caplog.text


def test_two_channels_with_one_name_or_two_desks_are_refused(services):
    from tests.fakes import FakeDesk

    def desk(name: str):
        def make(hub):
            channel = Recorder(name, [], hub)
            channel.desk = FakeDesk()
            return channel
        return make

    with pytest.raises(ValueError, match="two channels are named 'web'"):
        build_gateway(services.settings, services, FakeRasa().client(), channels=(*CHANNELS, desk("web")))
    with pytest.raises(ValueError, match="agents answer in one place"):
        build_gateway(services.settings, services, FakeRasa().client(), channels=(desk("zendesk"), desk("freshdesk")))


# -- the gateway builds the language detector before the first customer -------------------------
async def test_the_gateway_warms_the_language_detector_off_the_event_loop_before_the_channels_start(
        services, monkeypatch):
    import threading

    from channels import gateway

    events: List[str] = []

    def warm() -> bool:
        events.append("warm" if threading.current_thread() is not threading.main_thread() else "warm on loop")
        return True

    monkeypatch.setattr(gateway, "warm", warm)
    app = build_gateway(services.settings, services, FakeRasa().client(),
                        channels=(lambda hub: Recorder("whatsapp", events, hub),))
    assert events == []  # building the app builds no detector
    async with TestClient(TestServer(app)):
        await eventually(lambda: channel_health(app) == {"whatsapp": "up"})
    assert events == ["warm", "start whatsapp", "stop whatsapp"]


async def test_a_gateway_without_lingua_starts_and_says_the_word_lists_decide(services, monkeypatch, caplog):
    from bot.language_detection import LinguaDetector
    from channels import gateway

    monkeypatch.setitem(__import__("sys").modules, "lingua", None)  # `import lingua` raises ImportError
    broken = LinguaDetector()
    monkeypatch.setattr(gateway, "warm", broken.available)
    monkeypatch.setattr(gateway, "LINGUA", broken)
    app = build_gateway(services.settings, services, FakeRasa().client(), channels=())
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
    assert "lingua is unavailable (ModuleNotFoundError: import of lingua halted" in caplog.text
    assert "word lists only" in caplog.text
