"""SQLite engines run each statement in one trip to aiosqlite's thread, and every statement
shape the code uses reads as it did through SQLAlchemy's own adapter."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from foundation.database import create_engine
from foundation.sqlite_driver import OneHopConnection

_metadata = MetaData()
_notes = Table(
    "notes",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("word", String, nullable=False, unique=True),
)


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(_metadata.create_all)
    yield engine
    await engine.dispose()


async def test_the_engine_keeps_its_url_and_uses_the_one_trip_connection(
    sqlite: AsyncEngine,
) -> None:
    assert sqlite.url.drivername == "sqlite+aiosqlite"
    async with sqlite.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneHopConnection)


async def test_a_statement_is_one_call_into_aiosqlites_thread_and_no_transaction_none(
    sqlite: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """aiosqlite logs each function its thread runs. SQLAlchemy's adapter made four per
    statement (cursor, execute, fetchall, close), and one more for the pool's rollback when a
    committed connection went back to it."""
    async with sqlite.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the connection is made before counting
    with caplog.at_level(logging.DEBUG, logger="aiosqlite"):
        async with sqlite.connect() as connection:
            await connection.execute(insert(_notes), [{"word": "a"}, {"word": "b"}])
            await connection.commit()
        async with sqlite.connect() as connection:
            rows = (await connection.execute(select(_notes.c.word))).all()
            await connection.commit()  # nothing to commit
    assert sorted(rows) == [("a",), ("b",)]
    calls = [r for r in caplog.records if r.name == "aiosqlite" and "executing" in r.message]
    assert len(calls) == 3  # the INSERT, its COMMIT, the SELECT


async def _every_shape(engine: AsyncEngine) -> list[object]:
    """What each statement shape the code uses gives back, and what a transaction keeps after
    the errors it met."""
    seen: list[object] = []
    async with engine.begin() as connection:
        inserted = await connection.execute(insert(_notes).values(word="first"))
        seen.append(inserted.inserted_primary_key)  # from lastrowid
        returned = await connection.execute(
            insert(_notes).values(word="second").returning(_notes.c.id, _notes.c.word)
        )
        seen.append(returned.all())
        many = await connection.execute(insert(_notes), [{"word": w} for w in "xyz"])
        seen.append(many.rowcount)
        updated = await connection.execute(
            _notes.update().where(_notes.c.word.in_(["x", "y"])).values(word=_notes.c.word + "!")
        )
        seen.append(updated.rowcount)
        deleted = await connection.execute(
            _notes.delete().where(_notes.c.word == "z").returning(_notes.c.id)
        )
        seen.append(deleted.all())
        streamed = await connection.stream(select(_notes.c.word).order_by(_notes.c.id.desc()))
        seen.append([row.word async for row in streamed])
        with pytest.raises(IntegrityError) as raised:
            async with connection.begin_nested():
                await connection.execute(insert(_notes).values(word="first"))
        seen.append(type(raised.value.orig))
        with pytest.raises(IntegrityError):
            # sqlite3 runs the rows one by one: the first stays in the transaction.
            await connection.execute(insert(_notes), [{"word": "new"}, {"word": "first"}])
        with pytest.raises(OperationalError) as missing:
            await connection.execute(text("SELECT * FROM no_such_table"))
        seen.append(str(missing.value.orig))
    async with engine.connect() as connection:
        await connection.execute(insert(_notes).values(word="rolled back"))
        await connection.rollback()
    async with engine.connect() as connection:
        seen.append((await connection.scalars(select(_notes.c.word).order_by(_notes.c.id))).all())
    return seen


async def test_every_statement_shape_reads_as_through_sqlalchemys_own_adapter(
    sqlite: AsyncEngine, tmp_path: Path
) -> None:
    stock = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'stock.db'}")
    try:
        async with stock.begin() as connection:
            await connection.run_sync(_metadata.create_all)
        expected = await _every_shape(stock)
    finally:
        await stock.dispose()
    assert await _every_shape(sqlite) == expected
    assert expected == [
        (1,),
        [(2, "second")],
        3,
        2,
        [(5,)],
        ["y!", "x!", "second", "first"],
        sqlite3.IntegrityError,
        "no such table: no_such_table",
        ["first", "second", "x!", "y!", "new"],
    ]


async def test_a_closed_connection_is_a_disconnect_and_the_pool_replaces_it(
    sqlite: AsyncEngine,
) -> None:
    async with sqlite.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert isinstance(driver, aiosqlite.Connection)
        await driver.close()  # as if lost under the pool
        with pytest.raises(OperationalError) as raised:
            await connection.execute(text("SELECT 1"))
        assert raised.value.connection_invalidated
    async with sqlite.connect() as connection:
        assert (await connection.scalar(text("SELECT 1"))) == 1


async def test_aiosqlites_private_calls_this_driver_relies_on_are_still_there(
    tmp_path: Path,
) -> None:
    """foundation/sqlite_driver.py runs its function through `Connection._execute` and hands it
    `Connection._conn`: when an aiosqlite release changes either, this fails before the driver
    does (pyproject.toml pins the versions it was checked with)."""
    connection = await aiosqlite.connect(tmp_path / "private.db")
    try:
        assert isinstance(connection._conn, sqlite3.Connection)

        def in_its_thread(sqlite_connection: sqlite3.Connection, value: int) -> int:
            return int(sqlite_connection.execute("SELECT ?", [value]).fetchone()[0])

        ran = connection._execute(in_its_thread, connection._conn, 7)  # type: ignore[no-untyped-call]
        assert await ran == 7
    finally:
        await connection.close()
    with pytest.raises(ValueError, match="no active connection"):
        connection._conn  # noqa: B018 - the property raises once closed
