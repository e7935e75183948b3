"""Client for the Rasa servers' REST channel; every failure becomes `RasaUnavailable`.

One `httpx.AsyncClient` (timeouts set) per `RasaClient`, made at start-up and closed with `aclose()`;
its bytes go over aiohttp (`channels/http_transport.py`: a third of the CPU per message). Every message
carries the gateway's token (`X-Returnbot-Token`), without which Rasa's channel refuses it
(rasa_ext/channel.py).
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import httpx

from bot.settings import INTERNAL_TOKEN_HEADER, Settings
from channels.http_transport import AiohttpTransport

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)  # a first reply after model load can be slow
COOLDOWN_SECONDS = 10.0  # a server that refused a connection gets no message for this long
NOTHING_SENT = (httpx.ConnectError, httpx.ConnectTimeout)  # the request never left: another server may take it


class RasaUnavailable(Exception):
    """Rasa could not answer: not reachable, timed out, a 5xx, a reply that is not a list of
    messages, or no message at all."""


class RasaClient:
    """Sends one customer message to a Rasa server and returns the bot's replies as dicts.

    Several servers (`base_url` a sequence; replicas sharing the tracker store in PostgreSQL and the
    lock store in Redis) take the messages in turn, round-robin per message. Not sticky per
    conversation, because a Rasa server keeps nothing about a conversation between two messages (it
    loads the tracker from the store for each one): affinity would buy no cache, would leave a busy
    server with its conversations, and would need re-homing whenever a server goes away. One
    conversation's messages never race across servers: the gateway's router sends them one at a
    time (Rasa 3.6's RedisLockStore issues tickets with a non-atomic read and write, so it backs
    this up rather than replacing it).

    A server that refuses the connection is skipped for `cooldown` seconds and the message goes to
    the next one. Once a request may have reached Rasa (a timeout while waiting, a dropped
    connection, a 5xx) it is never sent again, so no customer message is answered twice.

    `token` is `Settings.rasa_channel_token` of the installation the Rasa servers belong to; by
    default this process's own settings' (`Settings.from_env(os.environ)`, read at the first message),
    which is right for the gateway `returnbot run` starts."""

    def __init__(self, base_url: str | Sequence[str], client: httpx.AsyncClient | None = None,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT, *, cooldown: float = COOLDOWN_SECONDS,
                 clock: Callable[[], float] = time.monotonic, token: Optional[str] = None) -> None:
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not urls:
            raise ValueError("RasaClient needs at least one Rasa server URL")
        self.base_urls = tuple(url.rstrip("/") for url in urls)
        self.base_url = self.base_urls[0]
        self.cooldown, self._clock = cooldown, clock
        self._next = 0
        self._down_until: Dict[str, float] = {}
        self._token = token
        self._client = client if client is not None else httpx.AsyncClient(timeout=timeout,
                                                                           transport=AiohttpTransport())

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict]:
        """Posts `text` as `conversation_id`; the bot's messages, in order.

        Every customer message gets an answer from this assistant, so no answer means a failure
        Rasa hid: when a custom action cannot run (the action server is down, failing or too slow),
        Rasa logs it, drops the action's events and answers with nothing. The customer is told to
        try again; trying again runs the action again, which the services make safe (an RMA is
        issued once per order line, so a retry finds the one a slow action made)."""
        body = {"sender": conversation_id, "message": text, "metadata": metadata or {}}
        headers = {INTERNAL_TOKEN_HEADER: self._gateway_token()}
        refused: Exception | None = None
        for url in self._servers():
            try:
                resp = await self._client.post(url + WEBHOOK_PATH, json=body, headers=headers)
            except NOTHING_SENT as exc:
                self._down_until[url] = self._clock() + self.cooldown
                log.warning("rasa at %s refused the connection (%s); trying another", url, type(exc).__name__)
                refused = exc
                continue
            except httpx.HTTPError as exc:
                log.warning("rasa unavailable for %s: %s", conversation_id, type(exc).__name__)
                raise RasaUnavailable(str(exc)) from exc
            self._down_until.pop(url, None)
            return self._replies(conversation_id, resp)
        log.warning("rasa unavailable for %s: no server took the connection", conversation_id)
        raise RasaUnavailable(f"no Rasa server reachable: {refused}") from refused

    def _gateway_token(self) -> str:
        if self._token is None:
            self._token = Settings.from_env(os.environ).rasa_channel_token
        return self._token

    def _servers(self) -> List[str]:
        """This message's order of servers: the next in turn first, those cooling down last (still
        tried, so a message is only given up when every server refused it)."""
        n = len(self.base_urls)
        start, self._next = self._next, (self._next + 1) % n
        turn = [self.base_urls[(start + i) % n] for i in range(n)]
        now = self._clock()
        return sorted(turn, key=lambda url: self._down_until.get(url, 0.0) > now)

    @staticmethod
    def _replies(conversation_id: str, resp: httpx.Response) -> list[dict]:
        if resp.status_code in (401, 403):
            log.error("rasa at %s refused the gateway's token (HTTP %s): start the gateway and Rasa with the same "
                      "RETURNBOT_SECRET (returnbot run does)", resp.url.host, resp.status_code)
            raise RasaUnavailable(f"Rasa refused the gateway's token (HTTP {resp.status_code})")
        try:
            resp.raise_for_status()
            replies = resp.json()
        except (httpx.HTTPError, ValueError) as exc:  # ValueError: a body that is not JSON
            log.warning("rasa unavailable for %s: %s", conversation_id, type(exc).__name__)
            raise RasaUnavailable(str(exc)) from exc
        if not isinstance(replies, list) or not all(isinstance(r, dict) for r in replies):
            raise RasaUnavailable("Rasa answered with something other than a list of messages")
        if not replies:
            log.warning("rasa answered %s with nothing: a custom action failed (is the action server up?)",
                        conversation_id)
            raise RasaUnavailable("Rasa answered with no message")
        return replies

    async def healthy(self) -> bool:
        """True when any Rasa server's root answers 200."""
        answers = await asyncio.gather(*(self._up(url) for url in self.base_urls))
        return any(answers)

    async def _up(self, url: str) -> bool:
        try:
            resp = await self._client.get(url + "/")
        except httpx.HTTPError:
            return False
        return resp.status_code == 200

    async def aclose(self) -> None:
        await self._client.aclose()
