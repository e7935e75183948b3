"""`python -m cli.rasa_cli SUBCOMMAND ARGS...`: Rasa's command line (`rasa SUBCOMMAND ARGS...`) as returnbot
runs it: `returnbot run` starts each Rasa server with `run` (cli/stack.py), `returnbot train` trains with
`train` (cli/model.py).

Three differences from `rasa`:
- `run` reads a message in the language its metadata names with that language's NLU model, loaded
  beside the bot's (`rasa_ext.languages.install`; docs/languages.md).
- `run` takes the token of Rasa's HTTP API from the installation secret, in this process, instead of from
  `--auth-token` on its command line, where every local user could read it (`ps`, /proc/<pid>/cmdline).
- The log has no notes from dependencies to their developers (`cli.environment.quiet_warnings`), applied
  again after Rasa sets its own warning filters.
"""
from __future__ import annotations

import os
import sys
from typing import Any, List, Optional


def rasa_argv(argv: List[str], api_token: Optional[str]) -> List[str]:
    """Rasa's own command line, as this process alone sees it: for `run`, the token right after it."""
    if argv[:1] == ["run"] and api_token:
        return ["rasa", "run", "--auth-token", api_token, *argv[1:]]
    return ["rasa", *argv]


def _api_token(argv: List[str]) -> Optional[str]:
    if argv[:1] != ["run"]:
        return None
    from bot.settings import Settings, SettingsError

    try:
        return Settings.from_env(os.environ).rasa_api_token
    except SettingsError as exc:
        raise SystemExit(f"returnbot: {exc}") from None


def main(argv: Optional[List[str]] = None) -> None:
    from cli.environment import quiet_warnings

    quiet_warnings()
    args = list(sys.argv[1:] if argv is None else argv)
    sys.argv = rasa_argv(args, _api_token(args))
    if args[:1] == ["run"]:
        from rasa_ext import languages

        languages.install()
    import rasa.__main__ as rasa_main

    configure = rasa_main.configure_logging_and_warnings

    def configure_then_quiet(*given: Any, **named: Any) -> None:
        configure(*given, **named)
        quiet_warnings()  # Rasa's own filters ("once" for every UserWarning) go in front of ours

    rasa_main.configure_logging_and_warnings = configure_then_quiet
    rasa_main.main()


if __name__ == "__main__":
    main()
