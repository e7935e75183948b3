"""Gateway process: one aiohttp application serving every channel's routes, and its entry point.

`build_gateway` wires collaborators into routes (tests pass fakes); `main` reads settings and runs it.
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List

import httpx
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

import bot.attachments  # noqa: F401  (their tables join bot.store.metadata before create_schema)
import bot.handoffs  # noqa: F401
import bot.outbox  # noqa: F401
from channels.limits import CASE_DEFAULTS, SESSION_DEFAULTS, CaseGate, ClientAddresses, Limit, WindowCounter
from channels.rasa_client import RasaClient
from channels.web import DEFAULT_SHOP_NAME, MAX_BODY_BYTES, add_web_routes

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.settings import Settings
    from channels.relay import Relay
    from channels.router import Renderer, Router
    from channels.slack import SlackChannel

log = logging.getLogger(__name__)

SERVER_NAME = "returnbot"  # what a response aiohttp makes before any route names as its server
SLACK_CHANNEL = web.AppKey("slack_channel", object)  # the gateway's SlackChannel, or None
RETURN_UPDATES = web.AppKey("return_updates", object)  # the gateway's UpdateNotifier, or None


def build_gateway(settings: Settings, services: Services, rasa: RasaClient) -> web.Application:
    """The gateway application: web chat routes, /healthz, the Telegram bot when
    settings.telegram_bot_token is set and the agents' Slack app when settings.slack_bot_token is.

    One outbox, relay and router serve every channel: what the bot, an agent or an update says
    to a customer is queued once and delivered in order on the customer's own channel (web chat
    pulls its rows; Telegram's are sent by the relay). The Slack app is the router's `AgentDesk`:
    while an agent owns a conversation the bot stays silent and the customer's words go to the
    case's thread. `app[SLACK_CHANNEL]` is the SlackChannel (None without Slack).

    Limits (channels/limits.py, from settings): new web sessions per client address and overall,
    and new cases for a person from customers who verified no order (with the order services).
    No response names the server software."""
    from bot.attachments import AttachmentStore
    from bot.outbox import Outbox
    from channels.relay import Relay
    from channels.router import Router

    engine = services.store.engine
    outbox = Outbox(engine)
    relay = Relay(outbox)
    attachments = AttachmentStore(engine, settings.var_dir / "attachments")
    renderers: Dict[str, Renderer] = {"web": lambda reply: [reply]}
    telegram_on = bool(getattr(settings, "telegram_bot_token", None))
    if telegram_on:
        renderers["telegram"] = _telegram_renderer()
    contact = getattr(settings, "shop_contact", "")
    handoffs = _handoffs(services)
    slack = _slack(settings, handoffs, attachments, deliver=lambda *message: router.deliver(*message))
    cases = None if handoffs is None else CaseGate(handoffs, Limit.of(settings, "case", CASE_DEFAULTS),
                                                   contact=contact, now=handoffs.clock)
    router = Router(rasa, outbox, renderers, notify=relay.wake, transcript=services.store,
                    attachments=attachments, desk=slack, cases=cases)

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SLACK_CHANNEL] = slack
    app.on_response_prepare.append(_no_server_name)
    add_web_routes(
        app, router=router, outbox=outbox, store=services.store, slip_pdf=services.returns.slip_pdf,
        secret=settings.secret, shop_name=settings.shop_name or DEFAULT_SHOP_NAME,
        secure_cookie=settings.public_url.startswith("https://"), returns=services.returns,
        addresses=ClientAddresses(getattr(settings, "trusted_proxies", ())), contact=contact,
        sessions=WindowCounter(Limit.of(settings, "session", SESSION_DEFAULTS)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "rasa": "up" if await rasa.healthy() else "down"})

    app.router.add_get("/healthz", healthz)
    notifier = app[RETURN_UPDATES] = _return_updates(app, settings, services, router)
    stops: List[Callable[[], Awaitable[None]]] = []
    if telegram_on:
        stops.append(add_telegram(app, settings, services, router, relay))
    else:
        log.info("Telegram: off (set TELEGRAM_BOT_TOKEN to the token @BotFather gave you to turn it on; "
                 "see docs/telegram.md)")
    if slack is not None:
        stops.insert(0, add_slack(app, slack))  # stopped first: its last replies still reach the outbox
    else:
        log.info("Slack: off (handoffs are recorded: `returnbot handoffs list`; set SLACK_BOT_TOKEN, "
                 "SLACK_APP_TOKEN and SLACK_CHANNEL_ID to bring agents in; see docs/slack.md)")

    background: List[asyncio.Task] = []

    async def start(app: web.Application) -> None:
        relay.start()
        if notifier is not None:
            notifier.start()
        platforms = getattr(services, "platforms", None)
        if platforms is not None and hasattr(settings, "platform_sync_minutes"):
            from integrations.runner import sync_forever

            background.append(asyncio.create_task(sync_forever(settings, platforms), name="returns-platforms"))

    async def stop(app: web.Application) -> None:
        # on_shutdown, not on_cleanup: aiohttp waits (up to a minute) for running tasks in between
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        if notifier is not None:
            await notifier.stop()
        for stop_channel in stops:
            await stop_channel()
        await relay.close()

    async def close_rasa(app: web.Application) -> None:
        await rasa.aclose()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    app.on_cleanup.append(close_rasa)
    return app


async def _no_server_name(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """No `Server: Python/3.x aiohttp/3.x` (it tells a prober which versions to try)."""
    response.headers.pop("Server", None)


def neutral_server_banner() -> None:
    """aiohttp answers a request it cannot even parse (before any route, so without `_no_server_name`)
    with its default `Server: Python/3.x aiohttp/3.x`: in the gateway's process that default is a
    neutral name (aiohttp reads it from this module global for every response it prepares)."""
    from aiohttp import web_response

    web_response.SERVER_SOFTWARE = SERVER_NAME


def _handoffs(services: Services):
    """The cases for a person (bot.handoffs), with the order services; None for a gateway without them
    (web chat tests)."""
    from bot.store import SqlStore

    if not isinstance(services.store, SqlStore) or not hasattr(services.returns, "policy"):
        return None
    from bot.handoffs import HandoffService

    return HandoffService(services.store, services.returns)


def _return_updates(app: web.Application, settings: Settings, services: Services, router: Router):
    """The returns webhook and the notifier that tells customers when their return moves."""
    updates = getattr(services, "updates", None)
    if updates is None:  # a gateway without the order services (web chat tests)
        return None
    from channels.updates import WEBHOOK_PATH, ReturnsWebhook, UpdateNotifier, webhook_secret

    app.router.add_post(WEBHOOK_PATH, ReturnsWebhook(updates, webhook_secret(settings.secret)).handle)
    return UpdateNotifier(updates, router)


def _telegram_renderer() -> Renderer:
    from channels.telegram import reply_payloads

    return reply_payloads


def _slack(settings: Settings, handoffs: Any, attachments: Any, deliver: Callable[[str, str, str], None]):
    """The agents' Slack channel when Slack is configured (on the gateway's HandoffService), else None."""
    if not getattr(settings, "slack_bot_token", None) or handoffs is None:
        return None
    from channels.slack import SlackChannel

    return SlackChannel(settings, handoffs, deliver, attachments=attachments)


def add_telegram(app: web.Application, settings: Settings, services: Services, router: Router,
                 relay: Relay) -> Callable[[], Awaitable[None]]:
    """The Telegram bot on the shared router and relay, and (in webhook mode) its route; started
    with `app`. Returns what stops it."""
    from channels.telegram import TelegramChannel

    returns = services.returns
    telegram = TelegramChannel(settings, router, relay,
                               slip_pdf=lambda rma_id: returns.slip_pdf(rma_id, returns.slip_token(rma_id)))
    if telegram.webhook_path:
        app.router.add_post(telegram.webhook_path, telegram.webhook)
    return _started(app, telegram, "telegram")


def add_slack(app: web.Application, slack: SlackChannel) -> Callable[[], Awaitable[None]]:
    """The agents' Slack app: its HTTP route (HTTP mode) and start-up; returns what stops it."""
    slack.add_routes(app)
    return _started(app, slack, "slack")


def _started(app: web.Application, channel: Any, name: str) -> Callable[[], Awaitable[None]]:
    """Starts `channel` (start_with_retry, in a task: a channel that cannot reach its service yet
    must not hold up the gateway) with `app`; returns what cancels that and stops the channel."""
    tasks: List[asyncio.Task] = []

    async def start(app: web.Application) -> None:
        tasks.append(asyncio.create_task(channel.start_with_retry(), name=f"{name}-start"))

    async def stop() -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await channel.stop()

    app.on_startup.append(start)
    return stop


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
