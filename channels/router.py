"""The router: takes one inbound customer event, asks Rasa, and queues the replies in the outbox.

Channel adapters call it with an `Inbound` (conversation id, text, a key unique to the event);
it never sends anything itself. Each event is claimed once in the store before anything is done
(a re-delivered event is refused), and its replies are queued under keys derived from the
event's key in the same transaction that marks it answered, so a duplicate cannot queue twice and
a crash after queueing loses nothing: the relay sends the pending rows after the restart.
The event reaches Rasa at most once: a crash between the claim and the queueing leaves it
unanswered rather than replayed into the conversation.

Messages of one conversation are handled one at a time, in arrival order. A renderer per channel
turns a Rasa reply into that channel's outbox payloads (Telegram: text parts, keyboard, slip); the
gateway registers each channel's renderer, and the agents' desk, as it builds them (`add_renderer`,
`add_desk`; channels/contract.py).

While a person owns the conversation (a handoff an agent took over), the router does not ask
Rasa: the customer's words go to the agent through the `AgentDesk` (Slack: the case's thread) and
the bot stays silent. While a case is open but nobody took it yet, the bot answers as usual and
the agents see the words too. With a `CaseGate` (channels/limits.py) each turn Rasa answers is
checked for a case it opened, within the limits on new cases. `deliver` queues what does not
answer an inbound event (an agent's reply, a decision, an update), under the caller's key, so a
retried delivery queues nothing new.

The transcript gets the customer's words and each reply. With `units` (a unit of work over the
outbox's database, bot/repositories.py), an event's entry is written in the unit of work that claims
it and the replies' entries in the one that queues them; without, the `transcript` is written after
each. Either way a transcript that fails is logged, never a reply lost: the unit of work is rolled
back and made again without it.

Each conversation has a language (`languages`, bot/repositories.py `ConversationLanguages`): for each
customer message `bot.language.choose_language` picks it from the words, the conversation's language
so far and the channel's hints (`Inbound.hints`: Telegram's `language_code`, the web page's `?lang=`
then the browser's `Accept-Language`); a pressed button or a command (`/...`) keeps it. It is kept
only when it changes, sent to Rasa as the message's metadata (`{"language": "de"}`), and the
gateway's own sentences (an apology, a photo received, what a channel says) are said in it: every
reply is rendered inside `bot.catalogue.speaking(language)`.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Protocol, Sequence, Tuple, TypeVar

from bot import responses as said
from bot.attachments import AttachmentRejected, AttachmentStore
from bot.catalogue import catalogue, speaking
from bot.clock import utc_now
from bot.language import ENGLISH, LANGUAGES, Hints, choose_language
from bot.outbox import Outbox, OutboxMessage
from bot.repositories import Conflict, ConversationLanguages, Entry, OutboxWrites, UnitOfWork
from channels.rasa_client import RasaClient, RasaUnavailable

log = logging.getLogger(__name__)

Renderer = Callable[[Dict[str, Any]], List[Dict[str, Any]]]  # a Rasa reply -> the channel's payloads
Fetch = Callable[[], Awaitable[Tuple[bytes, str]]]  # downloads (bytes, content type)
T = TypeVar("T")


class AgentDesk(Protocol):
    """Where customers' words go while people handle their case (Slack)."""

    def agent_owned(self, conversation_id: str) -> bool:
        """True while an agent holds the conversation: the bot must stay silent."""

    def forward(self, conversation_id: str, text: str, key: str) -> None:
        """Show the customer's words to the agents of their active case, if any (in the
        background, once per key); never raises."""


class MessageLog(Protocol):
    """The transcript part of the store (agents read it on handoff)."""

    def append_message(self, conversation_id: str, direction: str, payload: dict, at: datetime) -> None: ...


class TurnGuard(Protocol):
    """Checks what a turn did once Rasa answered it (channels.limits.CaseGate)."""

    async def guard(self, conversation_id: str, client: Optional[str],
                    ask: Callable[[], Awaitable[List[Dict[str, Any]]]], language: str = ENGLISH
                    ) -> List[Dict[str, Any]]: ...


@dataclass(frozen=True)
class Inbound:
    channel: str
    conversation_id: str
    key: str  # unique to this event, e.g. telegram:<bot id>:update:<update id>
    text: str = ""
    title: Optional[str] = None  # the title of the button pressed, for the transcript
    once: Tuple[str, ...] = ()  # further keys this event uses up (a keyboard that can be pressed once)
    client: Optional[str] = None  # who sent it, for limits (web: the client's address); None: the conversation
    hints: Hints = Hints()  # what the channel says of the customer's language (used when the words do not tell)


