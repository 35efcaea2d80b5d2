"""UPS Track API: packages looked up by inquiry number with an OAuth token.

Facts relied on: docs/tracking-sources.md, UPS.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from carriers.assemble import build_shipment, newest_first
from carriers.errors import MalformedResponse, SourceRejected, TrackingNotFound
from carriers.http import json_or_none, parse_body
from carriers.lenient import LenientStrings
from carriers.models import (
    DeliveryWindow,
    RawCodes,
    Shipment,
    Status,
    TrackingEvent,
    TrackingQuery,
)
from carriers.oauth import CredentialStyle, OAuthSource
from carriers.times import EventTime, offset_between, parse_offset
from carriers.ups_statuses import DELAY_REASONS, description_code, status_of
from foundation.countries import alpha2

SLUG = "ups"
TRANSACTION_SOURCE = "wismo"
LOCALE = "en_US"

_NOT_FOUND_WARNINGS = frozenset({"TW0001"})
_INVALID_NUMBER = "TV1002"
# UPS keeps tracking data for 120 days; older or mistyped numbers answer with these.
_NOT_FOUND_REASONS = {
    "TW0001": "UPS has no tracking information for this number yet",
    _INVALID_NUMBER: "UPS says the inquiry number is invalid",
}
_ESTIMATE_TYPES = ("RDD", "SDD")  # rescheduled first, then scheduled delivery date


class _Address(LenientStrings):
    city: str | None = None
    stateProvince: str | None = None  # noqa: N815 - UPS's field names
    postalCode: str | None = None  # noqa: N815
    country: str | None = None
    countryCode: str | None = None  # noqa: N815


class _Location(LenientStrings):
    address: _Address | None = None
    slic: str | None = None


class _ActivityStatus(LenientStrings):
    type: str | None = None
    code: str | None = None
    description: str | None = None
    statusCode: str | None = None  # noqa: N815
    simplifiedTextDescription: str | None = None  # noqa: N815


class _Activity(LenientStrings):
    date: str | None = None
    time: str | None = None
    gmtDate: str | None = None  # noqa: N815
    gmtTime: str | None = None  # noqa: N815
    gmtOffset: str | None = None  # noqa: N815
    location: _Location | None = None
    status: _ActivityStatus | None = None


class _CurrentStatus(LenientStrings):
    code: str | None = None
    description: str | None = None
    simplifiedTextDescription: str | None = None  # noqa: N815


class _DeliveryDate(LenientStrings):
    type: str | None = None
    date: str | None = None


class _PackageAddress(LenientStrings):
    type: str | None = None
    address: _Address | None = None


class _Package(LenientStrings):
    trackingNumber: str | None = None  # noqa: N815
    activity: list[_Activity] = []
    currentStatus: _CurrentStatus | None = None  # noqa: N815
    deliveryDate: list[_DeliveryDate] = []  # noqa: N815
    packageAddress: list[_PackageAddress] = []  # noqa: N815


class _Warning(LenientStrings):
    code: str | None = None
    message: str | None = None


class _Shipment(LenientStrings):
    inquiryNumber: str | None = None  # noqa: N815
    package: list[_Package] = []
    warnings: list[_Warning] = []


class _TrackResponse(LenientStrings):
    shipment: list[_Shipment]


class TrackAnswer(LenientStrings):
    """The body of a successful `GET /track/v1/details/{inquiryNumber}`."""

    trackResponse: _TrackResponse  # noqa: N815


class _Error(LenientStrings):
    code: str | None = None
    message: str | None = None


class _ErrorList(LenientStrings):
    errors: list[_Error] = []


class _ErrorAnswer(LenientStrings):
    response: _ErrorList


def _stamp(day: str | None, time: str | None) -> datetime | None:
    """YYYYMMDD + HHMMSS; UPS may drop the time's leading zero ("74700")."""
    if not day or time is None:
        return None
    try:
        return datetime.strptime(f"{day.strip()}{time.strip().zfill(6)}", "%Y%m%d%H%M%S")
    except ValueError:
        return None


def _moment(activity: _Activity) -> EventTime | None:
    """By field quality (Time rules): the gmt* instant with its offset, else naive local time."""
    local = _stamp(activity.date, activity.time)
    utc = _stamp(activity.gmtDate, activity.gmtTime)
    offset: timedelta | None = None
    if activity.gmtOffset:
        try:
            offset = parse_offset(activity.gmtOffset)
        except ValueError:
            offset = None
    if offset is None and local is not None and utc is not None:
        offset = offset_between(local, utc)
    if utc is not None:
        return EventTime.from_utc(utc.replace(tzinfo=UTC), offset)
    if local is None:
        return None
    if offset is not None:
        return EventTime.from_aware(local.replace(tzinfo=timezone(offset)))
    return EventTime.from_naive(local)


def _event(activity: _Activity) -> TrackingEvent | None:
    try:
        moment = _moment(activity)
    except ValueError:
        return None  # a time outside the calendar's range
    if moment is None:
        return None
    status = activity.status or _ActivityStatus()
    description = status.description or status.simplifiedTextDescription or ""
    mapped = status_of(status.type, description_code(status.statusCode), description)
    address = (activity.location or _Location()).address or _Address()
    place = ", ".join(part for part in (address.city, address.stateProvince) if part)
    return TrackingEvent(
        occurred_local=moment.occurred_local,
        utc_offset=moment.utc_offset,
        occurred_at_utc=moment.occurred_at_utc,
        time_source=moment.time_source,
        location=place or None,
        country=alpha2(address.countryCode or address.country),
        description=description,
        # A Track Alert update (`U`) keeps its place in the timeline without a status.
        status=mapped[0] if mapped else Status.UNKNOWN,
        reason=mapped[1] if mapped else None,
        raw=RawCodes(status=status.type, substatus=status.statusCode, event_code=status.code),
    )


