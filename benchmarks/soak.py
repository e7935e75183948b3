"""`make soak`: the real stack under a steady mix of customers for a long while (30 minutes by default),
with faults on a schedule, checked for what must never happen: a customer message never answered, or
answered but forgotten by the conversation; a reply never delivered or delivered twice; a second RMA or
refund; an RMA number a customer was told that the store does not hold (or one it holds that its
customer was never told). And memory: the growth per hour of each process. Not a test and not part
of `make test`; it exits non-zero when any of those counts is above 0.

The stack: the three processes (`cli.stack.Stack`) on ports of their own, the defaults + 500 (Rasa
5505, actions 5555, gateway 8500; `RETURNBOT_SOAK_{RASA,ACTIONS,GATEWAY}_PORT`), over a temporary var
folder holding the demo store and the conversation corpus's orders, rebased to today.

The customers (`--customers` at once, pausing like people, `--think-ms`): conversations of `make bench`
(benchmarks/conversations.py: returns pressing buttons, tracking, refund status, small talk) and of the
conversation corpus (tests/conversations/*.yml: typed answers, cancellations, handoffs, corrections...),
each in a new web chat session, each message sent the way the chat page sends it
(channels/web/static/chat.js): one id per message, the same id sent again after 0.7 and 2 s on a 502,
503, 504 or a failed request, /api/updates polled every 3 s from the page's cursor. When the page shows
the customer a failure (the bot's "having trouble" apology, a notice to send it again, an error), the
customer sends the message again after a moment, as a person would: a new id; a button pressed again
when the page reopened its choices, its words typed when it did not (after an apology). A message is
lost only when its customer gives up: once the stack has been free of faults for `--settle-seconds`,
`--tries-after-fault` more attempts failed (or `--patience-seconds` passed).

The faults (`--faults`, in turn, spread over the run; one at a time, none in the last 30 s): the Rasa
server killed (SIGKILL) and, after `--down-seconds`, restarted; the action server likewise; the order
database (returnbot.db) and Rasa's tracker database (tracker.db) held by another process in an
exclusive SQLite transaction (`BEGIN EXCLUSIVE`) for `--lock-seconds`. A fault is over when the
restarted process answers a customer message again.

Afterwards the stack is stopped and its databases are read: every outbox row of the customers'
conversations against what their pages received; each customer message against the replies queued for
each of its attempts; Rasa's tracker store against the answered messages (each one recorded, once, and
in the conversation's one session: session expiry is hours, so a second session start in a soak
conversation means Rasa started it over); the RMAs, refunds and cancellations against the order lines
and against what customers were told.
Memory: VmRSS of each process tree, sampled from /proc/<pid>/status every `--sample-seconds`; the slope
per hour is fitted within each incarnation of a process (a restart is a new one, its fall not growth),
leaving out each incarnation's first `--rss-settle-seconds` (model loading, first turns).

Writes reports/soak/latest.json and attempts.csv (every attempt, with the fault it met) and prints a
summary; the run's var folder (logs, databases) is kept when a count is above 0. Exit: 0 all counts 0, 1 some count above 0, 2
the stack could not be brought back (the run means nothing).
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Hashable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union


from benchmarks.bots import port_free
from benchmarks.conversations import Press, ReturnbotCustomers, Say, pick_button
from benchmarks.latency import summary
from benchmarks.load import CLIENT_ERRORS, MISUNDERSTOOD, TROUBLE, ReturnbotCustomer
from benchmarks.procstats import machine, memory_kb, process_tree
from bot.ids import RMA_IN_TEXT

ROOT = Path(__file__).resolve().parent.parent
REPORT_DIR = ROOT / "reports" / "soak"
DEFAULT_MINUTES = 30.0
PORT_SHIFT = 500  # from the defaults 5005 / 5055 / 8000: never a developer's `make run`, test or bench stack
FAULTS = ("rasa-kill", "db-lock", "actions-kill", "tracker-lock")
KILLED = {"rasa-kill": "rasa", "actions-kill": "actions"}  # fault -> the stack's process
LOCKED = {"db-lock": "returnbot.db", "tracker-lock": "tracker.db"}  # fault -> the file held
# channels/web/static/chat.js: how the page sends a message and pulls what else was said
RETRY_S = (0.7, 2.0)  # RETRY_MS: the same id again after these, on RETRY_STATUSES or a failed request
RETRY_STATUSES = (502, 503, 504)
POLL_S = 3.0  # POLL_MS
# The environment of this run's stack is its own: no chat service token, no shop platform key, no
# returnbot setting of a stack the developer runs (a database, Redis, the Rasa URLs) reaches it.
FOREIGN_ENVIRONMENT = ("TELEGRAM_", "SLACK_", "AFTERSHIP_", "LOOP_", "RETURNBOT_")
# Counts whose target is 0; any above it fails the run.
ZERO_TARGETS = ("lost_messages", "lost_replies", "turns_not_recorded", "conversations_restarted",
                "doubled_replies", "doubled_turns", "doubled_rmas", "doubled_refunds", "refunds_without_rma",
                "rmas_over_quantity", "cancelled_over_quantity", "rmas_never_told", "rmas_told_unknown")


def env_number(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="soak", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--minutes", type=float, default=env_number("SOAK_MINUTES", DEFAULT_MINUTES),
                        help="how long customers keep starting conversations (env SOAK_MINUTES)")
    parser.add_argument("--customers", type=int, default=12, help="customers talking at the same time")
    parser.add_argument("--think-ms", type=float, default=2000.0,
                        help="mean pause of a customer before each message (exponential)")
    parser.add_argument("--corpus-share", type=float, default=0.6,
                        help="share of conversations from the corpus (tests/conversations); the rest from make bench's")
    parser.add_argument("--faults", default=",".join(FAULTS),
                        help=f"faults to inject, in turn, comma-separated (of {', '.join(FAULTS)}); empty: none")
    parser.add_argument("--fault-every", type=float, default=0.0,
                        help="seconds between fault starts; 0: spread evenly, at least each kind once, about "
                             "one every 3 minutes")
    parser.add_argument("--down-seconds", type=float, default=5.0, help="how long a killed process stays down")
    parser.add_argument("--lock-seconds", type=float, default=10.0,
                        help="how long a database is held locked: past Rasa's 5 s wait for tracker.db, within "
                             "the 30 s the order store waits for returnbot.db")
    parser.add_argument("--settle-seconds", type=float, default=5.0,
                        help="after a fault ends, how long before a failure counts as one outside any fault")
    parser.add_argument("--tries-after-fault", type=int, default=2,
                        help="failed attempts outside any fault after which a customer gives up: the message is lost")
    parser.add_argument("--patience-seconds", type=float, default=600.0,
                        help="a customer gives up on a message after this long whatever is happening")
    parser.add_argument("--restart-timeout", type=float, default=300.0,
                        help="seconds a restarted process has to answer again before the run is abandoned")
    parser.add_argument("--sample-seconds", type=float, default=5.0, help="RSS sampling interval")
    parser.add_argument("--rss-settle-seconds", type=float, default=30.0,
                        help="RSS samples of a process's first seconds after each (re)start left out of its slope")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--rasa-port", type=int, default=int(env_number("RETURNBOT_SOAK_RASA_PORT", 5005 + PORT_SHIFT)))
    parser.add_argument("--actions-port", type=int,
                        default=int(env_number("RETURNBOT_SOAK_ACTIONS_PORT", 5055 + PORT_SHIFT)))
    parser.add_argument("--gateway-port", type=int,
                        default=int(env_number("RETURNBOT_SOAK_GATEWAY_PORT", 8000 + PORT_SHIFT)))
    parser.add_argument("--keep", action="store_true",
                        help="keep the run's var folder (logs, databases); kept anyway when a count is above 0")
    parser.add_argument("--out", type=Path, default=REPORT_DIR, help="report folder")
    args = parser.parse_args(argv)
    args.fault_kinds = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = sorted(set(args.fault_kinds) - set(FAULTS))
    if unknown:
        parser.error(f"unknown faults {unknown}; known: {', '.join(FAULTS)}")
    if args.minutes <= 0 or args.customers < 1 or args.tries_after_fault < 1 or not 0 <= args.corpus_share <= 1:
        parser.error("--minutes must be above 0, --customers and --tries-after-fault at least 1, "
                     "--corpus-share between 0 and 1")
    return args


# ---------------------------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Window:
    """A fault, from when it began to when the stack answered again (None: still on)."""

    kind: str
    started: float  # seconds into the run
    ended: Optional[float] = None


@dataclass
class Attempt:
    """One send of a customer message under one id (the page sends the same id again after a
    502/503/504 or a failed request: `sends`)."""

    id: str
    started: float
    ended: float = 0.0
    outcome: str = ""  # "answered", "apology", "notice", "no messages", "http <status>" or an exception's name
    sends: int = 0
    seqs: List[int] = field(default_factory=list)
    retyped: bool = False  # words typed for a button after an apology
    text: str = ""  # what was posted
    wall: Tuple[float, float] = (0.0, 0.0)  # time.time() at start and end, to find the turn in Rasa's store

    @property
    def answered(self) -> bool:
        return self.outcome == "answered"


@dataclass
class Message:
    """What a customer wanted to say once, with every attempt it took."""

    text: str
    attempts: List[Attempt] = field(default_factory=list)
    lost: bool = False

    @property
    def answered(self) -> bool:
        return any(a.answered for a in self.attempts)


@dataclass
class ConversationRecord:
    """One customer's conversation as its page saw it."""

    id: str  # web:<session id>
    kind: str
    messages: List[Message] = field(default_factory=list)
    delivered: Counter = field(default_factory=Counter)  # seq -> how often the page received it
    told_rmas: Set[str] = field(default_factory=set)  # RMA numbers in what the page received
    misunderstood: int = 0


