"""conversations: console_hand_backs indexed by conversation.

A hand-back refers to its conversation with ON DELETE CASCADE; without an index on that
column, SQLite reads every hand-back whenever a conversation row is written through the
buyer's upsert (its foreign-key check), which happens for each buyer message, and both
databases read them all when a conversation is deleted.

Revision ID: conversations_0006
Revises: conversations_0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "conversations_0006"
down_revision: str | Sequence[str] | None = "conversations_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_console_hand_backs_conversation_id", "console_hand_backs", ["conversation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_console_hand_backs_conversation_id", table_name="console_hand_backs")
