"""Meta's messaging window: whether a message may go to a buyer now, and with which tag.

An automated message may go within 24 hours of the buyer's last message (we stop at 23 h 30
min, so a retry cannot land after the window shuts); a message a person wrote may also go
between 24 hours and 7 days, tagged HUMAN_AGENT. The bot's own messages never carry that tag.
See docs/instagram.md, The 24-hour window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from bot.instagram.sendapi import Tag
from conversations.models import Author

HUMAN_AGENT: Final = "HUMAN_AGENT"


@dataclass(frozen=True, slots=True)
class WindowDecision:
    """`allowed` with the tag to send under (None: a normal RESPONSE), or why not."""

    allowed: bool
    tag: Tag | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class WindowPolicy:
    standard: timedelta = timedelta(hours=24)
    safety_margin: timedelta = timedelta(minutes=30)
    human_agent: timedelta = timedelta(days=7)

    def decide(
        self, author: Author, last_buyer_at: datetime | None, now: datetime
    ) -> WindowDecision:
        """Whether a message by `author` may be sent at `now`."""
        if last_buyer_at is None:
            return WindowDecision(False, reason="no_buyer_message")
        if now < last_buyer_at + self.standard - self.safety_margin:
            return WindowDecision(True)
        if author is not Author.MERCHANT:
            return WindowDecision(False, reason="window_closed")
        if now < last_buyer_at + self.human_agent - self.safety_margin:
            return WindowDecision(True, tag=HUMAN_AGENT)
        return WindowDecision(False, reason="human_agent_window_closed")

    def open_until(self, author: Author, last_buyer_at: datetime | None) -> datetime | None:
        """Until when a message by `author` could be sent (what the console shows)."""
        if last_buyer_at is None:
            return None
        span = self.human_agent if author is Author.MERCHANT else self.standard
        return last_buyer_at + span - self.safety_margin


__all__ = ["HUMAN_AGENT", "WindowDecision", "WindowPolicy"]