@dataclass(frozen=True)
class Button:
    title: str
    payload: str
    latest: bool  # on the conversation's latest keyboard; older keyboards are stale


def without_intent(text: str) -> str:
    """`text` as words, never as a Rasa intent: Rasa reads `/intent{...}` after stripping blanks, so
    every leading slash goes, with the blanks after it (`/ /human_handoff` included)."""
    text = text.strip()
    while text.startswith("/"):
        text = text[1:].strip()
    return text


def sorry_texts() -> frozenset:
    """The apology (Rasa was unavailable) in every language: a page reading the transcript tells it
    from an answer."""
    return _sorry_texts()


@lru_cache(maxsize=1)
def _sorry_texts() -> frozenset:
    return frozenset(catalogue(language=language).text(said.GATEWAY_SORRY) for language in LANGUAGES)


def kept_language(inbound: Inbound) -> bool:
    """A pressed button or a command (a `/` payload): no words to read a language from."""
    return inbound.title is not None or inbound.text.lstrip().startswith("/")


def rasa_reply(reply: Dict[str, Any]) -> Dict[str, Any]:
    """The parts of a Rasa reply a channel renders, with their types checked."""
    clean: Dict[str, Any] = {}
    if isinstance(reply.get("text"), str):
        clean["text"] = reply["text"]
    if isinstance(reply.get("image"), str):
        clean["image"] = reply["image"]
    buttons = [{"title": str(b["title"]), "payload": str(b["payload"])}
               for b in reply.get("buttons") or [] if isinstance(b, dict) and "title" in b and "payload" in b]
    if buttons:
        clean["buttons"] = buttons
    if isinstance(reply.get("custom"), dict):
        clean["custom"] = reply["custom"]
    return clean


