"""The table of connected Instagram accounts: who they are, how to reach Graph, their token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.pipeline.base import Base
from foundation.database import UtcDateTime


class InstagramAccount(Base):
    """One Instagram professional account the bot answers for.

    `account_id` is the id webhooks carry as `entry.id` (docs/instagram.md, Envelope), or `me`
    for the one-account shortcut when META_IG_ACCOUNT_ID is not set. The token is never stored
    in the clear: `token_ciphertext` is a Fernet token made with WISMO_SECRET_KEY.
    """

    __tablename__ = "instagram_accounts"

    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str | None] = mapped_column(String(64))
    flavour: Mapped[str] = mapped_column(String(16))
    graph_url: Mapped[str] = mapped_column(String(255))
    token_ciphertext: Mapped[str] = mapped_column(Text)
    token_kind: Mapped[str] = mapped_column(String(16))
    token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(200))
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When a webhook delivery for it last reached the inbox: bumped at most once a minute from
    # the inbox (bot/app/silence.py), never by the webhook itself.
    last_delivery_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # SHA-256 of the META_ACCESS_TOKEN that last seeded this row: a restart with the same
    # setting must not put back a token the token job has since refreshed.
    seed_digest: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
