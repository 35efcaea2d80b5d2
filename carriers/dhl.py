"""DHL Shipment Tracking – Unified: one GET per number for every DHL brand.

Facts relied on: docs/tracking-sources.md, DHL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import httpx
from pydantic import Field, SecretStr, ValidationError

from carriers.assemble import build_shipment, newest_first
from carriers.dhl_statuses import UNKNOWN_CODE, status_of
from carriers.errors import (
    CarrierError,
    MalformedResponse,
    SourceRateLimited,
    SourceRejected,
    TrackingNotFound,
)
from carriers.http import SourceHttp, SourceResponse, parse_body
from carriers.lenient import Lenient
from carriers.models import (
    DeliveryWindow,
    RawCodes,
    Shipment,
    Status,
    TrackingEvent,
    TrackingQuery,
)
from carriers.times import EventTime, parse_iso
from foundation.countries import alpha2
from foundation.http import retry_after_seconds

SLUG = "dhl"
PATH = "/track/shipments"
KEY_HEADER = "DHL-API-Key"

# Our carrier slug → DHL's `service`. Sending it avoids DHL answering with another brand's
# shipment that happens to share the number.
SERVICES: dict[str, str] = {
    "dhl": "express",
    "dhl-paket": "parcel-de",
    "dhl-ecommerce": "ecommerce",
}
# DHL's `service` → our slug; services without a catalog entry (freight, dgf, parcel-nl, …) keep
# their raw name instead.
OUR_SLUGS: dict[str, str] = {
    "express": "dhl",
    "parcel-de": "dhl-paket",
    "ecommerce": "dhl-ecommerce",
    "ecommerce-apac": "dhl-ecommerce",
    "ecommerce-europe": "dhl-ecommerce",
    "ecommerce-iberia": "dhl-ecommerce",
}
# Words a 429 body uses when the day's quota (not the per-second rate) is spent; such a quota
# resets at 24:00 GMT, which the answer may not say in a Retry-After header.
_DAILY_WORDS = ("day", "daily", "quota")


class _Address(Lenient):
    countryCode: str | None = None  # noqa: N815 - DHL's field names
    postalCode: str | None = None  # noqa: N815
    addressLocality: str | None = None  # noqa: N815


class _Place(Lenient):
    address: _Address | None = None


class _Event(Lenient):
    """One status: the shipment's current `status` and each of its `events` share this shape."""

    timestamp: str | None = None
    location: _Place | None = None
    statusCode: str | None = None  # noqa: N815
    status: str | None = None
    description: str | None = None
    remark: str | None = None
    nextSteps: str | None = None  # noqa: N815

    @property
    def texts(self) -> tuple[str | None, ...]:
        return (self.status, self.description, self.remark)

    @property
    def wording(self) -> str:
        """DHL's description, with its remark when that adds something."""
        main = self.description or self.status or ""
        if self.remark and self.remark not in main:
            return f"{main.rstrip('. ')}. {self.remark}" if main else self.remark
        return main


class _TimeFrame(Lenient):
    estimatedFrom: str | None = None  # noqa: N815
    estimatedThrough: str | None = None  # noqa: N815


class _PieceDetails(Lenient):
    pieceIds: list[str] | None = None  # noqa: N815


class DhlShipment(Lenient):
    """One entry of `shipments[]`; fields DHL documents but we do not use are ignored."""

    id: str
    service: str | None = None
    origin: _Place | None = None
    destination: _Place | None = None
    status: _Event | None = None
    estimatedTimeOfDelivery: str | None = None  # noqa: N815
    estimatedDeliveryTimeFrame: _TimeFrame | None = None  # noqa: N815
    details: _PieceDetails | None = None
    events: list[_Event] = Field(default_factory=list)


class _Answer(Lenient):
    shipments: list[DhlShipment]


class _Problem(Lenient):
    """DHL's RFC 7807-style error body; every field is optional in practice."""

    title: str | None = None
    detail: str | None = None
    status: int | None = None


def _moment(value: str | None) -> EventTime | None:
    """A timestamp as DHL sent it: `…Z` is UTC, an offset is the place's, none stays naive."""
    if not value:
        return None
    try:
        moment = parse_iso(value)
    except ValueError:
        return None
    if moment.utc_offset == timedelta(0) and value.strip().upper().endswith("Z"):
        # UTC, but the event's own offset is not known; never show UTC as the local time's zone.
        return EventTime.from_utc(moment.occurred_local)
    return moment


