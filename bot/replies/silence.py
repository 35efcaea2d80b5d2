"""Reading a carrier's silence: a normal quiet leg between countries, or scans that stopped.

A parcel flown or shipped from China to the US often shows nothing for one to two weeks between
"departed" and the destination's first scan; that is normal and the buyer should hear it is.
Silence anywhere else (within a country, or after arriving) for several days is worth saying
too, with when to start worrying. Both are measured from known instants only
(docs/tracking-sources.md, Time rules, rule 7): when the carrier's last scan has no known
instant, nothing is said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from carriers.models import Shipment, Status

EXPRESS_CARRIERS = frozenset({"ups", "fedex", "dhl", "sf-express"})
"""Integrators that scan every leg, flights included: a quiet cross-border leg is short."""

EXPRESS_LEG_DAYS = (1, 4)
POSTAL_LEG_DAYS = (5, 15)
"""How long the cross-border leg usually stays silent: express, and postal or e-commerce lanes
(China Post, Cainiao, YunExpress, Yanwen, 4PX … handed to the destination's post)."""

LEG_GRACE_DAYS = 7
"""Beyond the usual leg, a week's grace before suggesting an inquiry with the carrier."""

QUIET_DAYS = {
    Status.IN_TRANSIT: 4,
    Status.UNKNOWN: 4,
    Status.OUT_FOR_DELIVERY: 2,
    Status.EXCEPTION: 4,
    Status.RETURNING: 14,
}
"""Days without a scan after which silence is mentioned, by status. Statuses not listed wait
on the buyer or are final (pickup, delivered …), or have their own wording (label created)."""

LEG_MENTION_DAYS = 2
"""A cross-border quiet leg is explained from the second day: that is when buyers ask."""

ENQUIRY_AFTER_DAYS = 10
"""Within a country, scans may pause a few days at a depot; after this many, ask for a trace."""


class SilenceKind(StrEnum):
    BETWEEN_COUNTRIES = "between_countries"  # left the origin, not yet scanned on arrival
    CARRIER_QUIET = "carrier_quiet"  # no scan for days, not explained by a border leg


@dataclass(frozen=True, slots=True)
class Silence:
    """How long the carrier has said nothing, what kind of silence it is, and when to worry.

    `usual_days` is the normal length of this kind of silence (a range for a border leg);
    `enquire_from` is the day from which the shop should ask the carrier to trace it.
    """

    kind: SilenceKind
    days: int
    last_scan: datetime
    usual_days: tuple[int, int]
    enquire_from: date
    origin_country: str | None = None
    destination_country: str | None = None

    @property
    def beyond_usual(self) -> bool:
        return self.days > self.usual_days[1]

    def overdue(self, today: date) -> bool:
        return today >= self.enquire_from


def last_scan_at(shipment: Shipment) -> datetime | None:
    """The newest scan's known instant: the source's own value, else the newest event's."""
    if shipment.last_scan_at is not None:
        return shipment.last_scan_at
    for event in shipment.events:
        if event.occurred_at_utc is not None:
            return event.occurred_at_utc
    return None


def read_silence(shipment: Shipment, now: datetime, *, asked: bool = False) -> Silence | None:
    """The silence worth telling the buyer about, or None when the carrier is not quiet.

    `asked`: the buyer asked whether it is lost, so the leg's silence is read however short
    it is so far (how long is normal, and when to worry); still None for a status that has no
    such silence (delivered, waiting at a pickup point …).
    """
    last = last_scan_at(shipment)
    if last is None:
        return None
    days = (now - last) // timedelta(days=1)
    leg = _border_leg(shipment)
    mention = 0 if asked else LEG_MENTION_DAYS
    if leg is not None and shipment.status is Status.IN_TRANSIT and days >= mention:
        origin, destination = leg
        usual = EXPRESS_LEG_DAYS if shipment.carrier in EXPRESS_CARRIERS else POSTAL_LEG_DAYS
        return Silence(
            kind=SilenceKind.BETWEEN_COUNTRIES,
            days=days,
            last_scan=last,
            usual_days=usual,
            enquire_from=last.date() + timedelta(days=usual[1] + LEG_GRACE_DAYS),
            origin_country=origin,
            destination_country=destination,
        )
    threshold = QUIET_DAYS.get(shipment.status)
    if threshold is None or (days < threshold and not asked):
        return None
    return Silence(
        kind=SilenceKind.CARRIER_QUIET,
        days=days,
        last_scan=last,
        usual_days=(1, threshold),
        enquire_from=last.date() + timedelta(days=max(ENQUIRY_AFTER_DAYS, threshold * 2)),
    )


def _border_leg(shipment: Shipment) -> tuple[str | None, str] | None:
    """(origin, destination) when the newest located scan is outside the destination country
    and no scan has happened in it yet; None otherwise (domestic, arrived, or unknown)."""
    destination = (shipment.destination_country or "").upper() or None
    located = [event.country.upper() for event in shipment.events if event.country]
    if destination is None or not located:
        return None
    if destination in located:
        return None
    origin = (shipment.origin_country or "").upper() or located[-1]
    if origin == destination:
        return None
    return origin, destination


__all__ = [
    "EXPRESS_CARRIERS",
    "EXPRESS_LEG_DAYS",
    "LEG_GRACE_DAYS",
    "POSTAL_LEG_DAYS",
    "QUIET_DAYS",
    "Silence",
    "SilenceKind",
    "last_scan_at",
    "read_silence",
]
