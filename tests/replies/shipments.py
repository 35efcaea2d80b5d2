"""Shipments and scans as carriers report them, for the reply tests (a China→US parcel)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from carriers.lookup import Failed, Found, NotFoundYet, SyncHealth
from carriers.models import DeliveryWindow, ExceptionReason, Shipment, Status, TrackingEvent

NOW = datetime(2025, 6, 12, 15, 0, tzinfo=UTC)
NUMBER = "YT2229521272164446"


def clock() -> datetime:
    return NOW


def scan(
    local: datetime,
    status: Status = Status.IN_TRANSIT,
    *,
    offset_hours: float | None = -7,
    location: str | None = "LOS ANGELES, CA",
    country: str | None = "US",
    reason: ExceptionReason | None = None,
    description: str = "",
) -> TrackingEvent:
    """A scan at wall-clock `local` where it happened; `offset_hours` None: zone unknown."""
    offset = None if offset_hours is None else timedelta(hours=offset_hours)
    return TrackingEvent(
        occurred_local=local,
        utc_offset=offset,
        occurred_at_utc=None if offset is None else (local - offset).replace(tzinfo=UTC),
        location=location,
        country=country,
        status=status,
        reason=reason,
        description=description,
    )


def journey() -> tuple[TrackingEvent, ...]:
    """Shenzhen to Los Angeles, newest first: label, pickup, export, arrival, local scan."""
    return (
        scan(datetime(2025, 6, 11, 9, 10)),
        scan(datetime(2025, 6, 10, 22, 10), location="LOS ANGELES INTERNATIONAL AIRPORT"),
        scan(datetime(2025, 6, 8, 3, 10), offset_hours=8, location="深圳市", country="CN"),
        scan(datetime(2025, 6, 6, 10, 10), offset_hours=8, location="Shenzhen", country="CN"),
        scan(
            datetime(2025, 6, 5, 12, 10),
            Status.INFO_RECEIVED,
            offset_hours=8,
            location="深圳市",
            country="CN",
        ),
    )


def shipment(
    status: Status = Status.IN_TRANSIT,
    *,
    reason: ExceptionReason | None = None,
    events: tuple[TrackingEvent, ...] | None = None,
    carrier: str | None = "yunexpress",
    number: str = NUMBER,
    estimate: DeliveryWindow | None = None,
    needs_action: bool | None = None,
    last_scan_at: datetime | None = None,
    checked_at: datetime = NOW - timedelta(minutes=5),
    is_delayed: bool = False,
) -> Shipment:
    return Shipment(
        number=number,
        carrier=carrier,
        status=status,
        exception_reason=reason,
        needs_action=reason.needs_action if needs_action is None and reason else bool(needs_action),
        is_delayed=is_delayed,
        events=journey() if events is None else events,
        estimated_delivery=estimate,
        origin_country="CN",
        destination_country="US",
        source="17track",
        checked_at=checked_at,
        last_scan_at=last_scan_at,
    )


def healthy() -> SyncHealth:
    return SyncHealth(NOW, NOW, None, 0, None)


def failing(since: datetime) -> SyncHealth:
    return SyncHealth(since, NOW, "17track: timed out", 3, None)


def found(parcel: Shipment) -> Found:
    return Found(parcel, NOW - parcel.checked_at, False, False, False, healthy())


def not_found(number: str, since: datetime = NOW - timedelta(hours=3)) -> NotFoundYet:
    return NotFoundYet(number, since, 2, NOW, NOW + timedelta(hours=1), ("17track",), healthy())


def unreachable(number: str, cached: Shipment | None) -> Failed:
    age = None if cached is None else NOW - cached.checked_at
    since = cached.checked_at if cached else NOW - timedelta(days=1)
    return Failed(number, "17track: timed out", cached, age, failing(since))


WINDOW = DeliveryWindow(earliest=date(2025, 6, 14), latest=date(2025, 6, 18))
