"""Forgetting buyers' details on old orders, for the data-retention job (WISMO_RETENTION_DAYS).

An order older than the cutoff keeps its number and parcels (a buyer may still ask about it by
tracking number) but loses its email, phone, postcode and Instagram username; its verification
attempts go too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from stores.tables import OrderRow, VerificationAttemptRow


async def anonymise_orders(session: AsyncSession, before: datetime) -> int:
    """Clear the personal fields of orders placed (else last changed) before `before`; how
    many orders had any. In the caller's transaction."""
    placed = func.coalesce(OrderRow.ordered_at, OrderRow.updated_at)
    result = await session.execute(
        update(OrderRow)
        .where(
            placed < before,
            or_(
                OrderRow.email.is_not(None),
                OrderRow.phone.is_not(None),
                OrderRow.postal_code.is_not(None),
                OrderRow.instagram_username.is_not(None),
            ),
        )
        .values(email=None, phone=None, postal_code=None, instagram_username=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(VerificationAttemptRow).where(VerificationAttemptRow.at < before))
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["anonymise_orders"]
