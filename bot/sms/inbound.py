"""What the provider's webhooks do: an inbound text (STOP, START, HELP) and a status callback.

Both arrive signed (the route checks the signature first). A keyword is acted on for the
number that sent it; the answer goes back in the webhook's own response (TwiML), except when
the provider has acted and answered already: its default English keywords, or any keyword its
Advanced Opt-Out reports in `OptOutType`. A status callback is recorded as an event and moves
its text's state forward, never back (callbacks may arrive out of order); a failure with
21610 stops the number. docs/sms.md, Opt-out keywords and Delivery status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sms.consent import StopSource, of_phone, start, stop
from bot.sms.errors import PhoneInvalid
from bot.sms.keywords import Keyword, keyword_of, provider_handles
from bot.sms.phone import normalise
from bot.sms.provider import SmsProvider, StatusReport
from bot.sms.tables import SmsMessage, SmsStatusEvent
from bot.sms.twilio import UNSUBSCRIBED
from bot.sms.wording import SmsWording

log = logging.getLogger(__name__)

# How far along a text is; a callback only ever moves it further.
_RANK = {
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "accepted": 2,
    "scheduled": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "canceled": 3,
}
_PROVIDER_KEYWORDS = {"STOP": Keyword.STOP, "START": Keyword.START, "HELP": Keyword.HELP}


class SmsWebhooks:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        provider: SmsProvider,
        wording: SmsWording,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._provider = provider
        self._wording = wording
        self._clock = clock

    def signature_valid(self, url: str, params: Mapping[str, str], signature: str | None) -> bool:
        return self._provider.signature_valid(url, params, signature)

    async def inbound(self, params: Mapping[str, str]) -> str | None:
        """Act on an inbound text; returns the answer to text back (None: none)."""
        text = self._provider.inbound(params)
        if text is None:
            return None
        try:
            phone = normalise(text.sender)
        except PhoneInvalid:
            return None  # a short code or alphanumeric sender: not a buyer
        reported = _PROVIDER_KEYWORDS.get(text.opt_out or "")
        found = keyword_of(text.body)
        if reported is None and found is None:
            return None  # a message, not a keyword: nothing to do
        keyword = reported or (found[0] if found is not None else Keyword.HELP)
        async with self._sessions() as session, session.begin():
            await self._apply(session, phone, keyword, provider=reported is not None)
            consent = await of_phone(session, phone)
        log.info("sms: inbound %s keyword", keyword.value)
        if reported is not None or provider_handles(text.body):
            return None  # the provider has answered already
        language = found[1] if found is not None and found[1] != "en" else None
        if language is None and consent is not None:
            language = consent.language
        return self._wording.keyword_reply(language, keyword)

    async def _apply(
        self, session: AsyncSession, phone: str, keyword: Keyword, *, provider: bool
    ) -> None:
        now = self._clock()
        if keyword is Keyword.STOP:
            source = StopSource.PROVIDER if provider else StopSource.KEYWORD
            await stop(session, phone, source=source, at=now)
        elif keyword is Keyword.START:
            await start(session, phone, at=now)

    async def status(self, params: Mapping[str, str]) -> bool:
        """Record a delivery-status callback; False when the parameters are not one."""
        report = self._provider.status(params)
        if report is None:
            return False
        now = self._clock()
        async with self._sessions() as session, session.begin():
            session.add(
                SmsStatusEvent(
                    provider_id=report.message_id[:64],
                    status=report.status[:16],
                    error_code=report.error_code,
                    received_at=now,
                )
            )
            row = await session.scalar(
                select(SmsMessage).where(SmsMessage.provider_id == report.message_id)
            )
            if row is not None:
                await self._advance(session, row, report, now)
        return True

    async def _advance(
        self, session: AsyncSession, row: SmsMessage, report: StatusReport, now: datetime
    ) -> None:
        current = _RANK.get(row.provider_status or "queued", 0)
        if _RANK.get(report.status, -1) < current:
            return  # an older status arriving late
        row.provider_status, row.status_at = report.status, now
        if report.status in ("delivered", "undelivered", "failed"):
            row.state = report.status
        if report.error_code is not None:
            row.error_code = report.error_code
        if report.error_code == UNSUBSCRIBED:
            await stop(session, row.phone, source=StopSource.PROVIDER, at=now)


__all__ = ["SmsWebhooks"]
