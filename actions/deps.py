"""The one place actions get their services from. The action server builds them once from the
environment on first use; tests call `use(services)` to put fakes or a test database in place."""
from __future__ import annotations

import os
from typing import Optional

from bot.bootstrap import Services, build
from bot.settings import Settings

_services: Optional[Services] = None


def services() -> Services:
    global _services
    if _services is None:
        _services = build(Settings.from_env(os.environ))
    return _services


def use(replacement: Optional[Services]) -> None:
    global _services
    _services = replacement
