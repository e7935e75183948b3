"""Agents in Slack, driven through the real slack-bolt app (signed requests through the aiohttp
adapter) and the real slack_sdk client against a fake Slack Web API on loopback
(tests/fake_slack.py), over the demo store: the card, each button, the reject modal, thread
replies to the customer (once, despite Slack's retries), rate limits and 5xx without double
posts, photos, and re-announcing cases nobody took."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import List, Optional, Tuple

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.web.async_client import AsyncWebClient

from bot.attachments import AttachmentStore
from bot.handoffs import HandoffService
from bot.models import Resolution, ReturnReason
from bot.sql.slack_ledger import SqlSlackLedger
from channels.slack import SlackChannel, escape, handoff_card, slack_to_plain
from channels.slack import cards
from tests.builders import NOW
from tests import slack_requests
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
        self.attachments = AttachmentStore(services.store.engine, tmp_path / "attachments")
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


@pytest_asyncio.fixture
async def fake():
    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def rig(services, fake, tmp_path):
    rig = Rig(services, fake, tmp_path)
    await rig.http.start_server()
    yield rig
    await rig.slack.stop()
    await rig.http.close()


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


def buttons(message) -> List[str]:
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


# -- the HTTP endpoint ------------------------------------------------------------------------------
async def test_a_signed_click_is_handled(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    response = await rig.click(cards.TAKE_OVER, handoff.handoff_id)
    assert response.status == 200 and rig.handoffs.is_agent_owned(CONV)


@pytest.mark.parametrize("headers", [
    pytest.param(lambda body: signed(body, secret="not-the-secret"), id="forged"),
    pytest.param(lambda body: signed(body, timestamp=int(time.time()) - 301), id="stale"),
    pytest.param(lambda body: {}, id="unsigned"),
    pytest.param(lambda body: {**signed(body), "X-Slack-Signature": "v0=" + "0" * 64}, id="bad-signature"),
])
async def test_forged_stale_and_unsigned_requests_get_401_and_do_nothing(rig, headers):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    calls = len(rig.fake.calls)
    card = rig.ledger.card(handoff.handoff_id)
    body, _ = slack_requests.click(cards.TAKE_OVER, handoff.handoff_id, CHANNEL, card.ts, SECRET)
    response = await rig.post(body, slack_requests.FORM, headers(body))
    assert response.status == 401
    assert not rig.handoffs.is_agent_owned(CONV) and rig.delivered == [] and len(rig.fake.calls) == calls


def signed_bytes(body: bytes, secret: str = SECRET) -> dict:
    """Slack's v0 signature over raw bytes (which need not be UTF-8 text)."""
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + digest}


@pytest.mark.parametrize("headers", [
    pytest.param(lambda body: {**signed(body), "X-Slack-Request-Timestamp": "9" * 400}, id="400-digit-timestamp"),
    pytest.param(lambda body: {**signed(body), "X-Slack-Request-Timestamp": "1.7e9"}, id="float-timestamp"),
    pytest.param(lambda body: {**signed(body), "X-Slack-Signature": "v0=" + "\u00e9" * 64}, id="non-ascii-signature"),
])
async def test_absurd_signature_headers_get_401_not_a_server_error(rig, headers):
    """Found by tests/test_fuzz_http.py: bolt subtracted 400 digits from a float (OverflowError, a 500)."""
    body = json.dumps({"type": "url_verification", "challenge": "abc"})
    response = await rig.post(body, "application/json", headers(body))
    assert response.status == 401


@pytest.mark.parametrize("body", [b"null", b"[1]", b'{"type": ', b"\xff\xfe{}", b"[" * 5000 + b"]" * 5000,
                                  b'{"authorizations": 5}', b"payload=%7Bnot+json"],
                         ids=["null", "array", "truncated", "not-utf8", "deep", "odd-fields", "form-not-json"])
