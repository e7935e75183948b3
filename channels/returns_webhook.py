"""Return updates in the gateway: the signed webhook warehouses and carriers post status events
to, and the loop that tells customers when their return moves.

Webhook: POST /webhooks/returns with a JSON body `{"event_id", "rma", "status", "note"?, "at"?}`,
signed like Stripe's and Slack's: `X-Returnbot-Timestamp` (unix seconds) and
`X-Returnbot-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the webhook secret>`.
A request more than five minutes old, or with a bad signature, gets 401 and changes nothing (a
timestamp is 1 to 12 ASCII digits, a signature `v1=` and 64 hex digits: anything else is simply not
authentic). The body is read by `channels.http_body` (16 KB, application/json, bounded nesting, no
lone surrogates, an object), its signature checked before it is parsed. An event id seen before
changes nothing again (200, `"applied": false`), so a sender may retry freely.

Notices: `ReturnUpdatesChannel` looks for status events every few seconds (they may come from the
CLI in another process, so it reads the database rather than waiting to be told) and queues each
notice through the router under a key per event, in the customer's last-used chat and in that
conversation's language (the gateway's `ConversationLanguages`, which the router keeps). The cursor moves
only after the notice is queued: a crash in between queues nothing twice (the outbox key) and loses
nothing.

In the gateway both are one routes-only channel (`return_updates_channel`): the webhook's route and
the notices' loop, no renderer of its own (the notices are rendered by each customer's channel).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from datetime import datetime
from typing import Optional, Union

from aiohttp import web

from bot.ids import parse_rma_id
from bot.models import RmaStatus
from bot.return_updates import RefusedUpdate, ReturnUpdates, UnknownRma
from channels.contract import Channel, Hub, Off, RepeatingChannel
from channels.http_body import BadBody, parse_object, read_body
from channels.router import Router

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/returns"
TIMESTAMP_HEADER = "X-Returnbot-Timestamp"
SIGNATURE_HEADER = "X-Returnbot-Signature"
MAX_AGE_SECONDS = 300
MAX_BODY_BYTES = 16 * 1024
TIMESTAMP = re.compile(r"[0-9]{1,12}")  # unix seconds, ASCII only; fullmatch
SIGNATURE = re.compile(r"v1=[0-9a-f]{64}")  # fullmatch


def webhook_secret(installation_secret: str) -> str:
    """The webhook's signing secret, derived from the installation secret (`returnbot returns
    webhook-secret` prints it for the sender's configuration)."""
    return hmac.new(installation_secret.encode(), b"returnbot returns webhook", hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class ReturnsWebhook:
    def __init__(self, updates: ReturnUpdates, secret: str, now=time.time):
        self.updates, self.secret, self.now = updates, secret, now

    async def handle(self, request: web.Request) -> web.Response:
        try:
            body = await read_body(request, MAX_BODY_BYTES)
            if not self._authentic(request, body):
                return _error(401, "missing, stale or wrong signature")
            event = parse_object(body)
        except BadBody as bad:
            return _error(bad.status, str(bad))
        event_id, rma_text, status_text = event.get("event_id"), event.get("rma"), event.get("status")
        if not isinstance(event_id, str) or not 1 <= len(event_id) <= 120:
            return _error(400, "event_id: a string of 1 to 120 characters, unique per event")
        rma_id = parse_rma_id(rma_text) if isinstance(rma_text, str) else None
        if rma_id is None:
            return _error(400, "rma: an RMA number like RMA-XXXXXXXXXX")
        try:
            status = RmaStatus(status_text)
        except ValueError:
            allowed = ", ".join(s.value for s in RmaStatus if s is not RmaStatus.PENDING_REVIEW)
            return _error(400, f"status: one of {allowed}")
        note = event.get("note") if isinstance(event.get("note"), str) else ""
        at = _time(event.get("at"))
        if event.get("at") is not None and at is None:
            return _error(400, "at: an ISO 8601 time with its offset, e.g. 2026-11-26T10:00:00Z")
        try:
            recorded = self.updates.record(rma_id, status, event_id=event_id, note=note, source="webhook", at=at)
        except UnknownRma:
            return _error(404, f"no return {rma_id}")
        except RefusedUpdate as exc:
            return _error(409, str(exc))
        log.info("return %s: %s from the webhook (%s)", rma_id, status.value,
                 "applied" if recorded.applied else "seen before")
        return web.json_response({"rma": rma_id, "status": recorded.rma.status.value, "applied": recorded.applied})

    def _authentic(self, request: web.Request, body: bytes) -> bool:
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not TIMESTAMP.fullmatch(timestamp) or not SIGNATURE.fullmatch(signature):
            return False  # (int() of 400 digits minus a float overflows; compare_digest refuses non-ASCII)
        if abs(self.now() - int(timestamp)) > MAX_AGE_SECONDS:
            return False
        return hmac.compare_digest(signature, sign(self.secret, timestamp, body))


def return_updates_channel(hub: Hub) -> Union[Channel, Off]:
    """The returns webhook and the customer notices, on the gateway's router (with the order services)."""
    updates = getattr(hub.services, "updates", None)
    if updates is None:  # a gateway without the order services (web chat tests)
        return Off("Return updates")
    if hub.languages is not None:  # each notice in its conversation's language, as the router keeps it
        updates = updates.speaking_from(hub.languages)
    return ReturnUpdatesChannel(updates, hub.router, webhook_secret(hub.settings.secret))


class ReturnUpdatesChannel(RepeatingChannel):
    """The webhook's route, and the customer notices of new return events queued every `interval`
    seconds (a routes-only `channels.contract.Channel`)."""

    name = "return-updates"

    def __init__(self, updates: ReturnUpdates, router: Router, secret: str, interval: float = 5.0):
        super().__init__()
        self.updates, self.router, self.interval = updates, router, interval
        self.webhook = ReturnsWebhook(updates, secret)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(WEBHOOK_PATH, self.webhook.handle)

    def run_once(self) -> int:
        """Queue what is due; how many notices were queued. Stops at the first failure to queue
        (the database briefly unavailable): the rest waits for the next round, in order."""
        queued = 0
        for notice in self.updates.due():
            if notice.text and notice.conversation_id:
                try:
                    self.router.deliver(notice.conversation_id, notice.text, notice.key, source="updates")
                    queued += 1
                except ValueError:  # a channel that is off now (Telegram without its token)
                    log.info("return update %s not sent: %s is not on", notice.key, notice.conversation_id)
            self.updates.done(notice)
        return queued

    async def round(self) -> None:
        self.run_once()


def _time(value) -> Optional[datetime]:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
