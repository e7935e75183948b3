"""The merchant's command line: help everywhere, idempotent import with clear errors, lookups."""
from __future__ import annotations

import json

import pytest

from cli.main import main, parser

SUBCOMMANDS = [["run"], ["train"], ["import-orders"], ["returns"], ["returns", "list"], ["returns", "update"],
               ["orders"], ["orders", "show"], ["handoffs"], ["handoffs", "list"], []]


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("RETURNBOT_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RETURNBOT_SECRET", "test-secret")
    monkeypatch.delenv("RETURNBOT_DATABASE_URL", raising=False)
    return tmp_path


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=lambda w: " ".join(w) or "returnbot")
def test_every_subcommand_has_help(words, capsys):
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args([*words, "--help"])
    assert exit_.value.code == 0 and "usage: returnbot" in capsys.readouterr().out


ORDER = {
    "order_id": "#5001", "channel": "shopify", "fulfillment": "merchant",
    "customer": {"email": "Zoe@Example.com", "name": "Zoe", "postcode": "10115", "country": "DE"},
    "placed_at": "2026-11-01T10:00:00+01:00", "status": "delivered", "shipped_at": "2026-11-02T10:00:00+01:00",
    "delivered_at": "2026-11-04T10:00:00+01:00", "carrier": "DHL", "tracking_number": "1234567890",
    "currency": "EUR", "lines": [{"line_id": "L1", "sku": "CUP", "title": "Cup", "category": "home",
                                      "quantity": 2, "unit_price": "9.50", "returned_quantity": 0}]}


def test_import_is_idempotent(env, capsys):
    orders = env / "orders.json"
    orders.write_text(json.dumps({"orders": [ORDER]}))
    assert main(["import-orders", str(orders)]) == 0
    assert main(["import-orders", str(orders)]) == 0
    out = capsys.readouterr().out
    assert "1 new, 0 updated" in out and "0 new, 1 updated" in out
    assert main(["orders", "show", "#5001", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["customer"]["email"] == "zoe@example.com" and shown["lines"][0]["unit_price"] == "9.50"


def test_a_bad_file_is_rejected_whole_naming_record_and_field(env, capsys):
    bad = env / "bad.json"
    bad.write_text(json.dumps({"orders": [ORDER, dict(ORDER, order_id="#5002", channel="fax")]}))
    assert main(["import-orders", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "#5002" in err and "channel" in err and "fax" in err and "nothing was imported" in err
    assert main(["returns", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_unknown_order_and_bad_rma_number_are_clear_errors(env, capsys):
    assert main(["orders", "show", "114-0000000-0000000"]) == 1
    assert main(["returns", "update", "RMA-NOTREAL", "--status", "received"]) == 2
    err = capsys.readouterr().err
    assert "no order 114-0000000-0000000" in err and "not a valid RMA number" in err
