"""Units of work of one statement run in autocommit on PostgreSQL (no BEGIN, no COMMIT round
trips) and keep their transactions on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from bot.pipeline.spool_table import SpooledDelivery
from foundation.database import create_sessions, single_statement_sessions


async def test_on_postgresql_the_statement_commits_itself_and_on_sqlite_the_transaction_does(
    engine,
):
    sessions = create_sessions(engine)
    single = single_statement_sessions(sessions)
    row = {"received_at": datetime(2026, 12, 7, tzinfo=UTC), "body": b"{}"}
    async with single() as session:
        await session.execute(insert(SpooledDelivery), row)
        await session.rollback()  # too late on PostgreSQL: the INSERT committed as it ran
    async with sessions() as session:
        kept = await session.scalar(select(func.count()).select_from(SpooledDelivery))
    if engine.dialect.name == "postgresql":
        assert kept == 1
    else:
        assert single is sessions
        assert kept == 0
