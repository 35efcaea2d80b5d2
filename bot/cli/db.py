"""`wismo db upgrade`: apply every package's migrations to the configured database."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping

from bot.app.database import migrate
from bot.app.settings import DEFAULT_DATABASE_URL
from foundation.database import create_engine


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser("db", help="database schema")
    actions = parser.add_subparsers(dest="db_command", required=True)
    upgrade = actions.add_parser("upgrade", help="apply all migrations")
    upgrade.set_defaults(run=run_upgrade)


def database_url(env: Mapping[str, str]) -> str:
    return env.get("WISMO_DATABASE_URL") or DEFAULT_DATABASE_URL


async def _upgrade(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def run_upgrade(_args: argparse.Namespace, env: Mapping[str, str]) -> int:
    asyncio.run(_upgrade(database_url(env)))
    print("database is up to date")
    return 0
