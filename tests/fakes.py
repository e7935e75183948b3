"""Fakes for tests: in-memory stand-ins for the repositories (`FakeOrderStore`), the transcript, the
returns service, settings and Rasa."""
from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping

import httpx
from sqlalchemy.engine import Engine

from bot.handoffs.types import CLOSED, OPEN, Action, Agent, Announced, HandoffEvent, HandoffFacts
from bot.models import CustomerHistory, Handoff, Order, OrderStatus, Resolution, Rma, RmaEvent, RmaStatus
from bot.repositories import RmaIdClash
from bot.sql.engine import make_engine
from channels.rasa_client import RasaClient

PDF = b"%PDF-1.4 fake slip"
BUTTONS = [{"title": "Too small", "payload": '/inform{"return_reason":"too_small"}'},
           {"title": "Damaged", "payload": '/inform{"return_reason":"damaged"}'}]


@dataclass
class FakeStore:
    """The transcript in memory; `engine` is the SQLite file the gateway keeps its outbox and
    attachments in (`in_folder`)."""

    rows: dict[str, list[dict]] = field(default_factory=dict)
    engine: Engine | None = None

    @classmethod
    def in_folder(cls, folder: Path) -> "FakeStore":
        return cls(engine=make_engine(f"sqlite:///{folder / 'returnbot.db'}"))

    def append_message(self, conversation_id: str, direction: str, payload: dict, at: datetime) -> None:
        self.rows.setdefault(conversation_id, []).append({"direction": direction, "payload": payload, "at": at})

    def messages(self, conversation_id: str, limit: int = 200) -> list[dict]:
        return self.rows.get(conversation_id, [])[-limit:]


@dataclass
class FakeDesk:
    """The agents' desk: conversations in `owned` are held by an agent; forwarded words are kept."""

    owned: set[str] = field(default_factory=set)
    forwarded: list[tuple[str, str, str]] = field(default_factory=list)

    def agent_owned(self, conversation_id: str) -> bool:
        return conversation_id in self.owned

    def forward(self, conversation_id: str, text: str, key: str) -> None:
        self.forwarded.append((conversation_id, text, key))


@dataclass
class FakeConversationLanguages:
    """The language each conversation is in (`ConversationLanguages`), in memory; `writes` counts
    `set_language` calls."""

    languages: dict[str, str] = field(default_factory=dict)
    writes: int = 0

    def language_of(self, conversation_id: str) -> str | None:
        return self.languages.get(conversation_id)

    def set_language(self, conversation_id: str, language: str) -> None:
        self.languages[conversation_id] = language
        self.writes += 1


class FakeReturns:
    def slip_pdf(self, rma_id: str, token: str, language: str = "en") -> bytes | None:
        return PDF if (rma_id, token) == ("RMA-000001002S", "good-token") else None


@dataclass
class FakeRasa:
    """Answers the REST webhook like Rasa; `down` makes it fail the way a broken Rasa does."""

    received: list[dict] = field(default_factory=list)
    down: str | None = None  # "connect" | "timeout" | "500" | "garbage"

    def handler(self, request: httpx.Request) -> httpx.Response:
        route = (request.method, request.url.path)
        if self.down == "connect":
            raise httpx.ConnectError("connection refused", request=request)
        if self.down == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if self.down == "500":
            return httpx.Response(500, text="Internal Server Error")
        if self.down == "garbage":
            return httpx.Response(200, text="<html>proxy error</html>")
        if route == ("GET", "/"):
            return httpx.Response(200, text="Hello from Rasa: 3.6.21")
        if route == ("POST", "/webhooks/rest/webhook"):
            body = json.loads(request.content)
            self.received.append(body)
            sender, text = body["sender"], body["message"]
            if text == "buttons please":
                return httpx.Response(200, json=[{"recipient_id": sender, "text": "Why are you returning it?",
                                                  "buttons": BUTTONS}])
            return httpx.Response(200, json=[{"recipient_id": sender, "text": f"you said: {text}"},
                                             {"recipient_id": sender, "text": "Anything else?"}])
        return httpx.Response(404)

    def client(self) -> RasaClient:
        return RasaClient("http://rasa.test", client=httpx.AsyncClient(transport=httpx.MockTransport(self.handler)))


