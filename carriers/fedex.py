"""FedEx Track API: numbers looked up with an OAuth token, detailed scans included.

Facts relied on: docs/tracking-sources.md, FedEx.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from pydantic import ValidationError

from carriers.assemble import build_shipment, newest_first
from carriers.errors import (
    CarrierError,
    MalformedResponse,
    SourceRateLimited,
    SourceRejected,
    TrackingNotFound,
)
from carriers.fedex_statuses import is_delay, status_of
from carriers.http import json_or_none, parse_body
from carriers.lenient import LenientStrings
from carriers.models import (
    DeliveryWindow,
    ExceptionReason,
    RawCodes,
    Shipment,
    TrackingEvent,
    TrackingQuery,
)
from carriers.oauth import CredentialStyle, OAuthSource
from carriers.times import EventTime, parse_iso
from foundation.countries import alpha2
from foundation.http import retry_after_seconds

SLUG = "fedex"
LOCALE = "en_US"

_NOT_FOUND = "TRACKING.TRACKINGNUMBER.NOTFOUND"
_ESTIMATE_TYPES = ("ESTIMATED_DELIVERY",)
_WEATHER = "WEATHER"


class _Location(LenientStrings):
    city: str | None = None
    stateOrProvinceCode: str | None = None  # noqa: N815 - FedEx's field names
    postalCode: str | None = None  # noqa: N815
    countryCode: str | None = None  # noqa: N815


class _Ancillary(LenientStrings):
    reason: str | None = None
    reasonDescription: str | None = None  # noqa: N815
    action: str | None = None
    actionDescription: str | None = None  # noqa: N815


class _Delay(LenientStrings):
    type: str | None = None
    subType: str | None = None  # noqa: N815
    status: str | None = None


class _LatestStatus(LenientStrings):
    code: str | None = None
    derivedCode: str | None = None  # noqa: N815
    statusByLocale: str | None = None  # noqa: N815
    description: str | None = None
    scanLocation: _Location | None = None  # noqa: N815
    ancillaryDetails: list[_Ancillary] = []  # noqa: N815
    delayDetail: _Delay | None = None  # noqa: N815


class _DateAndTime(LenientStrings):
    type: str | None = None
    dateTime: str | None = None  # noqa: N815


class _Scan(LenientStrings):
    date: str | None = None
    eventType: str | None = None  # noqa: N815
    eventDescription: str | None = None  # noqa: N815
    exceptionCode: str | None = None  # noqa: N815
    exceptionDescription: str | None = None  # noqa: N815
    scanLocation: _Location | None = None  # noqa: N815
    derivedStatusCode: str | None = None  # noqa: N815
    derivedStatus: str | None = None  # noqa: N815
    delayDetail: _Delay | None = None  # noqa: N815


class _Window(LenientStrings):
    begins: str | None = None
    ends: str | None = None


class _TimeWindow(LenientStrings):
    window: _Window | None = None


class _Party(LenientStrings):
    address: _Location | None = None


class _Error(LenientStrings):
    code: str | None = None
    message: str | None = None


class _NumberInfo(LenientStrings):
    trackingNumber: str | None = None  # noqa: N815


class TrackResult(LenientStrings):
    """One `trackResults[]` entry: a shipment FedEx knows under the number, or its error."""

    trackingNumberInfo: _NumberInfo | None = None  # noqa: N815
    latestStatusDetail: _LatestStatus | None = None  # noqa: N815
    dateAndTimes: list[_DateAndTime] = []  # noqa: N815
    scanEvents: list[_Scan] = []  # noqa: N815
    estimatedDeliveryTimeWindow: _TimeWindow | None = None  # noqa: N815
    standardTransitTimeWindow: _TimeWindow | None = None  # noqa: N815
    shipperInformation: _Party | None = None  # noqa: N815
    recipientInformation: _Party | None = None  # noqa: N815
    error: _Error | None = None


class _CompleteResult(LenientStrings):
    trackingNumber: str | None = None  # noqa: N815
    trackResults: list[TrackResult] = []  # noqa: N815


class _Output(LenientStrings):
    completeTrackResults: list[_CompleteResult]  # noqa: N815


class TrackAnswer(LenientStrings):
    """The body of a successful `POST /track/v1/trackingnumbers`."""

    output: _Output


class _ErrorAnswer(LenientStrings):
    errors: list[_Error] = []


def _place(location: _Location | None) -> str | None:
    where = location or _Location()
    return ", ".join(part for part in (where.city, where.stateOrProvinceCode) if part) or None


def _moment(value: str | None) -> EventTime | None:
    """FedEx times usually carry the local offset; one without stays naive (Time rules)."""
    if not value:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def _event(scan: _Scan) -> TrackingEvent | None:
    moment = _moment(scan.date)
    if moment is None:
        return None
    words = " – ".join(part for part in (scan.eventDescription, scan.exceptionDescription) if part)
    status, reason = status_of(scan.eventType, scan.derivedStatusCode, scan.exceptionDescription)
    location = scan.scanLocation or _Location()
    return TrackingEvent(
        occurred_local=moment.occurred_local,
        utc_offset=moment.utc_offset,
        occurred_at_utc=moment.occurred_at_utc,
        time_source=moment.time_source,
        location=_place(location),
        country=alpha2(location.countryCode),
        description=words or scan.derivedStatus or "",
        status=status,
        reason=reason,
        raw=RawCodes(
            status=scan.derivedStatusCode,
            substatus=scan.exceptionCode or None,
            event_code=scan.eventType,
        ),
    )


def _day(value: str | None) -> date | None:
    """The calendar date as FedEx wrote it: local to the recipient, never shifted to UTC."""
    moment = _moment(value)
    return moment.occurred_local.date() if moment is not None else None


def _estimate(result: TrackResult) -> DeliveryWindow | None:
    for window in (result.estimatedDeliveryTimeWindow, result.standardTransitTimeWindow):
        bounds = (window.window if window else None) or _Window()
        earliest, latest = _day(bounds.begins), _day(bounds.ends)
        if earliest or latest:
            return DeliveryWindow(earliest=earliest or latest, latest=latest or earliest)
    for entry in result.dateAndTimes:
        if entry.type in _ESTIMATE_TYPES and (day := _day(entry.dateTime)) is not None:
            return DeliveryWindow(earliest=day, latest=day)
    return None


def shipment_from(result: TrackResult, number: str, checked_at: datetime) -> Shipment:
    """Normalise one FedEx track result; `latestStatusDetail` wins over the scans (Precedence)."""
    latest = result.latestStatusDetail or _LatestStatus()
    words = [a.reasonDescription for a in latest.ancillaryDetails if a.reasonDescription]
    text = " ".join([*words, latest.description or ""]).strip()
    status, reason = status_of(latest.code, latest.derivedCode, text)
    events = newest_first(event for event in map(_event, result.scanEvents) if event is not None)
    delay = latest.delayDetail or _Delay()
    if reason is None and (delay.type or "").upper() == _WEATHER:
        reason = ExceptionReason.WEATHER
    info = result.trackingNumberInfo or _NumberInfo()
    return build_shipment(
        number=info.trackingNumber or number,
        carrier=SLUG,
        status=status,
        reason=reason,
        reason_text=text or None,
        is_delayed=is_delay(latest.code, latest.derivedCode)
        or (delay.status or "").upper() == "DELAYED",
        source=SLUG,
        checked_at=checked_at,
        events=events,
        estimated_delivery=_estimate(result),
        origin_country=alpha2(
            ((result.shipperInformation or _Party()).address or _Location()).countryCode
        ),
        destination_country=alpha2(
            ((result.recipientInformation or _Party()).address or _Location()).countryCode
        ),
        raw=RawCodes(status=latest.code, substatus=latest.derivedCode),
    )


def _same_number(left: str | None, right: str) -> bool:
    return (left or "").replace(" ", "").upper() == right.replace(" ", "").upper()


def _newest(shipment: Shipment) -> datetime:
    return shipment.last_scan_at or datetime.min.replace(tzinfo=UTC)


class Fedex(OAuthSource):
    """FedEx's own Track API for FedEx numbers: first-hand scans, no push (the visibility
    webhook is paid and US-only, so it is not used)."""

    slug = SLUG
    carriers: frozenset[str] | None = frozenset({"fedex"})
    supports_push = False
    oauth_path = "/oauth/token"
    credential_style = CredentialStyle.FORM

    async def track(self, query: TrackingQuery) -> Shipment:
        """The shipment FedEx knows under this number (the most recently scanned one when
        FedEx reuses the number).

        Raises TrackingNotFound for FedEx's per-number NOTFOUND answer and SourceError
        subclasses when FedEx cannot answer.
        """
        number = query.number.strip()
        response = await self._oauth.request(
            "POST",
            f"{self._base_url}/track/v1/trackingnumbers",
            handled=(200, 400, 403, 404, 429),
            headers={"X-locale": LOCALE, "Accept": "application/json"},
            json_body={
                "includeDetailedScans": True,
                "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": number}}],
            },
        )
        body = json_or_none(response.body)
        if response.status != 200:
            raise self._error(response.status, body, response.headers)
        if body is None:
            raise MalformedResponse(SLUG, "HTTP 200 body is not JSON")
        answer = parse_body(TrackAnswer, body, SLUG)
        results = [
            result
            for complete in answer.output.completeTrackResults
            if _same_number(complete.trackingNumber, number)
            or len(answer.output.completeTrackResults) == 1
            for result in complete.trackResults
        ]
        found = [result for result in results if result.error is None]
        if not found:
            raise self._number_error(query.number, results)
        checked_at = self._clock()
        # FedEx may list duplicates, or several shipments that reused the number.
        return max((shipment_from(r, number, checked_at) for r in found), key=_newest)

    async def register(self, query: TrackingQuery) -> None:
        """FedEx is polled, never asked to follow a number."""

    def _number_error(self, number: str, results: list[TrackResult]) -> CarrierError:
        codes = [r.error.code for r in results if r.error is not None and r.error.code]
        if not codes or _NOT_FOUND in codes:
            return TrackingNotFound(number, SLUG, "FedEx cannot find this tracking number")
        return SourceRejected(SLUG, f"FedEx refused the number ({codes[0]})")

    def _error(self, status: int, body: Any, headers: httpx.Headers) -> CarrierError:
        try:
            errors = _ErrorAnswer.model_validate(body).errors if body is not None else []
        except ValidationError:
            errors = []
        code = next((error.code for error in errors if error.code), None)
        detail = f", {code}" if code else ""
        if status == 429:
            return SourceRateLimited(
                SLUG,
                f"rate limited (HTTP 429{detail})",
                retry_after=self._retry_after(headers, errors),
            )
        if status == 403:
            return SourceRejected(SLUG, f"FedEx refused the project (HTTP 403{detail})")
        return SourceRejected(SLUG, f"FedEx refused the request (HTTP {status}{detail})")

    def _retry_after(self, headers: httpx.Headers, errors: list[_Error]) -> float | None:
        now = self._clock()
        explicit = retry_after_seconds(headers.get("Retry-After"), now)
        if explicit is not None:
            return explicit
        # The daily quota answer says "Retry after 12:00AM GMT" in words only.
        if any("12:00AM GMT" in (error.message or "") for error in errors):
            midnight = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), UTC)
            return (midnight + timedelta(days=1) - now).total_seconds()
        return None
