"""Handoffs to agents in Slack, end to end: the real gateway (build_gateway, as `returnbot run`
starts it) with Telegram and Slack turned on, pointed at fake Bot and Web APIs on loopback, over
the running Rasa and action server. Customers talk on Telegram and on the web chat; agents click
and write through signed requests to the gateway's /slack/events; what each side receives is
read off the fakes.

Each test brings its own orders (the stack's database is shared by the session, and other tests
use the demo customers' orders)."""
from __future__ import annotations

import asyncio
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import AsyncIterator, List

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot import bootstrap
from bot.models import Customer, Order, OrderStatus, SalesChannel
from bot.outbox import Outbox
from channels.gateway import SLACK_CHANNEL, build_gateway
from channels.rasa_client import RasaClient
from channels.slack import SlackChannel, cards
from tests import slack_requests
from tests.builders import line, order
from tests.fake_slack import TOKEN as SLACK_TOKEN, FakeSlack
from tests.fake_telegram import TOKEN as TELEGRAM_TOKEN, FakeTelegram
from tests.telegram_customer import TelegramCustomer, eventually, said, visible

pytestmark = pytest.mark.stack

SECRET = "e2e-signing-secret-0123456789abcdef"
CHANNEL = "C0AGENTS"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 256


def recent(order_id: str, email: str, postcode: str, *lines, channel=SalesChannel.AMAZON, **changes) -> Order:
    """An order delivered three days ago (the stack runs on the real clock)."""
    delivered = datetime.now(timezone.utc) - timedelta(days=3)
    return order(*lines, order_id=order_id, channel=channel, customer=Customer(email, "Test Customer", postcode, "US"),
                 placed_at=delivered - timedelta(days=4), shipped_at=delivered - timedelta(days=2),
                 delivered_at=delivered, status=OrderStatus.DELIVERED, **changes)


@dataclass
class Gateway:
    """The running gateway and the people around it."""
    http: TestClient
    slack: SlackChannel
    services: bootstrap.Services
    outbox: Outbox
    telegram: FakeTelegram
    slack_api: FakeSlack

    def customer(self, user_id: int) -> TelegramCustomer:
        return TelegramCustomer(self.telegram, self.outbox, user_id)

    # -- the agents' side ---------------------------------------------------------------------------
    async def card_of(self, conversation_id: str):
        """The card of the conversation's case, once the gateway's sync has posted it."""
        handoffs, ledger = self.slack.handoffs, self.slack.ledger
        await eventually(lambda: (h := handoffs.active(conversation_id)) is not None
                         and (c := ledger.card(h.handoff_id)) is not None and c.ts is not None,
                         state=lambda: handoffs.active(conversation_id))
        handoff = handoffs.active(conversation_id)
        return handoff, ledger.card(handoff.handoff_id)

    async def post(self, request) -> None:
        body, headers = request
        response = await self.http.post("/slack/events", data=body.encode(), headers=headers)
        assert response.status == 200, await response.text()
        await self.slack.background.join()

    async def click(self, action_id: str, handoff_id: int, user: str = "U0ANA") -> None:
        card = self.slack.ledger.card(handoff_id)
        await self.post(slack_requests.click(action_id, handoff_id, CHANNEL, card.ts, SECRET, user=user))

    async def write(self, card_ts: str, text: str, ts: str, retry=None) -> None:
        await self.post(slack_requests.thread_message(text, CHANNEL, card_ts, ts, f"Ev{ts}", SECRET, retry=retry))

    def thread(self, card_ts: str) -> List[str]:
        return [m.text for m in self.slack_api.thread(card_ts)]

    def card_text(self, card_ts: str) -> str:
        message = self.slack_api.message(card_ts)
        return message.text + "\n" + "\n".join(_texts(message.blocks))


def _texts(node) -> List[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") in ("mrkdwn", "plain_text") and "text" in node else []
        return own + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in _texts(value)]
    return []


@pytest_asyncio.fixture
async def fakes():
    telegram, slack = FakeTelegram(), FakeSlack()
    await telegram.start()
    await slack.start()
    yield telegram, slack
    await slack.stop()
    await telegram.close()


