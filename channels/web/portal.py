"""Self-service returns portal: the page at /returns and its JSON API under /api/portal/, as aiohttp routes.

The portal is the web chat's sibling, not a second door: it reads the chat's signed session cookie
(issued by POST /api/session), so a browser's portal and chat are one conversation `web:<session id>`
with one verification, one lockout count and one set of returns. Every order answer goes through
`ReturnsService`: `verify` (a wrong pair and an unknown order get the same answer), `line_options`
(what the policy allows for each line, verified orders only) and `request_return` per chosen line, so
the database's one-RMA-per-line rule holds whichever door a customer uses and a repeated submit gets
the same RMA back.

API (JSON in and out; errors are `{"error": message, "field": name}` with the field when one is at fault):
- POST /api/portal/verify `{"order_id", "proof"}` -> 200 `{"verified": true, "order_id"}`; 403 for a
  wrong pair or an unknown order alike; 423 `{"locked": true, "chat_url"}` after too many failures.
- GET /api/portal/order?order_id=... -> 200 the order and its items with what each may do; 403 until
  this session has verified the order. Every sentence the page shows about an order comes in the answer,
  rendered from the catalogue (`bot.catalogue`): an item's `summary` (as parts: text, bold, a link to
  the chat), `why_not_text`, an RMA's `heading`, `status_text`, `send_text` and `next`; the names of the
  reasons and resolutions (`labels`); and per reason an item offers, the outcome, the resolutions the
  policy allows then and the note to show (`choices`). The page restates none of them.
- POST /api/portal/returns `{"order_id", "items": [{"line_id", "reason", "resolution", "quantity"}]}`
  -> 200 `{"results": [...]}`, one per item, in order: the RMA and slip link, or the policy's outcome,
  with what the page says about it (`lead`, `paragraphs`).
  `quantity` is optional (default: all that is left of the line, the item's `return_quantity`) and
  must be 1..the item's `max_quantity`; a line keeps one return, so after a partial return the rest
  of it goes through the chat.
Every page and answer is in the customer's language: `?lang=` (the chat's links carry the conversation's;
portal.js adds the page's to every call), else `Accept-Language`, else English (`page_language`); the page's
own words are the catalogue's `utter_page_*` (channels/web/page_words.py).
Without a session every call is a 401; bodies are read by `channels.http_body` (limited, application/json,
which with the SameSite cookie keeps cross-site form posts out, bounded nesting, no lone surrogates, an object).
"""
from __future__ import annotations

import asyncio
import html
import re
import weakref
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Protocol, Sequence

from aiohttp import web

from bot import replies, text
from bot import responses as said
from bot.catalogue import Catalogue, catalogue, speaking
from bot.models import Ineligibility, Outcome, Resolution, ReturnReason, Rma, RmaStatus
from bot.services import LineOption, NotVerified, ReturnResult, Verification
from channels.http_body import BadBody, read_object
from channels.web import page_words
from channels.web.page import DEFAULT_SHOP_NAME, PAGE_HEADERS, page_language, page_text, static_file
from channels.web.page_words import page_in
from channels.web.session import SessionSigner, conversation_of

MAX_PORTAL_BODY_BYTES = 16 * 1024
MAX_ORDER_ID_CHARS = 64
MAX_PROOF_CHARS = 320
AMAZON_RETURNS_URL = "https://www.amazon.com/returns"
CHAT_URL = "/"
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

NO_SESSION = "no session: POST /api/session first"  # for a client's programmer: the page always has one
REASONS = (ReturnReason.TOO_SMALL, ReturnReason.TOO_LARGE, ReturnReason.NOT_AS_DESCRIBED, ReturnReason.DAMAGED,
           ReturnReason.WRONG_ITEM, ReturnReason.CHANGED_MIND)  # the chat's choices, in its order
NOTHING_TO_ASK = (Outcome.NOT_ELIGIBLE, Outcome.AMAZON_FBA)
_SPACE = [{"text": " "}]  # between two sentences of one paragraph
_REASON_PAYLOAD = re.compile(r'"return_reason"\s*:\s*"(\w+)"')


