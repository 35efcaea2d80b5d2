"""Building a Shipment from a source's parts the same way for every provider.

The rules are in docs/tracking-sources.md, Precedence.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from carriers.models import (
    DeliveryWindow,
    ExceptionReason,
    RawCodes,
    Shipment,
    Status,
    TrackingEvent,
)
from carriers.reasons import reason_from_text

_REASONED = frozenset({Status.EXCEPTION, Status.FAILED_ATTEMPT, Status.RETURNING})
_RETURN_STATUSES = frozenset({Status.RETURNING, Status.RETURNED})


def newest_first(events: Iterable[TrackingEvent]) -> tuple[TrackingEvent, ...]:
    """Newest first: by UTC instant when every event has one, else by the source's own order."""
    items = list(events)
    if len(items) < 2:
        return tuple(items)
    if all(event.occurred_at_utc is not None for event in items):
        return tuple(sorted(items, key=lambda e: e.occurred_at_utc, reverse=True))  # type: ignore[arg-type,return-value]
    if items[0].occurred_local < items[-1].occurred_local:
        items.reverse()
    return tuple(items)


def build_shipment(
    *,
    number: str,
    carrier: str | None,
    status: Status,
    source: str,
    checked_at: datetime,
    events: Iterable[TrackingEvent] = (),
    reason: ExceptionReason | None = None,
    is_delayed: bool = False,
    estimated_delivery: DeliveryWindow | None = None,
    origin_country: str | None = None,
    destination_country: str | None = None,
    raw: RawCodes | None = None,
    reason_text: str | None = None,
) -> Shipment:
    """A normalised shipment, applying the precedence rules shared by every source.

    A later return event overrides `delivered`; a reason is kept only for statuses that carry one
    and, when the code names none, is derived from the carrier's wording.
    """
    ordered = newest_first(events)
    if status is Status.DELIVERED and ordered and ordered[0].status in _RETURN_STATUSES:
        status = ordered[0].status
    if status in _REASONED:
        if reason is None:
            texts = [reason_text] + [event.description for event in ordered[:3]]
            reason = next((r for r in map(reason_from_text, texts) if r is not None), None)
        if reason is None and status is Status.EXCEPTION:
            reason = ExceptionReason.OTHER
    elif status is not Status.EXPIRED:
        # An expired tracking keeps the source's own reason (usually `stalled`), never a guess.
        reason = None
    scans = [event.occurred_at_utc for event in ordered if event.occurred_at_utc is not None]
    return Shipment(
        number=number,
        carrier=carrier,
        status=status,
        exception_reason=reason,
        needs_action=reason.needs_action if reason is not None else False,
        is_delayed=is_delayed,
        events=ordered,
        estimated_delivery=estimated_delivery,
        origin_country=origin_country,
        destination_country=destination_country,
        source=source,
        raw=raw or RawCodes(),
        checked_at=checked_at,
        last_scan_at=max(scans) if scans else None,
    )
