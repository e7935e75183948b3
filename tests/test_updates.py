"""A return's lifecycle events and the notices customers get about them (bot/return_updates.py), over the
demo store: once per event id, no moving back, nobody told twice or about history, opting out."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.models import Resolution, ReturnReason, RmaStatus
from bot.return_updates import RefusedUpdate, UnknownRma
from tests.builders import NOW
from tests.stores import demo_store, services_over

ALICE_ORDER, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"
ON_BOTH = pytest.mark.parametrize("services", ["memory", "sqlite"], indirect=True)  # the fake, and SQL


@pytest.fixture
def services(request, settings, tmp_path):
    """The demo store in memory or on SQLite (the default: the command line reads the same database)."""
    store, close = demo_store(request, getattr(request, "param", "sqlite"), settings.var_dir)
    yield services_over(store, settings)
    close()


def alice_rma(services, conversation="telegram:77"):
    returns = services.returns
    assert returns.verify(conversation, ALICE_ORDER, ALICE_EMAIL).verified
    return returns.request_return(conversation, ALICE_ORDER, "L2", ReturnReason.TOO_SMALL, Resolution.REFUND).rma


@ON_BOTH
def test_an_event_is_applied_once_per_event_id_and_a_refund_recorded_once(services):
    rma = alice_rma(services)
    updates = services.updates
    first = updates.record(rma.rma_id, RmaStatus.REFUNDED, event_id="wh-1", source="warehouse")
    again = updates.record(rma.rma_id, RmaStatus.REFUNDED, event_id="wh-1", source="warehouse")
    assert (first.applied, again.applied) == (True, False) and again.rma.status is RmaStatus.REFUNDED
    assert [e.status for e in services.store.rma_events(rma.rma_id)] == [RmaStatus.LABEL_CREATED, RmaStatus.REFUNDED]
    assert services.store.refund_count(rma.rma_id) == 1


@ON_BOTH
def test_a_finished_return_does_not_move_and_a_return_does_not_go_back(services):
    rma = alice_rma(services)
    updates = services.updates
    updates.record(rma.rma_id, RmaStatus.RECEIVED, event_id="1")
    with pytest.raises(RefusedUpdate, match="cannot go back to in_transit"):
        updates.record(rma.rma_id, RmaStatus.IN_TRANSIT, event_id="2")
    updates.record(rma.rma_id, RmaStatus.REFUNDED, event_id="3")
    with pytest.raises(RefusedUpdate, match="refunded already"):
        updates.record(rma.rma_id, RmaStatus.REJECTED, event_id="4")
    with pytest.raises(UnknownRma):
        updates.record("RMA-0000000000", RmaStatus.RECEIVED, event_id="5")
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.REFUNDED


@ON_BOTH
def test_notices_start_from_now_and_skip_the_creation_the_chat_already_told(services):
    updates = services.updates
    assert updates.due() == []  # the first look fixes the cursor: history is never replayed
    rma = alice_rma(services)
    assert [n.text for n in updates.due()] == [""]  # the RMA's creation: nothing to tell
    updates.done(updates.due()[0])
    updates.record(rma.rma_id, RmaStatus.IN_TRANSIT, event_id="t1", source="carrier")
    updates.record(rma.rma_id, RmaStatus.REFUNDED, event_id="r1", source="warehouse",
                   at=NOW + timedelta(days=3))
    in_transit, refunded = updates.due()
    assert in_transit.conversation_id == "telegram:77" and in_transit.key != refunded.key
    assert "on its way back to us" in in_transit.text and rma.rma_id in in_transit.text
    assert "refunded 14.99 USD on 23 November 2026" in refunded.text and "3-5 business days" in refunded.text
    assert "stop updates" in refunded.text
    updates.done(refunded)
    assert updates.due() == []


@ON_BOTH
def test_the_customer_is_told_where_they_wrote_last(services):
    rma = alice_rma(services, conversation="telegram:77")
    services.store.append_message("telegram:77", "in", {"text": "hi"}, NOW)
    assert services.returns.verify("web:later", ALICE_ORDER, "94107").verified
    services.store.append_message("web:later", "in", {"text": "hello again"}, NOW + timedelta(hours=1))
    updates = services.updates
    updates.due()
    updates.record(rma.rma_id, RmaStatus.RECEIVED, event_id="x")
    [notice] = [n for n in updates.due() if n.text]
    assert notice.conversation_id == "web:later"


@ON_BOTH
def test_stop_updates_silences_the_customer_on_every_chat_that_proved_the_order(services):
    rma = alice_rma(services, conversation="telegram:77")
    assert services.returns.verify("web:other", ALICE_ORDER, ALICE_EMAIL).verified
    updates = services.updates
    updates.opt_out("web:other")  # by email: the same customer on Telegram is not told either
    updates.due()
    updates.record(rma.rma_id, RmaStatus.RECEIVED, event_id="y")
    [notice] = [n for n in updates.due() if n.text]
    assert notice.conversation_id is None
    updates.opt_in("web:other")
    assert not updates.opted_out("telegram:77")


def test_returns_update_on_the_command_line_applies_an_event_id_once(services, monkeypatch, capsys):
    from cli.main import main

    rma = alice_rma(services)
    monkeypatch.setenv("RETURNBOT_VAR_DIR", str(services.settings.var_dir))
    monkeypatch.setenv("RETURNBOT_SECRET", services.settings.secret)
    args = ["returns", "update", rma.rma_id, "--status", "received", "--event-id", "scan-1"]
    assert main(args) == 0 and main(args) == 0
    out = capsys.readouterr().out
    assert f"{rma.rma_id}: received\n" in out and "recorded before: nothing changed" in out
    assert main(["returns", "update", rma.rma_id, "--status", "in_transit"]) == 1
    assert "cannot go back to in_transit" in capsys.readouterr().err
    assert [e.status for e in services.store.rma_events(rma.rma_id)][-1] is RmaStatus.RECEIVED
