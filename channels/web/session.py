"""Web sessions, shared by the chat and the returns portal: the gateway issues each browser a
random session id in a signed HttpOnly cookie, and a browser's conversation is `web:<session id>`
on both pages. A client never chooses its id: a cookie the gateway did not sign is no session."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from aiohttp import web

COOKIE_NAME = "rb_session"
CHANNEL = "web"  # the channel's name: conversation ids are `web:<session id>`


@dataclass(frozen=True)
class SessionSigner:
    """Signs session ids with HMAC-SHA256 so only ids the gateway issued are accepted."""

    secret: str

    def _sig(self, sid: str) -> str:
        mac = hmac.new(self.secret.encode(), f"web-session:{sid}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def issue(self) -> tuple[str, str]:
        """A fresh (session id, cookie value)."""
        sid = secrets.token_urlsafe(24)
        return sid, f"{sid}.{self._sig(sid)}"

    def verify(self, cookie: str | None) -> str | None:
        """The session id in a cookie value the gateway issued, else None."""
        sid, dot, sig = (cookie or "").partition(".")
        if not sid or not dot or not (sid + sig).isascii() or not hmac.compare_digest(sig, self._sig(sid)):
            return None
        return sid

    def session_id(self, request: web.BaseRequest) -> str | None:
        """The session id of the request's cookie when the gateway issued it, else None."""
        return self.verify(request.cookies.get(COOKIE_NAME))


def conversation_of(session_id: str) -> str:
    """The conversation of a browser's session, the same on the chat and the portal."""
    return f"{CHANNEL}:{session_id}"
