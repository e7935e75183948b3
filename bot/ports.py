"""The ports through which the core reaches the world outside it: where orders come from, where a
parcel is, and who makes a return label.

Each is a Protocol the core calls and an adapter outside it implements (a marketplace's API, a
carrier's tracking service, a label vendor). The core never imports an adapter: the composition
root (`bot/bootstrap.py`) hands it the ones the settings turn on, and a test hands it a fake.
Every port raises `SourceError` for a failure the caller can tell the customer about (down,
rate-limited past its retries, bad credentials); anything else is a bug.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional, Protocol, Tuple

from bot.models import Order


class SourceError(Exception):
    """An outside service could not answer. `retryable` is False for what waiting does not fix
    (credentials revoked or expired, a permission missing), True for outages and rate limits."""

    def __init__(self, source: str, message: str, *, retryable: bool = True, status: Optional[int] = None):
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message
        self.retryable = retryable
        self.status = status


@dataclass(frozen=True)
class OrderPage:
    """One page of an incremental sync: the orders changed since the cursor the caller passed, the
    cursor to pass next time, and whether more pages are waiting now."""
    orders: Tuple[Order, ...]
    cursor: Optional[str]
    more: bool = False


class OrderSource(Protocol):
    """A place orders live: a marketplace (Shopify, Amazon, eBay) or the merchant's own file.

    Order ids are the source's own (what the customer sees on their receipt); the order store keys
    what it caches by (source name, order id)."""
    name: str

    def fetch_order(self, order_id: str) -> Optional[Order]:
        """The order as the source has it now, or None when the source does not know the id."""

    def orders_changed_since(self, cursor: Optional[str]) -> OrderPage:
        """Orders created or changed after `cursor` (None: from the configured start), oldest first."""


@dataclass(frozen=True)
class TrackingEvent:
    at: datetime
    status: str            # the carrier's own words, shown to nobody but agents
    location: Optional[str] = None


@dataclass(frozen=True)
class TrackingStatus:
    """Where a parcel is, normalised: `stage` is one of pending, in_transit, out_for_delivery,
    delivered, exception (what the customer is told is chosen from it, never from the carrier's text)."""
    carrier: Optional[str]
    tracking_number: str
    stage: str
    checked_at: datetime
    estimated_delivery: Optional[datetime] = None
    delivered_at: Optional[datetime] = None
    events: Tuple[TrackingEvent, ...] = field(default_factory=tuple)


class TrackingProvider(Protocol):
    def track(self, carrier: Optional[str], tracking_number: str) -> Optional[TrackingStatus]:
        """The parcel's status now, or None when the provider does not know the number."""


@dataclass(frozen=True)
class Label:
    """A return label: the carrier's tracking number for the parcel coming back, and the label file."""
    carrier: str
    tracking_number: str
    content_type: str      # e.g. application/pdf
    content: bytes


class LabelProvider(Protocol):
    def create_label(self, rma_number: str, order: Order, line_ids: Tuple[str, ...]) -> Label:
        """A label for the parcel of return `rma_number`. Called again with the same RMA number (a
        retry after a crash), it returns the label it made the first time, never a second one."""
