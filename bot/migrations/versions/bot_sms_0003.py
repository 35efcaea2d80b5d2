"""bot: SMS updates: an index for a stop, which drops the texts still queued for its number.

Without it, each STOP (an inbound keyword, or the provider's refusal 21610) read every text
ever sent (`sms_messages`, kept until retention) while holding the database's writer. The
index holds only the unfinished texts (queued or sending), so it stays small whatever the
traffic; building it reads the table once.

Revision ID: bot_sms_0003
Revises: bot_0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bot_sms_0003"
down_revision: str | Sequence[str] | None = "bot_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNFINISHED_SMS = "state IN ('queued', 'sending')"


def upgrade() -> None:
    op.create_index(
        "ix_sms_messages_unfinished_phone",
        "sms_messages",
        ["phone"],
        postgresql_where=sa.text(UNFINISHED_SMS),
        sqlite_where=sa.text(UNFINISHED_SMS),
    )


def downgrade() -> None:
    op.drop_index("ix_sms_messages_unfinished_phone", table_name="sms_messages")
