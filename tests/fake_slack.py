"""A fake Slack Web API on loopback (aiohttp), for driving the real slack_sdk client in tests.

Serves auth.test, chat.postMessage, chat.update, chat.postEphemeral, conversations.history,
conversations.replies (with message metadata when include_all_metadata is set), users.info,
views.open, and the files_upload_v2 flow (files.getUploadURLExternal, the upload URL,
files.completeUploadExternal). Records every call, failed ones too, and keeps the channel's
messages so a test sees what agents would see. `fail(method, ...)` makes the next N calls of a
method answer 429 with Retry-After or a 5xx, optionally after doing the work (a post that
happened although the answer says it failed: the ambiguous case).

Point `AsyncWebClient(base_url=fake.base_url)` at it.
"""
from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from aiohttp import web

from tests.loopback import serve

TOKEN = "xoxb-fake"  # a stand-in, never a real token
TEAM_ID = "T0TEST"
BOT_USER_ID = "U0RETURNBOT"
BOT_ID = "B0RETURNBOT"
USERS = {"U0ANA": "Ana Lopez", "U0BO": "Bo Chen"}
# Message timestamps are unique per channel in Slack, so unique across the fakes of a test session
# (tests on the running stack share one database, where a card is found by its ts).
_TS = itertools.count(1)


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    outcome: str = "ok"  # ok | 429 | <5xx status> | <error code>
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


@dataclass
class _Failure:
    status: int
    retry_after: Optional[int] = None
    after_effect: bool = False  # do the work, then answer the failure
    error: Optional[str] = None  # with status 200: Slack's {"ok": false, "error": ...}


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: List[dict] = field(default_factory=list)
    thread_ts: Optional[str] = None
    metadata: Optional[dict] = None
    files: List[dict] = field(default_factory=list)
    reply_broadcast: bool = False
    updates: int = 0

    def as_api(self, with_metadata: bool) -> dict:
        data = {"type": "message", "ts": self.ts, "text": self.text, "blocks": self.blocks, "user": BOT_USER_ID,
                "bot_id": BOT_ID}
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.files:
            data["files"] = self.files
        if with_metadata and self.metadata:
            data["metadata"] = self.metadata
        return data


