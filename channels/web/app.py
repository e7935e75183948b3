"""Web chat channel: the chat page, its JSON API and return-slip downloads, as aiohttp routes.

The gateway issues each browser a session id in a signed HttpOnly cookie (`channels.web.session`,
shared with the returns portal); the conversation id is `web:<session id>`. A message goes to the
`Router` like any channel's, keyed by the id the page gave it (`web:<session id>:msg:<id>`): the
page resends a message it got no answer to under the same id, so a retry is never a second turn.
The router keeps the transcript, asks Rasa (or, while an agent owns the conversation, stays silent
and passes the words to the agent) and queues the replies in the outbox.

Bodies are read by `channels.http_body` (size, type, nesting, lone surrogates, an object); every
/api/* answer and slip download is `Cache-Control: no-store` (they carry tracking numbers and slip
links). New sessions are limited per client address and overall (`channels.limits`). A `title`
(what the page shows for a pressed button) is kept only for the payload of a button the bot offered
in this conversation, and then it is that button's own title: a customer cannot relabel their words.

Every message to the customer is an outbox row with a sequence number. The page gets the rows that
answer its message in the response to it (again, for a retry); what is said outside that (an
agent's reply from Slack, a decision on their case) it pulls from /api/updates, by sequence number.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Callable, Protocol

from aiohttp import web

from bot import responses as said
from bot.catalogue import catalogue
from bot.clock import utc_now
from bot.ids import parse_rma_id
from bot.language import Hints, served
from bot.outbox import Outbox, OutboxMessage
from channels.http_body import BadBody, read_object
from channels.limits import SESSION_DEFAULTS, ClientAddresses, WindowCounter, session_notice
from channels.router import Inbound, Router, sorry_texts, without_intent
from channels.web import page_words
from channels.web.page import DEFAULT_SHOP_NAME, PAGE_HEADERS, page_language, page_text, static_file
from channels.web.page_words import page_in
from channels.web.portal import PortalReturns, add_portal_routes
from channels.web.session import CHANNEL, COOKIE_NAME, SessionSigner, conversation_of

MAX_BODY_BYTES = 64 * 1024
MAX_TEXT_CHARS = 2000
MAX_TITLE_CHARS = 200
CURSOR = re.compile(r"[0-9]{1,18}")  # fits a 64-bit integer column; fullmatch (`$` lets a final newline in)
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")  # fullmatch
SLIP_PATH = re.compile(r"/returns/[^/]+/slip\.pdf")
NO_STORE = "no-store"
OFFERS_LOOKBACK = 12  # transcript entries read first for the offered buttons; more only when they do not settle it


class MessageStore(Protocol):
    """The part of bot.store the web channel uses: the transcript the router writes."""

    def messages(self, conversation_id: str, limit: int = 200) -> list[dict]: ...


SlipSource = Callable[[str, str, str], "bytes | None"]  # (rma_id, token, language) -> PDF, None when unknown/bad token


def web_payloads(reply: dict[str, Any]) -> list[dict[str, Any]]:
    """The web channel's renderer: the page shows a reply as it is (text, buttons, image, slip link)."""
    return [reply]


def _json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def offered_payloads(history: list[dict]) -> set[str]:
    """Button payloads in the bot's last answer. An apology (Rasa was unavailable) is no answer:
    the buttons before it stay offered, so pressing one again is the retry the apology asked for."""
    return set(_offers(history)[0])


def _offers(history: list[dict]) -> tuple[dict[str, str], bool]:
    """The buttons of `offered_payloads(history)` (payload -> title), and whether a customer message
    before that answer settles it: then entries older than `history` cannot change it."""
    offered: dict[str, str] = {}
    answered = False
    for item in reversed(history):
        payload = item.get("payload") or {}
        if item.get("direction") == "in":
            if answered:
                return offered, True
            continue
        if payload.get("text") in sorry_texts():
            continue
        answered = True
        for button in payload.get("buttons") or []:
            offered.setdefault(button.get("payload"), button.get("title"))
    return offered, False


