"""Forgetting a customer (the right to erasure): their conversations go, their orders stay for the
merchant's accounting but identify nobody.

The customer is the email, trimmed and in any case; their orders are the orders with it. Their
conversations are those that verified, failed to verify, opened a handoff or a return about one of
those orders, and those whose transcript or outbox names the email or one of the order ids as the
bot's own parser reads them (`order 1004` is `#1004`), so a conversation that typed the email and
never got through verification counts too. Other stores of conversations (Rasa's tracker store,
adapters of `ConversationStore`) are asked the same question. Name and postcode are not looked for
in free text: too many people share them.

What happens, in one transaction of the order store:
- every row of those conversations is deleted: each table with a `conversation_id` column (the
  transcript, outbox, processed inbound keys, verifications and failures, tags, handoffs,
  attachments...), each table with a `handoff_id` column for their handoffs (facts, with the
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

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.attachments import attachments
from bot.outbox import outbox
from bot.platforms import anonymise_for_orders, external_returns
from bot.sql.handoffs import handoffs
from bot.sql.slack_ledger import handoff_cards
from bot.store import messages, metadata, orders, rma_events, rmas, verification_failures, verifications
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


def unclassified() -> List[str]:
    """Tables on `metadata` that no rule column covers and `KEPT` does not name."""
    return [t.name for t in metadata.sorted_tables if t.name not in KEPT and not _erasable(set(t.c.keys()))]


def forget_customer(engine: Engine, email: str, token: str, attachments_folder: Optional[Path] = None,
                    stores: Sequence[ConversationStore] = ()) -> Erasure:
    """Erase everything that identifies the customer with `email` (see the module docstring).
    `token` makes the orders' placeholder email (pass a random one)."""
    email = normalise_email(email)
    if "@" not in email.strip("@"):
        raise ValueError(f"not an email address: {email!r}")
    counts: Dict[str, int] = {}
    with engine.begin() as conn:
        inspector = sa.inspect(conn)
        present = {name: {c["name"] for c in inspector.get_columns(name)} for name in inspector.get_table_names()}
        order_rows = _customer_orders(conn, email) if orders.name in present else []
        customer = Mentions(email, [r.order_id for r in order_rows])
        conversations = _conversations(conn, present, customer, stores)
        handoff_ids = _ids(conn, handoffs.c.handoff_id, handoffs.c.conversation_id, conversations, present)
        files = _ids(conn, attachments.c.path, attachments.c.conversation_id, conversations, present)
        files += _ids(conn, attachments.c.path, attachments.c.handoff_id, handoff_ids, present)
        threads = _threads(conn, handoff_ids) if handoff_cards.name in present else []
        counts["orders"] = _anonymise_orders(conn, customer.order_ids, token)
        if external_returns.name in present:
            counts["external_returns"] = anonymise_for_orders(conn, customer.order_ids)
        counts["conversations"] = len(conversations)
        for store in stores:
            counts[store.kind] = 0
        subjects = [f"email:{email}", *(f"conversation:{c}" for c in sorted(conversations))]
        for name in _erased_tables(present):
            counts[name] = _delete(conn, name, present.get(name, set()), conversations, handoff_ids, subjects)
        counts["attachment_files"] = 0
        counts["rmas"], counts["rma_notes"] = _unlink_returns(conn, present, customer, order_rows, conversations)
        for store in stores:  # last before the commit: a failure here rolls the order store back
            counts[store.kind] = store.erase(sorted(conversations)) if conversations else 0
    if attachments_folder is not None:
        counts["attachment_files"], left = _delete_files(Path(attachments_folder), set(files))
        if left:
            counts["attachment_files_left"] = left
    labels = dict(LABELS, **{s.kind: s.label for s in stores})
    return Erasure(email, tuple(Count(kind, labels.get(kind, kind), n) for kind, n in counts.items()),
                   tuple(threads))


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


def _customer_orders(conn: Connection, email: str) -> list:
    return conn.execute(sa.select(orders.c.order_id, orders.c.name, orders.c.postcode)
                        .where(sa.func.lower(sa.func.trim(orders.c.email)) == email)).all()


def _conversations(conn: Connection, present: Dict[str, Set[str]], customer: Mentions,
                   stores: Sequence[ConversationStore]) -> Set[str]:
    found: Set[str] = set()
    if customer.order_ids:
        for table in (verifications, verification_failures, handoffs, rmas):
            found.update(_ids(conn, table.c.conversation_id, table.c.order_id, customer.order_ids, present))
    needles = customer.needles()
    for table in (messages, outbox):
        if table.name not in present:
            continue
        text = sa.func.lower(table.c.payload)
        rows = conn.execute(sa.select(table.c.conversation_id, table.c.payload).where(
            sa.or_(*[text.contains(n, autoescape=True) for n in needles])))
        found.update(cid for cid, payload in rows if cid not in found and customer.found_in(payload))
    for store in stores:
        found.update(cid for cid, text in store.candidates(needles)
                     if cid not in found and customer.found_in(text))
    found.discard(ERASED)
    return found


