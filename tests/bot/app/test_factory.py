"""create_app: bad settings fail before anything starts; a step that fails releases the others."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy.exc
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import QueuePool

from bot.app import keys
from bot.app.factory import create_app
from bot.app.settings import Settings
from bot.cli.serve import serve
from bot.errors import ConfigurationInvalid
from tests.conftest import fresh_sqlite_url
from tests.sqlite_threads import thread_running_statements

META = {"META_APP_SECRET": "s", "META_VERIFY_TOKEN": "v", "META_ACCESS_TOKEN": "t"}


def settings(database: Path, **values: str) -> Settings:
    return Settings.from_mapping(
        {"WISMO_DATABASE_URL": f"sqlite+aiosqlite:///{database}", **META, **values}
    )


async def settled(condition: Callable[[], bool], within: float = 5.0) -> bool:
    """Waits (with a deadline) until `condition()` holds; returns whether it did."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def test_a_listed_source_without_its_credentials_fails_create_app(tmp_path: Path) -> None:
    tasks = asyncio.all_tasks()
    with pytest.raises(ConfigurationInvalid, match="lists fedex but FEDEX_CLIENT_ID"):
        create_app(settings(tmp_path / "wismo.db", WISMO_PROVIDERS="fedex"))
    assert asyncio.all_tasks() == tasks
    assert not (tmp_path / "wismo.db").exists()


@pytest.mark.parametrize(
    ("named", "values"),
    [
        ("WISMO_PROVIDERS", {"WISMO_PROVIDERS": "pigeon"}),
        ("WISMO_SOURCE_BUDGETS", {"WISMO_SOURCE_BUDGETS": "dhl=lots"}),
        ("WISMO_TRACKING_FRESHNESS", {"WISMO_TRACKING_FRESHNESS": "in_transit=soon"}),
        ("WISMO_UPDATES_QUIET_HOURS", {"WISMO_UPDATES_QUIET_HOURS": "late"}),
        ("SHOPIFY_ACCESS_TOKEN", {"WISMO_STORE_SOURCE": "shopify", "SHOPIFY_SHOP": "my-store"}),
    ],
)
def test_every_unworkable_setting_fails_create_app(
    tmp_path: Path, named: str, values: dict[str, str]
) -> None:
    with pytest.raises(ConfigurationInvalid, match=named):
        create_app(settings(tmp_path / "wismo.db", **values))


async def test_a_step_that_fails_to_start_releases_the_steps_that_started(tmp_path: Path) -> None:
    # Not migrated: every resource opens, then the workers' first query finds no table.
    tasks, threads = asyncio.all_tasks(), set(threading.enumerate())
    app = create_app(settings(tmp_path / "wismo.db"))
    runner = web.AppRunner(app)
    with pytest.raises(sqlalchemy.exc.OperationalError, match="no such table"):
        await runner.setup()
    pool = app[keys.ENGINE].pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedin() == 1
    assert {task.get_name() for task in asyncio.all_tasks() - tasks} >= {"intake"}

    await runner.cleanup()

    assert asyncio.all_tasks() == tasks
    fresh = app[keys.ENGINE].pool
    assert fresh is not pool  # disposed: its connections closed, a new pool in its place
    assert app[keys.HTTP].is_closed
    # The connections' and the spool's threads end with the engines and the spool.
    assert await settled(lambda: set(threading.enumerate()) <= threads)


async def test_serve_releases_what_started_when_the_app_fails_to_start(tmp_path: Path) -> None:
    tasks, threads = asyncio.all_tasks(), set(threading.enumerate())
    with pytest.raises(sqlalchemy.exc.OperationalError, match="no such table"):
        await serve(create_app(settings(tmp_path / "wismo.db")), "127.0.0.1", 0)
    assert asyncio.all_tasks() == tasks
    assert await settled(lambda: set(threading.enumerate()) <= threads)


def _engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return engine


async def test_on_sqlite_the_workers_statements_run_on_the_loop_and_the_consoles_off_it(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """A question's few indexed statements run on the event loop; the console's and the daily
    sweeps' may read many rows, so theirs run in the driver's thread (foundation/sqlite_driver)."""
    url = fresh_sqlite_url(sqlite_template, tmp_path)
    app = create_app(Settings.from_mapping({"WISMO_DATABASE_URL": url, **META}))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        assert await thread_running_statements(app[keys.ENGINE]) == threading.get_ident()
        assert (
            await thread_running_statements(_engine_of(app[keys.OFF_LOOP_SESSIONS]))
            != threading.get_ident()
        )
    finally:
        await runner.cleanup()


async def test_on_postgresql_every_worker_task_keeps_its_connection_between_turns(
    database_url: str,
) -> None:
    """The inbox's and the sender's WISMO_WORKERS tasks may each hold a connection at once;
    returned, they stay open for the next turn rather than being closed and opened again
    (a new server process, a login and every statement prepared anew each time)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's pool is two connections to a file (foundation/database.py)")
    app = create_app(
        Settings.from_mapping({"WISMO_DATABASE_URL": database_url, "WISMO_WORKERS": "8", **META}),
        workers=False,
    )
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        busy = 2 * 8  # every inbox and sender task at once

        async def backends() -> set[int]:
            async with contextlib.AsyncExitStack() as held:
                connections = [
                    await held.enter_async_context(app[keys.ENGINE].connect()) for _ in range(busy)
                ]
                return {
                    await connection.scalar(text("SELECT pg_backend_pid()"))
                    for connection in connections
                }

        first = await backends()
        assert len(first) == busy
        assert await backends() == first
    finally:
        await runner.cleanup()
