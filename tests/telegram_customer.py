"""A Telegram user in a private chat with the bot, as tests drive them through the fake Bot API
(tests/fake_telegram.py): each step pushes an update and returns what the bot sent back to that
chat once the replies are queued and delivered."""
from __future__ import annotations

import asyncio
import html
import re
from typing import Callable, List, Optional

from bot.outbox import FAILED, Outbox
from tests.fake_telegram import BOT_ID, Call, FakeTelegram


async def eventually(predicate: Callable[[], bool], timeout: float = 60.0,
                     state: Callable[[], object] = lambda: None) -> None:
    """Wait until `predicate()` holds (the timeout only guards against a hang)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, f"condition not reached; {state()}"
        await asyncio.sleep(0.02)


class TelegramCustomer:
    """One Telegram user; `received` is everything the bot sent to their chat, in order."""

    def __init__(self, fake: FakeTelegram, outbox: Outbox, user_id: int, chat_id: Optional[int] = None):
        self.fake, self.outbox, self.user_id = fake, outbox, user_id
        self.chat_id = chat_id or user_id
        self.conversation = f"telegram:{self.chat_id}"
        self.received: List[Call] = []

    async def send(self, update: dict) -> List[Call]:
        """Push an update and wait until its replies are queued and delivered; returns them."""
        mark = len(self.fake.calls)
        self.fake.push(update)
        key = f"telegram:{BOT_ID}:update:{update['update_id']}"
        outbox = self.outbox
        await eventually(lambda: outbox.is_answered(key) and not outbox.pending(self.conversation),
                         state=lambda: (key, outbox.is_answered(key), outbox.pending(self.conversation)))
        given_up = [(m.payload, m.last_error) for m in outbox.messages(self.conversation)
                    if m.key.startswith(f"{key}:") and m.status == FAILED]
        assert not given_up, f"the relay gave up on replies to {key}: {given_up}"
        return self.take(mark)

    def take(self, mark: int) -> List[Call]:
        """What reached this chat since the fake's call number `mark`."""
        new = [c for c in self.fake.calls[mark:] if c.ok and c.params.get("chat_id") == self.chat_id]
        self.received += new
        return new

    async def say(self, text: str) -> List[Call]:
        return await self.send(self.fake.message(self.user_id, text))

    def keyboard(self) -> Call:
        return [c for c in self.received if c.method == "sendMessage" and c.buttons][-1]

    async def press(self, title_part: str, keyboard: Optional[Call] = None) -> List[Call]:
        keyboard = keyboard or self.keyboard()
        button = next(b for b in keyboard.buttons if title_part.lower() in b["text"].lower())
        return await self.send(self.fake.press(self.user_id, keyboard, button))


def visible(call: Call) -> str:
    """What the customer reads of a sendMessage: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", call.params.get("text", "")))


def said(calls: List[Call]) -> str:
    return "\n".join(visible(c) for c in calls if c.method == "sendMessage")
