"""`wismo serve`: run the webhook service and its workers."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping

from aiohttp import web

from bot.app import create_app
from bot.config import Settings
from bot.database import create_engine, ensure_migrated, migrate


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser("serve", help="run the webhook service")
    parser.add_argument("--host", default=None, help="interface to bind (default WISMO_HOST)")
    parser.add_argument("--port", type=int, default=None, help="port (default WISMO_PORT)")
    parser.add_argument(
        "--migrate", action="store_true", help="apply pending migrations before serving"
    )
    parser.set_defaults(run=run)


async def _prepare(settings: Settings, apply_migrations: bool) -> None:
    engine = create_engine(settings.database_url)
    try:
        if apply_migrations:
            await migrate(engine)
        await ensure_migrated(engine)
    finally:
        await engine.dispose()


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = Settings.from_mapping(env)
    asyncio.run(_prepare(settings, args.migrate))
    web.run_app(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port if args.port is not None else settings.port,
        print=None,
    )
    return 0
