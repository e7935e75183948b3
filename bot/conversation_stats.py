"""Conversation statistics from Rasa's event stream: turns, intents, outcomes, handoffs and the
automation rate.

`facts(event, secret)` reads one event as Rasa's event broker publishes it (the tracker event's dict
with `sender_id`) and returns what it counts; it reads no clock and sends nothing. The outcome of a
request is told by the response the action server chose (`metadata.utter_action` of a bot event):
the response names (the constants of bot/responses.py) are the contract between actions/ and domain.yml, whereas slots are reset after
each request and tags live only in the order store. `SqlStats` (bot/sql/conversation_stats.py) keeps
the facts in the order database, one row each, keyed by a hash of the event they came from: RabbitMQ
delivers at least once, and a message delivered twice then counts once. Conversations are kept by a
keyed hash of their id, so the statistics hold no customer identifier.

Definitions (`returnbot stats` prints them):
- a *conversation* is a conversation id that sent at least one message; a *turn* is one customer
  message (a user event), whatever it said;
- a conversation is *resolved without a human* when the bot gave it at least one final answer (an
  outcome in RESOLVING: an RMA issued or an existing one shown again, a returnless refund, Amazon's
  return path, "not eligible" with the reason, tracking, a return or refund status, a cancellation or
  why it cannot be cancelled) and it never reached a person: no handoff (the customer asked for one,
  a fraud review, a damage claim) at any time in it;
- the *automation rate* is conversations resolved without a human / conversations.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple

from bot import responses as said


OUTCOMES = {  # the response an action chose -> the outcome it reports
    said.RMA_ISSUED: "rma_issued",
    said.RMA_EXISTS: "rma_exists",
    said.RETURNLESS_REFUND: "returnless_refund",
    said.AMAZON_FBA: "amazon_path",
    said.AMAZON_FBA_DAMAGED: "amazon_path",
    said.DAMAGE_REPLACEMENT: "damage_replacement",
    said.FRAUD_REVIEW: "fraud_review",
    said.NOTHING_TO_RETURN: "not_eligible",
    said.TRACKING: "tracking",
    said.TRACKING_NOT_RECEIVED: "tracking",
    said.RETURN_STATUS: "return_status",
    said.NO_RETURNS_YET: "return_status",
    said.MARKETPLACE_REFUNDED: "return_status",
    said.RETURN_ON_ITS_WAY: "return_status",
    said.CANCEL_DONE: "cancelled",
    said.CANCEL_ALREADY_CANCELLED: "cancel_not_possible",
    said.CANCEL_ALREADY_SHIPPED: "cancel_not_possible",
    said.CANCEL_AMAZON_FBA: "cancel_not_possible",
    said.VERIFICATION_LOCKED: "verification_locked",
}
NOT_ELIGIBLE = frozenset({*said.NOT_ELIGIBLE.values(), said.NOT_ELIGIBLE_OTHER})  # "not eligible", with the reason
HANDOFFS = {  # the response that tells the customer a person takes over -> the handoff's reason
    said.HANDOFF: "customer_request",
    said.FRAUD_REVIEW: "fraud_review",
    said.DAMAGE_REPLACEMENT: "damage_claim",
}
RESOLVING = frozenset({"rma_issued", "rma_exists", "returnless_refund", "amazon_path", "not_eligible", "tracking",
                       "return_status", "cancelled", "cancel_not_possible"})
TURN, OUTCOME, HANDOFF = "turn", "outcome", "handoff"


@dataclass(frozen=True)
class Fact:
    key: str  # the event's hash and the fact's kind: the same event delivered again has the same key
    conversation: str  # keyed hash of the conversation id
    kind: str  # TURN (name: the intent), OUTCOME (name: see OUTCOMES) or HANDOFF (name: the reason)
    name: str
    at: datetime


def conversation_key(secret: str, conversation_id: str) -> str:
    """A conversation's key in the statistics: stable for one installation, meaningless without its secret."""
    return hmac.new(secret.encode(), b"stats:" + conversation_id.encode(), hashlib.sha256).hexdigest()[:32]


def facts(event: Mapping[str, Any], secret: str) -> List[Fact]:
    """What one published event counts for: a user event is a turn (named by its intent); a bot event
    may report an outcome and a handoff. Anything else, or an event without sender or time, counts nothing."""
    sender, timestamp, kind = event.get("sender_id"), event.get("timestamp"), event.get("event")
    if not isinstance(sender, str) or not isinstance(timestamp, (int, float)):
        return []
    found: List[Tuple[str, str]] = []
    if kind == "user":
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        found.append((TURN, intent or "(none)"))
    elif kind == "bot":
        response = (event.get("metadata") or {}).get("utter_action") or ""
        outcome = OUTCOMES.get(response) or ("not_eligible" if response in NOT_ELIGIBLE else None)
        if outcome:
            found.append((OUTCOME, outcome))
        if response in HANDOFFS:
            found.append((HANDOFF, HANDOFFS[response]))
    if not found:
        return []
    digest = hashlib.sha256(json.dumps(event, sort_keys=True, separators=(",", ":"), default=str).encode())
    at = datetime.fromtimestamp(timestamp, timezone.utc)
    conversation = conversation_key(secret, sender)
    return [Fact(f"{digest.hexdigest()[:56]}:{kind_}", conversation, kind_, name, at) for kind_, name in found]


@dataclass(frozen=True)
class Summary:
    conversations: int = 0
    turns: int = 0
    resolved_without_human: int = 0
    intents: Dict[str, int] = field(default_factory=dict)
    outcomes: Dict[str, int] = field(default_factory=dict)
    handoffs: Dict[str, int] = field(default_factory=dict)  # by reason

    @property
    def automation_rate(self) -> Optional[float]:
        """Conversations resolved without a human / conversations; None before the first conversation."""
        return round(self.resolved_without_human / self.conversations, 4) if self.conversations else None

    def as_dict(self) -> Dict[str, Any]:
        return {"conversations": self.conversations, "turns": self.turns,
                "resolved_without_human": self.resolved_without_human, "automation_rate": self.automation_rate,
                "handoffs_total": sum(self.handoffs.values()), "intents": self.intents, "outcomes": self.outcomes,
                "handoffs": self.handoffs}
