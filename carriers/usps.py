"""USPS APIs v3 tracking: one number per call with an OAuth token.

Facts relied on: docs/tracking-sources.md, USPS.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from carriers.assemble import build_shipment, newest_first
from carriers.errors import CarrierError, MalformedResponse, SourceRejected, TrackingNotFound
from carriers.http import json_or_none, parse_body
from carriers.lenient import LenientStrings
from carriers.models import DeliveryWindow, RawCodes, Shipment, TrackingEvent, TrackingQuery
from carriers.oauth import CredentialStyle, OAuthSource
from carriers.times import EventTime, offset_between, parse_date, parse_offset
from carriers.usps_statuses import status_of
from foundation.countries import alpha2

SLUG = "usps"
SCOPE = "tracking"
DOMESTIC = "US"

_NOT_FOUND = "404"


class _Event(LenientStrings):
    eventType: str | None = None  # noqa: N815 - USPS's field names
    eventTimestamp: str | None = None  # noqa: N815
    GMTTimestamp: str | None = None
    GMTOffset: str | None = None
    eventCity: str | None = None  # noqa: N815
    eventState: str | None = None  # noqa: N815
    eventZIP: str | None = None  # noqa: N815
    eventCountry: str | None = None  # noqa: N815
    eventCode: str | None = None  # noqa: N815


class TrackAnswer(LenientStrings):
    """The body of `GET /tracking/v3/tracking/{trackingNumber}?expand=DETAIL`."""

    trackingNumber: str  # noqa: N815
    status: str | None = None
    statusCategory: str | None = None  # noqa: N815
    statusSummary: str | None = None  # noqa: N815
    originState: str | None = None  # noqa: N815
    originZIP: str | None = None  # noqa: N815
    destinationState: str | None = None  # noqa: N815
    destinationZIP: str | None = None  # noqa: N815
    expectedDeliveryTimeStamp: str | None = None  # noqa: N815
    trackingEvents: list[_Event] = []  # noqa: N815


class _ErrorDetail(LenientStrings):
    code: str | None = None
    message: str | None = None


class _ErrorAnswer(LenientStrings):
    error: _ErrorDetail


def _naive(value: str | None) -> datetime | None:
    """A USPS local time; its trailing `Z` is not to be trusted, so it is dropped."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().rstrip("Zz")).replace(tzinfo=None)
    except ValueError:
        return None


def _utc(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _moment(event: _Event) -> EventTime | None:
    """GMTTimestamp + GMTOffset when present, else the local eventTimestamp (Time rules, rule 3)."""
    utc = _utc(event.GMTTimestamp)
    local = _naive(event.eventTimestamp)
    offset: timedelta | None = None
    if event.GMTOffset:
        try:
            offset = parse_offset(event.GMTOffset)
        except ValueError:
            offset = None
    if utc is not None:
        if offset is None and local is not None:
            offset = offset_between(local, utc)
        return EventTime.from_utc(utc, offset)
    if local is None:
        return None
    if offset is not None:
        return EventTime.from_aware(local.replace(tzinfo=timezone(offset)))
    return EventTime.from_naive(local)


def _country(event: _Event) -> str | None:
    if event.eventCountry:
        return alpha2(event.eventCountry)
    # USPS leaves the country empty for domestic scans, which carry a state or ZIP instead.
    return DOMESTIC if event.eventState or event.eventZIP else None


def _event(event: _Event) -> TrackingEvent | None:
    try:
        moment = _moment(event)
    except ValueError:
        return None  # a time outside the calendar's range
    if moment is None:
        return None
    status, reason = status_of(event.eventType, event.eventCode)
    place = ", ".join(part for part in (event.eventCity, event.eventState) if part)
    return TrackingEvent(
        occurred_local=moment.occurred_local,
        utc_offset=moment.utc_offset,
        occurred_at_utc=moment.occurred_at_utc,
        time_source=moment.time_source,
        location=place or None,
        country=_country(event),
        description=event.eventType or "",
        status=status,
        reason=reason,
        raw=RawCodes(event_code=event.eventCode),
    )


def _estimate(answer: TrackAnswer) -> DeliveryWindow | None:
    # Written with a `Z` like the event stamps; the calendar date as written is the local one.
    try:
        day: date | None = (
            parse_date(answer.expectedDeliveryTimeStamp)
            if answer.expectedDeliveryTimeStamp
            else None
        )
    except ValueError:
        day = None
    return DeliveryWindow(earliest=day, latest=day) if day else None


def shipment_from(answer: TrackAnswer, checked_at: datetime) -> Shipment:
    """Normalise one USPS tracking answer; `status` wins over the events (Precedence)."""
    events = newest_first(e for e in map(_event, answer.trackingEvents) if e is not None)
    newest_code = events[0].raw.event_code if events else None
    status, reason = status_of(answer.status, newest_code, answer.statusCategory)
    domestic_origin = answer.originState or answer.originZIP
    domestic_destination = answer.destinationState or answer.destinationZIP
    return build_shipment(
        number=answer.trackingNumber,
        carrier=SLUG,
        status=status,
        reason=reason,
        reason_text=" ".join(filter(None, (answer.status, answer.statusSummary))) or None,
        source=SLUG,
        checked_at=checked_at,
        events=events,
        estimated_delivery=_estimate(answer),
        origin_country=DOMESTIC if domestic_origin else None,
        destination_country=DOMESTIC if domestic_destination else None,
        raw=RawCodes(status=answer.statusCategory, substatus=answer.status),
    )


class Usps(OAuthSource):
    """USPS's own tracking API (v3) for USPS numbers, polled; Subscriptions are not used."""

    slug = SLUG
    carriers: frozenset[str] | None = frozenset({"usps"})
    supports_push = False
    oauth_path = "/oauth2/v3/token"
    # USPS's README shows a JSON token body; the form body (RFC 6749) is what integrations
    # send and what the endpoint accepts, with the `tracking` scope.
    credential_style = CredentialStyle.FORM
    scope = SCOPE

    async def track(self, query: TrackingQuery) -> Shipment:
        """What USPS knows about this number.

        Raises TrackingNotFound for USPS's 404 and SourceError subclasses when USPS cannot
        answer.
        """
        response = await self._oauth.request(
            "GET",
            f"{self._base_url}/tracking/v3/tracking/{quote(query.number.strip(), safe='')}",
            handled=(200, 400, 403, 404),
            headers={"Accept": "application/json"},
            params={"expand": "DETAIL"},
        )
        body = json_or_none(response.body)
        if response.status != 200:
            raise self._error(query.number, response.status, body)
        if body is None:
            raise MalformedResponse(SLUG, "HTTP 200 body is not JSON")
        return shipment_from(parse_body(TrackAnswer, body, SLUG), self._clock())

    async def register(self, query: TrackingQuery) -> None:
        """USPS is polled, never asked to follow a number."""

    def _error(self, number: str, status: int, body: Any) -> CarrierError:
        try:
            code = _ErrorAnswer.model_validate(body).error.code if body is not None else None
        except ValidationError:
            code = None
        if status == 404 or code == _NOT_FOUND:
            return TrackingNotFound(number, SLUG, "USPS has no tracking for this number yet")
        detail = f", {code}" if code else ""
        if status == 403:
            return SourceRejected(SLUG, f"USPS refused access to tracking (HTTP 403{detail})")
        return SourceRejected(SLUG, f"USPS refused the request (HTTP {status}{detail})")
