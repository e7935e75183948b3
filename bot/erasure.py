"""Forgetting a customer (the right to erasure): their conversations go, their orders stay for the
merchant's accounting but identify nobody.

The customer is the email, trimmed and in any case; their orders are the orders with it. Their
conversations are those that verified, failed to verify, opened a handoff or a return about one of
those orders, and those whose transcript or outbox names the email or one of the order ids as the
bot's own parser reads them (`order 1004` is `#1004`), so a conversation that typed the email and
never got through verification counts too. Other stores of conversations (Rasa's tracker store,
adapters of `ConversationStore`) are asked the same question. Name and postcode are not looked for
in free text: too many people share them.

What happens, in one transaction of the order store (the SQL is `forget_customer` in bot/sql/erasure.py;
this module holds the rules, the report and how a mention is recognised):
- every row of those conversations is deleted: each table with a `conversation_id` column (the
  transcript, outbox, processed inbound keys, verifications and failures, tags, handoffs,
  attachments, the language each conversation is in...), each table with a `handoff_id` column for their handoffs (facts, with the
  customer's words; events, cards, Slack posts) and each table with a `subject` column
  (`conversation:<id>` or `email:<address>`, the opt-outs of return updates). The rule is the
  column, read from the database itself, so a table added later is covered by naming its column
  so, even when its module is not imported here;
  `unclassified()` lists the tables on `metadata` that no rule covers and `KEPT` does not name;
- orders: the email becomes `erased-<token>@erased.invalid`, the name `(erased)`, the postcode and
  tracking number (the carrier shows where it went) are cleared. The token is random, not a hash
  of the email: a hash would let anyone who knows the email find the orders and verify as them;
- returns and refunds keep amounts, statuses and history; a return's conversation id becomes
  `erased`, and its notes lose any mention of the customer.
The other conversation stores erase those conversations just before the order store commits:
when anything fails before that, nothing in the order store changed and running again finds the
same customer. Attachment files are deleted after the commit (a failed commit keeps them with their
rows). Running it again finds nothing: nothing that named the customer is left.

Copies outside returnbot's stores are reported, not deleted: the case threads in the agents' tool
(Slack keeps the card, the mirrored messages and the photos; only its admins can delete them).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Dict, Iterable, Iterator, List, Optional, Protocol, Sequence, Set, Tuple

from bot.text import EMAIL, ORDER_ID, find_entities, parse_order_id

ERASED = "erased"  # a return's conversation id once erased (real ids are `<channel>:<id>`)
ERASED_NAME = "(erased)"

RULE_COLUMNS = ("conversation_id", "handoff_id", "subject")

# Tables whose rows stay, and why. Every other table with one of RULE_COLUMNS loses the customer's rows.
KEPT = {
    "orders": "for accounting; the personal fields are replaced",
    "order_lines": "what was sold and its price; no personal data",
    "cancelled_lines": "what was taken off an order before it shipped; no personal data",
    "rmas": "returns, for accounting; the conversation id is replaced",
    "rma_events": "a return's history; notes naming the customer are redacted",
    "rma_event_keys": "ids of outside status events already applied (warehouse, carrier); no customer data",
    "refunds": "money paid back, for accounting",
    "slack_events": "keys of Slack messages already handled (channel and ts); no customer data",
    "update_cursor": "how far customers were told about return updates; no customer data",
    "external_returns": "returns read from AfterShip/Loop, for accounting; labels and tracking numbers cleared",
    "platform_sync_cursors": "how far each returns platform was read; no customer data",
    "order_sources": "which marketplace each cached order came from, and when; no customer data",
    "source_cursors": "how far each marketplace was synced, and its last error; no customer data",
    "source_webhooks": "ids of marketplace webhooks already applied; no customer data",
    "source_returns": "returnbot's returns mirrored in a marketplace's admin (RMA and its id there); no customer data",
    "order_refunds": "refunds made in a marketplace (order, line, units, amount), for accounting; no customer data",
    "order_deliveries": "when a marketplace expects an order delivered; no customer data",
}

LABELS = {
    "orders": "orders anonymised (kept for accounting)",
    "external_returns": "returns-platform records anonymised (kept)",
    "conversations": "conversations",
    "messages": "transcript messages",
    "outbox": "outgoing messages (outbox)",
    "processed_inbound": "inbound message records",
    "verifications": "verifications",
    "verification_failures": "failed verifications",
    "conversation_tags": "conversation tags",
    "handoffs": "handoffs",
    "handoff_facts": "handoff facts (the item, reason and the customer's words)",
    "handoff_events": "handoff events",
    "handoff_cards": "handoff cards",
    "slack_posts": "Slack thread posts",
    "attachments": "attachments",
    "update_optouts": "opt-outs of return updates",
    "conversation_languages": "conversation languages",
    "attachment_files": "attachment files",
    "attachment_files_left": "attachment files that could not be deleted (see var/attachments)",
    "rmas": "returns unlinked from the conversation (kept)",
    "rma_notes": "return notes redacted (kept)",
}


class ConversationStore(Protocol):
    """Another store that keeps conversations by id (Rasa's tracker store)."""

    kind: str  # the report's key, e.g. "tracker_events"
    label: str  # what is counted, for people

    def candidates(self, needles: Sequence[str]) -> Iterable[Tuple[str, str]]:
        """(conversation id, text) of the entries whose lower-cased text contains one of `needles`;
        a superset: the erasure reads each text to decide."""

    def erase(self, conversation_ids: Collection[str]) -> int:
        """Delete the conversations' entries and commit; how many were deleted."""


@dataclass(frozen=True)
class Count:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class Erasure:
    """What was erased for `email`: every kind, in report order, zeros included."""

    email: str
    counts: Tuple[Count, ...]
    # (channel, thread ts) of the cases' cards in the agents' tool: the card, the messages mirrored
    # into its thread and the photos uploaded there live in that tool, which only its admins can delete
    agent_threads: Tuple[Tuple[str, str], ...] = ()

    @property
    def found(self) -> bool:
        return any(c.count for c in self.counts)

    def count(self, kind: str) -> int:
        return next((c.count for c in self.counts if c.kind == kind), 0)

    def as_dict(self) -> Dict[str, Any]:
        return {"email": self.email, "found": self.found, "erased": {c.kind: c.count for c in self.counts},
                "agent_threads": [{"channel": channel, "thread_ts": ts} for channel, ts in self.agent_threads]}


def normalise_email(raw: str) -> str:
    return (raw or "").strip().lower()


# -- finding the customer -------------------------------------------------------------------------
class Mentions:
    """The customer's email and order ids, and how to recognise them in what was said."""

    def __init__(self, email: str, order_ids: Sequence[str]):
        self.email = email
        self.order_ids = set(order_ids)
        literals = [rf"(?<![\w.%+-]){re.escape(email)}(?![\w-]|\.\w)"]
        literals += [rf"(?<![0-9A-Za-z]){re.escape(o)}(?![0-9A-Za-z])" for o in sorted(self.order_ids)]
        self._literal = re.compile("|".join(literals), re.IGNORECASE)

    def needles(self) -> List[str]:
        """Lower-cased fragments every mention contains (as typed or JSON-escaped): for a database's
        LIKE to narrow the rows down before `found_in` reads them."""
        found = {self.email, json.dumps(self.email)[1:-1]}
        for order_id in self.order_ids:
            digits = re.findall(r"[0-9]+", order_id)
            found.add(max(digits, key=len) if digits else order_id.lower())
        return sorted(found)

    def found_in(self, payload: Optional[str]) -> bool:
        """Whether a stored payload (JSON or plain text) names the email or one of the order ids."""
        try:
            strings = list(_strings(json.loads(payload or "")))
        except ValueError:
            strings = [payload or ""]
        for text in strings:
            if self._literal.search(text) or parse_order_id(text) in self.order_ids:
                return True
            for entity in find_entities(text):
                if (entity.kind == EMAIL and entity.value == self.email) or (
                        entity.kind == ORDER_ID and entity.value in self.order_ids):
                    return True
        return False


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# -- erasing --------------------------------------------------------------------------------------
def _erasable(columns: Set[str]) -> bool:
    return any(c in columns for c in RULE_COLUMNS)


def _delete_files(folder: Path, relative_paths: Set[str]) -> Tuple[int, int]:
    """Delete the attachments' files (only inside `folder`) and their conversation folders once
    empty. Returns (deleted, could not be deleted): the rows are gone already, so a file that stays
    is counted for the merchant to remove by hand rather than raised about."""
    root = folder.resolve()
    deleted = left = 0
    for relative in sorted(relative_paths):
        path = (root / relative).resolve()
        if root not in path.parents:
            continue
        try:
            path.unlink()
            deleted += 1
        except FileNotFoundError:
            pass
        except OSError:
            left += 1
            continue
        for parent in path.parents:
            if parent == root:
                break
            try:
                parent.rmdir()
            except OSError:  # not empty: other files live there
                break
    return deleted, left