async def test_a_body_bolt_cannot_read_is_refused_before_bolt_401_unsigned_400_signed(rig, body):
    """Found by tests/test_fuzz_http.py: bolt's adapter parsed the body before checking its signature, and a
    body that is not a JSON object (or not UTF-8) was a 500 even unsigned."""
    headers = {"Content-Type": slack_requests.FORM if body.startswith(b"payload") else slack_requests.JSON}
    unsigned = await rig.http.post("/slack/events", data=body, headers=headers)
    assert unsigned.status == 401
    refused = await rig.http.post("/slack/events", data=body, headers={**headers, **signed_bytes(body)})
    assert refused.status == 400 and (await refused.json()) == {"error": "not a Slack request"}
    assert rig.delivered == [] and rig.fake.calls == []


async def test_slacks_url_check_is_answered(rig):
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    response = await rig.post(body, "application/json")
    assert response.status == 200 and "3eZbrw1aBm2rZgRNFdxV" in await response.text()


# -- the card -----------------------------------------------------------------------------------------
async def test_the_card_of_a_fraud_flagged_customer_shows_history_signals_and_masked_data(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    [card] = rig.fake.cards(CHANNEL)
    text = card_text(card)
    assert f"Case #{handoff.handoff_id}: Fraud review" in text and "Telegram" in text and SAM_ORDER in text
    assert "10 orders, 8 with returns: *80%* return rate" in text and "last 365 days" in text
    assert "return rate 80% (8 of 10 orders in 365 days) is above 50%" in text
    assert "Red dress (DRESS-RED) × 1 at 120.00 USD = 120.00 USD :arrow_left: *this return*" in text
    assert "Sam S., s***@e***.com, 10***, US" in text and "I want to return my dress" in text
    assert SAM_EMAIL not in json.dumps(card.blocks) and "Sorel" not in json.dumps(card.blocks)
    assert buttons(card) == [cards.APPROVE, cards.REJECT, cards.OFFER_REPLACEMENT, cards.TAKE_OVER, cards.HAND_BACK]
    assert card.metadata == {"event_type": cards.CARD_EVENT, "event_payload": {"handoff_id": handoff.handoff_id}}
    await rig.slack.sync()  # nothing new: nothing posted again
    assert len(rig.fake.ok_calls("chat.postMessage")) == 1


async def test_customer_text_cannot_ping_or_spoof_links_on_the_card(rig):
    evil = "<!channel> hi <@U0BOSS> see <http://evil.example|your order> & <!here|here>"
    handoff = rig.fraud_case(first_words=evil)
    await rig.slack.sync()
    card = rig.card_message(handoff.handoff_id)
    raw = json.dumps(card.blocks)
    assert "<!channel>" not in raw and "<@U0BOSS>" not in raw and "<http://evil" not in raw and "<!here" not in raw
    assert ("&lt;!channel&gt; hi &lt;@U0BOSS&gt; see &lt;http://evil.example|your order&gt; &amp; "
            "&lt;!here|here&gt;") in card_text(card)
    assert all(t.get("verbatim") for t in texts(card.blocks) if t["type"] == "mrkdwn" and "evil" in t["text"])


async def test_the_card_shows_what_the_customer_asked_in_their_words_and_language(rig):
    assert rig.services.returns.verify(CONV, SAM_ORDER, SAM_EMAIL).verified
    handoff = rig.services.returns.request_return(
        CONV, SAM_ORDER, "L1", ReturnReason.TOO_LARGE, Resolution.EXCHANGE,
        words=f"Way too big <!here>, write to me at {SAM_EMAIL}").handoff
    await rig.slack.sync()
    text = card_text(rig.card_message(handoff.handoff_id))
    assert "*In the customer's words* (masked; written in English)" in text
    assert "> Way too big &lt;!here&gt;, write to me at s***@e***.com" in text and SAM_EMAIL not in text
    assert ":arrow_left: *this return* (1 asked, exchange wanted)" in text


async def test_a_case_opened_before_facts_were_kept_asks_the_agent_to_resolve_it_by_hand(rig):
    from bot.sql.handoffs import handoff_facts

    handoff = rig.fraud_case()
    with rig.services.store.engine.begin() as conn:
        conn.execute(handoff_facts.delete())
    await rig.slack.sync()
    card = rig.card_message(handoff.handoff_id)
    assert buttons(card) == [cards.TAKE_OVER, cards.HAND_BACK]
    assert cards.NO_FACTS in card_text(card) and "*Summary*" in card_text(card)
    await rig.click(cards.APPROVE, handoff.handoff_id)  # a click on a card posted before: told why not
    assert rig.services.store.list_rmas() == [] and rig.delivered == []
    [told] = [c for c in rig.fake.calls if c.method == "chat.postEphemeral"]
    assert "by hand" in json.dumps(told.params)


def test_escape_makes_slack_control_sequences_inert():
    assert escape("<!channel> <@U1> <http://x|ok> a&b") == "&lt;!channel&gt; &lt;@U1&gt; &lt;http://x|ok&gt; a&amp;b"


# -- buttons -------------------------------------------------------------------------------------------
async def test_approve_issues_one_rma_and_the_customer_gets_it(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    assert (await rig.click(cards.APPROVE, handoff.handoff_id)).status == 200
    [rma] = rig.services.store.list_rmas()
    [(conversation, text, key)] = rig.delivered
    assert conversation == CONV and rma.rma_id in text and "slip.pdf" in text
    card = rig.card_message(handoff.handoff_id)
    assert "Approved by <@U0ANA>" in card_text(card) and rma.rma_id in card_text(card)
    assert cards.APPROVE not in buttons(card) and card.updates >= 1
    [note] = [m.text for m in rig.fake.thread(card.ts) if "Sent to the customer" in m.text]
    assert rma.rma_id in note and "slip.pdf?t=…" in note and text.split("?t=")[1][:8] not in note

    await rig.click(cards.APPROVE, handoff.handoff_id, user="U0BO")  # twice: the same RMA, no second message
    assert rig.services.store.list_rmas() == [rma] and len(rig.delivered) == 1
    [told] = rig.fake.ok_calls("chat.postEphemeral")
    assert told.params["user"] == "U0BO" and "Already approved by Ana Lopez" in told.params["text"]


async def test_a_button_from_another_message_is_ignored(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    await rig.click(cards.APPROVE, handoff.handoff_id, message_ts="1600000000.000001")
    assert rig.services.store.list_rmas() == [] and rig.delivered == []


async def test_reject_asks_for_a_reason_in_a_modal_and_sends_it_to_the_customer(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    await rig.click(cards.REJECT, handoff.handoff_id)
    [opened] = rig.fake.ok_calls("views.open")
    assert opened.params["trigger_id"] == "111.222.trigger"
    assert opened.params["view"]["callback_id"] == cards.REJECT_VIEW and rig.delivered == []

    empty = await rig.submit_reject(handoff.handoff_id, "   ")
    assert json.loads(await empty.text())["response_action"] == "errors" and rig.delivered == []

    response = await rig.submit_reject(handoff.handoff_id, "The dress was worn <b>and</b> the tags removed")
    assert response.status == 200
    [(_, text, _)] = rig.delivered
    assert "The dress was worn <b>and</b> the tags removed." in text  # plain text for the customer
    card_says = card_text(rig.card_message(handoff.handoff_id))
    assert "Rejected by <@U0ANA>" in card_says and "&lt;b&gt;and&lt;/b&gt;" in card_says
    assert rig.services.store.list_rmas() == []


async def test_offer_replacement_issues_a_replacement_rma(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    await rig.click(cards.OFFER_REPLACEMENT, handoff.handoff_id)
    [rma] = rig.services.store.list_rmas()
    assert rma.resolution.value == "replacement" and rma.rma_id in rig.delivered[0][1]


async def test_take_over_silences_the_bot_and_hand_back_resumes_it(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    await rig.click(cards.TAKE_OVER, handoff.handoff_id)
    assert rig.handoffs.is_agent_owned(CONV) and "Ana" in rig.delivered[-1][1]
    card = rig.card_message(handoff.handoff_id)
    assert "<@U0ANA> has the conversation" in card_text(card) and cards.TAKE_OVER not in buttons(card)

    await rig.click(cards.HAND_BACK, handoff.handoff_id)
    assert not rig.handoffs.is_agent_owned(CONV) and rig.handoffs.get(handoff.handoff_id).status == "closed"
    assert "assistant" in rig.delivered[-1][1] and len(rig.delivered) == 2
    assert "Closed" in card_text(rig.card_message(handoff.handoff_id))


# -- the thread ----------------------------------------------------------------------------------------
async def test_an_agents_thread_reply_reaches_the_customer_once_despite_slack_retrying(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    await rig.click(cards.TAKE_OVER, handoff.handoff_id)
    card = rig.ledger.card(handoff.handoff_id)
    before = len(rig.delivered)
    reply = "Hi Sam, could you send a photo? See <https://shop.example/help|our guide> &amp; thanks"
    assert (await rig.message(reply, card.ts, "1700000100.000100", "Ev001")).status == 200
    assert (await rig.message(reply, card.ts, "1700000100.000100", "Ev001", retry=1)).status == 200
    assert (await rig.message(reply, card.ts, "1700000100.000100", "Ev001", retry=2)).status == 200
    delivered = rig.delivered[before:]
    assert delivered == [(CONV, "Hi Sam, could you send a photo? See our guide (https://shop.example/help) & thanks",
                          "slack:message:C0AGENTS:1700000100.000100")]

    await rig.message("second", card.ts, "1700000101.000100", "Ev002")
    assert [d[1] for d in rig.delivered[before:]] == [delivered[0][1], "second"]  # in order


async def test_replying_in_the_thread_of_an_open_case_takes_it_over_first(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    await rig.message("Hello, I'm looking at it", rig.ledger.card(handoff.handoff_id).ts, "1700000100.1", "Ev1")
    assert rig.handoffs.is_agent_owned(CONV)
    assert [t for _, t, _ in rig.delivered][-1] == "Hello, I'm looking at it" and "Ana" in rig.delivered[0][1]


async def test_bot_messages_other_threads_and_closed_cases_send_nothing(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    card = rig.ledger.card(handoff.handoff_id)
    await rig.message("from a bot", card.ts, "1700000100.2", "Ev2", bot_id="B0OTHER")
    await rig.message("elsewhere", "1600000000.000001", "1700000100.3", "Ev3")
    await rig.message("edited", card.ts, "1700000100.4", "Ev4", subtype="message_changed")
    assert rig.delivered == []
    await rig.click(cards.HAND_BACK, handoff.handoff_id)
    await rig.message("too late", card.ts, "1700000100.5", "Ev5")
    assert "too late" not in [t for _, t, _ in rig.delivered]
    assert "handed back to the bot" in rig.fake.ok_calls("chat.postEphemeral")[-1].params["text"]


async def test_customer_messages_appear_in_the_thread_masked_and_escaped_once(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    for _ in range(2):
        assert await rig.slack.relay_customer_message(CONV, "<!here> mail me: sam.serial@example.com", "in:7")
    [line] = rig.fake.thread(rig.ledger.card(handoff.handoff_id).ts)
    assert card_text(line) == "*Customer:* &lt;!here&gt; mail me: s***@e***.com"
    assert not await rig.slack.relay_customer_message("web:nobody", "hello", "in:8")


# -- Slack failing ---------------------------------------------------------------------------------------
async def test_a_rate_limited_card_is_posted_once_after_the_wait_slack_asked_for(rig):
    rig.fraud_case()
    rig.fake.fail("chat.postMessage", status=429, retry_after=7)
    await rig.slack.sync()
    assert [c.outcome for c in rig.fake.calls if c.method == "chat.postMessage"] == ["429", "ok"]
    assert len(rig.fake.cards(CHANNEL)) == 1 and rig.slept == [7.0]


async def test_a_card_posted_despite_a_5xx_is_found_and_not_posted_again(rig):
    handoff = rig.fraud_case()
    rig.fake.fail("chat.postMessage", status=503, after_effect=True)
    await rig.slack.sync()
    [card] = rig.fake.cards(CHANNEL)
    assert rig.ledger.card(handoff.handoff_id).ts == card.ts
    assert [c.outcome for c in rig.fake.calls if c.method == "chat.postMessage"] == ["503"]
    assert rig.fake.ok_calls("conversations.history")


async def test_a_card_not_posted_because_of_a_5xx_is_posted_on_the_next_attempt(rig):
    rig.fraud_case()
    rig.fake.fail("chat.postMessage", status=500, times=2)
    await rig.slack.sync()
    assert [c.outcome for c in rig.fake.calls if c.method == "chat.postMessage"] == ["500", "500", "ok"]
    assert len(rig.fake.cards(CHANNEL)) == 1


async def test_after_a_crash_mid_post_the_earlier_card_is_found_before_posting(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    posted = rig.ledger.card(handoff.handoff_id).ts
    with rig.services.store.engine.begin() as conn:  # as if the process died before writing the ts down
        from bot.sql.slack_ledger import handoff_cards
        conn.execute(handoff_cards.update().values(ts=None, thread_ts=None))
    await rig.slack.sync()
    assert len(rig.fake.cards(CHANNEL)) == 1 and rig.ledger.card(handoff.handoff_id).ts == posted


async def test_a_case_slack_refuses_waits_for_the_next_sync_and_the_others_go_on(rig, caplog):
    first = rig.fraud_case(conversation="telegram:1")
    second = rig.fraud_case(conversation="telegram:2")
    rig.fake.fail("chat.postMessage", error="not_in_channel")
    await rig.slack.sync()
    assert rig.ledger.card(first.handoff_id).ts is None and rig.ledger.card(second.handoff_id).ts
    assert "/invite @returnbot" in caplog.text
    await rig.slack.sync()
    assert rig.ledger.card(first.handoff_id).ts and len(rig.fake.cards(CHANNEL)) == 2


async def test_a_rate_limited_thread_post_is_posted_once(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync()
    rig.fake.fail("chat.postMessage", status=429, retry_after=2, times=2)
    await rig.slack.relay_customer_message(CONV, "are you there?", "in:9")
    assert len(rig.fake.thread(rig.ledger.card(handoff.handoff_id).ts)) == 1 and rig.slept == [2.0, 2.0]


# -- photos and waiting ---------------------------------------------------------------------------------
async def test_a_damage_claim_photo_is_uploaded_into_the_thread_once(rig):
    assert rig.services.returns.verify("web:erin", "#1004", "M5V 2T6").verified
    handoff = rig.services.returns.request_return("web:erin", "#1004", "L1", ReturnReason.DAMAGED).handoff
    rig.attachments.save("web:erin", PNG, "image/png", NOW)
    await rig.slack.sync()
    card = rig.ledger.card(handoff.handoff_id)
    [upload] = rig.fake.ok_calls("files.completeUploadExternal")
    assert upload.params["channel_id"] == CHANNEL and upload.params["thread_ts"] == card.ts
    assert list(rig.fake.uploads.values()) == [PNG]
    assert "1 photo from the customer" in card_text(rig.fake.message(card.ts))
    assert "Damage claim" in card_text(rig.fake.message(card.ts))
    await rig.slack.sync()
    assert len(rig.fake.ok_calls("files.completeUploadExternal")) == 1


async def test_a_case_nobody_takes_is_announced_again_and_the_customer_told_once(rig):
    handoff = rig.fraud_case()
    await rig.slack.sync(NOW)
    await rig.slack.sync(NOW + timedelta(minutes=14))
    assert rig.delivered == [] and rig.fake.thread(rig.ledger.card(handoff.handoff_id).ts) == []

    await rig.slack.sync(NOW + timedelta(minutes=15))
    [line] = rig.fake.thread(rig.ledger.card(handoff.handoff_id).ts)
    assert "still waiting" in line.text and line.reply_broadcast
    [(conversation, text, _)] = rig.delivered
    assert conversation == CONV and f"#{handoff.handoff_id}" in text

    await rig.slack.sync(NOW + timedelta(minutes=16))
    await rig.slack.sync(NOW + timedelta(minutes=30))  # announced again; the customer is not told again
    assert len(rig.fake.thread(rig.ledger.card(handoff.handoff_id).ts)) == 2 and len(rig.delivered) == 1
    await rig.click(cards.TAKE_OVER, handoff.handoff_id)
    await rig.slack.sync(NOW + timedelta(hours=3))
    thread = rig.fake.thread(rig.ledger.card(handoff.handoff_id).ts)
    assert len([m for m in thread if "still waiting" in m.text]) == 2


# -- formats --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("slack, plain_text", [
    ("see <https://shop.example/help|our guide>", "see our guide (https://shop.example/help)"),
    ("<https://shop.example/help>", "https://shop.example/help"),
    ("write to <mailto:help@shop.example|help@shop.example>", "write to help@shop.example"),
    ("<@U0BO> will call", "will call"),
    ("<!here> ok", "ok"),
    ("in <#C0HELP|help>", "in #help"),
    ("5 &lt; 6 &amp;&amp; 7 &gt; 2", "5 < 6 && 7 > 2"),
])
def test_an_agents_slack_text_becomes_plain_text_for_the_customer(slack, plain_text):
    assert slack_to_plain(slack) == plain_text


def test_a_card_stays_within_slacks_limits(services):
    handoffs = HandoffService(services.store, services.returns)
    assert services.returns.verify(CONV, SAM_ORDER, SAM_EMAIL).verified
    for n in range(40):
        services.store.append_message(CONV, "in", {"text": "<&>" * 900}, NOW)
    handoff = services.returns.request_return(CONV, SAM_ORDER, "L1", ReturnReason.TOO_LARGE).handoff
    _, blocks = handoff_card(handoffs.context(handoff.handoff_id))
    assert len(blocks) <= 50
    for block in blocks:
        if block.get("text"):
            assert len(block["text"]["text"]) <= 3000
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000


# -- the whole way: Slack button -> outbox -> relay -> the customer's Telegram chat -----------------------
async def test_a_fraud_flagged_telegram_customer_gets_the_rma_an_agent_approved_in_slack(services, fake, tmp_path):
    """As the gateway will wire it: deliver_to_customer queues in the outbox, the relay sends it
    with the Telegram sender (to a fake Bot API); the agent's thread reply follows, in order."""
    from telegram import Bot

    from bot.outbox import Outbox
    from channels.relay import Relay
    from channels.telegram import TelegramSender, reply_payloads
    from tests.fake_telegram import TOKEN as TELEGRAM_TOKEN, FakeTelegram

    telegram = FakeTelegram()
    await telegram.start()
    outbox = Outbox(services.store.engine)
    relay = Relay(outbox, clock=lambda: NOW)
    bot = Bot(TELEGRAM_TOKEN, base_url=f"{telegram.url}/bot", base_file_url=f"{telegram.url}/file/bot")
    await bot.initialize()
    relay.add_sender("telegram", TelegramSender(bot, slip_pdf=lambda rma_id: None))

    def deliver_to_customer(conversation_id: str, text: str, key: str) -> None:
        channel = conversation_id.partition(":")[0]
        outbox.enqueue(conversation_id, channel, key, reply_payloads({"text": text}), NOW)
        services.store.append_message(conversation_id, "out", {"text": text, "agent": True}, NOW)

    rig = Rig(services, fake, tmp_path, deliver=deliver_to_customer)
    await rig.http.start_server()
    try:
        handoff = rig.fraud_case(conversation="telegram:4242")
        await rig.slack.sync()
        assert "10 orders, 8 with returns: *80%*" in card_text(rig.card_message(handoff.handoff_id))
        await rig.click(cards.APPROVE, handoff.handoff_id)
        card = rig.ledger.card(handoff.handoff_id)
        await rig.message("Thanks for your patience, Sam!", card.ts, "1700000200.000100", "Ev100")
        await rig.message("Thanks for your patience, Sam!", card.ts, "1700000200.000100", "Ev100", retry=1)
        await relay.pump()
        [rma] = services.store.list_rmas()
        sent = [c.params["text"] for c in telegram.sent("sendMessage", chat_id=4242)]
        assert len(sent) == 3 and rma.rma_id in sent[0]  # the decision, then the agent joins and writes
        assert "Ana from our team" in sent[1] and sent[2] == "Thanks for your patience, Sam!"
        assert outbox.pending() == []
    finally:
        await rig.slack.stop()
        await rig.http.close()
        await bot.shutdown()
        await telegram.close()


def test_the_manifest_asks_for_what_the_app_uses_and_turns_on_socket_mode():
    import yaml

    from bot.settings import ROOT

    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yml").read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) >= {
        "chat:write", "files:write", "channels:history", "groups:history", "users:read"}
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] and settings["interactivity"]["is_enabled"]
    assert set(settings["event_subscriptions"]["bot_events"]) >= {"message.channels", "message.groups"}


# -- settings and start-up ------------------------------------------------------------------------------
@pytest.mark.parametrize("env, missing", [
    ({"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_CHANNEL_ID"),
    ({"SLACK_BOT_TOKEN": TOKEN, "SLACK_CHANNEL_ID": CHANNEL}, "SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET"),
    ({"SLACK_APP_TOKEN": "xapp-1", "SLACK_CHANNEL_ID": CHANNEL}, "SLACK_BOT_TOKEN"),
    ({"SLACK_BOT_TOKEN": "xapp-wrong", "SLACK_APP_TOKEN": "xapp-1", "SLACK_CHANNEL_ID": CHANNEL}, "SLACK_BOT_TOKEN"),
    ({"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": "xoxb-wrong", "SLACK_CHANNEL_ID": CHANNEL}, "SLACK_APP_TOKEN"),
    ({"RETURNBOT_HANDOFF_REANNOUNCE_MINUTES": "0"}, "RETURNBOT_HANDOFF_REANNOUNCE_MINUTES"),
    ({"RETURNBOT_HANDOFF_REANNOUNCE_MINUTES": "soon"}, "RETURNBOT_HANDOFF_REANNOUNCE_MINUTES"),
])
def test_slack_settings_are_checked_at_start_up_naming_what_is_missing(tmp_path, env, missing):
    from bot.settings import SettingsError
    from tests.conftest import test_settings

    with pytest.raises(SettingsError, match=missing.replace("(", r"\(").replace(")", r"\)")):
        test_settings(tmp_path, **env)


def test_slack_settings_for_each_mode(tmp_path):
    from tests.conftest import test_settings

    socket = test_settings(tmp_path, SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN="xapp-1", SLACK_CHANNEL_ID=CHANNEL)
    assert (socket.slack_channel_id, socket.slack_signing_secret, socket.handoff_reannounce_minutes) == (
        CHANNEL, None, 15)
    http = test_settings(tmp_path, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_CHANNEL_ID=CHANNEL,
                         SLACK_API_BASE_URL="http://127.0.0.1:9/api/", RETURNBOT_HANDOFF_REANNOUNCE_MINUTES="5")
    assert (http.slack_app_token, http.slack_api_base_url, http.handoff_reannounce_minutes) == (
        None, "http://127.0.0.1:9/api", 5)
    assert test_settings(tmp_path).slack_bot_token is None  # no Slack: nothing required


async def test_the_channel_starts_in_http_mode_checking_the_token_and_stops_cleanly(services, fake, tmp_path):
    rig = Rig(services, fake, tmp_path)
    await rig.http.start_server()
    try:
        await rig.slack.start()
        assert rig.fake.ok_calls("auth.test") and not rig.slack.socket_mode
    finally:
        await rig.slack.stop()
        await rig.http.close()


def test_socket_mode_mounts_no_route(services, fake, tmp_path):
    settings = services.settings.with_overrides(slack_bot_token=TOKEN, slack_app_token="xapp-1",
                                                slack_channel_id=CHANNEL, slack_api_base_url=fake.base_url)
    slack = SlackChannel(settings, HandoffService(services.store, services.returns), lambda *a: None,
                         ledger=SqlSlackLedger(services.store.engine))
    app = web.Application()
    slack.add_routes(app)
    assert slack.socket_mode and not [r for r in app.router.routes()]


async def test_when_the_customer_cannot_be_reached_the_agent_is_told_in_the_thread(services, fake, tmp_path):
    def broken(conversation_id, text, key):
        raise OSError("database is locked")

    rig = Rig(services, fake, tmp_path, deliver=broken)
    await rig.http.start_server()
    try:
        handoff = rig.fraud_case()
        await rig.slack.sync()
        await rig.click(cards.APPROVE, handoff.handoff_id)
        card = rig.ledger.card(handoff.handoff_id)
        await rig.message("hello?", card.ts, "1700000400.1", "EvX")
        notes = [m.text for m in rig.fake.thread(card.ts)]
        assert any("could not be told" in n for n in notes) and any("could not be delivered" in n for n in notes)
        assert rig.slack.ledger.claim_event("message:C0AGENTS:1700000400.1", NOW)  # released: may be sent again
    finally:
        await rig.slack.stop()
        await rig.http.close()