@dataclass(frozen=True)
class FakeSettings:
    secret: str = "test-secret"
    shop_name: str = "Acme Outdoor"
    public_url: str = "http://localhost:8000"
    rasa_url: str = "http://rasa.test"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 0
    var_dir: Path = Path("var")  # the gateway keeps photos under it; web chat tests send none


class FakeOrderStore:
    """Every repository of the order database in memory (bot/repositories.py: `Store`), with the same
    promises as `SqlStore`: one RMA per line, one refund per RMA, one event per outside key, one
    verification per (conversation, order), times back in UTC. The contract tests in
    tests/test_store.py run against it and the SQL stores alike."""

    def __init__(self, orders: Iterable[Order] = ()):
        self._lock = threading.RLock()
        self.orders: dict[str, Order] = {}
        self.cancelled: dict[str, dict[str, int]] = {}
        self.rmas: dict[str, Rma] = {}
        self.events: list[tuple[int, RmaEvent]] = []
        self.event_keys: set[str] = set()
        self.refunds: dict[str, datetime] = {}
        self.words: dict[str, str] = {}
        self.verified: dict[tuple[str, str], datetime] = {}
        self.failures: dict[int, tuple[str, str, datetime]] = {}
        self.transcript: list[tuple[str, str, dict, datetime]] = []
        self.tag_rows: dict[tuple[str, str], datetime] = {}
        self.cursors: dict[str, int] = {}
        self.optouts: set[str] = set()
        self.handoffs = FakeHandoffs(self)
        self._ids = itertools.count(1)
        self.upsert_orders(orders)

    # -- orders ---------------------------------------------------------------------------------
    def upsert_orders(self, new_orders: Iterable[Order]) -> tuple[int, int]:
        inserted = updated = 0
        with self._lock:
            for order in new_orders:
                updated, inserted = (updated + 1, inserted) if order.order_id in self.orders else (updated, inserted + 1)
                customer = replace(order.customer, email=order.customer.email.lower())
                self.orders[order.order_id] = _utc(replace(order, customer=customer, lines=tuple(
                    replace(line, cancelled_quantity=0) for line in order.lines)))
        return inserted, updated

    def get_order(self, order_id: str) -> Order | None:
        order = self.orders.get(order_id)
        if order is None:
            return None
        cancelled = self.cancelled.get(order_id, {})
        return replace(order, lines=tuple(replace(line, cancelled_quantity=cancelled.get(line.line_id, 0))
                                          for line in order.lines))

    def verified_order(self, conversation_id: str, order_id: str) -> Order | None:
        return self.get_order(order_id) if (conversation_id, order_id) in self.verified else None

    def order_id_for_tracking(self, tracking_number: str) -> str | None:
        wanted = "".join(tracking_number.split()).upper()
        found = [o.order_id for o in self.orders.values()
                 if o.tracking_number is not None and o.tracking_number.replace(" ", "").upper() == wanted]
        return found[0] if len(found) == 1 else None

    def count_orders(self) -> int:
        return len(self.orders)

    def set_order_status(self, order_id: str, status: OrderStatus) -> None:
        if order_id in self.orders:
            self.orders[order_id] = replace(self.orders[order_id], status=status)

    def cancel_lines(self, order_id: str, cancelled: Mapping[str, int], at: datetime) -> bool:
        with self._lock:
            order = self.orders.get(order_id)
            if order is None or order.status is not OrderStatus.PROCESSING:
                return False
            sold = {line.line_id: line.quantity for line in order.lines}
            if not cancelled or any(line_id not in sold for line_id in cancelled):
                return False
            done = self.cancelled.setdefault(order_id, {})
            for line_id, total in cancelled.items():
                done[line_id] = max(done.get(line_id, 0), min(max(int(total), 0), sold[line_id]))
            if all(done.get(line_id, 0) >= quantity for line_id, quantity in sold.items()):
                self.set_order_status(order_id, OrderStatus.CANCELLED)
        return True

    def customer_history(self, email: str, since: datetime) -> CustomerHistory:
        mine = [o for o in self.orders.values() if o.customer.email == email.lower() and o.placed_at >= since]
        returned = [o for o in mine if any(line.returned_quantity > 0 for line in o.lines)
                    or any(r.order_id == o.order_id for r in self.rmas.values())]
        return CustomerHistory(orders=len(mine), orders_with_returns=len(returned))

    # -- returns --------------------------------------------------------------------------------
    def create_rma(self, rma: Rma) -> tuple[Rma, bool]:
        with self._lock:
            existing = self.rma_for_line(rma.order_id, rma.line_id)
            if existing is not None:
                return existing, False
            if rma.rma_id in self.rmas:
                raise RmaIdClash(rma.rma_id)
            rma = _utc(rma)
            self.rmas[rma.rma_id] = rma
            self._event(rma.rma_id, rma.status, rma.created_at, "created")
            if rma.refunded_at is not None:
                self.refunds[rma.rma_id] = rma.refunded_at
        return rma, True

    def rma_for_line(self, order_id: str, line_id: str) -> Rma | None:
        found = [r for r in self._newest_first() if (r.order_id, r.line_id) == (order_id, line_id)]
        return found[0] if found else None

    def get_rma(self, rma_id: str) -> Rma | None:
        return self.rmas.get(rma_id)

    def rmas_for_order(self, order_id: str) -> list[Rma]:
        return [r for r in self._newest_first() if r.order_id == order_id]

    def list_rmas(self, limit: int = 1000) -> list[Rma]:
        return self._newest_first()[:limit]

    def update_rma_status(self, rma_id: str, status: RmaStatus, at: datetime, note: str = "") -> Rma | None:
        with self._lock:
            return None if self._move(rma_id, status, at, note) is None else self.rmas[rma_id]

    def change_resolution(self, rma_id: str, resolution: Resolution, at: datetime) -> Rma | None:
        with self._lock:
            rma = self.rmas.get(rma_id)
            if rma is None or rma.status is not RmaStatus.LABEL_CREATED:
                return None
            at = at.astimezone(timezone.utc)
            self.rmas[rma_id] = replace(rma, resolution=resolution, updated_at=at)
            self._event(rma_id, rma.status, at, f"resolution changed to {resolution.value}")
            return self.rmas[rma_id]

    def apply_rma_event(self, rma_id: str, status: RmaStatus, at: datetime, note: str,
                        event_key: str) -> tuple[Rma | None, bool]:
        with self._lock:
            if event_key in self.event_keys:
                return self.get_rma(rma_id), False
            if self._move(rma_id, status, at, note) is None:
                return None, False
            self.event_keys.add(event_key)
            return self.rmas[rma_id], True

    def event_key_seen(self, event_key: str) -> bool:
        return event_key in self.event_keys

    def rma_events_after(self, after_id: int, limit: int = 500) -> list[tuple[int, RmaEvent]]:
        return [(i, e) for i, e in self.events if i > after_id][:limit]

    def last_rma_event_id(self) -> int:
        return self.events[-1][0] if self.events else 0

    def rma_events(self, rma_id: str) -> list[RmaEvent]:
        return [e for _, e in self.events if e.rma_id == rma_id]

    def refund_count(self, rma_id: str) -> int:
        return int(rma_id in self.refunds)

    def record_return_words(self, rma_id: str, conversation_id: str, words: str, at: datetime) -> None:
        self.words.setdefault(rma_id, words)

    def return_words_for(self, rma_id: str) -> str | None:
        return self.words.get(rma_id)

    def _newest_first(self) -> list[Rma]:
        by_id = sorted(self.rmas.values(), key=lambda r: r.rma_id)
        return sorted(by_id, key=lambda r: r.created_at, reverse=True)

    def _move(self, rma_id: str, status: RmaStatus, at: datetime, note: str) -> int | None:
        rma = self.rmas.get(rma_id)
        if rma is None:
            return None
        at = at.astimezone(timezone.utc)
        changes: dict = {"status": status, "updated_at": at}
        if status is RmaStatus.REFUNDED and rma.refunded_at is None:
            changes["refunded_at"] = at
            self.refunds[rma_id] = at
        self.rmas[rma_id] = replace(rma, **changes)
        return self._event(rma_id, status, at, note)

    def _event(self, rma_id: str, status: RmaStatus, at: datetime, note: str) -> int:
        event_id = next(self._ids)
        self.events.append((event_id, RmaEvent(rma_id, status, at.astimezone(timezone.utc), note)))
        return event_id

    # -- verifications --------------------------------------------------------------------------
    def record_verification(self, conversation_id: str, order_id: str, at: datetime) -> None:
        self.verified.setdefault((conversation_id, order_id), at)

    def is_verified(self, conversation_id: str, order_id: str) -> bool:
        return (conversation_id, order_id) in self.verified

    def claim_verification_attempt(self, conversation_id: str, order_id: str, at: datetime, since: datetime,
                                   max_failures: int) -> int | None:
        with self._lock:
            by_conversation, by_order = self._failures(conversation_id, order_id, since)
            if by_conversation >= max_failures or by_order >= max_failures:
                return None
            attempt = next(self._ids)
            self.failures[attempt] = (conversation_id, order_id, at)
            return attempt

    def release_verification_attempt(self, attempt_id: int, conversation_id: str, order_id: str,
                                     at: datetime) -> None:
        with self._lock:
            self.failures.pop(attempt_id, None)
            self.record_verification(conversation_id, order_id, at)

    def record_failed_verification(self, conversation_id: str, order_id: str, at: datetime) -> None:
        self.failures[next(self._ids)] = (conversation_id, order_id, at)

    def failed_verifications(self, conversation_id: str, order_id: str, since: datetime) -> int:
        return max(self._failures(conversation_id, order_id, since))

    def orders_verified_by(self, conversation_id: str) -> list[str]:
        return [o for c, o in self.verified if c == conversation_id]

    def conversations_verifying(self, order_id: str) -> list[str]:
        return [c for c, o in self.verified if o == order_id]

    def _failures(self, conversation_id: str, order_id: str, since: datetime) -> tuple[int, int]:
        recent = [(c, o) for c, o, at in self.failures.values() if at >= since]
        return sum(c == conversation_id for c, _ in recent), sum(o == order_id for _, o in recent)

    # -- conversations --------------------------------------------------------------------------
    def append_message(self, conversation_id: str, direction: str, payload: dict, at: datetime) -> None:
        self.append_messages(conversation_id, [(direction, payload)], at)

    def append_messages(self, conversation_id: str, entries, at: datetime) -> None:
        self.transcript += [(conversation_id, direction, json.loads(json.dumps(payload)), at.astimezone(timezone.utc))
                            for direction, payload in entries]

    def messages(self, conversation_id: str, limit: int = 200) -> list[dict]:
        mine = [(d, p, at) for c, d, p, at in self.transcript if c == conversation_id][-limit:] if limit else []
        return [{"direction": d, "payload": p, "at": at.isoformat()} for d, p, at in mine]

    def latest_of(self, conversation_ids) -> str | None:
        return next((c for c, *_ in reversed(self.transcript) if c in set(conversation_ids)), None)

    def add_tag(self, conversation_id: str, tag: str, at: datetime) -> None:
        self.tag_rows.setdefault((conversation_id, tag), at)

    def tags(self, conversation_id: str) -> list[str]:
        return [t for (c, t), _ in sorted(self.tag_rows.items(), key=lambda item: item[1]) if c == conversation_id]

    # -- notices --------------------------------------------------------------------------------
    def notice_cursor(self, name: str) -> int | None:
        return self.cursors.get(name)

    def start_notice_cursor(self, name: str, event_id: int) -> bool:
        with self._lock:
            if name in self.cursors:
                return False
            self.cursors[name] = event_id
            return True

    def advance_notice_cursor(self, name: str, event_id: int) -> None:
        if name in self.cursors:
            self.cursors[name] = max(self.cursors[name], event_id)

    def opt_out(self, subjects, at: datetime) -> None:
        self.optouts.update(subjects)

    def opt_in(self, subjects) -> None:
        self.optouts.difference_update(subjects)

    def opted_out(self, subjects) -> bool:
        return bool(self.optouts & set(subjects))


