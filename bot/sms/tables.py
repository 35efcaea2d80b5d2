"""Tables of the SMS channel: who agreed to texts, the texts to send, what became of them.

`sms_consents` holds one row per phone number: how and when its owner opted in, and whether
the number is stopped (a STOP keyword, or the provider's own opt-out). `sms_messages` is the
queue and the record the console reads; `sms_status_events` keeps every delivery callback;
`sms_prompts` remembers that the bot asked a conversation for its number.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.pipeline.base import Base
from foundation.columns import Id
from foundation.database import UtcDateTime, literal_condition
from foundation.indexes import PartialIndex

UNFINISHED_SMS_STATES = ("queued", "sending")  # as queries state them (in_literals)
UNFINISHED_SMS = literal_condition("state", UNFINISHED_SMS_STATES)


class SmsConsent(Base):
    """A phone number's consent to update texts: its source and time, and any stop."""

    __tablename__ = "sms_consents"
    __table_args__ = (Index("ix_sms_consents_conversation", "conversation_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), unique=True)
    conversation_id: Mapped[int | None] = mapped_column(Id)
    source: Mapped[str] = mapped_column(String(16))  # dm, quick_reply, order_import
    order_number: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(35))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    stop_source: Mapped[str | None] = mapped_column(String(16))  # keyword, provider
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SmsMessage(Base):
    """One text: queued with its notice, sent at most once, then followed by its status.

    States: queued → sending → sent (the provider took it) → delivered | undelivered | failed;
    `failed` also when the provider refused it (its `error_code`), `unconfirmed` when the
    process died mid-send (never sent again), `dropped` when the number stopped meanwhile.
    """

    __tablename__ = "sms_messages"
    __table_args__ = (
        PartialIndex("ix_sms_messages_due", "next_attempt_at", where=UNFINISHED_SMS),
        # A stop drops what is still queued for its number (bot/sms/consent.py).
        PartialIndex("ix_sms_messages_unfinished_phone", "phone", where=UNFINISHED_SMS),
        Index("ix_sms_messages_conversation", "conversation_id", "id"),
        Index("ix_sms_messages_sent", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    notice_id: Mapped[int | None] = mapped_column(Id, unique=True)
    conversation_id: Mapped[int | None] = mapped_column(Id)
    number: Mapped[str | None] = mapped_column(String(64))  # the parcel's tracking number
    milestone: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(String(8))
    segments: Mapped[int] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(35))
    country: Mapped[str | None] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    provider_status: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SmsStatusEvent(Base):
    """One delivery-status callback as received (several per text, possibly out of order)."""

    __tablename__ = "sms_status_events"
    __table_args__ = (Index("ix_sms_status_events_provider_id", "provider_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SmsPrompt(Base):
    """The bot asked this conversation for a mobile number (the "Text me updates" button):
    a number in the buyer's next message is their opt-in."""

    __tablename__ = "sms_prompts"

    conversation_id: Mapped[int] = mapped_column(Id, primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)


__all__ = ["SmsConsent", "SmsMessage", "SmsPrompt", "SmsStatusEvent"]
