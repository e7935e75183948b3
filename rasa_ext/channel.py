"""Rasa's input channel for the gateway: Rasa's REST channel (same path, `/webhooks/rest/webhook`, same
messages and answers) that answers the gateway alone.

Every request must carry `X-Returnbot-Token` with `Settings.rasa_channel_token`, derived from the
installation secret, which the gateway sends (channels/rasa_client.py); anything else is refused (401
without the header, 403 with another value) before the body is read. Without it, any local user could post
to 127.0.0.1:5005 as any conversation id (`web:<session>`, `telegram:<chat>`) and read that customer's
conversation and orders. Named in credentials.yml.

One difference in what it answers: a turn that raised (the tracker store locked or down, say) is a 503,
not Rasa's 200 with whatever messages were collected before the error. Those messages belong to a turn
that may not have been recorded; the gateway asks the customer to try again instead, and a retried
request finds what the first one did (RMAs are issued once per order line).
"""
from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.privacy import loggable_error
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
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            collector = CollectingOutputChannel()
            message = UserMessage(self._extract_message(request), collector, await self._extract_sender(request),
                                  input_channel=self._extract_input_channel(request),
                                  metadata=self.get_metadata(request))
            try:
                await on_new_message(message)
            except Exception as exc:  # noqa: BLE001 (any failure fails the turn; the gateway asks to retry)
                log.error("turn failed for one conversation: %s", loggable_error(exc))
                return response.json({"error": "the turn failed; nothing it said was sent"}, status=503)
            return response.json(collector.messages)

        webhook.middleware("request")(self.only_the_gateway)  # this blueprint's routes only
        return webhook

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """The conversation's language as the gateway chose it (bot.language), for the NLU (issue 15)."""
        body = request.json if isinstance(request.json, dict) else {}
        return message_metadata(body.get("metadata"))

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


def message_metadata(raw: Any) -> Optional[Dict[Text, Any]]:
    """Only `{"language": <a served language>}` passes; anything else the request carries is dropped."""
    from bot.language import LANGUAGES

    language = raw.get("language") if isinstance(raw, dict) else None
    return {"language": language} if isinstance(language, str) and language in LANGUAGES else None
