"""Tables owned by the bot package: the durable inbox of webhook events and the outbox of sends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.pipeline.base import Base
from foundation.columns import Id, Json
from foundation.database import UtcDateTime, literal_condition
from foundation.indexes import PartialIndex

PENDING_EVENT = "processed_at IS NULL"
# The partial indexes' conditions; queries state them the same way, with the values written
# into the SQL (foundation/database.py, `in_literals`), or the planner cannot use the index.
UNFINISHED_SEND_STATES = ("queued", "sending", "ambiguous")
UNFINISHED_SEND = literal_condition("state", UNFINISHED_SEND_STATES)
HELD_SEND_STATES = ("held",)
HELD_SEND = literal_condition("state", HELD_SEND_STATES)
LEASED_LANE = "lease_token IS NOT NULL"


class InboxEvent(Base):
    """One webhook event, stored before Meta gets its 200 and handled exactly once after."""

    __tablename__ = "inbox_events"
    __table_args__ = (
        PartialIndex(
            "ix_inbox_events_pending", "lane_key", "occurred_at", "id", where=PENDING_EVENT
        ),
        Index("ix_inbox_events_processed", "processed_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # Enforced by the database, not a lookup: two deliveries racing still store one event.
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    lane_key: Mapped[str] = mapped_column(String)
    account_id: Mapped[str] = mapped_column(String)
    igsid: Mapped[str | None] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String(16))
    standby: Mapped[bool] = mapped_column(Boolean)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    available_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(200))


class InboxLane(Base):
    """The lease that lets one worker at a time handle a conversation's events.

    A lease is taken in one short transaction and checked again (by its token) in the
    transaction that records the work, so a worker that lost its lease cannot commit.
    """

    __tablename__ = "inbox_lanes"

    __table_args__ = (PartialIndex("ix_inbox_lanes_leased", "lease_owner", where=LEASED_LANE),)

    lane_key: Mapped[str] = mapped_column(String, primary_key=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """A message to send: written first, sent after, its fate recorded.

    `purpose` says why it exists (a reply, a proactive update, a merchant's message), `author`
    who wrote it (the bot or a person: only a person's message may use HUMAN_AGENT), and
    `idempotency_key` makes enqueueing the same message twice a no-op.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        PartialIndex(
            "ix_outbox_messages_unfinished",
            "account_id",
            "recipient_id",
            "id",
            where=UNFINISHED_SEND,
        ),
        PartialIndex("ix_outbox_messages_due", "next_attempt_at", where=UNFINISHED_SEND),
        Index("ix_outbox_messages_conversation", "conversation_id", "id"),
        PartialIndex("ix_outbox_messages_held", "account_id", "reason", where=HELD_SEND),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    account_id: Mapped[str] = mapped_column(String)
    recipient_id: Mapped[str] = mapped_column(String)
    conversation_id: Mapped[int] = mapped_column(Id)
    conversation_message_id: Mapped[int | None] = mapped_column(Id)
    purpose: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(16))
    author_ref: Mapped[str | None] = mapped_column(String(128))
    source_ref: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[dict[str, Any]] = mapped_column(Json)
    text: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    message_id: Mapped[str | None] = mapped_column(String, unique=True)
    tag: Mapped[str | None] = mapped_column(String(32))
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_subcode: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


__all__ = ["Base", "InboxEvent", "InboxLane", "OutboxMessage"]
