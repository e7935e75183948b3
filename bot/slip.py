"""Render a return slip: a one-page A4 PDF with the RMA number (text and Code 128 barcode), the item,
packing steps and a cut-out parcel label, in the customer's language (`ReturnSlip.language`: its words
are the catalogue's `utter_slip_*`, its dates Babel's). Pure: takes a `ReturnSlip`, returns the same
bytes for the same slip (reportlab's invariant mode; fonts every PDF reader has, so nothing depends on
the machine: the standard Helvetica for the Latin languages, and for Chinese the Adobe CJK font
STSong-Light, which readers supply, as Helvetica covers Latin-1 only)."""
from __future__ import annotations

import io
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Dict, List, Sequence, Tuple

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from bot import locale_format
from bot import responses as said
from bot.catalogue import Catalogue, catalogue
from bot.models import Resolution, ReturnReason


@dataclass(frozen=True)
class ReturnSlip:
    rma_id: str  # ASCII (it becomes a Code 128 barcode)
    order_id: str
    shop_name: str
    return_address: Tuple[str, ...]  # one line each, e.g. ("Returns dept.", "1 Dock Rd", "London E16 2QD", "GB")
    customer_name: str
    item_title: str
    sku: str
    quantity: int
    reason: ReturnReason | str  # the enum or its value, e.g. "too_small"
    resolution: Resolution | str  # the enum or its value, e.g. "refund"
    return_by: date | None
    issued_at: datetime
    language: str = "en"  # the customer's: the slip's words and dates


INK, MUTED, RULE, PANEL = HexColor("#111827"), HexColor("#6B7280"), HexColor("#D1D5DB"), HexColor("#F3F4F6")
ACCENT = HexColor("#1D4ED8")
REGULAR, BOLD = "Helvetica", "Helvetica-Bold"  # the roles; `_face` gives the font that plays them
CJK = "STSong-Light"
_CJK_LANGUAGES = ("zh",)
_FACES: ContextVar[Dict[str, str]] = ContextVar("slip_faces", default={})  # set for one rendering
PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
MAX_ADDRESS_LINES = 6
WIDTH = PAGE_W - 2 * MARGIN


def _reason(value: ReturnReason | str, words: Catalogue) -> str:
    try:
        return words.text(said.SLIP_REASONS[ReturnReason(value)])
    except (ValueError, KeyError):
        return str(value).replace("_", " ").capitalize()


def _what_next(value: Resolution | str, words: Catalogue) -> str:
    """What happens once the parcel is back, for the resolution chosen."""
    try:
        return words.text(said.SLIP_NEXT[Resolution(value)])
    except (ValueError, KeyError):
        return words.text(said.SLIP_NEXT_OTHER)


def _resolution_name(value: Resolution | str, words: Catalogue) -> str:
    try:
        return words.text(said.RESOLUTION_NAMES[Resolution(value)])
    except (ValueError, KeyError):
        return str(value).replace("_", " ").capitalize()


def _words(slip: ReturnSlip) -> Catalogue:
    return catalogue(language=slip.language or "en")


def _day(slip: ReturnSlip, moment: date | datetime, weekday: bool = False) -> str:
    return locale_format.long_day(moment, slip.language, weekday=weekday)


def _face(font: str) -> str:
    """The font that plays `font`'s role in this rendering (Chinese: the CJK font for both)."""
    return _FACES.get().get(font, font)


def _latin(text: str) -> str:
    """The standard PDF fonts cover Latin-1/cp1252 only: replace anything else with '?' (the CJK font
    of a Chinese slip draws what it has)."""
    if _FACES.get():
        return text
    return text.encode("cp1252", errors="replace").decode("cp1252")


def _text(pdf: Canvas, x: float, y: float, text: str, font: str = REGULAR, size: float = 10,
          color: Color = INK, align: str = "left") -> None:
    pdf.setFont(_face(font), size)
    pdf.setFillColor(color)
    draw = {"left": pdf.drawString, "right": pdf.drawRightString, "center": pdf.drawCentredString}[align]
    draw(x, y, _latin(text))


