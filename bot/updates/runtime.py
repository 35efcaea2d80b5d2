"""Updates: every part of proactive updates built from settings, started and stopped together.

`bot/app/workers.py` builds one in its `proactive_updates` step: the processor gets `turns`
(subscriptions, stop, carry-over inside the turn's transaction), and `start()` runs the notifier,
the poller and, when email is enabled, the email worker, each an asyncio task of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pipeline.doorbell import Doorbell
from bot.pipeline.outbox import Outbox
from bot.replies.catalogs import Catalogs
from bot.replies.email import UpdateEmails
from bot.replies.updates import UpdateReplies
from bot.updates.email import EmailQueue, EmailSender, OrdersDirectory, SmtpTransport, Transport
from bot.updates.leased import Pacing
from bot.updates.notifier import Notifier, SmsChannel
from bot.updates.options import UpdateOptions
from bot.updates.poller import Poller
from bot.updates.turns import TurnUpdates
from bot.updates.unsubscribe import Unsubscriber
from carriers.freshness import FreshnessPolicy
from carriers.service import TrackingService
from stores.repository import OrderRepository

log = logging.getLogger(__name__)


class Updates:
    def __init__(
        self,
        options: UpdateOptions,
        *,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        tracking: TrackingService,
        clock: Callable[[], datetime],
        outbox_doorbell: Doorbell,
        catalogs: Catalogs,
        freshness: FreshnessPolicy | None = None,
        handoff_quiet: timedelta = timedelta(hours=24),
        transport: Transport | None = None,
        sms: SmsChannel | None = None,
    ) -> None:
        self.options = options
        replies = UpdateReplies(catalogs, clock)
        emails = UpdateEmails(catalogs, clock, options.store_name)
        self.turns = TurnUpdates(replies, outbox, options)
        email_queue: EmailQueue | None = None
        self.email_sender: EmailSender | None = None
        if options.email_enabled:
            assert options.smtp is not None
            assert options.unsubscribe_secret is not None
            email_queue = EmailQueue(
                emails,
                OrdersDirectory(OrderRepository(sessions)),
                public_url=options.public_url,
                secret=options.unsubscribe_secret,
            )
            self.email_sender = EmailSender(
                sessions,
                transport or SmtpTransport(options.smtp),
                sender=options.smtp.sender,
                clock=clock,
                pacing=Pacing(rate=options.email_rate, poll_seconds=options.tick),
            )
        self.notifier = Notifier(
            sessions,
            tracking,
            outbox,
            replies,
            options,
            clock=clock,
            outbox_doorbell=outbox_doorbell,
            email=email_queue,
            sms=sms,
            handoff_quiet=handoff_quiet,
        )
        self.poller = Poller(sessions, tracking, options, clock=clock, freshness=freshness)
        self.unsubscriber = Unsubscriber(
            sessions, emails, secret=options.unsubscribe_secret, clock=clock
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._tracking = tracking
        self._unlisten: Callable[[], None] | None = None

    def start(self, *, sqlite: bool = False) -> None:
        """Start the workers (on SQLite one process is assumed, so any email caught mid-send
        belonged to a process that is gone)."""
        # A carrier's push (or any lookup that changes a status) rings the notifier at once,
        # instead of the buyer's update waiting for its next tick.
        self._unlisten = self._tracking.listen(self.wake)
        self._tasks.append(asyncio.create_task(self.notifier.run(), name="updates-notifier"))
        if self.options.poll:
            self._tasks.append(asyncio.create_task(self.poller.run(), name="updates-poller"))
        if self.email_sender is not None:
            self._tasks.append(asyncio.create_task(self._emails(sqlite), name="updates-email"))

    async def _emails(self, sqlite: bool) -> None:
        assert self.email_sender is not None
        if sqlite:
            await self.email_sender.recover(every_sending=True)
        await self.email_sender.run()

    def wake(self) -> None:
        """New status changes may be there (a push arrived): look now."""
        self.notifier.doorbell.ring()

    async def stop(self, grace: float = 5.0) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        self.notifier.stop()
        self.poller.stop()
        if self.email_sender is not None:
            self.email_sender.stop()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()


__all__ = ["Updates"]
