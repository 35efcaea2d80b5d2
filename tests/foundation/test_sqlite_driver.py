"""SQLite engines run each statement on the event loop (or, made with `on_loop=False`, in one
trip to aiosqlite's thread), never wait on the loop for a lock another connection holds, and
every statement shape the code uses reads as it did through SQLAlchemy's own adapter."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from foundation.database import create_engine
from foundation.sqlite_driver import (
    MAX_ROWS_ON_LOOP,
    WAL_CHECKPOINT_PAGES,
    OneHopAiosqlite,
    OneHopConnection,
    OnLoopConnection,
)
from tests.sqlite_threads import thread_running_statements

_metadata = MetaData()
_notes = Table(
    "notes",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("word", String, nullable=False, unique=True),
)
_blobs = Table(
    "blobs", _metadata, Column("id", Integer, primary_key=True), Column("data", LargeBinary)
)


async def _created(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as connection:
        await connection.run_sync(_metadata.create_all)
    return engine


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = await _created(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def threaded(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'threaded.db'}"
    engine = await _created(create_engine(url, on_loop=False))
    yield engine
    await engine.dispose()


def _thread_calls(caplog: pytest.LogCaptureFixture) -> int:
    """aiosqlite logs each function its thread runs."""
    return len([r for r in caplog.records if r.name == "aiosqlite" and "executing" in r.message])


async def _insert_commit_select(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        await connection.execute(insert(_notes), [{"word": "a"}, {"word": "b"}])
        await connection.commit()
    async with engine.connect() as connection:
        rows = (await connection.scalars(select(_notes.c.word))).all()
        await connection.commit()  # nothing to commit
    return sorted(rows)


async def test_the_engine_keeps_its_url_and_uses_the_one_trip_connection(
    sqlite: AsyncEngine, threaded: AsyncEngine
) -> None:
    assert sqlite.url.drivername == threaded.url.drivername == "sqlite+aiosqlite"
    async with sqlite.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OnLoopConnection)
    async with threaded.connect() as connection:
        raw = await connection.get_raw_connection()
        assert type(raw.dbapi_connection) is OneHopConnection


async def test_statements_and_commits_run_on_the_event_loops_thread(
    sqlite: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    async with sqlite.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the connection is made before counting
    with caplog.at_level(logging.DEBUG, logger="aiosqlite"):
        assert await _insert_commit_select(sqlite) == ["a", "b"]
    assert _thread_calls(caplog) == 0
    assert await thread_running_statements(sqlite) == threading.get_ident()


async def test_off_the_loop_a_statement_is_one_call_into_aiosqlites_thread_and_no_transaction_none(
    threaded: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLAlchemy's adapter made four calls per statement (cursor, execute, fetchall, close),
    and one more for the pool's rollback when a committed connection went back to it."""
    async with threaded.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the connection is made before counting
    with caplog.at_level(logging.DEBUG, logger="aiosqlite"):
        assert await _insert_commit_select(threaded) == ["a", "b"]
    assert _thread_calls(caplog) == 3  # the INSERT, its COMMIT, the SELECT
    assert await thread_running_statements(threaded) != threading.get_ident()


