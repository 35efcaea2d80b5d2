"""Upserts: one statement for SQLite and PostgreSQL, compiled once, values typed by their columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, case
from sqlalchemy.engine import CursorResult
from sqlalchemy.engine.default import CACHE_HIT
from sqlalchemy.ext.asyncio import AsyncEngine

from foundation.database import UtcDateTime
from foundation.upserts import upsert
from tests.foundation.scratch import scratch

_metadata = MetaData()
_counters = Table(
    "upsert_counters",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("hits", Integer, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("seen_at", UtcDateTime, nullable=False),
)

_ADD = upsert(_counters).on_conflict_do_nothing("name").returning(_counters.c.id)
_COUNT = upsert(_counters)
_COUNT = _COUNT.on_conflict_do_update(
    ("name",),
    {
        "hits": _counters.c.hits + _COUNT.excluded.hits,
        "payload": _COUNT.excluded.payload,
        # The later of the two instants, in SQL both databases speak.
        "seen_at": case(
            (_COUNT.excluded.seen_at > _counters.c.seen_at, _COUNT.excluded.seen_at),
            else_=_counters.c.seen_at,
        ),
    },
).returning(_counters.c.hits, _counters.c.payload, _counters.c.seen_at)

_NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _row(name: str, hits: int, at: datetime) -> dict[str, Any]:
    return {"name": name, "hits": hits, "payload": {"seen": [hits]}, "seen_at": at}


def test_an_upsert_has_a_cache_key_that_only_its_shape_decides() -> None:
    again = upsert(_counters).on_conflict_do_nothing("name").returning(_counters.c.id)
    other = upsert(_counters).on_conflict_do_nothing("id").returning(_counters.c.id)
    assert _ADD._generate_cache_key() is not None
    assert _COUNT._generate_cache_key() is not None
    assert again._generate_cache_key() == _ADD._generate_cache_key()
    assert other._generate_cache_key() != _ADD._generate_cache_key()


async def test_rows_are_added_once_and_updated_in_place_with_typed_values(
    engine: AsyncEngine,
) -> None:
    async with scratch(engine, _metadata) as connection:
        first = (await connection.execute(_ADD, _row("a", 1, _NOW))).scalar()
        assert first is not None
        assert (await connection.execute(_ADD, _row("a", 5, _NOW))).scalar() is None

        later = _NOW + timedelta(hours=1)
        counted = (await connection.execute(_COUNT, _row("a", 2, later))).one()
        assert counted.hits == 3
        assert counted.payload == {"seen": [2]}
        assert counted.seen_at == later
        assert counted.seen_at.tzinfo is not None
        earlier = (await connection.execute(_COUNT, _row("a", 4, _NOW))).one()
        assert (earlier.hits, earlier.seen_at) == (7, later)
        fresh = (await connection.execute(_COUNT, _row("b", 1, _NOW))).one()
        assert (fresh.hits, fresh.payload, fresh.seen_at) == (1, {"seen": [1]}, _NOW)


async def test_the_second_execution_reuses_the_compiled_statement(engine: AsyncEngine) -> None:
    async with scratch(engine, _metadata) as connection:
        await connection.execute(_COUNT, _row("a", 1, _NOW))
        # Built anew, as a caller that did not keep it at module level would: same cache entry.
        rebuilt = upsert(_counters)
        rebuilt = rebuilt.on_conflict_do_update(
            ("name",), {"hits": _counters.c.hits + rebuilt.excluded.hits}
        )
        await connection.execute(rebuilt, _row("b", 1, _NOW))
        results = [
            await connection.execute(_COUNT, _row("a", 1, _NOW)),
            await connection.execute(rebuilt, _row("b", 1, _NOW)),
        ]
        for result in results:
            assert isinstance(result, CursorResult)
            assert result.context.cache_hit is CACHE_HIT
