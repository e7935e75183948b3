"""`returnbot eval conversations`: the conversation corpus (tests/conversations/*.yml) played against a
running stack, each conversation checked against the replies and the order store.

A measurement, not a gate (tests/test_conversations.py is the gate): it prints the share resolved per
class and overall, every failure with the expectation that failed and the transcript, and writes
reports/conversations/latest.json. See docs/conversation.md, "The conversation corpus".

How a conversation is played:
1. the order store is reset to the fixture state: the demo store and tests/conversations/orders.json,
   both rebased to today, and nothing else (no RMA, refund, verification, failed verification,
   handoff, tag, transcript...), so each conversation starts from the same store and everything in the
   store afterwards is its doing;
2. a fresh chat (a new web session, or a new Telegram user through the fake Bot API) says each line,
   with the hints that channel sends about the customer's language when the conversation gives them
   (the web chat's `Accept-Language` header, the Telegram user's `language_code`); a
   line "[button: Too small]" presses the button offered in the bot's last answer whose title contains
   "Too small" (none offered: the conversation fails there);
3. the expectations are checked against the replies and the store (RMAs, handoffs, order statuses),
   and, with `replies_in`, the language of every reply (`reply_language`).

Each conversation has a `language` (default English); the report has a table per language, so the
German conversations are measured on their own and not hidden in the English majority.
"""
from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from bot.settings import ROOT
from bot.sql.attachments import SqlAttachments
from bot.sql.outbox import SqlOutbox
from bot.sql.unit_of_work import SqlUnitOfWork

CORPUS_DIR = ROOT / "tests" / "conversations"
CORPUS_ORDERS = CORPUS_DIR / "orders.json"
DEMO_STORE = ROOT / "data" / "demo_orders.json"
REPORT_DIR = ROOT / "reports" / "conversations"

CLASSES = ("happy_path", "outcomes", "typed_answers", "yes_no_offers", "policy_questions", "detours",
           "multi_request", "corrections", "typed_choices", "postcodes", "no_order_number", "awkward",
           "never_stuck", "cancellations", "smalltalk")
CONVERSATION_KEYS = {"id", "class", "lines", "expect", "telegram", "note", "language", "accept_language",
                     "language_code"}
EXPECT_KEYS = {"rma", "rmas", "no_rma", "replies_include", "last_reply_includes", "turn_includes",
               "turn_excludes", "never", "handoff", "cancelled", "cancelled_items", "after", "replies_in"}
AFTER_KEYS = {"rmas", "no_rma", "handoff", "cancelled", "cancelled_items"}  # store facts checkable after any line
RMA_KEYS = {"order", "item", "reason", "resolution", "outcome", "quantity"}
REASONS = {"too_small", "too_large", "not_as_described", "changed_mind", "damaged", "wrong_item", "other"}
RESOLUTIONS = {"refund", "exchange", "store_credit", "replacement"}
OUTCOMES = {"rma", "returnless_refund", "damage_replacement"}  # the outcomes that store an RMA
# Never in any reply, whatever the conversation: the apology for a failure.
ALWAYS_NEVER = ("having trouble",)
# A catalogue sentence whose value was not given: Rasa shows it as it is written, braces and all.
UNFILLED = re.compile(r"{[a-z_]+}")
RMA_NUMBER = re.compile(r"\bRMA-[A-Z0-9-]+", re.IGNORECASE)
# A reply with fewer words than this (once order and RMA numbers, emails, amounts, links and item
# titles are taken out) is too short to tell its language: "OK", "#4101", a button "Ja".
REPLY_MIN_WORDS = 3
# ...and a reply is only said to be in another language on two of that language's words at least: one
# word two languages share in spelling ("lo", "has", "en") is no evidence (measured on the catalogues:
# with one word, 8 of 480 correct Spanish and Italian sentences were flagged; with two, none).
REPLY_MIN_EVIDENCE = 2.0
BUTTON_LINE = re.compile(r"^\[button:\s*(?P<title>.+?)\s*\]$", re.IGNORECASE)
ORDER_NUMBER = re.compile(r"(?<![\w-])(\d{3}-\d{7}-\d{7}|\d{2}-\d{5}-\d{5}|#\d{4,})(?![\w-])")
# A plain YAML scalar with " #" loses everything from there: the line would be cut without a word.
UNQUOTED_HASH = re.compile(r"""^\s*-\s+(?!["'])[^\n]*\s#""")
# Tables whose rows a conversation never makes or that other parts of the system keep their own way.
KEEP_TABLES = {"platform_sync_cursors", "external_returns", "update_cursor", "update_optouts", "slack_events",
               "slack_posts"}


class CorpusError(Exception):
    def __init__(self, problems: Sequence[str]):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class InfrastructureError(Exception):
    """The stack went away or could not be reached: the measurement means nothing."""


# -- the corpus -------------------------------------------------------------------------------
@dataclass
class Conversation:
    id: str
    cls: str
    lines: List[str]
    expect: Dict[str, Any]
    telegram: bool = False
    note: str = ""
    source: str = ""  # file name
    language: str = "en"  # the customer's language: the report has a table per language
    accept_language: Optional[str] = None  # the web chat's Accept-Language header, as a browser sends it
    language_code: Optional[str] = None  # the Telegram user's language_code (conversations played on Telegram)


