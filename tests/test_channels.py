"""The gateway's channel contract (channels/contract.py): how a channel that must reach a service
starts, whatever the channel."""
from __future__ import annotations

import logging
from typing import List

import pytest

from channels.contract import START_BACKOFF, start_with_retry


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
