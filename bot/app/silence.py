"""The silence alarm's watch: carries each account's last webhook delivery from the inbox to
the accounts table, at most once a minute, and says which accounts are silent.

The webhook records nothing for this (docs/architecture.md, The webhook stays thin): the inbox
already holds every delivery with its account id and receipt time. The watch reads only the
events stored since its last look (by primary key, so no scan and no extra index), and keeps
the newest receipt per account in `instagram_accounts.last_delivery_at`, where it outlives the
inbox's 7-day purge. Readers (the console, /metrics) and a background step ask it to refresh;
a refresh within a minute of the last one reads nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.accounts import Account
from bot.accounts.deliveries import last_deliveries, note_deliveries, silent_for
from bot.app.resources import Step
from bot.app.settings import Settings
from bot.pipeline.tables import InboxEvent

log = logging.getLogger(__name__)

REFRESH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Quiet:
    """An account's last delivery and, when it raises the alarm, how long it has been silent."""

    account: Account
    last_delivery_at: datetime | None
    silent_for: timedelta | None


def silence_threshold(settings: Settings) -> timedelta | None:
    """WISMO_SILENCE_ALERT_HOURS as a duration; None when 0 (the alarm is off)."""
    hours = settings.silence_alert_hours
    return timedelta(hours=hours) if hours > 0 else None


class DeliveryWatch:
    """Last deliveries per account, refreshed from the inbox at most once per REFRESH_EVERY."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        threshold: timedelta | None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.threshold = threshold
        self._after_id = 0  # the newest inbox event already carried over
        self._refreshed_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        """Carry the deliveries stored since the last refresh over to the accounts table,
        unless the last refresh was less than a minute ago."""
        async with self._lock:
            now = self._clock()
            if self._refreshed_at is not None and now - self._refreshed_at < REFRESH_EVERY:
                return
            async with self._sessions() as session, session.begin():
                rows = await session.execute(
                    select(
                        InboxEvent.account_id,
                        func.max(InboxEvent.received_at),
                        func.max(InboxEvent.id),
                    )
                    .where(InboxEvent.id > self._after_id)
                    .group_by(InboxEvent.account_id)
                )
                latest: dict[str, datetime] = {}
                newest_id = self._after_id
                for account_id, received_at, event_id in rows:
                    latest[account_id] = received_at
                    newest_id = max(newest_id, int(event_id))
                await note_deliveries(session, latest)
            self._after_id = newest_id
            self._refreshed_at = now

    async def quiet(self, accounts: list[Account]) -> list[Quiet]:
        """Each account with its last delivery and silence (refreshing first if due)."""
        await self.refresh()
        async with self._sessions() as session:
            last = await last_deliveries(session)
        now = self._clock()
        return [
            Quiet(
                account,
                last.get(account.account_id),
                silent_for(account.status, last.get(account.account_id), now, self.threshold),
            )
            for account in accounts
        ]


DELIVERY_WATCH = web.AppKey("delivery_watch", DeliveryWatch)


def delivery_sweeper(period_seconds: float = 60.0) -> Step:
    """With the workers: refreshes the watch (published by the console's step) every minute,
    even when nobody reads the console or /metrics, so each account's last delivery is carried
    over before the inbox purges its event."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        watch = app[DELIVERY_WATCH]

        async def sweep() -> None:
            while True:
                try:
                    await watch.refresh()
                except Exception:  # a database blip: the next minute tries again
                    log.exception("silence watch: refreshing last deliveries failed")
                await asyncio.sleep(period_seconds)

        task = asyncio.create_task(sweep(), name="wismo-delivery-sweeper")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return step


__all__ = [
    "DELIVERY_WATCH",
    "REFRESH_EVERY",
    "DeliveryWatch",
    "Quiet",
    "delivery_sweeper",
    "silence_threshold",
]
