"""Subscriptions: which conversations follow which tracking numbers, within a caller's session.

A stop ends every subscription of the conversation and drops what was still waiting to be
told; a stopped subscription stays stopped (asking about the same parcel later does not resume
it), while a number the buyer asks about afterwards gets a subscription of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.updates.tables import UpdateNotice, UpdateSubscription
from carriers.service import normalise_number
from conversations.models import Conversation
from foundation.database import table_of
from foundation.upserts import upsert

BUYER_STOPPED = "buyer_stopped"
UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    conversation_id: int
    account_id: str
    igsid: str
    number: str
    carrier: str | None
    language: str | None
    country: str | None
    email: str | None
    status: str | None
    created_at: datetime
    stopped_at: datetime | None
    email_stopped_at: datetime | None

    @property
    def active(self) -> bool:
        return self.stopped_at is None


def subscription_of(row: UpdateSubscription) -> Subscription:
    return Subscription(
        id=row.id,
        conversation_id=row.conversation_id,
        account_id=row.account_id,
        igsid=row.igsid,
        number=row.number,
        carrier=row.carrier,
        language=row.language,
        country=row.country,
        email=row.email,
        status=row.status,
        created_at=row.created_at,
        stopped_at=row.stopped_at,
        email_stopped_at=row.email_stopped_at,
    )


def _rowcount(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


_subscriptions = table_of(UpdateSubscription)
_FOLLOW = (
    upsert(_subscriptions)
    .on_conflict_do_nothing("conversation_id", "number")
    .returning(_subscriptions.c.id)
)


async def follow(
    session: AsyncSession,
    conversation: Conversation,
    numbers: Sequence[str],
    *,
    language: str | None,
    at: datetime,
) -> int:
    """Subscribe the conversation to these numbers; returns how many subscriptions are new.

    An active subscription keeps following and takes the buyer's current language.
    """
    created = 0
    for number in dict.fromkeys(normalise_number(n) for n in numbers if n.strip()):
        new = {
            "conversation_id": conversation.id,
            "account_id": conversation.account_id,
            "igsid": conversation.igsid,
            "number": number,
            "language": language,
            "created_at": at,
            "updated_at": at,
            "next_poll_at": at,
            "polls": 0,
        }
        if await session.scalar(_FOLLOW, new) is not None:
            created += 1
        elif language is not None:
            await session.execute(
                update(UpdateSubscription)
                .where(
                    UpdateSubscription.conversation_id == conversation.id,
                    UpdateSubscription.number == number,
                    UpdateSubscription.stopped_at.is_(None),
                )
                .values(language=language, updated_at=at)
            )
    return created


async def stop_conversation(
    session: AsyncSession, conversation_id: int, at: datetime, reason: str = BUYER_STOPPED
) -> int:
    """End every subscription of the conversation; returns how many were active."""
    result = await session.execute(
        update(UpdateSubscription)
        .where(
            UpdateSubscription.conversation_id == conversation_id,
            UpdateSubscription.stopped_at.is_(None),
        )
        .values(stopped_at=at, stop_reason=reason, next_poll_at=None, updated_at=at)
    )
    await session.execute(
        update(UpdateNotice)
        .where(
            UpdateNotice.conversation_id == conversation_id,
            UpdateNotice.state.in_(["pending", "held"]),
        )
        .values(state="dropped", reason=reason, decided_at=at)
    )
    return _rowcount(result)


async def stop_email(
    session: AsyncSession, subscription_id: int, at: datetime
) -> Subscription | None:
    """No more emails for this subscription, nor for any other with the same address.

    Returns the subscription (None when there is none with this id).
    """
    row = await session.get(UpdateSubscription, subscription_id, populate_existing=True)
    if row is None:
        return None
    same = UpdateSubscription.id == subscription_id
    if row.email is not None:
        same = same | (UpdateSubscription.email == row.email)
    await session.execute(
        update(UpdateSubscription)
        .where(same, UpdateSubscription.email_stopped_at.is_(None))
        .values(email_stopped_at=at, updated_at=at)
    )
    ids = select(UpdateSubscription.id).where(same).scalar_subquery()
    await session.execute(
        update(UpdateNotice)
        .where(
            UpdateNotice.subscription_id.in_(ids),
            UpdateNotice.channel == "email",
            UpdateNotice.state == "pending",
        )
        .values(state="dropped", reason=UNSUBSCRIBED, decided_at=at)
    )
    return subscription_of(row)


async def subscription_by_id(session: AsyncSession, subscription_id: int) -> Subscription | None:
    row = await session.get(UpdateSubscription, subscription_id)
    return subscription_of(row) if row is not None else None


async def subscriptions_of(session: AsyncSession, conversation_id: int) -> list[Subscription]:
    """Every subscription of a conversation, oldest first (the console shows them)."""
    rows = await session.scalars(
        select(UpdateSubscription)
        .where(UpdateSubscription.conversation_id == conversation_id)
        .order_by(UpdateSubscription.id)
    )
    return [subscription_of(row) for row in rows]


__all__ = [
    "BUYER_STOPPED",
    "UNSUBSCRIBED",
    "Subscription",
    "follow",
    "stop_conversation",
    "stop_email",
    "subscription_of",
    "subscriptions_of",
]
