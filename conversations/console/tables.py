"""Tables of the merchant console: its users, the accounts they may read, sessions, failed logins.

Created by the conversations branch's migration conversations_0003. Passwords are stored as
argon2 hashes and session tokens as SHA-256 digests, so a copy of the database logs nobody in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from conversations.db import Base
from foundation.columns import Id
from foundation.database import UtcDateTime


class ConsoleUserRow(Base):
    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Reads every Instagram account's conversations (a single-store install's owner).
    all_accounts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConsoleGrantRow(Base):
    """A console user may read (and answer) the conversations of one Instagram account."""

    __tablename__ = "console_grants"

    user_id: Mapped[int] = mapped_column(
        Id, ForeignKey("console_users.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(String, primary_key=True)


class ConsoleSessionRow(Base):
    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_user", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("console_users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    address: Mapped[str | None] = mapped_column(String(64))


class LoginFailureRow(Base):
    """One failed login, counted per account name and per client address for the rate limit."""

    __tablename__ = "console_login_failures"
    __table_args__ = (
        Index("ix_console_login_failures_username", "username", "at"),
        Index("ix_console_login_failures_address", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class HandBackRow(Base):
    """A hand-off a person ended from the console, kept so the figures count it by reason."""

    __tablename__ = "console_hand_backs"
    __table_args__ = (
        Index("ix_console_hand_backs_handoff", "handoff_at"),
        Index("ix_console_hand_backs_conversation_id", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        Id, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    account_id: Mapped[str] = mapped_column(String)
    handoff_at: Mapped[datetime] = mapped_column(UtcDateTime)
    handoff_reason: Mapped[str | None] = mapped_column(String(64))
    handed_back_at: Mapped[datetime] = mapped_column(UtcDateTime)
    handed_back_by: Mapped[str] = mapped_column(String(64))


__all__ = [
    "ConsoleGrantRow",
    "ConsoleSessionRow",
    "ConsoleUserRow",
    "HandBackRow",
    "LoginFailureRow",
]
