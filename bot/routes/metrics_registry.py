"""This app's Prometheus registry and the reads behind each scrape of /metrics.

Nothing in the request or worker paths counts anything for this: each scrape reads the inbox
and outbox backlog, recent reply latencies (outbox sent_at against the inbox event's
received_at), tracking source usage and the cache, and renders them through a registry that
belongs to this app (never prometheus-client's global one). Made at the first authorised
scrape (bot/routes/metrics.py), so a service without WISMO_METRICS_TOKEN never imports
prometheus-client or the families' modules.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account, AccountStatus, AccountStore, counts_by_status
from bot.accounts.tokens import days_left, refresh_failed
from bot.pipeline.breaker import GraphBreaker
from bot.pipeline.outbox import Purpose, SendState
from bot.pipeline.tables import InboxEvent, OutboxMessage
from bot.routes.metrics import MetricsReads
from bot.routes.webhook_metrics import webhook_families
from bot.sms.metrics import sms_families
from carriers.cache import utc_day
from carriers.tables import CachedShipment, SourceUsage
from conversations.models import Author
from conversations.tables import ConversationRow, MessageRow

LATENCY_WINDOW = timedelta(minutes=15)  # replies whose latency the summary describes
CACHE_WINDOW = timedelta(hours=1)  # bot replies whose shipment snapshots give the hit ratio
_SAMPLE_LIMIT = 5000
QUANTILES = (0.5, 0.9, 0.99)


class _Snapshot(Collector):
    """Yields the families gathered for the current scrape."""

    def __init__(self) -> None:
        self.families: list[Metric] = []

    def collect(self) -> Iterable[Metric]:
        return list(self.families)

    def describe(self) -> Iterable[Metric]:
        return []  # nothing to describe before the first scrape; avoids a collect at register


class _GraphCollector(Collector):
    """The sender's breaker, read at scrape time (no database involved)."""

    def __init__(self, breaker: GraphBreaker, clock: Callable[[], datetime]) -> None:
        self._breaker = breaker
        self._clock = clock

    def collect(self) -> Iterable[Metric]:
        status = self._breaker.status()
        yield GaugeMetricFamily(
            "wismo_graph_unavailable",
            "1 while the Send API fails as a service (5xx, timeouts, connection errors) and "
            "sends wait behind one probe at a time, else 0",
            1.0 if status.since is not None else 0.0,
        )
        yield GaugeMetricFamily(
            "wismo_graph_unavailable_seconds",
            "How long the Send API has been failing (0 while it answers)",
            _age(self._clock(), status.since),
        )

    def describe(self) -> Iterable[Metric]:
        return []


def _quantile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, int(share * len(ordered) + 0.999999) - 1))]


