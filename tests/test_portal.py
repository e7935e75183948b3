"""The self-service returns portal: `ReturnsService.line_options` on the demo store, and the portal's
page and JSON API served by the real gateway over real services (Rasa is a fake: the portal never
asks it). One browser's portal and chat are one conversation: shared verification, lockout and returns."""
from __future__ import annotations

import asyncio
import html
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from bot.models import Ineligibility, Outcome, Resolution, ReturnReason, RmaStatus
from bot.services import MAX_FAILED_VERIFICATIONS, NotVerified
from bot.sql.outbox import SqlOutbox
from channels.gateway import build_gateway
from channels.web.app import COOKIE_NAME
from channels.web.portal import MAX_PORTAL_BODY_BYTES
from tests.fakes import FakeRasa

ALICE, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"
FBA, BEN, CHLOE, SAM, ERIN, DAN = ("113-5550123-4567890", "12-34567-89012", "#1001", "114-7777777-0000001",
                                   "#1004", "27-11111-22222")
CHAT = "web:chat-elsewhere"
ALL_REASONS = ["too_small", "too_large", "not_as_described", "damaged", "wrong_item", "changed_mind"]
SENT_BACK = ["refund", "exchange", "store_credit"]


# -- the service: what the policy allows for each line ------------------------------------------------
def options(services, order_id, proof, conversation=CHAT):
    assert services.returns.verify(conversation, order_id, proof).verified
    return {o.line.line_id: o for o in services.returns.line_options(conversation, order_id)}


def test_line_options_need_a_verified_conversation(services):
    with pytest.raises(NotVerified):
        services.returns.line_options(CHAT, ALICE)
    services.returns.verify("web:someone-else", ALICE, ALICE_EMAIL)
    with pytest.raises(NotVerified):
        services.returns.line_options(CHAT, ALICE)


@pytest.mark.parametrize("order_id, proof, line_id, outcome, why_not, return_by, resolutions, if_damaged", [
    (ALICE, "94107", "L1", Outcome.RMA, None, "2026-12-15", SENT_BACK, Outcome.DAMAGE_REPLACEMENT),
    (ALICE, "94107", "L2", Outcome.RMA, None, "2026-12-15", SENT_BACK, Outcome.DAMAGE_REPLACEMENT),
    (FBA, ALICE_EMAIL, "L1", Outcome.AMAZON_FBA, None, None, [], None),
    (BEN, "SW1A 1AA", "L1", Outcome.NOT_ELIGIBLE, Ineligibility.WINDOW_CLOSED, "2026-11-05", [], None),
    (CHLOE, "75011", "L1", Outcome.RETURNLESS_REFUND, None, None, ["refund"], Outcome.DAMAGE_REPLACEMENT),
    ("#1002", "75011", "L1", Outcome.NOT_ELIGIBLE, Ineligibility.NOT_DELIVERED, None, [], None),
    (SAM, "sam.serial@example.com", "L1", Outcome.FRAUD_REVIEW, None, "2026-12-16", [], None),
    (ERIN, "M5V 2T6", "L1", Outcome.RMA, None, "2026-12-19", SENT_BACK, Outcome.DAMAGE_REPLACEMENT),
    (DAN, "60614", "L1", Outcome.RMA, None, "2026-12-14", SENT_BACK, Outcome.DAMAGE_REPLACEMENT),
    (DAN, "60614", "L2", Outcome.NOT_ELIGIBLE, Ineligibility.NON_RETURNABLE_CATEGORY, "2026-12-14", [],
     Outcome.DAMAGE_REPLACEMENT),
])
def test_line_options_say_what_the_policy_allows_for_each_demo_line(services, order_id, proof, line_id, outcome,
                                                                     why_not, return_by, resolutions, if_damaged):
    option = options(services, order_id, proof)[line_id]
    assert (option.outcome, option.why_not) == (outcome, why_not)
    assert (option.return_by.date().isoformat() if option.return_by else None) == return_by
    assert [r.value for r in option.allowed_resolutions] == resolutions
    assert (option.if_damaged.outcome if option.if_damaged else None) == if_damaged
    assert option.reason_matters is (if_damaged is not None)
    assert option.existing_rma is None and option.quantity == 1
    assert services.store.list_rmas() == [] and services.returns.handoffs.list() == []


