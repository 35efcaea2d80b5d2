"""Benchmark: `wismo orders import` on a generated CSV of 100,000 orders (first import, re-import).

    .venv/bin/python -m bench.import_orders [--rows 100000] [--database-url URL]

Without --database-url a fresh SQLite file in a temporary directory is used. A PostgreSQL URL
must name an empty, throwaway database (it is migrated; the orders tables are emptied first).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete

from bot.app.database import migrate
from foundation.database import create_engine, create_sessions
from stores.importer import COLUMNS, OrderImporter
from stores.repository import OrderRepository
from stores.tables import OrderRow

CARRIERS = ("yunexpress", "cainiao", "4px", "china-post", "usps", "dhl-paket", "ups", "")
STATUSES = ("fulfilled", "fulfilled", "fulfilled", "unfulfilled", "partially_fulfilled")
CONSENTS = ("", "", "", "yes", "no")  # sms_consent: most exports leave it empty


def parcel(carrier: str, chance: random.Random) -> str:
    number = f"{chance.choice(('YT24', 'LP00', 'UA9'))}{chance.randrange(10**14):014d}"
    return f"{carrier}:{number}" if carrier else number


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    """A realistic export: 1–3 parcels with carrier hints, contact fields, SMS consent and an
    extra column. Every column the importer knows (COLUMNS) is written, in its order."""
    chance = random.Random(seed)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join((*COLUMNS, "product")) + "\n")
        for i in range(rows):
            parcels = ";".join(
                parcel(chance.choice(CARRIERS), chance) for _ in range(chance.randint(1, 3))
            )
            ordered = start + timedelta(minutes=chance.randrange(260_000))
            out.write(
                f'#{100000 + i},"{parcels}",buyer{i}@example.com,+1 415 555 {i % 10000:04d},'
                f"{chance.randrange(10000, 99999)},buyer.{i},{ordered.isoformat()},"
                f'{chance.choice(STATUSES)},{chance.choice(CONSENTS)},"Item {i}, size M"\n'
            )


async def run(rows: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as directory:
        csv_path = Path(directory) / "orders.csv"
        began = time.perf_counter()
        write_csv(csv_path, rows)
        print(
            f"generated {rows:,} rows ({csv_path.stat().st_size / 1e6:.1f} MB) "
            f"in {time.perf_counter() - began:.1f} s"
        )
        engine = create_engine(url or f"sqlite+aiosqlite:///{directory}/bench.db")
        try:
            await migrate(engine)
            sessions = create_sessions(engine)
            async with sessions() as session, session.begin():
                await session.execute(delete(OrderRow))
            importer = OrderImporter(OrderRepository(sessions), clock=lambda: datetime.now(UTC))
            for label in ("first import", "re-import (nothing changed)"):
                began = time.perf_counter()
                report = await importer.import_file(csv_path)
                took = time.perf_counter() - began
                print(
                    f"{engine.dialect.name} {label}: {report.orders:,} orders "
                    f"({report.created:,} new, {report.updated:,} updated, "
                    f"{report.unchanged:,} unchanged, {len(report.problems)} problems) "
                    f"in {took:.1f} s = {rows / took:,.0f} rows/s"
                )
        finally:
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(run(args.rows, args.database_url))


if __name__ == "__main__":
    main()
