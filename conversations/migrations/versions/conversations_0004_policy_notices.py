"""conversations: Meta's policy enforcement notices (warning, block, unblock) per account.

Revision ID: conversations_0004
Revises: conversations_0003
Create Date: 2026-12-14
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "conversations_0004"
down_revision: str | Sequence[str] | None = "conversations_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "policy_notices",
        sa.Column("id", ID, primary_key=True),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("occurred_at", TIME, nullable=False),
        sa.Column("recorded_at", TIME, nullable=False),
        sa.Column("source_ref", sa.String(64), nullable=False),
        sa.UniqueConstraint("source_ref", name="uq_policy_notices_source_ref"),
    )
    op.create_index(
        "ix_policy_notices_account_occurred", "policy_notices", ["account_id", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_policy_notices_account_occurred", table_name="policy_notices")
    op.drop_table("policy_notices")
