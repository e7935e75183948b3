"""Where an order and a return stand, as the catalogue's sentences (pure).

The sentences live in the catalogue (domain.yml, `bot.catalogue`); this module picks the sentence for
the facts and fills it. Returns made here and returns read from a returns platform (AfterShip, Loop)
climb one status ladder (`return_progress`), whose rungs are `bot.responses.LADDER`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Optional, Sequence
from urllib.parse import quote

from bot import locale_format
from bot import responses as said
from bot.catalogue import ENGLISH, Catalogue, catalogue
from bot.models import MarketplaceRefund, Money, Order, OrderLine, OrderStatus, Resolution, Rma, RmaStatus

if TYPE_CHECKING:
    from bot.platforms import ExternalReturn

DEFAULT_BANK_DAYS = "3-5"  # policy.yml's default; the chat, the portal and the notices are given policy.yml's own
WAITING = (RmaStatus.AUTHORISED, RmaStatus.LABEL_CREATED)  # approved, not sent back yet


def _words(words: Optional[Catalogue]) -> Catalogue:
    return words if words is not None else catalogue()


def day(moment: Optional[datetime], words: Optional[Catalogue] = None) -> str:
    """A date in a sentence, in the catalogue's language ("4 December 2026", "4. Dezember 2026")."""
    words = _words(words)
    return locale_format.long_day(moment, words.language) if moment else words.text(said.PHRASE_UNKNOWN_DATE)


def ago(elapsed: timedelta, words: Optional[Catalogue] = None) -> str:
    """How long ago, in the catalogue's language ("3 hours ago", "vor 3 Stunden")."""
    return locale_format.ago(elapsed, _words(words).language)


def money(value: Money, words: Optional[Catalogue] = None) -> str:
    """An amount in a sentence, in the catalogue's language ("9.99 USD", "9,99 $", "US$9.99")."""
    return locale_format.money(value.amount, value.currency, _words(words).language)


def with_language(url: str, language: Optional[str]) -> str:
    """A link the bot gives (the portal, a slip), made to open in the conversation's language
    (`?lang=de`); English links stay as they were."""
    if not url or not language or language == ENGLISH:
        return url
    return f"{url}{'&' if '?' in url else '?'}lang={quote(language)}"


def price(value: Decimal, words: Optional[Catalogue] = None) -> str:
    """A price beside its currency's code (a button's "{price} {currency}"): "9.99", "9,99"."""
    return locale_format.amount(value, _words(words).language)


def units(title: str, count: int, words: Optional[Catalogue] = None) -> str:
    """"Socks (x2)": an item with how many of it; just its title for one."""
    return title if count == 1 else _words(words).text(said.PHRASE_UNITS, title=title, units=count)


def item_name(line: Optional[OrderLine], words: Optional[Catalogue] = None, rma: Optional[Rma] = None) -> str:
    """The item as a sentence names it: its title, with how many when the order has several of it. About a
    return (`rma`), how many that return covers ("Socks" for one of two pairs), else how many are left to return."""
    if line is None:
        return _words(words).text(said.PHRASE_THE_ITEM)
    if line.quantity == 1:
        return line.title
    return units(line.title, rma.quantity if rma is not None else (line.returnable_quantity or line.quantity), words)


def delivery_status(order: Order, words: Optional[Catalogue] = None, now: Optional[datetime] = None) -> str:
    """One sentence on where the order is; a shipped order its marketplace expects by a day not yet
    past (`Order.due_by`, Amazon's latest delivery date, eBay's estimate) says "due by" that day."""
    words = _words(words)
    if order.status is OrderStatus.PROCESSING:
        return words.text(said.ORDER_PROCESSING, order_id=order.order_id)
    if order.status is OrderStatus.CANCELLED:
        return words.text(said.ORDER_CANCELLED, order_id=order.order_id)
    if order.status is OrderStatus.DELIVERED:
        return words.text(said.ORDER_DELIVERED, order_id=order.order_id, delivered_on=day(order.delivered_at, words))
    if order.due_by is not None and (now is None or order.due_by.date() >= now.date()):
        return words.text(said.ORDER_SHIPPED_DUE, order_id=order.order_id, shipped_on=day(order.shipped_at, words),
                          due_by=day(order.due_by, words))
    return words.text(said.ORDER_SHIPPED, order_id=order.order_id, shipped_on=day(order.shipped_at, words))


