"""bot: proactive updates: subscriptions, milestone notices, cursors, the email queue.

Revision ID: bot_0003
Revises: bot_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "bot_0003"
down_revision: str | Sequence[str] | None = "bot_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)
ACTIVE_SUBSCRIPTION = "stopped_at IS NULL"
PENDING_NOTICE = "state = 'pending'"
UNFINISHED_EMAIL = "state IN ('queued', 'sending')"


def upgrade() -> None:
    op.create_table(
        "update_subscriptions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("igsid", sa.String(), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("carrier", sa.String(32), nullable=True),
        sa.Column("language", sa.String(35), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("status", sa.String(32), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("stopped_at", TIME, nullable=True),
        sa.Column("stop_reason", sa.String(32), nullable=True),
        sa.Column("email_stopped_at", TIME, nullable=True),
        sa.Column("next_poll_at", TIME, nullable=True),
        sa.Column("polls", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_update_subscriptions"),
        sa.UniqueConstraint("conversation_id", "number", name="uq_update_subscriptions_follow"),
    )
    op.create_index(
        "ix_update_subscriptions_number",
        "update_subscriptions",
        ["number"],
        postgresql_where=sa.text(ACTIVE_SUBSCRIPTION),
        sqlite_where=sa.text(ACTIVE_SUBSCRIPTION),
    )
    op.create_index(
        "ix_update_subscriptions_poll",
        "update_subscriptions",
        ["next_poll_at"],
        postgresql_where=sa.text(ACTIVE_SUBSCRIPTION),
        sqlite_where=sa.text(ACTIVE_SUBSCRIPTION),
    )
    op.create_index("ix_update_subscriptions_email", "update_subscriptions", ["email"])

    op.create_table(
        "update_notices",
        sa.Column("id", ID, primary_key=True),
        sa.Column("subscription_id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("milestone", sa.String(32), nullable=False),
        sa.Column("change_id", sa.BigInteger(), nullable=False),
        sa.Column("shipment", JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("due_at", TIME, nullable=False),
        sa.Column("decided_at", TIME, nullable=True),
        sa.Column("outbox_id", ID, nullable=True),
        sa.Column("conversation_message_id", ID, nullable=True),
        sa.Column("email_id", ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_update_notices"),
        sa.UniqueConstraint(
            "subscription_id", "channel", "milestone", name="uq_update_notices_once"
        ),
    )
    op.create_index(
        "ix_update_notices_pending",
        "update_notices",
        ["due_at"],
        postgresql_where=sa.text(PENDING_NOTICE),
        sqlite_where=sa.text(PENDING_NOTICE),
    )
    op.create_index("ix_update_notices_conversation", "update_notices", ["conversation_id", "id"])

    op.create_table(
        "update_cursors",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_update_cursors"),
    )

    op.create_table(
        "update_emails",
        sa.Column("id", ID, primary_key=True),
        sa.Column("notice_id", ID, nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("unsubscribe_url", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("lease_token", sa.String(64), nullable=True),
        sa.Column("lease_until", TIME, nullable=True),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("sent_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_update_emails"),
        sa.UniqueConstraint("notice_id", name="uq_update_emails_notice_id"),
    )
    op.create_index(
        "ix_update_emails_due",
        "update_emails",
        ["next_attempt_at"],
        postgresql_where=sa.text(UNFINISHED_EMAIL),
        sqlite_where=sa.text(UNFINISHED_EMAIL),
    )


def downgrade() -> None:
    op.drop_table("update_emails")
    op.drop_table("update_cursors")
    op.drop_table("update_notices")
    op.drop_table("update_subscriptions")
