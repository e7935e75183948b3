"""The relay: delivers outbox rows through per-channel senders, in order per conversation, once.

One background task (`Relay.run`) looks for conversations whose first pending message is due and
drains each in its own task, one message at a time, so one slow chat never holds up another and
nothing overtakes an earlier message of the same conversation. A sender reports the outcome by
returning (sent) or raising:

- `RetryLater(after)`: the channel asked us to wait (Telegram's 429 retry_after); retried then.
- `TemporaryFailure`: network trouble or a 5xx; retried with capped exponential backoff, forever.
- `PermanentFailure`: the channel will never take it (the customer blocked the bot); marked failed.

A crash between queueing and sending leaves rows pending; they go out after the restart. A crash
between the channel's success and `mark_sent` sends that one message again: channels have no
idempotency keys, so delivery is at least once in that window and exactly once everywhere else.
One relay per database: two gateways on one database would both send.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Dict, Hashable, Mapping, Optional, Protocol

from bot.clock import utc_now
from bot.outbox import Outbox, OutboxMessage

log = logging.getLogger(__name__)

MAX_UNEXPECTED_ATTEMPTS = 10  # a bug in a sender must not block its conversation forever


class RetryLater(Exception):
    def __init__(self, after: float, reason: str = ""):
        super().__init__(reason or f"retry after {after} s")
        self.after = max(0.0, float(after))


class TemporaryFailure(Exception):
    """Could not reach the channel, or it failed on its side: try again later."""


class PermanentFailure(Exception):
    """The channel refused the message for good: sending it again cannot help."""


class Sender(Protocol):
    async def send(self, message: OutboxMessage) -> Optional[str]:
        """Deliver one message; returns the channel's id for it (or None), or raises one of the above."""


@dataclass(frozen=True)
class Backoff:
    base: float = 1.0
    factor: float = 2.0
    cap: float = 300.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th failure (1, 2, 4, ... up to `cap`)."""
        return min(self.cap, self.base * self.factor ** max(0, attempt - 1))


class TokenBucket:
    """`rate` events per second on average, `burst` at once."""

    def __init__(self, rate: float, burst: int, now: float):
        self.rate, self.capacity = rate, float(burst)
        self.tokens, self.updated = float(burst), now

    def reserve(self, now: float) -> float:
        """Take a token; the seconds to wait before using it (0 when one was free)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def idle(self, now: float) -> bool:
        return self.tokens + (now - self.updated) * self.rate >= self.capacity


