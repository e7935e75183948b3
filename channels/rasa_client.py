"""Client for the Rasa server's REST channel; every failure becomes `RasaUnavailable`.

One `httpx.AsyncClient` (timeouts set) per `RasaClient`, made at start-up and closed with `aclose()`.
"""
from __future__ import annotations

import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)  # a first reply after model load can be slow


class RasaUnavailable(Exception):
    """Rasa could not answer: not reachable, timed out, a 5xx, or a reply that is not a list of messages."""


class RasaClient:
    """Sends one customer message to Rasa and returns the bot's replies as dicts."""

    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client if client is not None else httpx.AsyncClient(timeout=timeout)

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict]:
        """Posts `text` as `conversation_id`; the bot's messages, in order (may be empty)."""
        body = {"sender": conversation_id, "message": text, "metadata": metadata or {}}
        try:
            resp = await self._client.post(self.base_url + WEBHOOK_PATH, json=body)
            resp.raise_for_status()
            replies = resp.json()
        except (httpx.HTTPError, ValueError) as exc:  # ValueError: a body that is not JSON
            log.warning("rasa unavailable for %s: %s", conversation_id, type(exc).__name__)
            raise RasaUnavailable(str(exc)) from exc
        if not isinstance(replies, list) or not all(isinstance(r, dict) for r in replies):
            raise RasaUnavailable("Rasa answered with something other than a list of messages")
        return replies

    async def healthy(self) -> bool:
        """True when Rasa's root answers 200."""
        try:
            resp = await self._client.get(self.base_url + "/")
        except httpx.HTTPError:
            return False
        return resp.status_code == 200

    async def aclose(self) -> None:
        await self._client.aclose()
