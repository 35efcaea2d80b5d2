"""VerificationAttempts: the record of buyers' attempts to prove an order is theirs.

Limiting guesses per order (across every conversation that tries it) stops someone who
learned an order number from trying postcodes until one fits, whichever account they use.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from foundation.database import reserve
from stores.tables import VerificationAttemptRow


async def failures_since(session: AsyncSession, order_number: str, since: datetime) -> int:
    """Failed attempts on `order_number` at or after `since`, by anyone."""
    count = await session.scalar(
        select(func.count())
        .select_from(VerificationAttemptRow)
        .where(
            VerificationAttemptRow.order_number == order_number,
            VerificationAttemptRow.at >= since,
            VerificationAttemptRow.matched.is_(False),
        )
    )
    return int(count or 0)


async def reserve_attempt(
    sessions: async_sessionmaker[AsyncSession],
    order_number: str,
    asker: str,
    *,
    at: datetime,
    since: datetime,
    limit: int,
) -> int | None:
    """Record one failed attempt on `order_number` before its proof is checked, unless `limit`
    failures are already recorded since `since`; the attempt's id, or None (nothing recorded).

    Counting and recording are one serialised step (foundation.database.reserve), so however
    many buyers guess at once, no more than `limit` failures are ever recorded; `matched` turns
    the reservation into a success when the proof was right.
    """
    async with sessions() as session, session.begin():
        row = VerificationAttemptRow(order_number=order_number, asker=asker, matched=False, at=at)

        async def over() -> bool:
            return await failures_since(session, order_number, since) > limit

        if not await reserve(session, _order_lock(order_number), row, over):
            return None
        return row.id


async def matched(sessions: async_sessionmaker[AsyncSession], attempt_id: int) -> None:
    """The reserved attempt's proof was right."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(VerificationAttemptRow)
            .where(VerificationAttemptRow.id == attempt_id)
            .values(matched=True)
        )


def _order_lock(order_number: str) -> int:
    """An advisory lock key of its own for each order number (a signed 64-bit integer)."""
    digest = hashlib.sha256(f"wismo-proof:{order_number}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


__all__ = ["failures_since", "matched", "reserve_attempt"]
