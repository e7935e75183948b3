"""Forgetting a customer, in SQL: one transaction over the order store (bot/erasure.py has the rules
and what is reported)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Collection, Dict, List, Optional, Sequence, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.erasure import (
    ERASED,
    ERASED_NAME,
    KEPT,
    LABELS,
    RULE_COLUMNS,
    ConversationStore,
    Count,
    Erasure,
    Mentions,
    _delete_files,
    _erasable,
    normalise_email,
)
from bot.sql.platforms import anonymise_for_orders
from bot.sql.schema import (
    attachments,
    external_returns,
    handoff_cards,
    handoffs,
    messages,
    metadata,
    orders,
    outbox,
    rma_events,
    rmas,
    verification_failures,
    verifications,
)


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