def _event(raw: _Event) -> TrackingEvent | None:
    moment = _moment(raw.timestamp)
    if moment is None:
        return None
    status, reason = status_of(raw.statusCode, raw.texts)
    address = (raw.location or _Place()).address or _Address()
    return TrackingEvent(
        occurred_local=moment.occurred_local,
        utc_offset=moment.utc_offset,
        occurred_at_utc=moment.occurred_at_utc,
        time_source=moment.time_source,
        location=address.addressLocality or None,
        country=alpha2(address.countryCode),
        description=raw.wording,
        status=status,
        reason=reason,
        raw=RawCodes(status=raw.statusCode, substatus=raw.status),
    )


def _date(value: str | None) -> date | None:
    """The calendar date as written: an estimate's date is the recipient's, never UTC's."""
    if not value:
        return None
    try:
        return parse_iso(value).occurred_local.date()
    except ValueError:
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None


def _estimate(shipment: DhlShipment) -> DeliveryWindow | None:
    frame = shipment.estimatedDeliveryTimeFrame or _TimeFrame()
    earliest, latest = _date(frame.estimatedFrom), _date(frame.estimatedThrough)
    if not (earliest or latest):
        earliest = latest = _date(shipment.estimatedTimeOfDelivery)
    if not (earliest or latest):
        return None
    return DeliveryWindow(earliest=earliest or latest, latest=latest or earliest)


def shipment_from(shipment: DhlShipment, number: str, checked_at: datetime) -> Shipment:
    """Normalise one DHL shipment; `status` wins over the events, which make the timeline."""
    current = shipment.status
    code = current.statusCode if current is not None else None
    dhl_unknown = code is None or code.strip().lower() == UNKNOWN_CODE
    raws = list(shipment.events)
    if not raws and current is not None and not dhl_unknown:
        # Some brands send only the current status; it is still a scan worth showing.
        raws = [current]
    events = newest_first(event for event in map(_event, raws) if event is not None)
    status, reason = status_of(code, current.texts if current is not None else ())
    if dhl_unknown:
        # DHL's own "unknown": nothing scanned yet, or keep the last status it did tell.
        known = next((e for e in events if e.status is not Status.UNKNOWN), None)
        if known is not None:
            status, reason = known.status, known.reason
        elif not events:
            status = Status.PENDING
    service = (shipment.service or "").strip().lower()
    ours = OUR_SLUGS.get(service)
    return build_shipment(
        number=number,
        carrier=ours,
        status=status,
        reason=reason,
        reason_text=" ".join(t for t in current.texts if t) if current is not None else None,
        source=SLUG,
        checked_at=checked_at,
        events=events,
        estimated_delivery=_estimate(shipment),
        origin_country=alpha2(((shipment.origin or _Place()).address or _Address()).countryCode),
        destination_country=alpha2(
            ((shipment.destination or _Place()).address or _Address()).countryCode
        ),
        raw=RawCodes(
            status=code,
            substatus=current.status if current is not None else None,
            carrier=shipment.service if ours is None else None,
        ),
    )


def _key(number: str) -> str:
    return number.replace(" ", "").upper()


def _newest(shipment: DhlShipment) -> datetime:
    moment = _moment(shipment.status.timestamp if shipment.status else None)
    if moment is None:
        return datetime.min.replace(tzinfo=UTC)
    return moment.occurred_at_utc or moment.occurred_local.replace(tzinfo=UTC)


def choose(shipments: list[DhlShipment], number: str, carrier: str | None) -> DhlShipment | None:
    """The shipment meant by `number`, when DHL answers with several.

    One whose id is the number beats one found by a piece id or a reference; among those, one of
    the asked brand wins, then the most recently updated.
    """
    if not shipments:
        return None
    wanted = SERVICES.get(carrier or "")

    def rank(shipment: DhlShipment) -> tuple[bool, bool, bool, datetime]:
        pieces = {_key(p) for p in (shipment.details or _PieceDetails()).pieceIds or ()}
        return (
            _key(shipment.id) == _key(number),
            _key(number) in pieces,
            wanted is not None and (shipment.service or "").lower() == wanted,
            _newest(shipment),
        )

    return max(shipments, key=rank)


