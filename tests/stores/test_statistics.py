"""After a bulk import the database's planner knows how many orders there are (ANALYZE), so a
buyer's order number is looked up in its index from the first question, not by a scan."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stores.importer import OrderImporter
from stores.repository import OrderRepository
from tests.stores.clocks import FakeTime
from tests.stores.databases import sqlite_sessions

__all__ = ["sqlite_sessions"]

ORDERS = "order_number,email\n" + "".join(f"{n},buyer{n}@example.com\n" for n in range(1, 8))


async def orders_the_planner_knows_of(sessions: async_sessionmaker[AsyncSession]) -> int | None:
    """The planner's row count of store_orders; None when it was never gathered."""
    async with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            tuples = await session.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'store_orders'")
            )
            return None if tuples is None or tuples < 0 else int(tuples)
        gathered = await session.scalar(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        )
        if not gathered:
            return None
        stat = await session.scalar(
            text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'store_orders' LIMIT 1")
        )
        return None if stat is None else int(str(stat).split()[0])


async def test_a_bulk_import_leaves_the_planner_with_the_new_count(sessions):
    importer = OrderImporter(OrderRepository(sessions), clock=FakeTime().now, analyze_after=5)
    report = await importer.import_text(ORDERS)
    assert report.created == 7
    assert await orders_the_planner_knows_of(sessions) == 7


async def test_a_small_import_leaves_the_statistics_to_the_database(sqlite_sessions):
    importer = OrderImporter(OrderRepository(sqlite_sessions), clock=FakeTime().now)
    await importer.import_text(ORDERS)  # 7 orders: below ANALYZE_AFTER
    assert await orders_the_planner_knows_of(sqlite_sessions) is None
