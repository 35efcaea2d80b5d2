"""The timeline in a reply: the key scans, newest first, each with its local time and place.

Each line says what happened in the buyer's language: the scan's meaning as
`carriers.milestones` reads it (customs cleared, handed to USPS with its number, left in the
mailbox, ready at a named pickup point, sent back and why), else our label for its status and
reason. Never the carrier's whole wording: it is often in another language, and carriers put
signers' names and couriers' phone numbers in it; only a carrier's or a pickup point's name is
taken from it. Consecutive scans that mean the same are one line with their span of time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType

from bot.replies.catalogs import Translation
from bot.replies.dates import event_time, place
from bot.replies.wording import N_, REASON_LABELS, STATUS_LABELS
from carriers.catalog import carrier as carrier_named
from carriers.milestones import Holder, Meaning, Milestone, ReturnCause, classify
from carriers.models import Status, TrackingEvent

MAX_EVENTS = 6

KEY_MILESTONES = (
    Milestone.HANDED_OVER,
    Milestone.RETURNING,
    Milestone.RETURNED,
    Milestone.DELIVERED_MAILBOX,
    Milestone.DELIVERED_NEIGHBOUR,
    Milestone.DELIVERED_DOOR,
    Milestone.DELIVERED,
    Milestone.AT_PICKUP_POINT,
    Milestone.FAILED_ATTEMPT,
    Milestone.PROBLEM,
    Milestone.CUSTOMS_CLEARED,
    Milestone.ARRIVED_DESTINATION,
    Milestone.IN_CUSTOMS,
    Milestone.LEFT_ORIGIN,
    Milestone.EXPORT_CLEARED,
    Milestone.PICKED_UP,
)
"""The scans worth a line, most telling first, after the newest (always shown)."""

RETURN_CAUSES: Mapping[ReturnCause, str] = MappingProxyType(
    {
        # TRANSLATORS: why a parcel goes back, in brackets after "Returning to the shop".
        ReturnCause.NOT_COLLECTED: N_("not collected"),
        ReturnCause.REFUSED: N_("refused"),
        ReturnCause.NOBODY_IN: N_("nobody was in"),
        ReturnCause.ADDRESS: N_("address problem"),
    }
)

MILESTONE_LABELS: Mapping[Milestone, str] = MappingProxyType(
    {
        # TRANSLATORS: what one tracking scan says, in a timeline line.
        Milestone.EXPORT_CLEARED: N_("Export customs cleared"),
        Milestone.LEFT_ORIGIN: N_("Left the origin country"),
        Milestone.ARRIVED_DESTINATION: N_("Arrived in the destination country"),
        Milestone.IN_CUSTOMS: N_("Customs clearance started"),
        Milestone.CUSTOMS_CLEARED: N_("Customs cleared"),
        Milestone.PICKED_UP: N_("Picked up by the carrier"),
        Milestone.DELIVERED_MAILBOX: N_("Delivered to the mailbox"),
        Milestone.DELIVERED_NEIGHBOUR: N_("Delivered to a neighbor"),
        Milestone.DELIVERED_DOOR: N_("Delivered to the door"),
    }
)


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive scans that say the same (positions in the newest-first events)."""

    newest: int
    oldest: int
    label: str


def key_events(events: Sequence[TrackingEvent], limit: int = MAX_EVENTS) -> list[TrackingEvent]:
    """The newest scan of each key line of `events` (newest first), at most `limit`."""
    if not events:
        return []
    runs = _runs(None, events)
    return [events[run.newest] for run in _key_runs(events, runs, limit)]


def event_label(
    translation: Translation | None,
    event: TrackingEvent,
    older: TrackingEvent | None,
    destination: str | None = None,
    last_mile: Holder | None = None,
) -> str:
    """What a scan means, in the reader's language (`destination`: the destination country;
    `last_mile`: the carrier the source says the parcel was handed to, and its number there);
    without a translation, a stable key for comparing scans."""
    meaning = classify(event)
    if (
        meaning.milestone is Milestone.HANDED_OVER
        and meaning.number is None
        and last_mile is not None
        and meaning.carrier == last_mile.carrier.slug
    ):
        meaning = replace(meaning, number=last_mile.number)
    if translation is None:
        first = older is None or older.status in {Status.PENDING, Status.INFO_RECEIVED}
        entered = _entered_country(event, older)
        return f"{meaning}|{event.status}|{event.reason}|{first}|{entered}"
    said = _milestone_label(translation, meaning)
    if said is not None:
        return said
    if event.reason is not None and event.status in {Status.EXCEPTION, Status.FAILED_ATTEMPT}:
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


