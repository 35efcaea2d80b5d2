"""bot: when each connected account last had a webhook delivery (for the silence alarm).

Revision ID: bot_0005
Revises: bot_0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bot_0005"
down_revision: str | Sequence[str] | None = "bot_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("instagram_accounts") as batch:
        batch.add_column(sa.Column("last_delivery_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instagram_accounts") as batch:
        batch.drop_column("last_delivery_at")
