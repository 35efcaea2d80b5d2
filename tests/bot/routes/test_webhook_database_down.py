"""A database that cannot take a delivery now gets Meta a 503 (try again), never a 500:
PostgreSQL starting up or shutting down, nothing listening, SQLite full or read-only."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError

from bot.pipeline.unavailable import database_unavailable
from foundation.database import create_engine
from tests.bot.harness import envelope, running_wismo, text
from tests.fakes.postgres_down import SHUTTING_DOWN, STARTING_UP, postgres_down


@pytest.mark.parametrize("error", [STARTING_UP, SHUTTING_DOWN], ids=["starting", "stopping"])
async def test_postgresql_starting_up_or_shutting_down_gets_a_503(aiohttp_server, error):
    async with (
        postgres_down(error) as down,
        running_wismo(aiohttp_server, down.url(), workers=False) as wismo,
    ):
        for _ in range(3):
            response = await wismo.post(envelope(text("7100000000000001", "hi")))
            assert response.status_code == 503
            assert response.text == "try again"
        assert down.refused >= 3  # each delivery really tried to connect


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_postgresql_not_listening_gets_a_503(aiohttp_server):
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/wismo"
    async with running_wismo(aiohttp_server, url, workers=False) as wismo:
        response = await wismo.post(envelope(text("7100000000000001", "hi")))
        assert response.status_code == 503


async def test_the_drivers_own_errors_for_a_database_that_cannot_serve_count_as_unavailable(
    tmp_path: Path,
):
    async with postgres_down() as down:
        engine = create_engine(down.url())
        with pytest.raises(Exception) as starting:
            async with engine.connect() as connection:
                await connection.execute(sql("SELECT 1"))
        await engine.dispose()
    assert database_unavailable(starting.value)

    full = tmp_path / "full.db"
    with contextlib.closing(sqlite3.connect(full)) as connection:
        connection.execute("CREATE TABLE t (x BLOB)")
        connection.execute("PRAGMA max_page_count = 3")
        with pytest.raises(sqlite3.OperationalError, match="full") as disk_full:
            connection.execute("INSERT INTO t VALUES (?)", (b"x" * 100_000,))
    assert database_unavailable(disk_full.value)

    with (
        contextlib.closing(sqlite3.connect(f"file:{full}?mode=ro", uri=True)) as connection,
        pytest.raises(sqlite3.OperationalError, match="readonly") as read_only,
    ):
        connection.execute("INSERT INTO t VALUES (1)")
    assert database_unavailable(read_only.value)


def test_a_bug_or_a_refused_row_is_not_the_database_being_unavailable():
    assert not database_unavailable(ValueError("a bug"))
    assert not database_unavailable(
        IntegrityError("INSERT …", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))
    )
