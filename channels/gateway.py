"""Gateway process: one aiohttp application serving every channel's routes, and its entry point.

`build_gateway` wires collaborators into routes (tests pass fakes); `main` reads settings and runs it.
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, List

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

import bot.attachments  # noqa: F401  (their tables join bot.store.metadata before create_schema)
import bot.outbox  # noqa: F401
from channels.rasa_client import RasaClient
from channels.web import DEFAULT_SHOP_NAME, MAX_BODY_BYTES, add_web_routes

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.settings import Settings

log = logging.getLogger(__name__)


def build_gateway(settings: Settings, services: Services, rasa: RasaClient) -> web.Application:
    """The gateway application: web chat routes, /healthz, and the Telegram bot when
    settings.telegram_bot_token is set; closes the Rasa client on shutdown.

    `services` needs `.store` (append_message, messages; `.engine` for Telegram) and
    `.returns.slip_pdf` (and `.slip_token` for Telegram)."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    add_web_routes(
        app, rasa=rasa, store=services.store, slip_pdf=services.returns.slip_pdf, secret=settings.secret,
        shop_name=settings.shop_name or DEFAULT_SHOP_NAME, secure_cookie=settings.public_url.startswith("https://"))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "rasa": "up" if await rasa.healthy() else "down"})

    async def close_rasa(app: web.Application) -> None:
        await rasa.aclose()

    app.router.add_get("/healthz", healthz)
    if getattr(settings, "telegram_bot_token", None):
        add_telegram(app, settings, services, rasa)
    else:
        log.info("Telegram: off (set TELEGRAM_BOT_TOKEN to the token @BotFather gave you to turn it on; "
                 "see docs/telegram.md)")
    app.on_cleanup.append(close_rasa)
    return app


def add_telegram(app: web.Application, settings: Settings, services: Services, rasa: RasaClient) -> None:
    """The Telegram bot, its outbox relay and (in webhook mode) its route, started and stopped with `app`."""
    from bot.attachments import AttachmentStore
    from bot.outbox import Outbox
    from channels.relay import Relay
    from channels.router import Router
    from channels.telegram import TelegramChannel, reply_payloads

    engine = services.store.engine
    outbox = Outbox(engine)
    relay = Relay(outbox)
    router = Router(rasa, outbox, {"telegram": reply_payloads}, notify=relay.wake, transcript=services.store,
                    attachments=AttachmentStore(engine, settings.var_dir / "attachments"))
    returns = services.returns
    telegram = TelegramChannel(settings, router, relay,
                               slip_pdf=lambda rma_id: returns.slip_pdf(rma_id, returns.slip_token(rma_id)))
    if telegram.webhook_path:
        app.router.add_post(telegram.webhook_path, telegram.webhook)

    tasks: List[asyncio.Task] = []

    async def start(app: web.Application) -> None:
        relay.start()
        tasks.append(asyncio.create_task(telegram.start_with_retry(), name="telegram-start"))

    async def stop(app: web.Application) -> None:
        # on_shutdown, not on_cleanup: aiohttp waits (up to a minute) for running tasks in between
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await relay.close()
        await telegram.stop()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Access log without query strings: slip links carry their access token in `?t=`."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %.3fs", request.method, request.path, response.status, time)


def main() -> None:
    """Runs the gateway on settings.gateway_host:gateway_port until interrupted."""
    from bot import bootstrap
    from bot.settings import Settings

    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines carry the Telegram bot token
    settings = Settings.from_env(os.environ)
    services = bootstrap.build(settings)
    app = build_gateway(settings, services, RasaClient(settings.rasa_url))
    log.info("web chat on http://%s:%s (Rasa at %s)", settings.gateway_host, settings.gateway_port,
             settings.rasa_url)
    web.run_app(app, host=settings.gateway_host, port=settings.gateway_port, print=None,
                access_log_class=PathOnlyAccessLogger)


if __name__ == "__main__":
    main()
