"""What one scan means, beyond its status: customs cleared, handed to another carrier, left in
the mailbox, ready at a named pickup point, sent back and why.

Pure functions of a TrackingEvent (status, reason, raw codes, description) and of a Shipment's
events. Carriers say these things in their own words, often in English with the local term in
brackets ("Import customs clearance completed (douane)"); the patterns below read the phrasing
of the sources we normalise (docs/tracking-sources.md, Normalised model) and fall back to the
status alone, so an unrecognised wording is never worse than the status.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from carriers.catalog import CARRIERS, Carrier
from carriers.catalog import carrier as carrier_named
from carriers.models import ExceptionReason, Shipment, Status, TrackingEvent


class Milestone(StrEnum):
    """The meaning of one scan, finer than its status where the carrier says more."""

    LABEL_CREATED = "label_created"
    PICKED_UP = "picked_up"
    EXPORT_CLEARED = "export_cleared"
    LEFT_ORIGIN = "left_origin"
    ARRIVED_DESTINATION = "arrived_destination"
    IN_CUSTOMS = "in_customs"
    CUSTOMS_CLEARED = "customs_cleared"
    HANDED_OVER = "handed_over"
    MOVING = "moving"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AT_PICKUP_POINT = "at_pickup_point"
    DELIVERED = "delivered"
    DELIVERED_MAILBOX = "delivered_mailbox"
    DELIVERED_NEIGHBOUR = "delivered_neighbour"
    DELIVERED_DOOR = "delivered_door"
    FAILED_ATTEMPT = "failed_attempt"
    PROBLEM = "problem"
    RETURNING = "returning"
    RETURNED = "returned"
    OTHER = "other"


class ReturnCause(StrEnum):
    """Why a parcel is going back, as its scans tell it."""

    NOT_COLLECTED = "not_collected"  # left at a pickup point or post office, never collected
    REFUSED = "refused"
    NOBODY_IN = "nobody_in"  # the delivery attempts failed
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class Meaning:
    """One scan read: its milestone; the carrier it was handed to (our slug, or the name as
    written when we do not know the carrier) and the number it got; a pickup point's name."""

    milestone: Milestone
    carrier: str | None = None
    number: str | None = None
    place: str | None = None
    cause: ReturnCause | None = None


_HANDOVER = re.compile(
    r"\b(?i:handed (?:over )?to|transferred to|tendered to|passed to)\b(?i: the)?"
    r"(?i: last[- ]mile| destination| local| delivery)?(?i: carrier| partner| courier)?[: ]+"
    r"(?P<name>[A-Z][\w&.\- ]*?)"
    r"(?:\s*[(,]?\s*(?:tracking )?(?:number|no\.?|#)[: ]*(?P<number>[A-Z0-9]{8,40}))?"
    r"\s*(?:[),.;]|$)",
)
_CLEARED = re.compile(r"customs clearance completed|customs cleared|cleared customs", re.I)
_EXPORT = re.compile(r"\bexport\b", re.I)
_IN_CUSTOMS = re.compile(r"customs clearance started|at customs|customs clearance\b", re.I)
_LEFT = re.compile(
    r"\bdeparted (?:from )?the origin|\bdispatched from the office of exchange", re.I
)
_ARRIVED = re.compile(
    r"arrived (?:in|at) the destination (?:country|airport)|arrived in the (?:UK|US)", re.I
)
_PICKED_UP = re.compile(r"\bpicked up\b|\bposting / collection\b|in possession of item", re.I)
_MAILBOX = re.compile(r"\bmail ?box\b|\bletterbox\b|\bbriefkasten\b|\bboite aux lettres\b", re.I)
_NEIGHBOUR = re.compile(r"\bneighbou?r\b|\bnachbar", re.I)
_DOOR = re.compile(r"\bfront door\b|\bporch\b|\bdoorstep\b", re.I)
_PICKUP_PLACE = re.compile(
    r"\b(?:at|from) (?:the )?(?P<place>(?:[\w&.'\-]+ ){0,3}?(?:Packstation|point|locker|shop"
    r"|office|Paketshop|relais)\b[^;,.]*?(?:\([^)]*\))?)(?:\s*\(collect|[;,.]|$)",
    re.I,
)
_UNCLAIMED = re.compile(r"\bunclaimed\b|\bnot collected\b|\bnot picked up\b", re.I)
_REFUSED = re.compile(r"\brefused\b|\bverweigert\b|\brechaz", re.I)
_TRANSIT_PHRASES = (
    (_IN_CUSTOMS, Milestone.IN_CUSTOMS),
    (_LEFT, Milestone.LEFT_ORIGIN),
    (_ARRIVED, Milestone.ARRIVED_DESTINATION),
    (_PICKED_UP, Milestone.PICKED_UP),
)
_NAME_ALIASES = {
    "colissimo": "la-poste",
    "la poste": "la-poste",
    "deutsche post": "dhl-paket",
    "correos": "correos",
    "royal mail": "royal-mail",
    "postnl": "postnl",
}

