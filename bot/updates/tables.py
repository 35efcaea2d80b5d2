"""Tables of proactive updates: subscriptions, the record of every milestone, cursors, emails.

`update_notices` is the record the merchant console reads: one row per milestone per
subscription and channel, saying whether it was sent, held until the buyer's next message,
told then, or dropped, and why. Its unique key is what sends a milestone only once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.pipeline.base import Base
from foundation.columns import Id, Json
from foundation.database import UtcDateTime, literal_condition
from foundation.indexes import PartialIndex

ACTIVE_SUBSCRIPTION = "stopped_at IS NULL"
# As queries state it too (foundation/database.py, in_literals): the index serves them.
PENDING_NOTICE_STATES = ("pending",)
PENDING_NOTICE = literal_condition("state", PENDING_NOTICE_STATES)
UNFINISHED_EMAIL_STATES = ("queued", "sending")
UNFINISHED_EMAIL = literal_condition("state", UNFINISHED_EMAIL_STATES)


class UpdateSubscription(Base):
    """A conversation following one tracking number, with what it takes to tell the buyer."""

    __tablename__ = "update_subscriptions"
    __table_args__ = (
        UniqueConstraint("conversation_id", "number", name="uq_update_subscriptions_follow"),
        PartialIndex("ix_update_subscriptions_number", "number", where=ACTIVE_SUBSCRIPTION),
        PartialIndex("ix_update_subscriptions_poll", "next_poll_at", where=ACTIVE_SUBSCRIPTION),
        Index("ix_update_subscriptions_email", "email"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(Id)
    account_id: Mapped[str] = mapped_column(String)
    igsid: Mapped[str] = mapped_column(String)
    number: Mapped[str] = mapped_column(String(64))
    carrier: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(35))
    country: Mapped[str | None] = mapped_column(String(2))
    email: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    stop_reason: Mapped[str | None] = mapped_column(String(32))
    email_stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_poll_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    polls: Mapped[int] = mapped_column(Integer, default=0)


class UpdateNotice(Base):
    """One milestone of one subscription on one channel, and what became of it.

    States: pending (waiting for its burst window or the end of quiet hours) → queued (in the
    outbox or the email queue) | held (the buyer's window was closed: told at their next
    message) → told | dropped (never sent: `reason` says why).
    """

    __tablename__ = "update_notices"
    __table_args__ = (
        UniqueConstraint("subscription_id", "channel", "milestone", name="uq_update_notices_once"),
        PartialIndex("ix_update_notices_pending", "due_at", where=PENDING_NOTICE),
        Index("ix_update_notices_conversation", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(Id)
    conversation_id: Mapped[int] = mapped_column(Id)
    number: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    milestone: Mapped[str] = mapped_column(String(32))
    change_id: Mapped[int] = mapped_column(BigInteger)
    shipment: Mapped[dict[str, Any]] = mapped_column(Json)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outbox_id: Mapped[int | None] = mapped_column(Id)
    conversation_message_id: Mapped[int | None] = mapped_column(Id)
    email_id: Mapped[int | None] = mapped_column(Id)


class UpdateCursor(Base):
    """How far a consumer has read the tracking service's status changes."""

    __tablename__ = "update_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UpdateEmail(Base):
    """An email to send: written with its notice, sent by the email worker at most once.

    States: queued → sending → sent | failed; a `sending` row whose lease ran out belongs to a
    process that died mid-send and becomes `unconfirmed` (the server may have taken it): never
    sent again, so no buyer gets it twice.
    """

    __tablename__ = "update_emails"
    __table_args__ = (
        PartialIndex("ix_update_emails_due", "next_attempt_at", where=UNFINISHED_EMAIL),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    notice_id: Mapped[int] = mapped_column(Id, unique=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    unsubscribe_url: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


__all__ = ["UpdateCursor", "UpdateEmail", "UpdateNotice", "UpdateSubscription"]
