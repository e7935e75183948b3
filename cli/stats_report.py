"""`returnbot stats`: the report of the conversation statistics the stats consumer keeps (definitions in
bot/conversation_stats.py)."""
from __future__ import annotations

import json

from bot.conversation_stats import Summary
from bot.settings import Settings
from bot.sql.conversation_stats import SqlStats
from bot.sql.engine import make_engine

EXPLAINED = ("resolved without a person: the bot gave a final answer (RMA, returnless refund, Amazon's path, "
             "not eligible, tracking, return or refund status, cancellation) and no handoff happened")


def read_summary(settings: Settings) -> Summary:
    """The statistics so far; empty when the consumer never ran against this database."""
    engine = make_engine(settings.database_url)
    try:
        stats = SqlStats(engine)
        return stats.summary() if stats.exists() else Summary()
    finally:
        engine.dispose()


def render(summary: Summary) -> str:
    rate = summary.automation_rate
    lines = [
        f"{'conversations':<34}{summary.conversations:>8}",
        f"{'customer turns':<34}{summary.turns:>8}",
        f"{'resolved without a person':<34}{summary.resolved_without_human:>8}",
        f"{'automation rate':<34}{'-' if rate is None else f'{rate:.1%}':>8}",
        f"{'handoffs':<34}{sum(summary.handoffs.values()):>8}",
    ]
    for title, counts in (("intents", summary.intents), ("outcomes", summary.outcomes),
                          ("handoffs by reason", summary.handoffs)):
        if counts:
            lines += ["", title] + [f"  {name:<32}{n:>8}" for name, n in counts.items()]
    return "\n".join(lines + ["", f"({EXPLAINED})"])


def print_stats(settings: Settings, as_json: bool) -> int:
    summary = read_summary(settings)
    if as_json:
        print(json.dumps(summary.as_dict(), indent=2))
        return 0
    if not summary.conversations and not settings.rabbitmq_url:
        print("no statistics yet: they are counted from Rasa's events by the stats consumer, which runs with "
              "RETURNBOT_RABBITMQ_URL set (`returnbot run --profile scaled`; see README, Scaling out)")
        return 0
    print(render(summary))
    return 0
