"""The bot package's tables are exactly what its migrations create."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.pipeline.base import Base


def _differences(connection):
    ours = set(Base.metadata.tables)

    def include_name(name, type_, parent_names):
        return type_ != "table" or name in ours

    context = MigrationContext.configure(
        connection, opts={"include_name": include_name, "compare_type": True}
    )
    return compare_metadata(context, Base.metadata)


async def test_the_inbox_and_outbox_tables_match_their_migrations(engine):
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
