"""Posting to the agents' channel: a case's card, updates to it, lines in its thread, photos.

Every call goes through `_attempts`: a 429 waits the Retry-After Slack asked for and tries again
(nothing was posted); a 5xx or a broken connection is ambiguous (the post may have happened), so
before trying a post again we look for it by its message metadata (the card's case id, the thread
post's key) in the channel's history or the thread. What we posted is written down before and
after the call (the `SlackLedger`: cards and posts), so a crash in between is caught the same way on
the next try. After `attempts` failures `SlackUnavailable` is raised; the caller (the channel's
sync loop) tries again later, and the write-ahead row makes that try look before it posts.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Awaitable, Callable, Dict, List, Optional

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import utc_now
from bot.handoffs import Card, HandoffContext, HandoffService
from bot.privacy import loggable, mask_text
from channels.slack.cards import CARD_EVENT, THREAD_EVENT, customer_line, handoff_card, note_line
from channels.slack.ledger import SlackLedger

log = logging.getLogger(__name__)

TEMPORARY_ERRORS = {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
MAX_RETRY_AFTER = 60.0  # a longer wait is left to the next sync rather than held here


class SlackUnavailable(Exception):
    """Slack could not be reached or kept failing; try again later."""


class SlackRefused(Exception):
    """Slack refused the call for good (not_in_channel, invalid_auth, channel_not_found...)."""

    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


class SlackNotifier:
    def __init__(self, client: AsyncWebClient, handoffs: HandoffService, channel_id: str, ledger: SlackLedger, *,
                 attachments: Any = None, clock: Callable[[], datetime] = utc_now,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, attempts: int = 5,
                 backoff: Callable[[int], float] = lambda attempt: min(30.0, 2.0 ** (attempt - 1)),
                 mask_live_messages: bool = True):
        self.client, self.handoffs, self.channel_id, self.ledger = client, handoffs, channel_id, ledger
        self.attachments = attachments  # a bot.attachments.AttachmentStore, or None
        self.clock, self.sleep, self.attempts, self.backoff = clock, sleep, attempts, backoff
        self.mask_live_messages = mask_live_messages
        self._locks: Dict[int, asyncio.Lock] = {}
        self._thread_locks: Dict[int, asyncio.Lock] = {}  # separate: a thread post takes _locks (post_card)

    # -- the card -------------------------------------------------------------------------
    async def post_card(self, handoff_id: int) -> Card:
        """Post the case's card once; later calls return it."""
        async with self._lock(handoff_id):
            card = self.ledger.card(handoff_id)
            if card is not None and card.ts:
                return card
            card, fresh = self.ledger.reserve_card(handoff_id, self.channel_id, self.clock())
            context = self.handoffs.context(handoff_id)
            text, blocks = handoff_card(context, photos=len(self._photos(handoff_id)))

            async def find() -> Optional[str]:
                return await self._find(card.channel, None, CARD_EVENT, "handoff_id", handoff_id)

            ts = await self._post(card.channel, text, blocks, {"event_type": CARD_EVENT,
                                                               "event_payload": {"handoff_id": handoff_id}},
                                  find, maybe_posted=not fresh)
            card = self.ledger.save_card(handoff_id, card.channel, ts, self.clock())
            log.info("Slack: card for case #%s posted (%s)", handoff_id, ts)
            return card

    async def update_card(self, handoff_id: int, context: Optional[HandoffContext] = None) -> Card:
        """Show the case as it stands now (posting the card first if it was never posted)."""
        card = self.ledger.card(handoff_id)
        if card is None or not card.ts:
            return await self.post_card(handoff_id)
        context = context or self.handoffs.context(handoff_id)
        text, blocks = handoff_card(context, photos=len(self._photos(handoff_id)))
        await self._attempts(lambda: self.client.chat_update(channel=card.channel, ts=card.ts, text=text,
                                                             blocks=blocks))
        return card

    # -- the thread -----------------------------------------------------------------------
    async def post_to_thread(self, handoff_id: int, text: str, *, key: Optional[str] = None,
                             blocks: Optional[List[Dict[str, Any]]] = None, broadcast: bool = False) -> str:
        """Post `text` (Slack mrkdwn, already escaped) in the case's thread; with a `key`, once. One
        post at a time per thread, in call order: a post that waits for Slack (429, a retry) holds
        the next back instead of being overtaken."""
        async with self._thread_locks.setdefault(handoff_id, asyncio.Lock()):
            return await self._post_to_thread(handoff_id, text, key, blocks, broadcast)

    async def _post_to_thread(self, handoff_id: int, text: str, key: Optional[str],
                              blocks: Optional[List[Dict[str, Any]]], broadcast: bool) -> str:
        card = await self.post_card(handoff_id)
        metadata = None
        maybe_posted = False
        if key is not None:
            earlier, fresh = self.ledger.reserve_post(key, handoff_id, self.clock())
            if earlier:
                return earlier
            maybe_posted = not fresh
            metadata = {"event_type": THREAD_EVENT, "event_payload": {"key": key}}

        async def find() -> Optional[str]:
            return await self._find(card.channel, card.thread_ts, THREAD_EVENT, "key", key) if key else None

        ts = await self._post(card.channel, text, blocks, metadata, find, maybe_posted=maybe_posted,
                              thread_ts=card.thread_ts, reply_broadcast=broadcast)
        if key is not None:
            self.ledger.save_post(key, ts, self.clock())
        return ts

    async def post_note(self, handoff_id: int, text: str, *, key: Optional[str] = None, broadcast: bool = False) -> str:
        """Our own line in the thread; `text` is plain and escaped here."""
        fallback, blocks = note_line(text)
        return await self.post_to_thread(handoff_id, fallback, key=key, blocks=blocks, broadcast=broadcast)

    async def post_customer_message(self, conversation_id: str, text: str, key: str) -> bool:
        """Mirror a customer's message into the thread of their open case (masked unless
        configured otherwise). False when the conversation has no open case."""
        handoff = self.handoffs.active(conversation_id)
        if handoff is None:
            return False
        fallback, blocks = customer_line(mask_text(text) if self.mask_live_messages else text)
        await self.post_to_thread(handoff.handoff_id, fallback, key=f"customer:{key}", blocks=blocks)
        return True

    # -- photos ---------------------------------------------------------------------------
    async def upload_photos(self, handoff_id: int) -> int:
        """Upload the case's photos not uploaded yet into its thread; how many were uploaded."""
        uploaded = 0
        for attachment in self._photos(handoff_id):
            path = self.attachments.file(attachment)
            title = f"Photo {attachment.id} from the customer ({attachment.created_at:%Y-%m-%d %H:%M} UTC)"
            if await self.upload_file(handoff_id, path, key=f"upload:{attachment.id}:{handoff_id}", title=title):
                uploaded += 1
        return uploaded

    async def upload_file(self, handoff_id: int, path, *, key: str, title: str) -> bool:
        """Upload a file into the case's thread once (files_upload_v2). False: it was uploaded before."""
        card = await self.post_card(handoff_id)
        earlier, fresh = self.ledger.reserve_post(key, handoff_id, self.clock())
        if earlier:
            return False
        name = getattr(path, "name", None) or str(path).rsplit("/", 1)[-1]
        result = await self._attempts(
            lambda: self.client.files_upload_v2(channel=card.channel, thread_ts=card.thread_ts, file=str(path),
                                                filename=name, title=title),
            find=lambda: self._find_file(card, title), maybe_done=not fresh)
        if isinstance(result, str):  # an earlier attempt had uploaded it
            self.ledger.save_post(key, result, self.clock())
            return False
        self.ledger.save_post(key, (result.get("file") or {}).get("id") or "uploaded", self.clock())
        return True

    def _photos(self, handoff_id: int) -> list:
        """The case's photos, and those the customer sent before it was opened."""
        if self.attachments is None:
            return []
        handoff = self.handoffs.get(handoff_id)
        return [a for a in self.attachments.list(conversation_id=handoff.conversation_id)
                if a.handoff_id in (None, handoff_id)]

    # -- talking to agents ----------------------------------------------------------------
    async def tell_agent(self, channel: str, user: str, text: str, thread_ts: Optional[str] = None) -> None:
        """A line only `user` sees (why a click did nothing); best effort."""
        fallback, blocks = note_line(text)
        try:
            await self._attempts(lambda: self.client.chat_postEphemeral(channel=channel, user=user, text=fallback,
                                                                        blocks=blocks, thread_ts=thread_ts))
        except (SlackUnavailable, SlackRefused) as exc:
            log.warning("Slack: could not tell %s: %s", user, loggable(exc))

    # -- calls ----------------------------------------------------------------------------
    async def _post(self, channel: str, text: str, blocks: Optional[List[Dict[str, Any]]],
                    metadata: Optional[Dict[str, Any]], find: Callable[[], Awaitable[Optional[str]]], *,
                    maybe_posted: bool, thread_ts: Optional[str] = None, reply_broadcast: bool = False) -> str:
        kwargs: Dict[str, Any] = dict(channel=channel, text=text, unfurl_links=False, unfurl_media=False)
        if blocks is not None:
            kwargs["blocks"] = blocks
        if metadata is not None:
            kwargs["metadata"] = metadata
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
            if reply_broadcast:
                kwargs["reply_broadcast"] = True
        response = await self._attempts(lambda: self.client.chat_postMessage(**kwargs),
                                        find=find, maybe_done=maybe_posted)
        return response if isinstance(response, str) else response["ts"]

    async def _attempts(self, call: Callable[[], Awaitable[Any]], *,
                        find: Optional[Callable[[], Awaitable[Optional[str]]]] = None, maybe_done: bool = False) -> Any:
        """Run `call`, waiting out rate limits and retrying failures; with `find`, a call that may
        have taken effect is looked for (its result returned) instead of being made again."""
        last: Exception = SlackUnavailable("no attempt made")
        for attempt in range(1, self.attempts + 1):
            if maybe_done and find is not None:
                found = await find()
                if found:
                    log.info("Slack: an earlier attempt had posted it (%s); not posting again", found)
                    return found
            try:
                return await call()
            except SlackApiError as exc:
                status, error = exc.response.status_code, _error(exc)
                if status == 429 or error == "ratelimited":
                    delay = _retry_after(exc.response.headers)
                    if delay > MAX_RETRY_AFTER:
                        raise SlackUnavailable(f"rate limited for {delay:.0f} s") from exc
                    log.info("Slack: rate limited; waiting %.0f s", delay)
                elif status >= 500 or error in TEMPORARY_ERRORS:
                    maybe_done, delay = True, self.backoff(attempt)
                    log.warning("Slack: %s %s; retrying in %.0f s", status, error, delay)
                else:
                    raise SlackRefused(error or str(status)) from exc
                last = exc
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                maybe_done, delay = True, self.backoff(attempt)
                log.warning("Slack: %s; retrying in %.0f s", type(exc).__name__, delay)
                last = exc
            await self.sleep(delay)
        raise SlackUnavailable(f"gave up after {self.attempts} attempts: {last}")

    async def _find(self, channel: str, thread_ts: Optional[str], event_type: str, field: str,
                    value: Any) -> Optional[str]:
        """The ts of a message we posted with this metadata among the channel's (or the thread's)
        latest 200 messages: a post that may have happened is looked for soon after, or at the
        next sync, so it is recent."""
        if thread_ts:
            call = lambda: self.client.conversations_replies(channel=channel, ts=thread_ts, limit=200,  # noqa: E731
                                                              include_all_metadata=True)
        else:
            call = lambda: self.client.conversations_history(channel=channel, limit=200,  # noqa: E731
                                                              include_all_metadata=True)
        response = await self._attempts(call)
        for message in response.get("messages") or []:
            meta = message.get("metadata") or {}
            if meta.get("event_type") == event_type and (meta.get("event_payload") or {}).get(field) == value:
                return message.get("ts")
        return None

    async def _find_file(self, card: Card, title: str) -> Optional[str]:
        response = await self._attempts(lambda: self.client.conversations_replies(
            channel=card.channel, ts=card.thread_ts, limit=200))
        for message in response.get("messages") or []:
            for file in message.get("files") or []:
                if file.get("title") == title:
                    return file.get("id")
        return None

    def _lock(self, handoff_id: int) -> asyncio.Lock:
        return self._locks.setdefault(handoff_id, asyncio.Lock())


def _error(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or "")
    except Exception:  # a body that was not JSON
        return ""


def _retry_after(headers: Any) -> float:
    try:
        return max(0.0, float((headers or {}).get("Retry-After") or (headers or {}).get("retry-after") or 1))
    except (TypeError, ValueError):
        return 1.0
