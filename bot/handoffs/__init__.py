"""Handoffs to a person: the value types (`types`), the service agents act through (`service`) and
what it says (`wording`). The SQL lives in `bot.sql.handoffs`; an agents' tool keeps its own ledger
(Slack: `channels.slack.ledger`). The names used elsewhere are re-exported here; the service's when
first used, because `bot.services` (which the service uses) needs the types while it loads."""
from typing import Any

from bot.handoffs.types import (
    CLAIMED,
    CLOSED,
    DECISIONS,
    OPEN,
    Action,
    Agent,
    Announced,
    Card,
    HandoffContext,
    HandoffEvent,
    HandoffFacts,
    HandoffRepository,
    HandoffUpdate,
    Item,
    MessageView,
    Overdue,
    ReturnHistory,
    UnknownHandoff,
)

__all__ = [
    "Action", "Agent", "Announced", "CLAIMED", "CLOSED", "Card", "DECISIONS", "HandoffContext", "HandoffEvent",
    "HandoffFacts", "HandoffRepository", "HandoffService", "HandoffUpdate", "Item", "MESSAGE_LIMIT", "MessageView",
    "OPEN", "Overdue", "ReturnHistory", "UnknownHandoff",
]


def __getattr__(name: str) -> Any:
    if name in ("HandoffService", "MESSAGE_LIMIT"):
        from bot.handoffs import service

        return getattr(service, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
