"""bot: the spool table, where acknowledged webhook bodies wait to be read into the inbox.

Revision ID: bot_0007
Revises: bot_sms_0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bot_0007"
down_revision: str | Sequence[str] | None = "bot_sms_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "spooled_deliveries",
        sa.Column("id", ID, primary_key=True),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("taken_until", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_spooled_deliveries"),
    )


def downgrade() -> None:
    op.drop_table("spooled_deliveries")
