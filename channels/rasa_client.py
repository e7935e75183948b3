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
    """Rasa could not answer: not reachable, timed out, a 5xx, a reply that is not a list of
    messages, or no message at all."""


class RasaClient:
    """Sends one customer message to Rasa and returns the bot's replies as dicts."""

    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client if client is not None else httpx.AsyncClient(timeout=timeout)

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict]:
        """Posts `text` as `conversation_id`; the bot's messages, in order.

        Every customer message gets an answer from this assistant, so no answer means a failure
        Rasa hid: when a custom action cannot run (the action server is down, failing or too slow),
        Rasa logs it, drops the action's events and answers with nothing. The customer is told to
        try again; trying again runs the action again, which the services make safe (an RMA is
        issued once per order line, so a retry finds the one a slow action made)."""
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
        if not replies:
            log.warning("rasa answered %s with nothing: a custom action failed (is the action server up?)",
                        conversation_id)
            raise RasaUnavailable("Rasa answered with no message")
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
