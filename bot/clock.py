"""The real clock, in one place. The core never reads it: services take a clock (`Callable[[],
datetime]`) and the composition root (`bot/bootstrap.py`), the gateway's channels and the
integrations pass this one; tests pass a fixed one."""
from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)
