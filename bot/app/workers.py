"""The background work, in cleanup_ctx steps appended after the resources it uses.

In create_app's order: the tracking sweeper, the recovery of what a gone process left (SQLite),
the reply catalogues, the SMS channel, proactive updates, then the inbox worker and the sender.
Appended last, the workers stop first and never outlive the database, client or tracking
service they use.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from bot.accounts import AccountSendApis
from bot.app import keys
from bot.app.resources import Step
from bot.app.settings import Settings
from bot.dialogue.assembly import build_dialogue
from bot.dialogue.responder import ProfileReader
from bot.instagram.pacing import Pacer
from bot.instagram.sendapi import SendApiClient
from bot.pipeline.backoff import Backoff
from bot.pipeline.breaker import GraphBreaker
from bot.pipeline.dialogue_port import Responder
from bot.pipeline.doorbell import Doorbell
from bot.pipeline.inbox_worker import HANDLING_BACKOFF, InboxWorker
from bot.pipeline.owner import current_owner
from bot.pipeline.processor import EventProcessor
from bot.pipeline.sender import (
    PROBE_EVERY,
    SEND_BACKOFF,
    FixedSendApis,
    SendApi,
    SendApis,
    Sender,
)
from bot.pipeline.sender_actions import TYPING_AFTER, SenderActions
from bot.replies.catalogs import Catalogs, load_catalogs
from bot.routes.sms import SMS_WEBHOOKS
from bot.routes.unsubscribe import UNSUBSCRIBER
from bot.sms.options import SmsOptions
from bot.updates.options import UpdateOptions
from bot.updates.runtime import Updates

if TYPE_CHECKING:
    from bot.sms.runtime import SmsChannel

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# The Conversations API allows 2 calls/s per account; settling one send makes 2.
LOOKUP_RATE = 1.0

_CATALOGS = web.AppKey("catalogs", Catalogs)
_UPDATES = web.AppKey("updates", Updates)
_SMS: web.AppKey[SmsChannel] = web.AppKey("sms")


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
    probe_every: timedelta = PROBE_EVERY  # a paused account's probe send, at most this often
    typing_after_seconds: float = TYPING_AFTER  # an answer this late shows typing_on first
    purge: bool = field(default=True)


def _owner() -> str:
    """Who holds a lease: host, boot, PID namespace, process and a nonce (bot/pipeline/owner.py),
    so a restarted process can tell its dead predecessor's leases."""
    return current_owner()


def tracking_sweeper(tuning: Tuning) -> Step:
    """The tracking service's sweeper; on exit, lets its background refreshes finish."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        tracking = app[keys.TRACKING]
        tracking.start()
        yield
        await tracking.drain(tuning.stop_grace_seconds)

    return step


async def recovery(app: web.Application) -> AsyncIterator[None]:
    """On SQLite, resumes what a gone process held, before any worker starts."""
    if app[keys.SETTINGS].database_url.startswith("sqlite"):
        # SQLite serves one process, so whatever was leased or in flight belonged to a
        # process that is gone: resume it now rather than after the leases expire.
        freed = await app[keys.INBOX].recover()
        interrupted = await app[keys.OUTBOX].recover(every_in_flight=True)
        if freed or interrupted:
            log.warning("recovered %s leased lanes and %s interrupted sends", freed, interrupted)
    yield


def reply_catalogs(settings: Settings) -> Step:
    """The translation catalogues, read once for the dialogue, the SMS channel and proactive
    updates alike (each language's compiled catalogue is about 0.1 MB resident)."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        app[_CATALOGS] = load_catalogs(default_language=settings.default_language)
        yield

    return step


def sms_updates(
    settings: Settings,
    sms: SmsOptions | None,
    options: UpdateOptions,
    *,
    clock: Clock,
    tuning: Tuning,
) -> Step:
    """The SMS channel (bot/sms) when configured: its sender, the queue the notifier fills
    and the webhooks its routes use (SMS_WEBHOOKS); stopped after the notifier."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        if sms is None:
            yield
            return
        # Its sender, provider and webhooks' modules load only on a shop with SMS updates.
        from bot.sms.runtime import SmsChannel

        channel = SmsChannel(
            sms,
            sessions=app[keys.SESSIONS],
            http=app[keys.HTTP],
            clock=clock,
            quiet=options.quiet,
            store_name=settings.store_name,
            catalogs=app[_CATALOGS],
            poll_seconds=options.tick,
        )
        app[_SMS], app[SMS_WEBHOOKS] = channel, channel.webhooks
        channel.start(sqlite=settings.database_url.startswith("sqlite"))
        try:
            yield
        finally:
            await channel.stop(tuning.stop_grace_seconds)

    return step


def proactive_updates(
    settings: Settings,
    options: UpdateOptions,
    *,
    clock: Clock,
    outbox_doorbell: Doorbell,
    tuning: Tuning,
) -> Step:
    """Proactive updates' notifier, poller and email worker, and the unsubscriber the
    unsubscribe route uses (UNSUBSCRIBER); stopped after the workers that feed them."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        updates = Updates(
            options,
            sessions=app[keys.SESSIONS],
            outbox=app[keys.OUTBOX],
            tracking=app[keys.TRACKING],
            clock=clock,
            outbox_doorbell=outbox_doorbell,
            catalogs=app[_CATALOGS],
            handoff_quiet=timedelta(hours=settings.handoff_quiet_hours),
            sms=app[_SMS].queue if _SMS in app else None,
        )
        app[UNSUBSCRIBER] = updates.unsubscriber
        app[_UPDATES] = updates
        updates.start(sqlite=settings.database_url.startswith("sqlite"))
        try:
            yield
        finally:
            await updates.stop(tuning.stop_grace_seconds)

    return step


