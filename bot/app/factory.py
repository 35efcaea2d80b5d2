"""create_app: the one place that builds and wires every object of the running service."""

from __future__ import annotations

import asyncio
import logging
import os
import random as random_module
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import keys
from bot.app.settings import Settings
from bot.app.tracking import build_receivers, build_tracking
from bot.dialogue.assembly import build_dialogue
from bot.dialogue.responder import ProfileReader
from bot.instagram.pacing import Pacer
from bot.instagram.sendapi import SendApiClient
from bot.pipeline.backoff import Backoff
from bot.pipeline.dialogue_port import Responder
from bot.pipeline.doorbell import Doorbell
from bot.pipeline.inbox import Inbox
from bot.pipeline.inbox_worker import HANDLING_BACKOFF, InboxWorker
from bot.pipeline.intake import GroupCommit
from bot.pipeline.outbox import Outbox
from bot.pipeline.processor import EventProcessor
from bot.pipeline.sender import SEND_BACKOFF, SendApi, Sender
from bot.pipeline.spool import Spool, SpoolIntake, spool_path
from bot.pipeline.write_gate import INTAKE, WORKERS, WriteGate, gate_writes
from bot.routes.health import routes as health_routes
from bot.routes.unsubscribe import UNSUBSCRIBER
from bot.routes.unsubscribe import routes as update_routes
from bot.routes.webhook import routes as webhook_routes
from bot.updates.options import options_from as update_options_from
from bot.updates.runtime import Updates
from carriers.base import PushOutcome
from carriers.push_routes import push_routes
from carriers.service import ServiceOptions
from foundation.database import create_engine, create_sessions

log = logging.getLogger(__name__)

# Meta allows 5 s for the whole webhook and a Send API call rarely takes 1 s; anything slower
# is a timeout (ambiguous for a send: settled before any resend).
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# The Conversations API allows 2 calls/s per account; settling one send makes 2.
LOOKUP_RATE = 1.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Tuning:
    """Timings of the workers; the defaults suit production, tests pass quicker ones."""

    poll_seconds: float = 1.0
    inbox_lease_seconds: float = 30.0
    renew_seconds: float = 10.0
    send_lease_seconds: float = 60.0
    sweep_seconds: float = 15.0
    echo_wait: timedelta = timedelta(seconds=10)
    handling_backoff: Backoff = HANDLING_BACKOFF
    send_backoff: Backoff = SEND_BACKOFF
    stop_grace_seconds: float = 5.0
    purge: bool = field(default=True)


