"""The accounts table is exactly what its migration creates."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.accounts import tables  # noqa: F401 (registers the table)
from bot.pipeline.base import Base


def _differences(connection):
    ours = set(Base.metadata.tables)
    assert "instagram_accounts" in ours

    def include_name(name, type_, parent_names):
        return type_ != "table" or name in ours

    context = MigrationContext.configure(
        connection, opts={"include_name": include_name, "compare_type": True}
    )
    return compare_metadata(context, Base.metadata)


async def test_the_accounts_table_matches_its_migration(engine):
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
