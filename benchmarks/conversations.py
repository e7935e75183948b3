"""The simulated customers of `make bench`: whole conversations, drawn from a seeded random source so
that every run has the same stream of conversations (which customer gets which depends on timing).

A conversation is a list of steps: `Say(text)` sends fixed words; `Press(choice)` presses one of the
buttons the bot offered in its last answer (an item, a reason, a resolution), as a customer clicks
through the return form; with no button offered it sends nothing and is no turn. Returnbot's
customers use the demo store's orders with the order's own email or postcode, so verification
succeeds; orders are drawn from the whole store, so a run meets every outcome the policy has
(RMA and slip, returnless refund, Amazon's path, window closed, a person reviews, "you already have
a return"), each a turn like any other. The vanilla bot gets `rasa init`'s moodbot conversations.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple, Union

ROOT = Path(__file__).resolve().parent.parent
DEMO_STORE = ROOT / "data" / "demo_orders.json"
RETURN_WINDOW_DAYS = 30  # policy.yml; only picks which orders a return conversation prefers
NEVER_PRESSED = ("talk to a person", "no, i'll try again")  # a customer here wants the bot to finish


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Press:
    """Press a button of the last answer, if it offered any: the one at this fraction of the list,
    drawn with the conversation, so a run presses the same buttons whichever customer gets it."""

    choice: float


Step = Union[Say, Press]


@dataclass(frozen=True)
class Conversation:
    kind: str
    steps: Tuple[Step, ...]


@dataclass(frozen=True)
class DemoOrder:
    order_id: str
    email: str
    postcode: str
    items: Tuple[str, ...]
    status: str
    days_since_delivery: int  # -1: not delivered


def demo_orders(path: Path = DEMO_STORE) -> List[DemoOrder]:
    """The store's orders, with how long ago they were delivered relative to the file's anchor date
    (the import rebases the anchor to today, so the same holds on the bench's fresh database)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    anchor = date.fromisoformat(data["anchor_date"])
    orders = []
    for raw in data["orders"]:
        delivered = raw.get("delivered_at")
        days = (anchor - datetime.fromisoformat(delivered.replace("Z", "+00:00")).date()).days if delivered else -1
        orders.append(DemoOrder(raw["order_id"], raw["customer"]["email"], raw["customer"].get("postcode") or "",
                                tuple(line["title"] for line in raw["lines"]), raw["status"], days))
    return orders


def pick_button(buttons: Sequence[Dict[str, str]], press: Press) -> Dict[str, str] | None:
    """The button a customer presses: one of those offered, except those that leave the bot."""
    choices = [b for b in buttons if str(b.get("title", "")).lower() not in NEVER_PRESSED]
    return choices[min(int(press.choice * len(choices)), len(choices) - 1)] if choices else None


class ReturnbotCustomers:
    """An endless, seeded stream of returnbot conversations in a realistic mix."""

    MIX = {"return": 40, "tracking": 25, "refund_status": 20, "small_talk": 15}  # a returns desk's guess, in %

    def __init__(self, seed: int, orders: Sequence[DemoOrder] | None = None):
        self.rng = random.Random(seed)
        orders = list(orders if orders is not None else demo_orders())
        self.recent = [o for o in orders if 0 <= o.days_since_delivery <= RETURN_WINDOW_DAYS]
        self.delivered = [o for o in orders if o.days_since_delivery >= 0]
        self.all = orders

    def __iter__(self) -> Iterator[Conversation]:
        scripts = {"return": self.returning, "tracking": self.tracking, "refund_status": self.refund_status,
                   "small_talk": self.small_talk}
        while True:
            kind = self.rng.choices(list(self.MIX), list(self.MIX.values()))[0]
            yield Conversation(kind, tuple(scripts[kind]()))

    def _proof(self, order: DemoOrder) -> Say:
        use_postcode = order.postcode and self.rng.random() < 0.4
        return Say(order.postcode if use_postcode else self.rng.choice(["", "it's ", "my email is "]) + order.email)

    def _maybe(self, probability: float, *texts: str) -> List[Step]:
        return [Say(self.rng.choice(texts))] if self.rng.random() < probability else []

    def returning(self) -> List[Step]:
        order = self.rng.choice(self.recent if self.rng.random() < 0.7 else self.delivered)
        item = self.rng.choice(order.items).lower()
        ask = self.rng.choice([
            f"I want to return the {item} from order {order.order_id}",
            f"hi, I'd like to send back my {item}, order {order.order_id}",
            f"can I return order {order.order_id} please",
            f"the {item} I got doesn't fit, I want a return. order number {order.order_id}",
        ])
        return [*self._maybe(0.4, "hi", "hello", "hey there"), Say(ask), self._proof(order),
                *(Press(self.rng.random()) for _ in range(3)),
                *self._maybe(0.3, "where is my refund?", "when will I get my refund?"),
                *self._maybe(0.7, "thanks", "thank you!", "great, thanks"), *self._maybe(0.4, "bye", "goodbye")]

    def tracking(self) -> List[Step]:
        order = self.rng.choice(self.all)
        ask = self.rng.choice([f"where is my order {order.order_id}?", f"track order {order.order_id}",
                               f"has my order {order.order_id} shipped yet", f"where's my package? {order.order_id}"])
        return [Say(ask), self._proof(order), *self._maybe(0.6, "thanks", "ok thank you")]

    def refund_status(self) -> List[Step]:
        order = self.rng.choice(self.delivered)
        ask = self.rng.choice([f"where is my refund for order {order.order_id}",
                               f"I sent back order {order.order_id}, when do I get my money back?",
                               f"what's the status of my return for {order.order_id}"])
        return [*self._maybe(0.3, "hello"), Say(ask), self._proof(order),
                *self._maybe(0.3, "are you a bot?", "am I talking to a robot?"), *self._maybe(0.6, "thanks")]

    def small_talk(self) -> List[Step]:
        return [Say(self.rng.choice(["hello", "hi there", "good morning"])),
                Say(self.rng.choice(["are you a bot?", "are you a robot?"])),
                Say(self.rng.choice(["what can you do?", "what can you help me with"])),
                Say(self.rng.choice(["thanks", "thank you"])), *self._maybe(0.7, "bye", "see you")]


class MoodbotCustomers:
    """An endless, seeded stream of conversations for `rasa init`'s moodbot (its intents: greet,
    mood_great, mood_unhappy, affirm, deny, goodbye, bot_challenge), in the words of its users."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def __iter__(self) -> Iterator[Conversation]:
        scripts = {"happy": self.happy, "sad": self.sad, "bot_challenge": self.bot_challenge}
        while True:
            kind = self.rng.choices(list(scripts), [40, 40, 20])[0]
            yield Conversation(kind, tuple(scripts[kind]()))

    def _say(self, *texts: str) -> Say:
        return Say(self.rng.choice(texts))

    def happy(self) -> List[Step]:
        return [self._say("hi", "hello there", "good morning"), self._say("I'm great", "feeling wonderful", "amazing"),
                self._say("bye", "see you later")]

    def sad(self) -> List[Step]:
        return [self._say("hey", "hello"), self._say("I am sad", "not good", "so sad today"),
                self._say("yes", "of course", "no", "not really"), self._say("goodbye", "bye bye")]

    def bot_challenge(self) -> List[Step]:
        return [self._say("hello", "hey there"), self._say("are you a bot?", "am I talking to a human?"),
                self._say("great", "perfect"), self._say("bye")]

