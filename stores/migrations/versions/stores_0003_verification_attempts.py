"""stores: buyers' attempts to prove an order is theirs.

Revision ID: stores_0003
Revises: stores_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "stores_0003"
down_revision: str | Sequence[str] | None = "stores_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "store_verification_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("asker", sa.String(length=64), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_verification_attempts")),
    )
    op.create_index(
        "ix_store_verification_attempts_order_number_at",
        "store_verification_attempts",
        ["order_number", "at"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_store_verification_attempts_order_number_at",
        table_name="store_verification_attempts",
    )
    op.drop_table("store_verification_attempts")
