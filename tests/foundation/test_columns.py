"""The shared column types: JSON documents are JSONB on PostgreSQL, JSON elsewhere, Python's
None is a JSON null rather than SQL NULL, and declaring them loads no PostgreSQL dialect."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from foundation.columns import Json
from tests.foundation.scratch import scratch

_metadata = MetaData()
_documents = Table(
    "json_documents",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("document", Json, nullable=True),
)


class _Base(DeclarativeBase):
    metadata = _metadata


class _Snapshot(_Base):
    __tablename__ = "json_snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(Json, default=dict)


def test_a_document_is_jsonb_on_postgresql_and_json_on_sqlite() -> None:
    assert str(Json().compile(dialect=PGDialect())) == "JSONB"
    assert str(Json().compile(dialect=SQLiteDialect())) == "JSON"


async def test_a_document_round_trips_and_none_is_a_json_null(engine: AsyncEngine) -> None:
    document: dict[str, Any] = {"status": "in_transit", "events": [{"at": "2026-03-01"}]}
    async with scratch(engine, _metadata) as connection:
        await connection.execute(
            insert(_documents), [{"id": 1, "document": document}, {"id": 2, "document": None}]
        )
        rows = (
            await connection.execute(
                select(
                    _documents.c.id, _documents.c.document, _documents.c.document.is_(None)
                ).order_by(_documents.c.id)
            )
        ).all()
        assert [tuple(row) for row in rows] == [(1, document, False), (2, None, False)]


async def test_a_mapped_document_set_to_none_is_written_as_a_json_null(engine: AsyncEngine) -> None:
    """As with `JSON()`: the ORM writes the attribute's None rather than leaving the column
    out of the INSERT, which would store the column's default instead."""
    async with scratch(engine, _metadata) as connection:
        session = AsyncSession(bind=connection)
        session.add(_Snapshot(id=1, snapshot=None))
        await session.flush()
        stored = await connection.execute(
            select(_Snapshot.snapshot, _Snapshot.snapshot.is_(None)).where(_Snapshot.id == 1)
        )
        assert tuple(stored.one()) == (None, False)


def test_declaring_the_tables_loads_no_postgresql_dialect() -> None:
    probe = (
        "import sys, bot.pipeline.tables, bot.updates.tables, bot.sms.tables, carriers.tables, "
        "conversations.tables, conversations.console.tables, stores.tables, bot.accounts.tables; "
        "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.postgresql')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
