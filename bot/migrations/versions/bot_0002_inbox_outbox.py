"""bot: the durable inbox of webhook events, its per-conversation leases, and the outbox.

Revision ID: bot_0002
Revises: bot_0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "bot_0002"
down_revision: str | Sequence[str] | None = "bot_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)
PENDING_EVENT = "processed_at IS NULL"
UNFINISHED_SEND = "state IN ('queued', 'sending', 'ambiguous')"


def upgrade() -> None:
    op.create_table(
        "inbox_events",
        sa.Column("id", ID, primary_key=True),
        sa.Column("dedupe_key", sa.String(255), nullable=False),
        sa.Column("lane_key", sa.String(), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("igsid", sa.String(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("standby", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", TIME, nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("available_at", TIME, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("processed_at", TIME, nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbox_events"),
        sa.UniqueConstraint("dedupe_key", name="uq_inbox_events_dedupe_key"),
    )
    op.create_index(
        "ix_inbox_events_pending",
        "inbox_events",
        ["lane_key", "occurred_at", "id"],
        postgresql_where=sa.text(PENDING_EVENT),
        sqlite_where=sa.text(PENDING_EVENT),
    )
    op.create_index("ix_inbox_events_processed", "inbox_events", ["processed_at"])

    op.create_table(
        "inbox_lanes",
        sa.Column("lane_key", sa.String(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_token", sa.String(64), nullable=True),
        sa.Column("lease_until", TIME, nullable=True),
        sa.PrimaryKeyConstraint("lane_key", name="pk_inbox_lanes"),
    )

    op.create_table(
        "outbox_messages",
        sa.Column("id", ID, primary_key=True),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("recipient_id", sa.String(), nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("conversation_message_id", ID, nullable=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("author_ref", sa.String(128), nullable=True),
        sa.Column("source_ref", sa.String(255), nullable=True),
        sa.Column("message", JSON, nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=True),
        sa.Column("first_attempt_at", TIME, nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_token", sa.String(64), nullable=True),
        sa.Column("lease_until", TIME, nullable=True),
        sa.Column("message_id", sa.String(), nullable=True),
        sa.Column("tag", sa.String(32), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_subcode", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("sent_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_messages"),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_messages_idempotency_key"),
        sa.UniqueConstraint("message_id", name="uq_outbox_messages_message_id"),
    )
    op.create_index(
        "ix_outbox_messages_unfinished",
        "outbox_messages",
        ["account_id", "recipient_id", "id"],
        postgresql_where=sa.text(UNFINISHED_SEND),
        sqlite_where=sa.text(UNFINISHED_SEND),
    )
    op.create_index(
        "ix_outbox_messages_due",
        "outbox_messages",
        ["next_attempt_at"],
        postgresql_where=sa.text(UNFINISHED_SEND),
        sqlite_where=sa.text(UNFINISHED_SEND),
    )
    op.create_index("ix_outbox_messages_conversation", "outbox_messages", ["conversation_id", "id"])


def downgrade() -> None:
    op.drop_table("outbox_messages")
    op.drop_table("inbox_lanes")
    op.drop_table("inbox_events")
