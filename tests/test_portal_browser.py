"""The returns portal in headless Chromium on a phone-sized screen, driven by the keyboard alone: a wrong
email is refused out loud, then order number -> item, reason, resolution -> RMA number and slip link.

Runs the real gateway over real services on the demo store (Rasa is a fake: the portal never asks it).
Saves phone-sized screenshots to /tmp/portal-phone.png (the order) and /tmp/portal-phone-done.png.
"""
from __future__ import annotations

import base64
import json
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Tuple

import pytest
from aiohttp.test_utils import TestServer

from bot.services import MAX_FAILED_VERIFICATIONS
from channels.gateway import build_gateway
from tests.browser import Chromium, Page, ensure_chromium
from tests.fakes import FakeRasa

pytestmark = [pytest.mark.browser, pytest.mark.asyncio]

ALICE, ALICE_EMAIL = "114-3941689-8772232", "alice.martin@example.com"
SCREENSHOT, SCREENSHOT_DONE = "/tmp/portal-phone.png", "/tmp/portal-phone-done.png"
# (key, code, virtual key code, text): what a keyboard sends, as Puppeteer's US layout has it
KEYS = {"Tab": ("Tab", "Tab", 9, None), "Enter": ("Enter", "Enter", 13, "\r"), "Space": (" ", "Space", 32, " "),
        "ArrowUp": ("ArrowUp", "ArrowUp", 38, None)}
ACTIVE = "document.activeElement"
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


async def press(page: Page, name: str) -> None:
    key, code, vk, text = KEYS[name]
    down = {"type": "keyDown", "text": text} if text else {"type": "rawKeyDown"}
    for event in (down, {"type": "keyUp"}):
        await page.send("Input.dispatchKeyEvent", key=key, code=code, windowsVirtualKeyCode=vk,
                        nativeVirtualKeyCode=vk, **event)


async def tab_to(page: Page, selector: str, limit: int = 12) -> int:
    """Presses Tab until the focused element matches `selector`; returns how many presses it took."""
    for presses in range(1, limit + 1):
        await press(page, "Tab")
        if await page.evaluate(f"{ACTIVE}.matches({json.dumps(selector)})"):
            return presses
    raise AssertionError(f"{limit} presses of Tab never reached {selector}; focus is on "
                         + str(await page.evaluate(f"{ACTIVE}.outerHTML.slice(0, 120)")))


async def focus_is_visible(page: Page) -> bool:
    """The focused control, or the option label around a focused radio, draws an outline."""
    return await page.evaluate(
        f"(e => getComputedStyle(e.closest('.option') || e).outlineStyle !== 'none')({ACTIVE})")


@asynccontextmanager
async def portal(settings, services, phone: bool = True) -> AsyncIterator[Tuple[TestServer, Page]]:
    """The real gateway on the demo store and a Chromium page on its /returns, once the portal has
    started (on a phone-sized screen unless `phone` is False): (gateway, page)."""
    chromium = ensure_chromium()
    app = build_gateway(settings, services, FakeRasa().client())
    async with TestServer(app, host="127.0.0.1") as gateway, Chromium(chromium) as page:
        if phone:
            await page.set_viewport(390, 844)
        await page.navigate(str(gateway.make_url("/returns")))
        await page.wait_for("document.body.dataset.ready === 'true'", "the portal to start")
        yield gateway, page


async def fill_in_order(page: Page, order_id: str, proof: str) -> None:
    """Types the order number and the email or postcode into the first step (it does not submit)."""
    await page.click("#order-id")
    await page.type_text(order_id)
    await page.click("#proof")
    await page.type_text(proof)


async def full_page_screenshot(page: Page, path: str) -> None:
    size = await page.evaluate("({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})")
    shot = await page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                           clip={"x": 0, "y": 0, "width": size["w"], "height": size["h"], "scale": 1})
    Path(path).write_bytes(base64.b64decode(shot["data"]))