class Router:
    def __init__(self, rasa: RasaClient, outbox: Outbox, renderers: Mapping[str, Renderer], *,
                 attachments: Optional[AttachmentStore] = None, transcript: Optional[MessageLog] = None,
                 notify: Callable[[], None] = lambda: None, clock: Callable[[], datetime] = utc_now,
                 desk: Optional[AgentDesk] = None, cases: Optional[TurnGuard] = None,
                 units: Optional[Callable[[], UnitOfWork]] = None,
                 languages: Optional[ConversationLanguages] = None):
        self.rasa, self.outbox, self.renderers = rasa, outbox, dict(renderers)
        self.attachments, self.transcript, self.notify, self.clock = attachments, transcript, notify, clock
        self.desk, self.cases, self.units, self.languages = desk, cases, units, languages
        self._locks: Dict[str, asyncio.Lock] = {}

    # -- what the gateway calls while it builds its channels ------------------------------------
    def add_renderer(self, channel: str, renderer: Renderer) -> None:
        """Replies to conversations `<channel>:...` are rendered by `renderer` from now on."""
        self.renderers[channel] = renderer

    def add_desk(self, desk: AgentDesk) -> None:
        """Customers' words go to `desk` while people handle their case; there is one desk."""
        if self.desk is not None and self.desk is not desk:
            raise ValueError("the router has a desk for agents already: agents answer in one place")
        self.desk = desk

    # -- what adapters call -----------------------------------------------------------------
    async def handle(self, inbound: Inbound, *, before: Sequence[Dict[str, Any]] = ()) -> bool:
        """Send the customer's text to Rasa and queue `before` then the replies. False: a duplicate."""
        async with self._lock(inbound.conversation_id):
            if not self._claim(inbound, ("in", _inbound_entry(inbound))):
                return False
            language = self._choose(inbound)
            replies = [] if self._to_agents(inbound) else await self._ask(inbound, language)
            self._queue(inbound, list(before), replies, language)
        return True

    def deliver(self, conversation_id: str, text: str, key: str, *, source: str = "agent") -> None:
        """Queue `text` for the customer outside any answer (an agent's reply, a decision), once
        per `key`; it also joins the transcript. Raises when it cannot be queued."""
        channel = conversation_id.partition(":")[0]
        render = self.renderers.get(channel)
        if render is None:
            raise ValueError(f"no channel renders messages for {conversation_id!r}")
        if self.outbox.queued(key):
            return  # queued before: a retry
        with speaking(self.language_of(conversation_id)):
            payloads = render({"text": text, "from": source})
        self._enqueue(conversation_id, channel, key, payloads, lambda rows: [
            ("out", {"text": text, "from": source, "seq": rows[-1].seq if rows else None})])
        self.notify()

    async def reply(self, inbound: Inbound, keys: Sequence[str] = (), *, before: Sequence[Dict[str, Any]] = (),
                    **values: Any) -> bool:
        """Answer with the catalogue's sentences `keys` (filled with `values`), without Rasa (a group
        chat, an edited message), in the conversation's language (at its start, the channel's hint).
        False: a duplicate."""
        async with self._lock(inbound.conversation_id):
            if not self._claim(inbound):
                return False
            language = self._current(inbound)
            words = catalogue(language=language)
            self._queue(inbound, list(before), [{"text": words.text(key, **values)} for key in keys], language)
        return True

    async def attach(self, inbound: Inbound, fetch: Fetch) -> bool:
        """Keep a photo the customer sent with their case, thank them, and pass any caption to Rasa."""
        async with self._lock(inbound.conversation_id):
            if not self._claim(inbound):
                return False
            language = self._choose(inbound) if inbound.text else self._current(inbound)
            words = catalogue(language=language)
            replies: List[Dict[str, Any]]
            try:
                data, content_type = await fetch()
                saved = self.attachments.save(inbound.conversation_id, data, content_type, self.clock())
            except AttachmentRejected as exc:
                log.info("photo from %s refused: %s", inbound.conversation_id, exc)
                replies = [{"text": words.text(said.GATEWAY_PHOTO_REFUSED)}]
            except Exception:
                log.exception("photo from %s could not be received", inbound.conversation_id)
                replies = [{"text": words.text(said.GATEWAY_PHOTO_FAILED)}]
            else:
                self._log(inbound.conversation_id, "in", {
                    "attachment": saved.id, "content_type": saved.content_type, "size": saved.size,
                    **({"text": inbound.text} if inbound.text else {})})
                replies = [{"text": words.text(said.GATEWAY_PHOTO_RECEIVED)}]
                if inbound.text and not self._to_agents(inbound):
                    replies += await self._ask(inbound, language)
            self._queue(inbound, [], replies, language)
        return True

    def button(self, conversation_id: str, message_id: int, index: int) -> Optional[Button]:
        """The button `index` of the queued message `message_id`, if it is this conversation's."""
        message = self.outbox.get(message_id)
        if message is None or message.conversation_id != conversation_id:
            return None
        buttons = message.payload.get("buttons") or []
        if not 0 <= index < len(buttons):
            return None
        latest = next((m.id for m in reversed(self.outbox.messages(conversation_id, limit=50))
                       if m.payload.get("buttons")), None)
        return Button(buttons[index]["title"], buttons[index]["payload"], latest == message_id)

    def language_of(self, conversation_id: str) -> str:
        """The conversation's language (English when none was kept, or the store cannot say)."""
        return self._stored(conversation_id) or ENGLISH

    # -- steps ------------------------------------------------------------------------------
    def _stored(self, conversation_id: str) -> Optional[str]:
        if self.languages is None:
            return None
        try:
            return self.languages.language_of(conversation_id)
        except Exception:  # the language is a courtesy: the message is answered whatever happens to it
            log.exception("language of %s not read", conversation_id)
            return None

    def _current(self, inbound: Inbound) -> str:
        """The conversation's language as it stands, or at its start the channel's hint, else English."""
        return self._stored(inbound.conversation_id) or inbound.hints.language() or ENGLISH

    def _choose(self, inbound: Inbound) -> str:
        """The language of this message (`choose_language`; a button or a command keeps the current one),
        kept when it changed."""
        current = self._stored(inbound.conversation_id)
        if kept_language(inbound):
            language = current or inbound.hints.language() or ENGLISH
        else:
            language = choose_language(inbound.text, current, inbound.hints).language
        if language != current and self.languages is not None:
            try:
                self.languages.set_language(inbound.conversation_id, language)
            except Exception:
                log.exception("language of %s not kept", inbound.conversation_id)
        return language

    def _lock(self, conversation_id: str) -> "_ConversationLock":
        return _ConversationLock(self._locks, conversation_id)

    def _claim(self, inbound: Inbound, entry: Optional[Entry] = None) -> bool:
        """Claim the event's keys; a fresh event's `entry` joins the transcript."""
        cid, keys, at = inbound.conversation_id, (inbound.key, *inbound.once), self.clock()
        if entry is not None and self.units is not None:
            fresh = self._in_unit(cid, at, lambda outbox: outbox.claim_inbound(cid, keys, at), lambda _: [entry])
        else:
            fresh = self.outbox.claim_inbound(cid, keys, at)
            if fresh and entry is not None:
                self._log(cid, *entry)
        if not fresh:
            log.info("ignoring %s: already processed", inbound.key)
        return fresh

    def _to_agents(self, inbound: Inbound) -> bool:
        """Show the agents the customer's words; True when an agent owns the conversation."""
        if self.desk is None:
            return False
        if inbound.text:
            self.desk.forward(inbound.conversation_id, inbound.title or inbound.text, inbound.key)
        return self.desk.agent_owned(inbound.conversation_id)

    async def _ask(self, inbound: Inbound, language: str) -> List[Dict[str, Any]]:
        if self.cases is not None:
            return await self.cases.guard(inbound.conversation_id, inbound.client,
                                          lambda: self._ask_rasa(inbound, language), language=language)
        return await self._ask_rasa(inbound, language)

    async def _ask_rasa(self, inbound: Inbound, language: str) -> List[Dict[str, Any]]:
        try:
            replies = await self.rasa.send(inbound.conversation_id, inbound.text, metadata={"language": language})
        except RasaUnavailable:
            return [{"text": catalogue(language=language).text(said.GATEWAY_SORRY)}]
        return [r for r in (rasa_reply(r) for r in replies) if r]

    def _queue(self, inbound: Inbound, before: List[Dict[str, Any]], replies: List[Dict[str, Any]],
               language: str) -> None:
        """Queue the payloads, rendered in `language`; each reply joins the transcript with the seq of its
        last payload, so a page that shows history and pulls updates can tell the two apart (as `deliver`
        does)."""
        render = self.renderers[inbound.channel]
        with speaking(language):
            rendered = [render(reply) for reply in replies]
        payloads = before + [payload for parts in rendered for payload in parts]

        def entries(rows: List[OutboxMessage]) -> List[Entry]:
            seqs = {row.key: row.seq for row in rows}
            out: List[Entry] = []
            end = len(before)
            for reply, parts in zip(replies, rendered):
                end += len(parts)
                seq = seqs.get(f"{inbound.key}:{end - 1}") if parts else None
                out.append(("out", reply if seq is None else {**reply, "seq": seq}))
            return out

        self._enqueue(inbound.conversation_id, inbound.channel, inbound.key, payloads, entries, answers=inbound.key)
        self.notify()

    def _enqueue(self, conversation_id: str, channel: str, key: str, payloads: List[Dict[str, Any]],
                 entries: Callable[[List[OutboxMessage]], List[Entry]], answers: Optional[str] = None) -> None:
        """Queue the payloads; the transcript gets `entries(the rows queued)`, in the same unit of work
        when there is one."""
        at = self.clock()
        if self.units is not None:
            self._in_unit(conversation_id, at, lambda outbox: outbox.enqueue(
                conversation_id, channel, key, payloads, at, answers=answers), entries)
            return
        rows = self.outbox.enqueue(conversation_id, channel, key, payloads, at, answers=answers)
        for entry in entries(rows):
            self._log(conversation_id, *entry)

    def _in_unit(self, conversation_id: str, at: datetime, work: Callable[[OutboxWrites], T],
                 entries: Callable[[T], List[Entry]]) -> T:
        """`work` on the outbox and the transcript's `entries(its result)` in one unit of work. A
        duplicate claim (`work` gives False) commits nothing. When the transcript fails, the unit is
        rolled back and made again without it; a Conflict with another writer, again from the start
        (five tries in all)."""
        with_transcript, conflicts = True, 0
        while True:
            try:
                with self.units() as uow:
                    result = work(uow.outbox)
                    if result is False:
                        return result
                    if with_transcript:
                        try:
                            uow.transcript.append_messages(conversation_id, entries(result), at)
                        except Exception:  # the transcript is a record, not the conversation
                            log.exception("transcript of %s not written", conversation_id)
                            with_transcript = False
                            continue  # leaving the block rolls the unit back; once, then without it
                    uow.commit()
                    return result
            except Conflict:
                conflicts += 1
                if conflicts == 5:
                    raise

    def _log(self, conversation_id: str, direction: str, payload: Dict[str, Any]) -> None:
        if self.transcript is not None:
            try:
                self.transcript.append_message(conversation_id, direction, payload, self.clock())
            except Exception:  # the transcript is a record, not the conversation: never lose a reply over it
                log.exception("transcript of %s not written", conversation_id)


def _inbound_entry(inbound: Inbound) -> Dict[str, Any]:
    entry: Dict[str, Any] = {"text": inbound.text}
    if inbound.title:
        entry["title"] = inbound.title
    return entry


class _ConversationLock:
    """One asyncio.Lock per conversation (FIFO), dropped when nobody holds or waits for it."""

    def __init__(self, locks: Dict[str, asyncio.Lock], key: str):
        self.locks, self.key = locks, key

    async def __aenter__(self) -> None:
        lock = self.locks.setdefault(self.key, asyncio.Lock())
        self.lock = lock
        await lock.acquire()

    async def __aexit__(self, *exc) -> None:
        self.lock.release()
        if not self.lock.locked() and not getattr(self.lock, "_waiters", None):
            self.locks.pop(self.key, None)
