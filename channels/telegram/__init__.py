"""Telegram channel: the shop's bot (python-telegram-bot) inside the gateway; see docs/telegram.md."""
from channels.telegram.app import build_telegram_app
from channels.telegram.channel import TelegramChannel, webhook_secret
from channels.telegram.format import reply_payloads
from channels.telegram.sender import TelegramSender

__all__ = ["TelegramChannel", "TelegramSender", "build_telegram_app", "reply_payloads", "webhook_secret"]
