"""Meta's policy enforcement notices: what Meta told an account (warned, blocked, unblocked).

The inbox worker records each `messaging_policy_enforcement` event here (docs/instagram.md,
Policy enforcement); the merchant console shows them and /metrics counts them. A block stops
every reply of the account until Meta lifts it, so the merchant must hear of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.tables import PolicyNoticeRow

BLOCK = "block"
WARNING = "warning"
UNBLOCK = "unblock"


@dataclass(frozen=True, slots=True)
class PolicyNotice:
    account_id: str
    action: str  # warning, block or unblock (others are kept as Meta sent them)
    reason: str | None  # Meta's words; absent on unblock
    occurred_at: datetime

    @property
    def standing(self) -> bool:
        """Whether the notice still needs the merchant: a warning or a block not lifted since."""
        return self.action != UNBLOCK


def _notice(row: PolicyNoticeRow) -> PolicyNotice:
    return PolicyNotice(row.account_id, row.action, row.reason, row.occurred_at)


class PolicyNotices:
    """The notices, inside the caller's session (and transaction, for `record`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        *,
        account_id: str,
        action: str,
        reason: str | None,
        occurred_at: datetime,
        recorded_at: datetime,
        source_ref: str,
    ) -> None:
        """Add one notice; `source_ref` (its inbox event) is unique, so a repeat raises."""
        self._session.add(
            PolicyNoticeRow(
                account_id=account_id,
                action=action[:32],
                reason=reason,
                occurred_at=occurred_at,
                recorded_at=recorded_at,
                source_ref=source_ref,
            )
        )
        await self._session.flush()

    async def recent(self, limit: int = 20) -> list[PolicyNotice]:
        """The newest notices first."""
        rows = await self._session.scalars(
            select(PolicyNoticeRow)
            .order_by(PolicyNoticeRow.occurred_at.desc(), PolicyNoticeRow.id.desc())
            .limit(limit)
        )
        return [_notice(row) for row in rows]

    async def standing(self) -> list[PolicyNotice]:
        """Each account's latest notice when it is a warning or a block (not lifted since)."""
        latest = (
            select(
                PolicyNoticeRow.account_id,
                func.max(PolicyNoticeRow.occurred_at).label("occurred_at"),
            )
            .group_by(PolicyNoticeRow.account_id)
            .subquery()
        )
        rows = await self._session.scalars(
            select(PolicyNoticeRow)
            .join(
                latest,
                (latest.c.account_id == PolicyNoticeRow.account_id)
                & (latest.c.occurred_at == PolicyNoticeRow.occurred_at),
            )
            .order_by(PolicyNoticeRow.account_id, PolicyNoticeRow.id.desc())
        )
        newest: dict[str, PolicyNotice] = {}
        for row in rows:
            newest.setdefault(row.account_id, _notice(row))
        return [notice for notice in newest.values() if notice.standing]

    async def counts(self) -> dict[str, int]:
        """How many notices of each action were ever received."""
        rows = await self._session.execute(
            select(PolicyNoticeRow.action, func.count()).group_by(PolicyNoticeRow.action)
        )
        return {action: int(count) for action, count in rows.all()}


__all__ = ["BLOCK", "UNBLOCK", "WARNING", "PolicyNotice", "PolicyNotices"]