@dataclass(frozen=True)
class OutboxRow:
    conversation_id: str
    seq: int
    key: str  # `<conversation>:msg:<message id>:<i>` for an answer
    payload: Mapping[str, Any]


# ---------------------------------------------------------------------------------------------- arithmetic
def classify(status: int, body: Optional[Mapping[str, Any]]) -> str:
    """What the page makes of an answer to POST /api/messages: "answered" or why not."""
    if status != 200:
        return f"http {status}"
    if not isinstance(body, Mapping):
        return "not json"
    if isinstance(body.get("notice"), str):
        return "notice"
    messages = body.get("messages") or []
    if not messages:
        return "no messages"
    if any(TROUBLE in str(m.get("text") or "") for m in messages if isinstance(m, Mapping)):
        return "apology"
    return "answered"


def fault_free(windows: Sequence[Window], started: float, ended: float, settle: float) -> bool:
    """No fault touched [started - settle, ended]: an attempt made with the stack whole."""
    return not any(w.started <= ended and (w.ended is None or w.ended + settle >= started) for w in windows)


def fault_at(windows: Sequence[Window], started: float, ended: Optional[float] = None) -> str:
    """The fault under way at some point of [started, ended], or ""."""
    ended = started if ended is None else ended
    return next((w.kind for w in windows if w.started <= ended and (w.ended is None or w.ended >= started)), "")


def gives_up(attempts: Sequence[Attempt], windows: Sequence[Window], now: float, settle: float, tries: int,
             patience: float) -> bool:
    """After a failed attempt: whether the customer stops trying (the message is lost). A person
    keeps trying while the stack is failing; `tries` failed attempts made with it whole, or
    `patience` seconds in all, and they stop."""
    clean = sum(1 for a in attempts if not a.answered and fault_free(windows, a.started, a.ended, settle))
    return clean >= tries or bool(attempts and now - attempts[0].started >= patience)


def is_apology(payload: Mapping[str, Any]) -> bool:
    return TROUBLE in str(payload.get("text") or "")


def attempt_key(row_key: str) -> str:
    """The inbound key an outbox row answers: `<conversation>:msg:<id>` of `<...>:<i>`."""
    return row_key.rpartition(":")[0]


