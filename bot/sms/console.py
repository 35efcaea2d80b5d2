"""What the console shows of a conversation's SMS updates: its consent and its texts.

Numbers are masked (the console may be shown to anyone on the merchant's team); failures carry
what their error code means (docs/sms.md, Error codes).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sms.consent import of_conversation
from bot.sms.phone import masked
from bot.sms.tables import SmsMessage
from conversations.console.ports import SmsConsentView, SmsText

PROBLEMS: Final[Mapping[int, str]] = MappingProxyType(
    {
        21211: "not a valid phone number",
        21408: "sending to this country is not enabled in the Twilio account",
        21610: "the buyer opted out (replied STOP)",
        21612: "this number cannot be reached from our sender",
        21614: "not a mobile number",
        30003: "the phone is off or unreachable",
        30004: "the recipient blocks messages",
        30005: "unknown or inactive number",
        30006: "a landline, or a carrier that cannot take texts",
        30007: "filtered by the carrier as spam",
        30008: "the carrier gave no reason",
    }
)


async def sms_of(
    session: AsyncSession, conversation_id: int
) -> tuple[SmsConsentView | None, list[SmsText]]:
    """The conversation's consent (masked number) and its texts, oldest first."""
    consent = await of_conversation(session, conversation_id)
    view = (
        SmsConsentView(
            phone=masked(consent.phone),
            source=consent.source,
            granted_at=consent.granted_at,
            stopped_at=consent.stopped_at,
            stop_source=consent.stop_source,
        )
        if consent is not None
        else None
    )
    rows = await session.scalars(
        select(SmsMessage)
        .where(SmsMessage.conversation_id == conversation_id)
        .order_by(SmsMessage.id)
    )
    texts = [
        SmsText(
            number=row.number,
            milestone=row.milestone,
            state=row.state,
            provider_status=row.provider_status,
            error_code=row.error_code,
            problem=PROBLEMS.get(row.error_code) if row.error_code is not None else None,
            reason=row.reason,
            segments=row.segments,
            encoding=row.encoding,
            created_at=row.created_at,
            sent_at=row.sent_at,
        )
        for row in rows
    ]
    return view, texts


__all__ = ["PROBLEMS", "sms_of"]