def load_corpus(directory: Path = CORPUS_DIR) -> List[Conversation]:
    """Every conversation of every *.yml in `directory`, in file order; CorpusError on a malformed
    file (the schema is checked by `validate`)."""
    conversations: List[Conversation] = []
    problems: List[str] = []
    for path in sorted(directory.glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        for number, raw in enumerate(text.splitlines(), 1):
            if UNQUOTED_HASH.match(raw) and not raw.lstrip().startswith("#"):
                problems.append(f"{path.name}:{number}: quote this line: YAML reads ' #' as the start of a comment")
        try:
            items = yaml.safe_load(text) or []
        except yaml.YAMLError as exc:
            problems.append(f"{path.name}: not valid YAML: {exc}")
            continue
        if not isinstance(items, list):
            problems.append(f"{path.name}: must be a list of conversations")
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                problems.append(f"{path.name}: item {index + 1} is not a mapping")
                continue
            unknown = set(item) - CONVERSATION_KEYS
            if unknown:
                problems.append(f"{path.name}: {item.get('id', index + 1)}: unknown keys {sorted(unknown)}")
            lines = item.get("lines")
            conversations.append(Conversation(
                id=str(item.get("id", "")), cls=str(item.get("class", "")),
                lines=[l if isinstance(l, str) else str(l) for l in lines] if isinstance(lines, list) else [],
                expect=item.get("expect") if isinstance(item.get("expect"), dict) else {},
                telegram=bool(item.get("telegram", False)), note=str(item.get("note", "") or ""),
                source=path.name, language=str(item.get("language") or "en"),
                accept_language=_text_or_none(item.get("accept_language")),
                language_code=_text_or_none(item.get("language_code"))))
            if not isinstance(lines, list) or not lines:
                problems.append(f"{path.name}: {item.get('id', index + 1)}: `lines` must be a non-empty list")
            else:
                for number, line in enumerate(lines, 1):
                    if not isinstance(line, str) or not line.strip():  # YAML reads yes/no as booleans, 00184 as 132
                        problems.append(f"{path.name}: {item.get('id')}: line {number} ({line!r}) must be text: "
                                        "quote it")
            if not isinstance(item.get("expect"), dict) or not item.get("expect"):
                problems.append(f"{path.name}: {item.get('id', index + 1)}: `expect` must be a non-empty mapping")
    if problems:
        raise CorpusError(problems)
    return conversations


def _text_or_none(value: Any) -> Optional[str]:
    return None if value is None else str(value)


def fixture_orders(today: Optional[date] = None, corpus_orders: Path = CORPUS_ORDERS) -> list:
    """The orders every conversation starts from: the demo store, then the corpus's own orders, both
    rebased so their anchor_date is `today` (default: today, UTC)."""
    from bot.importer import load_orders_file

    today = today or datetime.now(timezone.utc).date()
    orders = load_orders_file(DEMO_STORE, rebase_to=today)
    if corpus_orders.exists():
        orders += load_orders_file(corpus_orders, rebase_to=today)
    return orders


def _strings(value: Any) -> Optional[List[Any]]:
    """A list of expected texts: each a string, or a list of strings of which any one will do."""
    if not isinstance(value, list):
        return None
    for item in value:
        if isinstance(item, str):
            continue
        if isinstance(item, list) and item and all(isinstance(i, str) for i in item):
            continue
        return None
    return value


def _one_or_list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else [value]


def rma_specs(expect: Mapping[str, Any]) -> List[dict]:
    spec = expect.get("rma")
    if spec is None:
        return []
    return [s for s in _one_or_list(spec)]


def validate(conversations: Sequence[Conversation], orders: Iterable) -> List[str]:
    """Problems with the corpus: duplicate ids, unknown classes or keys, bad values, orders or items
    that are not in the fixture store."""
    by_id = {o.order_id: o for o in orders}
    problems: List[str] = []
    seen: Dict[str, str] = {}

    def bad(c: Conversation, message: str) -> None:
        problems.append(f"{c.source}: {c.id or '(no id)'}: {message}")

    for c in conversations:
        if not c.id or not re.match(r"^[a-z0-9][a-z0-9_.-]*$", c.id):
            bad(c, "`id` must be lower-case letters, digits, '-', '_' or '.'")
        elif c.id in seen:
            bad(c, f"id used again (first in {seen[c.id]})")
        else:
            seen[c.id] = c.source
        if c.cls not in CLASSES:
            bad(c, f"unknown class {c.cls!r} (known: {', '.join(CLASSES)})")
        problems += [f"{c.source}: {c.id or '(no id)'}: {p}" for p in _language_problems(c)]
        expect = c.expect
        unknown = set(expect) - EXPECT_KEYS
        if unknown:
            bad(c, f"unknown expectation keys {sorted(unknown)} (known: {', '.join(sorted(EXPECT_KEYS))})")
        for key in ("replies_include", "last_reply_includes", "never"):
            if key in expect and _strings(expect[key]) is None:
                bad(c, f"`{key}` must be a list of texts (or of lists of alternatives)")
        for key in ("turn_includes", "turn_excludes"):
            if key in expect:
                value = expect[key]
                if not isinstance(value, dict) or not all(
                        isinstance(k, int) and 1 <= k <= len(c.lines) and _strings(v) is not None
                        for k, v in value.items()):
                    bad(c, f"`{key}` must map line numbers (1..{len(c.lines)}) to lists of texts")
        for key in ("no_rma", "handoff"):
            if key in expect and not isinstance(expect[key], bool):
                bad(c, f"`{key}` must be true or false")
        if "rmas" in expect and (not isinstance(expect["rmas"], int) or isinstance(expect["rmas"], bool)
                                 or expect["rmas"] < 0):
            bad(c, "`rmas` must be a whole number")
        if expect.get("no_rma") and (rma_specs(expect) or expect.get("rmas")):
            bad(c, "`no_rma` contradicts `rma`/`rmas`")
        cancelled = expect.get("cancelled")
        if cancelled is not None and not isinstance(cancelled, bool):
            if not isinstance(cancelled, str) or cancelled not in by_id:
                bad(c, f"`cancelled` must be true, false or an order number of the fixture store, got {cancelled!r}")
        items = expect.get("cancelled_items")
        if items is not None and items is not False and not (
                isinstance(items, dict) and all(k in by_id and isinstance(v, dict) and v and all(
                    isinstance(t, str) and isinstance(n, int) and n > 0 for t, n in v.items()) for k, v in items.items())):
            bad(c, "`cancelled_items` must be false or map order numbers of the fixture store to {item title: units}")
        after = expect.get("after")
        if after is not None:
            if not isinstance(after, dict) or not all(
                    isinstance(k, int) and 1 <= k <= len(c.lines) and isinstance(v, dict) and set(v) <= AFTER_KEYS
                    for k, v in after.items()):
                bad(c, f"`after` must map line numbers (1..{len(c.lines)}) to facts among {sorted(AFTER_KEYS)}")
        for spec in rma_specs(expect):
            if not isinstance(spec, dict) or not spec.get("order"):
                bad(c, "each `rma` needs at least `order`")
                continue
            if set(spec) - RMA_KEYS:
                bad(c, f"unknown `rma` keys {sorted(set(spec) - RMA_KEYS)} (known: {sorted(RMA_KEYS)})")
            order = by_id.get(str(spec["order"]))
            if order is None:
                bad(c, f"`rma` names order {spec['order']!r}, which is not in the demo store or orders.json")
                continue
            if "item" in spec and len(_lines_matching(order, spec["item"])) != 1:
                bad(c, f"`rma` item {spec['item']!r} must name exactly one line of {order.order_id} "
                       f"({', '.join(l.title for l in order.lines)})")
            for key, known in (("reason", REASONS), ("resolution", RESOLUTIONS), ("outcome", OUTCOMES)):
                if key in spec and not set(_one_or_list(spec[key])) <= known:
                    bad(c, f"`rma` {key} {spec[key]!r} is not one of {sorted(known)}")
            if "quantity" in spec and (not isinstance(spec["quantity"], int) or spec["quantity"] < 1):
                bad(c, "`rma` quantity must be a whole number >= 1")
        for number, line in enumerate(c.lines, 1):
            for found in ORDER_NUMBER.findall(line):
                if found not in by_id and not _deliberately_unknown(c, found):
                    bad(c, f"line {number} names order {found}, which is not in the demo store or orders.json "
                           "(an unknown order on purpose: say so in `note`)")
    return problems


def _language_problems(c: Conversation) -> List[str]:
    """The language fields: a served language, hints a channel could send, `replies_in` by turn."""
    from bot.language import LANGUAGES, served

    problems = []
    if c.language not in LANGUAGES:
        problems.append(f"`language` must be one of {', '.join(LANGUAGES)}, got {c.language!r}")
    if c.accept_language is not None and not re.match(r"^[A-Za-z*][A-Za-z0-9*;=.,\s-]*$", c.accept_language):
        problems.append(f"`accept_language` must be an Accept-Language header (de-DE,de;q=0.9), got {c.accept_language!r}")
    if c.language_code is not None:
        if not c.telegram:
            problems.append("`language_code` is Telegram's: only with `telegram: true`")
        if not re.match(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]+)*$", c.language_code):
            problems.append(f"`language_code` must be a language tag (de, zh-hans), got {c.language_code!r}")
    if "replies_in" in c.expect:
        by_turn = replies_in_by_turn(c.expect["replies_in"])
        if by_turn is None or not by_turn or not all(1 <= k <= len(c.lines) and v in LANGUAGES
                                                     for k, v in by_turn.items()):
            problems.append(f"`replies_in` must be a language ({', '.join(LANGUAGES)}) or map line numbers "
                            f"(1..{len(c.lines)}) to languages")
    elif c.language != "en":
        problems.append("a conversation in another language than English needs `replies_in`")
    return problems


