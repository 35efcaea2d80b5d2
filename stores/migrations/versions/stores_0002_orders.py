"""stores: orders and their parcels.

Revision ID: stores_0002
Revises: stores_0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "stores_0002"
down_revision: str | Sequence[str] | None = "stores_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "store_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("postal_code", sa.String(length=32), nullable=True),
        sa.Column("instagram_username", sa.String(length=30), nullable=True),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fulfillment_status", sa.String(length=24), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_orders")),
        sa.UniqueConstraint("order_number", name=op.f("uq_store_orders_order_number")),
    )
    op.create_index(
        op.f("ix_store_orders_instagram_username"),
        "store_orders",
        ["instagram_username"],
        unique=False,
    )
    op.create_table(
        "store_order_parcels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("tracking_number", sa.String(length=40), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["store_orders.id"],
            name=op.f("fk_store_order_parcels_order_id_store_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_order_parcels")),
        sa.UniqueConstraint("order_id", "position", name=op.f("uq_store_order_parcels_order_id")),
    )
    op.create_index(
        op.f("ix_store_order_parcels_tracking_number"),
        "store_order_parcels",
        ["tracking_number"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_store_order_parcels_tracking_number"), table_name="store_order_parcels")
    op.drop_table("store_order_parcels")
    op.drop_index(op.f("ix_store_orders_instagram_username"), table_name="store_orders")
    op.drop_table("store_orders")
