"""stores: when the buyer agreed to update texts (the order import's sms_consent column).

Revision ID: stores_sms_0001
Revises: stores_0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "stores_sms_0001"
down_revision: str | Sequence[str] | None = "stores_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("store_orders") as batch:
        batch.add_column(sa.Column("sms_consent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("store_orders") as batch:
        batch.drop_column("sms_consent_at")
