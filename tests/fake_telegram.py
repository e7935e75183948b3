"""A fake Telegram Bot API server on loopback (aiohttp), for driving the real bot in tests.

It serves getMe, getUpdates (from updates the test queues), setMyCommands, deleteWebhook,
setWebhook, sendMessage, sendDocument, answerCallbackQuery, editMessageReplyMarkup, getFile and
file downloads; records every call (failed ones too); and can be told to answer the next N calls
of a method with 429 + retry_after, a 5xx, or a dropped connection.

Updates follow Telegram's offset rule: an update is handed out until a getUpdates with a higher
offset confirms it (so one whose answer never reached the bot comes again). A test simulates
Telegram re-delivering an update by queueing it again: a queued copy is handed out once whatever
the offset.
"""
from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from aiohttp import web

from tests.loopback import serve

TOKEN = "123456:TEST-token_for-the-fake-api"
BOT_ID = 123456
BOT_USERNAME = "returnbot_test_bot"
JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "link_preview_options", "scope", "entities"}
INT_FIELDS = {"chat_id", "message_id", "offset", "timeout", "limit"}
# Update ids are unique per bot, so unique across the fakes of a test session (tests that share a
# database, like those on the running stack, would otherwise see each other's ids as processed).
_UPDATE_IDS = itertools.count(1000)


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    files: Dict[str, tuple] = field(default_factory=dict)  # field -> (file name, bytes)
    outcome: str = "ok"  # ok | 429 | 5xx status | dropped
    result: Any = None  # what the fake answered, on success

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def buttons(self) -> List[dict]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard") or [] for b in row]


@dataclass
class _Failure:
    status: int
    retry_after: Optional[int] = None
    drop: bool = False