async def test_a_customer_returns_an_item_on_a_phone_with_the_keyboard_alone(settings, services):
    async with portal(settings, services) as (gateway, page):
        assert await page.evaluate("document.querySelector('h1').textContent") == settings.shop_name
        links = "[...document.querySelectorAll('a')].map(a => [a.textContent, a.getAttribute('href')])"
        assert await page.evaluate(links) == [["Chat with us", "/"]]
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)

        # a wrong email: refused, announced, tied to both fields, focus back on the first
        assert await tab_to(page, "#order-id") == 1
        assert await focus_is_visible(page)
        await page.type_text(ALICE)
        await press(page, "Tab")
        assert await page.evaluate(f"{ACTIVE}.id") == "proof"
        await page.type_text("alice@example.org")
        await press(page, "Enter")
        await page.wait_for("!document.querySelector('#find-error').hidden", "the error message")
        error = await page.evaluate("(e => ({text: e.textContent, role: e.getAttribute('role')}))"
                                    "(document.querySelector('#find-error'))")
        assert "couldn't find an order with those details" in error["text"] and error["role"] == "alert"
        for field in ("order-id", "proof"):
            assert await page.evaluate(f"document.querySelector('#{field}').getAttribute('aria-invalid')") == "true"
            assert "find-error" in await page.evaluate(
                f"document.querySelector('#{field}').getAttribute('aria-describedby')")
        assert await page.evaluate(f"{ACTIVE}.id") == "order-id"
        assert await page.evaluate("document.querySelector('#step-order').hidden") is True

        # the right email: the order, its heading focused
        await press(page, "Tab")
        assert await page.evaluate(f"{ACTIVE}.id") == "proof"
        await page.evaluate(f"{ACTIVE}.select()")  # what a double-click or Ctrl+A does
        await page.type_text(ALICE_EMAIL)
        await press(page, "Enter")
        await page.wait_for("!document.querySelector('#step-order').hidden", "the order")
        assert await page.evaluate(f"{ACTIVE}.id") == "order-title"
        assert await page.evaluate("document.querySelector('#order-title').textContent") == f"Order {ALICE}"
        assert await page.evaluate("[...document.querySelectorAll('.item h3')].map(h => h.textContent)") == [
            "Trail running shoes", "Running socks (3 pack)"]
        assert "until 15 December 2026" in await page.evaluate("document.querySelector('#item-0-status').textContent")

        # pick the shoes (Space), a reason and a resolution (Space on the first of each), then send (Enter)
        assert await tab_to(page, "#pick-0") == 1
        assert await focus_is_visible(page)
        await press(page, "Space")
        assert await page.evaluate("document.querySelector('#details-0').hidden") is False
        assert await page.evaluate("document.querySelector('#pick-0').getAttribute('aria-expanded')") == "true"
        assert await tab_to(page, "input[name='reason-0']") == 1
        assert await focus_is_visible(page)
        await press(page, "Space")
        assert await page.evaluate("document.querySelector('input[name=\"reason-0\"]:checked').value") == "too_small"
        assert await tab_to(page, "input[name='resolution-0']") == 1
        await press(page, "Space")
        assert await page.evaluate("document.querySelector('input[name=\"resolution-0\"]:checked').value") == "refund"
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await full_page_screenshot(page, SCREENSHOT)
        assert await tab_to(page, "#return-submit") == 2  # past the socks' checkbox
        assert await focus_is_visible(page)
        await press(page, "Enter")

        # the RMA number and the slip link, reached with Tab
        await page.wait_for("!document.querySelector('#step-done').hidden", "the result")
        assert await page.evaluate(f"{ACTIVE}.id") == "done-title"
        [rma] = services.store.list_rmas()
        assert (rma.line_id, rma.reason.value, rma.resolution.value) == ("L1", "too_small", "refund")
        assert rma.conversation_id.startswith("web:")
        assert f"RMA number: {rma.rma_id}" in await page.evaluate("document.querySelector('#results').textContent")
        assert await tab_to(page, "a.slip-link") == 1
        href = await page.evaluate(f"{ACTIVE}.href")
        token = services.returns.slip_token(rma.rma_id)
        assert href == f"{settings.public_url}/returns/{rma.rma_id}/slip.pdf?t={token}"
        slip = await page.evaluate(f"fetch({json.dumps(href.replace(settings.public_url, ''))})"
                                   ".then(r => [r.status, r.headers.get('content-type')])")
        assert slip == [200, "application/pdf"]
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await page.screenshot(SCREENSHOT_DONE)

        # back to the order: the shoes show their return and can't be picked again; a reload keeps the order
        assert await tab_to(page, "#done-back") == 1
        await press(page, "Enter")
        await page.wait_for("!document.querySelector('#step-order').hidden", "the order again")
        assert rma.rma_id in await page.evaluate("document.querySelector('#item-0-status').textContent")
        assert await page.evaluate("document.querySelector('#pick-0')") is None
        await page.navigate(str(gateway.make_url("/returns")))
        await page.wait_for("document.body.dataset.ready === 'true' && !document.querySelector('#step-order').hidden",
                            "the order after a reload")


