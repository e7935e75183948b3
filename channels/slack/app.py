"""The Slack app (slack-bolt, asyncio): agents' buttons on handoff cards, the reject-reason modal,
and agents' replies in a card's thread, which go to the customer.

Every listener acknowledges first and leaves the work to a task it starts (`Background`): Slack
gets its answer in milliseconds whatever the work costs, and the app is built with
`process_before_response=True` so that the task exists by the time the answer is sent (tests,
and a clean shutdown, can wait for it with `Background.join`). Slack retries an event it did not
see acknowledged (X-Slack-Retry-Num); an agent's message is handled once whatever the retries,
because it is recorded under its channel and ts (`SlackLedger.claim_event`) before anything is done.

Only our cards count: a button is acted on when it sits on the card the store has for its case,
and a thread reply when it is in a card's thread. The app never answers customers itself: it
calls `deliver_to_customer(conversation_id, text, key)`, which the gateway points at the outbox
(`key` is unique to the message, for the outbox's idempotency).

`add_slack_routes` mounts the HTTP endpoint; in Socket Mode nothing is mounted. A request is verified
against the signing secret on its raw bytes before bolt reads anything of it (bolt's adapter parses the
body before its own check, and its check does arithmetic on the timestamp header as given): forged,
stale or unsigned ones get 401 and reach no listener, a signed body bolt cannot read gets 400.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import inspect
import json
import logging
import re
import time
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Set, Union

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import utc_now
from bot.handoffs import Action, Agent, HandoffService, HandoffUpdate, UnknownHandoff
from bot.privacy import loggable, loggable_error, mask_text
from channels.slack import cards
from channels.slack.ledger import SlackLedger
from channels.slack.notifier import SlackNotifier, SlackRefused, SlackUnavailable

log = logging.getLogger(__name__)
_SLIP_TOKEN = re.compile(r"([?&]t=)[A-Za-z0-9_-]+")

EVENTS_PATH = "/slack/events"
SLACK_API = "https://slack.com/api/"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP = re.compile(r"[0-9]{1,12}")  # unix seconds, ASCII only; fullmatch
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")  # fullmatch
MAX_AGE_SECONDS = 300

DeliverToCustomer = Callable[[str, str, str], Union[Awaitable[None], None]]  # (conversation id, text, key)

CLOSED_NOTE = ("This case was handed back to the bot, so your message did not go to the customer. Click Take "
               "over on the card to write to them again.")
FAILED_NOTE = "Your message could not be delivered to the customer. Please send it again."
NOT_TOLD_NOTE = "The customer could not be told about this; write to them in this thread: {text}"
FILES_NOTE = "Files are not sent to the customer; only the text of your message is."


class Background:
    """Tasks started after an acknowledgement: kept referenced, logged when they fail, awaited by
    `join` (tests, shutdown)."""

    def __init__(self) -> None:
        self._tasks: Set[asyncio.Task] = set()

    def spawn(self, work: Awaitable[Any], name: Optional[str] = None) -> asyncio.Task:
        task = asyncio.ensure_future(work)
        if name:
            task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Slack: %s failed\n%s", task.get_name(), loggable_error(task.exception()))

    async def join(self) -> None:
        """Wait until every task, and any task they started, has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _redacted(text: str) -> str:
    """What the customer was told, as agents may read it: return-slip links keep their address but
    lose their access token (the slip carries the customer's name)."""
    return _SLIP_TOKEN.sub(r"\1…", mask_text(text))


def make_client(settings: Any) -> AsyncWebClient:
    """The Web API client for the bot token; no retry handlers of its own (the notifier retries,
    and looks before posting again, which a blind retry would not)."""
    base_url = (settings.slack_api_base_url or SLACK_API).rstrip("/") + "/"
    return AsyncWebClient(token=settings.slack_bot_token, base_url=base_url, timeout=15, retry_handlers=[])


