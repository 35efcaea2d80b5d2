"""bot: connected Instagram accounts, their sealed tokens and status.

Revision ID: bot_0004
Revises: bot_0003
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bot_0004"
down_revision: str | Sequence[str] | None = "bot_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "instagram_accounts",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("flavour", sa.String(16), nullable=False),
        sa.Column("graph_url", sa.String(255), nullable=False),
        sa.Column("token_ciphertext", sa.Text(), nullable=False),
        sa.Column("token_kind", sa.String(16), nullable=False),
        sa.Column("token_expires_at", TIME, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.String(64), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("last_error_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_instagram_accounts"),
    )


def downgrade() -> None:
    op.drop_table("instagram_accounts")
