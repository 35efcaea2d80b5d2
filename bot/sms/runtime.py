"""SmsChannel: the SMS channel built from its options, its sender started and stopped.

`bot/app/workers.py` builds one in its `sms_updates` step (before proactive updates, so it
stops after the notifier that feeds it): the notifier gets `queue`, the webhook routes get
`webhooks`, and `start()` runs the sender as an asyncio task of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.replies.catalogs import Catalogs
from bot.sms.inbound import SmsWebhooks
from bot.sms.options import SmsOptions
from bot.sms.provider import SmsProvider
from bot.sms.queue import ConsentDirectory, OrdersConsent, SmsQueue
from bot.sms.sender import SmsSender
from bot.sms.twilio import Twilio
from bot.sms.wording import SmsWording
from bot.updates.leased import Pacing
from bot.updates.quiet import QuietHours


class SmsChannel:
    def __init__(
        self,
        options: SmsOptions,
        *,
        sessions: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        clock: Callable[[], datetime],
        quiet: QuietHours,
        store_name: str,
        catalogs: Catalogs,
        directory: ConsentDirectory | None = None,
        poll_seconds: float = 5.0,
        provider: SmsProvider | None = None,
    ) -> None:
        self.options = options
        self.provider: SmsProvider = provider or Twilio(
            http,
            account_sid=options.account_sid,
            auth_token=options.auth_token,
            sender=options.sender,
            messaging_service_sid=options.messaging_service_sid,
            base_url=options.base_url,
        )
        self.wording = SmsWording(catalogs, clock, store_name)
        self.queue = SmsQueue(
            self.wording,
            directory or OrdersConsent(),
            default_region=options.default_region,
        )
        self.webhooks = SmsWebhooks(sessions, self.provider, self.wording, clock=clock)
        self.sender = SmsSender(
            sessions,
            self.provider,
            clock=clock,
            quiet=quiet,
            status_callback=options.status_callback,
            daily_budget=options.daily_budget,
            pacing=Pacing(rate=options.rate, poll_seconds=poll_seconds),
        )
        self._task: asyncio.Task[None] | None = None

    def start(self, *, sqlite: bool = False) -> None:
        """Run the sender (on SQLite one process is assumed: a text caught mid-send belonged
        to a process that is gone)."""
        self._task = asyncio.create_task(self._run(sqlite), name="sms-sender")

    async def _run(self, sqlite: bool) -> None:
        if sqlite:
            await self.sender.recover(every_sending=True)
        await self.sender.run()

    def wake(self) -> None:
        """Texts were queued: look now."""
        self.sender.doorbell.ring()

    async def stop(self, grace: float = 5.0) -> None:
        self.sender.stop()
        if self._task is not None:
            _, pending = await asyncio.wait([self._task], timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


__all__ = ["SmsChannel"]