class PortalReturns(Protocol):
    """The part of `bot.services.ReturnsService` the portal uses."""

    policy: Any  # its ship_back_days dates the slips; its bank_days says when a refund shows

    def verify(self, conversation_id: str, order_id: str, proof: str) -> Verification: ...

    def line_options(self, conversation_id: str, order_id: str) -> List[LineOption]: ...

    def request_return(self, conversation_id: str, order_id: str, line_id: str, reason: ReturnReason,
                       resolution: Optional[Resolution] = None, quantity: Optional[int] = None) -> ReturnResult: ...

    def slip_url_for(self, rma: Rma) -> Optional[str]: ...


class BadField(ValueError):
    """A request field the customer (or a client) got wrong: the catalogue's sentence `key` says how."""

    def __init__(self, field: str, key: str, **values: Any) -> None:
        super().__init__(key)
        self.field, self.key, self.values = field, key, values

    def text(self, words: Catalogue) -> str:
        return words.text(self.key, field=self.field, **self.values)


@dataclass(frozen=True)
class Choice:
    """One item the customer asked to return, checked against the order before anything is done."""

    line_id: str
    reason: ReturnReason
    resolution: Optional[Resolution]
    quantity: Optional[int] = None  # None: all that is left of the line


def _error(status: int, message: str, field: Optional[str] = None, **extra: Any) -> web.Response:
    body: Dict[str, Any] = {"error": message, **extra}
    if field:
        body["field"] = field
    return web.json_response(body, status=status, headers=API_HEADERS)


def _ok(body: Dict[str, Any]) -> web.Response:
    return web.json_response(body, headers=API_HEADERS)