def _label(pdf: Canvas, x: float, y: float, text: str, align: str = "left") -> None:
    """A small upper-case caption above a value."""
    text = _latin(text.upper())
    if align == "right":
        x -= pdf.stringWidth(text, _face(BOLD), 7.5) + 0.6 * (len(text) - 1)
    text_object = pdf.beginText(x, y)
    text_object.setFont(_face(BOLD), 7.5)
    text_object.setCharSpace(0.6)
    text_object.setFillColor(MUTED)
    text_object.textOut(text)
    text_object.setCharSpace(0)  # character spacing is graphics state: do not leak it
    pdf.drawText(text_object)


def _fit(text: str, font: str, size: float, width: float) -> str:
    """`text` cut short with an ellipsis so that it is at most `width` wide."""
    text = _latin(text)
    if pdfmetrics.stringWidth(text, _face(font), size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "\u2026", _face(font), size) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026"


def _lines(text: str, font: str, size: float, width: float, max_lines: int = 8) -> List[str]:
    """`text` wrapped to `width`, at most `max_lines` lines (the last one ends in an ellipsis if cut)."""
    lines = simpleSplit(_latin(text), _face(font), size, width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += "\u2026"
    return [_fit(line, font, size, width) for line in lines]


def _barcode(pdf: Canvas, value: str, x: float, y: float, box_width: float, height: float) -> None:
    """Draw a Code 128 barcode (quiet zones included) centred in a box box_width wide from x."""
    probe = Code128(value, barWidth=1, barHeight=height, humanReadable=False)
    bar_width = min(1.4, box_width / probe.width)
    code = Code128(value, barWidth=bar_width, barHeight=height, humanReadable=False)
    code.drawOn(pdf, x + (box_width - code.width) / 2, y)


def _header(pdf: Canvas, slip: ReturnSlip, top: float) -> float:
    _text(pdf, MARGIN, top - 20, _fit(slip.shop_name, BOLD, 20, WIDTH - 170), BOLD, 20)
    words = _words(slip)
    _label(pdf, PAGE_W - MARGIN, top - 8, words.text(said.SLIP_TITLE), align="right")
    _text(pdf, PAGE_W - MARGIN, top - 21, words.text(said.SLIP_ISSUED, date=_day(slip, slip.issued_at)), size=9,
          color=MUTED, align="right")
    pdf.setStrokeColor(INK)
    pdf.setLineWidth(1.2)
    pdf.line(MARGIN, top - 32, PAGE_W - MARGIN, top - 32)
    return top - 32


def _rma_panel(pdf: Canvas, slip: ReturnSlip, top: float) -> float:
    height = 96
    pdf.setFillColor(PANEL)
    pdf.roundRect(MARGIN, top - height, WIDTH, height, 6, stroke=0, fill=1)
    words = _words(slip)
    _label(pdf, MARGIN + 14, top - 22, words.text(said.SLIP_RMA))
    code_width = 220
    pdf.setFillColor(HexColor("#FFFFFF"))  # scanners want the bars on white
    pdf.roundRect(PAGE_W - MARGIN - 14 - code_width, top - 84, code_width, 72, 3, stroke=0, fill=1)
    room = WIDTH - 28 - code_width - 24
    size = min(30.0, 30 * room / pdf.stringWidth(_latin(slip.rma_id), _face(BOLD), 30))
    _text(pdf, MARGIN + 14, top - 54, slip.rma_id, BOLD, size)
    _text(pdf, MARGIN + 14, top - 76, words.text(said.SLIP_ORDER, order_id=slip.order_id), size=10, color=MUTED)
    _barcode(pdf, slip.rma_id, PAGE_W - MARGIN - 14 - code_width, top - 68, code_width, 48)
    _text(pdf, PAGE_W - MARGIN - 14 - code_width / 2, top - 79, slip.rma_id, size=8, color=MUTED,
          align="center")
    return top - height


def _deadline(pdf: Canvas, slip: ReturnSlip, top: float) -> float:
    words = _words(slip)
    if slip.return_by is None:
        _text(pdf, MARGIN, top - 26, words.text(said.SLIP_SEND_SOON), BOLD, 13, ACCENT)
        return top - 34
    _text(pdf, MARGIN, top - 26, words.text(said.SLIP_SEND_BY, date=_day(slip, slip.return_by, weekday=True)),
          BOLD, 15, ACCENT)
    _text(pdf, MARGIN, top - 42, words.text(said.SLIP_LATE), size=9.5, color=MUTED)
    return top - 46


def _address(slip: ReturnSlip) -> Tuple[str, ...]:
    """The return address, at most MAX_ADDRESS_LINES lines (extra lines join the last one)."""
    lines = tuple(line for line in slip.return_address if line.strip())
    if len(lines) <= MAX_ADDRESS_LINES:
        return lines
    return lines[:MAX_ADDRESS_LINES - 1] + (", ".join(lines[MAX_ADDRESS_LINES - 1:]),)


def _parties(pdf: Canvas, slip: ReturnSlip, top: float) -> float:
    column = WIDTH / 2
    y = top - 22
    words = _words(slip)
    _label(pdf, MARGIN, y, words.text(said.SLIP_CUSTOMER))
    _label(pdf, MARGIN + column, y, words.text(said.SLIP_RETURN_TO))
    left = [slip.customer_name, words.text(said.SLIP_ORDER, order_id=slip.order_id),
            words.text(said.SLIP_ISSUED, date=_day(slip, slip.issued_at))]
    address = _address(slip)
    for x, lines in ((MARGIN, left), (MARGIN + column, address)):
        for index, text in enumerate(lines):
            font = BOLD if index == 0 else REGULAR
            _text(pdf, x, y - 16 - 13 * index, _fit(text, font, 10.5, column - 12), font, 10.5)
    return y - 16 - 13 * (max(len(left), len(address)) - 1) - 8


def _item_table(pdf: Canvas, slip: ReturnSlip, top: float) -> float:
    words = _words(slip)
    columns: Sequence[Tuple[str, float]] = (
        (words.text(said.SLIP_ITEM), 0.38), (words.text(said.SLIP_SKU), 0.17), (words.text(said.SLIP_QUANTITY), 0.07),
        (words.text(said.SLIP_REASON), 0.19), (words.text(said.SLIP_RESOLUTION), 0.19))
    xs, x = [], MARGIN
    for _, share in columns:
        xs.append(x)
        x += share * WIDTH
    y = top - 18
    pdf.setFillColor(PANEL)
    pdf.rect(MARGIN, y - 7, WIDTH, 20, stroke=0, fill=1)
    for (title, _), left in zip(columns, xs):
        _label(pdf, left + 6, y, title)
    cells = [
        _lines(slip.item_title, BOLD, 10.5, columns[0][1] * WIDTH - 12, max_lines=3),
        _lines(slip.sku, REGULAR, 10, columns[1][1] * WIDTH - 12, max_lines=2),
        [str(slip.quantity)],
        _lines(_reason(slip.reason, words), REGULAR, 10, columns[3][1] * WIDTH - 12, max_lines=2),
        _lines(_resolution_name(slip.resolution, words), REGULAR, 10, columns[4][1] * WIDTH - 12, max_lines=2),
    ]
    for column, (lines, left) in enumerate(zip(cells, xs)):
        font, size = (BOLD, 10.5) if column == 0 else (REGULAR, 10.0)
        for index, text in enumerate(lines):
            _text(pdf, left + 6, y - 24 - 13 * index, text, font, size)
    bottom = y - 24 - 13 * (max(len(lines) for lines in cells) - 1) - 10
    pdf.setStrokeColor(RULE)
    pdf.setLineWidth(0.6)
    pdf.line(MARGIN, bottom, PAGE_W - MARGIN, bottom)
    return bottom


def _instructions(pdf: Canvas, slip: ReturnSlip, top: float) -> None:
    words = _words(slip)
    steps = [
        words.text(said.SLIP_STEP_PACK), words.text(said.SLIP_STEP_INSIDE),
        words.text(said.SLIP_STEP_LABEL, rma_id=slip.rma_id),
        words.text(said.SLIP_STEP_SEND_BY, date=_day(slip, slip.return_by)) if slip.return_by
        else words.text(said.SLIP_STEP_SEND_SOON),
    ]
    y = top - 24
    _text(pdf, MARGIN, y, words.text(said.SLIP_HOW_TO_SEND), BOLD, 12)
    y -= 18
    for number, step in enumerate(steps, start=1):
        pdf.setFillColor(INK)
        pdf.circle(MARGIN + 7, y + 3.5, 6.5, stroke=0, fill=1)
        _text(pdf, MARGIN + 7, y + 0.7, str(number), BOLD, 8, HexColor("#FFFFFF"), align="center")
        lines = _lines(step, REGULAR, 10, WIDTH - 24)
        for index, text in enumerate(lines):
            _text(pdf, MARGIN + 22, y - 13 * index, text, size=10)
        y -= 13 * (len(lines) - 1) + 15
    y -= 4
    _text(pdf, MARGIN, y, words.text(said.SLIP_WHAT_NEXT), BOLD, 12)
    text = _what_next(slip.resolution, words)
    for index, line in enumerate(_lines(text, REGULAR, 10, WIDTH)):
        _text(pdf, MARGIN, y - 17 - 13 * index, line, size=10)


def _parcel_label(pdf: Canvas, slip: ReturnSlip, height: float) -> None:
    cut = MARGIN + height + 14
    pdf.setStrokeColor(MUTED)
    pdf.setLineWidth(0.7)
    pdf.setDash(4, 3)
    pdf.line(MARGIN - 8 * mm, cut, PAGE_W - MARGIN + 8 * mm, cut)
    pdf.setDash()
    words = _words(slip)
    _text(pdf, PAGE_W / 2, cut + 5, words.text(said.SLIP_CUT_HERE), size=8,
          color=MUTED, align="center")

    bottom = MARGIN
    pdf.setStrokeColor(INK)
    pdf.setLineWidth(1.5)
    pdf.roundRect(MARGIN, bottom, WIDTH, height, 6, stroke=1, fill=0)
    split = MARGIN + WIDTH * 0.55
    pdf.setLineWidth(0.6)
    pdf.line(split, bottom + 14, split, bottom + height - 14)

    _label(pdf, MARGIN + 16, bottom + height - 24, words.text(said.SLIP_RETURN_TO))
    y = bottom + height - 44
    address = _address(slip)
    for index, text in enumerate(address):
        font, size = (BOLD, 14.0) if index == 0 else (REGULAR, 12.5)
        if len(address) > 4:
            size -= 2
        _text(pdf, MARGIN + 16, y, _fit(text, font, size, split - MARGIN - 28), font, size)
        y -= size + 4
    _label(pdf, MARGIN + 16, bottom + 30, words.text(said.SLIP_FROM))
    sender = _fit(f"{slip.customer_name}  \u00b7  {words.text(said.SLIP_ORDER, order_id=slip.order_id)}", REGULAR, 9.5,
                  split - MARGIN - 28)
    _text(pdf, MARGIN + 16, bottom + 16, sender, size=9.5)

    right, right_width = split + 16, PAGE_W - MARGIN - split - 32
    _label(pdf, right, bottom + height - 24, words.text(said.SLIP_RMA_SHORT))
    size = min(20.0, 20 * right_width / pdf.stringWidth(_latin(slip.rma_id), _face(BOLD), 20))
    _text(pdf, right, bottom + height - 50, slip.rma_id, BOLD, size)
    _barcode(pdf, slip.rma_id, right, bottom + 36, right_width, 52)
    _text(pdf, right + right_width / 2, bottom + 24, slip.rma_id, size=8, color=MUTED, align="center")


def render_return_slip(slip: ReturnSlip) -> bytes:
    """The slip as a one-page A4 PDF in its language; identical bytes for an identical slip."""
    faces = {}
    if slip.language in _CJK_LANGUAGES:
        if CJK not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK))
        faces = {REGULAR: CJK, BOLD: CJK}
    token = _FACES.set(faces)
    try:
        return _render(slip)
    finally:
        _FACES.reset(token)


def _render(slip: ReturnSlip) -> bytes:
    words = _words(slip)
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=0)
    pdf.setTitle(_latin(words.text(said.SLIP_DOCUMENT_TITLE, rma_id=slip.rma_id)))
    pdf.setAuthor(_latin(slip.shop_name))
    pdf.setSubject(_latin(words.text(said.SLIP_DOCUMENT_SUBJECT, item=slip.item_title, order_id=slip.order_id)))
    pdf.setCreator("returnbot")
    top = PAGE_H - MARGIN
    top = _header(pdf, slip, top)
    top = _rma_panel(pdf, slip, top - 14)
    top = _deadline(pdf, slip, top)
    top = _parties(pdf, slip, top)
    top = _item_table(pdf, slip, top)
    _instructions(pdf, slip, top)
    _parcel_label(pdf, slip, height=170)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