class RateLimiter:
    """A global limit and a per-key limit (per chat), e.g. Telegram's 30 messages/s overall and
    about 1 message/s in one chat (with a short burst, so a 3-part answer is not drawn out)."""

    def __init__(self, per_key_rate: float = 1.0, per_key_burst: int = 3, global_rate: float = 30.0,
                 global_burst: int = 30, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.per_key_rate, self.per_key_burst = per_key_rate, per_key_burst
        self.clock, self.sleep = clock, sleep
        self.overall = TokenBucket(global_rate, global_burst, clock())
        self.keys: Dict[Hashable, TokenBucket] = {}

    async def acquire(self, key: Hashable) -> None:
        now = self.clock()
        bucket = self.keys.get(key)
        if bucket is None:
            if len(self.keys) > 10_000:
                self.keys = {k: b for k, b in self.keys.items() if not b.idle(now)}
            bucket = self.keys[key] = TokenBucket(self.per_key_rate, self.per_key_burst, now)
        wait = max(self.overall.reserve(now), bucket.reserve(now))
        if wait > 0:
            await self.sleep(wait)


class Relay:
    def __init__(self, outbox: Outbox, senders: Optional[Mapping[str, Sender]] = None, *,
                 clock: Callable[[], datetime] = utc_now, backoff: Backoff = Backoff(), idle_seconds: float = 30.0):
        self.outbox = outbox
        self.senders: Dict[str, Sender] = dict(senders or {})
        self.clock, self.backoff, self.idle_seconds = clock, backoff, idle_seconds
        self._wake = asyncio.Event()
        self._workers: Dict[str, asyncio.Task] = {}
        self._task: Optional[asyncio.Task] = None
        self._stopping = False

    def add_sender(self, channel: str, sender: Sender) -> None:
        self.senders[channel] = sender
        self.wake()

    def wake(self) -> None:
        """Look for due messages now (the router calls this after queueing)."""
        self._wake.set()

    # -- running in the background ----------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def close(self, grace: float = 5.0) -> None:
        """Stop looking for work; let messages being sent finish for up to `grace` seconds."""
        self._stopping = True
        self.wake()
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=grace)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        workers = list(self._workers.values())
        if workers:
            _, late = await asyncio.wait(workers, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def run(self) -> None:
        failures = 0
        while not self._stopping:
            self._wake.clear()
            try:
                timeout = self._dispatch()
                failures = 0
            except Exception:  # the database was briefly unavailable: keep the relay alive
                failures += 1
                timeout = self.backoff.delay(failures)
                log.exception("outbox relay: looking for due messages failed; again in %.0f s", timeout)
            # (not asyncio.wait_for: on Python 3.10 it can swallow a cancellation that races the wake-up)
            waiter = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({waiter}, timeout=timeout)
            finally:
                waiter.cancel()

    def _dispatch(self) -> float:
        """Start a worker for each due conversation; the seconds until the next one is due."""
        now = self.clock()
        timeout = self.idle_seconds
        for conversation_id, due_at in self.outbox.heads(self.senders):
            if self._stopping:
                break
            if conversation_id in self._workers:
                continue  # its worker wakes us when it is done
            wait = (due_at - now).total_seconds()
            if wait <= 0:
                task = asyncio.create_task(self._drain(conversation_id), name=f"relay:{conversation_id}")
                self._workers[conversation_id] = task
                task.add_done_callback(lambda t, c=conversation_id: self._worker_done(c, t))
            else:
                timeout = min(timeout, wait)
        return max(timeout, 0.0)

    def _worker_done(self, conversation_id: str, task: asyncio.Task) -> None:
        self._workers.pop(conversation_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox relay: delivering to %s failed", conversation_id, exc_info=task.exception())
        self.wake()

    # -- delivering -------------------------------------------------------------------------
    async def pump(self) -> None:
        """Deliver every message due now, conversation by conversation (tests; the CLI)."""
        now = self.clock()
        for conversation_id, due_at in self.outbox.heads(self.senders):
            if due_at <= now:
                await self._drain(conversation_id)

    async def _drain(self, conversation_id: str) -> None:
        """Send the conversation's due messages in order; stop at the first that must wait."""
        while not self._stopping:
            message = self.outbox.head(conversation_id)
            if message is None or message.next_attempt_at > self.clock():
                return
            sender = self.senders.get(message.channel)
            if sender is None:
                return
            if not await self._deliver(sender, message):
                return

    async def _deliver(self, sender: Sender, message: OutboxMessage) -> bool:
        """Send one message and record the outcome; True when the next one may follow."""
        try:
            ref = await sender.send(message)
        except RetryLater as exc:
            log.info("outbox %s to %s: the channel asks to wait %.0f s", message.id, message.conversation_id,
                     exc.after)
            self.outbox.mark_retry(message.id, self.clock() + timedelta(seconds=exc.after), str(exc))
            return False
        except TemporaryFailure as exc:
            delay = self.backoff.delay(message.attempts + 1)
            log.warning("outbox %s to %s: %s; retry in %.0f s", message.id, message.conversation_id, exc, delay)
            self.outbox.mark_retry(message.id, self.clock() + timedelta(seconds=delay), str(exc))
            return False
        except PermanentFailure as exc:
            log.warning("outbox %s to %s: undeliverable: %s", message.id, message.conversation_id, exc)
            self.outbox.mark_failed(message.id, self.clock(), str(exc))
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in a sender: back off, give up after a few tries
            log.exception("outbox %s to %s: sender failed", message.id, message.conversation_id)
            if message.attempts + 1 >= MAX_UNEXPECTED_ATTEMPTS:
                self.outbox.mark_failed(message.id, self.clock(), f"{type(exc).__name__}: {exc}")
                return True
            delay = self.backoff.delay(message.attempts + 1)
            self.outbox.mark_retry(message.id, self.clock() + timedelta(seconds=delay), f"{type(exc).__name__}: {exc}")
            return False
        self.outbox.mark_sent(message.id, self.clock(), ref)
        return True