def message_workers(
    settings: Settings,
    *,
    clock: Clock,
    random: Callable[[], float],
    responder: Responder | None,
    send_api: SendApi | None,
    outbox_doorbell: Doorbell,
    tuning: Tuning,
) -> Step:
    """The inbox worker (dialogue turns) and the sender (the Send API), as tasks of their own.

    The responder defaults to the dialogue. Each account is answered with its own stored token
    (bot/accounts) when WISMO_SECRET_KEY is set; without it, and whenever `send_api` is given,
    one client answers every account (by default Meta's at the configured host).
    """

    async def step(app: web.Application) -> AsyncIterator[None]:
        client, tracking, sessions = app[keys.HTTP], app[keys.TRACKING], app[keys.SESSIONS]
        inbox, outbox = app[keys.INBOX], app[keys.OUTBOX]
        api = send_api or SendApiClient(
            client,
            graph_url=settings.meta_graph_url,
            version=settings.meta_graph_version,
            account_id=settings.meta_ig_account_id,
            access_token=settings.meta_access_token,
            app_secret=settings.meta_app_secrets[0],
        )
        apis: SendApis = (
            AccountSendApis(
                app[keys.ACCOUNTS],
                client,
                version=settings.meta_graph_version,
                clock=clock,
                app_secret=settings.meta_app_secrets[0],
            )
            if send_api is None and settings.secret_key is not None
            else FixedSendApis(api)
        )
        dialogue = responder or build_dialogue(
            settings,
            http=client,
            sessions=sessions,
            tracking=tracking,
            clock=clock,
            catalogs=app[_CATALOGS],
            profiles=api if isinstance(api, ProfileReader) else None,
        )
        # One pace per account for replies and sender actions alike.
        pacer = Pacer(settings.send_rate)
        # One breaker for every send: while Graph fails, health and metrics show it.
        app[keys.GRAPH] = breaker = GraphBreaker(clock=clock)
        app[keys.METRICS].watch_graph(breaker)
        actions = (
            SenderActions(
                apis,
                pacer,
                clock=clock,
                typing_after=tuning.typing_after_seconds,
                breaker=breaker,
            )
            if settings.sender_actions
            else None
        )
        processor = EventProcessor(
            sessions,
            inbox,
            outbox,
            dialogue,
            clock=clock,
            outbox_doorbell=outbox_doorbell,
            handoff_quiet=timedelta(hours=settings.handoff_quiet_hours),
            updates=app[_UPDATES].turns,
            accounts=apis,
            actions=actions,
        )
        owner = _owner()
        # Acknowledging Meta comes first: while a burst of deliveries waits, the workers give way.
        intake = app[keys.INTAKE]
        inbox_worker = InboxWorker(
            inbox,
            processor,
            owner=owner,
            doorbell=app[keys.INBOX_DOORBELL],
            clock=clock,
            random=random,
            concurrency=settings.workers,
            poll_seconds=tuning.poll_seconds,
            renew_seconds=tuning.renew_seconds,
            backoff=tuning.handling_backoff,
            purge=tuning.purge,
            yield_to=intake.backlogged,
        )
        sender = Sender(
            outbox,
            sessions,
            apis,
            owner=owner,
            doorbell=outbox_doorbell,
            pacer=pacer,
            lookup_pacer=Pacer(LOOKUP_RATE, burst=1),
            clock=clock,
            random=random,
            backoff=tuning.send_backoff,
            echo_wait=tuning.echo_wait,
            concurrency=settings.workers,
            poll_seconds=tuning.poll_seconds,
            sweep_seconds=tuning.sweep_seconds,
            accounts=apis if isinstance(apis, AccountSendApis) else None,
            probe_every=tuning.probe_every,
            breaker=breaker,
            yield_to=intake.backlogged,
        )
        tasks = [
            asyncio.create_task(inbox_worker.run(), name="inbox-worker"),
            asyncio.create_task(sender.run(), name="sender"),
        ]
        log.info("workers started", extra={"owner": owner, "concurrency": settings.workers})
        try:
            yield
        finally:
            await asyncio.gather(
                inbox_worker.stop(tuning.stop_grace_seconds),
                sender.stop(tuning.stop_grace_seconds),
            )
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if actions is not None:
                await actions.close()

    return step


__all__ = [
    "LOOKUP_RATE",
    "Tuning",
    "message_workers",
    "proactive_updates",
    "recovery",
    "reply_catalogs",
    "sms_updates",
    "tracking_sweeper",
]
