"""What Slack sends an app: signed interaction payloads (button clicks, modal submissions) and
Events API callbacks (an agent's message in a thread), as (body, headers) ready to POST to
/slack/events. Shared by the Slack channel's tests and the end-to-end handoff tests."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Optional, Tuple
from urllib.parse import urlencode

from tests.fake_slack import BOT_ID, BOT_USER_ID, TEAM_ID

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

Request = Tuple[str, dict]  # (body, headers with the content type)


def signed(body: str, secret: str, timestamp: Optional[int] = None, **extra) -> dict:
    """Slack's v0 signature headers for `body`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, **extra}


def interaction(payload: dict, user: str, secret: str) -> Request:
    body = urlencode({"payload": json.dumps({
        "team": {"id": TEAM_ID, "domain": "test"}, "api_app_id": "A0TEST", "token": "legacy",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID}, **payload})})
    return body, {"Content-Type": FORM, **signed(body, secret)}


def click_payload(action_id: str, handoff_id: int, channel: str, message_ts: str) -> dict:
    """A block_actions payload: a button of the card `message_ts` in `channel` was clicked."""
    return {"type": "block_actions", "trigger_id": "111.222.trigger", "response_url": "https://hooks.invalid/x",
            "channel": {"id": channel, "name": "agents"},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
            "message": {"type": "message", "ts": message_ts, "user": BOT_USER_ID, "bot_id": BOT_ID, "text": "card"},
            "actions": [{"type": "button", "action_id": action_id, "block_id": f"handoff:{handoff_id}",
                         "value": str(handoff_id), "action_ts": "1700000001.000001"}]}


def click(action_id: str, handoff_id: int, channel: str, message_ts: str, secret: str, user: str = "U0ANA") -> Request:
    return interaction(click_payload(action_id, handoff_id, channel, message_ts), user, secret)


def thread_message(text: str, channel: str, thread_ts: str, ts: str, event_id: str, secret: str,
                   user: str = "U0ANA", retry: Optional[int] = None, **extra) -> Request:
    """An Events API callback: `user` wrote `text` in the thread `thread_ts`; `retry` as Slack
    marks its re-deliveries."""
    body = json.dumps({
        "token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0TEST", "type": "event_callback",
        "event_id": event_id, "event_time": 1700000000,
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        "event": {"type": "message", "channel": channel, "channel_type": "channel", "user": user, "text": text,
                  "ts": ts, "thread_ts": thread_ts, "event_ts": ts, **extra}})
    headers = {"Content-Type": JSON, **signed(body, secret)}
    if retry is not None:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    return body, headers
