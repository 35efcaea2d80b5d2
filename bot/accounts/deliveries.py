"""When each account last had a webhook delivery, and the silence rule read from it.

A connected account whose deliveries stop (token expired or revoked, webhook subscription
lost, app not live, the "Connected tools" switch off, our public URL unreachable: the console
lists these causes) looks, from here, like a shop with no buyers. The rule tells the two
apart only by time: an active account that has had deliveries and then none for longer than
its usual quiet is silent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts.models import SHORTCUT_ID, AccountStatus
from bot.accounts.tables import InstagramAccount


def silent_for(
    status: AccountStatus,
    last_delivery_at: datetime | None,
    now: datetime,
    threshold: timedelta | None,
) -> timedelta | None:
    """How long an account has been silent, None when it raises no alarm.

    No alarm without a threshold (the alarm is off), for an account that is not active (paused
    or disconnected: its quiet is explained), for one that never had a delivery (nothing shows
    it ever worked), or while its quiet is within the threshold.
    """
    if threshold is None or status is not AccountStatus.ACTIVE or last_delivery_at is None:
        return None
    quiet = now - last_delivery_at
    return quiet if quiet > threshold else None


async def last_deliveries(session: AsyncSession) -> dict[str, datetime | None]:
    """Every stored account's last delivery time (None: none seen yet)."""
    rows = await session.execute(
        select(InstagramAccount.account_id, InstagramAccount.last_delivery_at)
    )
    return {account_id: at for account_id, at in rows}


async def note_deliveries(session: AsyncSession, latest: Mapping[str, datetime]) -> int:
    """Move accounts' last delivery forward to `latest` (webhook account id → newest receipt);
    never back. A webhook account id that no stored account has counts for the one-account
    shortcut `me` while it answers (as the sender routes it). Returns the accounts moved."""
    if not latest:
        return 0
    rows = await session.execute(select(InstagramAccount.account_id, InstagramAccount.status))
    statuses = dict(rows.tuples().all())
    catch_all = statuses.get(SHORTCUT_ID, AccountStatus.DISCONNECTED.value) != (
        AccountStatus.DISCONNECTED.value
    )
    newest: dict[str, datetime] = {}
    for account_id, at in latest.items():
        owner = account_id if account_id in statuses else (SHORTCUT_ID if catch_all else None)
        if owner is not None and (owner not in newest or at > newest[owner]):
            newest[owner] = at
    moved = 0
    for owner, at in sorted(newest.items()):
        result = await session.execute(
            update(InstagramAccount)
            .where(
                InstagramAccount.account_id == owner,
                or_(
                    InstagramAccount.last_delivery_at.is_(None),
                    InstagramAccount.last_delivery_at < at,
                ),
            )
            .values(last_delivery_at=at)
        )
        moved += int(getattr(result, "rowcount", 0) or 0)
    return moved


__all__ = ["last_deliveries", "note_deliveries", "silent_for"]
