"""The return slip PDF: one A4 page carrying the RMA, the item and the return address, byte-stable."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from bot.models import Resolution, ReturnReason
from bot.slip import ReturnSlip, render_return_slip


@pytest.fixture
def slip() -> ReturnSlip:
    return ReturnSlip(
        rma_id="RMA-2026-000042", order_id="114-3941689-8772232", shop_name="Northwind Outdoor Co.",
        return_address=("Northwind Returns", "1200 Marina Blvd", "San Francisco, CA 94107", "United States"),
        customer_name="Alice Martin", item_title="Trail running shoes", sku="SHOE-RUN-42", quantity=1,
        reason=ReturnReason.TOO_SMALL, resolution=Resolution.REFUND, return_by=date(2026, 12, 15),
        issued_at=datetime(2026, 11, 20, 10, 30, tzinfo=timezone.utc),
    )


def test_slip_is_a_single_a4_page_pdf(slip: ReturnSlip) -> None:
    pdf = render_return_slip(slip)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert re.search(rb"/Count 1\b", pdf)
    assert re.search(rb"/MediaBox \[\s*0 0 595\.2756 841\.8898\s*\]", pdf)


def test_slip_shows_rma_order_item_reason_resolution_address_and_deadline(slip: ReturnSlip) -> None:
    pdf = render_return_slip(slip)
    for text in (b"(RMA-2026-000042)", b"114-3941689-8772232", b"Trail running shoes", b"SHOE-RUN-42",
                 b"Too small", b"(Refund)", b"1200 Marina Blvd", b"Send by Tuesday 15 December 2026",
                 b"Northwind Outdoor Co."):
        assert text in pdf, text


def test_same_slip_renders_identical_bytes(slip: ReturnSlip) -> None:
    assert render_return_slip(slip) == render_return_slip(replace(slip))


def test_different_rma_renders_different_bytes(slip: ReturnSlip) -> None:
    assert render_return_slip(slip) != render_return_slip(replace(slip, rma_id="RMA-2026-000043"))


def test_slip_without_deadline_asks_to_send_soon(slip: ReturnSlip) -> None:
    pdf = render_return_slip(replace(slip, return_by=None))
    assert b"as soon as you can" in pdf and b"Send by" not in pdf


def test_characters_the_pdf_font_lacks_become_question_marks(slip: ReturnSlip) -> None:
    pdf = render_return_slip(replace(slip, customer_name="Chloé 王"))
    assert rb"(Chlo\351 ?)" in pdf  # reportlab writes non-ASCII cp1252 bytes as octal escapes


def test_long_item_title_is_cut_short_with_an_ellipsis(slip: ReturnSlip) -> None:
    pdf = render_return_slip(replace(slip, item_title="Waterproof winter hiking boots " * 10))
    assert rb"boots\205)" in pdf  # \205 is the cp1252 ellipsis, octal-escaped


def test_reason_and_resolution_may_be_given_as_their_values(slip: ReturnSlip) -> None:
    as_values = replace(slip, reason="too_small", resolution="refund")
    assert render_return_slip(as_values) == render_return_slip(slip)
