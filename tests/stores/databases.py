"""A SQLite-only session factory for stores tests whose subject is not the database dialect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from foundation.database import create_engine, create_sessions
from tests.conftest import fresh_sqlite_url


@pytest.fixture
async def sqlite_sessions(
    sqlite_template: Path, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(fresh_sqlite_url(sqlite_template, tmp_path))
    yield create_sessions(engine)
    await engine.dispose()