def _milestone_label(t: Translation, meaning: Meaning) -> str | None:
    milestone = meaning.milestone
    if milestone in MILESTONE_LABELS:
        return t.gettext(MILESTONE_LABELS[milestone])
    if milestone is Milestone.HANDED_OVER:
        return _handover_label(t, meaning)
    if meaning.place and milestone in {Milestone.DELIVERED, Milestone.AT_PICKUP_POINT}:
        return _place_label(t, milestone, meaning.place)
    if meaning.cause is None or milestone not in {Milestone.RETURNING, Milestone.RETURNED}:
        return None
    cause = t.gettext(RETURN_CAUSES[meaning.cause])
    if milestone is Milestone.RETURNED:
        return t.gettext("Returned to the shop ({cause})", cause=cause)
    return t.gettext("Returning to the shop ({cause})", cause=cause)


def _place_label(t: Translation, milestone: Milestone, place: str) -> str:
    if milestone is Milestone.DELIVERED:
        return t.gettext("Delivered to {place}", place=place)
    return t.gettext("Ready for pickup at {place}", place=place)


def _handover_label(t: Translation, meaning: Meaning) -> str | None:
    if meaning.carrier is None:
        return None
    known = carrier_named(meaning.carrier)
    name = known.name if known is not None else meaning.carrier
    if meaning.number:
        return t.gettext(
            "Handed to {carrier}, number {number}", carrier=name, number=meaning.number
        )
    return t.gettext("Handed to {carrier}", carrier=name)


def _runs(
    translation: Translation | None,
    events: Sequence[TrackingEvent],
    destination: str | None = None,
    last_mile: Holder | None = None,
) -> list[Run]:
    """`events` (newest first) grouped into runs of consecutive scans with the same label."""
    runs: list[Run] = []
    for index, event in enumerate(events):
        older = events[index + 1] if index + 1 < len(events) else None
        label = event_label(translation, event, older, destination, last_mile)
        if runs and runs[-1].label == label and runs[-1].oldest == index - 1:
            runs[-1] = Run(runs[-1].newest, index, label)
        else:
            runs.append(Run(index, index, label))
    return runs


def _key_runs(events: Sequence[TrackingEvent], runs: Sequence[Run], limit: int) -> list[Run]:
    """The newest run; then the most telling milestones; then the first scan; then the newest
    of the rest; at most `limit`, newest first."""
    if not runs:
        return []
    chosen = [0]
    meanings = [classify(events[run.newest]).milestone for run in runs]
    telling = [i for milestone in KEY_MILESTONES for i, m in enumerate(meanings) if m is milestone]
    newest_of_each: dict[Milestone, int] = {}
    for index in telling:
        newest_of_each.setdefault(meanings[index], index)
    # The newest of each milestone first, then the first scan, then the rest of them.
    chosen += [*newest_of_each.values(), len(runs) - 1, *telling]
    chosen += [i for i, run in enumerate(runs) if _changed(events, run.oldest)]
    chosen += list(range(len(runs)))
    return [runs[i] for i in sorted(list(dict.fromkeys(chosen))[:limit])]


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


def timeline_lines(
    translation: Translation,
    events: Sequence[TrackingEvent],
    *,
    today: date,
    destination: str | None = None,
    limit: int = MAX_EVENTS,
    last_mile: Holder | None = None,
) -> list[str]:
    """One line per key run: "• Jun 10, 9:10 AM · Los Angeles, CA · Out for delivery"; a run
    of several scans shows its span ("Jun 8, 9:00 AM – Jun 9, 6:10 PM").

    `events` are all of a shipment's events, newest first (older ones give the newer ones
    their meaning); at most `limit` lines are written.
    """
    runs = _runs(translation, events, destination, last_mile)
    lines = []
    for run in _key_runs(events, runs, limit):
        event = events[run.newest]
        when = event_time(translation.locale, event.occurred_local, today=today)
        if run.oldest != run.newest:
            first = event_time(translation.locale, events[run.oldest].occurred_local, today=today)
            when = f"{first} – {when}"
        where = place(translation.locale, event.location, event.country)
        if where:
            # TRANSLATORS: one timeline line: the scan's local time, its place, what happened.
            line = translation.gettext(
                "{when} · {place} · {what}", when=when, place=where, what=run.label
            )
        else:
            line = translation.gettext("{when} · {what}", when=when, what=run.label)
        lines.append("• " + line)
    return lines


__all__ = [
    "MAX_EVENTS",
    "MILESTONE_LABELS",
    "RETURN_CAUSES",
    "event_label",
    "key_events",
    "timeline_lines",
]