def ship_by_date(rma: Rma, ship_back_days: int) -> datetime:
    """The last day to send a returned item back."""
    return rma.created_at + timedelta(days=ship_back_days)


def resolution_text(resolution: Resolution, amount: str, words: Optional[Catalogue] = None) -> str:
    """What happens once the return is back with us."""
    return _words(words).text(said.NEXT[resolution], amount=amount)


def resolution_name(resolution: Resolution, words: Optional[Catalogue] = None) -> str:
    """The resolution as a sentence names it ("store credit")."""
    return _words(words).text(said.RESOLUTION_PHRASES[resolution])


def status_name(status: RmaStatus, words: Optional[Catalogue] = None) -> str:
    """A return's status as a sentence names it ("label created")."""
    return _words(words).text(said.STATUS_NAMES[status])


@dataclass(frozen=True)
class Progress:
    """Where one return stands, as the ladder reads it: a return made here (`ours`: its resolution and
    refund are known, and our team answers in this chat) or one read from a returns platform."""

    rma_id: str
    items: str
    status: RmaStatus
    created_at: datetime
    ours: bool
    resolution: Optional[Resolution] = None
    amount: Optional[Money] = None  # the refund, made or due, when known
    refunded_at: Optional[datetime] = None
    slip_url: Optional[str] = None  # the slip, or the platform's label or instructions page
    ship_by: Optional[datetime] = None

    @classmethod
    def of_rma(cls, rma: Rma, item: str, ship_back_days: int, slip_url: Optional[str] = None) -> "Progress":
        return cls(rma.rma_id, item, rma.status, rma.created_at, True, rma.resolution, rma.refund,
                   rma.refunded_at, slip_url, ship_by_date(rma, ship_back_days))

    @classmethod
    def of_platform(cls, found: "ExternalReturn") -> "Progress":
        items = ", ".join(item.title for item in found.items if item.title) or catalogue().text(said.PHRASE_YOUR_ITEMS)
        return cls(found.rma_number, items, found.status, found.created_at, False, None,
                   found.refund or None, found.refunded_at or found.updated_at,
                   found.label_url)


def return_progress(progress: Progress, bank_days: str, words: Optional[Catalogue] = None) -> str:
    """One sentence on where a return and its refund stand: the ladder's rung for its status.
    `bank_days`: policy.yml's days a bank takes to show a refund ("3-5")."""
    words, p = _words(words), progress
    values = dict(rma_id=p.rma_id, items=p.items, created_on=day(p.created_at, words),
                  refunded_on=day(p.refunded_at, words), amount=money(p.amount, words) if p.amount else "",
                  resolution=resolution_name(p.resolution, words) if p.resolution else "",
                  slip_url=p.slip_url or "", ship_by=day(p.ship_by, words), bank_days=bank_days)
    full, brief, _ = said.LADDER[p.status]
    if p.status in WAITING and p.slip_url:
        key = said.PROGRESS_LABEL_READY if p.ours else said.PROGRESS_LABEL_READY_BRIEF
    elif p.status is RmaStatus.REFUNDED:
        key = full if p.amount else brief
    else:
        key = full if p.ours else brief
    return words.text(key, **values)


def notice(rma: Rma, item: str, status: RmaStatus, at: Optional[datetime], note: Optional[str] = None,
           slip_url: Optional[str] = None, bank_days: str = DEFAULT_BANK_DAYS,
           words: Optional[Catalogue] = None) -> str:
    """The message that tells a customer their return just moved to `status` (one of `said.NOTICE`)."""
    key = said.NOTICE[status]
    if status is RmaStatus.LABEL_CREATED and not slip_url:
        key = said.NOTICE_LABEL_READY_BRIEF
    elif status is RmaStatus.REJECTED and note:
        key = said.NOTICE_REJECTED_WHY
    return _words(words).text(key, rma_id=rma.rma_id, item=item, slip_url=slip_url or "", why=note or "",
                              resolution=resolution_name(rma.resolution, words), amount=money(rma.refund, words),
                              refunded_on=day(at, words), bank_days=bank_days)


