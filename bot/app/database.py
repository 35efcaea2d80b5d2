"""The Alembic migrations of every package; engines and sessions come from foundation.database."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import DatabaseNotMigrated

# Each package owns its tables through its own Alembic branch; `upgrade heads` applies them all.
MIGRATING_PACKAGES = ("bot", "carriers", "conversations", "stores")


def _package_dir(package: str) -> Path:
    return Path(str(importlib.import_module(package).__file__)).parent


def _version_locations() -> list[str]:
    return [str(_package_dir(pkg) / "migrations" / "versions") for pkg in MIGRATING_PACKAGES]


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_package_dir("bot") / "migrations"))
    config.set_main_option("version_locations", " ".join(_version_locations()))
    config.set_main_option("path_separator", "space")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    return config


def _upgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")


def _pending_heads(connection: Connection, config: Config) -> set[str]:
    script = ScriptDirectory.from_config(config)
    current = set(MigrationContext.configure(connection).get_current_heads())
    return set(script.get_heads()) - current


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema up to date (idempotent)."""
    config = alembic_config()
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, config)


async def ensure_migrated(engine: AsyncEngine) -> None:
    """Raise DatabaseNotMigrated when any package's migrations have not been applied."""
    config = alembic_config()
    async with engine.connect() as connection:
        pending = await connection.run_sync(_pending_heads, config)
    if pending:
        raise DatabaseNotMigrated(
            "the database is not migrated: run `wismo db upgrade` (or `wismo serve --migrate`)"
        )