async def test_on_the_loop_a_many_row_executemany_goes_to_the_thread(
    sqlite: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    async with sqlite.begin() as connection:
        await connection.execute(text("SELECT 1"))
        with caplog.at_level(logging.DEBUG, logger="aiosqlite"):
            rows = [{"word": f"few {n}"} for n in range(MAX_ROWS_ON_LOOP)]
            await connection.execute(insert(_notes), rows)
            assert _thread_calls(caplog) == 0
            rows = [{"word": f"many {n}"} for n in range(MAX_ROWS_ON_LOOP + 1)]
            await connection.execute(insert(_notes), rows)
            assert _thread_calls(caplog) == 1
    async with sqlite.connect() as connection:
        count = await connection.scalar(text("SELECT count(*) FROM notes"))
    assert count == 2 * MAX_ROWS_ON_LOOP + 1


async def test_a_lock_held_elsewhere_is_waited_for_in_the_thread_while_the_loop_goes_on(
    sqlite: AsyncEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Another process's write (a CLI import while serving) holds SQLite's write lock: the
    statement meets SQLITE_BUSY on the loop at once, waits in aiosqlite's thread with the
    connection's busy timeout, and the loop serves other work until the lock is let go."""
    async with sqlite.connect() as connection:
        await connection.execute(text("SELECT 1"))
    elsewhere = sqlite3.connect(tmp_path / "driver.db", isolation_level=None)
    try:
        elsewhere.execute("BEGIN IMMEDIATE")
        elsewhere.execute("INSERT INTO notes (word) VALUES ('theirs')")

        async def ours() -> None:
            async with sqlite.begin() as connection:
                await connection.execute(insert(_notes).values(word="ours"))

        with caplog.at_level(logging.DEBUG, logger="foundation.sqlite_driver"):
            writing = asyncio.create_task(ours())
            for _ in range(1000):  # the loop runs this while the write waits
                if any("locked by another" in r.message for r in caplog.records):
                    break
                await asyncio.sleep(0.005)
            assert not writing.done()
            elsewhere.execute("COMMIT")
            await writing
    finally:
        elsewhere.close()
    async with sqlite.connect() as connection:
        words = (await connection.scalars(select(_notes.c.word).order_by(_notes.c.id))).all()
        # The connection is back to waiting for nothing on the loop.
        assert await connection.scalar(text("PRAGMA busy_timeout")) == 0
    assert words == ["theirs", "ours"]


async def test_a_lock_held_past_the_busy_timeout_fails_as_sqlite_would(tmp_path: Path) -> None:
    path = tmp_path / "driver.db"
    engine = await _created(
        create_async_engine(
            f"sqlite+aiosqlite:///{path}", module=OneHopAiosqlite(), connect_args={"timeout": 0.05}
        )
    )
    elsewhere = sqlite3.connect(path, isolation_level=None)
    try:
        elsewhere.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError, match="database is locked"):
            async with engine.begin() as connection:
                await connection.execute(insert(_notes).values(word="ours"))
        elsewhere.execute("ROLLBACK")
        async with engine.begin() as connection:
            await connection.execute(insert(_notes).values(word="ours"))
            assert await connection.scalar(text("PRAGMA busy_timeout")) == 0
    finally:
        elsewhere.close()
        await engine.dispose()


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


async def test_the_wal_is_checkpointed_in_the_thread_after_a_commit_leaves_it_past_its_limit(
    sqlite: AsyncEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite would checkpoint in the commit itself, on the loop: copying up to a thousand pages
    and syncing two files. On the loop its automatic checkpoint is off, and the commit that
    leaves the WAL past that many pages is followed by a checkpoint in aiosqlite's thread."""
    async with sqlite.connect() as connection:
        assert await connection.scalar(text("PRAGMA wal_autocheckpoint")) == 0
        page_size = await connection.scalar(text("PRAGMA page_size"))
    wal, limit = tmp_path / "driver.db-wal", WAL_CHECKPOINT_PAGES * page_size
    rows = [{"data": bytes(page_size // 2)} for _ in range(MAX_ROWS_ON_LOOP)]

    async def commit(rows: list[dict[str, bytes]]) -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="aiosqlite"):
            async with sqlite.begin() as connection:
                await connection.execute(insert(_blobs), rows)
        return [
            r.message for r in caplog.records if r.name == "aiosqlite" and "executing" in r.message
        ]

    for _ in range(4 * WAL_CHECKPOINT_PAGES // MAX_ROWS_ON_LOOP):
        calls = await commit(rows)
        if calls:
            break
        assert wal.stat().st_size <= limit  # under the limit, nothing left the loop
    assert len(calls) == 1
    assert "_checkpoint" in calls[0]
    async with sqlite.connect() as connection:
        busy, frames, copied = (await connection.execute(text("PRAGMA wal_checkpoint"))).one()
    assert (busy, frames) == (0, copied)  # nothing was left to copy
    assert await commit(rows[:1]) == []
    assert wal.stat().st_size <= limit  # the WAL started again from its beginning


async def test_every_statement_shape_reads_as_through_sqlalchemys_own_adapter(
    sqlite: AsyncEngine, threaded: AsyncEngine, tmp_path: Path
) -> None:
    stock = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'stock.db'}")
    try:
        async with stock.begin() as connection:
            await connection.run_sync(_metadata.create_all)
        expected = await _every_shape(stock)
    finally:
        await stock.dispose()
    assert await _every_shape(sqlite) == expected
    assert await _every_shape(threaded) == expected
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
