"""SmsQueue: the notifier's SMS channel; composes an update's text and queues it.

A text is queued only for a conversation whose buyer opted in (in the DM) or whose order says
the buyer agreed to texts (the order import's consent column), and only while the number is
not stopped. It is written in the notifier's transaction with its notice, so a milestone is
queued once or not at all; the sender (sender.py) sends it later, on its own budget.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.instagram.messages import QuickReply
from bot.sms.consent import Consent, ConsentSource, grant, of_conversation, of_phone
from bot.sms.errors import PhoneInvalid
from bot.sms.phone import normalise, region_of
from bot.sms.segments import count
from bot.sms.tables import SmsMessage
from bot.sms.wording import SmsWording
from bot.updates.subscriptions import Subscription
from bot.updates.tables import UpdateNotice
from carriers.models import Shipment
from stores.repository import orders_with_parcel

SMS_OPT_IN = "SMS_OPT_IN"
"""The "Text me updates" quick reply's payload (bot/dialogue/sms_opt_in.py answers it)."""

OPT_IN_CONFIRMATION = "opt_in"
"""The milestone of the one text confirming an opt-in. It answers what the buyer has just
asked for, so quiet hours do not hold it (they keep unasked news out of the buyer's night)."""


def queue_text(
    session: AsyncSession,
    *,
    phone: str,
    body: str,
    at: datetime,
    conversation_id: int | None,
    language: str | None,
    notice_id: int | None = None,
    number: str | None = None,
    milestone: str | None = None,
    country: str | None = None,
) -> SmsMessage:
    """Add a text to the queue in the caller's transaction (the sender sends it).

    Quiet hours follow `country` (the parcel's destination) or else the phone number's own
    country, which is a better guess of the buyer's night than their language."""
    segments = count(body)
    row = SmsMessage(
        notice_id=notice_id,
        conversation_id=conversation_id,
        number=number,
        milestone=milestone,
        phone=phone,
        body=body,
        encoding=segments.encoding.value,
        segments=segments.count,
        language=language,
        country=country or region_of(phone),
        state="queued",
        attempts=0,
        next_attempt_at=at,
        created_at=at,
    )
    session.add(row)
    return row


class ConsentDirectory(Protocol):
    """Where consent recorded outside the conversation comes from (the store's orders)."""

    async def consented_phone(
        self, session: AsyncSession, number: str
    ) -> tuple[str, str, datetime] | None:
        """(phone as recorded, order number, when consent was given) of the newest order with
        this tracking number whose buyer agreed to texts; None when there is none."""
        ...


class OrdersConsent:
    """Consent recorded with the store's orders (the import's `sms_consent` column), read in
    the notifier's own session: no second connection while it holds its transaction."""

    async def consented_phone(
        self, session: AsyncSession, number: str
    ) -> tuple[str, str, datetime] | None:
        for order in await orders_with_parcel(session, number):
            if order.phone and order.sms_consent_at is not None:
                return order.phone, order.order_number, order.sms_consent_at
        return None


class SmsQueue:
    def __init__(
        self,
        wording: SmsWording,
        directory: ConsentDirectory | None = None,
        *,
        default_region: str | None = None,
    ) -> None:
        self._wording = wording
        self._directory = directory
        self._region = default_region

    async def wants(self, session: AsyncSession, conversation_id: int, number: str) -> bool:
        """Whether this conversation's parcel may get texts at all (a consent exists)."""
        if await of_conversation(session, conversation_id) is not None:
            return True
        return self._directory is not None and (
            await self._directory.consented_phone(session, number) is not None
        )

    async def offer(
        self, session: AsyncSession, conversation_id: int, language: str | None
    ) -> QuickReply | None:
        """The "Text me updates" quick reply (payload SMS_OPT_IN), for a conversation that has
        not opted in yet."""
        if await of_conversation(session, conversation_id) is not None:
            return None
        return QuickReply(title=self._wording.phrase(language, "button"), payload=SMS_OPT_IN)

    async def _consent(
        self, session: AsyncSession, subscription: Subscription, country: str | None
    ) -> Consent | str:
        found = await of_conversation(session, subscription.conversation_id)
        if found is not None:
            return found
        imported = (
            await self._directory.consented_phone(session, subscription.number)
            if self._directory is not None
            else None
        )
        if imported is None:
            return "no_sms_consent"
        raw, order_number, consented_at = imported
        try:
            phone = normalise(raw, country or self._region)
        except PhoneInvalid:
            return "sms_phone_invalid"
        known = await of_phone(session, phone)
        if known is not None and not known.active:
            return known
        return await grant(
            session,
            phone,
            source=ConsentSource.ORDER_IMPORT,
            at=consented_at,
            order_number=order_number,
            language=subscription.language,
        )

    async def queue(
        self,
        session: AsyncSession,
        *,
        notice_id: int,
        subscription: Subscription,
        shipment: Shipment,
        at: datetime,
    ) -> int | str:
        """The queued text's id, or why none can go (a reason slug)."""
        country = shipment.destination_country or subscription.country
        consent = await self._consent(session, subscription, country)
        if isinstance(consent, str):
            return consent
        if not consent.active:
            return "sms_stopped"
        language = subscription.language or consent.language
        notice = await session.get(UpdateNotice, notice_id)
        row = queue_text(
            session,
            phone=consent.phone,
            body=self._wording.update(language, shipment),
            at=at,
            conversation_id=subscription.conversation_id,
            language=self._wording.language_of(language),
            notice_id=notice_id,
            number=subscription.number,
            milestone=notice.milestone if notice is not None else None,
            country=country,
        )
        await session.flush()
        return row.id


__all__ = [
    "OPT_IN_CONFIRMATION",
    "SMS_OPT_IN",
    "ConsentDirectory",
    "OrdersConsent",
    "SmsQueue",
    "queue_text",
]
