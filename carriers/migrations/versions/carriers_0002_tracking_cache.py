"""carriers: the shipment cache, status-change events, per-source usage and health.

Revision ID: carriers_0002
Revises: carriers_0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "carriers_0002"
down_revision: str | Sequence[str] | None = "carriers_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tracking_shipments",
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("carrier_key", sa.String(40), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("shipment", JSON, nullable=True),
        sa.Column("carrier", sa.String(40), nullable=True),
        sa.Column("status", sa.String(24), nullable=True),
        sa.Column("exception_reason", sa.String(32), nullable=True),
        sa.Column("source", sa.String(32), nullable=True),
        sa.Column("checked_at", TIME, nullable=True),
        sa.Column("last_scan_at", TIME, nullable=True),
        sa.Column("last_success_at", TIME, nullable=True),
        sa.Column("last_attempt_at", TIME, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("last_error_at", TIME, nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("fresh_until", TIME, nullable=True),
        sa.Column("next_refresh_at", TIME, nullable=True),
        sa.Column("not_found_since", TIME, nullable=True),
        sa.Column("not_found_checks", sa.Integer(), nullable=False),
        sa.Column("registered_sources", JSON, nullable=False),
        sa.Column("push_registered", sa.Boolean(), nullable=False),
        sa.Column("source_calls", JSON, nullable=False),
        sa.Column("first_seen_at", TIME, nullable=False),
        sa.Column("last_requested_at", TIME, nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", TIME, nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("number", "carrier_key", name="pk_tracking_shipments"),
    )
    op.create_index("ix_tracking_shipments_due", "tracking_shipments", ["next_refresh_at"])
    op.create_index("ix_tracking_shipments_status", "tracking_shipments", ["status"])
    op.create_index("ix_tracking_shipments_checked", "tracking_shipments", ["checked_at"])
    op.create_index("ix_tracking_shipments_last_scan", "tracking_shipments", ["last_scan_at"])

    op.create_table(
        "tracking_status_changes",
        sa.Column("id", ID, primary_key=True),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("carrier", sa.String(40), nullable=True),
        sa.Column("old_status", sa.String(24), nullable=True),
        sa.Column("old_reason", sa.String(32), nullable=True),
        sa.Column("new_status", sa.String(24), nullable=False),
        sa.Column("new_reason", sa.String(32), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("snapshot", JSON, nullable=False),
        sa.Column("occurred_at", TIME, nullable=True),
        sa.Column("recorded_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tracking_status_changes"),
    )
    op.create_index(
        "ix_tracking_status_changes_number", "tracking_status_changes", ["number", "id"]
    )

    op.create_table(
        "tracking_source_usage",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "day", name="pk_tracking_source_usage"),
    )

    op.create_table(
        "tracking_source_health",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("last_success_at", TIME, nullable=True),
        sa.Column("last_failure_at", TIME, nullable=True),
        sa.Column("last_failure_reason", sa.String(200), nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_tracking_source_health"),
    )


def downgrade() -> None:
    op.drop_table("tracking_source_health")
    op.drop_table("tracking_source_usage")
    op.drop_index("ix_tracking_status_changes_number", table_name="tracking_status_changes")
    op.drop_table("tracking_status_changes")
    for name in ("last_scan", "checked", "status", "due"):
        op.drop_index(f"ix_tracking_shipments_{name}", table_name="tracking_shipments")
    op.drop_table("tracking_shipments")