def _next_midnight_gmt(now: datetime) -> float:
    moment = now.astimezone(UTC)
    midnight = datetime(moment.year, moment.month, moment.day, tzinfo=UTC) + timedelta(days=1)
    return (midnight - moment).total_seconds()


class Dhl:
    """DHL's own tracking for its brands (Express, Parcel Germany, eCommerce …), by polling.

    DHL has no test environment and a small daily quota (250 calls on the starter plan, reset at
    24:00 GMT); the service's limits (carriers/limits.py) ration the calls.
    """

    slug = SLUG
    carriers: frozenset[str] | None = frozenset(SERVICES)
    supports_push = False

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: SecretStr,
        base_url: str,
        clock: Callable[[], datetime],
        language: str = "en",
        requester_country: str | None = None,
        origin_country: str | None = None,
    ) -> None:
        """`requester_country` and `origin_country` (ISO alpha-2: the shop's country and where
        it ships from) help DHL pick the right shipment and wording when set."""
        self._http = SourceHttp(http, SLUG)
        self._api_key = api_key
        self._url = base_url.rstrip("/") + PATH
        self._clock = clock
        self._language = language
        self._requester_country = requester_country
        self._origin_country = origin_country

    async def track(self, query: TrackingQuery) -> Shipment:
        """The shipment DHL holds for this number.

        Raises TrackingNotFound on DHL's 404 (new shipments appear after 10–30 min),
        SourceRejected for a refused key (401/403) or request, SourceRateLimited on 429,
        SourceUnavailable on network failure, timeout or 5xx, MalformedResponse for a body that
        is not the documented shape.
        """
        response = await self._http.request(
            "GET",
            self._url,
            handled=(200, 400, 401, 403, 404, 429),
            headers={KEY_HEADER: self._api_key.get_secret_value(), "Accept": "application/json"},
            params=self._params(query),
            expect_json=False,
        )
        if response.status != 200:
            raise self._error(query, response)
        try:
            body = json.loads(response.body)
        except json.JSONDecodeError as exc:
            raise MalformedResponse(SLUG, "HTTP 200 body is not JSON") from exc
        answer = parse_body(_Answer, body, SLUG)
        chosen = choose(answer.shipments, query.number, query.carrier)
        if chosen is None:
            raise TrackingNotFound(query.number, SLUG, "DHL answered with no shipment")
        return shipment_from(chosen, query.number, self._clock())

    async def register(self, query: TrackingQuery) -> None:
        """Nothing to do: DHL is polled, and its push products are separate."""

    def _params(self, query: TrackingQuery) -> dict[str, str]:
        params = {"trackingNumber": _key(query.number), "language": self._language}
        service = SERVICES.get(query.carrier or "")
        if service is not None:
            params["service"] = service
        if self._requester_country:
            params["requesterCountryCode"] = self._requester_country
        if self._origin_country:
            params["originCountryCode"] = self._origin_country
        if service == "parcel-de" and query.postal_code:
            # Parcel Germany shows the full history only to callers who know the postcode.
            params["recipientPostalCode"] = query.postal_code
        return params

    def _error(self, query: TrackingQuery, response: SourceResponse) -> CarrierError:
        problem = _problem(response.body)
        said = (problem.detail or problem.title or "").strip() if problem else ""
        status = response.status
        if status == 404:
            if problem is None:
                # DHL's "no result" is always its problem body; anything else is a wrong URL.
                return SourceRejected(SLUG, "HTTP 404 without DHL's body: check DHL_BASE_URL")
            return TrackingNotFound(query.number, SLUG, said or "no shipment found")
        if status == 429:
            retry_after = retry_after_seconds(response.headers.get("Retry-After"), self._clock())
            daily = any(word in said.lower() for word in _DAILY_WORDS)
            if retry_after is None and daily:
                retry_after = _next_midnight_gmt(self._clock())
            what = "daily quota used up" if daily else "rate limited"
            return SourceRateLimited(SLUG, f"{what} (HTTP 429)", retry_after=retry_after)
        if status in (401, 403):
            return SourceRejected(SLUG, f"API key refused (HTTP {status})")
        return SourceRejected(SLUG, f"request refused (HTTP {status}){': ' + said if said else ''}")


def _problem(body: str) -> _Problem | None:
    try:
        payload = json.loads(body) if body else None
        if not isinstance(payload, dict):
            return None
        return _Problem.model_validate(payload)
    except (json.JSONDecodeError, ValidationError):
        return None