class WebChat:
    """Request handlers of the web channel; collaborators are passed in."""

    def __init__(self, *, router: Router, outbox: Outbox, store: MessageStore, slip_pdf: SlipSource, secret: str,
                 shop_name: str, secure_cookie: bool, now: Callable[[], datetime],
                 addresses: ClientAddresses | None = None, sessions: WindowCounter | None = None,
                 contact: str = "") -> None:
        if not secret:
            raise ValueError("the web chat needs a non-empty secret to sign session cookies")
        self.router, self.outbox, self.store, self.slip_pdf, self.now = router, outbox, store, slip_pdf, now
        self.signer = SessionSigner(secret)
        self.secure_cookie = secure_cookie
        self.addresses = addresses or ClientAddresses()
        self.sessions = sessions or WindowCounter(SESSION_DEFAULTS)
        self.contact = contact
        self.page = page_text("index.html", shop_name)
        self._pages: dict[str, str] = {}  # the page in each language asked for (its words: page_words.CHAT)

    def _session(self, request: web.Request) -> str | None:
        return self.signer.session_id(request)

    def _offered(self, conversation_id: str) -> set[str]:
        """`offered_payloads` of the conversation's transcript (see `_offered_buttons`)."""
        return set(self._offered_buttons(conversation_id))

    def _offered_buttons(self, conversation_id: str) -> dict[str, str]:
        """The buttons (payload -> title) of `offered_payloads` of the conversation's transcript (its
        latest 200 entries, the store's default), reading only the latest `OFFERS_LOOKBACK` when those
        settle it, as they usually do."""
        latest = self.store.messages(conversation_id, limit=OFFERS_LOOKBACK)
        offered, settled = _offers(latest)
        if settled or len(latest) < OFFERS_LOOKBACK:  # nothing older can change it, or there is nothing older
            return offered
        return _offers(self.store.messages(conversation_id))[0]

    async def index(self, request: web.Request) -> web.Response:
        language = page_language(request)
        if language not in self._pages:
            self._pages[language] = page_in(self.page, catalogue(language=language), page_words.CHAT)
        return web.Response(text=self._pages[language], content_type="text/html",
                            headers={**PAGE_HEADERS, "Content-Language": language, "Vary": "Accept-Language"})

    async def static(self, request: web.Request) -> web.StreamResponse:
        return static_file(request)

    async def session(self, request: web.Request) -> web.Response:
        """Keeps a valid session; issues a new one when the cookie is missing or was not ours, within the
        limits on new sessions (per client address and overall): over them, 429 and a `notice` for the
        customer."""
        if self._session(request):
            return web.json_response({"new": False})
        client = self.addresses.key(request)
        refused = self.sessions.admit(client)
        if refused is not None:
            wait = self.sessions.retry_after(client, refused)
            notice = session_notice(refused, wait, self.contact, page_language(request))
            return web.json_response({"error": f"too many new sessions ({refused}): try again later", "notice": notice},
                                     status=429, headers={"Retry-After": str(wait)})
        _, cookie = self.signer.issue()
        resp = web.json_response({"new": True})
        resp.set_cookie(COOKIE_NAME, cookie, path="/", httponly=True, samesite="Lax", secure=self.secure_cookie)
        return resp

    async def history(self, request: web.Request) -> web.Response:
        """The transcript, and the cursor to pull /api/updates from. The cursor is read first: a
        message queued meanwhile comes again from /api/updates (the page drops seqs it shows)."""
        sid = self._session(request)
        if sid is None:
            return _json_error(401, "no session: POST /api/session first")
        conversation_id = conversation_of(sid)
        cursor = self.outbox.last_seq(conversation_id)
        items = self.store.messages(conversation_id)
        return web.json_response({"messages": [
            {**(item.get("payload") or {}), "direction": item["direction"], "at": _iso(item.get("at"))}
            for item in items], "cursor": cursor})

    async def updates(self, request: web.Request) -> web.Response:
        """What was queued for this session's conversation after the page's cursor. Asking again
        with the same cursor answers the same, so a response lost on the way loses nothing."""
        sid = self._session(request)
        if sid is None:
            return _json_error(401, "no session: POST /api/session first")
        after = request.query.get("after", "0")
        if not CURSOR.fullmatch(after):
            return _json_error(400, "after must be a non-negative integer: the cursor of the last answer")
        cursor = int(after)
        rows = self.outbox.collect(conversation_of(sid), cursor, self.now())
        return web.json_response({"messages": [_pulled(row) for row in rows],
                                  "cursor": max([cursor, *(row.seq for row in rows)])})

    async def message(self, request: web.Request) -> web.Response:
        """Hands the customer's message to the router once per id and answers with the rows queued
        for it: `{"messages": [{...payload, "seq"}], "cursor"}`, the cursor being the highest seq
        answered (with none, the conversation's last). A row below it may be an agent's message the
        page has not pulled yet, so the page moves its own cursor only over seqs it has shown. A retry
        of an answered message gets the same rows; of one that was taken but never answered (a crash
        in between), no rows and a `notice` to send it again."""
        sid = self._session(request)
        if sid is None:
            return _json_error(401, "no session: POST /api/session first")
        try:
            body = await read_object(request, MAX_BODY_BYTES)
        except BadBody as bad:
            return _json_error(bad.status, str(bad))
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return _json_error(400, "text must be a non-empty string")
        message_id = body.get("id")
        if message_id is None:
            message_id = uuid.uuid4().hex  # a client without ids (curl, an old page) cannot retry safely
        elif not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id):
            return _json_error(400, "id must be 8 to 64 letters, digits, '-' or '_', the same for a retry")
        text = text.strip()[:MAX_TEXT_CHARS]
        pressed = isinstance(body.get("title"), str) and bool(body["title"].strip())  # the page says a button

        conversation_id = conversation_of(sid)
        title = None
        words = without_intent(text) or "?"  # only buttons the bot offered may carry intents and entities
        if words != text or pressed:  # (plain words need no transcript read)
            offered = self._offered_buttons(conversation_id)
            if text not in offered:
                text = words
            elif pressed:  # the bot's own title for its button: the customer's words are never relabelled
                title = (offered[text] or "").strip()[:MAX_TITLE_CHARS] or None
        key = f"{conversation_id}:msg:{message_id}"
        # the language the page was asked for (`?lang=`, which chat.js sends as `lang`), then the browser's
        page_lang = served(body["lang"]) if isinstance(body.get("lang"), str) else None
        hints = Hints(language_code=page_lang, accept_language=request.headers.get("Accept-Language"))
        fresh = await self.router.handle(Inbound(CHANNEL, conversation_id, key, text, title,
                                                 client=self.addresses.key(request), hints=hints))
        rows = self.outbox.answers(key, self.now())
        answer: dict[str, Any] = {
            "messages": [_pulled(row) for row in rows],
            "cursor": max(row.seq for row in rows) if rows else self.outbox.last_seq(conversation_id)}
        if not fresh and not rows and not self.outbox.is_answered(key):
            answer["notice"] = catalogue(language=self.router.language_of(conversation_id)).text(
                said.GATEWAY_NOT_ANSWERED)
        return web.json_response(answer)

    async def slip(self, request: web.Request) -> web.Response:
        rma_id, token = request.match_info["rma_id"], request.query.get("t", "")
        language = page_language(request)  # the chat's links carry the conversation's (?lang=)
        pdf = self.slip_pdf(rma_id, token, language) if token and parse_rma_id(rma_id) == rma_id else None
        if pdf is None:
            return _json_error(404, "no such return slip")
        return web.Response(body=pdf, content_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="return-slip-{rma_id}.pdf"',
            "Cache-Control": f"private, {NO_STORE}", "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff"})


