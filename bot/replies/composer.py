"""A reply as the buyer gets it: its kind, its parts within Instagram's limits, its buttons.

The words come from one module per situation, each a class with a method per reply:
`tracking` (tracking cards), `orders` (order answers and verification), `chat` (hand-offs,
problems and small talk), `updates` (proactive updates) and `email` (update emails).

Every reply is built from the translation catalogs (never from strings in code that skip
them), split into parts of at most 1000 UTF-8 bytes, with quick replies whose titles fit in
20 characters and whose payloads are stable (`bot.replies.buttons`, `bot.replies.payloads`).
The writers only ever receive what a buyer may be told: tracking data, order and tracking
numbers, counts and times, never names, addresses, emails or phone numbers, so none can appear
in a reply.

Text that only makes sense with a button also says it in words ("ask for a person here"),
because quick replies are not shown on Instagram's desktop web (docs/instagram.md, Quick replies).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.instagram.messages import QuickReply, TextMessage
from bot.instagram.splitter import TEXT_LIMIT_BYTES, split_text
from bot.replies.catalogs import Translation

MAX_PARCEL_LINES = 10
"""A longer order lists the first ten parcels and says how many more there are."""


class ReplyKind(StrEnum):
    """Which situation a reply answers: a stable slug for logs, the console and tests."""

    SHIPMENT = "shipment"
    FOLLOW_UP = "follow_up"
    PARCELS = "parcels"
    NOT_FOUND_YET = "not_found_yet"
    TRACKING_UNAVAILABLE = "tracking_unavailable"
    NOT_SHIPPED = "not_shipped"
    ORDER_CLOSED = "order_closed"
    LIKELY_TYPO = "likely_typo"
    ASK_FOR_NUMBER = "ask_for_number"
    VERIFICATION_PROMPT = "verification_prompt"
    VERIFICATION_PASSED = "verification_passed"
    VERIFICATION_FAILED = "verification_failed"
    LOCKED_OUT = "locked_out"
    DELIVERED_NOT_RECEIVED = "delivered_not_received"
    HANDOFF = "handoff"
    GREETING = "greeting"
    THANKS = "thanks"
    STORY_MENTION = "story_mention"
    OTHER = "other"
    SINCE_WE_LAST_SPOKE = "since_we_last_spoke"
    UPDATE = "update"
    UPDATES_STOPPED = "updates_stopped"
    TEMPORARY_PROBLEM = "temporary_problem"
    SHIPPING_TIMES = "shipping_times"


class HandoffReason(StrEnum):
    """Why a conversation goes to a person; the values are what the dialogue records."""

    BUYER_ASKED = "buyer_asked"
    REFUND_OR_RETURN = "refund_or_return"
    CANCEL_OR_CHANGE = "cancel_or_change"
    NOT_RECEIVED = "not_received"
    QUESTION = "question"


@dataclass(frozen=True, slots=True)
class ComposedReply:
    """One reply: text parts of at most 1000 UTF-8 bytes each, and the quick replies that go
    under the last part. `language` is the language it is written in (after fallbacks)."""

    kind: ReplyKind
    language: str
    parts: tuple[str, ...]
    quick_replies: tuple[QuickReply, ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(self.parts)

    def messages(self) -> list[TextMessage]:
        """The Send API messages, quick replies on the last (Instagram shows them there only)."""
        last = len(self.parts) - 1
        return [
            TextMessage(text=part, quick_replies=self.quick_replies if index == last else ())
            for index, part in enumerate(self.parts)
        ]

    def followed_by(self, other: ComposedReply) -> ComposedReply:
        """This reply and then `other`, packed into as few parts as fit; `other`'s kind and
        quick replies (it is what the buyer answers next)."""
        return replace(other, parts=pack((*self.parts, *other.parts)))


def pack(paragraphs: Sequence[str], limit: int = TEXT_LIMIT_BYTES) -> tuple[str, ...]:
    """Paragraphs packed into as few parts of at most `limit` UTF-8 bytes as fit, in order.

    A part breaks between paragraphs, so a timeline or a list of steps stays whole in one
    message; only a paragraph longer than `limit` on its own is cut (by `split_text`).
    """
    parts: list[str] = []
    current = ""
    for paragraph in paragraphs:
        for piece in split_text(paragraph, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined.encode("utf-8")) <= limit:
                current = joined
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return tuple(parts)


def compose(
    kind: ReplyKind,
    t: Translation,
    paragraphs: Sequence[str],
    quick_replies: Sequence[QuickReply],
) -> ComposedReply:
    """A reply of `kind` in `t`'s language: `paragraphs` packed into parts, then the buttons."""
    return ComposedReply(kind, t.language, pack(paragraphs), tuple(quick_replies))


__all__ = [
    "MAX_PARCEL_LINES",
    "ComposedReply",
    "HandoffReason",
    "ReplyKind",
    "compose",
    "pack",
]