def replies_in_by_turn(value: Any) -> Optional[Dict[int, str]]:
    """`replies_in: de` is {1: "de"}; `{1: de, 4: en}` as it is (from line 4 on, English). None: malformed."""
    if isinstance(value, str):
        return {1: value}
    if isinstance(value, dict) and all(isinstance(k, int) and not isinstance(k, bool) and isinstance(v, str)
                                       for k, v in value.items()):
        return dict(sorted(value.items()))
    return None


def _deliberately_unknown(c: Conversation, order_id: str) -> bool:
    return order_id in c.note


def _lines_matching(order, item: str) -> list:
    """The order's lines whose id is `item` or whose title contains it (any case)."""
    item = str(item).casefold()
    exact = [l for l in order.lines if l.line_id.casefold() == item or l.title.casefold() == item]
    return exact or [l for l in order.lines if item in l.title.casefold()]


# -- the store --------------------------------------------------------------------------------
class Fixture:
    """The order store of the stack under test, put back to the fixture state before each
    conversation, and read for what the conversation did."""

    def __init__(self, database_url: str, orders: Sequence):
        from bot.store import SqlStore

        self.store = SqlStore.from_url(database_url)
        self.orders = {o.order_id: o for o in orders}
        self.store.upsert_orders(orders)
        self._fixture_rows = self._order_rows(self.orders)

    def close(self) -> None:
        self.store.engine.dispose()

    def _tables(self):
        """returnbot's tables (bot/sql/schema.py's metadata) that a
        conversation can write to: all but the orders and KEEP_TABLES. Never Rasa's own tables."""
        import sqlalchemy as sa

        from bot.sql.schema import metadata

        present = set(sa.inspect(self.store.engine).get_table_names())
        return [t for t in reversed(metadata.sorted_tables)
                if t.name in present and t.name not in KEEP_TABLES | {"orders", "order_lines"}]

    def _order_rows(self, order_ids: Iterable[str]) -> Dict[str, tuple]:
        """Each order's row and its lines' rows as the database holds them (raw values: comparable, and
        cheap enough to read before every conversation)."""
        import sqlalchemy as sa

        rows: Dict[str, list] = {}
        with self.store.engine.connect() as conn:
            for row in conn.execute(sa.text("SELECT * FROM orders")):
                rows.setdefault(row[0], [None, []])[0] = tuple(row)
            for row in conn.execute(sa.text("SELECT * FROM order_lines ORDER BY order_id, line_id")):
                rows.setdefault(row[0], [None, []])[1].append(tuple(row))
        wanted = set(order_ids)
        return {k: (v[0], tuple(v[1])) for k, v in rows.items() if k in wanted}

    def reset(self) -> None:
        """Delete every row a conversation can make (all of returnbot's tables but the orders and a
        few kept by other parts of the system) and put back the orders that differ from the fixture."""
        with self.store.engine.begin() as conn:
            for table in self._tables():
                conn.execute(table.delete())
        now = self._order_rows(self.orders)
        changed = [self.orders[k] for k, v in self._fixture_rows.items() if now.get(k) != v]
        if changed:
            self.store.upsert_orders(changed)

    def facts(self) -> dict:
        """What is in the store now beyond the fixture: RMAs, handoffs, orders cancelled."""
        import sqlalchemy as sa

        from bot.sql.schema import cancelled_lines, handoffs, order_lines, orders, rmas

        with self.store.engine.connect() as conn:
            rma_rows = [dict(r) for r in conn.execute(sa.select(rmas).order_by(rmas.c.created_at)).mappings()]
            items: Dict[str, Dict[str, int]] = {}
            for order_id, title, units in conn.execute(
                    sa.select(cancelled_lines.c.order_id, order_lines.c.title, cancelled_lines.c.quantity)
                    .join(order_lines, sa.and_(order_lines.c.order_id == cancelled_lines.c.order_id,
                                               order_lines.c.line_id == cancelled_lines.c.line_id))):
                items.setdefault(order_id, {})[title] = units
            handoff_rows = [dict(r) for r in conn.execute(sa.select(handoffs)).mappings()]
            statuses = dict(conn.execute(sa.select(orders.c.order_id, orders.c.status)).all())
        cancelled = sorted(k for k, o in self.orders.items()
                           if statuses.get(k) == "cancelled" and o.status.value != "cancelled")
        changed = {k: statuses.get(k) for k, o in self.orders.items() if statuses.get(k) != o.status.value}
        return {"rmas": rma_rows, "handoffs": handoff_rows, "cancelled": cancelled, "status_changed": changed,
                "cancelled_items": items}