class SlackAgents:
    """The listeners' work, with their collaborators."""

    def __init__(self, handoffs: HandoffService, notifier: SlackNotifier, ledger: SlackLedger,
                 deliver_to_customer: DeliverToCustomer, background: Background, client: AsyncWebClient):
        self.handoffs, self.notifier, self.ledger = handoffs, notifier, ledger
        self.deliver_to_customer, self.background, self.client = deliver_to_customer, background, client
        self._names: Dict[str, str] = {}
        self._locks: Dict[int, asyncio.Lock] = {}

    # -- listeners (acknowledge, then start the work) -----------------------------------------
    async def on_button(self, ack, body: Dict[str, Any], action: Dict[str, Any]) -> None:
        await ack()
        try:
            handoff_id = int(action.get("value") or "")
        except ValueError:
            return
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        message_ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
        user = (body.get("user") or {}).get("id")
        if action.get("action_id") == cards.REJECT:
            self.background.spawn(self.open_reject_modal(handoff_id, body.get("trigger_id"), user, channel, message_ts),
                                  name=f"reject-modal:{handoff_id}")
        else:
            self.background.spawn(self.act(action.get("action_id"), handoff_id, user, channel, message_ts),
                                  name=f"{action.get('action_id')}:{handoff_id}")

    async def on_reject_submitted(self, ack, body: Dict[str, Any], view: Dict[str, Any]) -> None:
        values = (view.get("state") or {}).get("values") or {}
        reason = ((values.get(cards.REASON_BLOCK) or {}).get(cards.REASON_INPUT) or {}).get("value") or ""
        if not reason.strip():
            await ack(response_action="errors", errors={cards.REASON_BLOCK: "Write the reason for the customer."})
            return
        await ack()
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            handoff_id = int(meta["handoff_id"])
        except (ValueError, KeyError, TypeError):
            return
        self.background.spawn(self.act(cards.REJECT, handoff_id, (body.get("user") or {}).get("id"),
                                       meta.get("channel"), meta.get("ts"), reason=reason),
                              name=f"reject:{handoff_id}")

    async def on_message(self, event: Dict[str, Any]) -> None:
        # (events are acknowledged by bolt when this returns)
        self.background.spawn(self.thread_reply(event), name=f"thread-reply:{event.get('ts')}")

    # -- work -----------------------------------------------------------------------------------
    async def act(self, action_id: str, handoff_id: int, user: Optional[str], channel: Optional[str],
                  message_ts: Optional[str], reason: str = "") -> Optional[HandoffUpdate]:
        """Carry out a button (or the reject modal) for the agent who clicked it."""
        card = self.ledger.card(handoff_id)
        if card is None or not user or (card.channel, card.ts) != (channel, message_ts):
            log.warning("Slack: %s on case #%s from a message that is not its card; ignored", action_id, handoff_id)
            return None
        async with self._lock(handoff_id):
            agent = await self.agent(user)
            try:
                update = {
                    cards.APPROVE: lambda: self.handoffs.approve(handoff_id, agent),
                    cards.REJECT: lambda: self.handoffs.reject(handoff_id, agent, reason),
                    cards.OFFER_REPLACEMENT: lambda: self.handoffs.offer_replacement(handoff_id, agent),
                    cards.TAKE_OVER: lambda: self.handoffs.take_over(handoff_id, agent),
                    cards.HAND_BACK: lambda: self.handoffs.hand_back(handoff_id, agent),
                }[action_id]()
            except (KeyError, UnknownHandoff):
                return None
            await self._carry_out(handoff_id, update, action_id, user)
            return update

    async def _carry_out(self, handoff_id: int, update: HandoffUpdate, what: str, user: Optional[str]) -> None:
        """Tell the customer (once), show the card as it now is, and tell the agent what happened."""
        card = self.ledger.card(handoff_id)
        if update.changed and update.customer_text:
            handoff = self.handoffs.get(handoff_id)
            key = f"slack:case:{handoff_id}:{what}:{len(update.context.events)}"
            if await self.deliver(handoff.conversation_id, update.customer_text, key):
                await self._quietly(self.notifier.post_note(
                    handoff_id, f"Sent to the customer: {_redacted(update.customer_text)}", key=f"{key}:note"))
            else:
                await self._quietly(self.notifier.post_note(
                    handoff_id, NOT_TOLD_NOTE.format(text=_redacted(update.customer_text))))
        await self._quietly(self.notifier.update_card(handoff_id, update.context))
        if not update.changed and update.note and user and card is not None:
            await self.notifier.tell_agent(card.channel, user, update.note)

    async def open_reject_modal(self, handoff_id: int, trigger_id: Optional[str], user: Optional[str],
                                channel: Optional[str], message_ts: Optional[str]) -> None:
        card = self.ledger.card(handoff_id)
        if card is None or (card.channel, card.ts) != (channel, message_ts) or not trigger_id:
            return
        context = self.handoffs.context(handoff_id)
        if context.decision is not None:
            await self.notifier.tell_agent(card.channel, user, "Already decided; look at the card.")
            return
        try:  # no retries: the trigger expires three seconds after the click
            await self.client.views_open(trigger_id=trigger_id, view=cards.reject_modal(context, card.channel, card.ts))
        except Exception as exc:
            log.warning("Slack: could not open the reject dialog: %s", loggable(exc))
            await self.notifier.tell_agent(card.channel, user, "The dialog did not open; click Reject again.")

    async def thread_reply(self, event: Dict[str, Any]) -> None:
        """An agent's message in a card's thread goes to the customer: once, in order."""
        if event.get("subtype") not in (None, "thread_broadcast", "file_share") or event.get("bot_id"):
            return
        user, channel, ts, thread_ts = (event.get(k) for k in ("user", "channel", "ts", "thread_ts"))
        if not user or not channel or not ts or not thread_ts or thread_ts == ts:
            return
        handoff_id = self.ledger.case_for_thread(channel, thread_ts)
        if handoff_id is None:
            return
        handoff = self.handoffs.get(handoff_id)
        key = f"message:{channel}:{ts}"
        if not self.ledger.claim_event(key, utc_now()):
            log.info("Slack: %s handled before (a retry); ignored", key)
            return
        async with self._lock(handoff.handoff_id):  # first await: replies keep their arrival order
            handoff = self.handoffs.get(handoff.handoff_id)
            text = cards.slack_to_plain(event.get("text") or "")
            if event.get("files"):
                await self._quietly(self.notifier.post_note(handoff.handoff_id, FILES_NOTE))
            if not text:
                return
            if handoff.status == "closed" and self._handed_back(handoff.handoff_id):
                await self.notifier.tell_agent(channel, user, CLOSED_NOTE, thread_ts=thread_ts)
                return
            if handoff.status != "claimed":  # writing to the customer takes the conversation (back) over
                agent = await self.agent(user)
                taken = self.handoffs.take_over(handoff.handoff_id, agent)
                if not taken.changed:  # a newer case holds the conversation
                    await self.notifier.tell_agent(channel, user, taken.note, thread_ts=thread_ts)
                    return
                await self._carry_out(handoff.handoff_id, taken, cards.TAKE_OVER, None)
            if not await self.deliver(handoff.conversation_id, text, f"slack:{key}"):
                self.ledger.release_event(key)
                await self._quietly(self.notifier.post_note(handoff.handoff_id, FAILED_NOTE))

    # -- helpers --------------------------------------------------------------------------------
    def _handed_back(self, handoff_id: int) -> bool:
        """Closed by Hand back (the agent let go), not by a decision (they may write again)."""
        moves = [e.action for e in self.handoffs.events(handoff_id) if e.action in (Action.TAKE_OVER, Action.HAND_BACK)]
        return bool(moves) and moves[-1] is Action.HAND_BACK

    async def agent(self, user_id: str) -> Agent:
        """The agent's name from their Slack profile (cached); their id when Slack can't say."""
        if user_id not in self._names:
            try:
                response = await self.client.users_info(user=user_id)
                user = response.get("user") or {}
                profile = user.get("profile") or {}
                self._names[user_id] = (profile.get("real_name") or profile.get("display_name")
                                        or user.get("real_name") or user.get("name") or user_id)
            except Exception as exc:  # a name is nice to have, never worth failing the click
                log.warning("Slack: users.info %s failed: %s", user_id, loggable(exc))
                return Agent(user_id, user_id)
        return Agent(user_id, self._names[user_id])

    async def deliver(self, conversation_id: str, text: str, key: str) -> bool:
        """Hand a message for the customer to the gateway (the outbox); False when that failed."""
        try:
            result = self.deliver_to_customer(conversation_id, text, key)
            if inspect.isawaitable(result):
                await result
            return True
        except Exception as exc:
            log.error("Slack: delivering to %s failed\n%s", conversation_id, loggable_error(exc))
            return False

    async def _quietly(self, work: Awaitable[Any]) -> None:
        """Slack housekeeping that must not stop the rest (the sync loop repairs cards later)."""
        try:
            await work
        except (SlackUnavailable, SlackRefused) as exc:
            log.warning("Slack: %s", loggable(exc))

    def _lock(self, handoff_id: int) -> asyncio.Lock:
        return self._locks.setdefault(handoff_id, asyncio.Lock())


