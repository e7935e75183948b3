"""What the dialogue says: a response key of the catalogue (domain.yml) with its values, and the
buttons and machine-readable attachment that go with it. Never a sentence: wording has one home."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Say:
    key: str  # utter_... in domain.yml
    values: Mapping[str, Any] = field(default_factory=dict)
    buttons: Tuple[Button, ...] = ()
    attachment: Optional[Mapping[str, Any]] = None  # e.g. {"return_slip": {...}} for channels that send files


def payload(entity: str, value: str) -> str:
    """A button payload that sets one entity, as Rasa reads it (`/inform{"line_id":"L1"}`)."""
    return '/inform{"%s":"%s"}' % (entity, value)
