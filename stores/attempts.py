"""VerificationAttempts: the record of buyers' attempts to prove an order is theirs.

Limiting guesses per order (across every conversation that tries it) stops someone who
learned an order number from trying postcodes until one fits, whichever account they use.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stores.tables import VerificationAttemptRow


async def record_attempt(
    session: AsyncSession, order_number: str, asker: str, *, matched: bool, at: datetime
) -> None:
    """Add one attempt, in the caller's transaction."""
    session.add(
        VerificationAttemptRow(order_number=order_number, asker=asker, matched=matched, at=at)
    )
    await session.flush()


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


__all__ = ["failures_since", "record_attempt"]
