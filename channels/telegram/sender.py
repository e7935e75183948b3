"""Delivers Telegram outbox rows with the Bot API, and maps its errors to the relay's outcomes.

A row is one API call: a text part (HTML, with its inline keyboard), the return slip as a
document, or removing the keyboard of a message whose button was pressed. A button's
callback_data is `<outbox row id>:<index>`, always under Telegram's 64 bytes; the payload is read
back from the stored row when it is pressed.
"""
from __future__ import annotations

import logging
import re
import warnings
from datetime import timedelta
from typing import Callable, List, Optional

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot import responses as said
from bot.catalogue import catalogue
from bot.language import ENGLISH, served
from bot.outbox import OutboxMessage
from bot.privacy import loggable
from channels.relay import PermanentFailure, RateLimiter, RetryLater, TemporaryFailure
from channels.telegram.format import MAX_CAPTION, to_html

log = logging.getLogger(__name__)

SlipPdf = Callable[[str, str], Optional[bytes]]  # (rma_id, language) -> the return slip PDF, None when there is none
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII digits (str.isdigit() also takes "²", which int() refuses); fullmatch
_CHAT_ID = re.compile(r"-?[0-9]{1,18}")


def chat_id_of(conversation_id: str) -> int:
    """`telegram:<id>` -> id. In a private chat the chat id is the user id."""
    channel, _, ident = conversation_id.partition(":")
    if channel != "telegram" or not _CHAT_ID.fullmatch(ident):
        raise PermanentFailure(f"not a Telegram conversation: {conversation_id!r}")
    return int(ident)


def callback_data(message_id: int, index: int) -> str:
    return f"{message_id}:{index}"


def parse_callback_data(data: Optional[str]) -> Optional[tuple]:
    message_id, colon, index = (data or "").partition(":")
    if not colon or not _NUMBER.fullmatch(message_id) or not _NUMBER.fullmatch(index):
        return None
    return int(message_id), int(index)


def keyboard(message_id: int, buttons: List[dict]) -> Optional[InlineKeyboardMarkup]:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b["title"][:64], callback_data=callback_data(message_id, i))]
                                 for i, b in enumerate(buttons)])


class TelegramSender:
    def __init__(self, bot: Bot, slip_pdf: SlipPdf, limiter: Optional[RateLimiter] = None):
        self.bot, self.slip_pdf = bot, slip_pdf
        self.limiter = limiter or RateLimiter()

    async def send(self, message: OutboxMessage) -> Optional[str]:
        chat_id = chat_id_of(message.conversation_id)
        payload = message.payload
        await self.limiter.acquire(chat_id)
        try:
            if "remove_keyboard" in payload:
                return await self._remove_keyboard(chat_id, int(payload["remove_keyboard"]))
            if "document" in payload:
                document = payload["document"]
                return await self._send_slip(chat_id, str(document.get("return_slip", "")),
                                             served(document.get("language")) or ENGLISH)
            return await self._send_text(chat_id, message.id, str(payload.get("text") or ""),
                                         payload.get("buttons") or [])
        except RetryAfter as exc:
            raise RetryLater(_seconds(exc), str(exc)) from exc
        except (Forbidden, ChatMigrated) as exc:  # blocked by the customer, or the chat is gone
            raise PermanentFailure(str(exc)) from exc
        except BadRequest as exc:
            raise PermanentFailure(str(exc)) from exc
        except TelegramError as exc:  # NetworkError, TimedOut, 5xx, a revoked token: keep the message
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc

    async def _send_text(self, chat_id: int, message_id: int, text: str, buttons: List[dict]) -> str:
        markup = keyboard(message_id, buttons)
        try:
            sent = await self.bot.send_message(chat_id, to_html(text), parse_mode=ParseMode.HTML,
                                               reply_markup=markup, link_preview_options=NO_PREVIEW)
        except BadRequest as exc:  # e.g. a link Telegram refuses: the words matter more than the markup
            log.warning("HTML message refused (%s); sending it as plain text", loggable(exc))
            sent = await self.bot.send_message(chat_id, text, reply_markup=markup, link_preview_options=NO_PREVIEW)
        return str(sent.message_id)

    async def _send_slip(self, chat_id: int, rma_id: str, language: str) -> str:
        """The slip, drawn and captioned in `language` (the conversation's when the reply was queued)."""
        pdf = self.slip_pdf(rma_id, language)
        if pdf is None:
            raise PermanentFailure(f"no return slip for {rma_id}")
        caption = catalogue(language=language).text(said.TELEGRAM_SLIP_CAPTION, rma_id=rma_id)
        sent = await self.bot.send_document(
            chat_id, InputFile(pdf, filename=f"return-slip-{rma_id}.pdf"),
            caption=to_html(caption)[:MAX_CAPTION],
            parse_mode=ParseMode.HTML)
        return str(sent.message_id)

    async def _remove_keyboard(self, chat_id: int, message_id: int) -> None:
        try:
            await self.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
        except BadRequest as exc:  # gone already ("message is not modified", "message to edit not found")
            log.info("keyboard of message %s in %s not removed: %s", message_id, chat_id, loggable(exc))
        return None


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after becomes a timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
