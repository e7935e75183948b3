"""A web chat visitor driven over HTTP against a running gateway (the stack's or another)."""
from __future__ import annotations

from typing import List

import httpx

from cli.stack import Stack


class Customer:
    """One web chat visitor: a gateway-issued session, and the bot's replies to each message."""

    def __init__(self, stack: Stack):
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{stack.settings.gateway_port}", timeout=60)
        self.http.post("/api/session").raise_for_status()
        self.replies: List[dict] = []

    def say(self, text: str) -> str:
        response = self.http.post("/api/messages", json={"text": text})
        response.raise_for_status()
        self.replies = response.json()["messages"]
        return " ".join(m.get("text") or "" for m in self.replies)

    def buttons(self) -> List[dict]:
        return [b for m in self.replies for b in m.get("buttons") or []]

    def press(self, title_part: str) -> str:
        button = next(b for b in self.buttons() if title_part.lower() in b["title"].lower())
        return self.say(button["payload"])
