"""What the benchmarks generate is what the code under test accepts: a bench that measures
rejected input measures nothing (bench.import_orders once imported 0 of 100,000 rows)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.import_orders import write_csv
from stores.importer import OrderImporter
from stores.repository import OrderRepository
from tests.stores.databases import sqlite_sessions

__all__ = ["sqlite_sessions"]  # the fixture, used below


async def test_the_import_bench_file_imports_every_row_without_a_problem(
    sqlite_sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    write_csv(path, 200)
    importer = OrderImporter(
        OrderRepository(sqlite_sessions), clock=lambda: datetime(2026, 12, 7, tzinfo=UTC)
    )
    report = await importer.import_file(path)
    assert report.problems == ()
    assert report.created == 200
