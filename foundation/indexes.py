"""A partial index declared once for SQLite and PostgreSQL, without loading a dialect.

SQLAlchemy spells a partial index per dialect (`sqlite_where=…, postgresql_where=…`) and
checks each such argument against its dialect when the index is declared: the PostgreSQL one
imports SQLAlchemy's whole PostgreSQL dialect, with the modules of its six drivers (about
2 MB resident), into a service that runs on SQLite. Both databases write a partial index the
same way, `CREATE INDEX … ON table (columns) WHERE condition`, so `PartialIndex` keeps its
condition as our own SQL text and adds it when the CREATE INDEX is compiled, on any dialect.

The migrations state their indexes themselves (`op.create_index(…, sqlite_where=…,
postgresql_where=…)`), from the same condition constants; autogenerate would not render the
condition of a `PartialIndex`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.ddl import CreateIndex


class PartialIndex(Index):
    """An index over the rows where `where` (SQL text of our own: a table's column names and
    literals) holds: `PartialIndex("ix_sends_due", "next_attempt_at", where=UNFINISHED)`."""

    def __init__(self, name: str, *columns: str, where: str) -> None:
        super().__init__(name, *columns)
        self.where = where


@compiles(CreateIndex)
def _create_index(create: CreateIndex, compiler: DDLCompiler, **kw: Any) -> str:
    # The dialect's own CREATE INDEX (SQLAlchemy leaves its DDL visitors unannotated).
    statement: str = compiler.visit_create_index(create, **kw)  # type: ignore[no-untyped-call]
    index = create.element
    if isinstance(index, PartialIndex):
        return f"{statement} WHERE {index.where}"
    return statement


__all__ = ["PartialIndex"]
