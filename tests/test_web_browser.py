"""The web chat in headless Chromium: typing, buttons, links, typing indicator, history after reload,
an agent's replies pulled into the page, and a message whose answer was lost sent again under its id.

Runs the real gateway and a fake Rasa server on loopback; saves a phone-sized screenshot to /tmp/webchat.png.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.sql.outbox import SqlOutbox
from channels.gateway import build_gateway
from channels.rasa_client import RasaClient
from channels.router import Router
from tests.browser import Chromium, ensure_chromium
from tests.fakes import FakeReturns, FakeSettings, FakeStore

pytestmark = [pytest.mark.browser, pytest.mark.asyncio]

SLIP = "https://shop.example/returns/RMA-000001002S/slip.pdf?t=abc123"
SHOES = '/inform{"line_id":"L1"}'
HOSTILE = "<img src=x onerror=\"document.title='pwned'\"> [tap me](javascript:document.title='pwned')"
SCREENSHOT = "/tmp/webchat.png"
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)


class FakeRasaServer:
    """A Rasa REST webhook on loopback; a message "slow" is answered only after `release` is set."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.release = asyncio.Event()

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        text = body["message"]
        self.received.append(text)
        if text == "slow":
            await self.release.wait()
            return web.json_response([{"text": "Thanks for waiting!"}])
        if text == SHOES:
            return web.json_response([
                {"text": f"Your return RMA-000001002S is approved.\nPrint your return slip: {SLIP}."},
                {"text": HOSTILE}])
        return web.json_response([{"text": "Which item would you like to return?", "buttons": [
            {"title": "Trail running shoes", "payload": SHOES},
            {"title": "Running socks (3 pack)", "payload": '/inform{"line_id":"L2"}'}]}])

    async def root(self, request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa: 3.6.21")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        app.router.add_get("/", self.root)
        return app


def gateway_app(rasa: RasaClient, store: FakeStore) -> web.Application:
    return build_gateway(FakeSettings(shop_name="Acme Outdoor"), SimpleNamespace(store=store, returns=FakeReturns()),
                         rasa)


@pytest.fixture
def store(tmp_path) -> FakeStore:
    store = FakeStore.in_folder(tmp_path)
    yield store
    store.engine.dispose()


async def test_customer_chats_presses_a_button_and_gets_a_safe_link_in_chromium(store):
    chromium = ensure_chromium()
    fake = FakeRasaServer()
    async with TestServer(fake.app(), host="127.0.0.1") as rasa_server:
        rasa = RasaClient(str(rasa_server.make_url("")))
        async with TestServer(gateway_app(rasa, store), host="127.0.0.1") as gateway, Chromium(chromium) as page:
            url = str(gateway.make_url("/"))
            await page.set_viewport(390, 844)
            await page.navigate(url)
            await page.wait_for("document.body.dataset.ready === 'true'", "the chat to start")
            assert await page.evaluate("document.querySelector('h1').textContent") == "Acme Outdoor"

            # typed message: Enter sends; the bot's buttons appear
            await page.click("#input")
            await page.type_text("I want to return my shoes")
            await page.press_enter()
            await page.wait_for("document.querySelectorAll('button[data-payload]').length === 2", "the bot's buttons")
            assert await page.evaluate("[...document.querySelectorAll('.msg.user .bubble')].map(b => b.textContent)") \
                == ["I want to return my shoes"]
            assert await page.evaluate("document.querySelector('#input').value") == ""

            # pressing a button sends its payload, shows its title and closes the group
            await page.click("button[data-payload]")  # the first: Trail running shoes
            await page.wait_for("document.body.innerText.includes('RMA-000001002S is approved')", "the reply to the button")
            buttons = await page.evaluate(
                "[...document.querySelectorAll('button[data-payload]')].map(b => [b.textContent, b.disabled,"
                " b.classList.contains('chosen')])")
            assert buttons == [["Trail running shoes", True, True], ["Running socks (3 pack)", True, False]]
            assert await page.evaluate("[...document.querySelectorAll('.msg.user .bubble')].at(-1).textContent") \
                == "Trail running shoes"

            # the slip URL is a real link; hostile text stays text
            links = await page.evaluate("[...document.querySelectorAll('.log a')].map(a => [a.href, a.textContent])")
            assert links == [[SLIP, SLIP]]
            assert await page.evaluate("document.querySelectorAll('.log img').length") == 0
            assert await page.evaluate("[...document.querySelectorAll('.msg.bot .bubble')].at(-1).textContent") == HOSTILE

            # a second press on the closed group sends nothing
            await page.click("button[data-payload]")  # the first: Trail running shoes
            await page.click("#input")
            await page.type_text("slow")
            await page.press_enter()
            await page.wait_for("!document.querySelector('#typing').hidden", "the typing indicator")
            assert await page.evaluate("document.querySelector('#send').disabled") is True
            fake.release.set()
            await page.wait_for("document.body.innerText.includes('Thanks for waiting!')", "the slow reply")
            assert await page.evaluate("document.querySelector('#typing').hidden") is True
            assert fake.received == ["I want to return my shoes", SHOES, "slow"]

            # reload: the conversation comes back, answered buttons stay closed
            await page.navigate(url)
            await page.wait_for("document.body.dataset.ready === 'true' && "
                                "document.querySelectorAll('.msg.user').length === 3", "history after reload")
            assert await page.evaluate(
                "[...document.querySelectorAll('button[data-payload]')].map(b => b.disabled)") == [True, True]
            assert await page.evaluate("document.querySelector('button.chosen[data-payload]').textContent") \
                == "Trail running shoes"
            assert await page.evaluate("(l => l.scrollTop + l.clientHeight >= l.scrollHeight - 1)"
                                       "(document.querySelector('#log'))"), "the latest message is in view"
            assert await page.evaluate("document.title") != "pwned"
            assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

            await page.screenshot(SCREENSHOT)


AGENT_MESSAGES = "[...document.querySelectorAll('.msg.agent')].map(m => [m.querySelector('.sender').textContent," \
                 " m.querySelector('.bubble').textContent])"


async def test_an_agents_replies_appear_in_the_page_from_our_team_once_each_across_a_reload(store):
    chromium = ensure_chromium()
    async with TestServer(FakeRasaServer().app(), host="127.0.0.1") as rasa_server:
        rasa = RasaClient(str(rasa_server.make_url("")))
        outbox = SqlOutbox(store.engine)
        agents = Router(rasa, outbox, {"web": lambda reply: [reply]}, transcript=store, clock=lambda: T0)
        async with TestServer(gateway_app(rasa, store), host="127.0.0.1") as gateway, Chromium(chromium) as page:
            url = str(gateway.make_url("/"))
            await page.navigate(url)
            await page.wait_for("document.body.dataset.ready === 'true'", "the chat to start")
            await page.click("#input")
            await page.type_text("Can I talk to a person?")
            await page.press_enter()
            await page.wait_for("document.querySelectorAll('button[data-payload]').length === 2", "the bot's answer")
            [conversation] = store.rows

            agents.deliver(conversation, "Hi, this is Sam from the returns team.", "slack:1")

            await page.wait_for("document.querySelectorAll('.msg.agent').length === 1", "the agent's reply")
            assert await page.evaluate(AGENT_MESSAGES) == [["Our team", "Hi, this is Sam from the returns team."]]
            assert await page.evaluate("document.querySelector('#log .msg:last-child').classList.contains('agent')")

            # history read between the outbox and the transcript writes: the next pull repeats that message
            refund = {"text": "Your refund is approved.", "from": "agent", "seq": outbox.last_seq(conversation) + 1}
            store.append_message(conversation, "out", refund, T0)
            await page.navigate(url)
            await page.wait_for("document.body.dataset.ready === 'true' && "
                                "document.querySelectorAll('.msg.agent').length === 2", "history after reload")
            outbox.enqueue(conversation, "web", "slack:2", [{"text": "Your refund is approved."}], T0)
            agents.deliver(conversation, "Is there anything else I can do?", "slack:3")
            await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # visible: pull at once

            await page.wait_for("document.body.innerText.includes('anything else I can do')", "the agent's next reply")
            assert await page.evaluate(AGENT_MESSAGES) == [
                ["Our team", "Hi, this is Sam from the returns team."], ["Our team", "Your refund is approved."],
                ["Our team", "Is there anything else I can do?"]]
            assert await page.evaluate("document.querySelector('#log').getAttribute('aria-live')") == "polite"


# The page's network, made unreliable: the first answer to a message is lost on its way back (the
# gateway took the message), and /api/updates fails while `hold` is on. Records the id of every
# message sent and the cursor of every pull that got through.
UNRELIABLE_NETWORK = """(() => {
  const real = window.fetch;
  window.net = { ids: [], afters: [], loseNext: true, hold: true };
  window.fetch = async (url, options) => {
    if (url === "/api/messages") {
      window.net.ids.push(JSON.parse(options.body).id);
      const resp = await real(url, options);
      if (window.net.loseNext) {
        window.net.loseNext = false;
        throw new TypeError("Failed to fetch");
      }
      return resp;
    }
    if (String(url).startsWith("/api/updates")) {
      if (window.net.hold) throw new TypeError("Failed to fetch");
      window.net.afters.push(Number(new URL(url, location.href).searchParams.get("after")));
    }
    return real(url, options);
  };
})()"""
BOT_MESSAGES = "document.querySelectorAll('.msg.bot:not(.intro):not(.agent):not(.notice)').length"


async def test_a_lost_answer_is_fetched_again_under_the_same_id_and_no_reply_shows_twice(store):
    chromium = ensure_chromium()
    fake = FakeRasaServer()
    async with TestServer(fake.app(), host="127.0.0.1") as rasa_server:
        rasa = RasaClient(str(rasa_server.make_url("")))
        agents = Router(rasa, SqlOutbox(store.engine), {"web": lambda reply: [reply]}, transcript=store, clock=lambda: T0)
        async with TestServer(gateway_app(rasa, store), host="127.0.0.1") as gateway, Chromium(chromium) as page:
            await page.navigate(str(gateway.make_url("/")))
            await page.wait_for("document.body.dataset.ready === 'true'", "the chat to start")
            await page.evaluate(UNRELIABLE_NETWORK)

            await page.click("#input")
            await page.type_text("I want to return my shoes")
            await page.press_enter()
            await page.wait_for("document.querySelectorAll('button[data-payload]').length === 2", "the bot's buttons")
            ids = await page.evaluate("window.net.ids")
            assert len(ids) == 2 and ids[0] == ids[1], "the retry carries the same id"
            assert fake.received == ["I want to return my shoes"]
            assert await page.evaluate(BOT_MESSAGES) == 1
            assert await page.evaluate("document.querySelectorAll('.msg.notice').length") == 0

            # an agent's message queued before the next answer: the page pulls it from before that answer
            [conversation] = store.rows
            agents.deliver(conversation, "Hi, this is Sam from the returns team.", "slack:1")
            await page.click("#input")
            await page.type_text("and the socks?")
            await page.press_enter()
            await page.wait_for(f"{BOT_MESSAGES} === 2", "the answer to the second message")
            await page.evaluate("window.net.hold = false; document.dispatchEvent(new Event('visibilitychange'))")

            await page.wait_for("document.querySelectorAll('.msg.agent').length === 1", "the agent's message")
            assert (await page.evaluate("window.net.afters"))[0] == 1
            await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
            await page.wait_for("window.net.afters.includes(3)", "a pull from after everything shown")
            assert await page.evaluate(BOT_MESSAGES) == 2
            assert await page.evaluate("document.querySelectorAll('.msg.agent').length") == 1
            assert fake.received == ["I want to return my shoes", "and the socks?"]


@pytest.mark.stack
async def test_a_customer_completes_a_return_in_chromium_against_the_real_stack(stack):
    """The whole product in a browser: real page, gateway, Rasa, actions and store."""
    chromium = ensure_chromium()
    url = f"http://127.0.0.1:{stack.settings.gateway_port}/"
    async with Chromium(chromium) as page:
        await page.set_viewport(390, 844)
        await page.navigate(url)
        await page.wait_for("document.body.dataset.ready === 'true'", "the chat to start")

        async def say(text: str, then: str) -> None:
            await page.click("#input")
            await page.type_text(text)
            await page.press_enter()
            await page.wait_for(f"document.body.innerText.includes({then!r})", then)

        async def press(title: str, then: str) -> None:
            await page.evaluate("[...document.querySelectorAll('button[data-payload]:not(:disabled)')]"
                                f".find(b => b.textContent.includes({title!r})).click()")
            await page.wait_for(f"document.body.innerText.includes({then!r})", then)

        # an order no other stack test touches (the stack is shared by the session)
        await say("Hi, I want to return my sunglasses from order #1156", "email address or postcode")
        await say("98101", "reason")  # the sunglasses were named: not asked again
        await press("Too small", "refund, an exchange or store credit")
        await press("Exchange", "Your return is approved")
        links = await page.evaluate("[...document.querySelectorAll('.log a')].map(a => a.href)")
        slip_links = [link for link in links if "/slip.pdf?t=" in link]
        assert slip_links and all(link.startswith(f"{stack.settings.public_url}/returns/RMA-") for link in slip_links)
        await page.screenshot(Path(stack.settings.var_dir) / "return-in-chromium.png")