# -- playing a conversation -------------------------------------------------------------------
@dataclass
class Turn:
    said: str  # the line as written in the corpus
    replies: List[dict] = field(default_factory=list)  # {"text", "buttons": [titles], "extra"}
    error: str = ""

    def text(self) -> str:
        """Everything the customer sees in the answer to this line: texts and button titles."""
        parts = []
        for r in self.replies:
            if r.get("text"):
                parts.append(r["text"])
            parts += [f"[{b}]" for b in r.get("buttons") or []]
            if r.get("extra"):
                parts.append(r["extra"])
        return "\n".join(parts)

    def buttons(self) -> List[str]:
        return [b for r in self.replies for b in r.get("buttons") or []]


class PlayError(Exception):
    """The conversation could not go on (a button that was not offered, an HTTP error)."""


class WebChat:
    """A fresh web chat session on a gateway: says lines, presses buttons (as the chat page does)."""

    def __init__(self, base_url: str, timeout: float = 60.0, accept_language: Optional[str] = None):
        import httpx

        headers = {"Accept-Language": accept_language} if accept_language else {}
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, headers=headers)
        self._last: List[dict] = []
        try:
            self.http.post("/api/session").raise_for_status()
        except httpx.HTTPError as exc:
            self.http.close()
            raise InfrastructureError(f"cannot open a web chat session at {base_url}: {exc}") from None

    def close(self) -> None:
        self.http.close()

    def _post(self, text: str, title: Optional[str] = None) -> List[dict]:
        import httpx

        body = {"text": text, "id": uuid.uuid4().hex}
        if title:
            body["title"] = title
        try:
            response = self.http.post("/api/messages", json=body)
        except httpx.TransportError as exc:
            raise InfrastructureError(f"the gateway did not answer: {exc}") from None
        if response.status_code >= 400:
            raise PlayError(f"the gateway answered HTTP {response.status_code}: {response.text[:200]}")
        body = response.json()
        self._last = body.get("messages") or []
        replies = [_web_reply(m) for m in self._last]
        if body.get("notice"):  # the gateway took the message but has no answer to it
            replies.append({"text": "", "buttons": [], "extra": f"[notice: {body['notice']}]"})
        return replies

    def say(self, line: str) -> List[dict]:
        button = BUTTON_LINE.match(line.strip())
        if button is None:
            return self._post(line)
        wanted = button.group("title").casefold()
        offered = [b for m in self._last for b in m.get("buttons") or []]
        chosen = next((b for b in offered if wanted in str(b.get("title", "")).casefold()), None)
        if chosen is None:
            raise PlayError(f"no button containing {button.group('title')!r} was offered "
                            f"(offered: {[b.get('title') for b in offered] or 'none'})")
        return self._post(chosen["payload"], chosen.get("title"))


def _web_reply(message: dict) -> dict:
    extra = []
    custom = message.get("custom")
    if custom:
        extra.append("[custom: " + json.dumps(custom, ensure_ascii=False)[:300] + "]")
    if message.get("image"):
        extra.append(f"[image: {message['image']}]")
    return {"text": message.get("text") or "", "buttons": [str(b.get("title", "")) for b in message.get("buttons") or []],
            "extra": " ".join(extra)}


def play_web(conversation: Conversation, base_url: str, fixture: Fixture) -> Tuple[List[Turn], Dict[int, dict]]:
    """Say every line on a fresh web session; the turns, and the store's facts after the lines the
    expectations ask about (`after`)."""
    chat = WebChat(base_url, accept_language=conversation.accept_language)
    turns: List[Turn] = []
    checkpoints: Dict[int, dict] = {}
    wanted = set((conversation.expect.get("after") or {}).keys())
    try:
        for number, line in enumerate(conversation.lines, 1):
            turn = Turn(line)
            turns.append(turn)
            try:
                turn.replies = chat.say(line)
            except PlayError as exc:
                turn.error = str(exc)
                break
            if number in wanted:
                checkpoints[number] = fixture.facts()
    finally:
        chat.close()
    return turns, checkpoints


# -- checking ---------------------------------------------------------------------------------
def _found(text: str, expected: Any) -> bool:
    """`expected` (a text, or a list of alternatives) is in `text`, ignoring case and curly quotes."""
    haystack = _plain(text)
    return any(_plain(e) in haystack for e in _one_or_list(expected))


def _plain(text: str) -> str:
    return str(text).replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ").casefold()


def _show(expected: Any) -> str:
    return " or ".join(repr(e) for e in _one_or_list(expected))


def check(conversation: Conversation, turns: Sequence[Turn], facts: dict,
          checkpoints: Optional[Dict[int, dict]] = None, orders: Optional[Mapping[str, Any]] = None) -> List[str]:
    """The expectations that do not hold, each as a sentence (empty: the conversation is resolved)."""
    expect = conversation.expect
    failures: List[str] = []
    stopped = next((i for i, t in enumerate(turns, 1) if t.error), None)
    if stopped is not None:
        failures.append(f"line {stopped} could not be played: {turns[stopped - 1].error}")
    elif len(turns) < len(conversation.lines):
        failures.append(f"only {len(turns)} of {len(conversation.lines)} lines were played")
    for number, turn in enumerate(turns, 1):
        if not turn.error and not any(r.get("text") for r in turn.replies):
            failures.append(f"line {number} got no answer")
        unfilled = UNFILLED.search(turn.text())
        if unfilled:
            failures.append(f"the reply to line {number} shows {unfilled.group(0)} unfilled")
    everything = "\n".join(t.text() for t in turns)
    for text in expect.get("replies_include") or []:
        if not _found(everything, text):
            failures.append(f"no reply includes {_show(text)}")
    for text in list(expect.get("never") or []) + list(ALWAYS_NEVER):
        for number, turn in enumerate(turns, 1):
            if _found(turn.text(), text):
                failures.append(f"the reply to line {number} includes {_show(text)}, which must never appear")
                break
    if expect.get("last_reply_includes") and turns:
        last = turns[-1].text() if len(turns) == len(conversation.lines) else ""
        for text in expect["last_reply_includes"]:
            if not _found(last, text):
                failures.append(f"the reply to the last line does not include {_show(text)}")
    for number, texts in (expect.get("turn_includes") or {}).items():
        turn = turns[number - 1].text() if number <= len(turns) else ""
        for text in texts:
            if not _found(turn, text):
                failures.append(f"the reply to line {number} does not include {_show(text)}")
    for number, texts in (expect.get("turn_excludes") or {}).items():
        turn = turns[number - 1].text() if number <= len(turns) else ""
        for text in texts:
            if _found(turn, text):
                failures.append(f"the reply to line {number} includes {_show(text)}, which it must not")
    if "replies_in" in expect:
        failures += _language_failures(expect["replies_in"], turns, _titles(orders or {}))
    failures += _store_failures(expect, facts, orders or {})
    for number, wanted in sorted((expect.get("after") or {}).items()):
        seen = (checkpoints or {}).get(number)
        if seen is None:
            if stopped is None or number < stopped:
                failures.append(f"no store reading after line {number}")
            continue
        failures += [f"after line {number}: {f}" for f in _store_failures(wanted, seen, orders or {})]
    return failures


