"""The Telegram bot: python-telegram-bot handlers that turn updates into router calls.

Handlers extract (conversation id, text) and call the router; they send nothing themselves (the
outbox does), except answering a button press, which Telegram wants at once. Conversation id is
`telegram:<user id>`. Only private chats reach Rasa: in a group the bot declines politely, so no
order data is ever shown there. Each update is claimed once by key
`telegram:<bot id>:update:<update id>`, so a re-delivered update is ignored, even after a restart.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, List, Optional, Set, Tuple

from telegram import BotCommand, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import responses as said
from bot.attachments import MAX_BYTES, AttachmentRejected
from bot.catalogue import catalogue
from bot.language import Hints
from bot.privacy import loggable, loggable_error
from channels.router import Inbound, Router, without_intent
from channels.telegram.sender import parse_callback_data

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_TEXT_CHARS = 2000
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# /command -> what Rasa is sent (an intent, as if the customer had pressed a button); each command's line
# in the menu is the catalogue's (`said.TELEGRAM_COMMANDS`), in each language (`bot_commands`)
COMMANDS = {"start": "/greet", "help": "/ask_help", "human": "/human_handoff", "cancel": "/stop"}


def bot_commands(language: str = "en") -> List[BotCommand]:
    """The command menu in `language` (Telegram shows a user the menu of their app's language)."""
    words = catalogue(language=language)
    return [BotCommand(name, words.text(said.TELEGRAM_COMMANDS[name])) for name in COMMANDS]


def conversation_id(user_id: int) -> str:
    return f"{CHANNEL}:{user_id}"


class TelegramHandlers:
    """Update handlers; each hands one (conversation id, text) to the router."""

    def __init__(self, router: Router):
        self.router = router
        self._background: Set[asyncio.Task] = set()

    @staticmethod
    def _key(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
        return f"{CHANNEL}:{context.bot.id}:update:{update.update_id}"

    def _inbound(self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str = "", **extra) -> Inbound:
        return Inbound(CHANNEL, conversation_id(update.effective_user.id), self._key(update, context),
                       text=text, hints=_hints(update), **extra)

    async def command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        name = message.text.split()[0][1:].split("@")[0].lower()
        intent = COMMANDS[name]
        await self.router.handle(self._inbound(update, context, intent, title=f"/{name}"))

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # only buttons the bot offered may carry intents and entities
        text = without_intent(update.effective_message.text.strip()[:MAX_TEXT_CHARS]) or "?"
        await self.router.handle(self._inbound(update, context, text))

    async def photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        caption = without_intent((message.caption or "").strip()[:MAX_TEXT_CHARS])
        await self.router.attach(self._inbound(update, context, caption), lambda: _download(message))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        self._in_background(query.answer())  # stop the spinner now; the reply follows through the outbox
        message = query.message
        parsed = parse_callback_data(query.data)
        if message is None or message.chat.type != "private" or parsed is None:
            return
        outbox_id, index = parsed
        inbound_conversation = conversation_id(query.from_user.id)
        choice = self.router.button(inbound_conversation, outbox_id, index)
        if choice is None:
            return
        remove = [{"remove_keyboard": message.message_id}]
        pressed = (f"{CHANNEL}:{context.bot.id}:pressed:{outbox_id}",)  # a keyboard is pressed once
        if not choice.latest:
            await self.router.reply(self._inbound(update, context, once=pressed), [said.TELEGRAM_STALE], before=remove)
            return
        await self.router.handle(self._inbound(update, context, choice.payload, title=choice.title, once=pressed),
                                 before=remove)

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat.type == "private":
            await self.router.reply(self._inbound(update, context), [said.TELEGRAM_EDITED])

    async def group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In a group or channel: decline when spoken to, and never pass anything to Rasa."""
        message, chat = update.effective_message, update.effective_chat
        if not _addressed_to_bot(message, context.bot.username, context.bot.id):
            return
        inbound = Inbound(CHANNEL, f"{CHANNEL}:{chat.id}", self._key(update, context), hints=_hints(update))
        await self.router.reply(inbound, [said.TELEGRAM_PRIVATE_ONLY], username=context.bot.username)

    async def other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.router.reply(self._inbound(update, context), [said.TELEGRAM_UNSUPPORTED])

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update %s failed\n%s", getattr(update, "update_id", "?"), loggable_error(context.error))

    def _in_background(self, coroutine) -> None:
        async def quietly() -> None:
            try:
                await coroutine
            except TelegramError as exc:
                log.info("Telegram: answering a button press failed: %s", loggable(exc))

        task = asyncio.create_task(quietly())
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _hints(update: Update) -> Hints:
    """The language of the customer's Telegram app (`language_code`, an IETF tag such as `de` or `pt-br`)."""
    user = update.effective_user
    return Hints(language_code=getattr(user, "language_code", None) if user is not None else None)


async def _download(message: Message) -> Tuple[bytes, str]:
    if message.photo:
        media, content_type = message.photo[-1], "image/jpeg"  # the largest size; Telegram re-encodes to JPEG
    else:
        media, content_type = message.document, message.document.mime_type or ""
    if media.file_size and media.file_size > MAX_BYTES:
        raise AttachmentRejected(f"{media.file_size} bytes")
    file = await media.get_file()
    return bytes(await file.download_as_bytearray()), content_type


def _addressed_to_bot(message: Optional[Message], username: str, bot_id: int) -> bool:
    if message is None:
        return False
    text = message.text or message.caption or ""
    replied = message.reply_to_message
    return (text.startswith("/") or f"@{username}".lower() in text.lower()
            or bool(replied and replied.from_user and replied.from_user.id == bot_id))


def add_handlers(application: Application, handlers: TelegramHandlers) -> None:
    private, new = filters.ChatType.PRIVATE, filters.UpdateType.MESSAGE
    application.add_handlers([
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, handlers.edited),
        MessageHandler(new & ~private, handlers.group),
        CommandHandler(list(COMMANDS), handlers.command, filters=new & private),
        MessageHandler(new & private & filters.TEXT, handlers.text),
        MessageHandler(new & private & (filters.PHOTO | filters.Document.IMAGE), handlers.photo),
        CallbackQueryHandler(handlers.button),
        MessageHandler(new & private, handlers.other),
    ])
    application.add_error_handler(handlers.error)


def build_telegram_app(settings: "Settings", router: Router, request: Optional[BaseRequest] = None) -> Application:
    """The python-telegram-bot Application for this shop's bot (not started). Long polling unless
    settings.telegram_webhook_url is set; settings.telegram_api_base_url points it at another Bot
    API server (a local one, or the tests' fake)."""
    builder = ApplicationBuilder().token(settings.telegram_bot_token).concurrent_updates(64).job_queue(None)
    base = (settings.telegram_api_base_url or "").rstrip("/")
    if base:
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    if request is not None:
        builder = builder.request(request)
    if settings.telegram_webhook_url:
        builder = builder.updater(None)
    application = builder.build()
    add_handlers(application, TelegramHandlers(router))
    return application
