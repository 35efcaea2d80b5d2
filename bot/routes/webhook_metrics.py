"""What arrived at the webhook and needs an operator, as /metrics families (read at scrape).

Signed bodies and events wismo does not handle are acknowledged and kept in the inbox (as
`ignored` or `unknown` events) rather than refused, so this is where operators see them; Meta's
policy enforcement notices are kept for the merchant in the conversations package's table.
"""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.instagram.events import EventKind
from bot.pipeline.tables import InboxEvent
from conversations.policy import PolicyNotices

UNHANDLED_KINDS = (EventKind.IGNORED, EventKind.UNKNOWN)


async def webhook_families(session: AsyncSession) -> list[Metric]:
    """The unhandled webhook events still kept, by kind, and the policy notices, by action."""
    unhandled = GaugeMetricFamily(
        "wismo_inbox_unhandled_events",
        "Signed webhook bodies or events wismo does not handle, kept in the inbox (7 days)",
        labels=["kind"],
    )
    rows = await session.execute(
        select(InboxEvent.kind, func.count())
        .where(InboxEvent.kind.in_([kind.value for kind in UNHANDLED_KINDS]))
        .group_by(InboxEvent.kind)
    )
    counted = {str(kind): int(count) for kind, count in rows.all()}
    for kind in UNHANDLED_KINDS:
        unhandled.add_metric([kind.value], counted.get(kind.value, 0))
    policy = CounterMetricFamily(
        "wismo_instagram_policy_enforcements",
        "Meta's messaging policy enforcement notices received, by action",
        labels=["action"],
    )
    for action, count in sorted((await PolicyNotices(session).counts()).items()):
        policy.add_metric([action], count)
    return [unhandled, policy]


__all__ = ["webhook_families"]