def delivery_figures(conversations: Sequence[ConversationRecord], rows: Sequence[OutboxRow]) -> Dict[str, Any]:
    """Customer messages and replies, the pages' view against the outbox's.

    - lost_messages: messages whose customer gave up without an answer.
    - lost_replies: outbox rows of these conversations their page never received.
    - doubled_replies: messages whose page received real answers (not the apology) to more than one
      of their attempts, i.e. the customer read two answers to one message (each extra one counts).
    - redelivered: rows a page received more than once (the page shows a seq once: not doubled).
    - unexplained_rows: rows that answer none of the attempts the pages made."""
    by_conversation: Dict[str, List[OutboxRow]] = defaultdict(list)
    for row in rows:
        by_conversation[row.conversation_id].append(row)
    figures = Counter()
    samples: Dict[str, List[str]] = defaultdict(list)
    for record in conversations:
        own = by_conversation.get(record.id, [])
        by_attempt: Dict[str, List[OutboxRow]] = defaultdict(list)
        for row in own:
            by_attempt[attempt_key(row.key)].append(row)
        known = set()
        for message in record.messages:
            figures["messages"] += 1
            figures["answered"] += message.answered
            figures["attempts"] += len(message.attempts)
            figures["lost_messages"] += message.lost
            if message.lost:
                samples["lost_messages"].append(f"{record.id} ({record.kind}): {message.text[:60]!r} after "
                                                f"{len(message.attempts)} attempts, last "
                                                f"{message.attempts[-1].outcome if message.attempts else '-'}")
            real = 0
            for attempt in message.attempts:
                key = f"{record.id}:msg:{attempt.id}"
                known.add(key)
                if any(not is_apology(r.payload) and record.delivered[r.seq] for r in by_attempt.get(key, [])):
                    real += 1
            if real > 1:
                figures["doubled_replies"] += real - 1
                samples["doubled_replies"].append(f"{record.id}: {message.text[:60]!r} answered {real} times")
        for row in own:
            figures["replies"] += 1
            if not record.delivered[row.seq]:
                figures["lost_replies"] += 1
                samples["lost_replies"].append(f"{record.id} seq {row.seq}: {str(row.payload.get('text'))[:60]!r}")
            if attempt_key(row.key) not in known:
                figures["unexplained_rows"] += 1
        figures["redelivered"] += sum(1 for n in record.delivered.values() if n > 1)
    out: Dict[str, Any] = {key: figures[key] for key in (
        "messages", "answered", "attempts", "lost_messages", "replies", "lost_replies", "doubled_replies",
        "redelivered", "unexplained_rows")}
    out["samples"] = {k: v[:10] for k, v in samples.items()}
    return out


def doubled_turns(user_events: Mapping[str, int], taken: Mapping[str, int]) -> Dict[str, int]:
    """Conversations in which Rasa recorded more customer messages than the gateway took (a message
    handled twice), with how many more; fewer is no fault (Rasa was down or its file locked)."""
    return {cid: n - taken.get(cid, 0) for cid, n in user_events.items() if n > taken.get(cid, 0)}


def as_rasa_reads(text: str) -> str:
    """A message as the gateway hands it to Rasa, for matching: blanks and leading slashes aside (a
    button's payload keeps its slash, words that look like one lose it)."""
    text = text.strip()
    while text.startswith("/"):
        text = text[1:].strip()
    return text[:2000]


def unrecorded_turns(answered: Sequence[Tuple[str, float, float]], user_events: Sequence[Tuple[str, float]],
                     slack: float = 1.0) -> List[int]:
    """Indexes of the answered attempts (text, wall-clock start, end) of one conversation that Rasa's
    store has no customer message for (text, timestamp): the customer was answered, but the
    conversation forgot the turn. Each stored message matches one attempt with its text, made while
    that attempt was under way."""
    unused = list(user_events)
    missing = []
    for index, (text, started, ended) in enumerate(answered):
        wanted = as_rasa_reads(text)
        found = next((i for i, (said, at) in enumerate(unused)
                      if as_rasa_reads(said) == wanted and started - slack <= at <= ended + slack), None)
        if found is None:
            missing.append(index)
        else:
            unused.pop(found)
    return missing


def store_figures(rmas: Sequence[Mapping[str, Any]], refunds: Sequence[Mapping[str, Any]],
                  line_quantities: Mapping[Tuple[str, str], int], cancelled: Mapping[Tuple[str, str], int],
                  told: Mapping[str, Set[str]], conversations: Set[str]) -> Dict[str, Any]:
    """The store after the run: one RMA per order line, one refund per RMA, no more units returned or
    cancelled than a line has, and the RMAs against what customers were told (`told`: conversation ->
    RMA numbers its page received)."""
    per_line = Counter((r["order_id"], r["line_id"]) for r in rmas)
    per_rma = Counter(r["rma_id"] for r in refunds)
    known = {r["rma_id"] for r in rmas}
    ours = [r for r in rmas if r["conversation_id"] in conversations]
    never_told = sorted(r["rma_id"] for r in ours if r["rma_id"] not in told.get(r["conversation_id"], set()))
    told_unknown = sorted({rma for numbers in told.values() for rma in numbers} - known)
    over = sorted(r["rma_id"] for r in rmas if r["quantity"] > line_quantities.get((r["order_id"], r["line_id"]), 0))
    return {
        "rmas": len(rmas), "rmas_this_run": len(ours), "refunds": len(refunds),
        "refunds_this_run": sum(1 for r in refunds if r["rma_id"] in {o["rma_id"] for o in ours}),
        "doubled_rmas": sum(n - 1 for n in per_line.values() if n > 1),
        "doubled_refunds": sum(n - 1 for n in per_rma.values() if n > 1),
        "refunds_without_rma": sum(1 for r in refunds if r["rma_id"] not in known),
        "rmas_over_quantity": len(over),
        "cancelled_over_quantity": sum(1 for k, n in cancelled.items() if n > line_quantities.get(k, 0)),
        "rmas_never_told": len(never_told), "rmas_told_unknown": len(told_unknown),
        "samples": {"rmas_never_told": never_told[:10], "rmas_told_unknown": told_unknown[:10],
                    "rmas_over_quantity": over[:10]},
    }


def pooled_slope(samples: Sequence[Tuple[float, Hashable, float]]) -> Optional[float]:
    """The slope of value over time within groups (t, group, value): one line per group, each with its
    own intercept and all with the same slope (least squares). A process's incarnations are the groups,
    so a restart's fall to a fresh process's size is not counted as the process shrinking. None
    without two samples at different times in some group."""
    groups: Dict[Hashable, List[Tuple[float, float]]] = defaultdict(list)
    for t, group, value in samples:
        groups[group].append((t, value))
    sxx = sxy = 0.0
    for points in groups.values():
        if len(points) < 2:
            continue
        mean_t = sum(t for t, _ in points) / len(points)
        mean_v = sum(v for _, v in points) / len(points)
        sxx += sum((t - mean_t) ** 2 for t, _ in points)
        sxy += sum((t - mean_t) * (v - mean_v) for t, v in points)
    return sxy / sxx if sxx > 0 else None


def memory_figures(samples: Sequence[Tuple[float, int, float]]) -> Dict[str, Any]:
    """One process's (seconds, pid, RSS MB) samples: MB per hour (pooled over its incarnations), first,
    last and highest MB, how many incarnations and samples."""
    slope = pooled_slope(samples)
    return {"mb_per_hour": None if slope is None else round(slope * 3600, 1),
            "first_mb": round(samples[0][2], 1) if samples else None,
            "last_mb": round(samples[-1][2], 1) if samples else None,
            "max_mb": round(max(s[2] for s in samples), 1) if samples else None,
            "incarnations": len({s[1] for s in samples}), "samples": len(samples),
            "minutes_covered": round(sum(_span(samples, pid) for pid in {s[1] for s in samples}) / 60, 1)}


