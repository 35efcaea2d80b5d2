"""bot: SMS updates: the conversations the bot asked for a mobile number.

Revision ID: bot_sms_0002
Revises: bot_sms_0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bot_sms_0002"
down_revision: str | Sequence[str] | None = "bot_sms_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sms_prompts",
        sa.Column("conversation_id", ID, primary_key=True, autoincrement=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_sms_prompts"),
    )


def downgrade() -> None:
    op.drop_table("sms_prompts")
