"""conversations: conversations, their messages, and the numbers they were about.

Revision ID: conversations_0002
Revises: conversations_0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "conversations_0002"
down_revision: str | Sequence[str] | None = "conversations_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", ID, primary_key=True),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("igsid", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("language", sa.String(35), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_message_at", TIME, nullable=True),
        sa.Column("last_buyer_at", TIME, nullable=True),
        sa.Column("last_merchant_at", TIME, nullable=True),
        sa.Column("buyer_read_at", TIME, nullable=True),
        sa.Column("state", JSON, nullable=False),
        sa.Column("handoff_at", TIME, nullable=True),
        sa.Column("handoff_reason", sa.String(64), nullable=True),
        sa.Column("resolved", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("resolved_at", TIME, nullable=True),
        sa.Column("delivery_issue", sa.String(64), nullable=True),
        sa.Column("delivery_issue_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
        sa.UniqueConstraint("account_id", "igsid", name="uq_conversations_account_igsid"),
    )
    op.create_index("ix_conversations_last_message", "conversations", ["last_message_at", "id"])
    op.create_index(
        "ix_conversations_resolved_last_message", "conversations", ["resolved", "last_message_at"]
    )
    op.create_index(
        "ix_conversations_handoff",
        "conversations",
        ["handoff_at"],
        postgresql_where=sa.text("handoff_at IS NOT NULL"),
        sqlite_where=sa.text("handoff_at IS NOT NULL"),
    )
    op.create_index("ix_conversations_username", "conversations", ["username"])

    op.create_table(
        "messages",
        sa.Column("id", ID, primary_key=True),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("mid", sa.String(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("based_on", JSON, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.String(64), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("recorded_at", TIME, nullable=False),
        sa.Column("edited_at", TIME, nullable=True),
        sa.Column("deleted_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_messages_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("mid", name="uq_messages_mid"),
    )
    op.create_index(
        "ix_messages_conversation_created", "messages", ["conversation_id", "created_at", "id"]
    )

    op.create_table(
        "conversation_references",
        sa.Column("id", ID, primary_key=True),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversation_references"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_conversation_references_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "conversation_id", "kind", "value", name="uq_conversation_references_entry"
        ),
    )
    op.create_index("ix_conversation_references_value", "conversation_references", ["value"])


def downgrade() -> None:
    op.drop_table("conversation_references")
    op.drop_table("messages")
    op.drop_table("conversations")
