"""Shared fixtures: fresh, migrated databases on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app.database import migrate
from foundation.database import create_engine, create_sessions
from tests.postgres import PostgresDatabases

POSTGRES_URL = os.environ.get("WISMO_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
_counter = itertools.count()


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


async def _migrate_url(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


async def _admin(statement: str) -> None:
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def _postgres_url(database: str) -> str:
    assert POSTGRES_URL is not None
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate_url(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("WISMO_TEST_POSTGRES_URL is not set")
    name = f"wismo_tpl_{os.getpid()}_{_worker()}"
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}"'))
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    asyncio.run(_migrate_url(_postgres_url(name)))
    yield name
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_databases(postgres_template: str) -> Iterator[PostgresDatabases]:
    assert POSTGRES_URL is not None
    databases = PostgresDatabases(
        make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False),
        template=postgres_template,
        prefix=f"wismo_t_{os.getpid()}_{_worker()}",
    )
    yield databases
    databases.close()


def fresh_sqlite_url(template: Path, directory: Path) -> str:
    target = directory / f"wismo-{next(_counter)}.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to a fresh, fully migrated database of each backend, emptied or dropped after."""
    if request.param == "sqlite":
        yield fresh_sqlite_url(request.getfixturevalue("sqlite_template"), tmp_path)
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    name = databases.acquire()
    yield _postgres_url(name)
    databases.release(name)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    current = create_engine(database_url)
    yield current
    await current.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessions(engine)
