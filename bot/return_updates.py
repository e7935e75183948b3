"""A return's lifecycle after the RMA, and telling the customer about it without being asked.

Status events come from the merchant (`returnbot returns update`), from a warehouse or carrier
system (the gateway's signed webhook) or from a returns platform; `record` applies each once per
event id (`Returns.apply_rma_event`: the key and the change in one transaction), refuses to move
a finished return (refunded, rejected) and refuses statuses that go back in time.

`due` lists what the customer should hear about: status events recorded after the notices began
(the first call remembers where the event log stood, so installing this never replays history),
that matter to a customer (not the RMA's own creation: the chat said that already), each with the
conversation to tell (the one the customer used last among those that proved the order is theirs)
and the words. The gateway delivers them through the outbox under a key per event, then `done`
moves the cursor on; a crash in between delivers nothing twice (the outbox key) and loses nothing
(the cursor has not moved).

A notice is said in the conversation's language (`ConversationLanguages`, kept by the gateway's router):
its sentence, the item's name, dates, amounts and the slip's link (`&lang=`). Without a language store,
or for a conversation it has no language for, English.

A customer who says "stop updates" is not told any more (`opt_out`, per conversation and, when the
conversation proved an order, per customer email); "send me updates" turns it back on.
"""
from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, List, Optional

from bot import replies
from bot.catalogue import speaking
from bot.models import Rma, RmaEvent, RmaStatus
from bot.repositories import ConversationLanguages, Store

FINISHED = (RmaStatus.REFUNDED, RmaStatus.REJECTED)
ORDER = [RmaStatus.PENDING_REVIEW, RmaStatus.AUTHORISED, RmaStatus.LABEL_CREATED, RmaStatus.IN_TRANSIT,
         RmaStatus.RECEIVED, RmaStatus.INSPECTED, RmaStatus.REFUNDED]
TOLD = (RmaStatus.LABEL_CREATED, RmaStatus.IN_TRANSIT, RmaStatus.RECEIVED, RmaStatus.INSPECTED,
        RmaStatus.REFUNDED, RmaStatus.REJECTED)
CREATED_NOTE = "created"  # the note Returns.create_rma writes on an RMA's first event

CURSOR = "customer-notices"


class UnknownRma(LookupError):
    pass


class RefusedUpdate(ValueError):
    """A move the lifecycle does not allow; the message says why, for whoever sent it."""


@dataclass(frozen=True)
class Recorded:
    rma: Rma
    applied: bool  # False: this event id was recorded before, nothing changed


@dataclass(frozen=True)
class Notice:
    event_id: int
    rma: Rma
    event: RmaEvent
    conversation_id: Optional[str]  # None: nobody to tell (a portal-only customer, or opted out)
    text: str

    @property
    def key(self) -> str:
        return f"rma-update:{self.event_id}"