def test_a_line_with_a_return_shows_it_instead_of_the_policy(services):
    returns = services.returns
    options(services, ALICE, ALICE_EMAIL)
    rma = returns.request_return(CHAT, ALICE, "L1", ReturnReason.TOO_SMALL, Resolution.EXCHANGE).rma
    shoes, socks = options(services, ALICE, ALICE_EMAIL).values()
    assert shoes.existing_rma == rma and shoes.outcome is Outcome.RMA and not shoes.reason_matters
    assert socks.existing_rma is None and socks.outcome is Outcome.RMA


def test_a_cancelled_order_is_not_returnable(services):
    option, = options(services, "#1109", "emilia.becker@example.de").values()
    assert (option.outcome, option.why_not) == (Outcome.NOT_ELIGIBLE, Ineligibility.CANCELLED)


def test_the_options_match_what_a_request_would_decide(services):
    for order_id, proof in [(ALICE, "94107"), (BEN, "SW1A 1AA"), (CHLOE, "75011"), (DAN, "60614"), (FBA, "94107")]:
        for line_id, option in options(services, order_id, proof).items():
            for reason in (ReturnReason.CHANGED_MIND, ReturnReason.DAMAGED):
                preview = services.returns.preview_return(CHAT, order_id, line_id, reason)
                damaged = reason is ReturnReason.DAMAGED and option.if_damaged
                expected = option.if_damaged if damaged else option.decision
                assert (preview.outcome, preview.ineligible, preview.allowed_resolutions) == \
                    (expected.outcome, expected.ineligible, expected.allowed_resolutions), (order_id, line_id, reason)


