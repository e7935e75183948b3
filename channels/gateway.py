"""Gateway process: one aiohttp application serving every channel's routes, and its entry point.

`build_gateway` builds what the channels share (the `Hub`: one outbox, relay and router), then each
channel of `CHANNELS` (channels/contract.py says what a channel offers); tests pass fakes for the
collaborators. `main` reads settings and runs it. Adding a channel is one package and one line in
`CHANNELS` (docs/architecture.md, "Adding a channel").
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Dict, List, Sequence

import httpx
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.language_detection import LINGUA, warm
from bot.privacy import loggable_error
from channels.contract import Channel, ChannelFactory, Health, Hub, Off
from channels.http_body import MAX_REQUEST_BYTES, answer_expect_safely
from channels.limits import CASE_DEFAULTS, CaseGate, Limit
from channels.marketplaces import marketplace_orders_channel
from channels.rasa_client import RasaClient
from channels.returns_webhook import return_updates_channel
from channels.slack import slack_channel
from channels.telegram import telegram_channel
from channels.web import web_channel

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.settings import Settings

log = logging.getLogger(__name__)

# Every channel the gateway can run, in start order (stopped in reverse: the agents' desk before the
# customers' channels, so its last replies still reach the outbox). A factory returns the channel, or
# `Off` with the reason it is not on (logged).
CHANNELS: Sequence[ChannelFactory] = (
    web_channel,  # the web chat, the returns portal and slip downloads
    telegram_channel,  # the shop's Telegram bot (TELEGRAM_BOT_TOKEN)
    slack_channel,  # the agents' desk in Slack (SLACK_BOT_TOKEN)
    return_updates_channel,  # the returns webhook and the notices it causes
    marketplace_orders_channel,  # live orders: Shopify's webhooks, the marketplaces' sync (docs/sources.md)
)

SERVER_NAME = "returnbot"  # what a response aiohttp makes before any route names as its server
CHANNELS_ON = web.AppKey("channels_on", dict)  # name -> each channel that is on, in start order
SLACK_CHANNEL = web.AppKey("slack_channel", object)  # the "slack" channel, or None (the tests reach it so)
RETURN_UPDATES = web.AppKey("return_updates", object)  # the "return-updates" channel, or None (likewise)


def build_gateway(settings: Settings, services: Services, rasa: RasaClient,
                  channels: Sequence[ChannelFactory] = CHANNELS) -> web.Application:
    """The gateway application: /healthz and each of `channels` that is on, by default the web chat,
    the Telegram bot when settings.telegram_bot_token is set, the agents' Slack app when
    settings.slack_bot_token is, and the returns webhook.

    One outbox, relay and router serve every channel: what the bot, an agent or an update says
    to a customer is queued once and delivered in order on the customer's own channel (web chat
    pulls its rows; Telegram's are sent by the relay). The Slack app is the router's `AgentDesk`:
    while an agent owns a conversation the bot stays silent and the customer's words go to the
    case's thread. `app[CHANNELS_ON]` maps each running channel's name to it.

    Limits (channels/limits.py, from settings): new web sessions per client address and overall,
    and new cases for a person from customers who verified no order (with the order services).
    No response names the server software."""
    hub = _hub(settings, services, rasa)
    answer_expect_safely()
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app.on_response_prepare.append(_no_server_name)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "rasa": "up" if await rasa.healthy() else "down"})

    app.router.add_get("/healthz", healthz)
    on: Dict[str, Channel] = {}
    for make in channels:
        channel = make(hub)
        if isinstance(channel, Off):
            if channel.why:
                log.info("%s: off (%s)", channel.title, channel.why)
            continue
        if channel.name in on:
            raise ValueError(f"two channels are named {channel.name!r}")
        if channel.renderer is not None:
            hub.router.add_renderer(channel.name, channel.renderer)
        if channel.desk is not None:
            hub.router.add_desk(channel.desk)
        channel.add_routes(app)
        on[channel.name] = channel
    app[CHANNELS_ON] = on
    app[SLACK_CHANNEL], app[RETURN_UPDATES] = on.get("slack"), on.get("return-updates")

    starting: Dict[str, asyncio.Task] = {}
    background: List[asyncio.Task] = []

    async def start(app: web.Application) -> None:
        # the language detector's models (~2 s), built before any channel takes a message and off the
        # event loop, so neither the first customer nor anyone else waits for them
        if not await asyncio.get_running_loop().run_in_executor(None, warm):
            log.warning("language detection: lingua is unavailable (%s); detecting with word lists only",
                        LINGUA.error)
        hub.relay.start()
        for channel in on.values():  # each in a task: a channel waiting for its service holds up nothing
            task = starting[channel.name] = asyncio.create_task(channel.start(), name=f"{channel.name}-start")
            task.add_done_callback(_start_failed)
        platforms = getattr(services, "platforms", None)
        if platforms is not None and hasattr(settings, "platform_sync_minutes"):
            from integrations.runner import sync_forever

            background.append(asyncio.create_task(sync_forever(settings, platforms), name="returns-platforms"))

    async def stop(app: web.Application) -> None:
        # on_shutdown, not on_cleanup: aiohttp waits (up to a minute) for running tasks in between
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        for channel in reversed(on.values()):
            task = starting.pop(channel.name, None)
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            await channel.stop()
        await hub.relay.close()

    async def close_rasa(app: web.Application) -> None:
        await rasa.aclose()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    app.on_cleanup.append(close_rasa)
    return app


def channel_health(app: web.Application) -> Dict[str, Health]:
    """Each running channel's health (`starting`, `up` or `off`), by name."""
    return {name: channel.health() for name, channel in app[CHANNELS_ON].items()}