class MetricsRegistry:
    """This app's registry and the reads behind each scrape."""

    def __init__(self, reads: MetricsReads) -> None:
        self._reads = reads
        self.registry = CollectorRegistry(auto_describe=False)
        self._snapshot = _Snapshot()
        self.registry.register(self._snapshot)
        self._lock = asyncio.Lock()

    def watch_graph(self, breaker: GraphBreaker) -> None:
        """Show the sender's breaker (wismo_graph_unavailable) from now on."""
        self.registry.register(_GraphCollector(breaker, self._reads.clock))

    async def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        async with self._lock:  # one scrape at a time owns the snapshot
            self._snapshot.families = await self._gather()
            return generate_latest(self.registry), CONTENT_TYPE_LATEST

    async def _gather(self) -> list[Metric]:
        now = self._reads.clock()
        families: list[Metric] = []
        inbox = await self._reads.inbox.backlog()
        outbox = await self._reads.outbox.backlog()
        families.append(
            GaugeMetricFamily(
                "wismo_inbox_pending_events", "Webhook events not handled yet", inbox.pending
            )
        )
        families.append(
            GaugeMetricFamily(
                "wismo_inbox_oldest_pending_age_seconds",
                "Age of the oldest event not handled yet (0 when none)",
                _age(now, inbox.oldest_received_at),
            )
        )
        unsent = GaugeMetricFamily(
            "wismo_outbox_unfinished_messages", "Messages not sent yet, by state", labels=["state"]
        )
        unsent.add_metric([SendState.QUEUED.value], outbox.queued)
        unsent.add_metric([SendState.SENDING.value], outbox.sending)
        unsent.add_metric([SendState.AMBIGUOUS.value], outbox.ambiguous)
        families.append(unsent)
        families.extend(await self._paused())
        families.append(
            GaugeMetricFamily(
                "wismo_outbox_oldest_unfinished_age_seconds",
                "Age of the oldest message not sent yet (0 when none)",
                _age(now, outbox.oldest_created_at),
            )
        )
        families.extend(await self._silence())
        families.extend(await self._tokens(now))
        async with self._reads.sessions() as session:
            families.append(await self._waiting(session))
            families.append(await self._accounts(session))
            families.append(await self._latency(session, now))
            families.extend(await self._providers(session, now))
            families.extend(await self._cache(session, now))
            families.extend(await webhook_families(session))
            families.extend(await sms_families(session, now))
        return families

    async def _paused(self) -> list[Metric]:
        accounts = GaugeMetricFamily(
            "wismo_paused_accounts",
            "Instagram accounts whose sends are paused, by the reason of their newest hold",
            labels=["reason"],
        )
        held = GaugeMetricFamily(
            "wismo_outbox_held_for_account_messages",
            "Messages held until their paused account works again, by reason",
            labels=["reason"],
        )
        by_account: dict[str, int] = {}
        by_message: dict[str, int] = {}
        for hold in await self._reads.outbox.paused_accounts():
            by_account[hold.reason] = by_account.get(hold.reason, 0) + 1
            for reason, count in hold.held.items():
                by_message[reason] = by_message.get(reason, 0) + count
        for reason, count in sorted(by_account.items()):
            accounts.add_metric([reason], count)
        for reason, count in sorted(by_message.items()):
            held.add_metric([reason], count)
        return [accounts, held]

    async def _waiting(self, session: AsyncSession) -> Metric:
        count = await session.scalar(
            select(func.count())
            .select_from(ConversationRow)
            .where(ConversationRow.handoff_at.is_not(None))
        )
        return GaugeMetricFamily(
            "wismo_conversations_waiting_for_person",
            "Conversations handed off to a person",
            int(count or 0),
        )

    async def _accounts(self, session: AsyncSession) -> Metric:
        accounts = GaugeMetricFamily(
            "wismo_instagram_accounts", "Connected Instagram accounts, by status", labels=["status"]
        )
        for status, count in (await counts_by_status(session)).items():
            accounts.add_metric([status.value], count)
        return accounts

    async def _silence(self) -> list[Metric]:
        """Per active account: seconds since its last webhook delivery, and the silence alarm
        (bot/accounts/deliveries.py) as 0/1."""
        if self._reads.watch is None:
            return []
        silent = GaugeMetricFamily(
            "wismo_instagram_account_silent_seconds",
            "Seconds since the last webhook delivery for each active account that has had one",
            labels=["account"],
        )
        alarm = GaugeMetricFamily(
            "wismo_instagram_account_silence_alarm",
            "1 while an active account has had no webhook delivery for longer than "
            "WISMO_SILENCE_ALERT_HOURS (token, subscription, app mode, Connected tools, public "
            "URL: see the console's Accounts page), else 0",
            labels=["account"],
        )
        now = self._reads.clock()
        listed = await self._listed_accounts()
        for quiet in await self._reads.watch.quiet(listed):
            account = quiet.account.account_id
            if quiet.account.status is AccountStatus.ACTIVE and quiet.last_delivery_at:
                silent.add_metric([account], _age(now, quiet.last_delivery_at))
            alarm.add_metric([account], 1.0 if quiet.silent_for is not None else 0.0)
        return [silent, alarm]

    async def _listed_accounts(self) -> list[Account]:
        return await AccountStore(self._reads.sessions, None, clock=self._reads.clock).accounts()

    async def _tokens(self, now: datetime) -> list[Metric]:
        """Per account whose token expires: days left (negative once expired); and 1 for an
        account whose last token refresh failed (bot/accounts/tokens.py)."""
        days = GaugeMetricFamily(
            "wismo_instagram_token_days_left",
            "Days until each connected account's access token expires (absent: never)",
            labels=["account"],
        )
        failed = GaugeMetricFamily(
            "wismo_instagram_token_refresh_failed",
            "1 while an account's last token refresh failed (see its last error), else 0",
            labels=["account"],
        )
        for account in await self._listed_accounts():
            left = days_left(account, now)
            if left is not None:
                days.add_metric([account.account_id], round(left, 3))
            failed.add_metric([account.account_id], 1.0 if refresh_failed(account) else 0.0)
        return [days, failed]

    async def _latency(self, session: AsyncSession, now: datetime) -> Metric:
        """From a buyer's event reaching the webhook to the first part of the reply sent."""
        rows = await session.execute(
            select(OutboxMessage.source_ref, func.min(OutboxMessage.sent_at))
            .where(
                OutboxMessage.purpose == Purpose.REPLY.value,
                OutboxMessage.state == SendState.SENT.value,
                OutboxMessage.sent_at >= now - LATENCY_WINDOW,
                OutboxMessage.source_ref.like("inbox:%"),
            )
            .group_by(OutboxMessage.source_ref)
            .limit(_SAMPLE_LIMIT)
        )
        sent: dict[int, datetime] = {}
        for source_ref, sent_at in rows:
            reference = str(source_ref).removeprefix("inbox:")
            if reference.isdigit() and sent_at is not None:
                sent[int(reference)] = sent_at
        latencies: list[float] = []
        ids = sorted(sent)
        for start in range(0, len(ids), 500):
            for event_id, received_at in await session.execute(
                select(InboxEvent.id, InboxEvent.received_at).where(
                    InboxEvent.id.in_(ids[start : start + 500])
                )
            ):
                latencies.append(max(0.0, (sent[event_id] - received_at).total_seconds()))
        summary = Metric(
            "wismo_reply_latency_seconds",
            f"Webhook receipt to reply sent, over replies sent in the last "
            f"{int(LATENCY_WINDOW.total_seconds() // 60)} minutes",
            "summary",
        )
        ordered = sorted(latencies)
        if ordered:
            for share in QUANTILES:
                summary.add_sample(
                    "wismo_reply_latency_seconds",
                    {"quantile": str(share)},
                    _quantile(ordered, share),
                )
        summary.add_sample("wismo_reply_latency_seconds_count", {}, len(ordered))
        summary.add_sample("wismo_reply_latency_seconds_sum", {}, sum(ordered))
        return summary

    async def _providers(self, session: AsyncSession, now: datetime) -> list[Metric]:
        calls = CounterMetricFamily(
            "wismo_provider_calls",
            "Calls to each tracking source (over the 90 days of usage kept)",
            labels=["source"],
        )
        errors = CounterMetricFamily(
            "wismo_provider_errors",
            "Failed calls to each tracking source (over the 90 days of usage kept)",
            labels=["source"],
        )
        today = GaugeMetricFamily(
            "wismo_provider_calls_today", "Calls to each source this UTC day", labels=["source"]
        )
        budget = GaugeMetricFamily(
            "wismo_provider_daily_budget", "Each source's daily call budget", labels=["source"]
        )
        rows = await session.execute(
            select(SourceUsage.source, func.sum(SourceUsage.calls), func.sum(SourceUsage.failures))
            .group_by(SourceUsage.source)
            .order_by(SourceUsage.source)
        )
        for source, total, failed in rows:
            calls.add_metric([source], float(total or 0))
            errors.add_metric([source], float(failed or 0))
        for source, count in await session.execute(
            select(SourceUsage.source, SourceUsage.calls)
            .where(SourceUsage.day == utc_day(now))
            .order_by(SourceUsage.source)
        ):
            today.add_metric([source], float(count or 0))
        for source, limits in sorted(self._reads.limits.items()):
            if limits.daily_budget is not None:
                budget.add_metric([source], float(limits.daily_budget))
        return [calls, errors, today, budget]

    async def _cache(self, session: AsyncSession, now: datetime) -> list[Metric]:
        cached = GaugeMetricFamily(
            "wismo_tracking_cached_shipments", "Cached parcels by status", labels=["status"]
        )
        for status, count in await session.execute(
            select(CachedShipment.status, func.count())
            .group_by(CachedShipment.status)
            .order_by(CachedShipment.status)
        ):
            cached.add_metric([status or "none"], float(count))
        hits = misses = 0
        for (based_on,) in await session.execute(
            select(MessageRow.based_on)
            .where(
                MessageRow.author == Author.BOT.value,
                MessageRow.created_at >= now - CACHE_WINDOW,
                MessageRow.based_on.is_not(None),
            )
            .order_by(MessageRow.id.desc())
            .limit(_SAMPLE_LIMIT)
        ):
            for snapshot in _snapshots(based_on):
                flag = snapshot.get("served_from_cache")
                if flag is True:
                    hits += 1
                elif flag is False:
                    misses += 1
        families: list[Metric] = [cached]
        observed = GaugeMetricFamily(
            "wismo_tracking_lookups_observed",
            "Shipment snapshots in bot replies of the last hour, by whether the cache served them",
            labels=["served_from_cache"],
        )
        observed.add_metric(["true"], hits)
        observed.add_metric(["false"], misses)
        families.append(observed)
        if hits + misses:
            families.append(
                GaugeMetricFamily(
                    "wismo_tracking_cache_hit_ratio",
                    "Share of the last hour's shipment snapshots served from the cache",
                    hits / (hits + misses),
                )
            )
        return families


def _snapshots(based_on: object) -> list[Mapping[str, object]]:
    if not isinstance(based_on, Mapping):
        return []
    found: list[Mapping[str, object]] = []
    for key in ("shipments", "shipment"):
        value = based_on.get(key)
        items = value if isinstance(value, list) else [value]
        found.extend(item for item in items if isinstance(item, Mapping))
    return found


def _age(now: datetime, since: datetime | None) -> float:
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0


__all__ = ["MetricsRegistry"]
