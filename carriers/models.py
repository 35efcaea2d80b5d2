"""The normalised shipment model every source is translated into.

Described in docs/tracking-sources.md, Normalised model and Times and time zones.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Status(StrEnum):
    """Normalised shipment status (docs/tracking-sources.md, Statuses)."""

    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNING = "returning"
    RETURNED = "returned"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({Status.DELIVERED, Status.RETURNED, Status.EXPIRED})


class ExceptionReason(StrEnum):
    """Why a parcel is in exception, failed an attempt or is returning (Exception reasons)."""

    CUSTOMS_HOLD = "customs_hold"
    CUSTOMS_DOCUMENTS = "customs_documents"
    PAYMENT_REQUIRED = "payment_required"
    ADDRESS_ISSUE = "address_issue"
    RECIPIENT_UNAVAILABLE = "recipient_unavailable"
    BUSINESS_CLOSED = "business_closed"
    REFUSED = "refused"
    WEATHER = "weather"
    CARRIER_DELAY = "carrier_delay"
    HELD_BY_CARRIER = "held_by_carrier"
    DAMAGED = "damaged"
    LOST = "lost"
    REJECTED_BY_CARRIER = "rejected_by_carrier"
    CANCELLED = "cancelled"
    DESTROYED = "destroyed"
    STALLED = "stalled"
    INVALID_TRACKING_NUMBER = "invalid_tracking_number"
    RETURNED_TO_SENDER = "returned_to_sender"
    OTHER = "other"

    @property
    def needs_action(self) -> bool:
        return self in REASONS_NEEDING_ACTION


REASONS_NEEDING_ACTION = frozenset(
    {
        ExceptionReason.CUSTOMS_DOCUMENTS,
        ExceptionReason.PAYMENT_REQUIRED,
        ExceptionReason.ADDRESS_ISSUE,
        ExceptionReason.HELD_BY_CARRIER,
    }
)


class TimeSource(StrEnum):
    """How an event's instant was established (docs/tracking-sources.md, Times and time zones)."""

    CARRIER_OFFSET = "carrier_offset"
    PROVIDER_UTC = "provider_utc"
    INFERRED = "inferred"
    UNKNOWN = "unknown"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RawCodes(Frozen):
    """The source's own codes, kept beside every normalised value."""

    status: str | None = None
    substatus: str | None = None
    event_code: str | None = None
    carrier: str | None = Field(None, description="the source's carrier code when we have no slug")


class TrackingEvent(Frozen):
    """One checkpoint. Local wall-clock time and offset are kept; never invent a zone."""

    occurred_local: datetime = Field(description="naive wall-clock time at the event's location")
    utc_offset: timedelta | None = None
    occurred_at_utc: datetime | None = None
    time_source: TimeSource = TimeSource.UNKNOWN
    location: str | None = None
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 when the source gives one")
    description: str = ""
    status: Status = Status.UNKNOWN
    reason: ExceptionReason | None = None
    raw: RawCodes = RawCodes()

    @property
    def local_iso(self) -> str:
        """ISO 8601 local time, with the offset only when it is known."""
        if self.utc_offset is None:
            return self.occurred_local.isoformat()
        return self.occurred_local.replace(tzinfo=timezone(self.utc_offset)).isoformat()


class DeliveryWindow(Frozen):
    """An estimate as calendar dates in the recipient's zone (never midnight UTC), or instants."""

    earliest: date | None = None
    latest: date | None = None


class Shipment(Frozen):
    """A parcel as one source last described it, normalised."""

    number: str
    carrier: str | None = Field(None, description="our carrier slug (carriers.catalog)")
    status: Status
    exception_reason: ExceptionReason | None = None
    needs_action: bool = False
    is_delayed: bool = False
    events: tuple[TrackingEvent, ...] = Field((), description="newest first")
    estimated_delivery: DeliveryWindow | None = None
    origin_country: str | None = None
    destination_country: str | None = None
    source: str = Field(description="slug of the provider that answered")
    raw: RawCodes = RawCodes()
    checked_at: datetime = Field(description="when the source was last asked successfully (UTC)")
    last_scan_at: datetime | None = Field(None, description="the carrier's newest known scan (UTC)")
    last_mile_carrier: str | None = Field(
        None, description="our slug for the carrier the parcel was handed to for delivery"
    )
    last_mile_number: str | None = Field(
        None, description="the number that carrier tracks it under, when the source gives it"
    )


class TrackingQuery(Frozen):
    """What we ask a source: the number and whatever hints we have."""

    number: str
    carrier: str | None = None
    destination_country: str | None = None
    postal_code: str | None = None
    phone_last4: str | None = Field(None, description="some Chinese carriers (SF) require it")