def _hub(settings: Settings, services: Services, rasa: RasaClient) -> Hub:
    """What every channel shares: one outbox, its relay, attachments, the language of each conversation,
    the cases for a person (with the order services) and the router, whose renderers and desk the
    channels bring."""
    from bot.attachments import AttachmentStore
    from bot.sql.attachments import SqlAttachments
    from bot.sql.conversation_languages import SqlConversationLanguages
    from bot.sql.outbox import SqlOutbox
    from bot.sql.store import SqlStore
    from bot.sql.unit_of_work import SqlUnitOfWork
    from channels.relay import Relay
    from channels.router import Router

    engine = services.store.engine  # the order store's database keeps the outbox and the attachments' records
    outbox = SqlOutbox(engine)
    relay = Relay(outbox)
    attachments = AttachmentStore(SqlAttachments(engine), settings.var_dir / "attachments")
    # A turn's claim and replies are each one unit of work with their transcript entries when the
    # transcript is the SQL store on that database; any other transcript is written after each.
    units = (lambda: SqlUnitOfWork(engine)) if isinstance(services.store, SqlStore) else None
    languages = SqlConversationLanguages(engine)  # the language of each conversation, chosen by the router
    handoffs = _handoffs(services)
    cases = None if handoffs is None else CaseGate(handoffs, Limit.of(settings, "case", CASE_DEFAULTS),
                                                   contact=getattr(settings, "shop_contact", ""), now=handoffs.clock)
    router = Router(rasa, outbox, {}, notify=relay.wake, transcript=services.store, attachments=attachments,
                    cases=cases, units=units, languages=languages)
    return Hub(settings=settings, services=services, router=router, relay=relay, outbox=outbox,
               attachments=attachments, handoffs=handoffs, languages=languages)


def _handoffs(services: Services):
    """The cases for a person (bot.handoffs), with the order services; None for a gateway without them
    (web chat tests)."""
    from bot.store import SqlStore

    if not isinstance(services.store, SqlStore) or not hasattr(services.returns, "policy"):
        return None
    from bot.handoffs import HandoffService

    return HandoffService(services.store, services.returns)


def _start_failed(task: asyncio.Task) -> None:
    """A channel's start that raised (a bug: a channel says in the log why it is off) is logged, once."""
    if not task.cancelled() and task.exception() is not None:
        log.error("%s failed\n%s", task.get_name(), loggable_error(task.exception()))


async def _no_server_name(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """No `Server: Python/3.x aiohttp/3.x` (it tells a prober which versions to try)."""
    response.headers.pop("Server", None)


def neutral_server_banner() -> None:
    """aiohttp answers a request it cannot even parse (before any route, so without `_no_server_name`)
    with its default `Server: Python/3.x aiohttp/3.x`: in the gateway's process that default is a
    neutral name (aiohttp reads it from this module global for every response it prepares)."""
    from aiohttp import web_response

    web_response.SERVER_SOFTWARE = SERVER_NAME


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Access log without query strings: slip links carry their access token in `?t=`."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %.3fs", request.method, request.path, response.status, time)


def main() -> None:
    """Runs the gateway on settings.gateway_host:gateway_port until interrupted."""
    from bot import bootstrap
    from bot.privacy import PersonalDataFilter
    from bot.settings import Settings

    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # whatever a library prints, no customer's personal data
        handler.addFilter(PersonalDataFilter())
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines carry the Telegram bot token
    settings = Settings.from_env(os.environ)
    neutral_server_banner()
    services = bootstrap.build(settings)
    app = build_gateway(settings, services, RasaClient(
        settings.rasa_servers, timeout=httpx.Timeout(float(settings.rasa_timeout_seconds), connect=5.0),
        token=settings.rasa_channel_token))
    log.info("web chat on http://%s:%s (Rasa at %s)", settings.gateway_host, settings.gateway_port,
             ", ".join(settings.rasa_servers))
    web.run_app(app, host=settings.gateway_host, port=settings.gateway_port, print=None,
                access_log_class=PathOnlyAccessLogger)


if __name__ == "__main__":
    main()
