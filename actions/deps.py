"""The one place actions get their services (and the dialogue manager over them) from. The action
server builds them once from the environment on first use; tests call `use(services)` to put fakes
or a test database in place."""
from __future__ import annotations

import os
from typing import Optional

from bot.bootstrap import Services, build
from bot.conversation.manager import DialogueManager
from bot.settings import Settings
from integrations.sources import connect as connect_sources

_services: Optional[Services] = None
_dialogue: Optional[DialogueManager] = None


def services() -> Services:
    global _services
    if _services is None:
        _services = build(Settings.from_env(os.environ))
        connect_sources(_services)  # live orders from the marketplaces, when configured (docs/sources.md)
    return _services


def dialogue() -> DialogueManager:
    """The dialogue manager over the services (made once, and again after `use`)."""
    global _dialogue
    if _dialogue is None:
        found = services()
        _dialogue = DialogueManager(found.returns, found.updates.opt_out, found.updates.opt_in,
                                    found.platforms.for_order, found.settings.portal_url)
    return _dialogue


def use(replacement: Optional[Services]) -> None:
    global _services, _dialogue
    _services, _dialogue = replacement, None
