"""stores: start of the stores package's migration branch.

Revision ID: stores_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "stores_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("stores",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