class ReturnUpdates:
    def __init__(self, store: Store, ship_back_days: int, slip_url: Callable[[Rma], Optional[str]],
                 clock: Callable[[], datetime], bank_days: str = replies.DEFAULT_BANK_DAYS,
                 languages: Optional[ConversationLanguages] = None):
        self.store, self.ship_back_days, self.slip_url, self.clock = store, ship_back_days, slip_url, clock
        self.bank_days = bank_days  # policy.yml's, as the chat and the portal say it
        self.languages = languages  # the language each conversation is in; None: notices in English

    def speaking_from(self, languages: ConversationLanguages) -> "ReturnUpdates":
        """These updates, with their notices in each conversation's language as `languages` keeps it
        (the gateway's composition gives its language store so)."""
        updated = copy.copy(self)
        updated.languages = languages
        return updated

    # -- the lifecycle ----------------------------------------------------------------------------
    def record(self, rma_id: str, status: RmaStatus, *, event_id: Optional[str] = None, note: str = "",
               source: str = "cli", at: Optional[datetime] = None) -> Recorded:
        """Apply one status event, once per (source, event id); without an id, as a new event."""
        rma = self.store.get_rma(rma_id)
        if rma is None:
            raise UnknownRma(rma_id)
        key = f"{source}:{event_id or uuid.uuid4().hex}"
        if self.store.event_key_seen(key):
            return Recorded(rma, False)
        _check_move(rma.status, status)
        updated, applied = self.store.apply_rma_event(rma_id, status, at or self.clock(), note[:500], key)
        return Recorded(updated or rma, applied)

    def rmas_for_order(self, order_id: str) -> List[Rma]:
        """The order's returns (a marketplace's refund looks for the one in progress: bot/live_orders.py)."""
        return self.store.rmas_for_order(order_id)

    # -- telling customers -----------------------------------------------------------------------
    def due(self, limit: int = 100) -> List[Notice]:
        """Events after the cursor, each with whom to tell and what (oldest first)."""
        notices = []
        for event_id, event in self.store.rma_events_after(self._cursor(), limit):
            rma = self.store.get_rma(event.rma_id)
            told = rma is not None and _tells(event)
            conversation = self._conversation_for(rma) if told else None
            text = self._text(rma, event, self._language_of(conversation)) if told else ""
            notices.append(Notice(event_id, rma, event, conversation, text))
        return notices

    def done(self, notice: Notice) -> None:
        """Move the cursor past `notice` (never back)."""
        self.store.advance_notice_cursor(CURSOR, notice.event_id)

    def opt_out(self, conversation_id: str) -> None:
        self.store.opt_out(self._subjects(conversation_id), self.clock())

    def opt_in(self, conversation_id: str) -> None:
        self.store.opt_in(self._subjects(conversation_id))

    def opted_out(self, conversation_id: str) -> bool:
        return self.store.opted_out(self._subjects(conversation_id))

    # -- helpers -------------------------------------------------------------------------------------
    def _cursor(self) -> int:
        found = self.store.notice_cursor(CURSOR)
        if found is not None:
            return found
        start = self.store.last_rma_event_id()  # first run: from now on, not the history
        if not self.store.start_notice_cursor(CURSOR, start):  # another process made it first
            return self._cursor()
        return start

    def _conversation_for(self, rma: Rma) -> Optional[str]:
        """The chat the customer used last among those that proved this order theirs, or the one
        the return was made in; None when that is nowhere to write to, or they opted out."""
        proven = self.store.conversations_verifying(rma.order_id)
        candidates = [c for c in dict.fromkeys([*proven, rma.conversation_id]) if c and ":" in c]
        if not candidates:
            return None
        latest = self.store.latest_of(candidates)
        chosen = latest or (rma.conversation_id if rma.conversation_id in candidates else candidates[-1])
        return None if self.opted_out(chosen) else chosen

    def _subjects(self, conversation_id: str) -> List[str]:
        subjects = [f"conversation:{conversation_id}"]
        for order_id in self.store.orders_verified_by(conversation_id):
            order = self.store.get_order(order_id)
            if order is not None:
                subjects.append(f"email:{order.customer.email.strip().lower()}")
        return list(dict.fromkeys(subjects))

    def _language_of(self, conversation_id: Optional[str]) -> Optional[str]:
        if self.languages is None or conversation_id is None:
            return None
        return self.languages.language_of(conversation_id)

    def _text(self, rma: Rma, event: RmaEvent, language: Optional[str] = None) -> str:
        """The notice in `language` (None: English): every word, date, amount and link of it."""
        with speaking(language):
            order = self.store.get_order(rma.order_id)
            item = replies.item_name(order.line(rma.line_id) if order else None, rma=rma)
            slip_url = self.slip_url(rma) if event.status is RmaStatus.LABEL_CREATED else None
            return replies.notice(rma, item, event.status, event.at, event.note, slip_url,  # wording: the catalogue
                                  bank_days=self.bank_days)


def _tells(event: RmaEvent) -> bool:
    return event.status in TOLD and event.note != CREATED_NOTE


def _check_move(current: RmaStatus, new: RmaStatus) -> None:
    if current in FINISHED:
        raise RefusedUpdate(f"the return is {current.value} already; it cannot become {new.value}")
    if new in ORDER and current in ORDER and ORDER.index(new) < ORDER.index(current) \
            and current is not RmaStatus.PENDING_REVIEW:
        raise RefusedUpdate(f"the return is {current.value}; it cannot go back to {new.value}")