DESTINATION_POSTS = {
    "US": "usps",
    "FR": "la-poste",
    "NL": "postnl",
    "DE": "dhl-paket",
    "GB": "royal-mail",
    "ES": "correos",
    "IT": "poste-italiane",
    "AU": "australia-post",
    "CA": "canada-post",
    "JP": "japan-post",
    "BR": "correios",
}
"""The national post that delivers a UPU S10 postal item in its country: it tracks the item
under the same number (the S10 number travels with the item across posts)."""

POSTAL_CARRIERS = frozenset({"china-post", "china-ems", "upu", "hong-kong-post", "singapore-post"})
"""Origin posts whose S10 numbers the destination's post tracks too."""


def carrier_by_name(name: str) -> str | None:
    """Our slug for a carrier named in a scan ("USPS", "DHL Paket", "Colissimo"), if known."""
    folded = name.strip().lower()
    if folded in _NAME_ALIASES:
        return _NAME_ALIASES[folded]
    for known in CARRIERS:
        if folded in {known.slug, known.name.lower()}:
            return known.slug
    return None


def classify(event: TrackingEvent) -> Meaning:
    """What `event` means (see the module docstring)."""
    text = event.description
    handover = _HANDOVER.search(text)
    if handover is not None:
        name = handover.group("name").strip()
        return Meaning(
            Milestone.HANDED_OVER,
            carrier=carrier_by_name(name) or name,
            number=handover.group("number"),
        )
    by_status = _BY_STATUS.get(event.status)
    if by_status is not None:
        return by_status(event)
    return _transit(event)


def _transit(event: TrackingEvent) -> Meaning:
    text = event.description
    if _CLEARED.search(text):
        export = _EXPORT.search(text)
        return Meaning(Milestone.EXPORT_CLEARED if export else Milestone.CUSTOMS_CLEARED)
    for pattern, milestone in _TRANSIT_PHRASES:
        if pattern.search(text):
            return Meaning(milestone)
    return Meaning(Milestone.MOVING if event.status is Status.IN_TRANSIT else Milestone.OTHER)


def _delivered(event: TrackingEvent) -> Meaning:
    text = event.description
    if _MAILBOX.search(text):
        return Meaning(Milestone.DELIVERED_MAILBOX)
    if _NEIGHBOUR.search(text):
        return Meaning(Milestone.DELIVERED_NEIGHBOUR)
    if _DOOR.search(text):
        return Meaning(Milestone.DELIVERED_DOOR)
    return Meaning(Milestone.DELIVERED, place=pickup_place(text))


def _pickup(event: TrackingEvent) -> Meaning:
    return Meaning(Milestone.AT_PICKUP_POINT, place=pickup_place(event.description))


def _returning(event: TrackingEvent) -> Meaning:
    milestone = Milestone.RETURNED if event.status is Status.RETURNED else Milestone.RETURNING
    return Meaning(milestone, cause=_cause_in(event))


_BY_STATUS = {
    Status.PENDING: lambda event: Meaning(Milestone.LABEL_CREATED),
    Status.INFO_RECEIVED: lambda event: Meaning(Milestone.LABEL_CREATED),
    Status.OUT_FOR_DELIVERY: lambda event: Meaning(Milestone.OUT_FOR_DELIVERY),
    Status.AVAILABLE_FOR_PICKUP: _pickup,
    Status.DELIVERED: _delivered,
    Status.FAILED_ATTEMPT: lambda event: Meaning(Milestone.FAILED_ATTEMPT),
    Status.EXCEPTION: lambda event: Meaning(Milestone.PROBLEM),
    Status.RETURNING: _returning,
    Status.RETURNED: _returning,
}


def pickup_place(text: str) -> str | None:
    """The named pickup point in a scan ("Packstation 118 in München", "PostNL point (Primera
    Utrecht)"); None when the scan names none (a bare "the post office" is no name)."""
    found = _PICKUP_PLACE.search(text)
    if found is None:
        return None
    place = found.group("place").strip()
    if not any(ch.isupper() or ch.isdigit() for ch in place):
        return None
    return place


