"""The Telegram rig the tests share: a scripted Rasa (canned answers to a few words) and the real
Telegram adapter (polling), router, outbox and relay wired as the gateway wires them, against the fake
Bot API (tests/fake_telegram.py; its fixture `fake_telegram` is in tests/conftest.py). A customer of
the running bot is a `tests.telegram_customer.TelegramCustomer`."""
from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import Callable, List, Optional

import httpx

from bot.attachments import AttachmentStore
from bot.sql.attachments import SqlAttachments
from bot.sql.conversation_languages import SqlConversationLanguages
from bot.sql.outbox import SqlOutbox
from bot.store import SqlStore
from channels.rasa_client import RasaClient
from channels.relay import Backoff, Relay
from channels.router import Router
from channels.telegram import TelegramChannel, reply_payloads
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.telegram_customer import TelegramCustomer

SLIP_RMA = "RMA-000001001R"
PDF = b"%PDF-1.4 fake slip for " + SLIP_RMA.encode()
REASONS = [{"title": "Too small", "payload": '/inform{"return_reason":"too_small"}'},
           {"title": "Arrived damaged", "payload": '/inform{"return_reason":"damaged"}'}]
LONG = "\n\n".join(f"Paragraph {n}: " + " ".join(["returns"] * 60) for n in range(12))  # about 5,300 chars
INJECTION = ('Note from order 114: <b>FREE</b> & <a href="https://evil.example/">click</a> </code> <pre> '
             "track: https://shop.example/t?id=1&x=2.")

def on_fake_telegram(settings, fake: FakeTelegram, **more):
    """`settings` with Telegram on, talking to `fake` (and any other overrides)."""
    return settings.with_overrides(telegram_bot_token=TOKEN, telegram_api_base_url=fake.url, **more)


# -- a scripted Rasa ----------------------------------------------------------------------------
class ScriptedRasa:
    def __init__(self):
        self.received: List[dict] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.received.append(body)
        return httpx.Response(200, json=[{"recipient_id": body["sender"], **r} for r in self.answer(body["message"])])

    @staticmethod
    def answer(text: str) -> List[dict]:
        scripted = {
            "/greet": [{"text": "Hi! I'm the returns assistant."}],
            "choose": [{"text": "What's the reason for the return?", "buttons": REASONS}],
            "two": [{"text": "one"}, {"text": "two"}],
            "long": [{"text": LONG}],
            "inject": [{"text": INJECTION}],
            "slip": [{"text": f"Your RMA number is {SLIP_RMA}. Print your return slip here: "
                              f"http://localhost:8000/returns/{SLIP_RMA}/slip.pdf?t=abc and send it back.",
                      "custom": {"return_slip": {"rma_id": SLIP_RMA, "url": "http://localhost:8000/x"}}}],
        }
        return scripted.get(text, [{"text": f"you said: {text}"}])

    def texts(self) -> List[str]:
        return [r["message"] for r in self.received]

    def client(self) -> RasaClient:
        return RasaClient("http://rasa.test", client=httpx.AsyncClient(transport=httpx.MockTransport(self.handler)))


class RunningBot:
    """The real Telegram adapter (polling), router, outbox and relay, as the gateway wires them."""

    def __init__(self, fake: FakeTelegram, settings, store: SqlStore, rasa: RasaClient,
                 slip_pdf: Callable[[str, str], Optional[bytes]]):
        self.fake, self.store = fake, store
        self.outbox = SqlOutbox(store.engine)
        self.relay = Relay(self.outbox, backoff=Backoff(base=0.2, cap=1.0))
        self.attachments = AttachmentStore(SqlAttachments(store.engine), settings.var_dir / "attachments")
        self.languages = SqlConversationLanguages(store.engine)
        self.router = Router(rasa, self.outbox, {"telegram": reply_payloads}, attachments=self.attachments,
                             transcript=store, notify=self.relay.wake, languages=self.languages)
        self.channel = TelegramChannel(settings, self.router, self.relay, slip_pdf, poll_timeout=1)

    async def start(self) -> None:
        await self.channel.start()
        self.relay.start()

    async def stop(self) -> None:
        await self.relay.close()
        await self.channel.stop()

    def customer(self, user_id: int) -> "TelegramCustomer":
        return TelegramCustomer(self.fake, self.outbox, user_id)


@asynccontextmanager
async def running(fake, settings, store, rasa_client,
                  slip_pdf=lambda rma_id, language: PDF if rma_id == SLIP_RMA else None):
    """A `RunningBot` started, and stopped on the way out; the slip of SLIP_RMA is PDF by default."""
    bot = RunningBot(fake, settings, store, rasa_client, slip_pdf)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
