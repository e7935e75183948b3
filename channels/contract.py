"""What the gateway's channels share: starting a channel that must reach a service first.

`start_with_retry` is how Telegram and Slack (and any channel that connects to a service) start:
one policy for all of them, so a channel never holds up the gateway, says in the log why it waits
or why it is off, and backs off the same way (5 s, 10 s, 20 s ... at most 5 minutes).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Optional, Tuple, Type

from bot.privacy import loggable, loggable_error
from channels.relay import Backoff

log = logging.getLogger(__name__)

START_BACKOFF = Backoff(base=5.0, factor=2.0, cap=300.0)  # between attempts to start a channel


def never_refused(exc: BaseException) -> Optional[str]:
    return None


async def start_with_retry(connect: Callable[[], Awaitable[None]], title: str, *,
                           retry_on: Tuple[Type[BaseException], ...],
                           refused: Callable[[BaseException], Optional[str]] = never_refused,
                           backoff: Backoff = START_BACKOFF,
                           sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                           logger: logging.Logger = log) -> bool:
    """Calls `connect` until it succeeds: True. An error `refused` explains (the service refused
    the channel's token) turns the channel off: `<title>: off (<explanation>)`, False. An error of
    `retry_on` (the service cannot be reached, or failed on its side) is logged in one line and
    `connect` is called again after `backoff`; anything else turns the channel off, logged with
    where it failed. Cancelling the task that runs it stops the retries."""
    attempt = 0
    while True:
        try:
            await connect()
            return True
        except Exception as exc:  # (a cancellation is no Exception: it ends the retries)
            reason = refused(exc)
            if reason is not None:
                logger.error("%s: off (%s)", title, reason)
                return False
            if not isinstance(exc, retry_on):
                logger.error("%s: off (failed to start)\n%s", title, loggable_error(exc))
                return False
            attempt += 1
            delay = backoff.delay(attempt)
            logger.warning("%s: could not start (%s); retrying in %.0f s", title, loggable(exc), delay)
            await sleep(delay)