class FakeHandoffs:
    """Cases for a person in memory (bot.handoffs.types.HandoffRepository), as `SqlHandoffs` keeps them:
    one case not closed per conversation, one decision per case."""

    def __init__(self, store: FakeOrderStore):
        self.store = store
        self.cases: dict[int, Handoff] = {}
        self.case_facts: dict[int, HandoffFacts] = {}
        self.case_events: dict[int, tuple[int, HandoffEvent, int | None]] = {}  # id -> (case, event, decides)
        self._ids = itertools.count(1)

    def open(self, conversation_id: str, reason: str, order_id: str | None, summary: str,
             signals: tuple[str, ...], at: datetime, facts: HandoffFacts | None = None) -> Handoff:
        with self.store._lock:
            found = self.active(conversation_id)
            if found is not None:
                return found
            handoff = Handoff(next(self._ids), conversation_id, reason, order_id, summary, OPEN,
                              at.astimezone(timezone.utc), tuple(signals))
            self.cases[handoff.handoff_id] = handoff
            if facts is not None:
                self.case_facts[handoff.handoff_id] = facts
            return handoff

    def get(self, handoff_id: int) -> Handoff | None:
        return self.cases.get(handoff_id)

    def active(self, conversation_id: str) -> Handoff | None:
        return next((h for h in self.list_active() if h.conversation_id == conversation_id), None)

    def list(self, status: str | None = None) -> list[Handoff]:
        return [h for _, h in sorted(self.cases.items()) if status is None or h.status == status]

    def list_active(self) -> list[Handoff]:
        return [h for h in self.list() if h.status != CLOSED]

    def facts(self, handoff_id: int) -> HandoffFacts | None:
        return self.case_facts.get(handoff_id)

    def move(self, handoff_id: int, from_status: str, to_status: str) -> bool:
        with self.store._lock:
            handoff = self.cases.get(handoff_id)
            if handoff is None or handoff.status != from_status:
                return False
            self.cases[handoff_id] = replace(handoff, status=to_status)
            return True

    def events(self, handoff_id: int) -> list[HandoffEvent]:
        return [event for _, (case, event, _) in sorted(self.case_events.items()) if case == handoff_id]

    def record(self, handoff_id: int, action: Action, agent: Agent | None, note: str, at: datetime) -> None:
        self.case_events[next(self._ids)] = (handoff_id, HandoffEvent(action, agent, at, note), None)

    def claim_decision(self, handoff_id: int, action: Action, agent: Agent, note: str, at: datetime) -> int | None:
        with self.store._lock:
            if any(decides == handoff_id for _, _, decides in self.case_events.values()):
                return None
            event_id = next(self._ids)
            self.case_events[event_id] = (handoff_id, HandoffEvent(action, agent, at, note), handoff_id)
            return event_id

    def set_decision_rma(self, event_id: int, rma_id: str) -> None:
        case, event, decides = self.case_events[event_id]
        self.case_events[event_id] = (case, replace(event, rma_id=rma_id), decides)

    def drop_event(self, event_id: int) -> None:
        self.case_events.pop(event_id, None)

    def undecided_open(self) -> list[Announced]:
        decided = {decides for _, _, decides in self.case_events.values() if decides is not None}
        announced = []
        for handoff in self.list(OPEN):
            if handoff.handoff_id in decided:
                continue
            times = [e.at for e in self.events(handoff.handoff_id) if e.action is Action.REANNOUNCE]
            announced.append(Announced(handoff, max(times) if times else None, len(times)))
        return announced

    def has_verified(self, conversation_id: str) -> bool:
        return bool(self.store.orders_verified_by(conversation_id))


def _utc(record):
    """The record with its datetimes in UTC, as the SQL store gives them back."""
    return replace(record, **{f.name: getattr(record, f.name).astimezone(timezone.utc) for f in fields(record)
                              if isinstance(getattr(record, f.name), datetime)})
