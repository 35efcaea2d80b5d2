"""Every package's migrations apply cleanly and serve refuses an un-migrated database."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.database import HEADS, alembic_config, ensure_migrated, migrate
from bot.errors import DatabaseNotMigrated
from foundation.database import create_engine


async def test_a_fresh_database_is_fully_migrated(engine: AsyncEngine) -> None:
    await ensure_migrated(engine)
    async with engine.connect() as connection:
        versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    assert len(versions) >= 4


async def test_an_empty_database_is_refused_until_migrated(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(DatabaseNotMigrated, match="wismo db upgrade"):
            await ensure_migrated(engine)
        await migrate(engine)
        await migrate(engine)  # idempotent
        await ensure_migrated(engine)
    finally:
        await engine.dispose()


def test_the_known_heads_are_the_heads_of_the_migration_scripts() -> None:
    """A new migration moves its branch's head in bot.app.database.HEADS as well."""
    assert set(ScriptDirectory.from_config(alembic_config()).get_heads()) == HEADS


async def test_a_database_with_one_branch_behind_is_refused(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE alembic_version SET version_num = 'carriers_0001' "
                "WHERE version_num = 'carriers_0002'"
            )
        )
    with pytest.raises(DatabaseNotMigrated, match="wismo db upgrade"):
        await ensure_migrated(engine)