def _titles(orders: Mapping[str, Any]) -> List[str]:
    """Every item title of the fixture orders, longest first: the shop's words, not the bot's."""
    return sorted({l.title for o in orders.values() for l in o.lines}, key=len, reverse=True)


def reply_language(text: str, expected: str, titles: Sequence[str] = ()) -> Optional[str]:
    """The language a reply is clearly written in when that is not `expected`, else None (it is in
    `expected`, or too short or too mixed to tell).

    The same evidence and thresholds as `bot.language.choose_language` uses for a customer who
    switches: Han characters are Chinese; otherwise `WordListDetector` on the words left once order
    numbers, emails, amounts, links, RMA numbers and the shop's item titles are taken out, and the
    best language must hold half of the evidence and lead `expected` clearly. A request for a
    language is not looked for: a reply that mentions "English" is not asking for it."""
    from bot.language import MIN_SHARE, SWITCH_MARGIN, WORD_LIST, han_share, words_of

    for title in titles:
        text = re.sub(re.escape(title), " ", text, flags=re.IGNORECASE)
    text = RMA_NUMBER.sub(" ", text)
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    if han >= 2 and han_share(text) >= 0.3:
        return None if expected == "zh" else "zh"
    words = words_of(text)
    if len(words) < REPLY_MIN_WORDS:
        return None
    scores = WORD_LIST.scores(" ".join(words))
    total = sum(scores.values())
    if total <= 0:
        return None
    best = max(scores, key=lambda lang: (scores[lang], lang == expected))
    if best == expected or scores[best] < REPLY_MIN_EVIDENCE or scores[best] / total < MIN_SHARE:
        return None
    if (scores[best] - scores.get(expected, 0.0)) / total < SWITCH_MARGIN:
        return None
    return best


def _language_failures(replies_in: Any, turns: Sequence[Turn], titles: Sequence[str]) -> List[str]:
    """Each reply (its text and its buttons' titles) clearly in another language than the one
    `replies_in` wants for its line: the first per line is enough to say."""
    by_turn = replies_in_by_turn(replies_in) or {}
    failures = []
    for number, turn in enumerate(turns, 1):
        wanted = next((lang for start, lang in reversed(list(by_turn.items())) if start <= number), None)
        if wanted is None:
            continue
        for reply in turn.replies:
            shown = " ".join([reply.get("text") or ""] + [f"{b}." for b in reply.get("buttons") or []])
            found = reply_language(shown, wanted, titles)
            if found:
                failures.append(f"the reply to line {number} is in {found}, not {wanted}: "
                                f"{' '.join(shown.split())[:120]!r}")
                break
    return failures


def _store_failures(expect: Mapping[str, Any], facts: dict, orders: Mapping[str, Any]) -> List[str]:
    failures: List[str] = []
    rmas = facts.get("rmas", [])
    issued = ", ".join(_describe_rma(r, orders) for r in rmas) or "none"
    specs = rma_specs(expect)
    if expect.get("no_rma") and rmas:
        failures.append(f"no RMA should be issued, but: {issued}")
    if "rmas" in expect and len(rmas) != expect["rmas"]:
        failures.append(f"expected {expect['rmas']} RMA(s), got {len(rmas)}: {issued}")
    if specs:
        unmatched = list(rmas)
        for spec in specs:
            hit = next((r for r in unmatched if _rma_matches(spec, r, orders)), None)
            if hit is None:
                failures.append(f"no RMA {_describe_spec(spec)} (issued: {issued})")
            else:
                unmatched.remove(hit)
        if "rmas" not in expect and unmatched and len(rmas) > len(specs):
            failures.append(f"more RMAs than expected: {', '.join(_describe_rma(r, orders) for r in unmatched)}")
    if "handoff" in expect:
        opened = facts.get("handoffs", [])
        if expect["handoff"] and not opened:
            failures.append("no case was opened for a person")
        elif not expect["handoff"] and opened:
            failures.append("a case was opened for a person: " + "; ".join(
                f"{h['reason']} ({h['summary'][:80]})" for h in opened))
    cancelled = expect.get("cancelled")
    done = facts.get("cancelled", [])
    if cancelled is True and not done:
        failures.append("no order was cancelled")
    elif cancelled is False and done:
        failures.append(f"order(s) cancelled: {', '.join(done)}")
    elif isinstance(cancelled, str) and cancelled not in done:
        failures.append(f"order {cancelled} was not cancelled" + (f" (cancelled: {', '.join(done)})" if done else ""))
    if "cancelled_items" in expect:
        wanted, taken = expect["cancelled_items"] or {}, facts.get("cancelled_items", {})
        if wanted != taken:
            failures.append(f"items cancelled: {taken or 'none'} (expected {wanted or 'none'})")
    return failures


def _rma_matches(spec: Mapping[str, Any], rma: Mapping[str, Any], orders: Mapping[str, Any]) -> bool:
    if str(spec["order"]) != rma["order_id"]:
        return False
    if "item" in spec:
        order = orders.get(rma["order_id"])
        lines = _lines_matching(order, spec["item"]) if order is not None else []
        if rma["line_id"] not in {l.line_id for l in lines}:
            return False
    for key in ("reason", "resolution", "outcome"):
        if key in spec and rma[key] not in _one_or_list(spec[key]):
            return False
    return "quantity" not in spec or rma["quantity"] == spec["quantity"]


def _describe_spec(spec: Mapping[str, Any]) -> str:
    return "for " + ", ".join(f"{k} {'/'.join(map(str, _one_or_list(v)))}" for k, v in spec.items())


