"""The returns portal, the chat page and the return slip in the customer's language (issue 15): the
language comes from `?lang=` (the links the chat gives carry it) or `Accept-Language`; the page's own
words (languages/<lang>/responses/pages.yml), the API's sentences, its dates and amounts, and the slip
are that language's. English is as it was (tests/test_portal.py, tests/test_slip.py)."""
from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import date, datetime, timezone

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot import catalogue as catalogue_module
from bot import responses as said
from bot.catalogue import Catalogue, Entry, load_catalogue, load_translation, missing_translations
from bot.models import Resolution, ReturnReason
from bot.slip import ReturnSlip, render_return_slip
from channels.gateway import build_gateway
from channels.web import page_words
from tests.fakes import FakeRasa
from tests.test_portal import ALICE, ALICE_EMAIL, Browser, item

LANGUAGES = ("de", "fr", "es", "it", "zh")
# Sentences of assistant.yml the French tests read, as the translators wrote them: used only while this
# branch lacks their file, so the tests say the same before and after it is merged.
FRENCH_ASSISTANT = {
    said.PORTAL_ITEM_RETURNABLE_CHOICE: "**Retournable** jusqu'au {return_by} ({offered}).",
    said.PORTAL_RESULT_APPROVED: "Votre retour est accepté.",
    said.RESOLUTION_REFUND: "Remboursement", said.RESOLUTION_EXCHANGE: "Échange",
    said.RESOLUTION_STORE_CREDIT: "Avoir", said.RESOLUTION_REPLACEMENT: "Remplacement",
    said.NEXT_REFUND: "Nous vous rembourserons {amount} dès que l'article nous sera parvenu.",
}


@pytest.fixture
def french(monkeypatch):
    english, real = load_catalogue(), load_translation("fr")
    missing = {key: Entry(text) for key, text in FRENCH_ASSISTANT.items() if key not in real}
    words = Catalogue(missing, "fr").over(real).over(english)
    original = catalogue_module._translated
    monkeypatch.setattr(catalogue_module, "_translated", lambda language: words if language == "fr"
                        else original(language))
    return words


@pytest.fixture
async def http(settings, services):
    async with TestServer(build_gateway(settings, services, FakeRasa().client())) as server:
        browser = await Browser(server).start()
        yield browser
        await browser.close()


def _words_of(page: str) -> dict:
    return json.loads(html.unescape(re.search(r'<body data-words="([^"]*)">', page).group(1)))


# -- the translations of the pages' and the slip's words ------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_and_slip_word_is_translated_with_its_placeholders(language):
    problems = [p for p in missing_translations(language) if "utter_page_" in p or "utter_slip_" in p
                and "utter_slip_link" not in p]
    assert problems == []


