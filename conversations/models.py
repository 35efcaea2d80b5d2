"""Conversations and their messages as plain frozen values (what the store returns)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Direction(StrEnum):
    IN = "in"  # from the buyer
    OUT = "out"  # from the business


class Author(StrEnum):
    """Who wrote a message."""

    BUYER = "buyer"
    BOT = "bot"  # wismo's automated replies and updates
    MERCHANT = "merchant"  # a person, through wismo (the console)
    ECHO = "echo"  # a person or another app outside wismo, known only from Meta's echo


class MessageKind(StrEnum):
    TEXT = "text"
    QUICK_REPLY = "quick_reply"  # a tap on one of our quick replies (text is its title)
    ATTACHMENT = "attachment"  # media, shares, story mentions, with or without text
    STORY_REPLY = "story_reply"
    POSTBACK = "postback"
    REFERRAL = "referral"  # an ig.me link or ad opened into the thread
    REACTION = "reaction"
    UNSUPPORTED = "unsupported"  # content the API cannot represent
    TEMPLATE = "template"  # outgoing generic/button template
    MEDIA = "media"  # outgoing media


class Delivery(StrEnum):
    """Where a message stands; inbound messages are always RECEIVED."""

    RECEIVED = "received"
    QUEUED = "queued"  # written to the outbox, not yet confirmed sent
    SENT = "sent"  # Meta returned its mid (or its echo arrived)
    HELD = "held"  # deliberately not sent (window closed, hand-off …); `status_reason` says why
    FAILED = "failed"  # Meta refused it for good; `status_reason` says why


@dataclass(frozen=True, slots=True)
class Conversation:
    """One buyer's thread with one Instagram account.

    `last_buyer_at` is the newest buyer event that opens Meta's 24-hour window; a conversation
    is handed off (the bot stays quiet) while `handoff_at` is set.
    """

    id: int
    account_id: str
    igsid: str
    username: str | None
    name: str | None
    language: str | None
    created_at: datetime
    last_message_at: datetime | None
    last_buyer_at: datetime | None
    last_merchant_at: datetime | None
    buyer_read_at: datetime | None
    state: Mapping[str, Any]
    handoff_at: datetime | None
    handoff_reason: str | None
    resolved: bool
    resolved_at: datetime | None
    delivery_issue: str | None
    delivery_issue_at: datetime | None

    @property
    def handed_off(self) -> bool:
        return self.handoff_at is not None


@dataclass(frozen=True, slots=True)
class Message:
    """A message of a conversation; `based_on` says what a bot reply was built from."""

    id: int
    conversation_id: int
    direction: Direction
    author: Author
    kind: MessageKind
    mid: str | None
    text: str | None
    payload: Mapping[str, Any]
    based_on: Mapping[str, Any] | None
    status: Delivery
    status_reason: str | None
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None


__all__ = ["Author", "Conversation", "Delivery", "Direction", "Message", "MessageKind"]
