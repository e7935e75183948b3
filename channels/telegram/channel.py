"""Running the Telegram bot inside the gateway's event loop: start, stop, and the webhook route.

Long polling by default (Application.initialize/start + updater.start_polling, never
run_polling, which would own the loop). With settings.telegram_webhook_url the gateway's aiohttp
app serves the webhook: Telegram must send the secret token in X-Telegram-Bot-Api-Secret-Token,
anything else gets 403 and reaches nothing.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from typing import TYPE_CHECKING, Optional
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.request import BaseRequest

from bot.language import ENGLISH, LANGUAGES
from bot.settings import SettingsError
from bot.privacy import loggable
from channels.contract import OFF, STARTING, UP, Health, start_with_retry
from channels.relay import RateLimiter, Relay
from channels.router import Router
from channels.telegram.app import ALLOWED_UPDATES, CHANNEL, bot_commands, build_telegram_app
from channels.telegram.format import reply_payloads
from channels.telegram.sender import SlipPdf, TelegramSender

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # fullmatch (`$` would let a final newline in)
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"


def webhook_secret(settings: "Settings") -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the installation secret when it is not set."""
    given = settings.telegram_webhook_secret
    if given:
        if not SECRET_TOKEN.fullmatch(given):
            raise SettingsError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return given
    return hmac.new(settings.secret.encode(), b"telegram-webhook", hashlib.sha256).hexdigest()


class TelegramChannel:
    """The bot as a gateway channel (`channels.contract.Channel`): renders `telegram:` conversations,
    sends them through the relay, and serves the webhook route in webhook mode."""

    name = CHANNEL
    renderer = staticmethod(reply_payloads)
    desk = None

    def __init__(self, settings: "Settings", router: Router, relay: Relay, slip_pdf: SlipPdf, *,
                 request: Optional[BaseRequest] = None, limiter: Optional[RateLimiter] = None,
                 poll_timeout: float = 10.0):
        self.webhook_url = settings.telegram_webhook_url
        self.webhook_path: Optional[str] = None
        self.webhook_secret: Optional[str] = None
        if self.webhook_url:
            url = urlsplit(self.webhook_url)
            if url.scheme != "https" or not url.netloc:
                raise SettingsError("TELEGRAM_WEBHOOK_URL must be the https:// address Telegram posts updates to")
            self.webhook_path = url.path or DEFAULT_WEBHOOK_PATH
            self.webhook_secret = webhook_secret(settings)
        self.relay, self.slip_pdf, self.limiter, self.poll_timeout = relay, slip_pdf, limiter, poll_timeout
        self.application = build_telegram_app(settings, router, request)
        self.username: Optional[str] = None
        self._health: Health = STARTING

    def add_routes(self, app: web.Application) -> None:
        """In webhook mode, POST <the webhook URL's path>; polling needs no route."""
        if self.webhook_path:
            app.router.add_post(self.webhook_path, self.webhook)

    def health(self) -> Health:
        return self._health

    async def start(self) -> None:
        """`connect`, retried while the Bot API cannot be reached; a refused token turns Telegram off."""
        if not await start_with_retry(self.connect, "Telegram", retry_on=(TelegramError, OSError), refused=_refused,
                                      logger=log):
            self._health = OFF

    async def connect(self) -> None:
        """Connect (getMe), register the command menus (English for everyone, and one per language served
        for the users whose app is in it), start handling updates and polling or the webhook."""
        application = self.application
        await application.initialize()
        self.username = application.bot.username
        await application.bot.set_my_commands(bot_commands(ENGLISH))
        for language in LANGUAGES:
            if language != ENGLISH:
                await application.bot.set_my_commands(bot_commands(language), language_code=language)
        await application.start()
        self.relay.add_sender(CHANNEL, TelegramSender(application.bot, self.slip_pdf, self.limiter))
        if self.webhook_url:
            await application.bot.set_webhook(self.webhook_url, secret_token=self.webhook_secret,
                                              allowed_updates=ALLOWED_UPDATES)
            log.info("Telegram: on as @%s (webhook at %s)", self.username, self.webhook_url)
        else:
            await application.updater.start_polling(timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES,
                                                    error_callback=_polling_failed)
            log.info("Telegram: on as @%s (long polling)", self.username)
        self._health = UP

    async def stop(self) -> None:
        self._health = OFF
        application = self.application
        if application.updater is not None and application.updater.running:
            try:  # during an outage python-telegram-bot may be sleeping up to 30 s between polls
                await asyncio.wait_for(application.updater.stop(), timeout=5)
            except asyncio.TimeoutError:
                log.warning("Telegram: polling did not stop in time")
        if application.running:
            await application.stop()
        await application.shutdown()

    async def webhook(self, request: web.Request) -> web.Response:
        """POST from Telegram: checked against the secret token, then queued for the handlers."""
        # (bytes that are not UTF-8 reach a handler as lone surrogates: surrogateescape gives them back as sent)
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not self.webhook_secret or not hmac.compare_digest(given, self.webhook_secret.encode()):
            return web.json_response({"error": "forbidden"}, status=403)
        if not self.application.running:
            return web.json_response({"error": "starting"}, status=503)  # Telegram delivers it again
        try:
            data = await request.json()
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self.application.bot)
        except Exception:  # whatever a malformed body makes the parser raise
            return web.json_response({"error": "not a Telegram update"}, status=400)
        await self.application.update_queue.put(update)
        return web.Response(status=200)


def _refused(exc: BaseException) -> Optional[str]:
    if isinstance(exc, InvalidToken):
        return "Telegram refused TELEGRAM_BOT_TOKEN; check it with @BotFather"
    return None


def _polling_failed(exc: TelegramError) -> None:
    """One line per failed poll (python-telegram-bot retries with backoff), not a traceback."""
    log.warning("Telegram: polling failed (%s: %s); retrying", type(exc).__name__, loggable(exc))