class Portal:
    """Request handlers of the portal; collaborators are passed in."""

    def __init__(self, *, returns: PortalReturns, secret: str, shop_name: str, chat_url: str = CHAT_URL,
                 words: Optional[Catalogue] = None) -> None:
        if not secret:
            raise ValueError("the returns portal needs the web chat's non-empty secret to read session cookies")
        self.returns, self.chat_url = returns, chat_url
        self._fixed_words = words  # a test's catalogue, for every language; else the customer's language's
        self.signer = SessionSigner(secret)
        self.shop_name = shop_name
        self._pages: Dict[str, str] = {}
        # One submit at a time per conversation: a double click waits for the first and gets its RMAs
        # (the database would keep one RMA per line anyway; this also keeps one review case).
        self._submitting: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()

    def words(self, language: str) -> Catalogue:
        return self._fixed_words if self._fixed_words is not None else catalogue(language=language)

    def _labels(self, words: Catalogue) -> Dict[str, Dict[str, str]]:
        return {"reasons": _reason_names(words),
                "resolutions": {r.value: words.text(key) for r, key in said.RESOLUTION_NAMES.items()}}

    def page(self, language: str) -> str:
        """The page in `language`: its chrome and the sentences it checks itself (`<body data-words>`)."""
        if language not in self._pages:
            words = self.words(language)
            page = page_text("portal.html", self.shop_name).replace(
                "{{chat_href}}", html.escape(replies.with_language(self.chat_url, language), quote=True))
            self._pages[language] = page_in(page, words, page_words.PORTAL)
        return self._pages[language]

    def _conversation(self, request: web.Request) -> Optional[str]:
        sid = self.signer.session_id(request)
        return conversation_of(sid) if sid else None

    async def index(self, request: web.Request) -> web.Response:
        language = page_language(request)
        return web.Response(text=self.page(language), content_type="text/html",
                            headers={**PAGE_HEADERS, "Content-Language": language, "Vary": "Accept-Language"})

    async def static(self, request: web.Request) -> web.StreamResponse:
        return static_file(request)

    async def verify(self, request: web.Request) -> web.Response:
        words = self.words(page_language(request))
        conversation = self._conversation(request)
        if conversation is None:
            return _error(401, NO_SESSION)
        body = await _json_body(request)
        if isinstance(body, web.Response):
            return body
        try:
            order_id = _order_id(body.get("order_id"))
            proof = _text_field(body.get("proof"), "proof", MAX_PROOF_CHARS, said.PORTAL_ERROR_ENTER_PROOF)
        except BadField as bad:
            return _error(400, bad.text(words), bad.field)
        result = await asyncio.to_thread(self.returns.verify, conversation, order_id, proof)
        if result.verified:
            return _ok({"verified": True, "order_id": order_id})
        if result.locked:
            return _error(423, words.text(said.PORTAL_ERROR_LOCKED), locked=True,
                          chat_url=replies.with_language(self.chat_url, words.language))
        return _error(403, words.text(said.PORTAL_ERROR_NOT_FOUND), verified=False)

    async def order(self, request: web.Request) -> web.Response:
        language = page_language(request)
        words = self.words(language)
        conversation = self._conversation(request)
        if conversation is None:
            return _error(401, NO_SESSION)
        try:
            order_id = _order_id(request.query.get("order_id"))
        except BadField as bad:
            return _error(400, bad.text(words), bad.field)
        try:
            with speaking(language):  # the slips' links open in it too
                body = await asyncio.to_thread(self._order_body, conversation, order_id, words)
        except NotVerified:
            return _error(403, words.text(said.PORTAL_ERROR_NOT_VERIFIED), "order_id", verified=False)
        return _ok(body)

    def _order_body(self, conversation: str, order_id: str, words: Catalogue) -> Dict[str, Any]:
        options = self.returns.line_options(conversation, order_id)
        return {"order_id": order_id, "chat_url": replies.with_language(self.chat_url, words.language),
                "ship_back_days": self.returns.policy.ship_back_days, "labels": self._labels(words),
                "items": [self._item(option, words) for option in options]}

    async def submit(self, request: web.Request) -> web.Response:
        language = page_language(request)
        words = self.words(language)
        conversation = self._conversation(request)
        if conversation is None:
            return _error(401, NO_SESSION)
        body = await _json_body(request)
        if isinstance(body, web.Response):
            return body
        try:
            order_id = _order_id(body.get("order_id"))
        except BadField as bad:
            return _error(400, bad.text(words), bad.field)
        lock = self._submitting.setdefault(conversation, asyncio.Lock())
        async with lock:
            try:
                with speaking(language):  # the slips' links open in it too
                    results = await asyncio.to_thread(self._carry_out, conversation, order_id, body.get("items"), words)
            except NotVerified:
                return _error(403, words.text(said.PORTAL_ERROR_NOT_VERIFIED), "order_id", verified=False)
            except BadField as bad:
                return _error(400, bad.text(words), bad.field)
        return _ok({"order_id": order_id, "chat_url": replies.with_language(self.chat_url, language),
                    "results": results})

    def _carry_out(self, conversation: str, order_id: str, items: Any, words: Catalogue) -> List[Dict[str, Any]]:
        """Checks every item first (nothing is done for a request with a mistake), then asks the
        service for each return in turn."""
        options = {option.line.line_id: option for option in self.returns.line_options(conversation, order_id)}
        choices = _choices(items, options, words)
        return [self._result(self.returns.request_return(conversation, order_id, c.line_id, c.reason, c.resolution,
                                                         c.quantity), words)
                for c in choices]

    # -- what the page shows ---------------------------------------------------------------------
    def _item(self, option: LineOption, words: Catalogue) -> Dict[str, Any]:
        line, decision = option.line, option.decision
        damaged = option.if_damaged
        return {
            "line_id": line.line_id, "title": line.title, "sku": line.sku, "quantity": line.quantity,
            "return_quantity": option.quantity, "max_quantity": _max_quantity(option),
            "category": line.category.replace("_", " "),
            "outcome": option.outcome.value,
            "why_not": option.why_not.value if option.why_not else None,
            "return_by": replies.day(option.return_by, words) if option.return_by else None,
            "refund": replies.money(decision.refund, words) if decision.refund else None,
            "resolutions": [r.value for r in option.allowed_resolutions],
            "reasons": [r.value for r in _reasons(option)],
            "if_damaged": None if damaged is None else {
                "outcome": damaged.outcome.value, "resolutions": [r.value for r in damaged.allowed_resolutions]},
            "amazon_returns_url": AMAZON_RETURNS_URL if option.outcome is Outcome.AMAZON_FBA else None,
            "rma": self._rma(option.existing_rma, words) if option.existing_rma else None,
            "why_not_text": self._why_not(option.outcome, option.why_not, option.return_by, line.category, words),
            "amazon_text": words.text(said.PORTAL_AMAZON_STEPS) if option.outcome is Outcome.AMAZON_FBA else None,
            "choices": {reason.value: self._choice(option, reason, words) for reason in _reasons(option)},
            "summary": None if option.existing_rma else self._summary(option, words),
            "partial_text": (words.text(said.PORTAL_ITEM_PARTIAL, quantity=option.existing_rma.quantity,
                                             most=_max_quantity(option))
                             if option.existing_rma and option.existing_rma.quantity < _max_quantity(option) else None),
        }

    def _summary(self, option: LineOption, words: Catalogue) -> List[Dict[str, Any]]:
        """The line under an item's title: what the policy allows for it today (as parts: see
        `Catalogue.parts`)."""
        outcome = option.outcome
        return_by = replies.day(option.return_by, words)
        if outcome is Outcome.RMA:
            offered = ", ".join(self._labels(words)["resolutions"][r.value] for r in option.allowed_resolutions).lower()
            if offered:
                return words.parts(said.PORTAL_ITEM_RETURNABLE_CHOICE, return_by=return_by, offered=offered)
            return words.parts(said.PORTAL_ITEM_RETURNABLE, return_by=return_by)
        if outcome is Outcome.RETURNLESS_REFUND:
            return words.parts(said.PORTAL_ITEM_RETURNLESS, refund=replies.money(option.decision.refund, words))
        if outcome is Outcome.FRAUD_REVIEW:
            return words.parts(said.PORTAL_ITEM_REVIEW, return_by=return_by)
        if outcome is Outcome.AMAZON_FBA:
            return words.parts(said.PORTAL_ITEM_AMAZON) + _SPACE + words.parts(said.PORTAL_AMAZON_STEPS)
        why = words.parts(said.PORTAL_WHY_NOT.get(option.why_not, said.PORTAL_WHY_NOT_OTHER),
                          return_by=return_by, category=option.line.category.replace("_", " "))
        if _reasons(option):
            return why + _SPACE + words.parts(said.PORTAL_ITEM_REPORT_DAMAGE)
        if option.why_not is Ineligibility.WINDOW_CLOSED:
            return why + _SPACE + words.parts(said.PORTAL_ITEM_CHAT_IF_WRONG)
        return why

    def _choice(self, option: LineOption, reason: ReturnReason, words: Catalogue) -> Dict[str, Any]:
        """What choosing `reason` for the line leads to: the policy's outcome, the resolutions then
        offered, and the note the page shows under the choice (`note_some`: when fewer units than all
        are chosen, with `{quantity}` for the page to fill)."""
        decision = option.if_damaged if reason is ReturnReason.DAMAGED and option.if_damaged is not None \
            else option.decision
        note, note_some = None, None
        if decision.outcome is Outcome.RMA:
            note = words.text(said.PORTAL_NOTE_RMA, ship_back_days=self.returns.policy.ship_back_days)
        elif decision.outcome is Outcome.RETURNLESS_REFUND:
            note = words.text(said.PORTAL_NOTE_RETURNLESS,
                              amount=replies.money(decision.refund or option.decision.refund, words))
            note_some = words.text(said.PORTAL_NOTE_RETURNLESS_SOME, quantity="{quantity}")
        elif decision.outcome is Outcome.DAMAGE_REPLACEMENT:
            note = words.text(said.PORTAL_NOTE_DAMAGE)
        elif decision.outcome is Outcome.FRAUD_REVIEW:
            note = words.text(said.PORTAL_NOTE_REVIEW)
        return {"outcome": decision.outcome.value, "resolutions": [r.value for r in _resolutions(option, reason)],
                "note": note, "note_some": note_some}

    def _rma(self, rma: Rma, words: Catalogue) -> Dict[str, Any]:
        ship_by = replies.ship_by_date(rma, self.returns.policy.ship_back_days)
        waiting = rma.outcome is Outcome.RMA and rma.status in (RmaStatus.AUTHORISED, RmaStatus.LABEL_CREATED)
        after = (replies.resolution_text(rma.resolution, replies.money(rma.refund, words), words)
                 if rma.outcome is Outcome.RMA else None)
        send = words.text(said.PORTAL_RESULT_SEND_BY, ship_by=replies.day(ship_by, words)) if waiting else None
        remedy = None
        if rma.outcome is Outcome.DAMAGE_REPLACEMENT:
            remedy = words.text(said.REMEDY.get(rma.resolution, said.REMEDY_REFUND), rma_id=rma.rma_id,
                                amount=replies.money(rma.refund, words))
        return {
            "rma_id": rma.rma_id, "outcome": rma.outcome.value, "status": rma.status.value,
            "resolution": rma.resolution.value, "refund": replies.money(rma.refund, words),
            "quantity": rma.quantity,
            "slip_url": self.returns.slip_url_for(rma), "created_on": replies.day(rma.created_at, words),
            "ship_by": replies.day(ship_by, words) if waiting else None,
            "refunded_on": replies.day(rma.refunded_at, words) if rma.refunded_at else None,
            "next": after,
            "heading": words.text(said.PORTAL_ITEM_RETURN, rma_id=rma.rma_id),
            "status_text": replies.portal_status(rma, ship_by if waiting else None, words),
            "send_text": " ".join(filter(None, [send, after])) if waiting else None,
            "remedy_text": remedy,
        }

    def _result(self, result: ReturnResult, words: Catalogue) -> Dict[str, Any]:
        decision, line = result.decision, result.line
        return {
            "line_id": line.line_id if line else None, "title": line.title if line else None,
            "outcome": decision.outcome.value, "created": result.created,
            "needs_resolution": result.needs_resolution,
            "resolutions": [r.value for r in decision.allowed_resolutions],
            "why_not": decision.ineligible.value if decision.ineligible else None,
            "return_by": replies.day(decision.return_by, words) if decision.return_by else None,
            "category": line.category.replace("_", " ") if line else None,
            "refund": replies.money(decision.refund, words) if decision.refund else None,
            "rma": self._rma(result.rma, words) if result.rma else None,
            "case_id": f"#{result.handoff.handoff_id}" if result.handoff else None,
            "amazon_returns_url": AMAZON_RETURNS_URL if decision.outcome is Outcome.AMAZON_FBA else None,
            "why_not_text": self._why_not(decision.outcome, decision.ineligible, decision.return_by,
                                          line.category if line else "", words),
            "amazon_text": (words.text(said.PORTAL_AMAZON_STEPS)
                            if decision.outcome is Outcome.AMAZON_FBA else None),
            "lead": (words.text(said.PORTAL_RESULT_APPROVED if result.created else said.PORTAL_RESULT_EXISTS)
                     if result.rma is not None and result.rma.outcome is Outcome.RMA else None),
            "paragraphs": self._paragraphs(result, words),
        }

    def _paragraphs(self, result: ReturnResult, words: Catalogue) -> List[List[Dict[str, Any]]]:
        """What the page says about one requested return, paragraph by paragraph (as parts: see
        `Catalogue.parts`); empty for an RMA, whose number, slip and dates the page lays out itself."""
        rma, decision = result.rma, result.decision
        case = {"case_id": f"#{result.handoff.handoff_id}"} if result.handoff else {}
        if result.needs_resolution:
            return [words.parts(said.PORTAL_RESULT_CHOOSE_AGAIN)]
        if rma is not None and rma.outcome is Outcome.RMA:
            return []
        if rma is not None and rma.outcome is Outcome.RETURNLESS_REFUND:
            return [words.parts(said.PORTAL_RESULT_RETURNLESS, refund=replies.money(rma.refund, words),
                                rma_id=rma.rma_id,
                                bank_days=self.returns.policy.bank_days)]
        if rma is not None and rma.outcome is Outcome.DAMAGE_REPLACEMENT:
            remedy = words.parts(said.REMEDY.get(rma.resolution, said.REMEDY_REFUND), rma_id=rma.rma_id,
                                 amount=replies.money(rma.refund, words))
            review = said.PORTAL_RESULT_DAMAGE_REVIEW_CASE if case else said.PORTAL_RESULT_DAMAGE_REVIEW
            return [words.parts(said.PORTAL_RESULT_DAMAGED) + _SPACE + remedy, words.parts(review, **case)]
        if decision.outcome is Outcome.FRAUD_REVIEW:
            return [words.parts(said.PORTAL_RESULT_REVIEW_CASE if case else said.PORTAL_RESULT_REVIEW, **case)]
        if decision.outcome is Outcome.AMAZON_FBA:
            return [words.parts(said.PORTAL_RESULT_AMAZON) + _SPACE + words.parts(said.PORTAL_AMAZON_STEPS)]
        line = result.line
        why = words.parts(said.PORTAL_WHY_NOT.get(decision.ineligible, said.PORTAL_WHY_NOT_OTHER),
                          return_by=replies.day(decision.return_by, words),
                          category=line.category.replace("_", " ") if line else "")
        return [why + _SPACE + words.parts(said.PORTAL_RESULT_QUESTIONS)]

    def _why_not(self, outcome: Outcome, why_not: Optional[Ineligibility], return_by, category: str,
                 words: Catalogue) -> Optional[str]:
        """Why the policy says no, as the page shows it (None when it does not say no)."""
        if outcome is not Outcome.NOT_ELIGIBLE:
            return None
        return words.text(said.PORTAL_WHY_NOT.get(why_not, said.PORTAL_WHY_NOT_OTHER),
                               return_by=replies.day(return_by, words), category=category.replace("_", " "))