def _describe_rma(rma: Mapping[str, Any], orders: Mapping[str, Any]) -> str:
    order = orders.get(rma["order_id"])
    line = order.line(rma["line_id"]) if order is not None else None
    title = line.title if line is not None else rma["line_id"]
    return (f"{rma['rma_id']} {rma['order_id']} {title} x{rma['quantity']} {rma['reason']}/{rma['resolution']}"
            f" ({rma['outcome']})")


# -- running the corpus -----------------------------------------------------------------------
@dataclass
class Result:
    conversation: Conversation
    turns: List[Turn]
    failures: List[str]
    seconds: float
    channel: str = "web"

    @property
    def resolved(self) -> bool:
        return not self.failures


def run_web(conversations: Sequence[Conversation], base_url: str, fixture: Fixture,
            progress: Optional[Callable[[Result], None]] = None,
            alive: Callable[[], bool] = lambda: True) -> List[Result]:
    """Play and check each conversation on the web chat at `base_url`, resetting the store first."""
    results = []
    for conversation in conversations:
        if not alive():
            raise InfrastructureError("the stack stopped while the corpus was played")
        started = time.monotonic()
        fixture.reset()
        turns, checkpoints = play_web(conversation, base_url, fixture)
        result = Result(conversation, turns, check(conversation, turns, fixture.facts(), checkpoints, fixture.orders),
                        time.monotonic() - started)
        results.append(result)
        if progress:
            progress(result)
    return results


async def run_telegram(conversations: Sequence[Conversation], settings, fixture: Fixture, var_dir: Path,
                       progress: Optional[Callable[[Result], None]] = None) -> List[Result]:
    """The same through the Telegram adapter (in this process) and a fake Telegram Bot API, on the
    stack's Rasa and database: each conversation a new Telegram user."""
    async with TelegramHarness(settings, var_dir) as harness:
        results = []
        for number, conversation in enumerate(conversations):
            started = time.monotonic()
            fixture.reset()
            turns, checkpoints = await harness.play(conversation, fixture, user_id=880_000 + number)
            result = Result(conversation, turns, check(conversation, turns, fixture.facts(), checkpoints,
                                                       fixture.orders), time.monotonic() - started, "telegram")
            results.append(result)
            if progress:
                progress(result)
        return results


def _tests_importable() -> None:
    """The fake Telegram Bot API lives with the tests (tests/fake_telegram.py)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


class TelegramHarness:
    """The gateway's Telegram wiring (router, outbox, relay, polling adapter) against a fake Bot API."""

    def __init__(self, settings, var_dir: Path):
        self.settings, self.var_dir = settings, var_dir

    async def __aenter__(self) -> "TelegramHarness":
        _tests_importable()
        from bot import bootstrap
        from bot.attachments import AttachmentStore
        from bot.sql.conversation_languages import SqlConversationLanguages
        from channels.rasa_client import RasaClient
        from channels.relay import Backoff, RateLimiter, Relay
        from channels.router import Router
        from channels.telegram import TelegramChannel, reply_payloads
        from tests.fake_telegram import TOKEN, FakeTelegram

        self.fake = FakeTelegram()
        await self.fake.start()
        settings = self.settings.with_overrides(telegram_bot_token=TOKEN, telegram_api_base_url=self.fake.url,
                                                var_dir=self.var_dir)
        self.services = bootstrap.build(settings)
        returns = self.services.returns
        self.rasa = RasaClient(self.settings.rasa_url, token=self.settings.rasa_channel_token)
        self.outbox = SqlOutbox(self.services.store.engine)
        self.relay = Relay(self.outbox, backoff=Backoff(base=0.2, cap=1.0))
        attachments = AttachmentStore(SqlAttachments(self.services.store.engine), self.var_dir / "attachments")
        # the conversation's language is kept as the gateway keeps it: a bare "1070" after a German first
        # message stays German, whatever the user's language_code says
        router = Router(self.rasa, self.outbox, {"telegram": reply_payloads}, attachments=attachments,
                        transcript=self.services.store, notify=self.relay.wake,
                        units=lambda: SqlUnitOfWork(self.services.store.engine),
                        languages=SqlConversationLanguages(self.services.store.engine))
        unlimited = RateLimiter(per_key_rate=1000.0, per_key_burst=1000, global_rate=1000.0, global_burst=1000)
        self.channel = TelegramChannel(settings, router, self.relay,
                                       lambda rma_id, language="en": returns.slip_pdf(rma_id, returns.slip_token(rma_id), language),
                                       limiter=unlimited, poll_timeout=1)
        await self.channel.start()
        self.relay.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.relay.close()
        await self.channel.stop()
        await self.rasa.aclose()
        await self.fake.close()
        self.services.store.engine.dispose()

    async def play(self, conversation: Conversation, fixture: Fixture, user_id: int) -> Tuple[List[Turn], Dict[int, dict]]:
        from tests.telegram_customer import TelegramCustomer, visible

        customer = TelegramCustomer(self.fake, self.outbox, user_id)
        turns: List[Turn] = []
        checkpoints: Dict[int, dict] = {}
        wanted = set((conversation.expect.get("after") or {}).keys())
        keyboard = None
        for number, line in enumerate(conversation.lines, 1):
            turn = Turn(line)
            turns.append(turn)
            button = BUTTON_LINE.match(line.strip())
            try:
                if button is None:
                    update = self.fake.message(user_id, line)
                else:
                    wanted_title = button.group("title").casefold()
                    offered = keyboard.buttons if keyboard is not None else []
                    chosen = next((b for b in offered if wanted_title in b["text"].casefold()), None)
                    if chosen is None:
                        raise PlayError(f"no button containing {button.group('title')!r} was offered "
                                        f"(offered: {[b['text'] for b in offered] or 'none'})")
                    update = self.fake.press(user_id, keyboard, chosen)
                calls = await customer.send(_with_language_code(update, conversation.language_code))
            except PlayError as exc:
                turn.error = str(exc)
                break
            except AssertionError as exc:  # the relay gave up, or no answer came in time
                turn.error = f"no answer over Telegram: {str(exc)[:300]}"
                break
            sent = [c for c in calls if c.method in ("sendMessage", "sendDocument")]
            keyboard = next((c for c in reversed(sent) if c.method == "sendMessage" and c.buttons), None)
            turn.replies = [{"text": visible(c) if c.method == "sendMessage" else "",
                             "buttons": [b["text"] for b in c.buttons] if c.method == "sendMessage" else [],
                             "extra": f"[document: {c.files.get('document', ('?',))[0]}]"
                             if c.method == "sendDocument" else ""} for c in sent]
            if number in wanted:
                checkpoints[number] = fixture.facts()
        return turns, checkpoints


