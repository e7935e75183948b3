"""Gateway process: one aiohttp application serving every channel's routes, and its entry point.

`build_gateway` wires collaborators into routes (tests pass fakes); `main` reads settings and runs it.
"""
from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from channels.rasa_client import RasaClient
from channels.web import DEFAULT_SHOP_NAME, MAX_BODY_BYTES, add_web_routes

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.settings import Settings

log = logging.getLogger(__name__)


def build_gateway(settings: Settings, services: Services, rasa: RasaClient) -> web.Application:
    """The gateway application: web chat routes, /healthz; closes the Rasa client on shutdown.

    `services` needs `.store` (append_message, messages) and `.returns.slip_pdf`."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    add_web_routes(
        app, rasa=rasa, store=services.store, slip_pdf=services.returns.slip_pdf, secret=settings.secret,
        shop_name=settings.shop_name or DEFAULT_SHOP_NAME, secure_cookie=settings.public_url.startswith("https://"))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "rasa": "up" if await rasa.healthy() else "down"})

    async def close_rasa(app: web.Application) -> None:
        await rasa.aclose()

    app.router.add_get("/healthz", healthz)
    app.on_cleanup.append(close_rasa)
    return app


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
    settings = Settings.from_env(os.environ)
    services = bootstrap.build(settings)
    app = build_gateway(settings, services, RasaClient(settings.rasa_url))
    log.info("web chat on http://%s:%s (Rasa at %s)", settings.gateway_host, settings.gateway_port,
             settings.rasa_url)
    web.run_app(app, host=settings.gateway_host, port=settings.gateway_port, print=None,
                access_log_class=PathOnlyAccessLogger)


if __name__ == "__main__":
    main()
