"""The SMS tables are exactly what their migration creates."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.pipeline.base import Base
from bot.sms import tables

SMS_TABLES = {
    tables.SmsConsent.__tablename__,
    tables.SmsMessage.__tablename__,
    tables.SmsStatusEvent.__tablename__,
    tables.SmsPrompt.__tablename__,
}


def _differences(connection):
    def include_object(item, name, type_, reflected, compare_to):
        table = item if type_ == "table" else getattr(item, "table", None)
        return table is not None and table.name in SMS_TABLES

    context = MigrationContext.configure(
        connection, opts={"include_object": include_object, "compare_type": True}
    )
    return compare_metadata(context, Base.metadata)


async def test_the_sms_tables_match_their_migration(engine):
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