def _reasons(option: LineOption) -> Sequence[ReturnReason]:
    """The reasons the page offers for a line: none when nothing can be requested (a return exists, or
    the answer is no whatever the reason), only "arrived damaged" when only that changes a no."""
    if option.existing_rma is not None:
        return ()
    if option.outcome in NOTHING_TO_ASK:
        return (ReturnReason.DAMAGED,) if option.reason_matters else ()
    return REASONS


def _reason_names(words: Catalogue) -> Dict[str, str]:
    """The reasons' names, as the chat's buttons show them (the catalogue's `utter_ask_return_reason`)."""
    names = {}
    for title, payload in words.entry(said.ASK_RETURN_REASON).buttons:
        found = _REASON_PAYLOAD.search(payload)
        if found:
            names[found.group(1)] = title
    return names


def _resolutions(option: LineOption, reason: ReturnReason) -> Sequence[Resolution]:
    if option.existing_rma is not None:
        return ()
    if reason is ReturnReason.DAMAGED and option.if_damaged is not None:
        return option.if_damaged.allowed_resolutions
    return option.allowed_resolutions


def _choices(items: Any, options: Dict[str, LineOption], words: Catalogue) -> List[Choice]:
    if not isinstance(items, list) or not items:
        raise BadField("items", said.PORTAL_ERROR_CHOOSE_ITEMS)
    if len(items) > len(options):
        raise BadField("items", said.PORTAL_ERROR_TOO_MANY_ITEMS, count=len(options))
    choices: List[Choice] = []
    for i, item in enumerate(items):
        at = f"items[{i}]"
        if not isinstance(item, dict):
            raise BadField(at, said.PORTAL_ERROR_NOT_AN_ITEM)
        option = options.get(item.get("line_id")) if isinstance(item.get("line_id"), str) else None
        if option is None:
            raise BadField(f"{at}.line_id", said.PORTAL_ERROR_NOT_ON_ORDER)
        if any(c.line_id == option.line.line_id for c in choices):
            raise BadField(f"{at}.line_id", said.PORTAL_ERROR_CHOSEN_TWICE, title=option.line.title)
        reason = _reason(item.get("reason"), option, f"{at}.reason")
        resolution = _resolution(item.get("resolution"), option, reason, f"{at}.resolution", words)
        quantity = _quantity(item.get("quantity"), option, f"{at}.quantity")
        choices.append(Choice(option.line.line_id, reason, resolution, quantity))
    return choices


