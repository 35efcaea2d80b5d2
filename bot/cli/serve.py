"""`wismo serve`: run the webhook service and its workers until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Mapping

from aiohttp import web

from bot.app import logs
from bot.app.database import ensure_migrated, migrate
from bot.app.factory import create_app
from bot.app.settings import Settings
from bot.routes.webhook import PATH
from foundation.database import create_engine

log = logging.getLogger(__name__)


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser("serve", help="run the webhook service")
    parser.add_argument("--host", default=None, help="interface to bind (default WISMO_HOST)")
    parser.add_argument("--port", type=int, default=None, help="port; 0 picks a free one")
    parser.add_argument(
        "--migrate", action="store_true", help="apply pending migrations before serving"
    )
    parser.set_defaults(run=run)


async def prepare_database(settings: Settings, apply_migrations: bool) -> None:
    """Migrate when asked; either way, refuse (DatabaseNotMigrated) a schema that is behind."""
    engine = create_engine(settings.database_url)
    try:
        if apply_migrations:
            await migrate(engine)
        await ensure_migrated(engine)
    finally:
        await engine.dispose()


async def serve(app: web.Application, host: str, port: int) -> None:
    """Serve `app` until SIGINT/SIGTERM; prints the bound address (port 0 picks one)."""
    runner = web.AppRunner(app, handle_signals=False)
    try:
        # Inside: a step that fails to start still releases the steps that started.
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        # The first line on stdout: scripts and tests read the address from it.
        print(f"wismo: listening on http://{bound_host}:{bound_port}", flush=True)
        log.info("webhook at http://%s:%s%s", bound_host, bound_port, PATH)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        log.info("stopping")
    finally:
        await runner.cleanup()


async def _run(settings: Settings, host: str, port: int, apply_migrations: bool) -> None:
    await prepare_database(settings, apply_migrations)
    await serve(create_app(settings), host, port)


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = Settings.from_mapping(env)
    logs.configure(settings.log_level)
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    asyncio.run(_run(settings, host, port, args.migrate))
    return 0
