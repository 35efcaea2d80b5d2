"""`wismo db upgrade`: apply every package's migrations to the database, and say which."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from bot.app.database import alembic_config, migrate
from bot.app.settings import DEFAULT_DATABASE_URL
from foundation.database import create_engine


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser("db", help="database schema")
    actions = parser.add_subparsers(dest="db_command", required=True)
    upgrade = actions.add_parser(
        "upgrade", help="apply all migrations (each one applied is listed)"
    )
    upgrade.set_defaults(run=run_upgrade)


def database_url(env: Mapping[str, str]) -> str:
    return env.get("WISMO_DATABASE_URL") or DEFAULT_DATABASE_URL


def _pending(connection: Connection) -> list[tuple[str, str]]:
    """The migrations not applied yet, oldest first: (revision, its one-line description)."""
    script = ScriptDirectory.from_config(alembic_config())
    current = tuple(MigrationContext.configure(connection).get_current_heads())
    revisions = list(script.iterate_revisions("heads", current or "base"))
    revisions.reverse()
    return [(r.revision, (r.doc or "").strip().splitlines()[0] if r.doc else "") for r in revisions]


async def _upgrade(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            pending = await connection.run_sync(_pending)
        await migrate(engine)
        return pending
    finally:
        await engine.dispose()


def run_upgrade(_args: argparse.Namespace, env: Mapping[str, str]) -> int:
    applied = asyncio.run(_upgrade(database_url(env)))
    if not applied:
        print("database is up to date: no migrations to apply")
        return 0
    for revision, description in applied:
        print(f"applied {revision}" + (f": {description}" if description else ""))
    count = len(applied)
    print(f"database is up to date: {count} migration{'s' if count != 1 else ''} applied")
    return 0
