"""Data retention: once a day, what wismo keeps about buyers silent for WISMO_RETENTION_DAYS
is deleted or anonymised (SECURITY.md, "Data kept and for how long").

A conversation with nothing said since the cutoff goes with its messages, references and
hand-backs (conversations/retention.py), its outbox rows, update subscriptions, notices, update
emails, texts and a pending "Text me updates" question; handled inbox events received before the
cutoff go (they hold the raw webhook bodies), and so do texts' delivery reports and SMS consents
stopped before it (an active consent stays: it is the record that texts may go to that number);
orders placed before it lose their email, phone, postcode and Instagram username
(stores/retention.py). Each batch is one short transaction, so the workers and the webhook
never wait long behind it. 0 days keeps everything.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import keys
from bot.app.daily import DailyJob, running
from bot.app.resources import Step
from bot.app.settings import Settings
from bot.pipeline.tables import InboxEvent, OutboxMessage
from bot.sms.tables import SmsConsent, SmsMessage, SmsPrompt, SmsStatusEvent
from bot.updates.tables import UpdateEmail, UpdateNotice, UpdateSubscription
from conversations.retention import forget, silent_since
from stores.retention import anonymise_orders

log = logging.getLogger(__name__)

BATCH = 500


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What one run deleted or anonymised."""

    conversations: int = 0
    inbox_events: int = 0
    orders: int = 0
    sms_records: int = 0


class Retention:
    """Deletes or anonymises buyers' data older than `days` (0: keeps everything)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        days: int,
        clock: Callable[[], datetime],
        batch: int = BATCH,
    ) -> None:
        self._sessions = sessions
        self._days = days
        self._clock = clock
        self._batch = batch

    async def run_once(self) -> Forgotten:
        if self._days <= 0:
            return Forgotten()
        before = self._clock() - timedelta(days=self._days)
        conversations = await self._conversations(before)
        events = await self._inbox_events(before)
        async with self._sessions() as session, session.begin():
            orders = await anonymise_orders(session, before)
            sms = await _forget_sms_records(session, before)
        return Forgotten(conversations, events, orders, sms)

    async def _conversations(self, before: datetime) -> int:
        total = 0
        while True:
            async with self._sessions() as session, session.begin():
                ids = await silent_since(session, before, limit=self._batch)
                await _forget_elsewhere(session, ids)
                await forget(session, ids)
            total += len(ids)
            if len(ids) < self._batch:
                return total

    async def _inbox_events(self, before: datetime) -> int:
        total = 0
        while True:
            async with self._sessions() as session, session.begin():
                handled = InboxEvent.processed_at.is_not(None)
                ids = list(
                    await session.scalars(
                        select(InboxEvent.id)
                        .where(handled, InboxEvent.received_at < before)
                        .limit(self._batch)
                    )
                )
                if ids:
                    await session.execute(delete(InboxEvent).where(InboxEvent.id.in_(ids)))
            total += len(ids)
            if len(ids) < self._batch:
                return total


async def _forget_elsewhere(session: AsyncSession, conversation_ids: Sequence[int]) -> None:
    """What other packages keep about these conversations (their ids, no foreign keys)."""
    if not conversation_ids:
        return
    notices = select(UpdateNotice.id).where(UpdateNotice.conversation_id.in_(conversation_ids))
    await session.execute(delete(UpdateEmail).where(UpdateEmail.notice_id.in_(notices)))
    for table in (UpdateNotice, UpdateSubscription, OutboxMessage, SmsMessage, SmsPrompt):
        await session.execute(delete(table).where(table.conversation_id.in_(conversation_ids)))


async def _forget_sms_records(session: AsyncSession, before: datetime) -> int:
    """Delivery reports received and consents stopped before `before`; how many went."""
    reports = await session.execute(
        delete(SmsStatusEvent).where(SmsStatusEvent.received_at < before)
    )
    stopped = await session.execute(
        delete(SmsConsent).where(SmsConsent.stopped_at.is_not(None), SmsConsent.stopped_at < before)
    )
    return int(reports.rowcount or 0) + int(stopped.rowcount or 0)  # type: ignore[attr-defined]


class RetentionJob(DailyJob):
    """Runs Retention at start and then once a day by the clock."""

    def __init__(self, retention: Retention, *, clock: Callable[[], datetime]) -> None:
        self._retention = retention
        super().__init__(self._run, name="retention job", clock=clock)
        self.last = Forgotten()

    async def _run(self) -> None:
        self.last = await self._retention.run_once()
        if self.last != Forgotten():
            log.info(
                "retention job: forgot %s conversations, %s inbox events, %s SMS records; "
                "anonymised %s orders",
                self.last.conversations,
                self.last.inbox_events,
                self.last.sms_records,
                self.last.orders,
            )


RETENTION_JOB = web.AppKey("retention_job", RetentionJob)


def retention_job(settings: Settings, *, clock: Callable[[], datetime]) -> Step:
    """With the workers, unless WISMO_RETENTION_DAYS is 0: the daily retention job."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        if settings.retention_days == 0:
            yield
            return
        sessions = app[keys.OFF_LOOP_SESSIONS]
        retention = Retention(sessions, days=settings.retention_days, clock=clock)
        job = RetentionJob(retention, clock=clock)
        app[RETENTION_JOB] = job
        async with running(job):
            yield

    return step


__all__ = ["RETENTION_JOB", "Forgotten", "Retention", "RetentionJob", "retention_job"]
