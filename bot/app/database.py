"""The Alembic migrations of every package; engines and sessions come from foundation.database.

Alembic itself (6 MB resident, with mako) is imported only to migrate: checking that a database
is migrated is one query of its version table against HEADS.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import DatabaseNotMigrated

if TYPE_CHECKING:
    from alembic.config import Config

# Each package owns its tables through its own Alembic branch; `upgrade heads` applies them all.
MIGRATING_PACKAGES = ("bot", "carriers", "conversations", "stores")
# The newest revision of each branch. A new migration moves its branch's head here too
# (tests/test_database.py compares this with what Alembic reads from the scripts).
HEADS = frozenset({"bot_sms_0003", "carriers_0002", "conversations_0006", "stores_sms_0001"})
# Alembic's default version table: `upgrade heads` records there each branch's revision.
_VERSION_TABLE = "alembic_version"
_RECORDED = text("SELECT version_num FROM alembic_version")


def _package_dir(package: str) -> Path:
    return Path(str(importlib.import_module(package).__file__)).parent


def _version_locations() -> list[str]:
    return [str(_package_dir(pkg) / "migrations" / "versions") for pkg in MIGRATING_PACKAGES]


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_package_dir("bot") / "migrations"))
    config.set_main_option("version_locations", " ".join(_version_locations()))
    config.set_main_option("path_separator", "space")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    return config


def _upgrade(connection: Connection, config: Config) -> None:
    from alembic import command

    config.attributes["connection"] = connection
    command.upgrade(config, "heads")


def _pending_heads(connection: Connection) -> set[str]:
    """HEADS not recorded in the version table (all of them when it does not exist yet)."""
    if not inspect(connection).has_table(_VERSION_TABLE):
        return set(HEADS)
    return set(HEADS) - set(connection.scalars(_RECORDED))


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema up to date (idempotent)."""
    config = alembic_config()
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, config)


async def ensure_migrated(engine: AsyncEngine) -> None:
    """Raise DatabaseNotMigrated when any package's migrations have not been applied."""
    async with engine.connect() as connection:
        pending = await connection.run_sync(_pending_heads)
    if pending:
        raise DatabaseNotMigrated(
            "the database is not migrated: run `wismo db upgrade` (or `wismo serve --migrate`)"
        )