def _max_quantity(option: LineOption) -> int:
    """The most units a request may choose: what is left of the line. Once the line has a return, that
    return stands (one per line) and the page sends the rest to the chat."""
    return option.line.returnable_quantity


def _quantity(value: Any, option: LineOption, field: str) -> Optional[int]:
    """The chosen number of units, None for all that is left. An item with a return keeps it: a repeated
    request gets it back, whatever quantity it names within the return's."""
    if value is None:
        return None
    most = _max_quantity(option)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise BadField(field, said.PORTAL_ERROR_CHOOSE_QUANTITY, title=option.line.title, most=most)
    return None if option.existing_rma else value


def _reason(value: Any, option: LineOption, field: str) -> ReturnReason:
    if value is None or value == "":
        if _reasons(option):
            raise BadField(field, said.PORTAL_ERROR_CHOOSE_REASON, title=option.line.title)
        return ReturnReason.OTHER  # the answer does not depend on it (as the chat records it)
    reason = _known_reason(value)
    if reason is None:
        raise BadField(field, said.PORTAL_ERROR_REASON_OFFERED, title=option.line.title)
    return reason


def _known_reason(value: Any) -> Optional[ReturnReason]:
    """The reason whose value `value` is (`"too_small"`), None for anything else: another string,
    a number, a list."""
    if not isinstance(value, str):
        return None
    try:
        return ReturnReason(value)
    except ValueError:
        return None


