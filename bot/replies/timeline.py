"""The timeline in a reply: the key scans, newest first, each with its local time and place.

Each line says what happened in the buyer's language (our label for the scan's status and
reason), never the carrier's own wording: that is often in another language, and carriers
put signers' names and couriers' phone numbers in it. The carrier's page has the full text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.replies.catalogs import Translation
from bot.replies.dates import event_time, place
from bot.replies.wording import REASON_LABELS, STATUS_LABELS
from carriers.models import Status, TrackingEvent

MAX_EVENTS = 5


def key_events(events: Sequence[TrackingEvent], limit: int = MAX_EVENTS) -> list[TrackingEvent]:
    """Up to `limit` of `events` (newest first), newest first, the telling ones preferred.

    The newest scan always; then, newest first, the scans where something changed (a new
    status, a reason, a new country, the very first scan); then the newest of the rest.
    """
    return [events[index] for index in _key_indices(events, limit)]


def _key_indices(events: Sequence[TrackingEvent], limit: int) -> list[int]:
    if not events:
        return []
    telling = [0]
    telling += [index for index in range(1, len(events)) if _changed(events, index)]
    chosen = telling[:limit]
    for index in range(len(events)):
        if len(chosen) >= limit:
            break
        if index not in chosen:
            chosen.append(index)
    return sorted(chosen)


def _changed(events: Sequence[TrackingEvent], index: int) -> bool:
    event = events[index]
    older = events[index + 1] if index + 1 < len(events) else None
    if older is None:
        return True  # the first scan: handed to the carrier
    if event.reason is not None or event.status is not older.status:
        return True
    return _entered_country(event, older)


def _entered_country(event: TrackingEvent, older: TrackingEvent | None) -> bool:
    return (
        older is not None
        and event.country is not None
        and older.country is not None
        and event.country.upper() != older.country.upper()
    )


def event_label(
    translation: Translation,
    event: TrackingEvent,
    older: TrackingEvent | None,
    destination: str | None = None,
) -> str:
    """What a scan means, in the reader's language (`destination`: the destination country)."""
    if event.reason is not None:
        return translation.gettext(REASON_LABELS[event.reason])
    if event.status is Status.IN_TRANSIT:
        if (
            destination is not None
            and _entered_country(event, older)
            and (event.country or "").upper() == destination.upper()
        ):
            return translation.gettext("Arrived in the destination country")
        if older is None or older.status in {Status.PENDING, Status.INFO_RECEIVED}:
            return translation.gettext("Picked up by the carrier")
    return translation.gettext(STATUS_LABELS[event.status])


def timeline_lines(
    translation: Translation,
    events: Sequence[TrackingEvent],
    *,
    today: date,
    destination: str | None = None,
    limit: int = MAX_EVENTS,
) -> list[str]:
    """One line per key event: "• Jun 10, 9:10 AM · Los Angeles, CA · Out for delivery".

    `events` are all of a shipment's events, newest first (older ones give the newer ones
    their meaning); at most `limit` lines are written.
    """
    lines = []
    for position in _key_indices(events, limit):
        event = events[position]
        older = events[position + 1] if position + 1 < len(events) else None
        when = event_time(translation.locale, event.occurred_local, today=today)
        where = place(translation.locale, event.location, event.country)
        what = event_label(translation, event, older, destination)
        if where:
            # TRANSLATORS: one timeline line: the scan's local time, its place, what happened.
            line = translation.gettext(
                "{when} · {place} · {what}", when=when, place=where, what=what
            )
        else:
            line = translation.gettext("{when} · {what}", when=when, what=what)
        lines.append("• " + line)
    return lines


__all__ = ["MAX_EVENTS", "event_label", "key_events", "timeline_lines"]