def _with_language_code(update: dict, language_code: Optional[str]) -> dict:
    """The update as a Telegram client set to `language_code` sends it (the fake's users say "en")."""
    if language_code:
        for kind in ("message", "callback_query"):
            if kind in update:
                update[kind]["from"] = {**update[kind]["from"], "language_code": language_code}
    return update


# -- the report -------------------------------------------------------------------------------
def _figures(results: Sequence[Result]) -> dict:
    resolved, total = sum(r.resolved for r in results), len(results)
    return {"resolved": resolved, "total": total, "share": round(resolved / total, 4) if total else 0.0}


def _per_class(results: Sequence[Result]) -> "OrderedDict[str, dict]":
    per_class: "OrderedDict[str, dict]" = OrderedDict()
    for cls in CLASSES:
        mine = [r for r in results if r.conversation.cls == cls]
        if mine:
            per_class[cls] = _figures(mine)
    return per_class


def summarise(results: Sequence[Result]) -> dict:
    """The shares resolved per class and overall, and per language (each language's own per-class
    table: a language is measured on its own, not hidden in the English majority)."""
    from bot.language import LANGUAGES

    per_language: "OrderedDict[str, dict]" = OrderedDict()
    for lang in LANGUAGES:
        mine = [r for r in results if r.conversation.language == lang]
        if mine:
            per_language[lang] = {"per_class": _per_class(mine), "overall": _figures(mine)}
    return {
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "channels": sorted({r.channel for r in results}),
        "per_class": _per_class(results),
        "overall": _figures(results),
        "per_language": per_language,
        "seconds": round(sum(r.seconds for r in results), 1),
        "failures": [failure_record(r) for r in results if not r.resolved],
    }


def failure_record(result: Result) -> dict:
    c = result.conversation
    return {"id": c.id, "class": c.cls, "language": c.language, "file": c.source, "channel": result.channel,
            "note": c.note,
            "failed": result.failures, "transcript": transcript(result)}


def transcript(result: Result) -> List[dict]:
    out = []
    for turn in result.turns:
        out.append({"customer": turn.said})
        for reply in turn.replies:
            entry = {"bot": reply.get("text", "")}
            if reply.get("buttons"):
                entry["buttons"] = reply["buttons"]
            if reply.get("extra"):
                entry["extra"] = reply["extra"]
            out.append(entry)
        if turn.error:
            out.append({"error": turn.error})
    return out


def format_failure(record: dict) -> str:
    lines = [f"✗ {record['id']}  [{record['class']}, {record.get('language', 'en')}, {record['file']}, "
             f"{record['channel']}]"]
    if record.get("note"):
        lines.append(f"    note: {record['note']}")
    lines += [f"    - {f}" for f in record["failed"]]
    for entry in record["transcript"]:
        if "customer" in entry:
            lines.append(f"      customer: {entry['customer']}")
        elif "error" in entry:
            lines.append(f"      !! {entry['error']}")
        else:
            text = " ".join(entry["bot"].split())
            lines.append(f"      bot:      {text}")
            if entry.get("buttons"):
                lines.append(f"                [{' | '.join(entry['buttons'])}]")
            if entry.get("extra"):
                lines.append(f"                {entry['extra']}")
    return "\n".join(lines)


def format_table(summary: dict) -> str:
    """The per-class table of all conversations; when the corpus holds more than one language, first
    one such table per language, then the share of each language, then the overall table."""
    per_language = summary.get("per_language") or {}
    blocks = []
    if len(per_language) > 1:
        for lang, figures in per_language.items():
            blocks.append(f"language {lang}:\n" + _class_table(figures["per_class"], figures["overall"]))
        rows = [f"{'language':<18} {'resolved':>8} {'total':>6} {'share':>7}"]
        rows += [_row(lang, figures["overall"]) for lang, figures in per_language.items()]
        blocks.append("per language:\n" + "\n".join(rows))
        blocks.append("all languages:\n" + _class_table(summary["per_class"], summary["overall"]))
        return "\n\n".join(blocks)
    return _class_table(summary["per_class"], summary["overall"])


def _class_table(per_class: Mapping[str, dict], overall: dict) -> str:
    rows = [f"{'class':<18} {'resolved':>8} {'total':>6} {'share':>7}"]
    rows += [_row(cls, figures) for cls, figures in per_class.items()]
    rows.append(_row("overall", overall))
    return "\n".join(rows)


def _row(name: str, figures: dict) -> str:
    return f"{name:<18} {figures['resolved']:>8} {figures['total']:>6} {figures['share'] * 100:>6.1f}%"


def write_report(summary: dict, out_dir: Path = REPORT_DIR) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "latest.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def select(conversations: Sequence[Conversation], only: Optional[Sequence[str]] = None,
           ids: Optional[Sequence[str]] = None, telegram_only: bool = False,
           languages: Optional[Sequence[str]] = None) -> List[Conversation]:
    chosen = list(conversations)
    if languages:
        chosen = [c for c in chosen if c.language in languages]
    if only:
        chosen = [c for c in chosen if c.cls in only]
    if ids:
        chosen = [c for c in chosen if c.id in ids or any(i.endswith("*") and c.id.startswith(i[:-1]) for i in ids)]
    if telegram_only:
        chosen = [c for c in chosen if c.telegram]
    return chosen


# -- the command ------------------------------------------------------------------------------
def _progress(verbose: bool) -> Callable[[Result], None]:
    def show(result: Result) -> None:
        if verbose:
            print(f"{'ok ' if result.resolved else 'FAIL'} {result.conversation.id} ({result.seconds:.2f} s)", flush=True)
        else:
            print("." if result.resolved else "F", end="", flush=True)
    return show


def start_private_stack(log=print, languages: Iterable[str] = ()):
    """A stack of its own on the test ports (RETURNBOT_TEST_PORT_OFFSET), settings on a temporary
    folder: returns (stack, settings, folder). The NLU model of each other language in `languages`
    is built (or restored from the cache) first: the Rasa server reads a German message with the
    German model it finds under models/de/ when it starts (docs/languages.md)."""
    import os

    from cli.model import ensure_language_model, ensure_model
    from cli.stack import Stack

    offset = int(os.environ.get("RETURNBOT_TEST_PORT_OFFSET", "0"))
    folder = Path(tempfile.mkdtemp(prefix="returnbot-conversations-"))
    settings = stack_settings(folder, offset)
    model = ensure_model(log=log)
    for language in sorted(set(languages) - {"en"}):
        ensure_language_model(language, log=log)
    stack = Stack(settings, model, log_dir=folder / "logs")
    return stack, settings, folder


