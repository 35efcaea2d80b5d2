"""Consent to update texts, per phone number, within a caller's session.

A number opts in from a conversation (the buyer wrote it in a DM) or from an order import that
records the buyer's consent; it is stopped by a STOP keyword or by the provider's own opt-out
(an inbound STOP it acted on, or error 21610 on a send) and stays stopped until its owner
texts START. A stop also drops every text still queued for the number. docs/sms.md, Consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sms.tables import UNFINISHED_SMS_STATES, SmsConsent, SmsMessage, SmsPrompt
from foundation.database import table_of, within
from foundation.upserts import upsert

_consents = table_of(SmsConsent)
_GRANT = upsert(_consents)
_GRANT = _GRANT.on_conflict_do_update(
    ("phone",),
    {
        # An import (no conversation) does not take a number away from the conversation it
        # was given in.
        "conversation_id": func.coalesce(
            _GRANT.excluded.conversation_id, _consents.c.conversation_id
        ),
        **{
            key: getattr(_GRANT.excluded, key)
            for key in ("source", "order_number", "language", "granted_at", "updated_at")
        },
    },
)


class ConsentSource(StrEnum):
    DM = "dm"  # the buyer wrote the number in the conversation
    QUICK_REPLY = "quick_reply"  # the buyer tapped "Text me updates", then sent the number
    ORDER_IMPORT = "order_import"  # the order import's sms_consent column


class StopSource(StrEnum):
    KEYWORD = "keyword"  # our reading of an inbound STOP
    PROVIDER = "provider"  # the provider's: an opt-out it acted on, or error 21610


@dataclass(frozen=True, slots=True)
class Consent:
    phone: str
    conversation_id: int | None
    source: str
    order_number: str | None
    language: str | None
    granted_at: datetime
    stopped_at: datetime | None
    stop_source: str | None

    @property
    def active(self) -> bool:
        return self.stopped_at is None


def consent_of(row: SmsConsent) -> Consent:
    return Consent(
        phone=row.phone,
        conversation_id=row.conversation_id,
        source=row.source,
        order_number=row.order_number,
        language=row.language,
        granted_at=row.granted_at,
        stopped_at=row.stopped_at,
        stop_source=row.stop_source,
    )


async def grant(
    session: AsyncSession,
    phone: str,
    *,
    source: ConsentSource,
    at: datetime,
    conversation_id: int | None = None,
    order_number: str | None = None,
    language: str | None = None,
) -> Consent:
    """Record that `phone` (E.164) agreed to texts now, and how.

    A number stopped by its owner stays stopped: only START (a text from that phone) lifts a
    stop, never a DM or an import, which cannot prove who holds the phone.
    """
    values = {
        "phone": phone,
        "conversation_id": conversation_id,
        "source": source.value,
        "order_number": order_number,
        "language": language,
        "granted_at": at,
        "updated_at": at,
    }
    await session.execute(_GRANT, values)
    row = await session.scalar(
        select(SmsConsent)
        .where(SmsConsent.phone == phone)
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return consent_of(row)


async def stop(session: AsyncSession, phone: str, *, source: StopSource, at: datetime) -> bool:
    """Stop texts to `phone`: recorded even for a number we never had consent for, so a later
    opt-in cannot override it. Drops what was queued for it. True when it was not stopped."""
    row = await session.scalar(select(SmsConsent).where(SmsConsent.phone == phone))
    if row is None:
        session.add(
            SmsConsent(
                phone=phone,
                source=source.value,
                granted_at=at,
                stopped_at=at,
                stop_source=source.value,
                updated_at=at,
            )
        )
        changed = True
    else:
        changed = row.stopped_at is None
        if changed:
            row.stopped_at, row.stop_source, row.updated_at = at, source.value, at
    await session.execute(
        update(SmsMessage)
        .where(SmsMessage.phone == phone, within(SmsMessage.state, UNFINISHED_SMS_STATES, "queued"))
        .values(state="dropped", reason="stopped", status_at=at)
    )
    return changed


async def start(session: AsyncSession, phone: str, *, at: datetime) -> bool:
    """Lift a stop on `phone` (its owner texted START). True when it was stopped."""
    row = await session.scalar(select(SmsConsent).where(SmsConsent.phone == phone))
    if row is None or row.stopped_at is None:
        return False
    row.stopped_at, row.stop_source, row.updated_at = None, None, at
    return True


async def of_phone(session: AsyncSession, phone: str) -> Consent | None:
    row = await session.scalar(select(SmsConsent).where(SmsConsent.phone == phone))
    return consent_of(row) if row is not None else None


async def of_conversation(session: AsyncSession, conversation_id: int) -> Consent | None:
    """The number a conversation opted in with (its newest), stopped or not."""
    row = await session.scalar(
        select(SmsConsent)
        .where(SmsConsent.conversation_id == conversation_id)
        .order_by(SmsConsent.granted_at.desc(), SmsConsent.id.desc())
        .limit(1)
    )
    return consent_of(row) if row is not None else None


async def prompt(session: AsyncSession, conversation_id: int, at: datetime) -> None:
    """Remember that the bot asked this conversation for its mobile number."""
    row = await session.get(SmsPrompt, conversation_id)
    if row is None:
        session.add(SmsPrompt(conversation_id=conversation_id, asked_at=at))
    else:
        row.asked_at = at


async def prompted_since(session: AsyncSession, conversation_id: int, since: datetime) -> bool:
    """Whether the bot asked this conversation for its number after `since`."""
    row = await session.get(SmsPrompt, conversation_id)
    return row is not None and row.asked_at > since


async def forget_prompt(session: AsyncSession, conversation_id: int) -> None:
    await session.execute(delete(SmsPrompt).where(SmsPrompt.conversation_id == conversation_id))


__all__ = [
    "Consent",
    "ConsentSource",
    "StopSource",
    "consent_of",
    "forget_prompt",
    "grant",
    "of_conversation",
    "of_phone",
    "prompt",
    "prompted_since",
    "start",
    "stop",
]
