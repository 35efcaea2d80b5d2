"""Tables owned by the conversations package: conversations, their messages and references.

The indexes are chosen for the merchant console: newest-first keyset pagination over
100,000 conversations, the hand-off inbox (oldest first), lookups by username, and search by
order or tracking number through `conversation_references`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from conversations.db import Base
from foundation.columns import Id, Json
from foundation.database import UtcDateTime
from foundation.indexes import PartialIndex


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("account_id", "igsid", name="uq_conversations_account_igsid"),
        Index("ix_conversations_last_message", "last_message_at", "id"),
        Index("ix_conversations_resolved_last_message", "resolved", "last_message_at"),
        PartialIndex("ix_conversations_handoff", "handoff_at", where="handoff_at IS NOT NULL"),
        Index("ix_conversations_username", "username"),
        # Console (conversations_0003): one merchant's accounts, newest first; figures by day.
        Index("ix_conversations_account_last_message", "account_id", "last_message_at", "id"),
        Index("ix_conversations_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[str] = mapped_column(String)
    igsid: Mapped[str] = mapped_column(String)
    username: Mapped[str | None] = mapped_column(String)
    name: Mapped[str | None] = mapped_column(String)
    language: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_message_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_buyer_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_merchant_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    buyer_read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    state: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    handoff_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handoff_reason: Mapped[str | None] = mapped_column(String(64))
    resolved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivery_issue: Mapped[str | None] = mapped_column(String(64))
    delivery_issue_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


TEXT_SEARCH_INDEX = "ix_messages_text_trgm"
"""PostgreSQL's trigram index of message texts (conversations_0005). It exists only where the
pg_trgm extension could be created, so the model does not declare it: a schema comparison
leaves it out."""


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_created", "conversation_id", "created_at", "id"),
        # Console (conversations_0003): figures and exports over a period.
        Index("ix_messages_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        Id, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    direction: Mapped[str] = mapped_column(String(8))
    author: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    # Meta's message id: unique, so a message seen twice (send result and echo) is stored once.
    mid: Mapped[str | None] = mapped_column(String, unique=True)
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    based_on: Mapped[dict[str, Any] | None] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ReferenceRow(Base):
    """An order or tracking number a conversation was about, for search."""

    __tablename__ = "conversation_references"
    __table_args__ = (
        UniqueConstraint(
            "conversation_id", "kind", "value", name="uq_conversation_references_entry"
        ),
        Index("ix_conversation_references_value", "value"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        Id, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PolicyNoticeRow(Base):
    """Meta's messaging_policy_enforcement for an account (warning, block, unblock), kept for
    the merchant (conversations_0004)."""

    __tablename__ = "policy_notices"
    __table_args__ = (Index("ix_policy_notices_account_occurred", "account_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[str] = mapped_column(String)
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The inbox event it came from: recording it twice is refused by the database.
    source_ref: Mapped[str] = mapped_column(String(64), unique=True)


__all__ = [
    "TEXT_SEARCH_INDEX",
    "Base",
    "ConversationRow",
    "MessageRow",
    "PolicyNoticeRow",
    "ReferenceRow",
]
