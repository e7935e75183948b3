"""The returns portal in headless Chromium in German (`/returns?lang=de`, the link the chat gives a German
conversation): every word the page shows is German, its API answers in German, and the slip link opens
the German slip. Saves a screenshot to /tmp/portal-de-done.png."""
from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestServer

from channels.gateway import build_gateway
from tests.browser import Chromium, ensure_chromium
from tests.fakes import FakeRasa
from tests.test_portal_browser import ALICE, ALICE_EMAIL, fill_in_order

pytestmark = [pytest.mark.browser, pytest.mark.asyncio]
TEXT = "document.querySelector({}).textContent"


def text_of(selector: str) -> str:
    return TEXT.format(json.dumps(selector))


async def test_a_german_customer_returns_an_item_in_german(settings, services):
    chromium = ensure_chromium()
    async with TestServer(build_gateway(settings, services, FakeRasa().client()), host="127.0.0.1") as gateway, \
            Chromium(chromium) as page:
        await page.set_viewport(390, 844)
        await page.navigate(str(gateway.make_url("/returns?lang=de")))
        await page.wait_for("document.body.dataset.ready === 'true'", "the portal to start")
        assert await page.evaluate("document.documentElement.lang") == "de"
        assert await page.evaluate(text_of("#find-title")) == "Rücksendung starten"
        links = "[...document.querySelectorAll('a')].map(a => [a.textContent, a.getAttribute('href')])"
        assert await page.evaluate(links) == [["Schreiben Sie uns im Chat", "/?lang=de"]]

        await page.click("#find-submit")  # nothing typed: the page's own check, in German
        assert await page.evaluate(text_of("#order-id-error")) == \
            (await page.evaluate("JSON.parse(document.body.dataset.words).enter_order"))
        await fill_in_order(page, ALICE, ALICE_EMAIL)
        await page.click("#find-submit")
        await page.wait_for("!document.querySelector('#step-order').hidden", "the order")
        assert await page.evaluate(text_of("#order-title")) == f"Bestellung {ALICE}"
        assert "15. Dezember 2026" in await page.evaluate(text_of("#item-0-status"))
        assert await page.evaluate(text_of("label[for='pick-0']")) == "Diesen Artikel zurückschicken"

        await page.click("#pick-0")
        assert await page.evaluate(text_of("fieldset.reason legend")) == \
            "Warum schicken Sie den Artikel zurück? (Trail running shoes)"
        await page.click("input[name='reason-0'][value='too_small']")
        await page.click("input[name='resolution-0'][value='refund']")
        await page.click("#return-submit")
        await page.wait_for("!document.querySelector('#step-done').hidden", "the result")
        [rma] = services.store.list_rmas()
        assert await page.evaluate(text_of("#done-title")) == "Ihre Rücksendung"
        results = await page.evaluate(text_of("#results"))
        assert f"RMA-Nummer: {rma.rma_id}" in results and "89,99\u00a0$" in results
        slip = await page.evaluate("(a => [a.textContent, a.getAttribute('href')])(document.querySelector('a.slip-link'))")
        assert slip[0].startswith(f"Rücksendeschein {rma.rma_id} drucken (PDF)") and slip[1].endswith("&lang=de")
        assert await page.evaluate(f"fetch({json.dumps(slip[1].replace(settings.public_url, ''))})"
                                   ".then(r => r.status)") == 200
        await page.screenshot("/tmp/portal-de-done.png")
