"""What the dialogue remembers between two messages, as frozen values that round-trip through JSON
(Rasa keeps them in one slot). A value enters the state only after its reader accepted it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Mapping, Optional, Tuple

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


@dataclass(frozen=True)
class State:
    task: Optional[Task] = None
    queued: Tuple[str, ...] = ()  # goals asked for in passing, done after the task
    offer: Optional[str] = None
    offer_order: Optional[str] = None  # the order the offer is about
    misunderstood: int = 0  # messages in a row not understood outside a task
    portal_shown: bool = False
    last_order: Optional[str] = None  # the order verified last: "and can I return it?" needs no new check

    def to_dict(self) -> dict:
        data = asdict(self)
        data["queued"] = list(self.queued)
        if self.task is not None:
            data["task"]["line_ids"] = list(self.task.line_ids)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> "State":
        """The state a slot holds; anything malformed (an old or tampered slot) is a fresh state."""
        if not isinstance(data, Mapping):
            return cls()
        try:
            task = data.get("task")
            task = _build(Task, task) if isinstance(task, Mapping) else None
            if task is not None and task.goal not in GOALS:
                task = None
            state = _build(cls, {**data, "task": None})
            return replace(state, task=task, queued=tuple(g for g in state.queued if g in GOALS))
        except (TypeError, ValueError):
            return cls()


def _build(kind, data: Mapping):
    known = {f.name: f for f in fields(kind)}
    values = {}
    for name, value in data.items():
        if name not in known:
            continue
        if name in ("line_ids", "queued"):
            value = tuple(str(v) for v in value or ())
        values[name] = value
    built = kind(**values)
    for name, f in known.items():  # types checked, so a tampered slot cannot smuggle in objects
        value = getattr(built, name)
        if value is None or name in ("task",):
            continue
        expected = {"bool": bool, "int": int, "str": str}.get(str(f.type).replace("Optional[", "").rstrip("]"))
        if expected is not None and not isinstance(value, expected):
            raise TypeError(name)
    return built


__all__ = ["ANSWER_GOALS", "GOALS", "Offer", "RETURN_GOALS", "State", "Step", "Task"]