class FakeTelegram:
    def __init__(self, token: str = TOKEN):
        self.token = token
        self.calls: List[Call] = []
        self._updates: List[List] = []  # [update, handed out?], oldest first
        self._arrived = asyncio.Event()
        self._closing = asyncio.Event()
        self._failures: Dict[str, List[_Failure]] = {}
        self.files: Dict[str, bytes] = {}
        self._update_ids = _UPDATE_IDS
        self._message_ids = itertools.count(1)
        self._runner: Optional[web.AppRunner] = None
        self.url = ""

    # -- server -----------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner, self.url = await serve(app)
        return self.url

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what a test does -------------------------------------------------------------------
    def push(self, update: dict) -> dict:
        """Queue an update for the next getUpdates (again, to simulate a re-delivery)."""
        self._updates.append([update, False])
        self._arrived.set()
        return update

    def fail_next(self, method: str, times: int = 1, *, status: int = 429, retry_after: Optional[int] = None,
                  drop: bool = False) -> None:
        """The next `times` calls of `method` fail: 429 (with retry_after), another status, or a
        connection closed without an answer."""
        if status == 429 and retry_after is None and not drop:
            retry_after = 1
        self._failures.setdefault(method, []).extend(
            _Failure(status, retry_after, drop) for _ in range(times))

    def sent(self, method: Optional[str] = None, chat_id: Optional[int] = None) -> List[Call]:
        """Successful calls, oldest first, of `method` and to `chat_id` when given."""
        return [c for c in self.calls if c.ok and (method is None or c.method == method)
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def attempts(self, method: str) -> List[Call]:
        return [c for c in self.calls if c.method == method]

    # -- updates a customer's client would cause --------------------------------------------
    def next_update_id(self) -> int:
        return next(self._update_ids)

    @staticmethod
    def user(user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": f"Customer {user_id}", "language_code": "en"}

    @staticmethod
    def private_chat(user_id: int) -> dict:
        return {"id": user_id, "type": "private", "first_name": f"Customer {user_id}"}

    def message(self, user_id: int, text: str, *, chat: Optional[dict] = None, update_id: Optional[int] = None,
                edited: bool = False, **extra) -> dict:
        message = {"message_id": next(self._message_ids), "date": 1_700_000_000, "from": self.user(user_id),
                   "chat": chat or self.private_chat(user_id), "text": text, **extra}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if edited:
            message["edit_date"] = 1_700_000_100
        return {"update_id": update_id or self.next_update_id(), ("edited_message" if edited else "message"): message}

    def photo(self, user_id: int, data: bytes, caption: Optional[str] = None) -> dict:
        file_id = f"photo-{len(self.files) + 1}"
        self.files[file_id] = data
        sizes = [{"file_id": f"{file_id}-thumb", "file_unique_id": f"{file_id}-t", "width": 90, "height": 60,
                  "file_size": 1000},
                 {"file_id": file_id, "file_unique_id": f"{file_id}-u", "width": 1280, "height": 960,
                  "file_size": len(data)}]
        message = {"message_id": next(self._message_ids), "date": 1_700_000_000, "from": self.user(user_id),
                   "chat": self.private_chat(user_id), "photo": sizes}
        if caption:
            message["caption"] = caption
        return {"update_id": self.next_update_id(), "message": message}

    def press(self, user_id: int, sent: Call, button: dict) -> dict:
        """The customer presses `button` of the keyboard in the message `sent` (a recorded sendMessage)."""
        message = {"message_id": sent.result["message_id"], "date": 1_700_000_000,
                   "from": self.bot_user(), "chat": self.private_chat(user_id), "text": sent.params.get("text", "")}
        return {"update_id": self.next_update_id(),
                "callback_query": {"id": f"cq-{self.next_update_id()}", "from": self.user(user_id),
                                   "chat_instance": f"ci-{user_id}", "data": button["callback_data"],
                                   "message": message}}

    @staticmethod
    def bot_user() -> dict:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Returns", "username": BOT_USERNAME}

    # -- the API ----------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params, files = await _read_params(request)
        call = Call(method, params, files)
        self.calls.append(call)
        failures = self._failures.get(method)
        if failures:
            failure = failures.pop(0)
            if failure.drop:
                call.outcome = "dropped"
                request.transport.close()  # the client sees the connection end with no answer
                raise ConnectionResetError("dropped by the fake")
            call.outcome = str(failure.status)
            body: Dict[str, Any] = {"ok": False, "error_code": failure.status,
                                    "description": "Too Many Requests" if failure.status == 429 else "Bad Gateway"}
            if failure.retry_after is not None:
                body["description"] += f": retry after {failure.retry_after}"
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.status)
        handler: Optional[Callable] = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found: method"}, status=404)
        result = await handler(params)
        call.result = result
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1].rsplit(".", 1)[0]
        self.calls.append(Call("downloadFile", {"path": request.match_info["path"]}))
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id], content_type="image/jpeg")

    async def _m_getMe(self, params):
        return {**self.bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def _m_getUpdates(self, params):
        offset = int(params.get("offset") or 0)
        self._updates = [e for e in self._updates if not (e[1] and e[0]["update_id"] < offset)]  # confirmed
        if not self._due(offset):
            self._arrived.clear()
            timeout = min(float(params.get("timeout") or 0), 5.0)
            waiters = [asyncio.ensure_future(self._arrived.wait()), asyncio.ensure_future(self._closing.wait())]
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        due = self._due(offset)
        for entry in due:
            entry[1] = True
        return [update for update, _ in due]

    def _due(self, offset: int) -> List[List]:
        return [e for e in self._updates if e[0]["update_id"] >= offset or not e[1]]

    async def _m_setMyCommands(self, params):
        return True

    async def _m_deleteWebhook(self, params):
        return True

    async def _m_setWebhook(self, params):
        return True

    async def _m_answerCallbackQuery(self, params):
        return True

    async def _m_sendMessage(self, params):
        return self._message(params, text=params.get("text", ""))

    async def _m_sendDocument(self, params):
        return self._message(params, document={"file_id": f"doc-{len(self.calls)}", "file_unique_id": "d",
                                               "file_name": "slip.pdf", "mime_type": "application/pdf"})

    async def _m_editMessageReplyMarkup(self, params):
        return self._message(params, text="(edited)", message_id=params.get("message_id"))

    async def _m_getFile(self, params):
        file_id = params["file_id"]
        if file_id not in self.files:
            raise web.HTTPBadRequest(text=json.dumps({"ok": False, "error_code": 400,
                                                      "description": "Bad Request: invalid file_id"}),
                                     content_type="application/json")
        return {"file_id": file_id, "file_unique_id": f"{file_id}-u", "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}.jpg"}

    def _message(self, params, message_id: Optional[int] = None, **content) -> dict:
        chat_id = params.get("chat_id")
        chat = ({"id": chat_id, "type": "private", "first_name": "Customer"} if isinstance(chat_id, int) and chat_id > 0
                else {"id": chat_id, "type": "group", "title": "A group"})
        message = {"message_id": message_id or next(self._message_ids), "date": 1_700_000_000,
                   "from": self.bot_user(), "chat": chat, **content}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message


async def _read_params(request: web.Request) -> tuple:
    params: Dict[str, Any] = {}
    files: Dict[str, tuple] = {}
    if request.method == "POST" and request.can_read_body:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = (value.filename, value.file.read())
            else:
                params[name] = _decode(name, value)
    for name, value in request.query.items():
        params.setdefault(name, _decode(name, value))
    return params, files


def _decode(name: str, value: str) -> Any:
    if name in JSON_FIELDS:
        return json.loads(value)
    if name in INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value
    return value
