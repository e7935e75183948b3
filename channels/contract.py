"""The channel contract: what a channel offers the gateway, what the gateway shares with it, and
how a channel that must reach a service starts.

The gateway (`channels/gateway.py`) holds its channels in one list, `CHANNELS`, of factories: each
takes the `Hub` (what every channel shares: settings, services, the router, the relay, the outbox,
attachments and cases) and returns a `Channel`, or `Off` with the reason it is not on. For each
channel that is on, the gateway registers its renderer and its desk with the router, adds its
routes, starts it in the background with the application and stops it, in reverse order, at
shutdown. Nothing else in the gateway knows a channel.

A channel here is anything that carries words or events between the outside and the router:
- a customer channel renders replies for its customers' conversations (`<name>:<id>`): the web
  chat (with the returns portal, a second page on the chat's sessions), Telegram;
- the agents' channel is the router's `AgentDesk`: Slack;
- a routes-only channel has neither: the returns webhook (its notices reach each customer on
  their own channel through the router).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Literal, Optional, Protocol, Tuple, Type, Union

from bot.privacy import loggable, loggable_error
from channels.relay import Backoff

if TYPE_CHECKING:
    from aiohttp import web

    from bot.attachments import AttachmentStore
    from bot.repositories import ConversationLanguages
    from bot.handoffs import HandoffService
    from bot.outbox import Outbox
    from channels.relay import Relay
    from channels.router import AgentDesk, Renderer, Router

log = logging.getLogger(__name__)

Health = Literal["starting", "up", "off"]
STARTING: Health = "starting"  # built, not running yet (or waiting for its service: see the log)
UP: Health = "up"  # running
OFF: Health = "off"  # gave up (its service refused it, or it failed to start) or stopped

START_BACKOFF = Backoff(base=5.0, factor=2.0, cap=300.0)  # between attempts to start a channel


class Channel(Protocol):
    """What a channel offers the gateway."""

    name: str  # unique; a customer channel's conversation ids are `<name>:<id>`
    renderer: Optional[Renderer]  # a Rasa reply -> this channel's outbox payloads; None: not a customer channel
    desk: Optional[AgentDesk]  # where customers' words go while people handle their case; None: not agents'

    def add_routes(self, app: web.Application) -> None:
        """Adds the channel's HTTP routes (its webhook, its pages), if any, to the gateway's app."""

    async def start(self) -> None:
        """Runs until the channel is on (or has given up, saying why in the log). The gateway runs it
        in a task of its own, so a channel waiting for its service never holds up the others;
        cancelling that task ends the wait."""

    async def stop(self) -> None:
        """Stops the channel, whether or not it finished starting."""

    def health(self) -> Health:
        """Whether the channel is starting, up or off."""


@dataclass(frozen=True)
class Off:
    """What a factory returns for a channel that is not on: the gateway logs `<title>: off (<why>)`;
    nothing when `why` is empty (a part this gateway does not have, e.g. without the order services)."""

    title: str
    why: str = ""


@dataclass(frozen=True)
class Hub:
    """What the gateway shares with the channels it builds, built once before them."""

    settings: Any  # bot.settings.Settings (tests pass a smaller object: read optional settings with getattr)
    services: Any  # bot.bootstrap.Services (the web chat's tests pass only a store and returns)
    router: Router  # what a channel hands customers' words and events to; `deliver` queues to a customer
    relay: Relay  # delivers the outbox: a channel that sends (not pulled by a page) adds its sender
    outbox: Outbox
    attachments: AttachmentStore  # photos customers send
    handoffs: Optional[HandoffService]  # cases for a person; None without the order services
    languages: Optional[ConversationLanguages] = None  # the language each conversation is in (the router keeps it)


ChannelFactory = Callable[[Hub], Union[Channel, Off]]


class RoutesChannel:
    """A channel that is only routes (the web chat): up while the gateway runs."""

    desk = None

    def __init__(self, name: str, add_routes: Callable[[web.Application], Any],
                 renderer: Optional[Renderer] = None) -> None:
        self.name, self._add_routes, self.renderer = name, add_routes, renderer
        self._health: Health = STARTING

    def add_routes(self, app: web.Application) -> None:
        self._add_routes(app)

    async def start(self) -> None:
        self._health = UP

    async def stop(self) -> None:
        self._health = OFF

    def health(self) -> Health:
        return self._health


class RepeatingChannel:
    """A routes-only channel with a job it repeats in the background, every `interval` seconds from
    start to stop (none when `interval` is 0): the returns webhook's notices, the marketplaces' sync.
    A round that fails (the database briefly unavailable) is logged in one line and the next round
    tries again. Subclasses set `name`, `interval` and `round`."""

    renderer = None
    desk = None
    name: str
    interval: float

    def __init__(self) -> None:
        self._task: Optional[asyncio.Task] = None
        self._health: Health = STARTING

    async def round(self) -> None:
        raise NotImplementedError

    def health(self) -> Health:
        return self._health

    async def start(self) -> None:
        if self.interval > 0:
            self._task = asyncio.create_task(self._forever(), name=self.name)
        self._health = UP

    async def stop(self) -> None:
        self._health = OFF
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _forever(self) -> None:
        while True:
            try:
                await self.round()
            except Exception as exc:  # (a cancellation is no Exception: it ends the loop)
                log.warning("%s: round failed (%s); again in %.0f s", self.name, loggable(exc), self.interval)
            await asyncio.sleep(self.interval)


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
    `connect` is called again after `backoff` (one policy for every channel: 5 s, 10 s, 20 s ... at
    most 5 minutes); anything else turns the channel off, logged with where it failed. Cancelling
    the task that runs it stops the retries."""
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
