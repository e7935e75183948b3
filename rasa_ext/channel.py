"""Rasa's input channel for the gateway: Rasa's REST channel (same path, `/webhooks/rest/webhook`, same
messages and answers) that answers the gateway alone.

Every request must carry `X-Returnbot-Token` with `Settings.rasa_channel_token`, derived from the
installation secret, which the gateway sends (channels/rasa_client.py); anything else is refused (401
without the header, 403 with another value) before the body is read. Without it, any local user could post
to 127.0.0.1:5005 as any conversation id (`web:<session>`, `telegram:<chat>`) and read that customer's
conversation and orders. Named in credentials.yml.
"""
from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.settings import INTERNAL_TOKEN_HEADER, Settings

log = logging.getLogger(__name__)


class GatewayInput(RestInput):
    def __init__(self, token: Optional[Text] = None) -> None:
        token = token or Settings.from_env(os.environ).rasa_channel_token
        self._token = token.encode()

    @classmethod
    def name(cls) -> Text:
        return "rest"  # the path stays /webhooks/rest/webhook, and events keep input_channel "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()  # nothing to configure: the token comes from the installation secret

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        webhook.middleware("request")(self.only_the_gateway)  # this blueprint's routes only
        return webhook

    async def only_the_gateway(self, request: Request) -> Optional[response.HTTPResponse]:
        """None lets the request through; otherwise the refusal."""
        given = request.headers.get(INTERNAL_TOKEN_HEADER)
        if given is None:
            log.warning("refused %s %s: no %s header (only the gateway may post to Rasa)",
                        request.method, request.path, INTERNAL_TOKEN_HEADER)
            return response.json({"error": f"missing {INTERNAL_TOKEN_HEADER}"}, status=401)
        if not hmac.compare_digest(given.encode(), self._token):
            log.warning("refused %s %s: wrong %s (the gateway and Rasa must share RETURNBOT_SECRET)",
                        request.method, request.path, INTERNAL_TOKEN_HEADER)
            return response.json({"error": f"wrong {INTERNAL_TOKEN_HEADER}"}, status=403)
        return None