def stack_settings(folder: Path, offset: int):
    from bot.settings import Settings

    env = {"RETURNBOT_VAR_DIR": str(folder), "RETURNBOT_SECRET": "conversation-corpus-secret",
           "RETURNBOT_RASA_PORT": str(15005 + offset), "RETURNBOT_ACTIONS_PORT": str(15055 + offset),
           "RETURNBOT_GATEWAY_PORT": str(18000 + offset)}
    return Settings.from_env(env)


def cmd_eval_conversations(args, settings) -> int:
    """The `returnbot eval conversations` subcommand (see add_parser)."""
    from cli.stack import StackError

    try:
        corpus = load_corpus(CORPUS_DIR)
        orders = fixture_orders()
    except CorpusError as exc:
        print("returnbot: the conversation corpus is malformed:\n  " + "\n  ".join(exc.problems), file=sys.stderr)
        return 2
    problems = validate(corpus, orders)
    if problems:
        print("returnbot: the conversation corpus does not validate:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    # On Telegram (slower: polling, a relay) the sample flagged `telegram: true`, unless --only/--id choose.
    chosen = select(corpus, args.only, args.id, telegram_only=args.channel == "telegram" and not (args.only or args.id),
                    languages=args.language)
    if not chosen:
        print("returnbot: no conversation matches --only/--id/--language", file=sys.stderr)
        return 2
    stack = folder = fixture = None
    telegram_dir = Path(tempfile.mkdtemp(prefix="returnbot-conversations-tg-")) if args.channel == "telegram" else None
    try:
        if args.stack_url:
            base_url, stack_settings_ = args.stack_url, settings
            print(f"against the running stack at {base_url}; its order store is {_safe_url(settings.database_url)}")
            if not _is_demo_store(settings.database_url):  # checked before anything is written to it
                print("returnbot: that order store does not hold the demo store's orders; the runner resets the "
                      "store between conversations, so it only runs against a demo store", file=sys.stderr)
                return 2
        else:
            stack, stack_settings_, folder = start_private_stack(languages={c.language for c in chosen})
            base_url = f"http://127.0.0.1:{stack_settings_.gateway_port}"
        fixture = Fixture(stack_settings_.database_url, orders)
        if stack is not None:
            print(f"starting a private stack (gateway on port {stack_settings_.gateway_port})...", flush=True)
            stack.start()
        print(f"playing {len(chosen)} conversations on {args.channel}...", flush=True)
        started = time.monotonic()
        progress = _progress(args.verbose)
        if args.channel == "web":
            results = run_web(chosen, base_url, fixture, progress,
                              alive=stack.alive if stack is not None else (lambda: True))
        else:
            results = asyncio.run(run_telegram(chosen, stack_settings_, fixture, telegram_dir, progress))
        elapsed = time.monotonic() - started
    except (InfrastructureError, StackError) as exc:
        print(f"\nreturnbot: {exc}", file=sys.stderr)
        if folder is not None:
            print(f"logs: {folder / 'logs'}", file=sys.stderr)
            folder = None  # kept for reading
        return 1
    finally:
        if fixture is not None:
            try:
                fixture.reset()  # a stack of the user's is left as a clean demo store
            finally:
                fixture.close()
        if stack is not None:
            stack.stop()
        if telegram_dir is not None:
            shutil.rmtree(telegram_dir, ignore_errors=True)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    summary = summarise(results)
    summary["seconds"] = round(elapsed, 1)
    print("\n")
    if args.transcripts:  # every conversation, resolved ones too
        for result in results:
            if result.resolved:
                print(format_failure(failure_record(result)).replace("✗", "✓", 1) + "\n")
    for record in summary["failures"]:
        print(format_failure(record) + "\n")
    print(format_table(summary))
    path = write_report(summary, Path(args.out) if args.out else REPORT_DIR)
    print(f"\n{len(results)} conversations in {elapsed:.0f} s; report: {path}")
    return 0


def _safe_url(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//***@", url)


def _is_demo_store(database_url: str) -> bool:
    """The store holds the demo store's first fixture order, as the demo store imported it."""
    from bot.sql.engine import make_engine
    from bot.store import SqlStore

    store = SqlStore(make_engine(database_url))  # no create_schema: nothing is written to it
    try:
        demo = store.get_order("114-3941689-8772232")
    except Exception:  # no orders table at all
        return False
    finally:
        store.engine.dispose()
    return demo is not None and demo.customer.email == "alice.martin@example.com"


def add_parser(sub) -> None:
    """`eval conversations` under the `eval` command of cli/main.py."""
    conv = sub.add_parser(
        "conversations", help="play the conversation corpus against a stack; share resolved per class and language",
        description="Start a private stack on the test ports (RETURNBOT_TEST_PORT_OFFSET) over the demo store and "
                    "tests/conversations/orders.json rebased to today, play every conversation of "
                    "tests/conversations/*.yml on a fresh chat (the order store reset before each), check the "
                    "replies and the store, print the share resolved per class and overall (and per language: a "
                    "table for each) and every failure "
                    "with its transcript, and write reports/conversations/latest.json. A measurement: exits 0 "
                    "unless the stack or the corpus is broken (tests/test_conversations.py is the gate).")
    conv.add_argument("--only", action="append", metavar="CLASS", choices=CLASSES,
                      help="only this class (repeatable)")
    conv.add_argument("--id", action="append", metavar="ID", help="only this conversation (repeatable; 'prefix*')")
    conv.add_argument("--language", action="append", metavar="LANG", choices=("en", "de", "fr", "es", "it", "zh"),
                      help="only the conversations in this language (repeatable)")
    conv.add_argument("--channel", choices=("web", "telegram"), default="web",
                      help="web chat over HTTP (default), or Telegram through a fake Bot API (then the "
                           "conversations marked `telegram: true`, unless --only/--id choose)")
    conv.add_argument("--stack-url", metavar="URL",
                      help="the gateway of a stack already running on this environment's settings (its order store "
                           "must be a demo store: it is reset between conversations) instead of a private one")
    conv.add_argument("--out", metavar="DIR", help="where to write latest.json (default: reports/conversations)")
    conv.add_argument("-v", "--verbose", action="store_true", help="one line per conversation as it is played")
    conv.add_argument("--transcripts", action="store_true", help="print the transcripts of resolved conversations too")
    conv.set_defaults(func=cmd_eval_conversations)
