"""Running the agents' Slack app inside the gateway: Socket Mode or the HTTP route, and a sync loop.

Handoffs are opened by the action server, another process, so the gateway finds new ones by
looking: `sync` (every `sync_seconds`) posts the card of each case that has none, uploads the
customer's photos into its thread, and re-announces cases nobody took within
`settings.handoff_reannounce_minutes` (a thread line broadcast to the channel, and, the first
time, an honest update to the customer). Everything it does is recorded, so a sync that fails
halfway is finished by the next one without posting anything twice.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Dict, Optional

from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import utc_now
from bot.handoffs import HandoffService, Overdue
from bot.privacy import loggable, loggable_error
from channels.contract import OFF, STARTING, UP, Health, start_with_retry
from channels.slack.app import Background, DeliverToCustomer, SlackAgents, add_slack_routes, bolt_app, make_client
from channels.slack.ledger import SlackLedger
from channels.slack.notifier import SlackNotifier, SlackRefused, SlackUnavailable

log = logging.getLogger(__name__)

REANNOUNCE = ":alarm_clock: Case #{id} is still waiting for someone (opened {minutes} min ago). "\
             "Click *Take over* on the card, or decide it there."


class SlackChannel:
    """The agents' Slack app as a gateway channel (`channels.contract.Channel`): no renderer (agents are
    no customers), the router's desk, and in HTTP mode the /slack/events route."""

    name = "slack"
    renderer = None

    def __init__(self, settings: Any, handoffs: HandoffService, deliver_to_customer: DeliverToCustomer, *,
                 ledger: SlackLedger, client: Optional[AsyncWebClient] = None, attachments: Any = None,
                 clock: Callable[[], datetime] = utc_now, sync_seconds: float = 5.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.settings, self.handoffs, self.clock, self.sync_seconds = settings, handoffs, clock, sync_seconds
        self.client = client or make_client(settings)
        self.ledger = ledger
        self.notifier = SlackNotifier(self.client, handoffs, settings.slack_channel_id, self.ledger,
                                      attachments=attachments, clock=clock, sleep=sleep)
        self.background = Background()
        self.agents = SlackAgents(handoffs, self.notifier, self.ledger, deliver_to_customer, self.background,
                                  self.client)
        self.app = bolt_app(settings, self.agents)
        self.reannounce_after = timedelta(minutes=settings.handoff_reannounce_minutes)
        self.socket_mode = bool(settings.slack_app_token)
        self._socket = None
        self._problems: Dict[int, str] = {}
        self._loop_task: Optional[asyncio.Task] = None
        self._health: Health = STARTING

    # -- gateway wiring ---------------------------------------------------------------------------
    @property
    def desk(self) -> "SlackChannel":
        """The channel is the router's `AgentDesk` (`agent_owned`, `forward` below)."""
        return self

    def health(self) -> Health:
        return self._health

    def add_routes(self, app: web.Application) -> None:
        """In HTTP mode, mount POST /slack/events on the gateway; in Socket Mode, nothing."""
        if not self.socket_mode:
            add_slack_routes(app, self.app, self.settings.slack_signing_secret or "")

    async def start(self) -> None:
        """`connect`, retried while Slack cannot be reached; a refused token turns Slack off."""
        if not await start_with_retry(self.connect, "Slack", retry_on=(SlackApiError, OSError, asyncio.TimeoutError),
                                      refused=_refused, logger=log):
            self._health = OFF

    async def connect(self) -> None:
        """Check the token, connect (Socket Mode) and start the sync loop."""
        auth = await self.client.auth_test()
        if self.socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token, web_client=self.client)
            await self._socket.connect_async()
        self._loop_task = asyncio.create_task(self._sync_forever(), name="slack-sync")
        log.info("Slack: on as @%s in channel %s (%s)", auth.get("user"), self.settings.slack_channel_id,
                 "Socket Mode" if self.socket_mode else "HTTP at /slack/events")
        self._health = UP

    async def stop(self, grace: float = 5.0) -> None:
        """Stop syncing and listening; work already acknowledged gets `grace` seconds to finish."""
        self._health = OFF
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
        if self._socket is not None:
            await self._socket.close_async()
        finishing = asyncio.ensure_future(self.background.join())
        await asyncio.wait({finishing}, timeout=grace)
        if not finishing.done():
            log.warning("Slack: stopping with work unfinished (Slack slow or unreachable)")
            finishing.cancel()
            await self.background.close()

    # -- what the router calls (channels.router.AgentDesk) ---------------------------------------------
    def agent_owned(self, conversation_id: str) -> bool:
        return self.handoffs.is_agent_owned(conversation_id)

    def forward(self, conversation_id: str, text: str, key: str) -> None:
        """Mirror the customer's words into their case's thread, after the caller moves on."""
        try:
            active = self.handoffs.active(conversation_id)
        except Exception as exc:  # agents miss one line of the thread; the transcript keeps it
            log.error("Slack: could not look up the case of %s\n%s", conversation_id, loggable_error(exc))
            return
        if active is not None:
            self.background.spawn(self.relay_customer_message(conversation_id, text, key),
                                  name=f"customer-message:{key}")

    async def relay_customer_message(self, conversation_id: str, text: str, key: str) -> bool:
        """Show a customer's message in the thread of their open case; False when there is none."""
        try:
            return await self.notifier.post_customer_message(conversation_id, text, key)
        except (SlackUnavailable, SlackRefused) as exc:
            log.warning("Slack: customer message of %s not shown to agents: %s", conversation_id, loggable(exc))
            return False

    # -- the sync loop ------------------------------------------------------------------------------
    async def sync(self, now: Optional[datetime] = None) -> None:
        """Post missing cards, upload new photos, re-announce cases nobody took. A case Slack
        fails on is left for the next sync; the others go on."""
        now = now or self.clock()
        for handoff_id in self.ledger.cases_without_card():
            await self._each(handoff_id, self.notifier.post_card(handoff_id))
        if self.notifier.attachments is not None:
            for handoff in self.handoffs.list_active():
                await self._each(handoff.handoff_id, self._photos(handoff.handoff_id))
        for due in self.handoffs.overdue(now, self.reannounce_after):
            await self._each(due.handoff.handoff_id, self._reannounce(due, now))

    async def _photos(self, handoff_id: int) -> None:
        if await self.notifier.upload_photos(handoff_id):
            await self.notifier.update_card(handoff_id)

    async def _reannounce(self, due: Overdue, now: datetime) -> None:
        handoff_id = due.handoff.handoff_id
        update = self.handoffs.reannounce(handoff_id, now)
        if update.customer_text:  # first, so a Slack failure below cannot lose it
            await self.agents.deliver(due.handoff.conversation_id, update.customer_text,
                                      f"slack:case:{handoff_id}:still-waiting")
        await self.notifier.post_to_thread(
            handoff_id, REANNOUNCE.format(id=handoff_id, minutes=int(due.waiting.total_seconds() // 60)),
            key=f"reannounce:{handoff_id}:{due.announcements}", broadcast=True)
        await self.notifier.update_card(handoff_id, update.context)

    async def _each(self, handoff_id: int, work: Awaitable[None]) -> None:
        try:
            await work
        except (SlackUnavailable, SlackRefused) as exc:
            problem = str(exc)
            if isinstance(exc, SlackRefused) and exc.error in ("not_in_channel", "channel_not_found"):
                problem += f" (invite the app to {self.settings.slack_channel_id}: /invite @returnbot)"
            if self._problems.get(handoff_id) != problem:  # say it once, not every sync
                log.warning("Slack: case #%s: %s; trying again at the next sync", handoff_id, problem)
                self._problems[handoff_id] = problem
        else:
            self._problems.pop(handoff_id, None)

    async def _sync_forever(self) -> None:
        while True:
            try:
                await self.sync()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Slack or the database briefly unavailable: next round
                log.warning("Slack: sync failed (%s); again in %.0f s", loggable(exc), self.sync_seconds)
            await asyncio.sleep(self.sync_seconds)


def _refused(exc: BaseException) -> Optional[str]:
    """Slack's answer to a token it will not take (a 4xx but a 429), else None (try again)."""
    if isinstance(exc, SlackApiError) and exc.response.status_code < 500 and exc.response.status_code != 429:
        return f"Slack refused the token: {exc.response.get('error')}; see docs/slack.md"
    return None