def _owner() -> str:
    """Who holds a lease, for operators reading the tables: host, process, and a nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def create_app(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    http: httpx.AsyncClient | None = None,
    clock: Callable[[], datetime] = _utc_now,
    random: Callable[[], float] = random_module.random,
    responder: Responder | None = None,
    send_api: SendApi | None = None,
    tuning: Tuning = Tuning(),
    workers: bool = True,
    tracking_options: ServiceOptions | None = None,
) -> web.Application:
    """Build the aiohttp application and, unless `workers` is False, its background workers.

    Anything passed in (engine, httpx client) is used and left open for its owner. The
    responder defaults to the dialogue; the Send API client to Meta's at the configured host;
    the tracking service's options to WISMO_TRACKING_FRESHNESS and WISMO_SOURCE_BUDGETS.
    Raises ConfigurationInvalid for settings that cannot work (checked before anything runs).
    """
    app = web.Application(client_max_size=16 * 1024 * 1024)
    update_options = update_options_from(settings)  # proactive updates
    app[keys.SETTINGS] = settings
    app[keys.CLOCK] = clock
    # Both the Meta app secret and the Instagram app secret may sign: accept either
    # (docs/instagram.md, Webhook signatures).
    app[keys.SIGNING_SECRETS] = tuple(
        secret.get_secret_value().encode() for secret in settings.meta_app_secrets
    )
    app[keys.INBOX_DOORBELL] = inbox_doorbell = Doorbell()
    outbox_doorbell = Doorbell()
    sqlite = settings.database_url.startswith("sqlite")

    async def database(app: web.Application) -> AsyncIterator[None]:
        current = create_engine(settings.database_url) if engine is None else engine
        # The intake (or on SQLite its spool's mover) writes through a connection of its own,
        # so storing deliveries never queues behind the workers' queries in the pool.
        intake_engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
        if sqlite:
            # One writer at a time in this process, the intake first (bot/pipeline/write_gate.py).
            gate = WriteGate()
            gate_writes(intake_engine, gate, INTAKE)
            if engine is None:
                gate_writes(current, gate, WORKERS)
        app[keys.ENGINE] = current
        app[keys.SESSIONS] = sessions = create_sessions(current)
        app[keys.INBOX] = Inbox(sessions, clock=clock, lease_seconds=tuning.inbox_lease_seconds)
        app[keys.OUTBOX] = Outbox(sessions, clock=clock, lease_seconds=tuning.send_lease_seconds)
        intake_inbox = Inbox(create_sessions(intake_engine), clock=clock)
        spool_file = spool_path(settings.database_url)
        spool = Spool(spool_file) if spool_file is not None else None
        intake: GroupCommit | SpoolIntake
        if spool is None:
            intake = GroupCommit(intake_inbox, inbox_doorbell)
        else:
            await spool.open()
            intake = SpoolIntake(spool, intake_inbox, inbox_doorbell)
        app[keys.INTAKE] = intake
        writer = asyncio.create_task(intake.run(), name="intake")
        client = httpx.AsyncClient(timeout=HTTP_TIMEOUT) if http is None else http
        app[keys.HTTP] = client
        app[keys.TRACKING] = tracking = build_tracking(
            settings, client, sessions, clock, options=tracking_options
        ).service
        yield
        # The server accepts no more requests by now; what they submitted is still written.
        intake.close()
        await writer
        if spool is not None:
            await spool.close()
        await tracking.close()
        if http is None:
            await client.aclose()
        await intake_engine.dispose()
        if engine is None:
            await current.dispose()

    async def background(app: web.Application) -> AsyncIterator[None]:
        client = app[keys.HTTP]
        tracking = app[keys.TRACKING]
        tracking.start()
        api = send_api or SendApiClient(
            client,
            graph_url=settings.meta_graph_url,
            version=settings.meta_graph_version,
            account_id=settings.meta_ig_account_id,
            access_token=settings.meta_access_token,
        )
        sessions = app[keys.SESSIONS]
        inbox, outbox = app[keys.INBOX], app[keys.OUTBOX]
        if sqlite:
            # SQLite serves one process, so whatever was leased or in flight belonged to a
            # process that is gone: resume it now rather than after the leases expire.
            freed = await inbox.recover()
            interrupted = await outbox.recover(every_in_flight=True)
            if freed or interrupted:
                log.warning(
                    "recovered %s leased lanes and %s interrupted sends", freed, interrupted
                )
        owner = _owner()
        # --- Proactive updates: built here, started with the workers below ---
        updates = Updates(
            update_options,
            sessions=sessions,
            outbox=outbox,
            tracking=tracking,
            clock=clock,
            outbox_doorbell=outbox_doorbell,
            default_language=settings.default_language,
            handoff_quiet=timedelta(hours=settings.handoff_quiet_hours),
        )
        app[UNSUBSCRIBER] = updates.unsubscriber
        # --- end of proactive updates ---
        dialogue = responder or build_dialogue(
            settings,
            http=client,
            sessions=sessions,
            tracking=tracking,
            clock=clock,
            profiles=api if isinstance(api, ProfileReader) else None,
        )
        processor = EventProcessor(
            sessions,
            inbox,
            outbox,
            dialogue,
            clock=clock,
            outbox_doorbell=outbox_doorbell,
            handoff_quiet=timedelta(hours=settings.handoff_quiet_hours),
            updates=updates.turns,
        )
        inbox_worker = InboxWorker(
            inbox,
            processor,
            owner=owner,
            doorbell=inbox_doorbell,
            clock=clock,
            random=random,
            concurrency=settings.workers,
            poll_seconds=tuning.poll_seconds,
            renew_seconds=tuning.renew_seconds,
            backoff=tuning.handling_backoff,
            purge=tuning.purge,
        )
        sender = Sender(
            outbox,
            sessions,
            api,
            owner=owner,
            doorbell=outbox_doorbell,
            pacer=Pacer(settings.send_rate),
            lookup_pacer=Pacer(LOOKUP_RATE, burst=1),
            clock=clock,
            random=random,
            backoff=tuning.send_backoff,
            echo_wait=tuning.echo_wait,
            concurrency=settings.workers,
            poll_seconds=tuning.poll_seconds,
            sweep_seconds=tuning.sweep_seconds,
        )
        tasks = [
            asyncio.create_task(inbox_worker.run(), name="inbox-worker"),
            asyncio.create_task(sender.run(), name="sender"),
        ]
        updates.start(sqlite=sqlite)  # proactive updates: their own tasks
        log.info("workers started", extra={"owner": owner, "concurrency": settings.workers})
        yield
        await asyncio.gather(
            inbox_worker.stop(tuning.stop_grace_seconds),
            sender.stop(tuning.stop_grace_seconds),
            updates.stop(tuning.stop_grace_seconds),  # proactive updates
        )
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await tracking.drain(tuning.stop_grace_seconds)

    app.cleanup_ctx.append(database)
    # --- merchant console, read-only API and /metrics -------------------------------
    from bot.app.console_ports import console_context
    from bot.routes.metrics import routes as metrics_routes
    from conversations.console import api_app, console_app

    # After the database's step (it reads the sessions), before the workers'.
    app.cleanup_ctx.append(console_context(settings, clock=clock, outbox_doorbell=outbox_doorbell))
    app.add_subapp("/console", console_app())
    app.add_subapp("/api/v1", api_app())
    app.add_routes(metrics_routes)
    # --- end of the console block ---------------------------------------------------------------
    if workers:
        # Appended last, so they stop first and never outlive the database they use.
        app.cleanup_ctx.append(background)

    async def apply_push(source: str, outcome: PushOutcome) -> object:
        return await app[keys.TRACKING].apply_push(source, outcome)

    app.add_routes(health_routes)
    app.add_routes(webhook_routes)
    app.add_routes(update_routes)  # proactive updates: the unsubscribe link
    app.add_routes(push_routes(build_receivers(settings, clock), apply_push))
    return app


__all__ = ["Tuning", "create_app"]
