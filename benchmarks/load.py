"""The load `make bench` puts on a bot: the clients its simulated customers talk through (a web chat
customer of the gateway's own API, a customer of a Rasa REST channel; `make soak` builds on the first)
and `drive`, which keeps a number of them talking through a stream of conversations (what they say:
benchmarks.conversations) and times each turn, client side."""
from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional

import aiohttp

from benchmarks.conversations import Conversation, Press, pick_button

TROUBLE = "having trouble"  # the router's apology when Rasa or an action failed
MISUNDERSTOOD = ("didn't quite get that", "still not sure what you need")
CLIENT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError)


@dataclass
class Answer:
    texts: List[str]
    buttons: List[Dict[str, str]]
    error: Optional[str]  # None: a good answer


class ReturnbotCustomer:
    """One web chat customer at a time over one keep-alive connection: `begin()` forgets the last
    customer's cookie and gets a new session, as a new browser would. On aiohttp's client, which
    costs a third of httpx's CPU per request: the bench's customers share the machine with the bot
    they measure (both bots' customers alike)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),  # unsafe: 127.0.0.1
                                          timeout=aiohttp.ClientTimeout(total=60, connect=5))

    async def begin(self) -> None:
        self.http.cookie_jar.clear()
        async with self.http.post(self.base_url + "/api/session") as response:
            response.raise_for_status()

    async def send(self, text: str, title: Optional[str]) -> Answer:
        body = {"text": text, "id": uuid.uuid4().hex, **({"title": title} if title else {})}
        async with self.http.post(self.base_url + "/api/messages", json=body) as response:
            if response.status != 200:
                return Answer([], [], f"HTTP {response.status}")
            answer = await response.json()
        messages = answer.get("messages") or []
        texts = [m.get("text") or "" for m in messages]
        buttons = [b for m in messages for b in m.get("buttons") or []]
        error = ("no messages" if not messages else "apology" if any(TROUBLE in t for t in texts)
                 else "notice" if answer.get("notice") else None)
        return Answer(texts, buttons, error)

    async def aclose(self) -> None:
        await self.http.close()


class RestCustomer:
    """One customer at a time of a Rasa REST channel: a new sender id per conversation."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60, connect=5))
        self.sender = ""

    async def begin(self) -> None:
        self.sender = f"bench-{uuid.uuid4().hex}"

    async def send(self, text: str, title: Optional[str]) -> Answer:
        async with self.http.post(self.base_url + "/webhooks/rest/webhook",
                                  json={"sender": self.sender, "message": text}) as response:
            if response.status != 200:
                return Answer([], [], f"HTTP {response.status}")
            messages = await response.json()
        texts = [m.get("text") or "" for m in messages] if isinstance(messages, list) else []
        buttons = [b for m in messages for b in m.get("buttons") or []] if isinstance(messages, list) else []
        return Answer(texts, buttons, None if texts else "no messages")

    async def aclose(self) -> None:
        await self.http.close()


@dataclass
class Turn:
    started: float  # perf_counter seconds
    latency_ms: float
    kind: str
    said: str
    error: Optional[str]
    texts: List[str] = field(default_factory=list)


async def drive(make_customer: Callable[[], Any], conversations: Iterator[Conversation], concurrency: int,
                turns: int, think_ms: float, seed: int) -> List[Turn]:
    """`turns` turns by `concurrency` customers at once; each customer starts a new conversation
    (and session) when it has finished the last, and all stop when the turns are used up."""
    budget = [turns]
    done: List[Turn] = []

    async def customer(worker: int) -> None:
        client = make_customer()
        pauses = random.Random(seed + worker)
        try:
            while budget[0] > 0:
                conversation = next(conversations)
                try:
                    await client.begin()
                except CLIENT_ERRORS as exc:  # no session, no conversation: counted as a failed turn
                    budget[0] -= 1
                    done.append(Turn(time.perf_counter(), 0.0, conversation.kind, "(new session)",
                                     f"session: {type(exc).__name__}"))
                    continue
                buttons: List[Dict[str, str]] = []
                for step in conversation.steps:
                    title = None
                    if isinstance(step, Press):
                        button = pick_button(buttons, step)
                        if button is None:
                            continue
                        text, title = button["payload"], button["title"]
                    else:
                        text = step.text
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                    if think_ms > 0:
                        await asyncio.sleep(pauses.expovariate(1000.0 / think_ms))
                    started = time.perf_counter()
                    try:
                        answer = await client.send(text, title)
                    except (*CLIENT_ERRORS, ValueError) as exc:  # ValueError: an answer that is not JSON
                        answer = Answer([], [], type(exc).__name__)
                    done.append(Turn(started, (time.perf_counter() - started) * 1000, conversation.kind, text,
                                     answer.error, answer.texts))
                    buttons = answer.buttons
        finally:
            await client.aclose()

    await asyncio.gather(*(customer(i) for i in range(concurrency)))
    return done
