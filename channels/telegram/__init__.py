"""Telegram channel: the shop's bot (python-telegram-bot) inside the gateway; see docs/telegram.md.

`telegram_channel` is the gateway's entry. The package's other names are imported when first used,
so a gateway without a token never loads python-telegram-bot."""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Union

from channels.contract import Channel, Hub, Off

if TYPE_CHECKING:
    from channels.telegram.app import build_telegram_app
    from channels.telegram.channel import TelegramChannel, webhook_secret
    from channels.telegram.format import reply_payloads
    from channels.telegram.sender import TelegramSender

_MODULES = {"build_telegram_app": "app", "TelegramChannel": "channel", "webhook_secret": "channel",
            "reply_payloads": "format", "TelegramSender": "sender"}

__all__ = ["TelegramChannel", "TelegramSender", "build_telegram_app", "reply_payloads", "telegram_channel",
           "webhook_secret"]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def telegram_channel(hub: Hub) -> Union[Channel, Off]:
    """The shop's Telegram bot on the gateway's router and relay, when TELEGRAM_BOT_TOKEN is set (long
    polling; with TELEGRAM_WEBHOOK_URL, a webhook route)."""
    if not getattr(hub.settings, "telegram_bot_token", None):
        return Off("Telegram", "set TELEGRAM_BOT_TOKEN to the token @BotFather gave you to turn it on; "
                               "see docs/telegram.md")
    from channels.telegram.channel import TelegramChannel

    returns = hub.services.returns
    return TelegramChannel(hub.settings, hub.router, hub.relay,
                           slip_pdf=lambda rma_id, language: returns.slip_pdf(rma_id, returns.slip_token(rma_id),
                                                                               language))
