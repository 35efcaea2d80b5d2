"""Partial indexes: one condition for SQLite and PostgreSQL, written into CREATE INDEX, the
same as the migrations created."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Column, Index, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect
from sqlalchemy.schema import CreateIndex

# The tables register on their packages' metadata when imported.
import bot.pipeline.tables
import bot.sms.tables
import bot.updates.tables  # noqa: F401
import conversations.tables  # noqa: F401
from bot.pipeline.base import Base as BotBase
from carriers.db import Base as CarriersBase
from conversations.db import Base as ConversationsBase
from foundation.indexes import PartialIndex
from stores.db import Base as StoresBase

_metadata = MetaData()
_sends = Table(
    "sends",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("state", String),
    Column("due", Integer),
    PartialIndex("ix_sends_due", "due", where="state IN ('queued', 'sending')"),
    Index("ix_sends_state", "state"),
)
_DIALECTS = (SQLiteDialect(), PGDialect())


def _create(index_name: str) -> set[str]:
    index = next(index for index in _sends.indexes if index.name == index_name)
    return {str(CreateIndex(index).compile(dialect=dialect)) for dialect in _DIALECTS}


def test_a_partial_index_is_created_with_its_condition_on_both_databases() -> None:
    assert _create("ix_sends_due") == {
        "CREATE INDEX ix_sends_due ON sends (due) WHERE state IN ('queued', 'sending')"
    }


def test_any_other_index_is_created_as_sqlalchemy_writes_it() -> None:
    assert _create("ix_sends_state") == {"CREATE INDEX ix_sends_state ON sends (state)"}


def test_every_partial_index_the_tables_declare_is_the_one_the_migrations_created(
    sqlite_template: Path,
) -> None:
    declared = {
        index.name: index.where
        for base in (BotBase, CarriersBase, ConversationsBase, StoresBase)
        for table in base.metadata.tables.values()
        for index in table.indexes
        if isinstance(index, PartialIndex)
    }
    with sqlite3.connect(sqlite_template) as database:
        created = dict(
            database.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%'"
            ).fetchall()
        )
    assert len(declared) == 12
    assert {name: sql.split(" WHERE ", 1)[1] for name, sql in created.items()} == declared
