"""A clock a test holds in its hand: services, the relay, the router and the platform sync take a
callable that tells the time, and the test passes this one, then sets or moves it."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.builders import NOW


class Clock:
    """Says `now` when called (the store's NOW by default; any value, e.g. monotonic seconds as a float,
    for a clock of another kind). Move it with `advance(seconds)` or by setting `now`."""

    def __init__(self, now: Any = NOW):
        self.now = now

    def __call__(self) -> Any:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds) if isinstance(self.now, datetime) else seconds