@asynccontextmanager
async def gateway_on_the_stack(stack, fakes, tmp_path) -> AsyncIterator[Gateway]:
    telegram, slack_api = fakes
    settings = stack.settings.with_overrides(
        var_dir=tmp_path, telegram_bot_token=TELEGRAM_TOKEN, telegram_api_base_url=telegram.url,
        slack_bot_token=SLACK_TOKEN, slack_signing_secret=SECRET, slack_channel_id=CHANNEL,
        slack_api_base_url=slack_api.base_url)
    services = bootstrap.build(settings)
    rasa = RasaClient(stack.settings.rasa_url, token=stack.settings.rasa_channel_token)  # Rasa answers only its token
    app = build_gateway(settings, services, rasa)
    slack: SlackChannel = app[SLACK_CHANNEL]
    slack.sync_seconds = 0.2  # the gateway's own sync loop posts the cards; quicker than in production
    try:
        async with TestClient(TestServer(app)) as http:
            await eventually(lambda: slack_api.ok_calls("auth.test") and telegram.sent("getUpdates"))
            yield Gateway(http, slack, services, Outbox(services.store.engine), telegram, slack_api)
    finally:
        services.store.engine.dispose()


@pytest_asyncio.fixture
async def gateway(stack, fakes, tmp_path):
    async with gateway_on_the_stack(stack, fakes, tmp_path) as running:
        yield running


async def reason_if_asked(customer: TelegramCustomer, answer: str, reason: str) -> str:
    while "reason" in answer.lower() and customer.keyboard():
        answer = said(await customer.press(reason))
    return answer


async def received_since(gateway: Gateway, customer: TelegramCustomer, mark: int, count: int) -> List[str]:
    """Wait for `count` messages to the customer's chat after the fake's call number `mark`."""
    def arrived():
        return [c for c in gateway.telegram.calls[mark:]
                if c.ok and c.method == "sendMessage" and c.params.get("chat_id") == customer.chat_id]
    await eventually(lambda: len(arrived()) >= count)
    await asyncio.sleep(0.3)  # and no more than that
    return [visible(c) for c in customer.take(mark) if c.method == "sendMessage"]


# -- a fraud flag: the agent approves, writes, hands back ----------------------------------------------
async def test_a_fraud_flagged_customer_gets_the_rma_and_the_agents_words_and_then_the_bot_again(gateway):
    gateway.services.store.upsert_orders([recent(
        "114-7777777-0000902", "sam.serial@example.com", "10001",
        line(line_id="L1", sku="SCARF-SILK", title="Silk scarf", category="accessories",
             unit_price=Decimal("95.00")))])
    sam = gateway.customer(8101)
    assert "email" in said(await sam.say("I need to return the silk scarf from order 114-7777777-0000902")).lower()
    answer = await reason_if_asked(sam, said(await sam.say("sam.serial@example.com")), "Too large")
    assert "team needs to look" in answer, said(sam.received)
    assert "RMA-" not in said(sam.received)  # no return before a person decides

    handoff, card = await gateway.card_of(sam.conversation)
    text = gateway.card_text(card.ts)
    assert "Fraud review" in text and "114-7777777-0000902" in text and "Silk scarf" in text
    assert re.search(r"\d+ orders, \d+ with returns: \*\d+%\*", text) and "s***@e***.com" in text
    assert "sam.serial@example.com" not in text

    mark = len(gateway.telegram.calls)
    await gateway.click(cards.APPROVE, handoff.handoff_id)
    [decision] = await received_since(gateway, sam, mark, 1)
    [rma] = [r for r in gateway.services.store.rmas_for_order("114-7777777-0000902")]
    assert rma.rma_id in decision
    assert "Approved by <@U0ANA>" in gateway.card_text(card.ts)

    mark = len(gateway.telegram.calls)
    await gateway.write(card.ts, "Hi Sam, I approved it. Anything else I can do?", "1800000000.000100")
    await gateway.write(card.ts, "Hi Sam, I approved it. Anything else I can do?", "1800000000.000100", retry=1)
    joined, words = await received_since(gateway, sam, mark, 2)
    assert "Ana" in joined and words == "Hi Sam, I approved it. Anything else I can do?"
    assert gateway.slack.handoffs.is_agent_owned(sam.conversation)

    assert await sam.say("no that's all, thanks Ana") == []  # the bot stays silent while Ana has it
    await eventually(lambda: any("thanks Ana" in t for t in gateway.thread(card.ts)))

    mark = len(gateway.telegram.calls)
    await gateway.click(cards.HAND_BACK, handoff.handoff_id)
    [back] = await received_since(gateway, sam, mark, 1)
    assert "assistant" in back.lower() or "bot" in back.lower(), back
    assert "returns assistant" in said(await sam.say("hello")).lower()  # the bot answers again
    assert [r.rma_id for r in gateway.services.store.rmas_for_order("114-7777777-0000902")] == [rma.rma_id]


