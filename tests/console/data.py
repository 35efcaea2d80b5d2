"""Rows other packages own, written directly for the console's tests: cached shipments, usage."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from carriers.tables import CachedShipment, SourceHealthRow, SourceUsage


async def cache_shipment(
    sessions: async_sessionmaker[AsyncSession],
    number: str,
    *,
    status: str,
    carrier: str = "yunexpress",
    reason: str | None = None,
    last_scan_at: datetime | None = None,
    checked_at: datetime | None = None,
) -> None:
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        session.add(
            CachedShipment(
                number=number,
                carrier_key="",
                state="found",
                shipment={},
                carrier=carrier,
                status=status,
                exception_reason=reason,
                source="sandbox",
                checked_at=checked_at or now,
                last_scan_at=last_scan_at or now,
                first_seen_at=now,
                updated_at=now,
                consecutive_failures=0,
                not_found_checks=0,
                registered_sources=[],
                push_registered=False,
                source_calls={},
            )
        )


async def record_usage(
    sessions: async_sessionmaker[AsyncSession],
    source: str,
    *,
    calls: int,
    failures: int = 0,
    day: date | None = None,
    last_success_at: datetime | None = None,
    last_failure_at: datetime | None = None,
    reason: str | None = None,
) -> None:
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        session.add(
            SourceUsage(source=source, day=day or now.date(), calls=calls, failures=failures)
        )
        session.add(
            SourceHealthRow(
                source=source,
                last_success_at=last_success_at,
                last_failure_at=last_failure_at,
                last_failure_reason=reason,
                updated_at=now,
            )
        )