async def test_after_the_lockout_the_page_says_so_and_offers_the_chat(settings, services):
    async with portal(settings, services) as (gateway, page):
        await fill_in_order(page, ALICE, "10001")
        for _ in range(MAX_FAILED_VERIFICATIONS):
            await page.evaluate("document.querySelector('#find-error').hidden = true")
            await page.click("#find-submit")
            await page.wait_for("!document.querySelector('#find-error').hidden", "an answer")
        text = await page.evaluate("document.querySelector('#find-error').textContent")
        assert "For your security" in text
        assert await page.evaluate("[...document.querySelectorAll('#find-error a')].map(a => a.getAttribute('href'))"
                                   ) == ["/"]
        assert await page.evaluate("document.querySelector('#proof').getAttribute('aria-invalid')") is None


async def test_choosing_nothing_or_no_reason_is_explained_next_to_the_question(settings, services):
    async with portal(settings, services, phone=False) as (gateway, page):
        await fill_in_order(page, "27-11111-22222", "60614")
        await page.click("#find-submit")
        await page.wait_for("!document.querySelector('#step-order').hidden", "the order")
        assert await page.evaluate("document.querySelector('#item-1-status').textContent") == (
            "Not returnable: items in the gift card category can't be returned. "
            "If it arrived damaged, you can report it here.")  # the server's words, as the catalogue has them
        first = await page.evaluate("document.querySelector('#item-0-status').innerHTML")
        assert first.startswith("<strong>Returnable</strong> until ")  # **bold** in the catalogue is bold on the page
        assert await page.evaluate("document.querySelector('label[for=\"pick-1\"]').textContent") == \
            "Report it as arrived damaged"

        await page.click("#return-submit")
        await page.wait_for("!document.querySelector('#return-error').hidden", "the error")
        assert "at least one item" in await page.evaluate("document.querySelector('#return-error').textContent")
        assert await page.evaluate(f"{ACTIVE}.id") == "pick-0"

        await press(page, "Space")
        await page.click("#return-submit")
        await page.wait_for("!document.querySelector('#reason-0-error').hidden", "the reason's error")
        assert await page.evaluate("document.querySelector('fieldset.reason').getAttribute('aria-describedby')") \
            == "reason-0-error"
        assert await page.evaluate(f"{ACTIVE}.name") == "reason-0"
        assert services.store.list_rmas() == []


async def test_a_customer_chooses_how_many_to_return_with_the_keyboard(settings, services):
    from decimal import Decimal

    from tests.builders import line, order

    services.store.upsert_orders([order(line(title="Mug", category="home", quantity=2, unit_price=Decimal("40.00")),
                                        order_id="114-0000000-0000042")])
    async with portal(settings, services) as (gateway, page):
        await fill_in_order(page, "114-0000000-0000042", "94107")
        await press(page, "Enter")
        await page.wait_for("!document.querySelector('#step-order').hidden", "the order")

        assert await tab_to(page, "#pick-0") == 1
        await press(page, "Space")
        assert await tab_to(page, "#quantity-0") == 1  # right after the checkbox, before the reason
        assert await focus_is_visible(page)
        label = await page.evaluate("document.querySelector('label[for=\"quantity-0\"]').textContent")
        assert label == "How many? (Mug)"
        assert await page.evaluate(f"{ACTIVE}.value") == "2"  # all of them unless the customer chooses fewer
        await press(page, "ArrowUp")
        assert await page.evaluate(f"{ACTIVE}.value") == "1"
        assert await tab_to(page, "input[name='reason-0']") == 1
        await press(page, "Space")
        assert await tab_to(page, "input[name='resolution-0']") == 1
        await press(page, "Space")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        assert await tab_to(page, "#return-submit") == 1
        await press(page, "Enter")

        await page.wait_for("!document.querySelector('#step-done').hidden", "the result")
        [rma] = services.store.list_rmas()
        assert (rma.quantity, str(rma.refund)) == (1, "40.00 USD")
        assert await tab_to(page, "#done-back", limit=4)
        await press(page, "Enter")
        await page.wait_for("!document.querySelector('#step-order').hidden", "the order again")
        status = await page.evaluate("document.querySelector('#item-0-status').textContent")
        assert rma.rma_id in status and "covers 1 of 2; to return more, chat with us" in status
        assert await page.evaluate("document.querySelector('#pick-0')") is None
