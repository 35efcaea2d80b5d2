"""The service's resources, each opened in a cleanup_ctx step of its own, released if opened.

In create_app's order: the engines (and on SQLite the write gate between them), the intake and
its task, the httpx client, the tracking service. aiohttp releases the steps that started in the
reverse order, also when a later step fails to start (`AppRunner.cleanup()` after a failed
`setup()`), so a step only ever releases what it opened itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import httpx
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import keys
from bot.app.settings import Settings
from bot.app.tracking import TrackingPlan
from bot.pipeline.inbox import Inbox
from bot.pipeline.intake import Intake
from bot.pipeline.outbox import Outbox
from bot.pipeline.spool import Spool, SpoolIntake, spool_path
from bot.pipeline.spool_table import SpoolTable
from bot.pipeline.write_gate import INTAKE, WORKERS, WriteGate, gate_writes
from foundation.database import create_engine, create_sessions

Step = Callable[[web.Application], AsyncIterator[None]]
Clock = Callable[[], datetime]

# Meta allows 5 s for the whole webhook and a Send API call rarely takes 1 s; anything slower
# is a timeout (ambiguous for a send: settled before any resend).
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

# Connections besides the inbox's and the sender's tasks': the spool's mover, the tracking
# service's refreshes, the daily jobs, the console's requests.
_OTHER_CONNECTIONS = 4

# The sessions over the intake's engine (not published to handlers).
_INTAKE_SESSIONS = web.AppKey("intake_sessions", async_sessionmaker[AsyncSession])


def databases(
    settings: Settings,
    engine: AsyncEngine | None,
    *,
    clock: Clock,
    inbox_lease_seconds: float,
    send_lease_seconds: float,
) -> Step:
    """The workers' engine (`engine` when given, left open for its owner), the intake's and
    on SQLite one whose statements run off the event loop, with the sessions, inbox and outbox
    over them (ENGINE, SESSIONS, OFF_LOOP_SESSIONS, INBOX, OUTBOX)."""
    url = settings.database_url
    sqlite = url.startswith("sqlite")
    # On PostgreSQL the pool keeps a connection for each task that may hold one at once: the
    # inbox's and the sender's `workers` each, and the others. A smaller pool lets a busy
    # service open overflow connections and close them again as soon as they are returned,
    # each a new server process, a TLS attempt, a login and every statement prepared anew
    # (about a tenth of a question's CPU in a flood, with 10 pooled connections).
    pool_size = 2 * settings.workers + _OTHER_CONNECTIONS

    async def step(app: web.Application) -> AsyncIterator[None]:
        if engine is not None:
            current = engine
        elif sqlite:
            current = create_engine(url)
        else:
            current = create_engine(url, pool_size=pool_size)
        # The console's and the daily sweeps' statements may read many rows: on SQLite they
        # run in the driver's thread, over a pool of their own (foundation/sqlite_driver.py).
        off_loop = create_engine(url, on_loop=False) if sqlite and engine is None else None
        try:
            # The intake (or on SQLite its spool's mover) writes through a connection of its
            # own, so storing deliveries never queues behind the workers' queries in the pool.
            intake_engine = create_engine(url, pool_size=1, max_overflow=0)
            try:
                if sqlite:
                    # One writer at a time in this process, the intake first
                    # (bot/pipeline/write_gate.py).
                    gate = WriteGate()
                    gate_writes(intake_engine, gate, INTAKE)
                    if engine is None:
                        gate_writes(current, gate, WORKERS)
                    if off_loop is not None:
                        gate_writes(off_loop, gate, WORKERS)
                app[keys.ENGINE] = current
                app[keys.SESSIONS] = sessions = create_sessions(current)
                app[keys.OFF_LOOP_SESSIONS] = (
                    sessions if off_loop is None else create_sessions(off_loop)
                )
                app[keys.INBOX] = Inbox(sessions, clock=clock, lease_seconds=inbox_lease_seconds)
                app[keys.OUTBOX] = Outbox(sessions, clock=clock, lease_seconds=send_lease_seconds)
                app[_INTAKE_SESSIONS] = create_sessions(intake_engine)
                yield
            finally:
                await intake_engine.dispose()
        finally:
            if off_loop is not None:
                await off_loop.dispose()
            if engine is None:
                await current.dispose()

    return step


def intake(settings: Settings, *, clock: Clock) -> Step:
    """The intake (INTAKE) and its task, which writes deliveries into the spool and moves them
    into the inbox: a file of its own beside a SQLite file, a table of the database otherwise.
    Drained on exit: what requests submitted is still written and moved."""
    spool_file = spool_path(settings.database_url)

    async def step(app: web.Application) -> AsyncIterator[None]:
        doorbell = app[keys.INBOX_DOORBELL]
        spool = Spool(spool_file) if spool_file is not None else None
        try:
            current: Intake
            if spool is None:
                # The mover shares the workers' pool, and the intake's connection is its own.
                table = SpoolTable(app[_INTAKE_SESSIONS], app[keys.SESSIONS], clock=clock)
                current = SpoolIntake(table, app[keys.INBOX], doorbell)
            else:
                await spool.open()
                inbox = Inbox(app[_INTAKE_SESSIONS], clock=clock)
                current = SpoolIntake(spool, inbox, doorbell)
            app[keys.INTAKE] = current
            writer = asyncio.create_task(current.run(), name="intake")
            try:
                yield
            finally:
                # The server accepts no more requests by now; what they submitted is written.
                current.close()
                await writer
        finally:
            if spool is not None:
                await spool.close()

    return step


def http_client(http: httpx.AsyncClient | None) -> Step:
    """The process's one httpx client (HTTP): `http` when given, left open for its owner."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        client = httpx.AsyncClient(timeout=HTTP_TIMEOUT) if http is None else http
        app[keys.HTTP] = client
        try:
            yield
        finally:
            if http is None:
                await client.aclose()

    return step


def tracking_service(plan: TrackingPlan, *, clock: Clock) -> Step:
    """The tracking service (TRACKING), not started; closed on exit, its tasks cancelled."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        app[keys.TRACKING] = service = plan.service(app[keys.HTTP], app[keys.SESSIONS], clock)
        try:
            yield
        finally:
            await service.close()

    return step


__all__ = [
    "HTTP_TIMEOUT",
    "Step",
    "databases",
    "http_client",
    "intake",
    "tracking_service",
]
