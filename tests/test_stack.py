"""The running stack (Rasa server, action server, gateway) driven over HTTP as the web chat does:
every outcome a customer can reach, and a full return whose slip downloads and which is never
issued twice. Slow (it trains the model if needed and starts three processes): marked `stack`."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import httpx
import pytest

from bot.ids import RMA_IN_TEXT
from bot.settings import ROOT
from tests.web_customer import Customer

pytestmark = pytest.mark.stack


def test_full_return_issues_one_rma_with_a_downloadable_slip(stack):
    alice = Customer(stack)
    answer = alice.say("hi, I want to return the running shoes from order 114-3941689-8772232")
    assert "/returns" in answer and "email" in answer.lower()
    assert "reason" in alice.say("alice.martin@example.com").lower()  # the shoes were named: not asked again
    alice.press("Too small")
    answer = alice.press("Refund")
    rma = RMA_IN_TEXT.search(answer).group(0)
    slip_url = re.search(r"http://\S+/slip\.pdf\?t=\w+", answer).group(0)
    slip = httpx.get(slip_url.replace("localhost", "127.0.0.1"), timeout=30)
    assert slip.status_code == 200 and slip.content.startswith(b"%PDF") and rma.encode() in slip.content

    answer = alice.say("I'd like to return the running shoes from order 114-3941689-8772232 please")
    assert "already have a return" in answer and rma in answer
    listed = subprocess.run([sys.executable, "-m", "cli.main", "returns", "list", "--json"], cwd=ROOT,
                            env=stack.env(), capture_output=True, text=True, check=True)
    assert [r["rma_id"] for r in json.loads(listed.stdout)
            if r["order_id"] == "114-3941689-8772232" and r["line_id"] == "L1"] == [rma]


@pytest.mark.parametrize("turns, expected", [
    pytest.param(["where is my order #1002", "chloe.dubois@example.fr"], ["on its way", "DHL", "dhl.com"], id="tracking"),
    pytest.param(["I want a refund for order #2142", "59000", "/inform{\"return_reason\":\"changed_mind\"}"],
                 ["don't need to send", "refunded"], id="returnless"),  # an order no other stack test returns
    pytest.param(["return my keyboard, order 113-5550123-4567890", "94107"], ["Amazon"], id="fba"),
    pytest.param(["i want to return order 12-34567-89012", "SW1A 1AA"], ["return window", "closed"],
                 id="window-closed"),
    pytest.param(["I need to return a dress, order 114-7777777-0000001", "sam.serial@example.com",
                  "/inform{\"return_reason\":\"too_large\"}"], ["team needs to look", "case number"], id="fraud-review"),
    pytest.param(["my vase arrived broken, order #1004", "M5V 2T6"], ["sorry", "replacement", "RMA-"], id="damage"),
    pytest.param(["please cancel order #1003", "chloe.dubois@example.fr", "yes"], ["is cancelled"], id="cancel"),
    pytest.param(["where is my refund for order 27-11111-22222", "dan.lee@example.com"], ["no return"], id="refund-status"),
    pytest.param(["track order #1002", "wrong@example.com"], ["couldn't find an order"], id="wrong-proof"),
    pytest.param(["can I talk to a human"], ["member of our team"], id="human"),
    pytest.param(["hello"], ["returns assistant"], id="greet"),
])
def test_each_outcome_in_the_chat(stack, turns, expected):
    customer = Customer(stack)
    answer = ""
    for turn in turns:
        answer = customer.say(turn)
    for part in expected:
        assert part.lower() in answer.lower(), (turns, answer)
