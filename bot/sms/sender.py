"""SmsSender: sends the SMS queue, one text at a time, paced, within a daily budget.

Its own worker and its own table, so a backlog of texts (or a provider that is down) never
delays a buyer's DM reply. Each text is claimed under a lease and sent at most once:

- the provider took it → `sent` (then delivery-status callbacks move it on);
- throttled or down (429, 5xx, no connection) → queued again after a backoff (or the
  provider's Retry-After);
- refused for the recipient (21610 unsubscribed, 21211 invalid, …) → `failed` with the code,
  and 21610 stops the number as if its owner had texted STOP;
- refused for us (credentials, sender) → `failed`, and an error in the log for the operator;
- no answer after the request went out, or a process that died mid-send → `unconfirmed`,
  never sent again, so nobody gets a text twice.

Before sending it checks again that the number is not stopped, that it is not the buyer's night
(a backlog may have carried the text into it) and that today's budget of segments has room;
otherwise the text waits (or is dropped, for a stopped number). docs/sms.md, Sending.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sms.consent import StopSource, of_phone, stop
from bot.sms.errors import (
    OutcomeUnknown,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
    RecipientRefused,
)
from bot.sms.provider import SmsProvider
from bot.sms.queue import OPT_IN_CONFIRMATION
from bot.sms.tables import UNFINISHED_SMS_STATES, SmsMessage
from bot.sms.twilio import UNSUBSCRIBED
from bot.updates.leased import DEFAULT_PACING, LeasedSender, Pacing
from bot.updates.quiet import QuietHours
from foundation.database import within

log = logging.getLogger(__name__)

_SPENT_STATES = ("sending", "sent", "delivered", "undelivered", "failed", "unconfirmed")


def next_utc_day(now: datetime) -> datetime:
    return datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=now.tzinfo)


async def spent_today(session: AsyncSession, now: datetime) -> int:
    """Segments handed to the provider since midnight UTC (what the daily budget counts)."""
    midnight = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    total = await session.scalar(
        select(func.coalesce(func.sum(SmsMessage.segments), 0)).where(
            SmsMessage.sent_at >= midnight, SmsMessage.state.in_(_SPENT_STATES)
        )
    )
    return int(total or 0)


class SmsSender(LeasedSender):
    table = SmsMessage
    unfinished_states = UNFINISHED_SMS_STATES

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        provider: SmsProvider,
        *,
        clock: Callable[[], datetime],
        quiet: QuietHours,
        status_callback: str | None,
        daily_budget: int | None = None,
        pacing: Pacing = DEFAULT_PACING,
    ) -> None:
        super().__init__(sessions, clock=clock, pacing=pacing)
        self._provider = provider
        self._quiet = quiet
        self._callback = status_callback
        self._budget = daily_budget

    async def _claim(self, token: str) -> SmsMessage | None:
        """The next due text that may go now, leased under `token`; None when none is due or
        the budget is spent."""
        row = await self._claim_next(token)
        while row == "again":  # that one was moved or dropped: look at the next
            row = await self._claim_next(token)
        return row if isinstance(row, SmsMessage) else None

    async def _claim_next(self, token: str) -> SmsMessage | str | None:
        """The next due text, leased under `token`; "again" when the one found may not go
        now (moved or dropped); None when none is due or the budget is spent."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            row: SmsMessage | None = await session.scalar(self._due(session, SmsMessage, now))
            if row is None:
                return None
            wait = await self._held_back(session, row, now)
            if wait is not None:
                return None if wait == "budget" else "again"
            row.state, row.lease_token = "sending", token
            row.lease_until, row.attempts = now + self._lease, row.attempts + 1
        return row

    async def _held_back(self, session: AsyncSession, row: SmsMessage, now: datetime) -> str | None:
        """Why `row` may not go now (it is moved or dropped accordingly), or None."""
        consent = await of_phone(session, row.phone)
        if consent is None or not consent.active:
            row.state, row.reason, row.status_at = "dropped", "stopped", now
            return "stopped"
        # The confirmation of an opt-in answers the buyer's request: no night holds it.
        until = (
            None
            if row.milestone == OPT_IN_CONFIRMATION
            else self._quiet.quiet_until(now, row.language, row.country)
        )
        if until is not None:
            row.next_attempt_at, row.reason = until, "quiet_hours"
            return "quiet_hours"
        if self._budget is not None and await spent_today(session, now) + row.segments > (
            self._budget
        ):
            # Everything due waits for tomorrow's budget, in order.
            await session.execute(
                update(SmsMessage)
                .where(
                    within(SmsMessage.state, UNFINISHED_SMS_STATES, "queued"),
                    SmsMessage.next_attempt_at <= now,
                )
                .values(next_attempt_at=next_utc_day(now), reason="daily_budget")
            )
            log.warning("sms: today's budget of %s segments is spent", self._budget)
            return "budget"
        return None

    async def _deliver(self, row: SmsMessage, token: str) -> None:
        try:
            accepted = await self._provider.send(
                row.phone, row.body, status_callback=self._callback
            )
        except ProviderUnavailable as exc:
            await self._retry(row, token, exc)
        except RecipientRefused as exc:
            await self._refused(row, token, exc)
        except OutcomeUnknown as exc:
            await self._finish(row, token, state="unconfirmed", reason=str(exc)[:64])
            log.warning("sms: text %s may or may not have gone out", row.id)
        except ProviderRejected as exc:
            await self._finish(row, token, state="failed", reason="rejected", code=exc.code)
            log.error("sms: the provider refused our request (%s); check the SMS settings", exc)
        else:
            await self._finish(
                row,
                token,
                state="sent",
                provider_id=accepted.message_id,
                provider_status=accepted.status,
                sent=True,
            )
            log.info("sms: sent text %s", row.id)

    async def _refused(self, row: SmsMessage, token: str, exc: ProviderError) -> None:
        if exc.code != UNSUBSCRIBED:
            await self._finish(
                row, token, state="failed", reason="recipient_refused", code=exc.code
            )
            return

        async def stop_the_number(session: AsyncSession) -> None:
            await stop(session, row.phone, source=StopSource.PROVIDER, at=self._clock())

        # The provider's own opt-out list has the number: honour it here too, in the
        # transaction that records the refusal, so that no reader (the console, the next
        # claim) sees the refusal without the stop, and a crash keeps both or neither.
        await self._finish(
            row, token, state="failed", reason="unsubscribed", code=exc.code, along=stop_the_number
        )

    async def _retry(self, row: SmsMessage, token: str, exc: ProviderUnavailable) -> None:
        delay = self._backoff.delay(row.attempts, self._random)
        if delay is None:
            await self._finish(row, token, state="failed", reason="gave_up", code=exc.code)
            return
        if exc.retry_after is not None:
            delay = max(delay, exc.retry_after)
        await self._settle(
            row.id,
            token,
            state="queued",
            reason=f"retry_{exc.status or 'connect'}"[:64],
            next_attempt_at=self._clock() + timedelta(seconds=delay),
        )

    async def _finish(
        self,
        row: SmsMessage,
        token: str,
        *,
        state: str,
        reason: str | None = None,
        code: int | None = None,
        provider_id: str | None = None,
        provider_status: str | None = None,
        sent: bool = False,
        along: Callable[[AsyncSession], Awaitable[object]] | None = None,
    ) -> None:
        now = self._clock()
        await self._settle(
            row.id,
            token,
            along=along,
            state=state,
            reason=reason,
            error_code=code,
            provider_id=provider_id,
            provider_status=provider_status,
            sent_at=now if sent else None,
            status_at=now,
        )


__all__ = ["SmsSender", "next_utc_day", "spent_today"]