def portal_status(rma: Rma, ship_by: Optional[datetime], words: Optional[Catalogue] = None) -> str:
    """The portal's line on where a return stands (the page shows the RMA number and slip beside it)."""
    words = _words(words)
    key = said.LADDER[rma.status][2]
    if rma.status is RmaStatus.LABEL_CREATED and ship_by is not None:
        key = said.PORTAL_STATUS_LABEL_READY
    elif rma.status is RmaStatus.REFUNDED and rma.refunded_at is None:
        key = said.PORTAL_STATUS_REFUNDED_BRIEF
    return words.text(key, created_on=day(rma.created_at, words), ship_by=day(ship_by, words),
                      amount=money(rma.refund, words), refunded_on=day(rma.refunded_at, words),
                      resolution=resolution_name(rma.resolution, words))


def returns_summary(rmas: Sequence[Rma], order: Order, ship_back_days: int, bank_days: str,
                    slip_url: Callable[[Rma], Optional[str]] = lambda rma: None,
                    words: Optional[Catalogue] = None) -> str:
    return " ".join(return_progress(Progress.of_rma(rma, item_name(order.line(rma.line_id), rma=rma), ship_back_days,
                                                    slip_url(rma)), bank_days, words)
                    for rma in rmas)


def platform_return_progress(found: "ExternalReturn", bank_days: str, words: Optional[Catalogue] = None) -> str:
    """One sentence on a return made in the merchant's returns platform (AfterShip, Loop)."""
    return return_progress(Progress.of_platform(found), bank_days, words)


def remedy_text(rma: Rma, words: Optional[Catalogue] = None) -> str:
    """What happens about a damaged item: "We'll send you a replacement (reference ...)" or a refund."""
    return _words(words).text(said.REMEDY.get(rma.resolution, said.REMEDY_REFUND), rma_id=rma.rma_id,
                              amount=money(rma.refund, words))


def marketplace_refunds(refunds: Sequence[MarketplaceRefund], order: Order, words: Optional[Catalogue] = None) -> str:
    """The refunds a marketplace made on an order, one phrase each, oldest first: "12.50 USD for Socks on
    4 December 2026; 4.99 USD on 5 December 2026" (a refund on no line: shipping, or the order)."""
    words = _words(words)
    parts = []
    for refund in refunds:
        line = order.line(refund.line_id) if refund.line_id else None
        on = day(refund.at, words)
        if line is None and refund.amount is not None:
            parts.append(words.text(said.MARKETPLACE_REFUND_ORDER, amount=money(refund.amount, words), refunded_on=on))
        elif refund.amount is not None:
            parts.append(words.text(said.MARKETPLACE_REFUND_ITEM, amount=money(refund.amount, words),
                                    item=item_name(line, words), refunded_on=on))
        else:
            parts.append(words.text(said.MARKETPLACE_REFUND_NO_AMOUNT, item=item_name(line, words), refunded_on=on))
    return "; ".join(parts)


def partly_refunded(rma: Rma, order: Order, refunds: Sequence[MarketplaceRefund],
                    words: Optional[Catalogue] = None) -> str:
    """For a return still in progress whose line the marketplace refunded in part after it was made
    (fewer units, or less money): what was refunded and when, and the rest still pending; "" else
    (nothing refunded, a return finished, or amounts the marketplace did not give)."""
    if rma.status in (RmaStatus.REFUNDED, RmaStatus.REJECTED) or rma.refund is None:
        return ""
    mine = [r for r in refunds if r.line_id == rma.line_id and r.at is not None and r.at >= rma.created_at]
    if not mine or any(r.amount is None or r.amount.currency != rma.refund.currency for r in mine):
        return ""
    rest = rma.refund.amount - sum((r.amount.amount for r in mine), Decimal(0))
    if rest <= 0:
        return ""  # its money, fewer units: still in progress, but nothing is left to name
    words = _words(words)
    parts = "; ".join(words.text(said.MARKETPLACE_REFUND_ORDER, amount=money(r.amount, words),
                                 refunded_on=day(r.at, words)) for r in mine)
    return words.text(said.MARKETPLACE_PARTLY_REFUNDED, rma_id=rma.rma_id, item=item_name(order.line(rma.line_id),
                      words, rma=rma), refunds=parts, rest=money(Money(rest, rma.refund.currency), words))
