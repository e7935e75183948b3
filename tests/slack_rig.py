"""The Slack channel as the tests drive it: the real slack-bolt app (signed requests through the aiohttp
adapter) and the real slack_sdk client against the fake Slack Web API on loopback (tests/fake_slack.py),
over the demo store, with a recorder in place of the gateway's outbox. The `fake_slack` and `slack_rig`
fixtures (tests/conftest.py) give one per test."""
from __future__ import annotations

import json
from typing import List, Optional, Tuple

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.web.async_client import AsyncWebClient

from bot.attachments import AttachmentStore
from bot.handoffs import HandoffService
from bot.models import ReturnReason
from bot.sql.attachments import SqlAttachments
from bot.sql.slack_ledger import SqlSlackLedger
from channels.slack import SlackChannel
from channels.slack import cards
from tests import slack_requests
from tests.builders import NOW
from tests.fake_slack import TOKEN, FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "C0AGENTS"
SAM_ORDER, SAM_EMAIL = "114-7777777-0000001", "sam.serial@example.com"
CONV = "telegram:4242"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def signed(body: str, secret: str = SECRET, timestamp: Optional[int] = None, **extra) -> dict:
    return slack_requests.signed(body, secret, timestamp, **extra)


class Rig:
    """The Slack channel over the demo store, its HTTP route on a test server, the fake Slack API
    behind it, and a recorder in place of the gateway's outbox."""

    def __init__(self, services, fake: FakeSlack, tmp_path, deliver=None):
        self.services, self.fake = services, fake
        self.settings = services.settings.with_overrides(
            slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_channel_id=CHANNEL,
            slack_api_base_url=fake.base_url)
        self.handoffs = HandoffService(services.store, services.returns)
        self.ledger = SqlSlackLedger(services.store.engine)
        self.attachments = AttachmentStore(SqlAttachments(services.store.engine), tmp_path / "attachments")
        self.delivered: List[Tuple[str, str, str]] = []
        self.slept: List[float] = []
        client = AsyncWebClient(token=TOKEN, base_url=fake.base_url, retry_handlers=[])
        self.slack = SlackChannel(self.settings, self.handoffs, deliver or self.deliver, ledger=self.ledger,
                                  client=client, attachments=self.attachments, clock=lambda: NOW, sleep=self.sleep)
        app = web.Application()
        self.slack.add_routes(app)
        self.http = TestClient(TestServer(app))

    def deliver(self, conversation_id: str, text: str, key: str) -> None:
        self.delivered.append((conversation_id, text, key))

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    # -- what Slack would send ------------------------------------------------------------------
    async def post(self, body: str, content_type: str, headers: Optional[dict] = None):
        response = await self.http.post("/slack/events", data=body.encode(), headers={
            "Content-Type": content_type, **(headers if headers is not None else signed(body))})
        await self.slack.background.join()
        return response

    async def interact(self, payload: dict, headers: Optional[dict] = None, user: str = "U0ANA"):
        body, signed_headers = slack_requests.interaction(payload, user, SECRET)
        return await self.post(body, slack_requests.FORM, headers if headers is not None else signed_headers)

    async def click(self, action_id: str, handoff_id: int, user: str = "U0ANA", headers: Optional[dict] = None,
                    message_ts: Optional[str] = None):
        ts = message_ts or self.ledger.card(handoff_id).ts
        return await self.interact(slack_requests.click_payload(action_id, handoff_id, CHANNEL, ts), headers, user)

    async def submit_reject(self, handoff_id: int, reason: str, user: str = "U0ANA"):
        card = self.ledger.card(handoff_id)
        return await self.interact({
            "type": "view_submission", "trigger_id": "111.222.trigger",
            "view": {"id": "V0TEST", "type": "modal", "callback_id": cards.REJECT_VIEW,
                     "private_metadata": json.dumps({"handoff_id": handoff_id, "channel": CHANNEL, "ts": card.ts}),
                     "state": {"values": {cards.REASON_BLOCK: {cards.REASON_INPUT: {
                         "type": "plain_text_input", "value": reason}}}}}}, user=user)

    async def message(self, text: str, thread_ts: str, ts: str, event_id: str, user: str = "U0ANA",
                      retry: Optional[int] = None, **extra):
        body, headers = slack_requests.thread_message(text, CHANNEL, thread_ts, ts, event_id, SECRET, user=user,
                                                      retry=retry, **extra)
        return await self.post(body, slack_requests.JSON, headers)

    # -- cases --------------------------------------------------------------------------------------
    def fraud_case(self, conversation: str = CONV, first_words: str = "I want to return my dress"):
        returns = self.services.returns
        assert returns.verify(conversation, SAM_ORDER, SAM_EMAIL).verified
        self.services.store.append_message(conversation, "in", {"text": first_words}, NOW)
        self.services.store.append_message(conversation, "in", {"text": f"it's {SAM_EMAIL}"}, NOW)
        return returns.request_return(conversation, SAM_ORDER, "L1", ReturnReason.TOO_LARGE).handoff

    def card_message(self, handoff_id: int):
        return self.fake.message(self.ledger.card(handoff_id).ts)


def texts(blocks) -> List[str]:
    """Every text in the blocks, with its object (to check `verbatim`)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def card_text(message) -> str:
    return "\n".join(t["text"] for t in texts(message.blocks))
