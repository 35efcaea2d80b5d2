"""The parts of a tracking answer: headline, estimate, timeline, explanation, silence, link.

Shared by the answer to "where is my parcel?", the parcel list's details and the proactive
updates, so a parcel is described the same way wherever the buyer reads about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType

from bot.replies.catalogs import Translation
from bot.replies.dates import day, window
from bot.replies.silence import LEG_MENTION_DAYS, Silence, SilenceKind, read_silence
from bot.replies.timeline import timeline_lines
from bot.replies.wording import (
    GENERIC_ACTION,
    N_,
    REASON_EXPLANATIONS,
    REASON_HEADLINES,
    REASON_LABELS,
    STATUS_EXPLANATIONS,
    STATUS_HEADLINES,
    STATUS_LABELS,
)
from carriers.catalog import carrier as carrier_named
from carriers.milestones import (
    Holder,
    ReturnCause,
    holder,
    pickup_place,
    return_cause,
    tracking_link,
)
from carriers.models import DeliveryWindow, ExceptionReason, Shipment, Status, TrackingEvent

LABEL_WAIT_DAYS = 4
"""A label unscanned for this many days is past the usual 1–3 days: offer a person."""

UNREACHABLE_MENTION = timedelta(hours=1)
"""Data older than this while the carrier cannot be reached is said to be so."""

LATE_GRACE_DAYS = 1
"""An estimate counts as passed only from the second day after it (the buyer's day may lag)."""

LATE_WORRY_DAYS = 7
"""A week past the estimate, a person should look into it."""

NO_ESTIMATE = frozenset({Status.DELIVERED, Status.RETURNING, Status.RETURNED, Status.EXPIRED})
"""Statuses for which a delivery estimate no longer means anything to the buyer."""

FINAL_REASONS = frozenset(
    {
        ExceptionReason.LOST,
        ExceptionReason.DESTROYED,
        ExceptionReason.CANCELLED,
        ExceptionReason.REFUSED,
        ExceptionReason.REJECTED_BY_CARRIER,
        ExceptionReason.DAMAGED,
        ExceptionReason.INVALID_TRACKING_NUMBER,
    }
)
"""Problems after which the parcel will not arrive as planned: no estimate is shown."""

UPDATE_HEADLINES: Mapping[Status, str] = MappingProxyType(
    {
        # TRANSLATORS: proactive updates (the buyer did not ask); {number}: the tracking number.
        Status.IN_TRANSIT: N_("Good news: your parcel {number} has shipped and is on its way."),
        Status.OUT_FOR_DELIVERY: N_(
            "Your parcel {number} is out for delivery and should arrive today."
        ),
        Status.DELIVERED: N_("Your parcel {number} has been delivered."),
        Status.AVAILABLE_FOR_PICKUP: N_(
            "Your parcel {number} is ready to collect at a pickup point."
        ),
        Status.FAILED_ATTEMPT: N_(
            "The courier tried to deliver your parcel {number} but couldn't."
        ),
        Status.EXCEPTION: N_("There's a problem with your parcel {number}."),
        Status.RETURNING: N_("Your parcel {number} is on its way back to the shop."),
    }
)
"""The milestones a proactive update announces; other statuses get a plain "update"."""


REASSURING_STATUSES = frozenset(
    {Status.PENDING, Status.INFO_RECEIVED, Status.IN_TRANSIT, Status.UNKNOWN}
)
REASSURING_REASONS = frozenset(
    {
        ExceptionReason.CUSTOMS_HOLD,
        ExceptionReason.RECIPIENT_UNAVAILABLE,
        ExceptionReason.BUSINESS_CLOSED,
        ExceptionReason.WEATHER,
        ExceptionReason.CARRIER_DELAY,
        ExceptionReason.REJECTED_BY_CARRIER,
    }
)
"""Whose explanation tells the buyer there is nothing to do: said only while nothing is overdue."""


@dataclass(frozen=True, slots=True)
class Advice:
    """The one decision a parcel's answer is written from: the silence worth telling (if any),
    and whether a person should look now (the silence or the estimate is overdue), in which
    case no sentence says there is nothing to do."""

    silence: Silence | None
    urgent: bool

    def explains(self, shipment: Shipment) -> bool:
        """Whether the status's own explanation goes in (not when it would reassure while
        something is overdue: the silence note says what to do then)."""
        if not self.urgent:
            return True
        reason = shipment.exception_reason
        if shipment.status is Status.EXCEPTION and reason is not None:
            return reason not in REASSURING_REASONS
        if shipment.status is Status.FAILED_ATTEMPT and reason in REASSURING_REASONS:
            return False
        return shipment.status not in REASSURING_STATUSES


def advise(shipment: Shipment, now: datetime) -> Advice:
    """The decision behind a parcel's answer (see Advice)."""
    silence = read_silence(shipment, now)
    today = now.date()
    urgent = silence is not None and silence.overdue(today)
    latest = shipment.estimated_delivery.latest if shipment.estimated_delivery else None
    if latest is not None and _estimate_still_matters(shipment):
        urgent = urgent or (today - latest).days > LATE_WORRY_DAYS
    return Advice(silence, urgent)


def shipment_paragraphs(
    t: Translation, shipment: Shipment, now: datetime, unreachable_since: datetime | None = None
) -> list[str]:
    """Everything about one parcel, paragraph by paragraph: the note that the carrier could not
    be reached, header and headline, estimate, timeline, explanation, silence, carrier link;
    the explanation and the silence note from one decision (`advise`)."""
    today = now.date()
    advice = advise(shipment, now)
    paragraphs: list[str] = []
    stale = unreachable_note(t, unreachable_since, now)
    if stale:
        paragraphs.append(stale)
    paragraphs.append(header(t, shipment) + "\n" + headline(t, shipment))
    expected = estimate(t, shipment, today)
    if expected:
        paragraphs.append(expected)
    if shipment.events:
        # TRANSLATORS: heading of the list of the latest tracking scans.
        heading = t.gettext("Latest updates:")
        lines = timeline_lines(
            t,
            shipment.events,
            today=today,
            destination=shipment.destination_country,
            last_mile=last_mile(shipment),
        )
        paragraphs.append("\n".join([heading, *lines]))
    if advice.explains(shipment):
        paragraphs.append(explanation(t, shipment, now))
    if advice.silence is not None:
        paragraphs.append(silence_note(t, advice.silence, today))
    link = carrier_link(t, shipment)
    if link:
        paragraphs.append(link)
    return paragraphs


def when_paragraphs(t: Translation, shipment: Shipment, now: datetime) -> list[str]:
    """ "When will it arrive?" about a parcel just described: the estimate and what it rests on
    (the carrier's latest scan), or why there is none."""
    today = now.date()
    opening = header(t, shipment) + "\n" + headline(t, shipment)
    delivered = delivery_event(shipment)
    if shipment.status is Status.DELIVERED and delivered is not None:
        when = latest_scan(t, shipment, today)
        return [opening, t.gettext("The carrier marked it as delivered: {when}.", when=when)]
    if not _estimate_still_matters(shipment):
        return [opening, explanation(t, shipment, now)]
    paragraphs = [opening]
    expected = estimate(t, shipment, today)
    scan = latest_scan(t, shipment, today)
    if expected:
        basis = t.gettext("That's the carrier's estimate, from its latest scan: {scan}.", scan=scan)
        paragraphs.append(f"{expected}\n{basis}")
    else:
        paragraphs.append(
            t.gettext(
                "The carrier hasn't given a delivery date yet. Its latest scan: {scan}.",
                scan=scan,
            )
        )
    silence = read_silence(shipment, now)
    if silence is not None:
        paragraphs.append(silence_note(t, silence, today))
    return paragraphs


MOVING_STATUSES = frozenset({Status.IN_TRANSIT, Status.UNKNOWN, Status.OUT_FOR_DELIVERY})
"""Statuses where "is it lost?" is answered with how long silence is normal on this leg."""


def lost_paragraphs(t: Translation, shipment: Shipment, now: datetime) -> list[str]:
    """ "Is it lost?" about a parcel just described: how long silence is normal on this leg,
    and from when to worry; for a parcel stopped for a reason, that reason's explanation."""
    today = now.date()
    opening = header(t, shipment) + "\n" + headline(t, shipment)
    silence = (
        read_silence(shipment, now, asked=True) if shipment.status in MOVING_STATUSES else None
    )
    if silence is None:
        advice = advise(shipment, now)
        paragraphs = [opening]
        if advice.explains(shipment):
            paragraphs.append(explanation(t, shipment, now))
        if advice.silence is not None:
            paragraphs.append(silence_note(t, advice.silence, today))
        return paragraphs
    if silence.days >= LEG_MENTION_DAYS:
        return [opening, silence_note(t, silence, today)]
    recent = t.gettext(
        "Its latest scan is recent ({scan}), so it isn't lost.",
        scan=latest_scan(t, shipment, today),
    )
    return [opening, t.join(recent, _usual_silence(t, silence), _when_to_worry(t, silence, today))]


def _usual_silence(t: Translation, silence: Silence) -> str:
    """How long this kind of silence usually lasts."""
    if silence.kind is SilenceKind.BETWEEN_COUNTRIES:
        low, high = silence.usual_days
        return t.ngettext(
            "That's normal: parcels usually show no new scans for {low}–{high} day "
            "while they travel between countries, until they're scanned on arrival "
            "in the destination country.",
            "That's normal: parcels usually show no new scans for {low}–{high} days "
            "while they travel between countries, until they're scanned on arrival "
            "in the destination country.",
            high,
            low=low,
            high=high,
        )
    return t.gettext(
        "Parcels sometimes wait at a depot or between sorting centers without a "
        "scan, and usually move again within a few days."
    )


def return_paragraphs(t: Translation, shipment: Shipment, now: datetime) -> list[str]:
    """ "Why is it being sent back?" about a parcel just described: the reason from its scans,
    and what happens next."""
    opening = header(t, shipment)
    if shipment.status not in {Status.RETURNING, Status.RETURNED}:
        not_returning = t.gettext(
            "The carrier's scans don't show that your parcel is being sent back."
        )
        return [opening + "\n" + t.join(not_returning, headline(t, shipment))]
    sentences = [headline(t, shipment)]
    if return_reason(t, shipment) is None:
        sentences.append(
            t.gettext(
                "The carrier's scans don't say why. Ask for a person here and the shop will "
                "find out."
            )
        )
    return [opening + "\n" + t.join(*sentences), explanation(t, shipment, now)]


def unchanged_paragraphs(t: Translation, shipment: Shipment, now: datetime) -> list[str]:
    """Asked again with no new scan since the last answer: that there is none, the estimate,
    and what the silence means (else what happens next), from the one decision (`advise`)."""
    today = now.date()
    opening = header(t, shipment) + "\n" + headline(t, shipment)
    nothing_new = t.gettext(
        "There's no new scan since my last answer. The latest is still: {scan}.",
        scan=latest_scan(t, shipment, today),
    )
    paragraphs = [opening, nothing_new]
    expected = estimate(t, shipment, today)
    if expected:
        paragraphs.append(expected)
    advice = advise(shipment, now)
    if advice.silence is not None:
        paragraphs.append(silence_note(t, advice.silence, today))
    elif advice.explains(shipment):
        paragraphs.append(explanation(t, shipment, now))
    return paragraphs


def latest_scan(t: Translation, shipment: Shipment, today: date) -> str:
    """The newest scan as a timeline line without its bullet ("Nov 18, 6:35 PM · … · …")."""
    lines = timeline_lines(
        t, shipment.events[:2], today=today, destination=shipment.destination_country, limit=1
    )
    return lines[0].removeprefix("• ") if lines else t.gettext(STATUS_LABELS[shipment.status])


def last_mile(shipment: Shipment) -> Holder | None:
    """The carrier the source says the parcel was handed to, with its number there."""
    known = carrier_named(shipment.last_mile_carrier) if shipment.last_mile_carrier else None
    if known is None or shipment.last_mile_number is None:
        return None
    return Holder(known, shipment.last_mile_number)


def header(t: Translation, shipment: Shipment) -> str:
    """The first line of a parcel's answer: its number, and its carrier's name when known."""
    known = carrier_named(shipment.carrier) if shipment.carrier else None
    if known is not None:
        return t.gettext("Parcel {number} ({carrier})", number=shipment.number, carrier=known.name)
    return t.gettext("Parcel {number}", number=shipment.number)


def headline(t: Translation, shipment: Shipment) -> str:
    """What is true now, in a sentence or two (the status, and the reason when there is one)."""
    reason = shipment.exception_reason
    status = shipment.status
    if status is Status.EXCEPTION and reason is not None:
        return t.gettext(REASON_HEADLINES[reason])
    said = t.gettext(STATUS_HEADLINES[status])
    if status in {Status.RETURNING, Status.RETURNED}:
        return t.join(said, return_reason(t, shipment) or "")
    if reason is not None and status is Status.FAILED_ATTEMPT:
        return t.join(said, t.gettext(REASON_HEADLINES[reason]))
    return said


RETURN_REASONS: Mapping[ReturnCause, str] = MappingProxyType(
    {
        ReturnCause.REFUSED: REASON_HEADLINES[ExceptionReason.REFUSED],
        ReturnCause.NOBODY_IN: REASON_HEADLINES[ExceptionReason.RECIPIENT_UNAVAILABLE],
        ReturnCause.ADDRESS: REASON_HEADLINES[ExceptionReason.ADDRESS_ISSUE],
    }
)


def return_reason(t: Translation, shipment: Shipment) -> str | None:
    """Why the parcel is going back, from its scans (a sentence); None when they do not say."""
    cause = return_cause(shipment.events)
    if cause is None:
        reason = shipment.exception_reason
        if reason is None or reason is ExceptionReason.RETURNED_TO_SENDER:
            return None
        return t.gettext(REASON_HEADLINES[reason])
    if cause is ReturnCause.NOT_COLLECTED:
        place = next(
            (found for e in shipment.events if (found := pickup_place(e.description))), None
        )
        if place is not None:
            return t.gettext("It wasn't collected from {place} in time.", place=place)
        return t.gettext("It wasn't collected from the pickup point or post office in time.")
    return t.gettext(RETURN_REASONS[cause])


def explanation(t: Translation, shipment: Shipment, now: datetime) -> str:
    """What happens next, how long it usually takes, and what the buyer must do, if anything."""
    status, reason = shipment.status, shipment.exception_reason
    sentences: list[str] = []
    if status in {Status.PENDING, Status.INFO_RECEIVED}:
        days = _label_age_days(shipment, now)
        if days is not None and days >= LABEL_WAIT_DAYS:
            sentences.append(
                t.ngettext(
                    "The label was created {days} day ago and the carrier still hasn't "
                    "scanned the parcel. That's longer than usual: ask for a person here "
                    "and the shop will check with the carrier.",
                    "The label was created {days} days ago and the carrier still hasn't "
                    "scanned the parcel. That's longer than usual: ask for a person here "
                    "and the shop will check with the carrier.",
                    days,
                    days=days,
                )
            )
        else:
            sentences.append(t.gettext(STATUS_EXPLANATIONS[status]))
    elif reason is not None and status in {Status.EXCEPTION, Status.FAILED_ATTEMPT}:
        sentences.append(t.gettext(REASON_EXPLANATIONS[reason]))
    else:
        sentences.append(t.gettext(STATUS_EXPLANATIONS[status]))
    if shipment.is_delayed and not status.is_terminal and reason is None:
        sentences.append(t.gettext("The carrier has flagged it as running late."))
    if shipment.needs_action and not (reason is not None and reason.needs_action):
        sentences.append(t.gettext(GENERIC_ACTION))
    return t.join(*sentences)


def estimate(t: Translation, shipment: Shipment, today: date) -> str | None:
    """The estimated delivery, or that it has passed; None when there is none to tell."""
    estimate = shipment.estimated_delivery
    if estimate is None or not _estimate_still_matters(shipment):
        return None
    dates = window(t.locale, estimate, today=today)
    if dates is None:
        return None
    latest = estimate.latest
    if latest is not None and (today - latest).days > LATE_GRACE_DAYS:
        return _estimate_passed(t, latest, today)
    return _estimate_dates(t, estimate, dates)


def _estimate_still_matters(shipment: Shipment) -> bool:
    """False once the status makes any delivery date beside the point."""
    if shipment.status in NO_ESTIMATE:
        return False
    return not (shipment.status is Status.EXCEPTION and shipment.exception_reason in FINAL_REASONS)


def _estimate_passed(t: Translation, latest: date, today: date) -> str:
    """The latest estimated date has passed: by a few days, or by more than a week."""
    passed = day(t.locale, latest, today=today)
    if (today - latest).days > LATE_WORRY_DAYS:
        return t.gettext(
            "The estimated delivery date ({date}) was more than a week ago. Ask for a "
            "person here and the shop will look into it with the carrier.",
            date=passed,
        )
    return t.gettext(
        "The estimated delivery date ({date}) has passed. Parcels are often a few days "
        "late, especially from abroad; if it hasn't arrived within a week of that date, "
        "ask for a person here.",
        date=passed,
    )


def _estimate_dates(t: Translation, estimate: DeliveryWindow, dates: str) -> str:
    """The estimate still ahead: from, by, or between its dates."""
    if estimate.earliest is not None and estimate.latest is None:
        return t.gettext("Estimated delivery: from {date}", date=dates)
    if estimate.earliest is None:
        return t.gettext("Estimated delivery: by {date}", date=dates)
    return t.gettext("Estimated delivery: {dates}", dates=dates)


def silence_note(t: Translation, silence: Silence, today: date) -> str:
    """How long the carrier has been quiet, whether that is normal, and when to worry."""
    if silence.kind is SilenceKind.BETWEEN_COUNTRIES:
        sentences = _quiet_between_countries(t, silence)
    else:
        sentences = _quiet_in_country(t, silence, today)
    sentences.append(_when_to_worry(t, silence, today))
    return t.join(*sentences)


def _quiet_between_countries(t: Translation, silence: Silence) -> list[str]:
    """The last scan was before the parcel left its country: normal for a while."""
    days = silence.days
    sentences = [
        t.ngettext(
            "Your parcel was last scanned {days} day ago, before it left the country it "
            "was sent from.",
            "Your parcel was last scanned {days} days ago, before it left the country it "
            "was sent from.",
            days,
            days=days,
        )
    ]
    if not silence.beyond_usual:
        sentences.append(_usual_silence(t, silence))
    return sentences


def _quiet_in_country(t: Translation, silence: Silence, today: date) -> list[str]:
    """No scan for days inside one country: depots and sorting centers, until it is overdue."""
    days = silence.days
    sentences = [
        t.ngettext(
            "The carrier hasn't scanned your parcel for {days} day.",
            "The carrier hasn't scanned your parcel for {days} days.",
            days,
            days=days,
        )
    ]
    if not silence.overdue(today):
        sentences.append(_usual_silence(t, silence))
    return sentences


def _when_to_worry(t: Translation, silence: Silence, today: date) -> str:
    """Overdue: ask for a person now; else the day from which an inquiry makes sense."""
    if silence.overdue(today):
        return t.gettext(
            "That's longer than usual, so it's worth checking: ask for a person here and "
            "the shop can open an inquiry with the carrier."
        )
    enquire = day(t.locale, silence.enquire_from, today=today)
    if silence.kind is SilenceKind.BETWEEN_COUNTRIES and silence.beyond_usual:
        return t.gettext(
            "That's a little longer than usual, but not yet a reason to worry. If there's "
            "still no new scan by {date}, ask for a person here and the shop can open an "
            "inquiry with the carrier.",
            date=enquire,
        )
    return t.gettext(
        "If there's still no new scan by {date}, ask for a person here and the shop "
        "can open an inquiry with the carrier.",
        date=enquire,
    )


def unreachable_note(t: Translation, since: datetime | None, now: datetime) -> str | None:
    """That the carrier could not be reached since `since`, when that is long enough to say."""
    if since is None or now - since < UNREACHABLE_MENTION:
        return None
    hours = (now - since) // timedelta(hours=1)
    if hours < 48:
        return t.ngettext(
            "I couldn't reach the carrier for the last {hours} hour, so this is what its "
            "tracking showed then.",
            "I couldn't reach the carrier for the last {hours} hours, so this is what its "
            "tracking showed then.",
            hours,
            hours=hours,
        )
    days = hours // 24
    return t.ngettext(
        "I haven't been able to reach the carrier for {days} day, so this is what its "
        "tracking showed then.",
        "I haven't been able to reach the carrier for {days} days, so this is what its "
        "tracking showed then.",
        days,
        days=days,
    )


def carrier_link(t: Translation, shipment: Shipment) -> str | None:
    """The carrier's own tracking page for the parcel, when the carrier has one."""
    url = tracking_link(shipment)
    if url is None:
        return None
    now_with = holder(shipment)
    if (
        now_with is not None
        and now_with.carrier.slug != shipment.carrier
        and now_with.number in url
    ):
        return t.gettext(
            "{carrier} has your parcel now. Its tracking page: {url}",
            carrier=now_with.carrier.name,
            url=url,
        )
    return t.gettext("The carrier's own tracking page: {url}", url=url)


def update_sentence(t: Translation, shipment: Shipment) -> str:
    """A milestone in one or two sentences, naming the parcel (proactive updates)."""
    status, reason = shipment.status, shipment.exception_reason
    template = UPDATE_HEADLINES.get(status)
    if status is Status.EXCEPTION and reason is not None:
        return t.join(
            t.gettext("Update on your parcel {number}:", number=shipment.number),
            t.gettext(REASON_HEADLINES[reason]),
        )
    if template is None:
        sentence = t.gettext(
            "There's an update on your parcel {number}: {status}.",
            number=shipment.number,
            status=t.gettext(STATUS_LABELS[status]),
        )
    else:
        sentence = t.gettext(template, number=shipment.number)
    if reason is not None and status in {
        Status.EXCEPTION,
        Status.FAILED_ATTEMPT,
        Status.RETURNING,
    }:
        sentence = t.join(sentence, t.gettext(REASON_HEADLINES[reason]))
    return sentence


def short_status(t: Translation, shipment: Shipment) -> str:
    """The parcel's state in a few words (its reason's label for a problem)."""
    reason = shipment.exception_reason
    if reason is not None and shipment.status in {Status.EXCEPTION, Status.FAILED_ATTEMPT}:
        return t.gettext(REASON_LABELS[reason])
    return t.gettext(STATUS_LABELS[shipment.status])


def delivery_event(shipment: Shipment | None) -> TrackingEvent | None:
    """The scan that says the parcel was delivered, if there is one."""
    if shipment is None:
        return None
    for event in shipment.events:
        if event.status is Status.DELIVERED:
            return event
    return None


def days_between(start: datetime, end: datetime) -> int:
    """Whole days from `start` to `end`, never negative."""
    return max(0, (end - start) // timedelta(days=1))


def _label_age_days(shipment: Shipment, now: datetime) -> int | None:
    for event in reversed(shipment.events):
        if event.occurred_at_utc is not None:
            return days_between(event.occurred_at_utc, now)
    return None


__all__ = [
    "LABEL_WAIT_DAYS",
    "UPDATE_HEADLINES",
    "Advice",
    "advise",
    "carrier_link",
    "days_between",
    "delivery_event",
    "estimate",
    "explanation",
    "header",
    "headline",
    "latest_scan",
    "lost_paragraphs",
    "return_paragraphs",
    "return_reason",
    "shipment_paragraphs",
    "short_status",
    "silence_note",
    "unchanged_paragraphs",
    "unreachable_note",
    "update_sentence",
    "when_paragraphs",
]
