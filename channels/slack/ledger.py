"""What the Slack channel remembers so nothing happens twice (the port; `bot.sql.slack_ledger.SqlSlackLedger`
keeps it in the order store's database, built by the composition root, `bot.bootstrap.slack_ledger`):

- the card of each case (channel and ts), written before and after posting, so a retry never posts
  a second card;
- the events it handled (a message an agent wrote, keyed by channel and ts, which Slack's retries
  of the event share);
- the thread posts and uploads it made (keyed by what they are for, written before and after the
  call, so a retry after an ambiguous failure looks for the earlier post before posting again).
"""
from __future__ import annotations

from datetime import datetime
from typing import List, Optional, Protocol, Tuple

from bot.handoffs import Card


class SlackLedger(Protocol):
    # -- cards ----------------------------------------------------------------------------------
    def card(self, handoff_id: int) -> Optional[Card]: ...

    def reserve_card(self, handoff_id: int, channel: str, at: datetime) -> Tuple[Card, bool]:
        """Note that a card is about to be posted. Returns (the case's card, reserved now?): a card
        with ts None that was reserved before means an earlier post may have happened."""

    def save_card(self, handoff_id: int, channel: str, ts: str, at: datetime,
                  thread_ts: Optional[str] = None) -> Card: ...

    def case_for_thread(self, channel: str, thread_ts: str) -> Optional[int]:
        """The id of the case whose card starts this thread."""

    def cases_without_card(self) -> List[int]:
        """Cases not closed whose card is not posted yet (or whose post may not have happened), oldest first."""

    # -- events and posts -----------------------------------------------------------------------
    def claim_event(self, key: str, at: datetime) -> bool:
        """Record an inbound event; False when it was recorded before (a retry or a duplicate)."""

    def release_event(self, key: str) -> None:
        """Forget an event whose handling failed, so a later delivery of it is handled."""

    def reserve_post(self, key: str, handoff_id: Optional[int], at: datetime) -> Tuple[Optional[str], bool]:
        """(ts of the earlier post or None, reserved now?). (None, False): an earlier attempt may
        have posted; look for it before posting."""

    def save_post(self, key: str, ts: str, at: datetime) -> None: ...

    def posted(self, key: str) -> Optional[str]: ...