# -- a damage claim with a photo -----------------------------------------------------------------------
async def test_a_damage_claim_reaches_the_agent_with_the_photo_and_their_decision_reaches_the_customer(gateway):
    gateway.services.store.upsert_orders([recent(
        "#1904", "fay.green@example.com", "30301",
        line(line_id="L1", sku="LAMP-GLS", title="Glass table lamp", category="home", unit_price=Decimal("60.00")),
        channel=SalesChannel.SHOPIFY)])
    fay = gateway.customer(8102)
    await fay.say("my lamp arrived broken, order #1904")
    answer = said(await fay.say("30301"))
    assert "sorry" in answer.lower(), said(fay.received)
    photo = await fay.send(gateway.telegram.photo(8102, JPEG, caption="the glass is shattered"))
    assert "photo" in said(photo).lower()

    handoff, card = await gateway.card_of(fay.conversation)
    assert "Damage" in gateway.card_text(card.ts) and "Glass table lamp" in gateway.card_text(card.ts)
    await eventually(lambda: len(gateway.slack_api.ok_calls("files.completeUploadExternal")) == 1)
    [upload] = gateway.slack_api.ok_calls("files.completeUploadExternal")
    assert upload.params.get("thread_ts") == card.ts
    await eventually(lambda: any("the glass is shattered" in t for t in gateway.thread(card.ts)))

    mark = len(gateway.telegram.calls)
    await gateway.click(cards.APPROVE, handoff.handoff_id)
    [decision] = await received_since(gateway, fay, mark, 1)
    [rma] = gateway.services.store.rmas_for_order("#1904")
    assert rma.rma_id in decision and rma.status.value != "pending_review"
    await asyncio.sleep(0.5)  # a later sync uploads nothing twice
    assert len(gateway.slack_api.ok_calls("files.completeUploadExternal")) == 1


# -- a web chat customer asks for a person -------------------------------------------------------------
async def test_a_web_customer_who_asks_for_a_person_gets_the_agents_reply_in_the_page(gateway):
    http = gateway.http
    assert (await http.post("/api/session")).status == 200
    answer = await (await http.post("/api/messages", json={"text": "can I talk to a human please"})).json()
    assert "member of our team" in " ".join(m.get("text", "") for m in answer["messages"])
    history = await (await http.get("/api/history")).json()
    cursor = history["cursor"]

    conversation = max((h for h in gateway.slack.handoffs.list_active() if h.conversation_id.startswith("web:")),
                       key=lambda h: h.handoff_id).conversation_id  # this customer's: the newest web case
    handoff, card = await gateway.card_of(conversation)
    await gateway.write(card.ts, "Hello, this is Ana. How can I help?", "1800000100.000100")
    await gateway.write(card.ts, "Hello, this is Ana. How can I help?", "1800000100.000100", retry=1)

    updates = await (await http.get(f"/api/updates?after={cursor}")).json()
    texts = [m["text"] for m in updates["messages"]]
    assert len(texts) == 2 and "Ana" in texts[0] and texts[1] == "Hello, this is Ana. How can I help?"
    assert (await (await http.get(f"/api/updates?after={updates['cursor']}")).json())["messages"] == []

    silent = await (await http.post("/api/messages", json={"text": "my parcel never came"})).json()
    assert silent["messages"] == []  # Ana has the conversation; the bot says nothing
    await eventually(lambda: any("my parcel never came" in t for t in gateway.thread(card.ts)))