# -- the portal over HTTP ---------------------------------------------------------------------------
class Browser:
    """One visitor with their own cookie jar, hence their own session and conversation."""

    def __init__(self, server: TestServer) -> None:
        self.http = aiohttp.ClientSession(base_url=server.make_url(""), cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def start(self) -> "Browser":
        async with self.http.post("/api/session") as resp:
            assert resp.status == 200
        return self

    @property
    def conversation(self) -> str:
        cookie = next(morsel.value for morsel in self.http.cookie_jar if morsel.key == COOKIE_NAME)
        return f"web:{cookie.partition('.')[0]}"

    async def call(self, method: str, path: str, **kwargs) -> tuple[int, dict]:
        async with self.http.request(method, path, **kwargs) as resp:
            return resp.status, await resp.json()

    async def verify(self, order_id: str, proof: str) -> tuple[int, dict]:
        return await self.call("POST", "/api/portal/verify", json={"order_id": order_id, "proof": proof})

    async def order(self, order_id: str) -> tuple[int, dict]:
        return await self.call("GET", "/api/portal/order", params={"order_id": order_id})

    async def items(self, order_id: str) -> dict[str, dict]:
        status, body = await self.order(order_id)
        assert status == 200, body
        return {item["line_id"]: item for item in body["items"]}

    async def submit(self, order_id: str, *items: dict) -> tuple[int, dict]:
        return await self.call("POST", "/api/portal/returns", json={"order_id": order_id, "items": list(items)})

    async def close(self) -> None:
        await self.http.close()


@pytest_asyncio.fixture
async def server(settings, services):
    app = build_gateway(settings, services, FakeRasa().client())
    async with TestServer(app) as server:
        yield server


@pytest_asyncio.fixture
async def browsers(server):
    opened: list[Browser] = []

    async def open_one() -> Browser:
        opened.append(await Browser(server).start())
        return opened[-1]

    yield open_one
    for browser in opened:
        await browser.close()


@pytest_asyncio.fixture
async def alice(browsers) -> Browser:
    browser = await browsers()
    assert (await browser.verify(ALICE, ALICE_EMAIL))[0] == 200
    return browser


def item(line_id: str, reason: str | None = "too_small", resolution: str | None = "refund", **extra) -> dict:
    return {"line_id": line_id, "reason": reason, "resolution": resolution, **extra}


async def test_the_portal_page_is_served_like_the_chat_page_with_the_shop_name_escaped(services, tmp_path):
    from tests.conftest import test_settings

    settings = test_settings(tmp_path / "other", RETURNBOT_SHOP_NAME="Bob's <Bikes> & Co")
    async with TestServer(build_gateway(settings, services, FakeRasa().client())) as server, \
            aiohttp.ClientSession(base_url=server.make_url("")) as http:
        async with http.get("/returns", allow_redirects=False) as resp:
            page = await resp.text()
            assert resp.status == 200 and resp.content_type == "text/html"
            assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
            assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
        assert "Bob&#x27;s &lt;Bikes&gt; &amp; Co" in page and "<Bikes>" not in page
        assert 'name="viewport"' in page and 'role="alert"' in page and 'aria-live="polite"' in page
        assert "<script>" not in page and "style=" not in page and "onclick" not in page  # the CSP allows none
        assert 'href="/">Chat with us</a>' in page
        words = json.loads(html.unescape(re.search(r'<body data-words="([^"]*)">', page).group(1)))
        assert words["choose_reason"] == "Choose why you're returning {title}."  # the page fills in the item
        assert words["enter_order"] == "Enter your order number."  # the same words the API answers with
        for asset, kind in (("/static/portal.js", "javascript"), ("/static/portal.css", "css")):
            assert f'"{asset}"' in page
            async with http.get(asset) as resp:
                assert resp.status == 200 and kind in resp.content_type
                assert resp.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/portal/verify", {"order_id": ALICE, "proof": ALICE_EMAIL}),
    ("GET", "/api/portal/order?order_id=114-3941689-8772232", None),
    ("POST", "/api/portal/returns", {"order_id": ALICE, "items": [item("L1")]}),
])
async def test_every_portal_call_needs_a_session_cookie_the_gateway_signed(server, services, method, path, body):
    async with aiohttp.ClientSession(base_url=server.make_url(""), cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        for cookies in ({}, {COOKIE_NAME: "my-own-id.not-a-signature"}):
            http.cookie_jar.update_cookies(cookies)
            async with http.request(method, path, json=body) as resp:
                assert resp.status == 401
                assert "session" in (await resp.json())["error"]
    assert services.store.list_rmas() == []


async def test_the_right_email_or_postcode_verifies_and_the_order_number_is_read_like_the_chat_reads_it(browsers,
                                                                                                   services):
    browser = await browsers()
    assert await browser.verify("1001", "75011") == (200, {"verified": True, "order_id": "#1001"})
    assert await browser.verify(" 114 3941689 8772232 ", "Alice.Martin@Example.com") == (
        200, {"verified": True, "order_id": ALICE})
    assert services.store.is_verified(browser.conversation, ALICE)  # the chat of this browser is verified too


async def test_a_wrong_pair_and_an_unknown_order_get_the_same_answer(browsers):
    browser = await browsers()
    wrong_email = await browser.verify(ALICE, "someone@example.com")
    wrong_postcode = await browser.verify(ALICE, "10001")
    unknown = await browser.verify("114-0000000-0000000", ALICE_EMAIL)
    someone_elses = await browser.verify(CHLOE, ALICE_EMAIL)
    assert wrong_email == wrong_postcode == unknown == someone_elses
    status, body = wrong_email
    assert status == 403 and body["verified"] is False and "couldn't find an order" in body["error"]
    assert "field" not in body  # which one is wrong is not said


async def test_after_too_many_failures_the_portal_says_so_and_offers_the_chat(browsers, services):
    browser = await browsers()
    answers = [await browser.verify(ALICE, "wrong@example.com") for _ in range(MAX_FAILED_VERIFICATIONS)]
    assert [status for status, _ in answers] == [403] * (MAX_FAILED_VERIFICATIONS - 1) + [423]

    status, body = await browser.verify(ALICE, ALICE_EMAIL)  # even the right proof, for a while
    assert status == 423 and body["locked"] is True and body["chat_url"] == "/"
    assert "For your security" in body["error"] and "chat" in body["error"]
    assert (await browser.order(ALICE))[0] == 403
    assert services.returns.is_locked(browser.conversation, ALICE)  # the chat of this browser is locked too


async def test_failures_in_the_chat_count_towards_the_portals_lockout(browsers, services):
    browser = await browsers()
    for _ in range(MAX_FAILED_VERIFICATIONS):
        services.returns.verify(browser.conversation, "#1001", "00000")  # the chat of this browser
    status, body = await browser.verify(ALICE, ALICE_EMAIL)
    assert status == 423 and body["locked"] is True


async def test_an_order_verified_in_this_browsers_chat_opens_in_the_portal(browsers, services):
    browser = await browsers()
    assert services.returns.verify(browser.conversation, ALICE, "94107").verified  # said in the chat
    assert list(await browser.items(ALICE)) == ["L1", "L2"]


@pytest.mark.parametrize("order_id", [ALICE, "114-0000000-0000000"])
async def test_no_order_data_without_verification(browsers, services, order_id):
    browser = await browsers()
    assert (await browser.verify(order_id, "wrong@example.com"))[0] == 403
    status, body = await browser.order(order_id)
    assert status == 403 and set(body) == {"error", "field", "verified"}
    status, body = await browser.submit(order_id, item("L1"))
    assert status == 403 and "items" not in body and "results" not in body
    assert services.store.list_rmas() == []


async def test_another_session_cannot_read_or_return_an_order_this_one_verified(alice, browsers, services):
    assert (await alice.order(ALICE))[0] == 200
    other = await browsers()
    assert (await other.order(ALICE))[0] == 403
    assert (await other.submit(ALICE, item("L1")))[0] == 403
    assert services.store.list_rmas() == []


SLIP_NOTE = "You'll get a return number and a slip to print; send it back within 14 days."


async def test_the_order_lists_each_item_with_what_the_page_may_offer(alice):
    status, body = await alice.order(ALICE)
    assert status == 200 and body["order_id"] == ALICE and body["ship_back_days"] == 14
    shoes = body["items"][0]
    assert shoes == {
        "line_id": "L1", "title": "Trail running shoes", "sku": "SHOE-RUN-42", "quantity": 1, "return_quantity": 1,
        "max_quantity": 1, "category": "shoes", "outcome": "rma", "why_not": None, "return_by": "15 December 2026",
        "refund": "89.99 USD", "resolutions": SENT_BACK, "reasons": ALL_REASONS,
        "if_damaged": {"outcome": "damage_replacement", "resolutions": ["replacement", "refund"]},
        "amazon_returns_url": None, "rma": None, "why_not_text": None, "amazon_text": None,
        "choices": {reason: {"outcome": "rma", "resolutions": SENT_BACK, "note": SLIP_NOTE, "note_some": None}
                    for reason in ALL_REASONS if reason != "damaged"}
        | {"damaged": {"outcome": "damage_replacement", "resolutions": ["replacement", "refund"], "note_some": None,
                       "note": "We're sorry. Our team checks damage claims, usually within one business day, "
                               "and replies in the chat."}},
        "summary": [{"text": "Returnable", "strong": True},
                    {"text": " until 15 December 2026 (refund, exchange, store credit)."}],
        "partial_text": None}
    assert body["labels"] == {
        "reasons": {"too_small": "Too small", "too_large": "Too large", "not_as_described": "Not as described",
                    "damaged": "Arrived damaged", "wrong_item": "Wrong item sent", "changed_mind": "Changed my mind"},
        "resolutions": {"refund": "Refund", "exchange": "Exchange", "store_credit": "Store credit",
                        "replacement": "Replacement"}}


@pytest.mark.parametrize("order_id, proof, expected", [
    (FBA, "94107", {"L1": ("amazon_fba", None, [])}),
    (BEN, "SW1A 1AA", {"L1": ("not_eligible", "window_closed", [])}),
    (CHLOE, "75011", {"L1": ("returnless_refund", None, ALL_REASONS)}),
    ("#1003", "75011", {"L1": ("not_eligible", "not_delivered", [])}),
    (SAM, "sam.serial@example.com", {"L1": ("fraud_review", None, ALL_REASONS)}),
    (ERIN, "M5V 2T6", {"L1": ("rma", None, ALL_REASONS)}),
    (DAN, "dan.lee@example.com", {"L1": ("rma", None, ALL_REASONS),
                                  "L2": ("not_eligible", "non_returnable_category", ["damaged"])}),
])
async def test_each_demo_order_shows_what_its_items_allow(browsers, order_id, proof, expected):
    browser = await browsers()
    assert (await browser.verify(order_id, proof))[0] == 200
    items = await browser.items(order_id)
    assert {line_id: (i["outcome"], i["why_not"], i["reasons"]) for line_id, i in items.items()} == expected
    if order_id == FBA:
        assert items["L1"]["amazon_returns_url"] == "https://www.amazon.com/returns"
    if order_id == BEN:
        assert items["L1"]["return_by"] == "5 November 2026"
    if order_id == DAN:
        assert items["L2"]["category"] == "gift card"


async def test_returning_two_items_gives_two_rmas_with_slips_the_gateway_serves(alice, services):
    status, body = await alice.submit(ALICE, item("L1", "too_small", "exchange"), item("L2", "changed_mind", "refund"))

    assert status == 200
    shoes, socks = body["results"]
    for result, resolution in ((shoes, "exchange"), (socks, "refund")):
        assert (result["outcome"], result["created"], result["case_id"]) == ("rma", True, None)
        rma = result["rma"]
        assert rma["rma_id"].startswith("RMA-") and rma["status"] == "label_created"
        assert rma["resolution"] == resolution and rma["ship_by"] == "4 December 2026"
        token = services.returns.slip_token(rma["rma_id"])
        assert rma["slip_url"] == f"http://localhost:8000/returns/{rma['rma_id']}/slip.pdf?t={token}"
        async with alice.http.get(rma["slip_url"].removeprefix("http://localhost:8000")) as slip:
            assert slip.status == 200 and (await slip.read()).startswith(b"%PDF")
    assert shoes["rma"]["next"] == "We'll send your exchange as soon as it arrives back with us."
    stored = services.store.list_rmas()
    assert len(stored) == 2 and {r.conversation_id for r in stored} == {alice.conversation}
    # the chat of this browser, and the chat anywhere once verified, see them
    assert {r.rma_id for r in services.returns.rmas_for_order(alice.conversation, ALICE)} == \
        {shoes["rma"]["rma_id"], socks["rma"]["rma_id"]}
    assert services.returns.verify(CHAT, ALICE, ALICE_EMAIL).verified
    assert len(services.returns.rmas_for_order(CHAT, ALICE)) == 2
    items = await alice.items(ALICE)
    assert items["L1"]["rma"]["rma_id"] == shoes["rma"]["rma_id"] and items["L1"]["reasons"] == []


async def test_submitting_twice_returns_the_same_rma(alice, services):
    first = await alice.submit(ALICE, item("L1"))
    again = await alice.submit(ALICE, item("L1", "changed_mind", "store_credit"))
    assert first[0] == again[0] == 200
    assert first[1]["results"][0]["rma"]["rma_id"] == again[1]["results"][0]["rma"]["rma_id"]
    assert (first[1]["results"][0]["created"], again[1]["results"][0]["created"]) == (True, False)
    assert again[1]["results"][0]["rma"]["resolution"] == "refund"  # the first request stands
    assert len(services.store.list_rmas()) == 1


async def test_concurrent_submits_from_one_browser_and_from_another_make_one_rma_per_line(alice, browsers, services):
    other = await browsers()
    assert (await other.verify(ALICE, "94107"))[0] == 200
    answers = await asyncio.gather(*(browser.submit(ALICE, item("L1"), item("L2", "too_large", "exchange"))
                                     for browser in [alice, other] * 6))
    assert {status for status, _ in answers} == {200}
    rma_ids = {tuple(r["rma"]["rma_id"] for r in body["results"]) for _, body in answers}
    assert len(rma_ids) == 1
    assert sum(r["created"] for _, body in answers for r in body["results"]) == 2
    assert sorted(r.line_id for r in services.store.list_rmas()) == ["L1", "L2"]


async def test_a_line_returned_in_the_chat_shows_its_rma_and_the_portal_gives_the_same_one(alice, services):
    services.returns.verify(CHAT, ALICE, ALICE_EMAIL)
    chat_rma = services.returns.request_return(CHAT, ALICE, "L2", ReturnReason.TOO_LARGE, Resolution.REFUND).rma

    items = await alice.items(ALICE)
    socks = items["L2"]
    assert socks["rma"]["rma_id"] == chat_rma.rma_id and socks["rma"]["status"] == "label_created"
    assert socks["rma"]["slip_url"].endswith(f"?t={services.returns.slip_token(chat_rma.rma_id)}")
    assert socks["reasons"] == [] and items["L1"]["rma"] is None

    status, body = await alice.submit(ALICE, item("L1"), item("L2"))
    assert status == 200
    assert [(r["created"], r["rma"]["rma_id"] == chat_rma.rma_id) for r in body["results"]] == [(True, False),
                                                                                                (False, True)]
    assert len(services.store.list_rmas()) == 2


async def test_a_cheap_item_is_refunded_without_a_return_and_without_a_slip(browsers, services):
    browser = await browsers()
    await browser.verify(CHLOE, "chloe.dubois@example.fr")
    status, body = await browser.submit(CHLOE, item("L1", "changed_mind", None))
    result = body["results"][0]
    assert status == 200 and result["outcome"] == "returnless_refund"
    assert result["rma"]["status"] == "refunded" and result["rma"]["slip_url"] is None
    assert result["rma"]["refund"] == "4.99 EUR" and result["rma"]["refunded_on"] == "20 November 2026"
    assert services.store.refund_count(result["rma"]["rma_id"]) == 1


async def test_a_damaged_item_gets_a_replacement_under_review_with_a_case_number(browsers, services):
    browser = await browsers()
    await browser.verify(ERIN, "m5v2t6")
    status, body = await browser.submit(ERIN, item("L1", "damaged", "replacement"))
    result = body["results"][0]
    assert status == 200 and result["outcome"] == "damage_replacement"
    assert result["rma"]["status"] == "pending_review" and result["rma"]["resolution"] == "replacement"
    assert result["rma"]["slip_url"] is None
    rma_id = result["rma"]["rma_id"]
    assert result["rma"]["remedy_text"] == f"We'll send you a replacement (reference {rma_id})."
    assert result["rma"]["status_text"] == "Our team is reviewing it and will reply in the chat."
    [case] = services.returns.handoffs.list()
    assert result["case_id"] == f"#{case.handoff_id}"
    assert result["paragraphs"] == [
        [{"text": "We're so sorry it arrived damaged."}, {"text": " "},
         {"text": f"We'll send you a replacement (reference {rma_id})."}],
        [{"text": f"Our team is checking the claim (case #{case.handoff_id}) and will confirm in the "},
         {"text": "chat", "link": "chat"},
         {"text": ", usually within one business day. If you have a photo of the damage, please send it there."}]]
    assert (case.reason, case.conversation_id) == ("damage_claim", browser.conversation)  # agents reply in its chat


async def test_a_serial_returner_gets_a_case_number_and_no_rma_however_often_they_submit(browsers, services):
    browser = await browsers()
    await browser.verify(SAM, "10001")
    first = await browser.submit(SAM, item("L1", "too_large", None))
    again = await browser.submit(SAM, item("L1", "too_large", None))
    for status, body in (first, again):
        result = body["results"][0]
        assert status == 200 and result["outcome"] == "fraud_review" and result["rma"] is None
    assert first[1]["results"][0]["case_id"] == again[1]["results"][0]["case_id"]
    assert services.store.list_rmas() == []
    assert [h.reason for h in services.returns.handoffs.list()] == ["fraud_review"]


async def test_an_amazon_order_gets_amazons_path_and_no_rma(alice, services):
    await alice.verify(FBA, ALICE_EMAIL)
    status, body = await alice.submit(FBA, {"line_id": "L1"})
    result = body["results"][0]
    assert status == 200 and (result["outcome"], result["rma"]) == ("amazon_fba", None)
    assert result["amazon_returns_url"] == "https://www.amazon.com/returns"
    assert result["amazon_text"].startswith("On Amazon, open Your Orders")
    assert services.store.list_rmas() == []


async def test_a_gift_card_can_only_be_reported_damaged(browsers, services):
    browser = await browsers()
    await browser.verify(DAN, "60614")
    status, body = await browser.submit(DAN, item("L2", "changed_mind", None))
    assert status == 200
    assert (body["results"][0]["outcome"], body["results"][0]["why_not"]) == ("not_eligible", "non_returnable_category")
    assert body["results"][0]["why_not_text"] == "Not returnable: items in the gift card category can't be returned."
    assert services.store.list_rmas() == []
    status, body = await browser.submit(DAN, item("L2", "damaged", "refund"))
    assert (body["results"][0]["outcome"], body["results"][0]["rma"]["resolution"]) == ("damage_replacement", "refund")


async def test_a_closed_window_says_when_it_closed_and_creates_nothing(browsers, services):
    browser = await browsers()
    await browser.verify(BEN, "sw1a 1aa")
    status, body = await browser.submit(BEN, {"line_id": "L1"})
    result = body["results"][0]
    assert status == 200 and (result["why_not"], result["return_by"]) == ("window_closed", "5 November 2026")
    assert result["why_not_text"] == "Not returnable: the return window closed on 5 November 2026."
    assert result["paragraphs"] == [[{"text": "Not returnable: the return window closed on 5 November 2026."},
                                     {"text": " "}, {"text": "Questions? "}, {"text": "Chat with us", "link": "chat"},
                                     {"text": "."}]]
    assert services.store.list_rmas() == []


@pytest.mark.parametrize("items, field, words", [
    ([], "items", "at least one item"),
    ("L1", "items", "at least one item"),
    ([item("L1"), item("L2"), item("L3")], "items", "2 item(s)"),
    (["L1"], "items[0]", "object"),
    ([item("L9")], "items[0].line_id", "not on this order"),
    ([item("L1"), item("L1")], "items[1].line_id", "chosen twice"),
    ([item("L1", None)], "items[0].reason", "why you're returning Trail running shoes"),
    ([item("L1", "bored")], "items[0].reason", "reasons offered"),
    ([item("L1", ["too_small"])], "items[0].reason", "reasons offered"),
    ([item("L1", "TOO_SMALL")], "items[0].reason", "reasons offered"),
    ([item("L1", 7)], "items[0].reason", "reasons offered"),
    ([item("L1", "too_small", ["refund"])], "items[0].resolution", "you can choose"),
    ([item("L1", "too_small", None)], "items[0].resolution", "instead of Trail running shoes"),
    ([item("L1", "too_small", "replacement")], "items[0].resolution", "refund, exchange, store credit"),
    ([item("L1", "damaged", "exchange")], "items[0].resolution", "replacement, refund"),
    ([item("L1", quantity=2)], "items[0].quantity", "from 1 to 1"),
    ([item("L1", quantity=0)], "items[0].quantity", "how many of Trail running shoes"),
    ([item("L2"), item("L1", quantity=True)], "items[1].quantity", "from 1 to 1"),
    ([item("L1", quantity="1")], "items[0].quantity", "from 1 to 1"),
])
async def test_a_request_with_a_mistake_names_the_field_and_changes_nothing(alice, services, items, field, words):
    status, body = await alice.call("POST", "/api/portal/returns", json={"order_id": ALICE, "items": items})
    assert status == 400 and body["field"] == field and words in body["error"]
    assert services.store.list_rmas() == [] and services.returns.handoffs.list() == []


TWO_MUGS = "114-0000000-0000042"


@pytest_asyncio.fixture
async def two_mugs(alice, services) -> Browser:
    """Alice's browser, verified for an order of two mugs at 40.00 each, delivered 5 days ago."""
    from decimal import Decimal

    from tests.builders import line, order

    services.store.upsert_orders([order(line(title="Mug", category="home", quantity=2, unit_price=Decimal("40.00")),
                                        order_id=TWO_MUGS)])
    assert (await alice.verify(TWO_MUGS, "94107"))[0] == 200
    return alice


async def test_the_customer_chooses_how_many_to_return_and_the_rest_goes_to_the_chat(two_mugs, services):
    mugs = (await two_mugs.items(TWO_MUGS))["L1"]
    assert (mugs["quantity"], mugs["return_quantity"], mugs["max_quantity"]) == (2, 2, 2)
    assert mugs["refund"] == "80.00 USD"

    status, body = await two_mugs.submit(TWO_MUGS, item("L1", quantity=1))
    assert status == 200
    rma = body["results"][0]["rma"]
    assert (body["results"][0]["outcome"], rma["quantity"], rma["refund"]) == ("rma", 1, "40.00 USD")
    [stored] = services.store.list_rmas()
    assert (stored.quantity, str(stored.refund)) == (1, "40.00 USD")

    # the line keeps its one return: the page shows it and offers nothing more
    mugs = (await two_mugs.items(TWO_MUGS))["L1"]
    assert mugs["rma"]["rma_id"] == rma["rma_id"] and mugs["rma"]["quantity"] == 1 and mugs["reasons"] == []
    assert mugs["max_quantity"] == 2
    status, body = await two_mugs.submit(TWO_MUGS, item("L1", quantity=1))
    assert status == 200 and body["results"][0]["created"] is False
    assert body["results"][0]["rma"]["rma_id"] == rma["rma_id"]
    assert len(services.store.list_rmas()) == 1


@pytest.mark.parametrize("quantity", [0, 3, -1, 1.5, True])
async def test_a_quantity_outside_one_to_what_is_left_names_the_field_and_changes_nothing(two_mugs, services,
                                                                                         quantity):
    status, body = await two_mugs.submit(TWO_MUGS, item("L1", quantity=quantity))
    assert status == 400 and body["field"] == "items[0].quantity" and "from 1 to 2" in body["error"]
    assert services.store.list_rmas() == [] and services.returns.handoffs.list() == []


@pytest.mark.parametrize("body, field", [
    ({"proof": ALICE_EMAIL}, "order_id"), ({"order_id": "  ", "proof": ALICE_EMAIL}, "order_id"),
    ({"order_id": ALICE}, "proof"), ({"order_id": ALICE, "proof": 94107}, "proof"),
    ({"order_id": "1" * 65, "proof": ALICE_EMAIL}, "order_id"), ({"order_id": ALICE, "proof": "a" * 321}, "proof"),
])
async def test_verify_names_a_missing_or_malformed_field_and_counts_no_failure(browsers, services, body, field):
    browser = await browsers()
    status, answer = await browser.call("POST", "/api/portal/verify", json=body)
    assert status == 400 and answer["field"] == field
    since = datetime(2000, 1, 1, tzinfo=timezone.utc)
    assert services.store.failed_verifications(browser.conversation, ALICE, since) == 0


async def test_the_order_query_needs_an_order_id(alice):
    status, body = await alice.call("GET", "/api/portal/order")
    assert status == 400 and body["field"] == "order_id"


@pytest.mark.parametrize("path", ["/api/portal/verify", "/api/portal/returns"])
async def test_bodies_must_be_small_json_objects(alice, services, path):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert (await alice.call("POST", path, data="order_id=1", headers=form))[0] == 415
    assert (await alice.call("POST", path, data="[1]", headers={"Content-Type": "application/json"}))[0] == 400
    assert (await alice.call("POST", path, data="{oops", headers={"Content-Type": "application/json"}))[0] == 400
    status, body = await alice.call("POST", path, json={"order_id": ALICE, "proof": "x" * MAX_PORTAL_BODY_BYTES})
    assert status == 413 and "bytes" in body["error"]
    assert services.store.list_rmas() == []


async def test_order_answers_are_not_cached(alice):
    async with alice.http.get("/api/portal/order", params={"order_id": ALICE}) as resp:
        assert resp.headers["Cache-Control"] == "no-store"


async def test_a_gateway_without_a_returns_portal_sends_returns_to_the_chat(settings, services, tmp_path):
    """add_web_routes without `returns` (a chat-only app): the self-service link starts in the chat."""
    from aiohttp import web

    from channels.router import Router
    from channels.web import add_web_routes
    from tests.fakes import FakeStore

    store = FakeStore.in_folder(tmp_path)
    outbox = SqlOutbox(store.engine)
    app = web.Application()
    add_web_routes(app, router=Router(FakeRasa().client(), outbox, {"web": lambda reply: [reply]}, transcript=store),
                   outbox=outbox, store=store, slip_pdf=lambda rma_id, token, language="en": None, secret="s")
    async with TestServer(app) as server, aiohttp.ClientSession(base_url=server.make_url("")) as http:
        async with http.get("/returns", allow_redirects=False) as resp:
            assert resp.status == 302 and resp.headers["Location"] == "/"
    store.engine.dispose()


def test_the_page_shows_the_servers_words_for_every_status_and_reason():
    """The page restates no sentence of the catalogue: where a return stands and why an item can't be
    returned arrive as text (`status_text`, `why_not_text`), for every status and every reason."""
    page = (Path(__file__).parent.parent / "channels/web/static/portal.js").read_text()
    for status in RmaStatus:
        assert f"{status.value}:" not in page, status
    for reason in Ineligibility:
        assert f"{reason.value}:" not in page, reason
    assert "status_text" in page and "summary" in page and "paragraphs" in page and "choices" in page
