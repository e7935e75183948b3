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
from typing import List

import pytest
from aiohttp import web

from bot.handoffs import HandoffService
from bot.models import Resolution, ReturnReason
from bot.sql.outbox import SqlOutbox
from bot.sql.slack_ledger import SqlSlackLedger
from channels.slack import SlackChannel, escape, handoff_card, slack_to_plain
from channels.slack import cards
from tests import slack_requests
from tests.builders import NOW
from tests.fake_slack import TOKEN
from tests.slack_rig import CHANNEL, CONV, PNG, SAM_EMAIL, SAM_ORDER, SECRET, Rig, card_text, signed, texts

def buttons(message) -> List[str]:
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


# -- the HTTP endpoint ------------------------------------------------------------------------------
async def test_a_signed_click_is_handled(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    response = await slack_rig.click(cards.TAKE_OVER, handoff.handoff_id)
    assert response.status == 200 and slack_rig.handoffs.is_agent_owned(CONV)


@pytest.mark.parametrize("headers", [
    pytest.param(lambda body: signed(body, secret="not-the-secret"), id="forged"),
    pytest.param(lambda body: signed(body, timestamp=int(time.time()) - 301), id="stale"),
    pytest.param(lambda body: {}, id="unsigned"),
    pytest.param(lambda body: {**signed(body), "X-Slack-Signature": "v0=" + "0" * 64}, id="bad-signature"),
])
async def test_forged_stale_and_unsigned_requests_get_401_and_do_nothing(slack_rig, headers):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    calls = len(slack_rig.fake.calls)
    card = slack_rig.ledger.card(handoff.handoff_id)
    body, _ = slack_requests.click(cards.TAKE_OVER, handoff.handoff_id, CHANNEL, card.ts, SECRET)
    response = await slack_rig.post(body, slack_requests.FORM, headers(body))
    assert response.status == 401
    assert not slack_rig.handoffs.is_agent_owned(CONV) and slack_rig.delivered == [] and len(slack_rig.fake.calls) == calls


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
async def test_absurd_signature_headers_get_401_not_a_server_error(slack_rig, headers):
    """Found by tests/test_fuzz_http.py: bolt subtracted 400 digits from a float (OverflowError, a 500)."""
    body = json.dumps({"type": "url_verification", "challenge": "abc"})
    response = await slack_rig.post(body, "application/json", headers(body))
    assert response.status == 401


@pytest.mark.parametrize("body", [b"null", b"[1]", b'{"type": ', b"\xff\xfe{}", b"[" * 5000 + b"]" * 5000,
                                  b'{"authorizations": 5}', b"payload=%7Bnot+json"],
                         ids=["null", "array", "truncated", "not-utf8", "deep", "odd-fields", "form-not-json"])
async def test_a_body_bolt_cannot_read_is_refused_before_bolt_401_unsigned_400_signed(slack_rig, body):
    """Found by tests/test_fuzz_http.py: bolt's adapter parsed the body before checking its signature, and a
    body that is not a JSON object (or not UTF-8) was a 500 even unsigned."""
    headers = {"Content-Type": slack_requests.FORM if body.startswith(b"payload") else slack_requests.JSON}
    unsigned = await slack_rig.http.post("/slack/events", data=body, headers=headers)
    assert unsigned.status == 401
    refused = await slack_rig.http.post("/slack/events", data=body, headers={**headers, **signed_bytes(body)})
    assert refused.status == 400 and (await refused.json()) == {"error": "not a Slack request"}
    assert slack_rig.delivered == [] and slack_rig.fake.calls == []


async def test_slacks_url_check_is_answered(slack_rig):
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    response = await slack_rig.post(body, "application/json")
    assert response.status == 200 and "3eZbrw1aBm2rZgRNFdxV" in await response.text()


# -- the card -----------------------------------------------------------------------------------------
async def test_the_card_of_a_fraud_flagged_customer_shows_history_signals_and_masked_data(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    [card] = slack_rig.fake.cards(CHANNEL)
    text = card_text(card)
    assert f"Case #{handoff.handoff_id}: Fraud review" in text and "Telegram" in text and SAM_ORDER in text
    assert "10 orders, 8 with returns: *80%* return rate" in text and "last 365 days" in text
    assert "return rate 80% (8 of 10 orders in 365 days) is above 50%" in text
    assert "Red dress (DRESS-RED) × 1 at 120.00 USD = 120.00 USD :arrow_left: *this return*" in text
    assert "Sam S., s***@e***.com, 10***, US" in text and "I want to return my dress" in text
    assert SAM_EMAIL not in json.dumps(card.blocks) and "Sorel" not in json.dumps(card.blocks)
    assert buttons(card) == [cards.APPROVE, cards.REJECT, cards.OFFER_REPLACEMENT, cards.TAKE_OVER, cards.HAND_BACK]
    assert card.metadata == {"event_type": cards.CARD_EVENT, "event_payload": {"handoff_id": handoff.handoff_id}}
    await slack_rig.slack.sync()  # nothing new: nothing posted again
    assert len(slack_rig.fake.ok_calls("chat.postMessage")) == 1


async def test_customer_text_cannot_ping_or_spoof_links_on_the_card(slack_rig):
    evil = "<!channel> hi <@U0BOSS> see <http://evil.example|your order> & <!here|here>"
    handoff = slack_rig.fraud_case(first_words=evil)
    await slack_rig.slack.sync()
    card = slack_rig.card_message(handoff.handoff_id)
    raw = json.dumps(card.blocks)
    assert "<!channel>" not in raw and "<@U0BOSS>" not in raw and "<http://evil" not in raw and "<!here" not in raw
    assert ("&lt;!channel&gt; hi &lt;@U0BOSS&gt; see &lt;http://evil.example|your order&gt; &amp; "
            "&lt;!here|here&gt;") in card_text(card)
    assert all(t.get("verbatim") for t in texts(card.blocks) if t["type"] == "mrkdwn" and "evil" in t["text"])


async def test_the_card_shows_what_the_customer_asked_in_their_words_and_language(slack_rig):
    assert slack_rig.services.returns.verify(CONV, SAM_ORDER, SAM_EMAIL).verified
    handoff = slack_rig.services.returns.request_return(
        CONV, SAM_ORDER, "L1", ReturnReason.TOO_LARGE, Resolution.EXCHANGE,
        words=f"Way too big <!here>, write to me at {SAM_EMAIL}").handoff
    await slack_rig.slack.sync()
    text = card_text(slack_rig.card_message(handoff.handoff_id))
    assert "*In the customer's words* (masked; written in English)" in text
    assert "> Way too big &lt;!here&gt;, write to me at s***@e***.com" in text and SAM_EMAIL not in text
    assert ":arrow_left: *this return* (1 asked, exchange wanted)" in text


async def test_a_case_opened_before_facts_were_kept_asks_the_agent_to_resolve_it_by_hand(slack_rig):
    from bot.sql.handoffs import handoff_facts

    handoff = slack_rig.fraud_case()
    with slack_rig.services.store.engine.begin() as conn:
        conn.execute(handoff_facts.delete())
    await slack_rig.slack.sync()
    card = slack_rig.card_message(handoff.handoff_id)
    assert buttons(card) == [cards.TAKE_OVER, cards.HAND_BACK]
    assert cards.NO_FACTS in card_text(card) and "*Summary*" in card_text(card)
    await slack_rig.click(cards.APPROVE, handoff.handoff_id)  # a click on a card posted before: told why not
    assert slack_rig.services.store.list_rmas() == [] and slack_rig.delivered == []
    [told] = [c for c in slack_rig.fake.calls if c.method == "chat.postEphemeral"]
    assert "by hand" in json.dumps(told.params)


def test_escape_makes_slack_control_sequences_inert():
    assert escape("<!channel> <@U1> <http://x|ok> a&b") == "&lt;!channel&gt; &lt;@U1&gt; &lt;http://x|ok&gt; a&amp;b"


# -- buttons -------------------------------------------------------------------------------------------
async def test_approve_issues_one_rma_and_the_customer_gets_it(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    assert (await slack_rig.click(cards.APPROVE, handoff.handoff_id)).status == 200
    [rma] = slack_rig.services.store.list_rmas()
    [(conversation, text, key)] = slack_rig.delivered
    assert conversation == CONV and rma.rma_id in text and "slip.pdf" in text
    card = slack_rig.card_message(handoff.handoff_id)
    assert "Approved by <@U0ANA>" in card_text(card) and rma.rma_id in card_text(card)
    assert cards.APPROVE not in buttons(card) and card.updates >= 1
    [note] = [m.text for m in slack_rig.fake.thread(card.ts) if "Sent to the customer" in m.text]
    assert rma.rma_id in note and "slip.pdf?t=…" in note and text.split("?t=")[1][:8] not in note

    await slack_rig.click(cards.APPROVE, handoff.handoff_id, user="U0BO")  # twice: the same RMA, no second message
    assert slack_rig.services.store.list_rmas() == [rma] and len(slack_rig.delivered) == 1
    [told] = slack_rig.fake.ok_calls("chat.postEphemeral")
    assert told.params["user"] == "U0BO" and "Already approved by Ana Lopez" in told.params["text"]


async def test_a_button_from_another_message_is_ignored(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    await slack_rig.click(cards.APPROVE, handoff.handoff_id, message_ts="1600000000.000001")
    assert slack_rig.services.store.list_rmas() == [] and slack_rig.delivered == []


async def test_reject_asks_for_a_reason_in_a_modal_and_sends_it_to_the_customer(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    await slack_rig.click(cards.REJECT, handoff.handoff_id)
    [opened] = slack_rig.fake.ok_calls("views.open")
    assert opened.params["trigger_id"] == "111.222.trigger"
    assert opened.params["view"]["callback_id"] == cards.REJECT_VIEW and slack_rig.delivered == []

    empty = await slack_rig.submit_reject(handoff.handoff_id, "   ")
    assert json.loads(await empty.text())["response_action"] == "errors" and slack_rig.delivered == []

    response = await slack_rig.submit_reject(handoff.handoff_id, "The dress was worn <b>and</b> the tags removed")
    assert response.status == 200
    [(_, text, _)] = slack_rig.delivered
    assert "The dress was worn <b>and</b> the tags removed." in text  # plain text for the customer
    card_says = card_text(slack_rig.card_message(handoff.handoff_id))
    assert "Rejected by <@U0ANA>" in card_says and "&lt;b&gt;and&lt;/b&gt;" in card_says
    assert slack_rig.services.store.list_rmas() == []


async def test_offer_replacement_issues_a_replacement_rma(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    await slack_rig.click(cards.OFFER_REPLACEMENT, handoff.handoff_id)
    [rma] = slack_rig.services.store.list_rmas()
    assert rma.resolution.value == "replacement" and rma.rma_id in slack_rig.delivered[0][1]


async def test_take_over_silences_the_bot_and_hand_back_resumes_it(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    await slack_rig.click(cards.TAKE_OVER, handoff.handoff_id)
    assert slack_rig.handoffs.is_agent_owned(CONV) and "Ana" in slack_rig.delivered[-1][1]
    card = slack_rig.card_message(handoff.handoff_id)
    assert "<@U0ANA> has the conversation" in card_text(card) and cards.TAKE_OVER not in buttons(card)

    await slack_rig.click(cards.HAND_BACK, handoff.handoff_id)
    assert not slack_rig.handoffs.is_agent_owned(CONV) and slack_rig.handoffs.get(handoff.handoff_id).status == "closed"
    assert "assistant" in slack_rig.delivered[-1][1] and len(slack_rig.delivered) == 2
    assert "Closed" in card_text(slack_rig.card_message(handoff.handoff_id))


# -- the thread ----------------------------------------------------------------------------------------
async def test_an_agents_thread_reply_reaches_the_customer_once_despite_slack_retrying(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    await slack_rig.click(cards.TAKE_OVER, handoff.handoff_id)
    card = slack_rig.ledger.card(handoff.handoff_id)
    before = len(slack_rig.delivered)
    reply = "Hi Sam, could you send a photo? See <https://shop.example/help|our guide> &amp; thanks"
    assert (await slack_rig.message(reply, card.ts, "1700000100.000100", "Ev001")).status == 200
    assert (await slack_rig.message(reply, card.ts, "1700000100.000100", "Ev001", retry=1)).status == 200
    assert (await slack_rig.message(reply, card.ts, "1700000100.000100", "Ev001", retry=2)).status == 200
    delivered = slack_rig.delivered[before:]
    assert delivered == [(CONV, "Hi Sam, could you send a photo? See our guide (https://shop.example/help) & thanks",
                          "slack:message:C0AGENTS:1700000100.000100")]

    await slack_rig.message("second", card.ts, "1700000101.000100", "Ev002")
    assert [d[1] for d in slack_rig.delivered[before:]] == [delivered[0][1], "second"]  # in order


async def test_replying_in_the_thread_of_an_open_case_takes_it_over_first(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    await slack_rig.message("Hello, I'm looking at it", slack_rig.ledger.card(handoff.handoff_id).ts, "1700000100.1", "Ev1")
    assert slack_rig.handoffs.is_agent_owned(CONV)
    assert [t for _, t, _ in slack_rig.delivered][-1] == "Hello, I'm looking at it" and "Ana" in slack_rig.delivered[0][1]


async def test_bot_messages_other_threads_and_closed_cases_send_nothing(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    card = slack_rig.ledger.card(handoff.handoff_id)
    await slack_rig.message("from a bot", card.ts, "1700000100.2", "Ev2", bot_id="B0OTHER")
    await slack_rig.message("elsewhere", "1600000000.000001", "1700000100.3", "Ev3")
    await slack_rig.message("edited", card.ts, "1700000100.4", "Ev4", subtype="message_changed")
    assert slack_rig.delivered == []
    await slack_rig.click(cards.HAND_BACK, handoff.handoff_id)
    await slack_rig.message("too late", card.ts, "1700000100.5", "Ev5")
    assert "too late" not in [t for _, t, _ in slack_rig.delivered]
    assert "handed back to the bot" in slack_rig.fake.ok_calls("chat.postEphemeral")[-1].params["text"]


async def test_customer_messages_appear_in_the_thread_masked_and_escaped_once(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    for _ in range(2):
        assert await slack_rig.slack.relay_customer_message(CONV, "<!here> mail me: sam.serial@example.com", "in:7")
    [line] = slack_rig.fake.thread(slack_rig.ledger.card(handoff.handoff_id).ts)
    assert card_text(line) == "*Customer:* &lt;!here&gt; mail me: s***@e***.com"
    assert not await slack_rig.slack.relay_customer_message("web:nobody", "hello", "in:8")


# -- Slack failing ---------------------------------------------------------------------------------------
async def test_a_rate_limited_card_is_posted_once_after_the_wait_slack_asked_for(slack_rig):
    slack_rig.fraud_case()
    slack_rig.fake.fail("chat.postMessage", status=429, retry_after=7)
    await slack_rig.slack.sync()
    assert [c.outcome for c in slack_rig.fake.calls if c.method == "chat.postMessage"] == ["429", "ok"]
    assert len(slack_rig.fake.cards(CHANNEL)) == 1 and slack_rig.slept == [7.0]


async def test_a_card_posted_despite_a_5xx_is_found_and_not_posted_again(slack_rig):
    handoff = slack_rig.fraud_case()
    slack_rig.fake.fail("chat.postMessage", status=503, after_effect=True)
    await slack_rig.slack.sync()
    [card] = slack_rig.fake.cards(CHANNEL)
    assert slack_rig.ledger.card(handoff.handoff_id).ts == card.ts
    assert [c.outcome for c in slack_rig.fake.calls if c.method == "chat.postMessage"] == ["503"]
    assert slack_rig.fake.ok_calls("conversations.history")


async def test_a_card_not_posted_because_of_a_5xx_is_posted_on_the_next_attempt(slack_rig):
    slack_rig.fraud_case()
    slack_rig.fake.fail("chat.postMessage", status=500, times=2)
    await slack_rig.slack.sync()
    assert [c.outcome for c in slack_rig.fake.calls if c.method == "chat.postMessage"] == ["500", "500", "ok"]
    assert len(slack_rig.fake.cards(CHANNEL)) == 1


async def test_after_a_crash_mid_post_the_earlier_card_is_found_before_posting(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    posted = slack_rig.ledger.card(handoff.handoff_id).ts
    with slack_rig.services.store.engine.begin() as conn:  # as if the process died before writing the ts down
        from bot.sql.slack_ledger import handoff_cards
        conn.execute(handoff_cards.update().values(ts=None, thread_ts=None))
    await slack_rig.slack.sync()
    assert len(slack_rig.fake.cards(CHANNEL)) == 1 and slack_rig.ledger.card(handoff.handoff_id).ts == posted


async def test_a_case_slack_refuses_waits_for_the_next_sync_and_the_others_go_on(slack_rig, caplog):
    first = slack_rig.fraud_case(conversation="telegram:1")
    second = slack_rig.fraud_case(conversation="telegram:2")
    slack_rig.fake.fail("chat.postMessage", error="not_in_channel")
    await slack_rig.slack.sync()
    assert slack_rig.ledger.card(first.handoff_id).ts is None and slack_rig.ledger.card(second.handoff_id).ts
    assert "/invite @returnbot" in caplog.text
    await slack_rig.slack.sync()
    assert slack_rig.ledger.card(first.handoff_id).ts and len(slack_rig.fake.cards(CHANNEL)) == 2


async def test_a_rate_limited_thread_post_is_posted_once(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync()
    slack_rig.fake.fail("chat.postMessage", status=429, retry_after=2, times=2)
    await slack_rig.slack.relay_customer_message(CONV, "are you there?", "in:9")
    assert len(slack_rig.fake.thread(slack_rig.ledger.card(handoff.handoff_id).ts)) == 1 and slack_rig.slept == [2.0, 2.0]


# -- photos and waiting ---------------------------------------------------------------------------------
async def test_a_damage_claim_photo_is_uploaded_into_the_thread_once(slack_rig):
    assert slack_rig.services.returns.verify("web:erin", "#1004", "M5V 2T6").verified
    handoff = slack_rig.services.returns.request_return("web:erin", "#1004", "L1", ReturnReason.DAMAGED).handoff
    slack_rig.attachments.save("web:erin", PNG, "image/png", NOW)
    await slack_rig.slack.sync()
    card = slack_rig.ledger.card(handoff.handoff_id)
    [upload] = slack_rig.fake.ok_calls("files.completeUploadExternal")
    assert upload.params["channel_id"] == CHANNEL and upload.params["thread_ts"] == card.ts
    assert list(slack_rig.fake.uploads.values()) == [PNG]
    assert "1 photo from the customer" in card_text(slack_rig.fake.message(card.ts))
    assert "Damage claim" in card_text(slack_rig.fake.message(card.ts))
    await slack_rig.slack.sync()
    assert len(slack_rig.fake.ok_calls("files.completeUploadExternal")) == 1


async def test_a_case_nobody_takes_is_announced_again_and_the_customer_told_once(slack_rig):
    handoff = slack_rig.fraud_case()
    await slack_rig.slack.sync(NOW)
    await slack_rig.slack.sync(NOW + timedelta(minutes=14))
    assert slack_rig.delivered == [] and slack_rig.fake.thread(slack_rig.ledger.card(handoff.handoff_id).ts) == []

    await slack_rig.slack.sync(NOW + timedelta(minutes=15))
    [line] = slack_rig.fake.thread(slack_rig.ledger.card(handoff.handoff_id).ts)
    assert "still waiting" in line.text and line.reply_broadcast
    [(conversation, text, _)] = slack_rig.delivered
    assert conversation == CONV and f"#{handoff.handoff_id}" in text

    await slack_rig.slack.sync(NOW + timedelta(minutes=16))
    await slack_rig.slack.sync(NOW + timedelta(minutes=30))  # announced again; the customer is not told again
    assert len(slack_rig.fake.thread(slack_rig.ledger.card(handoff.handoff_id).ts)) == 2 and len(slack_rig.delivered) == 1
    await slack_rig.click(cards.TAKE_OVER, handoff.handoff_id)
    await slack_rig.slack.sync(NOW + timedelta(hours=3))
    thread = slack_rig.fake.thread(slack_rig.ledger.card(handoff.handoff_id).ts)
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
async def test_a_fraud_flagged_telegram_customer_gets_the_rma_an_agent_approved_in_slack(services, fake_slack, tmp_path):
    """As the gateway will wire it: deliver_to_customer queues in the outbox, the relay sends it
    with the Telegram sender (to a fake_slack Bot API); the agent's thread reply follows, in order."""
    from telegram import Bot

    from channels.relay import Relay
    from channels.telegram import TelegramSender, reply_payloads
    from tests.fake_telegram import TOKEN as TELEGRAM_TOKEN, FakeTelegram

    telegram = FakeTelegram()
    await telegram.start()
    outbox = SqlOutbox(services.store.engine)
    relay = Relay(outbox, clock=lambda: NOW)
    bot = Bot(TELEGRAM_TOKEN, base_url=f"{telegram.url}/bot", base_file_url=f"{telegram.url}/file/bot")
    await bot.initialize()
    relay.add_sender("telegram", TelegramSender(bot, slip_pdf=lambda rma_id, language: None))

    def deliver_to_customer(conversation_id: str, text: str, key: str) -> None:
        channel = conversation_id.partition(":")[0]
        outbox.enqueue(conversation_id, channel, key, reply_payloads({"text": text}), NOW)
        services.store.append_message(conversation_id, "out", {"text": text, "agent": True}, NOW)

    slack_rig = Rig(services, fake_slack, tmp_path, deliver=deliver_to_customer)
    await slack_rig.http.start_server()
    try:
        handoff = slack_rig.fraud_case(conversation="telegram:4242")
        await slack_rig.slack.sync()
        assert "10 orders, 8 with returns: *80%*" in card_text(slack_rig.card_message(handoff.handoff_id))
        await slack_rig.click(cards.APPROVE, handoff.handoff_id)
        card = slack_rig.ledger.card(handoff.handoff_id)
        await slack_rig.message("Thanks for your patience, Sam!", card.ts, "1700000200.000100", "Ev100")
        await slack_rig.message("Thanks for your patience, Sam!", card.ts, "1700000200.000100", "Ev100", retry=1)
        await relay.pump()
        [rma] = services.store.list_rmas()
        sent = [c.params["text"] for c in telegram.sent("sendMessage", chat_id=4242)]
        assert len(sent) == 3 and rma.rma_id in sent[0]  # the decision, then the agent joins and writes
        assert "Ana from our team" in sent[1] and sent[2] == "Thanks for your patience, Sam!"
        assert outbox.pending() == []
    finally:
        await slack_rig.slack.stop()
        await slack_rig.http.close()
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


async def test_the_channel_starts_in_http_mode_checking_the_token_and_stops_cleanly(services, fake_slack, tmp_path):
    slack_rig = Rig(services, fake_slack, tmp_path)
    await slack_rig.http.start_server()
    try:
        await slack_rig.slack.start()
        assert slack_rig.fake.ok_calls("auth.test") and not slack_rig.slack.socket_mode
    finally:
        await slack_rig.slack.stop()
        await slack_rig.http.close()


def test_socket_mode_mounts_no_route(services, fake_slack, tmp_path):
    settings = services.settings.with_overrides(slack_bot_token=TOKEN, slack_app_token="xapp-1",
                                                slack_channel_id=CHANNEL, slack_api_base_url=fake_slack.base_url)
    slack = SlackChannel(settings, HandoffService(services.store, services.returns), lambda *a: None,
                         ledger=SqlSlackLedger(services.store.engine))
    app = web.Application()
    slack.add_routes(app)
    assert slack.socket_mode and not [r for r in app.router.routes()]


async def test_when_the_customer_cannot_be_reached_the_agent_is_told_in_the_thread(services, fake_slack, tmp_path):
    def broken(conversation_id, text, key):
        raise OSError("database is locked")

    slack_rig = Rig(services, fake_slack, tmp_path, deliver=broken)
    await slack_rig.http.start_server()
    try:
        handoff = slack_rig.fraud_case()
        await slack_rig.slack.sync()
        await slack_rig.click(cards.APPROVE, handoff.handoff_id)
        card = slack_rig.ledger.card(handoff.handoff_id)
        await slack_rig.message("hello?", card.ts, "1700000400.1", "EvX")
        notes = [m.text for m in slack_rig.fake.thread(card.ts)]
        assert any("could not be told" in n for n in notes) and any("could not be delivered" in n for n in notes)
        assert slack_rig.slack.ledger.claim_event("message:C0AGENTS:1700000400.1", NOW)  # released: may be sent again
    finally:
        await slack_rig.slack.stop()
        await slack_rig.http.close()