def _iso(at: Any) -> Any:
    return at.isoformat() if isinstance(at, datetime) else at


def _pulled(row: OutboxMessage) -> dict[str, Any]:
    return {**row.payload, "seq": row.seq}


async def _not_stored(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """Every /api/* answer (errors included) and slip download: `Cache-Control: no-store`."""
    if request.path.startswith("/api/") or SLIP_PATH.fullmatch(request.path):
        if NO_STORE not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = NO_STORE


def add_web_routes(app: web.Application, *, router: Router, outbox: Outbox, store: MessageStore,
                   slip_pdf: SlipSource, secret: str, shop_name: str = DEFAULT_SHOP_NAME,
                   secure_cookie: bool = False, now: Callable[[], datetime] = utc_now,
                   returns: PortalReturns | None = None, addresses: ClientAddresses | None = None,
                   sessions: WindowCounter | None = None, contact: str = "") -> WebChat:
    """Adds the chat page, /api/* and slip downloads to `app` (whose client_max_size should be
    MAX_BODY_BYTES). `router` must render the "web" channel and queue into `outbox`; its
    `AgentDesk`, if any, decides when an agent answers instead of the bot. With `returns` (the
    ReturnsService) the self-service returns portal is served at /returns on the chat's sessions.
    `addresses` tells the client of a request (trusted proxies), `sessions` limits new sessions,
    `contact` is how to reach the shop otherwise, told to a customer a limit stops."""
    chat = WebChat(router=router, outbox=outbox, store=store, slip_pdf=slip_pdf, secret=secret,
                   shop_name=shop_name, secure_cookie=secure_cookie, now=now, addresses=addresses,
                   sessions=sessions, contact=contact)
    app.on_response_prepare.append(_not_stored)
    app.router.add_get("/", chat.index)
    app.router.add_get(r"/static/{name:chat\.(?:js|css)}", chat.static)
    app.router.add_post("/api/session", chat.session)
    app.router.add_post("/api/messages", chat.message)
    app.router.add_get("/api/history", chat.history)
    app.router.add_get("/api/updates", chat.updates)
    app.router.add_get("/returns/{rma_id}/slip.pdf", chat.slip)
    if returns is not None:
        add_portal_routes(app, returns=returns, secret=secret, shop_name=shop_name)
    else:
        app.router.add_get("/returns", _returns_start)
    return chat


async def _returns_start(request: web.Request) -> web.Response:
    """Without a returns service (a chat-only app) there is no portal: the self-service link starts in the chat."""
    raise web.HTTPFound("/")
