"""`wismo serve`: run the webhook service and its workers until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Mapping

from aiohttp import web
from sqlalchemy.engine import make_url

from bot.app import event_loop, logs
from bot.app.database import ensure_migrated, migrate
from bot.app.factory import create_app
from bot.app.settings import Settings
from bot.app.tracking import configured_sources
from bot.errors import DatabaseUnusable
from bot.pipeline.spool import Spool, spool_path
from bot.pipeline.unavailable import check_writable, database_unavailable
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
    """Migrate when asked; either way, refuse (DatabaseNotMigrated) a schema that is behind,
    and (DatabaseUnusable) a database, or on SQLite a spool, that cannot be reached or written:
    a service started on read-only files or a full disk would acknowledge nothing."""
    engine = create_engine(settings.database_url)
    url = make_url(settings.database_url).render_as_string(hide_password=True)
    try:
        if apply_migrations:
            await migrate(engine)
        await ensure_migrated(engine)
        await check_writable(engine)
        await _check_spool(settings.database_url)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        raise DatabaseUnusable(
            f"cannot write to the database {url} ({_reason(exc)}): check that the files and "
            "their directory are writable, the disk has room, and the server accepts writes"
        ) from exc
    finally:
        await engine.dispose()


async def _check_spool(database_url: str) -> None:
    path = spool_path(database_url)
    if path is None:
        return
    spool = Spool(path)
    try:
        await spool.open()
        await spool.probe()
    finally:
        await spool.close()


def _reason(exc: BaseException) -> str:
    """The driver's own words for what failed, in one line (no SQL, no parameters)."""
    orig = getattr(exc, "orig", None) or exc
    return " ".join(str(orig).split())[:200] or type(orig).__name__


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
        log.info(
            "webhook at http://%s:%s%s (%s event loop)",
            bound_host,
            bound_port,
            PATH,
            event_loop.running_loop_name(),
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        log.info("stopping")
    finally:
        await runner.cleanup()


def start_warnings(settings: Settings) -> list[str]:
    """What a merchant should fix before buyers write: settings whose defaults are safe but not
    what a shop wants (no store name; no tracking source, so parcels cannot be looked up)."""
    warnings = []
    if not settings.store_name.strip():
        warnings.append("WISMO_STORE_NAME is not set: replies name no shop")
    if not configured_sources(settings):
        warnings.append(
            "no tracking source is configured (WISMO_PROVIDERS, or a source's credentials): "
            "buyers asking about a parcel are told tracking is not connected yet and offered "
            "a person"
        )
    return warnings


async def _run(settings: Settings, host: str, port: int, apply_migrations: bool) -> None:
    for warning in start_warnings(settings):
        print(f"wismo: warning: {warning}", file=sys.stderr, flush=True)
    await prepare_database(settings, apply_migrations)
    await serve(create_app(settings), host, port)


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    settings = Settings.from_mapping(env)
    logs.configure(settings.log_level)
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    event_loop.run(_run(settings, host, port, args.migrate), settings.event_loop)
    return 0
