"""The SMS channel on /metrics: texts by state, failures by error code, segments spent today,
and consents by whether texts are on (read from the tables at scrape time)."""

from __future__ import annotations

from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sms.sender import spent_today
from bot.sms.tables import SmsConsent, SmsMessage

STATES = (
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "unconfirmed",
    "dropped",
)


async def sms_families(session: AsyncSession, now: datetime) -> list[Metric]:
    texts = GaugeMetricFamily(
        "wismo_sms_texts", "Update texts kept, by state (docs/sms.md, Sending)", labels=["state"]
    )
    counted = {
        str(state): int(n)
        for state, n in await session.execute(
            select(SmsMessage.state, func.count()).group_by(SmsMessage.state)
        )
    }
    for state in STATES:
        texts.add_metric([state], counted.get(state, 0))
    failures = GaugeMetricFamily(
        "wismo_sms_failed_texts",
        "Texts failed or undelivered, by the provider's error code",
        labels=["error_code"],
    )
    for code, n in await session.execute(
        select(SmsMessage.error_code, func.count())
        .where(SmsMessage.state.in_(("failed", "undelivered")))
        .group_by(SmsMessage.error_code)
        .order_by(SmsMessage.error_code)
    ):
        failures.add_metric([str(code) if code is not None else "none"], int(n))
    segments = GaugeMetricFamily(
        "wismo_sms_segments_today",
        "Segments handed to the provider since midnight UTC (WISMO_SMS_DAILY_BUDGET counts these)",
        await spent_today(session, now),
    )
    consents = GaugeMetricFamily(
        "wismo_sms_consents", "Phone numbers with SMS consent, by status", labels=["status"]
    )
    stopped = await session.scalar(
        select(func.count()).select_from(SmsConsent).where(SmsConsent.stopped_at.is_not(None))
    )
    total = await session.scalar(select(func.count()).select_from(SmsConsent))
    consents.add_metric(["active"], int(total or 0) - int(stopped or 0))
    consents.add_metric(["stopped"], int(stopped or 0))
    return [texts, failures, segments, consents]


__all__ = ["sms_families"]
