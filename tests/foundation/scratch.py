"""A test's own tables, created inside a transaction that is rolled back after."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


@contextlib.asynccontextmanager
async def scratch(engine: AsyncEngine, metadata: MetaData) -> AsyncIterator[AsyncConnection]:
    """A connection with `metadata`'s tables, in a transaction rolled back after (the schema
    stays the migrated one, so the test database is reused)."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            await connection.run_sync(metadata.create_all)
            yield connection
        finally:
            await transaction.rollback()
