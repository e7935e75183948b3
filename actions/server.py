"""`python -m actions.server ARGS...`: rasa-sdk's action server (`python -m rasa_sdk ARGS...`, same options)
that runs actions for Rasa alone.

Every request but `/health` must carry `X-Returnbot-Token` with `Settings.action_server_token`, which Rasa
sends from its endpoints file (cli/stack.py `endpoints_yaml`); anything else is refused (401 without the
header, 403 with another value) before the body is read, so another local user cannot run an action (and
read a customer's order through it) by posting to 127.0.0.1:5055/webhook. The check is one constant-time
comparison per request, added through rasa-sdk's own plugin hook."""
from __future__ import annotations

import hmac
import logging
import os
from typing import Any, List, Optional

import pluggy

from bot.settings import INTERNAL_TOKEN_HEADER

log = logging.getLogger(__name__)
hookimpl = pluggy.HookimplMarker("rasa_sdk")
OPEN_PATHS = frozenset({"/health"})  # the stack's and docker's health checks; it says only "ok"


class OnlyRasa:
    """rasa-sdk plugin: a request middleware that refuses requests without Rasa's token."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the action server needs a token to check")
        self._token = token.encode()

    @hookimpl
    def attach_sanic_app_extensions(self, app: Any) -> None:
        app.register_middleware(self.check, "request")

    async def check(self, request: Any) -> Optional[Any]:
        """None lets the request through; otherwise the refusal."""
        if request.path in OPEN_PATHS:
            return None
        from sanic.response import json

        given = request.headers.get(INTERNAL_TOKEN_HEADER)
        if given is None:
            log.warning("refused %s %s: no %s header (only Rasa may call the action server)",
                        request.method, request.path, INTERNAL_TOKEN_HEADER)
            return json({"error": f"missing {INTERNAL_TOKEN_HEADER}"}, status=401)
        if not hmac.compare_digest(given.encode(), self._token):
            log.warning("refused %s %s: wrong %s (Rasa and the action server must share RETURNBOT_SECRET)",
                        request.method, request.path, INTERNAL_TOKEN_HEADER)
            return json({"error": f"wrong {INTERNAL_TOKEN_HEADER}"}, status=403)
        return None


def main(argv: Optional[List[str]] = None) -> None:
    from cli.environment import quiet_warnings

    quiet_warnings()
    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser
    from rasa_sdk.plugin import plugin_manager

    from bot.settings import Settings, SettingsError

    args = create_argument_parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        raise SystemExit(f"returnbot: {exc}") from None
    plugin_manager().register(OnlyRasa(settings.action_server_token))
    main_from_args(args)


if __name__ == "__main__":
    main()
