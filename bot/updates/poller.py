"""Poller: refreshes subscribed, undelivered shipments, so status changes exist without pushes.

Each round takes the numbers whose `next_poll_at` has come (one lookup per number, however many
conversations follow it) and asks the tracking service with `stale_ok=False`: a fresh cache
answers without calling any source, a stale one is refreshed. The next poll is set from the
answer: the freshness interval of its status (carriers.freshness), bounded by `poll_min` and
`poll_max`; `quota_backoff` times longer while the answering source has used 80 % of its daily
budget, and not before the next UTC day once it has used 90 % (the rest is kept for buyers'
own questions). A terminal status (delivered, returned, expired) ends polling; so does a
subscription older than `follow_for`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pipeline.loop import SupervisedLoop
from bot.updates.options import UpdateOptions
from bot.updates.tables import UpdateSubscription
from carriers.freshness import FreshnessPolicy
from carriers.lookup import Failed, Found, LookupResult, NotFoundYet, SourceHealth, TrackingLookup
from carriers.models import TrackingQuery

log = logging.getLogger(__name__)

POLL_BATCH = 100
POLL_CONCURRENCY = 4
POLL_PAUSE_SHARE = 0.9
"""From this share of a source's daily budget on, polling waits for the next UTC day."""


class Tracker(TrackingLookup, Protocol):
    """What the poller needs of carriers.service.TrackingService: lookups and sources' health."""

    async def health(self) -> list[SourceHealth]: ...


def _round_failed(exc: Exception) -> None:
    log.error("updates: poll round failed; retrying", exc_info=exc)


def _share(state: SourceHealth) -> float:
    if not state.daily_budget:
        return 0.0
    return state.calls_today / state.daily_budget


def _next_day(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(0, 5), UTC)


class Poller:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tracker: Tracker,
        options: UpdateOptions,
        *,
        clock: Callable[[], datetime],
        freshness: FreshnessPolicy | None = None,
        concurrency: int = POLL_CONCURRENCY,
        batch: int = POLL_BATCH,
    ) -> None:
        self._sessions = sessions
        self._tracker = tracker
        self._options = options
        self._clock = clock
        self._freshness = freshness or FreshnessPolicy()
        self._slots = asyncio.Semaphore(concurrency)
        self._batch = batch
        self._loop = SupervisedLoop(self._round, retry=options.poll_every, failed=_round_failed)

    async def run(self) -> None:
        """Poll until stopped; trouble is logged and waited out."""
        await self._loop.run()

    def stop(self) -> None:
        self._loop.stop()

    async def _round(self) -> float:
        # A full batch means more may be due already: poll the next one at once.
        return 0.0 if await self.poll_due() >= self._batch else self._options.poll_every

    async def poll_due(self) -> int:
        """Look up every number due now (one batch); returns how many numbers were polled."""
        now = self._clock()
        async with self._sessions() as session:
            due = (
                await session.execute(
                    select(UpdateSubscription.number, func.max(UpdateSubscription.carrier))
                    .where(
                        UpdateSubscription.stopped_at.is_(None),
                        UpdateSubscription.next_poll_at.is_not(None),
                        UpdateSubscription.next_poll_at <= now,
                    )
                    .group_by(UpdateSubscription.number)
                    .order_by(func.min(UpdateSubscription.next_poll_at))
                    .limit(self._batch)
                )
            ).all()
        if not due:
            return 0
        health = {source.source: source for source in await self._tracker.health()}
        if health and all(_share(state) >= POLL_PAUSE_SHARE for state in health.values()):
            # Every source is near the end of its day's budget: keep the rest for buyers.
            await self._postpone([number for number, _ in due], _next_day(now), now)
            return 0
        await asyncio.gather(*(self._poll(number, carrier, health) for number, carrier in due))
        return len(due)

    async def _poll(
        self, number: str, carrier: str | None, health: dict[str, SourceHealth]
    ) -> None:
        async with self._slots:
            try:
                result = await self._tracker.lookup(
                    TrackingQuery(number=number, carrier=carrier), stale_ok=False
                )
            except Exception:
                log.exception("updates: polling %s failed", number)
                result = None
        now = self._clock()
        next_at = self.next_poll(result, health, now)
        expired = now - self._options.follow_for
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(UpdateSubscription)
                .where(
                    UpdateSubscription.number == number,
                    UpdateSubscription.stopped_at.is_(None),
                )
                .values(
                    next_poll_at=next_at,
                    polls=UpdateSubscription.polls + 1,
                    updated_at=now,
                )
            )
            # Followed long enough: the parcel is lost or the buyer moved on.
            await session.execute(
                update(UpdateSubscription)
                .where(
                    UpdateSubscription.number == number,
                    UpdateSubscription.stopped_at.is_(None),
                    UpdateSubscription.created_at < expired,
                )
                .values(next_poll_at=None, updated_at=now)
            )

    async def _postpone(self, numbers: list[str], until: datetime, now: datetime) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(UpdateSubscription)
                .where(
                    UpdateSubscription.number.in_(numbers),
                    UpdateSubscription.stopped_at.is_(None),
                    UpdateSubscription.next_poll_at.is_not(None),
                )
                .values(next_poll_at=until, updated_at=now)
            )

    def next_poll(
        self, result: LookupResult | None, health: dict[str, SourceHealth], now: datetime
    ) -> datetime | None:
        """When to look at a number again after this answer (None: never, it is final)."""
        options, policy = self._options, self._freshness
        source: str | None = None
        if isinstance(result, Found):
            if result.shipment.status.is_terminal:
                return None
            source = result.shipment.source
            interval = policy.interval(result.shipment.status) or options.poll_max
        elif isinstance(result, NotFoundYet):
            if result.next_check_at is None:
                return None  # the tracking service gave up on the number
            interval = max(result.next_check_at - now, timedelta(0))
        elif isinstance(result, Failed):
            interval = (
                policy.next_after_failure(max(1, result.sync.consecutive_failures), now) - now
            )
        else:
            interval = policy.failure_max
        interval = min(max(interval, options.poll_min), options.poll_max)
        # The answering source, or (when none answered) the most used of them all.
        states = [health[source]] if source in health else list(health.values())
        if any(_share(state) >= POLL_PAUSE_SHARE for state in states):
            # The rest of the day's budget is kept for buyers' own questions.
            return max(_next_day(now), now + interval)
        if any(state.near_quota for state in states):
            interval = interval * options.quota_backoff
        return now + interval


__all__ = ["Poller", "Tracker"]
