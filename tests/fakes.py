"""Fakes for tests: in-memory stand-ins for the store, the returns service, settings and Rasa."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine

from bot.store import make_engine
from channels.rasa_client import RasaClient

PDF = b"%PDF-1.4 fake slip"
BUTTONS = [{"title": "Too small", "payload": '/inform{"return_reason":"too_small"}'},
           {"title": "Damaged", "payload": '/inform{"return_reason":"damaged"}'}]


@dataclass
class FakeStore:
    """The transcript in memory; `engine` is the SQLite file the gateway keeps its outbox and
    attachments in (`in_folder`)."""

    rows: dict[str, list[dict]] = field(default_factory=dict)
    engine: Engine | None = None

    @classmethod
    def in_folder(cls, folder: Path) -> "FakeStore":
        return cls(engine=make_engine(f"sqlite:///{folder / 'returnbot.db'}"))

    def append_message(self, conversation_id: str, direction: str, payload: dict, at: datetime) -> None:
        self.rows.setdefault(conversation_id, []).append({"direction": direction, "payload": payload, "at": at})

    def messages(self, conversation_id: str, limit: int = 200) -> list[dict]:
        return self.rows.get(conversation_id, [])[-limit:]


@dataclass
class FakeDesk:
    """The agents' desk: conversations in `owned` are held by an agent; forwarded words are kept."""

    owned: set[str] = field(default_factory=set)
    forwarded: list[tuple[str, str, str]] = field(default_factory=list)

    def agent_owned(self, conversation_id: str) -> bool:
        return conversation_id in self.owned

    def forward(self, conversation_id: str, text: str, key: str) -> None:
        self.forwarded.append((conversation_id, text, key))


class FakeReturns:
    def slip_pdf(self, rma_id: str, token: str) -> bytes | None:
        return PDF if (rma_id, token) == ("RMA-000001002S", "good-token") else None


@dataclass
class FakeRasa:
    """Answers the REST webhook like Rasa; `down` makes it fail the way a broken Rasa does."""

    received: list[dict] = field(default_factory=list)
    down: str | None = None  # "connect" | "timeout" | "500" | "garbage"

    def handler(self, request: httpx.Request) -> httpx.Response:
        route = (request.method, request.url.path)
        if self.down == "connect":
            raise httpx.ConnectError("connection refused", request=request)
        if self.down == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if self.down == "500":
            return httpx.Response(500, text="Internal Server Error")
        if self.down == "garbage":
            return httpx.Response(200, text="<html>proxy error</html>")
        if route == ("GET", "/"):
            return httpx.Response(200, text="Hello from Rasa: 3.6.21")
        if route == ("POST", "/webhooks/rest/webhook"):
            body = json.loads(request.content)
            self.received.append(body)
            sender, text = body["sender"], body["message"]
            if text == "buttons please":
                return httpx.Response(200, json=[{"recipient_id": sender, "text": "Why are you returning it?",
                                                  "buttons": BUTTONS}])
            return httpx.Response(200, json=[{"recipient_id": sender, "text": f"you said: {text}"},
                                             {"recipient_id": sender, "text": "Anything else?"}])
        return httpx.Response(404)

    def client(self) -> RasaClient:
        return RasaClient("http://rasa.test", client=httpx.AsyncClient(transport=httpx.MockTransport(self.handler)))


@dataclass(frozen=True)
class FakeSettings:
    secret: str = "test-secret"
    shop_name: str = "Acme Outdoor"
    public_url: str = "http://localhost:8000"
    rasa_url: str = "http://rasa.test"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 0
    var_dir: Path = Path("var")  # the gateway keeps photos under it; web chat tests send none
