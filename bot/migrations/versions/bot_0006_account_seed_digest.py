"""bot: which META_ACCESS_TOKEN last seeded an account (a restart keeps refreshed tokens).

Revision ID: bot_0006
Revises: bot_0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bot_0006"
down_revision: str | Sequence[str] | None = "bot_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("instagram_accounts") as batch:
        batch.add_column(sa.Column("seed_digest", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instagram_accounts") as batch:
        batch.drop_column("seed_digest")