def _ids(conn: Connection, column, key, values: Collection, present: Dict[str, Set[str]]) -> list:
    if not values or column.table.name not in present:
        return []
    return list(conn.execute(sa.select(column).where(key.in_(list(values))).distinct()).scalars())


def _threads(conn: Connection, handoff_ids: Collection[int]) -> List[Tuple[str, str]]:
    if not handoff_ids:
        return []
    thread = sa.func.coalesce(handoff_cards.c.thread_ts, handoff_cards.c.ts)
    return [tuple(r) for r in conn.execute(sa.select(handoff_cards.c.channel, thread).where(
        handoff_cards.c.handoff_id.in_(list(handoff_ids)), handoff_cards.c.ts.isnot(None)).order_by(thread))]


# -- erasing --------------------------------------------------------------------------------------
def _erasable(columns: Set[str]) -> bool:
    return any(c in columns for c in RULE_COLUMNS)


def _erased_tables(present: Dict[str, Set[str]]) -> List[str]:
    """The tables that lose the customer's rows, in the database or on `metadata` (those count 0
    until made), in report order."""
    names = {t.name for t in metadata.sorted_tables if _erasable(set(t.c.keys()))}
    names.update(name for name, columns in present.items() if _erasable(columns))
    order = list(LABELS)
    return sorted(names - set(KEPT), key=lambda n: (order.index(n) if n in order else len(order), n))


def _delete(conn: Connection, name: str, columns: Set[str], conversations: Set[str], handoff_ids: Sequence[int],
            subjects: Sequence[str]) -> int:
    """Delete the rows of the conversations, handoffs and subjects from the database's table `name`,
    addressed by its columns as the database has them."""
    table = sa.table(name, *[sa.column(c) for c in RULE_COLUMNS if c in columns])
    where = []
    if "conversation_id" in columns and conversations:
        where.append(table.c.conversation_id.in_(sorted(conversations)))
    if "handoff_id" in columns and handoff_ids:
        where.append(table.c.handoff_id.in_(list(handoff_ids)))
    if "subject" in columns:
        where.append(table.c.subject.in_(list(subjects)))
    return conn.execute(table.delete().where(sa.or_(*where))).rowcount if where else 0


def _anonymise_orders(conn: Connection, order_ids: Collection[str], token: str) -> int:
    if not order_ids:
        return 0
    return conn.execute(orders.update().where(orders.c.order_id.in_(sorted(order_ids))).values(
        email=f"erased-{token}@erased.invalid", name=ERASED_NAME, postcode="", tracking_number=None)).rowcount


def _unlink_returns(conn: Connection, present: Dict[str, Set[str]], customer: Mentions, order_rows: list,
                    conversations: Set[str]) -> Tuple[int, int]:
    """Returns of the customer's orders or conversations: (conversation ids replaced, notes redacted)."""
    if rmas.name not in present:
        return 0, 0
    linked = []
    if conversations:
        linked.append(rmas.c.conversation_id.in_(sorted(conversations)))
    if customer.order_ids:
        linked.append(rmas.c.order_id.in_(sorted(customer.order_ids)))
    if not linked:
        return 0, 0
    rma_ids = list(conn.execute(sa.select(rmas.c.rma_id).where(sa.or_(*linked))).scalars())
    unlinked = conn.execute(rmas.update().where(rmas.c.conversation_id.in_(sorted(conversations)))
                            .values(conversation_id=ERASED)).rowcount if conversations else 0
    redacted = 0
    words = {customer.email, *conversations}
    for row in order_rows:
        words.update(w for w in [row.name, row.postcode, row.postcode.replace(" ", ""), *row.name.split()]
                     if len(w.strip()) >= 2)
    pattern = re.compile("(?<!\\w)(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                         + ")(?!\\w)", re.IGNORECASE)
    if rma_ids and rma_events.name in present:
        for event_id, note in conn.execute(sa.select(rma_events.c.id, rma_events.c.note)
                                           .where(rma_events.c.rma_id.in_(rma_ids))).all():
            clean = pattern.sub(ERASED_NAME, note or "")
            if clean != (note or ""):
                conn.execute(rma_events.update().where(rma_events.c.id == event_id).values(note=clean))
                redacted += 1
    return unlinked, redacted


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
