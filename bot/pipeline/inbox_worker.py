"""InboxWorker: leases conversation lanes and drains each one, event by event, in order.

Up to `concurrency` lanes are worked on at once. Each lane's lease is renewed while an event
is being handled, so a slow responder does not lose it, and a process that dies stops renewing
and frees its lanes after the lease time. An event whose handling raises is retried later with
backoff (its lane waits, to keep the order) and given up after the last attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from bot.pipeline.backoff import Backoff
from bot.pipeline.doorbell import Doorbell
from bot.pipeline.inbox import Completion, Inbox, Lease
from bot.pipeline.owner import dead_owners
from bot.pipeline.processor import EventProcessor, NotYet
from bot.pipeline.worker import Worker

log = logging.getLogger(__name__)

RETENTION = timedelta(days=7)
"""How long handled events are kept: Meta retries for at most 36 hours, so a duplicate
arriving later than this is not expected."""

HANDLING_BACKOFF = Backoff(base=1.0, cap=60.0, attempts=5)


class InboxWorker(Worker[Lease]):
    def __init__(
        self,
        inbox: Inbox,
        processor: EventProcessor,
        *,
        owner: str,
        doorbell: Doorbell,
        clock: Callable[[], datetime],
        random: Callable[[], float],
        concurrency: int = 8,
        poll_seconds: float = 1.0,
        renew_seconds: float = 10.0,
        backoff: Backoff = HANDLING_BACKOFF,
        purge: bool = True,
        yield_to: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__(
            doorbell=doorbell,
            concurrency=concurrency,
            poll_seconds=poll_seconds,
            log=log,
            name="inbox",
            yield_to=yield_to,
        )
        self._inbox = inbox
        self._processor = processor
        self._owner = owner
        self._clock = clock
        self._random = random
        self._renew = renew_seconds
        self._backoff = backoff
        self._purge = purge
        self._purged_at: datetime | None = None
        self._saturated = False

    async def _claim(self, free: int) -> list[Lease]:
        if self._purged_at is None:
            # Starting: lanes a process that died on this machine held are free at once, not
            # when their leases run out (bot/pipeline/owner.py).
            freed = await self._inbox.free_lanes_of(dead_owners)
            if freed:
                log.warning("inbox: freed %s lanes of a process that is gone", freed)
        leases: list[Lease] = []
        if free > 0:
            leases = await self._inbox.claim(self._owner, free)
        # Only when every slot was wanted can a lane be waiting for one to free up.
        self._saturated = len(leases) == free
        now = self._clock()
        if self._purge and (self._purged_at is None or now - self._purged_at > timedelta(hours=1)):
            self._purged_at = now
            purged = await self._inbox.purge(now - RETENTION)
            if purged:
                log.info("inbox: purged %s handled events", purged)
        return leases

    def _slot_freed(self) -> None:
        if self._saturated:
            # A freed slot may take a lane that was waiting for one. Otherwise every due lane
            # was claimed, and a new one rings the doorbell itself: no claim that finds nothing.
            self._doorbell.ring()

    async def _work(self, lease: Lease) -> None:
        """Drain the lane: its events in order, until it is empty, or stopping (the lane's
        current event is finished first)."""
        try:
            event = lease.first if lease.first is not None else await self._inbox.next_event(lease)
            while event is not None and not self.stopping:
                try:
                    async with self._renewing(lease):
                        completion = await self._processor.handle(lease, event)
                except asyncio.CancelledError:
                    raise
                except NotYet as wait:
                    later = timedelta(seconds=wait.seconds)
                    await self._inbox.postpone(lease, event.id, wait.reason, later)
                    return
                except Exception as exc:
                    delay = self._backoff.delay(event.attempts + 1, self._random)
                    log.error(
                        "inbox: event %s failed (%s), %s",
                        event.id,
                        type(exc).__name__,
                        f"retrying in {delay:.1f} s" if delay is not None else "giving it up",
                        exc_info=log.isEnabledFor(logging.DEBUG),
                    )
                    await self._inbox.postpone(
                        lease,
                        event.id,
                        type(exc).__name__,
                        timedelta(seconds=delay) if delay is not None else None,
                    )
                    return
                if completion is Completion.LEASE_LOST:
                    log.warning("inbox: lost the lease on a lane; another worker has it")
                    return
                if completion is Completion.DRAINED:
                    return
                if await self._inbox.release_if_drained(lease):
                    return
                event = await self._inbox.next_event(lease)
            await self._inbox.release(lease)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # The lease runs out by itself and another worker resumes the lane.
            log.error("inbox: lane abandoned after a database error (%s)", type(exc).__name__)

    @contextlib.asynccontextmanager
    async def _renewing(self, lease: Lease) -> AsyncIterator[None]:
        async def renew() -> None:
            while True:
                await asyncio.sleep(self._renew)
                if not await self._inbox.renew(lease):
                    return

        task = asyncio.create_task(renew())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


__all__ = ["RETENTION", "InboxWorker"]
