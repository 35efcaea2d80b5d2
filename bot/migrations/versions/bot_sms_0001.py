"""bot: SMS updates: consents per phone number, the SMS queue, delivery-status events.

Revision ID: bot_sms_0001
Revises: bot_0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bot_sms_0001"
down_revision: str | Sequence[str] | None = "bot_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)
UNFINISHED_SMS = "state IN ('queued', 'sending')"


def upgrade() -> None:
    op.create_table(
        "sms_consents",
        sa.Column("id", ID, primary_key=True),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("conversation_id", ID, nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("order_number", sa.String(64), nullable=True),
        sa.Column("language", sa.String(35), nullable=True),
        sa.Column("granted_at", TIME, nullable=False),
        sa.Column("stopped_at", TIME, nullable=True),
        sa.Column("stop_source", sa.String(16), nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sms_consents"),
        sa.UniqueConstraint("phone", name="uq_sms_consents_phone"),
    )
    op.create_index("ix_sms_consents_conversation", "sms_consents", ["conversation_id"])
    op.create_table(
        "sms_messages",
        sa.Column("id", ID, primary_key=True),
        sa.Column("notice_id", ID, nullable=True),
        sa.Column("conversation_id", ID, nullable=True),
        sa.Column("number", sa.String(64), nullable=True),
        sa.Column("milestone", sa.String(32), nullable=True),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("encoding", sa.String(8), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(35), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=True),
        sa.Column("provider_status", sa.String(16), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("lease_token", sa.String(64), nullable=True),
        sa.Column("lease_until", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("sent_at", TIME, nullable=True),
        sa.Column("status_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sms_messages"),
        sa.UniqueConstraint("notice_id", name="uq_sms_messages_notice_id"),
        sa.UniqueConstraint("provider_id", name="uq_sms_messages_provider_id"),
    )
    op.create_index(
        "ix_sms_messages_due",
        "sms_messages",
        ["next_attempt_at"],
        postgresql_where=sa.text(UNFINISHED_SMS),
        sqlite_where=sa.text(UNFINISHED_SMS),
    )
    op.create_index("ix_sms_messages_conversation", "sms_messages", ["conversation_id", "id"])
    op.create_index("ix_sms_messages_sent", "sms_messages", ["sent_at"])
    op.create_table(
        "sms_status_events",
        sa.Column("id", ID, primary_key=True),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("received_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sms_status_events"),
    )
    op.create_index("ix_sms_status_events_provider_id", "sms_status_events", ["provider_id"])


def downgrade() -> None:
    op.drop_table("sms_status_events")
    op.drop_table("sms_messages")
    op.drop_table("sms_consents")