_CAUSE_BY_REASON = {
    ExceptionReason.REFUSED: ReturnCause.REFUSED,
    ExceptionReason.RECIPIENT_UNAVAILABLE: ReturnCause.NOBODY_IN,
    ExceptionReason.BUSINESS_CLOSED: ReturnCause.NOBODY_IN,
    ExceptionReason.ADDRESS_ISSUE: ReturnCause.ADDRESS,
    ExceptionReason.HELD_BY_CARRIER: ReturnCause.NOT_COLLECTED,
}


def _cause_in(event: TrackingEvent) -> ReturnCause | None:
    if event.reason in _CAUSE_BY_REASON:
        return _CAUSE_BY_REASON[event.reason]
    if _UNCLAIMED.search(event.description):
        return ReturnCause.NOT_COLLECTED
    if _REFUSED.search(event.description):
        return ReturnCause.REFUSED
    if re.search(r"not available|nobody", event.description, re.I):
        return ReturnCause.NOBODY_IN
    return None


def return_cause(events: Sequence[TrackingEvent]) -> ReturnCause | None:
    """Why the parcel is going back (events newest first): said by the return scan itself, else
    by what came just before it (a pickup point never visited, failed attempts, a refusal)."""
    returns = [i for i, e in enumerate(events) if e.status in {Status.RETURNING, Status.RETURNED}]
    if not returns:
        return None
    for event in events[returns[-1] :]:
        cause = _cause_in(event)
        if cause is not None:
            return cause
        if event.status is Status.AVAILABLE_FOR_PICKUP:
            return ReturnCause.NOT_COLLECTED
        if event.status is Status.FAILED_ATTEMPT:
            return ReturnCause.NOBODY_IN
    return None


def failed_attempts(events: Sequence[TrackingEvent]) -> int:
    """How many delivery attempts failed."""
    return sum(1 for event in events if event.status is Status.FAILED_ATTEMPT)


@dataclass(frozen=True, slots=True)
class Holder:
    """The carrier that has the parcel now and the number it tracks it under."""

    carrier: Carrier
    number: str


def holder(shipment: Shipment) -> Holder | None:
    """Who has the parcel now: the carrier it was last handed to (with the number it got, or
    the source's last-mile fields), else the destination's post for a postal S10 item scanned
    in its country, else the carrier it was sent with; None for a carrier we do not know."""
    handed = _handed_to(shipment)
    if handed is not None:
        return handed
    origin = carrier_named(shipment.carrier) if shipment.carrier else None
    destination = (shipment.destination_country or "").upper()
    post = carrier_named(DESTINATION_POSTS.get(destination, ""))
    arrived = any((event.country or "").upper() == destination for event in shipment.events)
    if shipment.carrier in POSTAL_CARRIERS and post is not None and arrived:
        return Holder(post, shipment.number)
    return Holder(origin, shipment.number) if origin is not None else None


def _handed_to(shipment: Shipment) -> Holder | None:
    """The carrier the parcel was last handed to, when we know the number it has there: the
    source's own last-mile fields, else a hand-over scan that names it (with the number it
    gives, or the same number for a postal S10 item)."""
    if shipment.last_mile_carrier is not None:
        known = carrier_named(shipment.last_mile_carrier)
        if known is not None:
            return Holder(known, shipment.last_mile_number or shipment.number)
    same_number = shipment.carrier in POSTAL_CARRIERS
    for event in shipment.events:
        meaning = classify(event)
        if meaning.milestone is not Milestone.HANDED_OVER or meaning.carrier is None:
            continue
        known = carrier_named(meaning.carrier)
        number = meaning.number or (shipment.number if same_number else None)
        if known is not None and number is not None:
            return Holder(known, number)
    return None


def tracking_link(shipment: Shipment) -> str | None:
    """The page that tracks the parcel now: the holder's page for its number, else the
    carrier's own page for the number, else a homepage (only when no number page exists)."""
    origin = carrier_named(shipment.carrier) if shipment.carrier else None
    candidates = [holder(shipment)]
    if origin is not None:
        candidates.append(Holder(origin, shipment.number))
    pages = [
        (
            found.carrier.tracking_page(found.number),
            "{number}" in (found.carrier.tracking_url or ""),
        )
        for found in candidates
        if found is not None
    ]
    for page, specific in pages:
        if page is not None and specific:
            return page
    return next((page for page, _ in pages if page is not None), None)


__all__ = [
    "DESTINATION_POSTS",
    "POSTAL_CARRIERS",
    "Holder",
    "Meaning",
    "Milestone",
    "ReturnCause",
    "carrier_by_name",
    "classify",
    "failed_attempts",
    "holder",
    "pickup_place",
    "return_cause",
    "tracking_link",
]
