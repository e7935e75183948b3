"""Slack channel: agents take over from the bot in a Slack channel (slack-bolt, asyncio) inside the
gateway; see docs/slack.md."""
from channels.slack.app import Background, add_slack_routes, build_slack_app, make_client
from channels.slack.cards import escape, handoff_card, slack_to_plain
from channels.slack.channel import SlackChannel
from channels.slack.ledger import SlackLedger
from channels.slack.notifier import SlackNotifier, SlackRefused, SlackUnavailable

__all__ = ["Background", "SlackChannel", "SlackLedger", "SlackNotifier", "SlackRefused", "SlackUnavailable",
           "add_slack_routes", "build_slack_app", "escape", "handoff_card", "make_client", "slack_to_plain"]