def _span(samples: Sequence[Tuple[float, int, float]], pid: int) -> float:
    times = [t for t, p, _ in samples if p == pid]
    return max(times) - min(times) if times else 0.0


def fault_plan(duration: float, kinds: Sequence[str], every: float = 0.0, tail: float = 30.0) -> List[Tuple[float, str]]:
    """When each fault is due (seconds into the run) and which, the kinds in turn: evenly spread, each
    at least once and about one every 3 minutes, or one every `every` seconds; none in the last `tail`."""
    if not kinds:
        return []
    if every <= 0:
        every = duration / (max(len(kinds), int(duration // 180)) + 1)
    plan, at = [], every
    while at <= duration - tail:
        plan.append((round(at, 1), kinds[len(plan) % len(kinds)]))
        at += every
    return plan


# ---------------------------------------------------------------------------------------------- customers
@dataclass(frozen=True)
class PressTitle:
    """A corpus line `[button: words]`: press the offered button whose title holds the words, or type
    the words when none is offered."""

    title: str


Step = Union[Say, Press, PressTitle]


@dataclass(frozen=True)
class Script:
    kind: str
    steps: Tuple[Step, ...]


def corpus_scripts() -> List[Script]:
    """The corpus's conversations as scripts; a handoff conversation is of kind "handoff"."""
    from cli.conversations import BUTTON_LINE, load_corpus

    scripts = []
    for conversation in load_corpus():
        steps: List[Step] = []
        for line in conversation.lines:
            button = BUTTON_LINE.match(line.strip())
            steps.append(PressTitle(button.group("title")) if button else Say(line))
        kind = "handoff" if conversation.expect.get("handoff") else conversation.cls
        scripts.append(Script(kind, tuple(steps)))
    return scripts


def script_stream(seed: int, corpus: Sequence[Script], corpus_share: float) -> Iterator[Script]:
    """An endless seeded mix: `make bench`'s conversations and the corpus's, the corpus played through
    in a shuffled order before any of it comes again."""
    rng = random.Random(seed)
    bench = iter(ReturnbotCustomers(seed))
    order: List[Script] = []
    while True:
        if corpus and rng.random() < corpus_share:
            if not order:
                order = list(corpus)
                rng.shuffle(order)
            yield order.pop()
        else:
            conversation = next(bench)
            yield Script(conversation.kind, conversation.steps)


class PageClient(ReturnbotCustomer):
    """The chat page's side of one conversation (channels/web/static/chat.js) over `make bench`'s
    customer connection: a message keeps its id through the page's own re-sends, the answer's seqs
    and /api/updates' are collected, and the cursor moves as the page moves it."""

    def __init__(self, base_url: str, clock: Callable[[], float]):
        super().__init__(base_url)
        self.clock = clock
        self.record: Optional[ConversationRecord] = None
        self.cursor = 0
        self.last_buttons: List[Mapping[str, Any]] = []  # of the last answer: what the customer may press

    async def open(self, kind: str) -> ConversationRecord:
        await self.begin()
        cookie = next((c.value for c in self.http.cookie_jar if c.key == "rb_session"), "")
        self.record = ConversationRecord(f"web:{cookie.partition('.')[0]}", kind)
        self.cursor = 0
        return self.record

    def _received(self, messages: Sequence[Mapping[str, Any]]) -> None:
        record = self.record
        for message in messages:
            seq = message.get("seq")
            if isinstance(seq, int):
                record.delivered[seq] += 1
            record.told_rmas.update(RMA_IN_TEXT.findall(json.dumps(message)))
            if any(p in str(message.get("text") or "") for p in MISUNDERSTOOD):
                record.misunderstood += 1

    async def send(self, text: str, title: Optional[str]) -> Attempt:  # type: ignore[override]
        """chat.js `post()`: one id, sent again after RETRY_S on a 502/503/504 or a failed request."""
        body = {"text": text, "id": uuid.uuid4().hex, **({"title": title} if title else {})}
        attempt = Attempt(body["id"], self.clock(), text=text)
        wall_started = time.time()
        for tries in range(len(RETRY_S) + 1):
            attempt.sends += 1
            try:
                async with self.http.post(self.base_url + "/api/messages", json=body) as response:
                    status = response.status
                    answer = await response.json() if status == 200 else None
                attempt.outcome = classify(status, answer)
            except (*CLIENT_ERRORS, ValueError) as exc:  # ValueError: not JSON
                status, answer, attempt.outcome = 0, None, type(exc).__name__
            if status == 200 or (status and status not in RETRY_STATUSES) or tries == len(RETRY_S):
                break
            await asyncio.sleep(RETRY_S[tries])
        attempt.ended = self.clock()
        attempt.wall = (wall_started, time.time())
        if isinstance(answer, Mapping):
            messages = [m for m in answer.get("messages") or [] if isinstance(m, Mapping)]
            self._received(messages)
            attempt.seqs = [m["seq"] for m in messages if isinstance(m.get("seq"), int)]
            if attempt.answered:
                self.last_buttons = [b for m in messages for b in m.get("buttons") or [] if isinstance(b, Mapping)]
            shown = self.record.delivered
            while shown[self.cursor + 1]:  # advanceCursor(): only over seqs without a gap
                self.cursor += 1
        return attempt

    async def poll(self) -> None:
        """chat.js `poll()`: what was queued after the cursor; a failure is tried again next time."""
        try:
            async with self.http.get(self.base_url + "/api/updates", params={"after": str(self.cursor)}) as response:
                if response.status != 200:
                    return
                data = await response.json()
        except (*CLIENT_ERRORS, ValueError):
            return
        self._received([m for m in data.get("messages") or [] if isinstance(m, Mapping)])
        if isinstance(data.get("cursor"), int):
            self.cursor = max(self.cursor, data["cursor"])


class Run:
    """Shared state of one soak: the clock, the fault windows so far, whether to go on."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.t0 = time.monotonic()
        self.wall0 = time.time()  # the same moment on the wall clock (Rasa's event timestamps)
        self.windows: List[Window] = []
        self.deadline = args.minutes * 60
        self.aborted: Optional[str] = None
        self.conversations: List[ConversationRecord] = []
        self.sessions_failed = 0

    def now(self) -> float:
        return time.monotonic() - self.t0


async def customer(run: Run, base_url: str, scripts: Iterator[Script], worker: int) -> None:
    """One customer after another at one seat, until the deadline."""
    args = run.args
    rng = random.Random(args.seed * 1000 + worker)
    think = args.think_ms / 1000
    await asyncio.sleep(worker * think / max(args.customers, 1))  # not all at once
    while run.now() < run.deadline and run.aborted is None:
        page = PageClient(base_url, run.now)
        try:
            await play(run, page, next(scripts), rng, think)
        finally:
            await page.aclose()


async def play(run: Run, page: PageClient, script: Script, rng: random.Random, think: float) -> None:
    for _ in range(30):  # a new session: no database involved, but the gateway may be stalled by a lock
        try:
            record = await page.open(script.kind)
            break
        except (*CLIENT_ERRORS, ValueError):
            await asyncio.sleep(2.0)
    else:
        run.sessions_failed += 1
        return
    run.conversations.append(record)
    polling = asyncio.ensure_future(_poll_forever(page))
    buttons: List[Mapping[str, Any]] = []
    try:
        for step in script.steps:
            if isinstance(step, Press):
                button = pick_button(buttons, step)
                if button is None:
                    continue
                text, title = button["payload"], button["title"]
            elif isinstance(step, PressTitle):
                wanted = step.title.casefold()
                button = next((b for b in buttons if wanted in str(b.get("title", "")).casefold()), None)
                text, title = (button["payload"], button["title"]) if button else (step.title, None)
            else:
                text, title = step.text, None
            await asyncio.sleep(min(rng.expovariate(1 / think), 4 * think) if think > 0 else 0)
            message = await say(run, page, text, title, rng)
            record.messages.append(message)
            if not message.answered:
                break  # the customer gave up
            buttons = page.last_buttons
        await asyncio.sleep(POLL_S)  # the page stays open a moment: one more poll
        await page.poll()
    finally:
        polling.cancel()


async def _poll_forever(page: PageClient) -> None:
    while True:
        await asyncio.sleep(POLL_S)
        await page.poll()


async def say(run: Run, page: PageClient, text: str, title: Optional[str], rng: random.Random) -> Message:
    """One message, sent again after each failure the page shows, until answered or given up."""
    args = run.args
    message = Message(title or text)
    page.last_buttons = []
    retyped = False
    while True:
        attempt = await page.send(text, title)
        attempt.retyped = retyped
        message.attempts.append(attempt)
        if attempt.answered:
            return message
        if gives_up(message.attempts, run.windows, run.now(), args.settle_seconds, args.tries_after_fault,
                    args.patience_seconds) or run.aborted:
            message.lost = True
            return message
        await asyncio.sleep(rng.uniform(2.0, 5.0))  # reads "try again in a moment", tries again
        if attempt.outcome == "apology" and title:  # the page closed the choices: the customer types the words
            text, title, retyped = title, None, True


# ---------------------------------------------------------------------------------------------- faults
LOCKER = """import sqlite3, sys, time
held = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
held.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
held.execute("ROLLBACK")
"""


class FaultRunner:
    """Injects the planned faults one at a time. It runs on the main thread, as the stack was started:
    a child asks Linux for SIGTERM when the *thread* that started it ends (PR_SET_PDEATHSIG, cli/stack.py),
    so a process restarted from a thread of its own would be stopped when that thread ended. Each
    fault's window lasts until a customer message is answered again."""

    def __init__(self, run: Run, stack: Any, plan: Sequence[Tuple[float, str]], probe: Callable[[float], bool],
                 ready: Callable[[str], None], log: Callable[[str], None]):
        self.run_, self.stack, self.plan, self.probe, self.ready, self.log = run, stack, plan, probe, ready, log
        self.done: List[Dict[str, Any]] = []
        self.skipped: List[Tuple[float, str]] = []

    def run_plan(self, customers_done: Callable[[], bool]) -> None:
        run = self.run_
        for due, kind in self.plan:
            while run.now() < due and not customers_done():
                time.sleep(min(due - run.now(), 0.5))
            if run.now() > run.deadline - 29 or run.aborted or customers_done():  # pushed late by a restart
                self.skipped.append((due, kind))
                continue
            try:
                self.done.append(self.inject(kind))
            except Exception as exc:  # the stack could not be brought back: the run means nothing
                run.aborted = f"{kind} at {run.now():.0f} s: {type(exc).__name__}: {exc}"
                if run.windows and run.windows[-1].ended is None:
                    run.windows[-1] = Window(kind, run.windows[-1].started, run.now())
                self.log(f"soak: ABORTED: {run.aborted}")
                return

    def inject(self, kind: str) -> Dict[str, Any]:
        run, args = self.run_, self.run_.args
        started = run.now()
        run.windows.append(Window(kind, started))
        detail: Dict[str, Any] = {"kind": kind, "at_s": round(started, 1)}
        if kind in KILLED:
            name = KILLED[kind]
            self.stack.kill(name)
            self.log(f"soak: {run.now():6.0f} s  {name} killed (SIGKILL)")
            time.sleep(args.down_seconds)
            restarted = run.now()
            self.stack.restart(name, timeout=args.restart_timeout)
            detail["restart_s"] = round(run.now() - restarted, 1)
        else:
            path = self.stack.settings.var_dir / LOCKED[kind]
            locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(path), str(args.lock_seconds)],
                                      stdout=subprocess.PIPE, text=True)
            if locker.stdout.readline().strip() != "locked":
                locker.wait()
                raise RuntimeError(f"could not lock {path.name} (exit {locker.returncode})")
            detail["locked_after_s"] = round(run.now() - started, 1)
            self.log(f"soak: {run.now():6.0f} s  {path.name} locked (BEGIN EXCLUSIVE) for {args.lock_seconds:g} s")
            locker.wait()
            name = None
        if not self.probe(args.restart_timeout):
            raise RuntimeError("no customer message was answered after the fault")
        ended = run.now()
        run.windows[-1] = Window(kind, started, ended)
        if name is not None:
            self.ready(name)
        detail.update({"ended_s": round(ended, 1), "seconds": round(ended - started, 1)})
        self.log(f"soak: {ended:6.0f} s  {kind} over after {ended - started:.1f} s")
        return detail


def probe_answers(base_url: str) -> Callable[[float], bool]:
    """A function that waits, up to a timeout, until a message in a session of its own gets a real
    answer (a server may answer its health check before it answers customers)."""
    import httpx

    def probe(timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with httpx.Client(base_url=base_url, timeout=60) as http:
                    http.post("/api/session").raise_for_status()
                    response = http.post("/api/messages", json={"text": "hello", "id": uuid.uuid4().hex})
                    if classify(response.status_code, response.json() if response.status_code == 200 else None) \
                            == "answered":
                        return True
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(1.0)
        return False
    return probe


# ---------------------------------------------------------------------------------------------- memory
class RssSampler(threading.Thread):
    """VmRSS of each process tree every `interval` seconds, as (seconds, pid, MB) per process name;
    an incarnation is sampled from `settle` seconds after it was declared ready."""

    def __init__(self, run: Run, stack: Any, interval: float, settle: float):
        super().__init__(name="soak-rss", daemon=True)
        self.run_, self.stack, self.interval, self.settle = run, stack, interval, settle
        self.samples: Dict[str, List[Tuple[float, int, float]]] = defaultdict(list)
        self.ready_at: Dict[str, Tuple[int, float]] = {}  # name -> (pid, when it was ready)
        self._halt = threading.Event()

    def ready(self, name: str) -> None:
        process = next(p for p in self.stack.processes if p.name == name)
        self.ready_at[name] = (process.popen.pid, self.run_.now())

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            now = self.run_.now()
            for process in self.stack.processes:
                pid, since = self.ready_at.get(process.name, (None, 0.0))
                if process.popen is None or process.popen.pid != pid or process.popen.poll() is not None:
                    continue  # down, or restarted and not answering yet
                if now - since < self.settle:
                    continue
                rss_kb, _ = memory_kb(process_tree(pid))
                if rss_kb:
                    self.samples[process.name].append((round(now, 1), pid, rss_kb / 1024))


# ---------------------------------------------------------------------------------------------- the stack
def private_environment() -> None:
    """This process's environment without what would connect the soak's stack to anything else (its
    children inherit it)."""
    for name in list(os.environ):
        if name.startswith(FOREIGN_ENVIRONMENT):
            del os.environ[name]


def start_stack(args: argparse.Namespace, var_dir: Path, log: Callable[[str], None]):
    from bot.settings import Settings
    from bot.store import SqlStore
    from cli.conversations import fixture_orders
    from cli.model import ensure_model
    from cli.stack import Stack

    for port in (args.rasa_port, args.actions_port, args.gateway_port):
        if not port_free(port):
            raise RuntimeError(f"port {port} is in use: is a soak already running? Pass --rasa-port, --actions-port, "
                               "--gateway-port or set RETURNBOT_SOAK_{RASA,ACTIONS,GATEWAY}_PORT")
    settings = Settings.from_env({
        "RETURNBOT_VAR_DIR": str(var_dir), "RETURNBOT_SECRET": "soak-secret",
        "RETURNBOT_RASA_PORT": str(args.rasa_port), "RETURNBOT_ACTIONS_PORT": str(args.actions_port),
        "RETURNBOT_GATEWAY_PORT": str(args.gateway_port)})
    store = SqlStore.from_url(settings.database_url)
    store.upsert_orders(fixture_orders())
    store.engine.dispose()
    stack = Stack(settings, ensure_model(log=lambda m: log(f"soak: {m}")), log_dir=var_dir / "logs")
    log(f"soak: starting Rasa :{args.rasa_port}, actions :{args.actions_port}, gateway :{args.gateway_port} "
        f"(var folder {var_dir})")
    stack.start()
    return stack


# ---------------------------------------------------------------------------------------------- reading back
def read_outbox(db: Path, conversations: Set[str]) -> Tuple[List[OutboxRow], Dict[str, int], Dict[str, int]]:
    """The outbox rows of these conversations, how many messages the gateway took from each
    (processed_inbound) and how many of those are still pending in the outbox."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = [OutboxRow(cid, seq, key, json.loads(payload)) for cid, seq, key, payload in conn.execute(
            "SELECT conversation_id, seq, idempotency_key, payload FROM outbox WHERE conversation_id LIKE 'web:%' "
            "ORDER BY conversation_id, seq") if cid in conversations]
        taken = {cid: n for cid, n in conn.execute(
            "SELECT conversation_id, COUNT(*) FROM processed_inbound GROUP BY conversation_id") if cid in conversations}
        pending = {cid: n for cid, n in conn.execute(
            "SELECT conversation_id, COUNT(*) FROM outbox WHERE status = 'pending' GROUP BY conversation_id")
            if cid in conversations}
    return rows, taken, pending


def read_store(db: Path) -> Tuple[List[dict], List[dict], Dict[Tuple[str, str], int], Dict[Tuple[str, str], int]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        rmas = [dict(r) for r in conn.execute(
            "SELECT rma_id, order_id, line_id, quantity, conversation_id, refunded_at FROM rmas")]
        refunds = [dict(r) for r in conn.execute("SELECT rma_id FROM refunds")]
        lines = {(r["order_id"], r["line_id"]): r["quantity"]
                 for r in conn.execute("SELECT order_id, line_id, quantity FROM order_lines")}
        cancelled = {(r["order_id"], r["line_id"]): r["quantity"]
                     for r in conn.execute("SELECT order_id, line_id, quantity FROM cancelled_lines")}
    return rmas, refunds, lines, cancelled


def read_tracker(tracker_db: Path, conversations: Set[str]) -> Tuple[Dict[str, List[Tuple[str, float]]],
                                                                    Dict[str, List[float]]]:
    """Rasa's store: the customer messages it recorded per conversation (text, timestamp), and when
    each of its sessions started."""
    said: Dict[str, List[Tuple[str, float]]] = defaultdict(list)
    sessions: Dict[str, List[float]] = defaultdict(list)
    with sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True) as conn:
        for cid, kind, at, data in conn.execute(
                "SELECT sender_id, type_name, timestamp, data FROM events "
                "WHERE type_name IN ('user', 'session_started') ORDER BY id"):
            if cid not in conversations:
                continue
            if kind == "user":
                said[cid].append((str(json.loads(data).get("text") or ""), float(at)))
            else:
                sessions[cid].append(float(at))
    return dict(said), dict(sessions)


def log_errors(log_dir: Path) -> Dict[str, int]:
    """Lines of each process's log that report an error or a traceback (for the reader; not counted)."""
    counts = {}
    for path in sorted(log_dir.glob("*.log")):
        text = path.read_text(errors="replace")
        counts[path.stem] = sum(1 for line in text.splitlines() if "ERROR" in line or line.startswith("Traceback"))
    return counts


# ---------------------------------------------------------------------------------------------- the report
def attempt_figures(conversations: Sequence[ConversationRecord], windows: Sequence[Window],
                    settle: float) -> Dict[str, Any]:
    """How the pages' attempts went, in faults and outside them, and the latency of the answered ones."""
    outcomes = Counter()
    failed_outside: List[str] = []
    latencies = {"outside_faults": [], "during_faults": []}
    resends = retyped = late = 0
    for record in conversations:
        for message in record.messages:
            if message.answered and len(message.attempts) > 1:
                late += 1
            for attempt in message.attempts:
                outcomes[attempt.outcome] += 1
                resends += attempt.sends - 1
                retyped += attempt.retyped
                clean = fault_free(windows, attempt.started, attempt.ended, settle)
                if attempt.answered:
                    latencies["outside_faults" if clean else "during_faults"].append(
                        (attempt.ended - attempt.started) * 1000)
                elif clean:
                    failed_outside.append(f"{attempt.started:.0f} s {record.id} ({record.kind}): "
                                          f"{message.text[:50]!r} -> {attempt.outcome}")
    return {"outcomes": dict(outcomes), "resent_same_id": resends, "retyped_button_words": retyped,
            "answered_after_retrying": late, "failed_outside_faults": len(failed_outside),
            "failed_outside_faults_samples": failed_outside[:10],
            "latency": {k: {"answers": len(v), **summary(v)} for k, v in latencies.items()}}


def fault_figures(done: Sequence[Dict[str, Any]], conversations: Sequence[ConversationRecord]) -> List[Dict[str, Any]]:
    """Each fault with the attempts it failed and the messages it delayed."""
    out = []
    for fault in done:
        start, end = fault["at_s"], fault.get("ended_s", fault["at_s"])
        failed = delayed = 0
        for record in conversations:
            for message in record.messages:
                hit = [a for a in message.attempts if a.started <= end and a.ended >= start]
                failed += sum(1 for a in hit if not a.answered)
                delayed += bool(hit) and message.answered and any(not a.answered for a in hit)
        out.append({**fault, "attempts_failed": failed, "messages_answered_after_retry": delayed})
    return out


def build_report(run: Run, runner: FaultRunner, sampler: RssSampler, var_dir: Path,
                 started_at: datetime) -> Dict[str, Any]:
    args = run.args
    ids = {c.id for c in run.conversations}
    rows, taken, pending = read_outbox(var_dir / "returnbot.db", ids)
    delivery = delivery_figures(run.conversations, rows)
    said, sessions = read_tracker(var_dir / "tracker.db", ids)
    turns = doubled_turns({cid: len(v) for cid, v in said.items()}, taken)
    forgotten = []
    for record in run.conversations:
        answered = [a for m in record.messages for a in m.attempts if a.answered]
        for index in unrecorded_turns([(a.text, *a.wall) for a in answered], said.get(record.id, [])):
            a = answered[index]
            forgotten.append(f"{a.started:.0f} s {record.id} ({record.kind}): {a.text[:50]!r} "
                             f"({fault_at(run.windows, a.started, a.ended) or 'no fault'})")
    restarted = {cid: [at - run.wall0 for at in starts[1:]] for cid, starts in sessions.items() if len(starts) > 1}
    rmas, refunds, lines, cancelled = read_store(var_dir / "returnbot.db")
    store = store_figures(rmas, refunds, lines, cancelled, {c.id: c.told_rmas for c in run.conversations}, ids)
    counts = {"lost_messages": delivery["lost_messages"], "lost_replies": delivery["lost_replies"],
              "turns_not_recorded": len(forgotten), "conversations_restarted": len(restarted),
              "doubled_replies": delivery["doubled_replies"], "doubled_turns": sum(turns.values()),
              **{k: store[k] for k in ZERO_TARGETS if k in store}}
    kinds = Counter(c.kind for c in run.conversations)
    return {
        "date": started_at.isoformat(timespec="seconds"), "machine": machine(),
        "settings": {k: getattr(args, k) for k in (
            "minutes", "customers", "think_ms", "corpus_share", "fault_kinds", "fault_every", "down_seconds",
            "lock_seconds", "settle_seconds", "tries_after_fault", "patience_seconds", "sample_seconds",
            "rss_settle_seconds", "seed", "rasa_port", "actions_port", "gateway_port")},
        "run_seconds": round(run.now(), 1), "aborted": run.aborted,
        "counts": counts, "targets_met": all(v == 0 for v in counts.values()) and run.aborted is None,
        "messages": {k: delivery[k] for k in ("messages", "answered", "attempts", "lost_messages")},
        "replies": {k: delivery[k] for k in ("replies", "lost_replies", "doubled_replies", "redelivered",
                                             "unexplained_rows")} | {"pending_in_outbox": sum(pending.values())},
        "rasa": {"doubled_turns": sum(turns.values()), "doubled_turn_conversations": dict(list(turns.items())[:10]),
                 "turns_not_recorded": len(forgotten), "conversations_restarted": len(restarted)},
        "attempts": attempt_figures(run.conversations, run.windows, args.settle_seconds),
        "store": store,
        "conversations": {"total": len(run.conversations), "sessions_failed": run.sessions_failed,
                          "by_kind": dict(kinds.most_common()),
                          "misunderstood_answers": sum(c.misunderstood for c in run.conversations)},
        "faults": fault_figures(runner.done, run.conversations),
        "faults_skipped": [{"due_s": due, "kind": kind} for due, kind in runner.skipped],
        "memory": {name: memory_figures(samples) for name, samples in sorted(sampler.samples.items())},
        "log_error_lines": log_errors(var_dir / "logs"),
        "samples": {**delivery["samples"], **{k: v for k, v in store["samples"].items() if v},
                    **({"turns_not_recorded": forgotten[:10]} if forgotten else {}),
                    **({"conversations_restarted": [f"{cid}: a new session at {_when(run.windows, again)}"
                                                    for cid, again in restarted.items()][:10]} if restarted else {})},
    }


def _when(windows: Sequence[Window], times: Sequence[float]) -> str:
    return ", ".join(f"{t:.0f} s ({fault_at(windows, t) or 'no fault'})" for t in times)


def write_attempts(conversations: Sequence[ConversationRecord], windows: Sequence[Window], path: Path) -> None:
    """Every attempt of every message, in the order they began, with the fault it met (if any)."""
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["started_s", "ended_s", "latency_ms", "conversation", "kind", "message", "attempt_id",
                         "outcome", "sends", "retyped", "fault", "lost"])
        rows = [(a, r, m) for r in conversations for m in r.messages for a in m.attempts]
        for a, r, m in sorted(rows, key=lambda x: x[0].started):
            fault = fault_at(windows, a.started, a.ended)
            writer.writerow([f"{a.started:.2f}", f"{a.ended:.2f}", f"{(a.ended - a.started) * 1000:.0f}", r.id,
                             r.kind, m.text[:80], a.id, a.outcome, a.sends, int(a.retyped), fault, int(m.lost)])


def print_summary(report: Dict[str, Any], out: Path, log: Callable[[str], None]) -> None:
    s, m = report["settings"], report["machine"]
    log(f"\n== soak: {report['run_seconds'] / 60:.1f} min, {s['customers']} customers pausing {s['think_ms']:.0f} ms, "
        f"{m['cores']} cores ({m['cpu_model']}), load {m['load_average_1_5_15']} ==")
    msg, rep, att = report["messages"], report["replies"], report["attempts"]
    conv = report["conversations"]
    log(f"conversations  {conv['total']} ({', '.join(f'{k} {v}' for k, v in conv['by_kind'].items())})")
    log(f"messages       sent {msg['messages']}, answered {msg['answered']}, lost {msg['lost_messages']}; "
        f"{msg['attempts']} attempts ({', '.join(f'{k} {v}' for k, v in att['outcomes'].items())}), "
        f"{att['resent_same_id']} re-sent under the same id, {att['answered_after_retrying']} answered after "
        f"the customer tried again")
    log(f"replies        queued {rep['replies']}, never delivered {rep['lost_replies']}, delivered twice to one "
        f"message {rep['doubled_replies']} (same seq twice, shown once: {rep['redelivered']}); pending in the "
        f"outbox {rep['pending_in_outbox']}")
    ra = report["rasa"]
    log(f"Rasa's store   answered turns it never recorded {ra['turns_not_recorded']}, conversations it started "
        f"again {ra['conversations_restarted']}, messages recorded more often than the gateway took them "
        f"{ra['doubled_turns']}")
    st = report["store"]
    log(f"store          RMAs issued {st['rmas_this_run']} (in all {st['rmas']}), refunds {st['refunds_this_run']}; "
        f"doubled RMAs {st['doubled_rmas']}, doubled refunds {st['doubled_refunds']}, refunds without RMA "
        f"{st['refunds_without_rma']}, over quantity {st['rmas_over_quantity']} / cancelled "
        f"{st['cancelled_over_quantity']}; RMAs never told {st['rmas_never_told']}, told but unknown "
        f"{st['rmas_told_unknown']}")
    lat = att["latency"]
    log(f"latency        answered outside faults p50 {lat['outside_faults']['p50_ms']} ms p99 "
        f"{lat['outside_faults']['p99_ms']} ms; during faults p50 {lat['during_faults']['p50_ms']} ms p99 "
        f"{lat['during_faults']['p99_ms']} ms; failed outside any fault {att['failed_outside_faults']}; "
        f"misunderstood answers {conv['misunderstood_answers']}")
    for fault in report["faults"]:
        extra = (f", restart {fault['restart_s']} s" if "restart_s" in fault
                 else f", lock taken after {fault.get('locked_after_s')} s")
        log(f"fault          {fault['at_s']:6.0f} s {fault['kind']:13} {fault['seconds']:5.1f} s{extra}: "
            f"{fault['attempts_failed']} attempts failed, {fault['messages_answered_after_retry']} messages "
            f"answered after retrying")
    for fault in report["faults_skipped"]:
        log(f"fault          {fault['due_s']:6.0f} s {fault['kind']:13} skipped (too close to the end)")
    for name, mem in report["memory"].items():
        slope = "n/a" if mem["mb_per_hour"] is None else f"{mem['mb_per_hour']:+.1f} MB/h"
        log(f"memory         {name:8} {slope:>14}  ({mem['first_mb']} -> {mem['last_mb']} MB, max {mem['max_mb']}; "
            f"{mem['samples']} samples over {mem['minutes_covered']} min, {mem['incarnations']} incarnation(s))")
    for what, lines in report["samples"].items():
        for line in lines[:5]:
            log(f"  {what}: {line}")
    for line in att["failed_outside_faults_samples"][:5]:
        log(f"  failed outside faults: {line}")
    if report["aborted"]:
        log(f"ABORTED: {report['aborted']}")
    bad = {k: v for k, v in report["counts"].items() if v}
    log(("targets met: every count 0" if not bad else f"TARGETS MISSED: {bad}") + f"; report in {out}/latest.json")


# ---------------------------------------------------------------------------------------------- main
async def drive(run: Run, base_url: str, scripts: Iterator[Script]) -> None:
    await asyncio.gather(*(customer(run, base_url, scripts, worker) for worker in range(run.args.customers)))


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    log = lambda message: print(message, flush=True)  # noqa: E731
    private_environment()
    args.out.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="returnbot-soak-"))
    started_at = datetime.now(timezone.utc)
    stack = start_stack(args, var_dir, log)
    base_url = f"http://127.0.0.1:{args.gateway_port}"
    try:
        probe = probe_answers(base_url)
        if not probe(args.restart_timeout):
            raise RuntimeError("the stack did not answer a message")
        run = Run(args)
        sampler = RssSampler(run, stack, args.sample_seconds, args.rss_settle_seconds)
        for process in stack.processes:
            sampler.ready(process.name)
        plan = fault_plan(run.deadline, args.fault_kinds, args.fault_every)
        runner = FaultRunner(run, stack, plan, probe, sampler.ready, log)
        log(f"soak: {args.minutes:g} min, {args.customers} customers, faults "
            f"{', '.join(f'{kind} at {due:.0f} s' for due, kind in plan) or 'none'}")
        scripts = script_stream(args.seed, corpus_scripts() if args.corpus_share > 0 else [], args.corpus_share)
        customers = threading.Thread(target=lambda: asyncio.run(drive(run, base_url, scripts)), name="soak-customers")
        sampler.start()
        customers.start()
        runner.run_plan(lambda: not customers.is_alive())
        customers.join()
        sampler.stop()
    finally:
        stack.stop()
    report = build_report(run, runner, sampler, var_dir, started_at)
    failed = not report["targets_met"]
    report["var_dir"] = str(var_dir) if args.keep or failed else None
    if report["var_dir"]:
        log(f"soak: the run's var folder (logs, databases) is kept: {var_dir}")
    else:
        shutil.rmtree(var_dir, ignore_errors=True)
    (args.out / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    write_attempts(run.conversations, run.windows, args.out / "attempts.csv")
    print_summary(report, args.out, log)
    return 2 if run.aborted else 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
