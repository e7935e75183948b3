"""Return updates through the gateway: the signed webhook (authentic, fresh, once per event id)
and the notices that reach a (fake) Telegram customer once, from the CLI and from the webhook."""
from __future__ import annotations

import json
import time

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.models import Resolution, ReturnReason, RmaStatus
from channels.gateway import RETURN_UPDATES, build_gateway
from channels.returns_webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, webhook_secret
from tests.fakes import FakeRasa
from tests.telegram_customer import eventually, visible
from tests.telegram_rig import on_fake_telegram

ALICE_ORDER, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"
CHAT = 4711


def signed(secret: str, event: dict, age: int = 0, secret_used=None):
    body = json.dumps(event).encode()
    timestamp = str(int(time.time()) - age)
    return body, {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                  SIGNATURE_HEADER: sign(secret_used or secret, timestamp, body)}


@pytest_asyncio.fixture
async def gateway(services, fake_telegram):
    settings = on_fake_telegram(services.settings, fake_telegram)
    app = build_gateway(settings, services, FakeRasa().client())
    async with TestClient(TestServer(app)) as client:
        yield client, app[RETURN_UPDATES], webhook_secret(settings.secret)


@pytest.fixture
def rma(services):
    """Alice's return, made in her Telegram chat."""
    conversation = f"telegram:{CHAT}"
    assert services.returns.verify(conversation, ALICE_ORDER, ALICE_EMAIL).verified
    services.store.append_message(conversation, "in", {"text": "I want to return the socks"}, services.returns.clock())
    return services.returns.request_return(conversation, ALICE_ORDER, "L2", ReturnReason.TOO_SMALL,
                                           Resolution.REFUND).rma


def told(fake) -> list:
    return [visible(c) for c in fake.sent("sendMessage", chat_id=CHAT)]


# -- the webhook --------------------------------------------------------------------------------------
async def test_a_signed_event_is_applied_once_however_often_it_is_sent(gateway, services, rma):
    client, _, secret = gateway
    event = {"event_id": "scan-778", "rma": rma.rma_id, "status": "in_transit", "note": "picked up by UPS"}
    for attempt in range(3):
        body, headers = signed(secret, event)
        response = await client.post("/webhooks/returns", data=body, headers=headers)
        assert response.status == 200
        assert await response.json() == {"rma": rma.rma_id, "status": "in_transit", "applied": attempt == 0}
    assert [e.status for e in services.store.rma_events(rma.rma_id)] == [RmaStatus.LABEL_CREATED,
                                                                          RmaStatus.IN_TRANSIT]


@pytest.mark.parametrize("age, secret_used, drop", [
    pytest.param(301, None, None, id="stale"),
    pytest.param(0, "not-the-secret", None, id="forged"),
    pytest.param(0, None, SIGNATURE_HEADER, id="unsigned"),
    pytest.param(0, None, TIMESTAMP_HEADER, id="no-timestamp"),
])
async def test_a_stale_forged_or_unsigned_event_gets_401_and_changes_nothing(gateway, services, rma, age,
                                                                            secret_used, drop):
    client, _, secret = gateway
    body, headers = signed(secret, {"event_id": "e1", "rma": rma.rma_id, "status": "received"}, age, secret_used)
    headers.pop(drop, None)
    response = await client.post("/webhooks/returns", data=body, headers=headers)
    assert response.status == 401
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.LABEL_CREATED


@pytest.mark.parametrize("event, status, error", [
    ({"event_id": "e", "rma": "RMA-NOTREAL", "status": "received"}, 400, "rma"),
    ({"event_id": "e", "rma": "{rma}", "status": "lost"}, 400, "status"),
    ({"rma": "{rma}", "status": "received"}, 400, "event_id"),
    ({"event_id": "e", "rma": "{rma}", "status": "received", "at": "yesterday"}, 400, "at"),
    ({"event_id": "e", "rma": "RMA-0000000000", "status": "received"}, 404, "no return"),
    ({"event_id": "e", "rma": "{rma}", "status": "authorised"}, 409, "cannot go back"),
])
async def test_a_bad_event_gets_a_clear_error_and_changes_nothing(gateway, services, rma, event, status, error):
    from bot.ids import new_rma_id

    client, _, secret = gateway
    event = {k: (v.format(rma=rma.rma_id) if isinstance(v, str) else v) for k, v in event.items()}
    if event.get("rma") == "RMA-0000000000":
        event["rma"] = new_rma_id()  # well formed, unknown
    body, headers = signed(secret, event)
    response = await client.post("/webhooks/returns", data=body, headers=headers)
    assert response.status == status and error in (await response.json())["error"]
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.LABEL_CREATED


# -- notices ------------------------------------------------------------------------------------------
async def test_updates_from_the_cli_and_the_webhook_reach_the_telegram_customer_once(gateway, services, rma,
                                                                                     fake_telegram, monkeypatch):
    from cli.main import main

    client, notifier, secret = gateway
    notifier.run_once()  # what was there before (the RMA's creation) is not news
    monkeypatch.setenv("RETURNBOT_VAR_DIR", str(services.settings.var_dir))
    monkeypatch.setenv("RETURNBOT_SECRET", services.settings.secret)
    args = ["returns", "update", rma.rma_id, "--status", "received", "--event-id", "dock-1"]
    assert main(args) == 0 and main(args) == 0  # the merchant, and a retry of the same event
    body, headers = signed(secret, {"event_id": "pay-9", "rma": rma.rma_id, "status": "refunded"})
    assert (await client.post("/webhooks/returns", data=body, headers=headers)).status == 200
    body, headers = signed(secret, {"event_id": "pay-9", "rma": rma.rma_id, "status": "refunded"})
    assert (await client.post("/webhooks/returns", data=body, headers=headers)).status == 200

    assert notifier.run_once() == 2 and notifier.run_once() == 0
    await eventually(lambda: len(told(fake_telegram)) == 2)
    received, refunded = told(fake_telegram)
    assert rma.rma_id in received and "arrived back with us" in received
    assert "refunded 14.99 USD" in refunded and "3-5 business days" in refunded and "stop updates" in refunded


async def test_a_customer_who_said_stop_updates_hears_nothing(gateway, services, rma, fake_telegram):
    client, notifier, secret = gateway
    notifier.run_once()
    services.updates.opt_out(f"telegram:{CHAT}")
    services.updates.record(rma.rma_id, RmaStatus.RECEIVED, event_id="d2")
    assert notifier.run_once() == 0
    assert told(fake_telegram) == []


def test_a_refund_notice_says_the_policys_bank_days(services, rma):
    """One fact, one source: the notice says policy.yml's bank_days, as the chat and the portal do."""
    from bot.return_updates import ReturnUpdates

    updates = ReturnUpdates(services.store, services.returns.policy.ship_back_days, services.returns.slip_url_for,
                            services.returns.clock, bank_days="2-4")
    for notice in updates.due():  # the RMA's creation is not news
        updates.done(notice)
    updates.record(rma.rma_id, RmaStatus.REFUNDED, event_id="bank-1")
    [notice] = updates.due()
    assert "within 2-4 business days" in notice.text