# -- the portal in French -----------------------------------------------------------------------------
async def test_the_portal_page_is_french_for_lang_fr_and_for_a_french_browser(http, french):
    async with http.http.get("/returns?lang=fr") as resp:
        page = await resp.text()
        assert resp.headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in page and "<title>" in page and "· Retours</title>" in page
    assert '<h2 id="find-title" tabindex="-1">Faire un retour</h2>' in page
    assert ">Trouver ma commande</button>" in page and "Questions?" not in page
    assert '<a href="/?lang=fr">Écrivez-nous dans le chat</a>' in page  # the chat opens in French too
    words = _words_of(page)
    assert words["why_returning"] == "Pourquoi retournez-vous cet article\u00a0?"
    assert words["print_slip"] == "Imprimer le bordereau de retour {rma_id} (PDF)"  # the page fills the number
    assert set(words) == set(page_words.PORTAL)
    assert "{{" not in page  # every word was filled
    async with http.http.get("/returns", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"}) as resp:
        assert '<html lang="fr">' in await resp.text()
    async with http.http.get("/returns", headers={"Accept-Language": "pt-BR, en;q=0.5"}) as resp:
        english = await resp.text()
    assert '<html lang="en">' in english and ">Find my order</button>" in english


async def test_the_portal_api_answers_in_french_with_french_dates_and_amounts(http, french, services):
    status, _ = await http.call("POST", "/api/portal/verify?lang=fr", json={"order_id": ALICE, "proof": ALICE_EMAIL})
    assert status == 200
    status, body = await http.call("GET", "/api/portal/order", params={"order_id": ALICE, "lang": "fr"})
    assert status == 200
    shoes = next(i for i in body["items"] if i["line_id"] == "L1")
    assert shoes["return_by"] == "15 décembre 2026" and body["chat_url"] == "/?lang=fr"
    assert "".join(p["text"] for p in shoes["summary"]) == \
        "Retournable jusqu'au 15 décembre 2026 (remboursement, échange, avoir)."
    assert body["labels"]["resolutions"]["store_credit"] == "Avoir"
    request = {"order_id": ALICE, "items": [item("L1", "too_small", "refund")]}
    status, body = await http.call("POST", "/api/portal/returns?lang=fr", json=request)
    assert status == 200
    (result,) = body["results"]
    rma = result["rma"]
    assert result["lead"] == "Votre retour est accepté."
    assert rma["ship_by"] == "4 décembre 2026" and rma["refund"] == "89,99\u00a0$US"
    assert rma["next"] == "Nous vous rembourserons 89,99\u00a0$US dès que l'article nous sera parvenu."
    assert rma["slip_url"].endswith("&lang=fr")  # the slip opens in French
    async with http.http.get(rma["slip_url"].removeprefix("http://localhost:8000")) as slip:
        pdf = await slip.read()
    assert slip.status == 200 and b"(BORDEREAU DE RETOUR)" in pdf
    assert b"(Votre choix : remboursement. " in pdf


async def test_a_bad_field_is_explained_in_the_request_language(http, french):
    status, body = await http.call("POST", "/api/portal/verify?lang=de", json={"order_id": ALICE, "proof": ""})
    assert status == 400 and body["field"] == "proof"
    assert body["error"] == catalogue_module.catalogue(language="de").text(said.PORTAL_ERROR_ENTER_PROOF)
    status, body = await http.call("POST", "/api/portal/verify?lang=xx", json={"order_id": ALICE, "proof": ""})
    assert body["error"] == "Enter the email address or postcode used for the order."  # not a language served: English


async def test_the_chat_page_speaks_the_browsers_language(http):
    async with http.http.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}) as resp:
        page = await resp.text()
    assert '<html lang="de">' in page and 'placeholder="Nachricht eingeben …"' in page
    assert 'data-text="Ich möchte einen Artikel zurückschicken">Artikel zurückschicken</button>' in page
    assert _words_of(page)["download_slip"] == "Rücksendeschein {rma_id} herunterladen (PDF)"
    async with http.http.get("/?lang=zh") as resp:
        assert "您好！我可以帮您退货或换货" in await resp.text()
    async with http.http.get("/") as resp:
        english = await resp.text()
    assert '<html lang="en">' in english and 'placeholder="Type your message…"' in english


# -- the slip ---------------------------------------------------------------------------------------------
@pytest.fixture
def slip() -> ReturnSlip:
    return ReturnSlip(
        rma_id="RMA-2026-000042", order_id="114-3941689-8772232", shop_name="Northwind Outdoor Co.",
        return_address=("Northwind Returns", "1200 Marina Blvd", "San Francisco, CA 94107", "United States"),
        customer_name="Alice Martin", item_title="Trail running shoes", sku="SHOE-RUN-42", quantity=1,
        reason=ReturnReason.TOO_SMALL, resolution=Resolution.REFUND, return_by=date(2026, 12, 15),
        issued_at=datetime(2026, 11, 20, 10, 30, tzinfo=timezone.utc), language="de",
    )


def _in_pdf(text: str) -> str:
    """`text` as reportlab writes it in a PDF string (a letter past ASCII as an octal escape)."""
    return "".join(c if ord(c) < 128 else "\\%03o" % ord(c) for c in text)


def test_the_slip_in_german(slip):
    pdf = render_return_slip(slip).decode("latin-1")
    for text in ("(RÜCKSENDESCHEIN)", "Zurückschicken bis Dienstag, 15. Dezember 2026",
                 "Ausgestellt am 20. November 2026", "(Zu klein)", "So schicken Sie Ihre Rücksendung",
                 "(RMA-2026-000042)", "Bestellung 114-3941689-8772232", "Ihre Wahl: Erstattung."):
        assert _in_pdf(text) in pdf, text
    assert "Return slip" not in pdf and "Send by" not in pdf
    assert render_return_slip(slip) == render_return_slip(slip)  # byte-stable in every language


def test_the_slip_in_chinese_draws_chinese_characters(slip):
    pdf = render_return_slip(replace(slip, language="zh"))
    assert b"STSong-Light" in pdf and pdf.startswith(b"%PDF-")
    assert b"????" not in pdf  # nothing fell back to question marks
    assert render_return_slip(replace(slip, language="zh")) == pdf
    english = render_return_slip(replace(slip, language="en"))
    assert b"STSong-Light" not in english and b"Send by Tuesday 15 December 2026" in english