def build_slack_app(settings: Any, handoffs: HandoffService, deliver_to_customer: DeliverToCustomer,
                    client: Optional[AsyncWebClient] = None, *, ledger: SlackLedger,
                    notifier: Optional[SlackNotifier] = None, background: Optional[Background] = None) -> AsyncApp:
    """The bolt app with the agents' listeners. Collaborators not given are made from `settings`
    (the bot token, SLACK_CHANNEL_ID, the signing secret, SLACK_API_BASE_URL for a fake API)."""
    client = client or make_client(settings)
    notifier = notifier or SlackNotifier(client, handoffs, settings.slack_channel_id, ledger)
    background = background or Background()
    return bolt_app(settings, SlackAgents(handoffs, notifier, ledger, deliver_to_customer, background, client))


def bolt_app(settings: Any, agents: SlackAgents) -> AsyncApp:
    """The bolt app on `agents.client`, its listeners registered."""
    app = AsyncApp(client=agents.client, signing_secret=settings.slack_signing_secret or "",
                   process_before_response=True, name="returnbot")
    for action_id in cards.BUTTONS:
        app.action(action_id)(agents.on_button)
    app.view(cards.REJECT_VIEW)(agents.on_reject_submitted)
    app.event("message")(agents.on_message)
    return app


def signed_by_slack(signing_secret: str, headers: Mapping[str, str], body: bytes, now: float) -> bool:
    """Whether `body` carries Slack's v0 signature under `signing_secret` with a timestamp at most five
    minutes off `now`. A timestamp is 1 to 12 ASCII digits and a signature `v0=` and 64 hex digits:
    anything else is simply not authentic (400 digits minus a float overflows, compare_digest refuses
    non-ASCII text)."""
    timestamp, signature = headers.get(TIMESTAMP_HEADER, ""), headers.get(SIGNATURE_HEADER, "")
    if not signing_secret or not TIMESTAMP.fullmatch(timestamp) or not SIGNATURE.fullmatch(signature):
        return False
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    expected = hmac.new(signing_secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return hmac.compare_digest(signature, "v0=" + expected.hexdigest())


def add_slack_routes(app: web.Application, bolt_app: AsyncApp, signing_secret: str, path: str = EVENTS_PATH) -> None:
    """POST `path` (Events API, interactivity): Slack's signed requests, dispatched to the bolt app.
    Point the app's Event Subscriptions and Interactivity request URLs at it (docs/slack.md)."""
    async def slack_events(request: web.Request) -> web.Response:
        body = await request.read()  # (over the gateway's body limit: aiohttp's 413)
        if not signed_by_slack(signing_secret, request.headers, body, time.time()):
            return web.json_response({"error": "invalid request"}, status=401)  # bolt's own answer
        try:  # bolt parses the body as it builds the request: JSON, or a form with a JSON payload
            bolt_request = AsyncBoltRequest(body=body.decode("utf-8"), query=request.query_string,
                                            headers=request.headers)
        except (ValueError, LookupError, AttributeError, TypeError, RecursionError):  # not UTF-8 JSON of an object
            return web.json_response({"error": "not a Slack request"}, status=400)
        return await to_aiohttp_response(await bolt_app.async_dispatch(bolt_request))

    app.router.add_post(path, slack_events)