class FakeSlack:
    def __init__(self, token: str = TOKEN):
        self.token = token
        self.calls: List[Call] = []
        self.messages: List[Message] = []
        self.uploads: Dict[str, bytes] = {}
        self._failures: Dict[str, List[_Failure]] = {}
        self._file_ids = itertools.count(1)
        self._holds: Dict[str, List[asyncio.Event]] = {}
        self._runner: Optional[web.AppRunner] = None
        self.url = ""

    # -- server -------------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner, self.url = await serve(app)
        return self.url

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- test controls ------------------------------------------------------------------------
    def fail(self, method: str, status: int = 429, times: int = 1, retry_after: Optional[int] = 1,
             after_effect: bool = False, error: Optional[str] = None) -> None:
        """The next `times` calls of `method` answer `status` (429 with Retry-After), or, with
        `error`, 200 and {"ok": false, "error": error}."""
        self._failures.setdefault(method, []).extend(
            [_Failure(200 if error else status, retry_after if status == 429 else None, after_effect, error)] * times)

    def hold(self, method: str) -> asyncio.Event:
        """The next call of `method` does its work, then gets no answer until the returned event
        is set (a client killed meanwhile never learns that its post happened)."""
        release = asyncio.Event()
        self._holds.setdefault(method, []).append(release)
        return release

    def ok_calls(self, method: str) -> List[Call]:
        return [c for c in self.calls if c.method == method and c.ok]

    def cards(self, channel: Optional[str] = None) -> List[Message]:
        """Top-level messages (cards) in the channel."""
        return [m for m in self.messages if not m.thread_ts and (channel is None or m.channel == channel)]

    def thread(self, ts: str) -> List[Message]:
        return [m for m in self.messages if m.thread_ts == ts and m.ts != ts]

    def message(self, ts: str) -> Message:
        return next(m for m in self.messages if m.ts == ts)

    # -- the API ------------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> Dict[str, Any]:
        params: Dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        for name in ("blocks", "metadata", "files", "view"):
            if isinstance(params.get(name), str):
                try:
                    params[name] = json.loads(params[name])
                except ValueError:
                    pass
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        self.calls.append(call)
        if request.headers.get("Authorization") != f"Bearer {self.token}" and method != "apps.connections.open":
            call.outcome = "invalid_auth"
            return web.json_response({"ok": False, "error": "invalid_auth"})
        queued = self._failures.get(method) or []
        failure = queued.pop(0) if queued else None
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            call.outcome = "unknown_method"
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        if failure is not None and not failure.after_effect:
            return self._failure(call, failure)
        result = handler(params)
        if failure is not None:
            return self._failure(call, failure)
        holds = self._holds.get(method) or []
        if holds:
            await holds.pop(0).wait()
        call.result = result
        if not result.get("ok"):
            call.outcome = result.get("error", "error")
        return web.json_response(result)

    def _failure(self, call: Call, failure: _Failure) -> web.Response:
        if failure.error:
            call.outcome = failure.error
            return web.json_response({"ok": False, "error": failure.error})
        call.outcome = str(failure.status)
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        error = "ratelimited" if failure.status == 429 else "internal_error"
        return web.json_response({"ok": False, "error": error}, status=failure.status, headers=headers)

    def _new_ts(self) -> str:
        n = next(_TS)
        return f"{1700000000 + n}.{n:06d}"

    def _auth_test(self, params) -> dict:
        return {"ok": True, "url": "https://returnbot-test.slack.com/", "team": "Test", "user": "returnbot",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}

    def _chat_postMessage(self, params) -> dict:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if params.get("thread_ts") and not any(m.ts == params["thread_ts"] for m in self.messages):
            return {"ok": False, "error": "thread_not_found"}
        message = Message(channel, self._new_ts(), params.get("text") or "", params.get("blocks") or [],
                          params.get("thread_ts"), params.get("metadata"),
                          reply_broadcast=bool(params.get("reply_broadcast")))
        self.messages.append(message)
        return {"ok": True, "channel": channel, "ts": message.ts, "message": message.as_api(False)}

    def _chat_update(self, params) -> dict:
        found = next((m for m in self.messages if m.ts == params.get("ts") and m.channel == params.get("channel")),
                     None)
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        found.text, found.blocks = params.get("text") or found.text, params.get("blocks") or found.blocks
        found.updates += 1
        return {"ok": True, "channel": found.channel, "ts": found.ts, "text": found.text}

    def _chat_postEphemeral(self, params) -> dict:
        return {"ok": True, "message_ts": self._new_ts()}

    def _conversations_history(self, params) -> dict:
        with_metadata = str(params.get("include_all_metadata")).lower() in ("1", "true")
        oldest = float(params.get("oldest") or 0)
        found = [m.as_api(with_metadata) for m in reversed(self.messages)
                 if m.channel == params.get("channel") and not m.thread_ts and float(m.ts) >= oldest]
        return {"ok": True, "messages": found, "has_more": False}

    def _conversations_replies(self, params) -> dict:
        with_metadata = str(params.get("include_all_metadata")).lower() in ("1", "true")
        ts = params.get("ts")
        found = [m.as_api(with_metadata) for m in self.messages
                 if m.channel == params.get("channel") and (m.ts == ts or m.thread_ts == ts)]
        return {"ok": True, "messages": found, "has_more": False}

    def _users_info(self, params) -> dict:
        user = params.get("user")
        if user not in USERS:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": USERS[user],
                                     "profile": {"real_name": USERS[user], "display_name": USERS[user].split()[0]}}}

    def _views_open(self, params) -> dict:
        return {"ok": True, "view": {"id": "V0TEST", **(params.get("view") or {})}}

    def _files_getUploadURLExternal(self, params) -> dict:
        file_id = f"F{next(self._file_ids):08d}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text=f"OK - {len(self.uploads[request.match_info['file_id']])}", content_type="text/plain")

    def _files_completeUploadExternal(self, params) -> dict:
        files = params.get("files") or []
        if any(f["id"] not in self.uploads for f in files):
            return {"ok": False, "error": "file_not_found"}
        shared = [{"id": f["id"], "title": f.get("title"), "name": f.get("title")} for f in files]
        channel, thread_ts = params.get("channel_id"), params.get("thread_ts")
        if channel:
            message = Message(channel, self._new_ts(), params.get("initial_comment") or "", thread_ts=thread_ts)
            message.files = shared
            self.messages.append(message)
        return {"ok": True, "files": shared}
