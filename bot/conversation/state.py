"""What the dialogue remembers between two messages, as frozen values that round-trip through JSON
(Rasa keeps them in one slot). A value enters the state only after its reader accepted it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Mapping, Optional, Tuple

from bot.language import LANGUAGES

RETURN_GOALS = ("return", "refund", "exchange", "damage")
ANSWER_GOALS = ("track", "return_status", "refund_status", "cancel")
GOALS = RETURN_GOALS + ANSWER_GOALS


class Step:
    """What the dialogue waits for in a task (the value of `Task.step`)."""

    ORDER_ID = "order_id"
    PROOF = "proof"
    LINES = "lines"
    QUANTITY = "quantity"
    REASON = "reason"
    RESOLUTION = "resolution"
    CONFIRM_CANCEL = "confirm_cancel"


class Offer:
    """What a "yes" accepts (the value of `State.offer`)."""

    PERSON = "person"
    TRACK = "track"
    START_RETURN = "start_return"
    CONFIRM_CANCEL = "confirm_cancel"
    ANYTHING_ELSE = "anything_else"


@dataclass(frozen=True)
class Task:
    """The request in hand. `order_id` is a well-formed order number the customer gave (not yet
    theirs until `verified`); `proof` an email or postcode given before the order number."""

    goal: str
    order_id: Optional[str] = None
    verified: bool = False
    proof: Optional[str] = None
    step: str = ""
    line_ids: Tuple[str, ...] = ()
    quantity: Optional[int] = None
    reason: Optional[str] = None
    reason_words: str = ""
    resolution: Optional[str] = None
    misses: int = 0  # answers to this step in a row that could not be read
    note: str = ""  # what the customer told about the situation: "not_received", "already_sent"
    pending_words: str = ""  # words said before verification that may name items, read once verified
    # A cancel of single items, beside line_ids: the units of each line cancelled, and each line's cancelled
    # units once done (what the store is asked for, so a repeated "yes" cancels nothing more).
    cancel_units: Tuple[int, ...] = ()
    cancel_totals: Tuple[int, ...] = ()


@dataclass(frozen=True)
class Queued:
    """A request made in passing ("...and where is my refund?"), done after the task in hand."""

    goal: str
    order_id: Optional[str] = None
    words: str = ""


@dataclass(frozen=True)
class State:
    task: Optional[Task] = None
    queued: Tuple[Queued, ...] = ()
    paused: Optional[Task] = None  # the task a detour about another order interrupted, resumed after it
    offer: Optional[str] = None
    offer_order: Optional[str] = None  # the order the offer is about
    misunderstood: int = 0  # messages in a row not understood outside a task
    portal_shown: bool = False
    last_order: Optional[str] = None  # the order verified last: "and can I return it?" needs no new check
    proof: Optional[str] = None  # the email or postcode that verified it, tried on the customer's next orders
    language: str = "en"  # the conversation's language: the last one a message came with

    def to_dict(self) -> dict:
        data = asdict(self)
        data["queued"] = [asdict(q) for q in self.queued]
        for name in ("task", "paused"):
            if data[name] is not None:
                for key in ("line_ids", "cancel_units", "cancel_totals"):
                    data[name][key] = list(data[name][key])
        return data

    @classmethod
    def from_dict(cls, data: Any) -> "State":
        """The state a slot holds; anything malformed (an old or tampered slot) is a fresh state."""
        if not isinstance(data, Mapping):
            return cls()
        try:
            task, paused = _task(data.get("task")), _task(data.get("paused"))
            queued = tuple(_build(Queued, q) for q in data.get("queued") or () if isinstance(q, Mapping))
            state = _build(cls, {**data, "task": None, "paused": None, "queued": ()})
            state = replace(state, task=task, paused=paused, queued=tuple(q for q in queued if q.goal in GOALS))
            return state if state.language in LANGUAGES else replace(state, language="en")
        except (TypeError, ValueError):
            return cls()


def _task(data: Any) -> Optional[Task]:
    """A task from the slot; one with an unknown goal is none ("" is a request not yet named)."""
    task = _build(Task, data) if isinstance(data, Mapping) else None
    return task if task is not None and (task.goal in GOALS or task.goal == "") else None


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError("a count")
    return value


def _build(kind, data: Mapping):
    known = {f.name: f for f in fields(kind)}
    values = {}
    for name, value in data.items():
        if name not in known:
            continue
        if name == "line_ids":
            value = tuple(str(v) for v in value or ())
        elif name in ("cancel_units", "cancel_totals"):
            value = tuple(_count(v) for v in value or ())
        values[name] = value
    built = kind(**values)
    for name, f in known.items():  # types checked, so a tampered slot cannot smuggle in objects
        value = getattr(built, name)
        if value is None or name in ("task", "paused", "queued"):
            continue
        expected = {"bool": bool, "int": int, "str": str}.get(str(f.type).replace("Optional[", "").rstrip("]"))
        if expected is not None and not isinstance(value, expected):
            raise TypeError(name)
    return built


__all__ = ["ANSWER_GOALS", "GOALS", "Offer", "Queued", "RETURN_GOALS", "State", "Step", "Task"]
