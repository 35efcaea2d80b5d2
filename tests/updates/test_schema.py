"""The proactive-update tables are exactly what their migration creates."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.pipeline.base import Base
from bot.updates import tables  # noqa: F401 (registers the tables)


def _differences(connection):
    ours = set(Base.metadata.tables)
    assert {"update_subscriptions", "update_notices", "update_cursors", "update_emails"} <= ours

    def include_name(name, type_, parent_names):
        return type_ != "table" or name in ours

    context = MigrationContext.configure(
        connection, opts={"include_name": include_name, "compare_type": True}
    )
    return compare_metadata(context, Base.metadata)


async def test_the_update_tables_match_their_migration(engine):
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