def _resolution(value: Any, option: LineOption, reason: ReturnReason, field: str,
                words: Catalogue) -> Optional[Resolution]:
    allowed = _resolutions(option, reason)
    if not allowed:
        return None  # nothing to choose: the policy's answer (or the existing return) stands
    if value is None or value == "":
        if len(allowed) == 1:
            return allowed[0]
        raise BadField(field, said.PORTAL_ERROR_CHOOSE_RESOLUTION, title=option.line.title)
    if value not in [r.value for r in allowed]:
        offered = ", ".join(replies.resolution_name(r, words) for r in allowed)
        raise BadField(field, said.PORTAL_ERROR_RESOLUTION_OFFERED, title=option.line.title, offered=offered)
    return Resolution(value)


def _order_id(value: Any) -> str:
    """The canonical order id (`1001` -> `#1001`, spaces -> dashes); an id in a format the parser does
    not know goes to the service as typed, where it is simply not found."""
    raw = _text_field(value, "order_id", MAX_ORDER_ID_CHARS, said.PORTAL_ERROR_ENTER_ORDER)
    return text.parse_order_id(raw) or raw


def _text_field(value: Any, field: str, limit: int, missing: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadField(field, missing)
    if not isinstance(value, str):
        raise BadField(field, said.PORTAL_ERROR_NOT_TEXT)
    value = value.strip()
    if len(value) > limit:
        raise BadField(field, said.PORTAL_ERROR_TOO_LONG, limit=limit)
    return value


async def _json_body(request: web.Request) -> "Dict[str, Any] | web.Response":
    """The request's JSON object, or the error response to send instead."""
    try:
        return await read_object(request, MAX_PORTAL_BODY_BYTES)
    except BadBody as bad:
        return _error(bad.status, str(bad))


def add_portal_routes(app: web.Application, *, returns: PortalReturns, secret: str,
                      shop_name: str = DEFAULT_SHOP_NAME, chat_url: str = CHAT_URL) -> Portal:
    """Adds the portal page (/returns), its assets and /api/portal/* to `app`. `secret` must be the web
    chat's, so both read one session cookie."""
    portal = Portal(returns=returns, secret=secret, shop_name=shop_name, chat_url=chat_url)
    app.router.add_get("/returns", portal.index)
    app.router.add_get(r"/static/{name:portal\.(?:js|css)}", portal.static)
    app.router.add_post("/api/portal/verify", portal.verify)
    app.router.add_get("/api/portal/order", portal.order)
    app.router.add_post("/api/portal/returns", portal.submit)
    return portal

