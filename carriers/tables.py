"""Tables owned by the carriers package: the shipment cache, status changes, source usage."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from carriers.db import Base
from foundation.columns import Id, Json
from foundation.database import UtcDateTime


class CachedShipment(Base):
    """The latest answer for one number (and carrier, or "" for any): the cache row.

    `state` is "found" (a shipment is stored), "not_found" (every source said it has nothing yet)
    or "unknown" (no source has answered at all yet). The lease columns make one process at a
    time the one that asks the sources for this row.
    """

    __tablename__ = "tracking_shipments"
    __table_args__ = (
        Index("ix_tracking_shipments_due", "next_refresh_at"),
        Index("ix_tracking_shipments_status", "status"),
        Index("ix_tracking_shipments_checked", "checked_at"),
        Index("ix_tracking_shipments_last_scan", "last_scan_at"),
    )

    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    carrier_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    shipment: Mapped[dict[str, Any] | None] = mapped_column(Json)
    carrier: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str | None] = mapped_column(String(24))
    exception_reason: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(32))
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_scan_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    fresh_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_refresh_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    not_found_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    not_found_checks: Mapped[int] = mapped_column(Integer, default=0)
    registered_sources: Mapped[list[str]] = mapped_column(Json, default=list)
    push_registered: Mapped[bool] = mapped_column(Boolean, default=False)
    source_calls: Mapped[dict[str, str]] = mapped_column(Json, default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StatusChangeRow(Base):
    """One change of a shipment's status or reason; `id` is the consumers' cursor."""

    __tablename__ = "tracking_status_changes"
    __table_args__ = (Index("ix_tracking_status_changes_number", "number", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    number: Mapped[str] = mapped_column(String(64))
    carrier: Mapped[str | None] = mapped_column(String(40))
    old_status: Mapped[str | None] = mapped_column(String(24))
    old_reason: Mapped[str | None] = mapped_column(String(32))
    new_status: Mapped[str] = mapped_column(String(24))
    new_reason: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(16))
    snapshot: Mapped[dict[str, Any]] = mapped_column(Json)
    occurred_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SourceUsage(Base):
    """Calls made to one source on one UTC day (sources bill and throttle per day in UTC)."""

    __tablename__ = "tracking_source_usage"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class SourceHealthRow(Base):
    """The last success and failure seen from a source, for the console."""

    __tablename__ = "tracking_source_health"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_failure_reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


__all__ = ["Base", "CachedShipment", "SourceHealthRow", "SourceUsage", "StatusChangeRow"]