def _estimate(package: _Package) -> DeliveryWindow | None:
    by_type = {entry.type: entry.date for entry in package.deliveryDate if entry.type}
    for kind in _ESTIMATE_TYPES:
        day = _day(by_type.get(kind))
        if day is not None:
            return DeliveryWindow(earliest=day, latest=day)
    return None


def _day(value: str | None) -> date | None:
    try:
        return datetime.strptime(value.strip(), "%Y%m%d").date() if value else None
    except ValueError:
        return None


def _country(package: _Package, kind: str) -> str | None:
    for entry in package.packageAddress:
        if (entry.type or "").upper() == kind and entry.address is not None:
            return alpha2(entry.address.countryCode or entry.address.country)
    return None


def shipment_from(package: _Package, number: str, checked_at: datetime) -> Shipment:
    """Normalise one UPS package; `currentStatus` wins over the scans (Precedence)."""
    events = newest_first(event for event in map(_event, package.activity) if event is not None)
    # currentStatus has no type of its own: the newest scan that counts for status lends its.
    latest = next(
        (
            activity.status
            for activity in package.activity
            if activity.status is not None and status_of(activity.status.type, None) is not None
        ),
        None,
    )
    current = package.currentStatus or _CurrentStatus()
    latest_type = latest.type if latest else None
    code = description_code(current.code)
    if code is None and latest is not None:
        code = description_code(latest.statusCode)
    text = (latest.description if latest else None) or current.description
    mapped = status_of(latest_type, code, text) or (Status.UNKNOWN, None)
    if mapped[0] is Status.UNKNOWN and not package.activity and package.currentStatus is None:
        mapped = (Status.PENDING, None)
    status, reason = mapped
    simplified = current.simplifiedTextDescription or ""
    return build_shipment(
        number=package.trackingNumber or number,
        carrier=SLUG,
        status=status,
        reason=reason,
        reason_text=current.description,
        is_delayed=reason in DELAY_REASONS or "delay" in simplified.lower(),
        source=SLUG,
        checked_at=checked_at,
        events=events,
        estimated_delivery=_estimate(package),
        origin_country=_country(package, "ORIGIN"),
        destination_country=_country(package, "DESTINATION"),
        raw=RawCodes(status=latest_type, substatus=current.code or None),
    )


def _same_number(left: str | None, right: str) -> bool:
    return (left or "").replace(" ", "").upper() == right.replace(" ", "").upper()


class Ups(OAuthSource):
    """UPS's own Track API for UPS numbers: first-hand scans, no push (Track Alert is not used)."""

    slug = SLUG
    carriers: frozenset[str] | None = frozenset({"ups"})
    supports_push = False
    oauth_path = "/security/v1/oauth/token"
    credential_style = CredentialStyle.BASIC

    async def track(self, query: TrackingQuery) -> Shipment:
        """The package UPS knows under this number.

        Raises TrackingNotFound for UPS's "not found" answers (HTTP 404, warning TW0001, error
        TV1002 for an invalid number) and SourceError subclasses when UPS cannot answer.
        """
        response = await self._oauth.request(
            "GET",
            f"{self._base_url}/api/track/v1/details/{quote(query.number.strip(), safe='')}",
            handled=(200, 400, 403, 404),
            headers={
                # UPS requires a unique id per request (at most 32 characters) and the caller.
                "transId": uuid.uuid4().hex,
                "transactionSrc": TRANSACTION_SOURCE,
                "Accept": "application/json",
            },
            params={
                "locale": LOCALE,
                "returnSignature": "false",
                "returnMilestones": "false",
                "returnPOD": "false",
            },
        )
        body = json_or_none(response.body)
        if response.status != 200 or (isinstance(body, dict) and "response" in body):
            raise self._error(query.number, response.status, body)
        if body is None:
            raise MalformedResponse(SLUG, "HTTP 200 body is not JSON")
        answer = parse_body(TrackAnswer, body, SLUG)
        shipments = answer.trackResponse.shipment
        packages = [package for shipment in shipments for package in shipment.package]
        if not packages:
            warnings = [w for shipment in shipments for w in shipment.warnings if w.code]
            code = next((w.code for w in warnings if w.code in _NOT_FOUND_WARNINGS), None)
            reason = _NOT_FOUND_REASONS.get(code or "", "UPS returned no package for the number")
            raise TrackingNotFound(query.number, SLUG, reason)
        package = next(
            (p for p in packages if _same_number(p.trackingNumber, query.number)), packages[0]
        )
        return shipment_from(package, query.number, self._clock())

    async def register(self, query: TrackingQuery) -> None:
        """UPS is polled, never asked to follow a number."""

    def _error(self, number: str, status: int, body: Any) -> Exception:
        errors: list[_Error] = []
        try:
            errors = _ErrorAnswer.model_validate(body).response.errors
        except ValueError:
            errors = []
        codes = [error.code for error in errors if error.code]
        if status == 404 or _INVALID_NUMBER in codes:
            code = _INVALID_NUMBER if _INVALID_NUMBER in codes else None
            reason = _NOT_FOUND_REASONS.get(code or "", "UPS has no tracking for this number")
            return TrackingNotFound(number, SLUG, reason)
        detail = f", {codes[0]}" if codes else ""
        if status == 403:
            return SourceRejected(SLUG, f"UPS refused the account (HTTP 403{detail})")
        return SourceRejected(SLUG, f"UPS refused the request (HTTP {status}{detail})")
