"""Slack channel: agents take over from the bot in a Slack channel (slack-bolt, asyncio) inside the
gateway; see docs/slack.md.

`slack_channel` is the gateway's entry. The package's other names are imported when first used, so
a gateway without Slack never loads slack-bolt."""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Union

from channels.contract import Channel, Hub, Off

if TYPE_CHECKING:
    from channels.slack.app import Background, add_slack_routes, build_slack_app, make_client
    from channels.slack.cards import escape, handoff_card, slack_to_plain
    from channels.slack.channel import SlackChannel
    from channels.slack.ledger import SlackLedger
    from channels.slack.notifier import SlackNotifier, SlackRefused, SlackUnavailable

_MODULES = {"Background": "app", "add_slack_routes": "app", "build_slack_app": "app", "make_client": "app",
            "escape": "cards", "handoff_card": "cards", "slack_to_plain": "cards", "SlackChannel": "channel",
            "SlackLedger": "ledger", "SlackNotifier": "notifier", "SlackRefused": "notifier",
            "SlackUnavailable": "notifier"}

__all__ = ["Background", "SlackChannel", "SlackLedger", "SlackNotifier", "SlackRefused", "SlackUnavailable",
           "add_slack_routes", "build_slack_app", "escape", "handoff_card", "make_client", "slack_channel",
           "slack_to_plain"]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def slack_channel(hub: Hub) -> Union[Channel, Off]:
    """The agents' Slack app on the gateway's cases, when SLACK_BOT_TOKEN is set (and the gateway has the
    order services): the router's desk, and in HTTP mode the /slack/events route."""
    if not getattr(hub.settings, "slack_bot_token", None) or hub.handoffs is None:
        return Off("Slack", "handoffs are recorded: `returnbot handoffs list`; set SLACK_BOT_TOKEN, "
                            "SLACK_APP_TOKEN and SLACK_CHANNEL_ID to bring agents in; see docs/slack.md")
    from bot.bootstrap import slack_ledger
    from channels.slack.channel import SlackChannel

    return SlackChannel(hub.settings, hub.handoffs, hub.router.deliver, ledger=slack_ledger(hub.handoffs.store),
                        attachments=hub.attachments)
