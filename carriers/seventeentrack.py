"""17TRACK API v2.x: register numbers, read their track info in batches, verify pushes.

Facts relied on: docs/tracking-sources.md, 17TRACK.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timezone
from typing import Any

import httpx
from pydantic import Field, SecretStr, ValidationError

from carriers.assemble import build_shipment, newest_first
from carriers.base import PushOutcome
from carriers.catalog import CARRIERS, carrier
from carriers.errors import (
    CarrierError,
    MalformedResponse,
    PushRejected,
    SourceRateLimited,
    SourceRejected,
    SourceUnavailable,
    TrackingNotFound,
)
from carriers.http import SourceHttp, parse_body
from carriers.lenient import Lenient
from carriers.models import (
    DeliveryWindow,
    ExceptionReason,
    RawCodes,
    Shipment,
    TrackingEvent,
    TrackingQuery,
)
from carriers.reasons import reason_from_text
from carriers.seventeentrack_statuses import status_of
from carriers.times import EventTime, parse_date, parse_iso, parse_offset
from foundation.countries import alpha2

SLUG = "17track"
API_VERSION = "v2.4"
BATCH_SIZE = 40  # 17TRACK accepts at most 40 numbers per call
SIGNATURE_HEADER = "sign"

# Built from the end so that a code shared by two catalog entries maps to the first of them.
_OUR_SLUGS: dict[int, str] = {
    c.seventeentrack: c.slug for c in reversed(CARRIERS) if c.seventeentrack is not None
}

_ALREADY_REGISTERED = -18019901
_NOT_REGISTERED = -18019902
_NO_INFORMATION_YET = -18019909
# Registration refusals that mean "no carrier knows this number", which a buyer hears as
# "not found yet" rather than as a failure of the source.
_UNTRACKABLE: dict[int, str] = {
    -18010012: "17TRACK rejects the number's format",
    -18019903: "17TRACK cannot tell which carrier this number belongs to",
}
_REASONS: dict[int, str] = {
    -18010001: "IP address not whitelisted",
    -18010002: "API key refused",
    -18010004: "account disabled",
    -18010005: "not authorised",
    -18010010: "missing data in the request",
    -18010011: "invalid data in the request",
    -18010012: "invalid tracking number format",
    -18010013: "invalid data in the request",
    -18010014: "invalid data in the request",
    -18010015: "too many numbers in one request",
    -18010016: "last-mile data is only available for postal numbers",
    -18010018: "the carrier needs the destination country and postcode",
    -18010019: "the carrier needs the postcode",
    -18010020: "the carrier needs the recipient's phone number",
    -18010022: "the carrier needs extra information",
    -18019903: "carrier not detected",
    -18019904: "retrack is only for stopped numbers",
    -18019905: "retrack is allowed only once",
    -18019906: "stop is only for numbers being tracked",
    -18019910: "wrong carrier code",
    -18019911: "this carrier cannot be registered",
    -18019912: "real-time query not authorised",
}
_RATE_LIMITS: dict[int, str] = {
    -18019907: "daily registration limit reached",
    -18019908: "tracking quota used up",
}


class _ErrorDetail(Lenient):
    code: int
    message: str | None = None


class _Rejected(Lenient):
    number: str | None = None
    error: _ErrorDetail


class _Data(Lenient):
    accepted: list[dict[str, Any]] = []
    rejected: list[_Rejected] = []
    errors: list[_ErrorDetail] = []


class _Envelope(Lenient):
    code: int
    data: _Data | None = None


class _RawTime(Lenient):
    date: str | None = None
    time: str | None = None
    timezone: str | None = None


class _Address(Lenient):
    country: str | None = None
    state: str | None = None
    city: str | None = None


class _Event(Lenient):
    time_iso: str | None = None
    time_utc: str | None = None
    time_raw: _RawTime | None = None
    description: str | None = None
    location: str | None = None
    stage: str | None = None
    sub_status: str | None = None
    address: _Address | None = None


class _Provider(Lenient):
    events: list[_Event] | None = None


class _Tracking(Lenient):
    providers: list[_Provider] | None = None


class _LatestStatus(Lenient):
    status: str | None = None
    sub_status: str | None = None
    sub_status_descr: str | None = None


class _Estimate(Lenient):
    start: str | None = Field(None, alias="from")
    end: str | None = Field(None, alias="to")


class _TimeMetrics(Lenient):
    estimated_delivery_date: _Estimate | None = None


class _ShippingInfo(Lenient):
    shipper_address: _Address | None = None
    recipient_address: _Address | None = None


class _TrackInfo(Lenient):
    shipping_info: _ShippingInfo | None = None
    latest_status: _LatestStatus | None = None
    time_metrics: _TimeMetrics | None = None
    tracking: _Tracking | None = None


class TrackItem(Lenient):
    """One accepted /gettrackinfo item, also the `data` of a TRACKING_UPDATED push."""

    number: str
    carrier: int | None = None
    track_info: _TrackInfo | None = None


class _Push(Lenient):
    event: str
    data: dict[str, Any]


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        return None


def _moment(event: _Event) -> EventTime | None:
    """The event's time by field quality: time_utc, then time_iso, then time_raw."""
    raw = event.time_raw or _RawTime()
    local: EventTime | None = None
    offset = None
    try:
        if event.time_iso:
            local = parse_iso(event.time_iso)
            offset = local.utc_offset
        if offset is None and raw.timezone:
            offset = parse_offset(raw.timezone)
        if event.time_utc:
            instant = parse_iso(event.time_utc).occurred_at_utc
            if instant is not None:
                return EventTime.from_utc(instant, offset)
        if local is not None:
            return local
        if raw.date:
            wall = datetime.fromisoformat(f"{raw.date}T{raw.time or '00:00:00'}")
            if offset is None:
                return EventTime.from_naive(wall)
            return EventTime.from_aware(wall.replace(tzinfo=timezone(offset)))
    except ValueError:
        return None
    return None


def _event(event: _Event) -> TrackingEvent | None:
    moment = _moment(event)
    if moment is None:
        return None
    status, reason = status_of(None, event.sub_status)
    address = event.address or _Address()
    place = ", ".join(part for part in (address.city, address.state) if part)
    return TrackingEvent(
        occurred_local=moment.occurred_local,
        utc_offset=moment.utc_offset,
        occurred_at_utc=moment.occurred_at_utc,
        time_source=moment.time_source,
        location=event.location or place or None,
        country=alpha2(address.country),
        description=event.description or "",
        status=status,
        reason=reason,
        raw=RawCodes(substatus=event.sub_status, event_code=event.stage or None),
    )


def _events(tracking: _Tracking | None) -> tuple[TrackingEvent, ...]:
    """Every leg's events, newest first, without the duplicates legs share at a hand-over."""
    providers = (tracking.providers if tracking else None) or []
    seen: set[tuple[datetime, str]] = set()
    events: list[TrackingEvent] = []
    for provider in providers:
        for event in map(_event, provider.events or ()):
            if event is None or (event.occurred_local, event.description) in seen:
                continue
            seen.add((event.occurred_local, event.description))
            events.append(event)
    if len(providers) > 1 and any(event.occurred_at_utc is None for event in events):
        # Legs interleave in time; with some instants unknown, local time is the best guide.
        events.sort(
            key=lambda e: e.occurred_at_utc or e.occurred_local.replace(tzinfo=UTC),
            reverse=True,
        )
    return newest_first(events)


def shipment_from(item: TrackItem, checked_at: datetime) -> Shipment:
    """Normalise one 17TRACK track-info item (an API answer or a push's `data`)."""
    info = item.track_info or _TrackInfo()
    latest = info.latest_status or _LatestStatus()
    status, reason = status_of(latest.status, latest.sub_status)
    events = _events(info.tracking)
    if reason is ExceptionReason.OTHER:
        # A generic code: the carrier's own words usually say more.
        texts = [latest.sub_status_descr] + [event.description for event in events[:3]]
        reason = next(filter(None, map(reason_from_text, texts)), ExceptionReason.OTHER)
    estimate = (info.time_metrics or _TimeMetrics()).estimated_delivery_date or _Estimate()
    earliest, latest_day = _date(estimate.start), _date(estimate.end)
    window = (
        DeliveryWindow(earliest=earliest or latest_day, latest=latest_day or earliest)
        if earliest or latest_day
        else None
    )
    shipping = info.shipping_info or _ShippingInfo()
    ours = _OUR_SLUGS.get(item.carrier) if item.carrier else None
    return build_shipment(
        number=item.number,
        carrier=ours,
        status=status,
        reason=reason,
        reason_text=latest.sub_status_descr,
        source=SLUG,
        checked_at=checked_at,
        events=events,
        estimated_delivery=window,
        origin_country=alpha2((shipping.shipper_address or _Address()).country),
        destination_country=alpha2((shipping.recipient_address or _Address()).country),
        raw=RawCodes(
            status=latest.status,
            substatus=latest.sub_status,
            carrier=str(item.carrier) if item.carrier and ours is None else None,
        ),
    )


def _error(code: int) -> CarrierError:
    if code in _RATE_LIMITS:
        return SourceRateLimited(SLUG, f"{_RATE_LIMITS[code]} ({code})")
    if code == -18010003 or -18019818 <= code <= -18019815:
        return SourceUnavailable(SLUG, f"17TRACK could not reach the carrier or failed ({code})")
    if code in _REASONS:
        return SourceRejected(SLUG, f"{_REASONS[code]} ({code})")
    if -18010299 <= code <= -18010200:
        return SourceRejected(SLUG, f"webhook configuration error ({code})")
    if -18019811 <= code <= -18019801:
        return SourceRejected(SLUG, f"carrier change refused ({code})")
    return SourceRejected(SLUG, f"17TRACK error {code}")


def _key(number: str) -> str:
    return number.replace(" ", "").upper()


class SeventeenTrack:
    """17TRACK as a tracking source: numbers are registered once, then read for free.

    A number must be registered (1 quota) before /gettrackinfo knows it; 17TRACK then follows it
    and pushes every change. `track` registers a number it finds unregistered and reports it as
    not found yet (`registered=True`): 17TRACK needs a moment to fetch the carrier's data, and the
    tracking service reads it back (docs/tracking-sources.md, First lookups).
    """

    slug = SLUG
    carriers: frozenset[str] | None = None
    supports_push = True

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: SecretStr,
        base_url: str,
        clock: Callable[[], datetime],
        api_version: str = API_VERSION,
    ) -> None:
        self._http = SourceHttp(http, SLUG)
        self._api_key = api_key
        self._clock = clock
        self._root = f"{base_url.rstrip('/')}/track/{api_version}"

    async def track(self, query: TrackingQuery) -> Shipment:
        """Raises TrackingNotFound when 17TRACK has nothing yet, else SourceError subclasses."""
        outcome = (await self.track_many([query]))[query.number]
        if isinstance(outcome, CarrierError):
            raise outcome
        return outcome

    async def register(self, query: TrackingQuery) -> None:
        """Raises SourceError subclasses; "already registered" is success."""
        failure = (await self.register_many([query])).get(query.number)
        if failure is not None:
            raise failure

    async def track_many(
        self, queries: Sequence[TrackingQuery]
    ) -> dict[str, Shipment | CarrierError]:
        """Each number's shipment or its own error, asking 40 numbers per call.

        Request-wide failures (bad key, network, throttling) raise SourceError subclasses.
        """
        results: dict[str, Shipment | CarrierError] = {}
        unregistered: list[TrackingQuery] = []
        for chunk in _chunks(_unique(queries)):
            answers, waiting = await self._track_chunk(chunk)
            results.update(answers)
            unregistered += waiting
        if unregistered:
            results.update(await self._register_unknown(unregistered))
        return results

    async def _track_chunk(
        self, chunk: Sequence[TrackingQuery]
    ) -> tuple[dict[str, Shipment | CarrierError], list[TrackingQuery]]:
        """One call's outcomes by number, and the numbers 17TRACK does not follow yet."""
        results: dict[str, Shipment | CarrierError] = {}
        unregistered: list[TrackingQuery] = []
        by_key = {_key(query.number): query for query in chunk}
        data = await self._post("gettrackinfo", [self._item(query) for query in chunk])
        checked_at = self._clock()
        for accepted in data.accepted:
            item = parse_body(TrackItem, accepted, SLUG)
            query = by_key.get(_key(item.number))
            if query is not None:
                results[query.number] = shipment_from(item, checked_at)
        for rejected in data.rejected:
            query = by_key.get(_key(rejected.number or ""))
            if query is None:
                continue
            code = rejected.error.code
            if code == _NOT_REGISTERED:
                unregistered.append(query)
            elif code == _NO_INFORMATION_YET:
                results[query.number] = TrackingNotFound(
                    query.number, SLUG, "17TRACK has no information yet"
                )
            else:
                results[query.number] = _error(code)
        for query in chunk:
            if query.number not in results and query not in unregistered:
                results[query.number] = MalformedResponse(SLUG, "number missing from answer")
        return results, unregistered

    async def _register_unknown(
        self, unregistered: Sequence[TrackingQuery]
    ) -> dict[str, CarrierError]:
        """Register the numbers 17TRACK did not follow: each is not found yet, or its error."""
        results: dict[str, CarrierError] = {}
        codes = await self._register_codes(unregistered)
        for query in unregistered:
            failure = codes.get(query.number)
            if failure is None:
                results[query.number] = TrackingNotFound(
                    query.number,
                    SLUG,
                    "registered with 17TRACK just now; no information yet",
                    registered=True,
                )
            elif failure in _UNTRACKABLE:
                results[query.number] = TrackingNotFound(query.number, SLUG, _UNTRACKABLE[failure])
            else:
                results[query.number] = _error(failure)
        return results

    async def register_many(self, queries: Sequence[TrackingQuery]) -> dict[str, CarrierError]:
        """Registers numbers 40 per call; returns the failures only, by number.

        Request-wide failures raise SourceError subclasses.
        """
        codes = await self._register_codes(queries)
        return {number: _error(code) for number, code in codes.items()}

    async def _register_codes(self, queries: Sequence[TrackingQuery]) -> dict[str, int]:
        failures: dict[str, int] = {}
        for chunk in _chunks(_unique(queries)):
            by_key = {_key(query.number): query for query in chunk}
            data = await self._post("register", [self._item(query) for query in chunk])
            for rejected in data.rejected:
                query = by_key.get(_key(rejected.number or ""))
                if query is not None and rejected.error.code != _ALREADY_REGISTERED:
                    failures[query.number] = rejected.error.code
        return failures

    def _item(self, query: TrackingQuery) -> dict[str, Any]:
        item: dict[str, Any] = {"number": query.number}
        known = carrier(query.carrier) if query.carrier else None
        if known is not None and known.seventeentrack is not None:
            item["carrier"] = known.seventeentrack
        return item

    async def _post(self, endpoint: str, items: list[dict[str, Any]]) -> _Data:
        response = await self._http.request(
            "POST",
            f"{self._root}/{endpoint}",
            handled=(200, 401, 403),
            headers={"17token": self._api_key.get_secret_value()},
            json_body=items,
            expect_json=False,
        )
        try:
            envelope = _Envelope.model_validate(json.loads(response.body))
        except (json.JSONDecodeError, ValidationError) as exc:
            if response.status != 200:
                raise SourceRejected(SLUG, f"credentials refused (HTTP {response.status})") from exc
            raise MalformedResponse(SLUG, "body is not a 17TRACK envelope") from exc
        data = envelope.data or _Data()
        if envelope.code != 0 or response.status != 200:
            code = data.errors[0].code if data.errors else envelope.code
            if code == 0:
                raise SourceRejected(SLUG, f"credentials refused (HTTP {response.status})")
            raise _error(code)
        return data


def _unique(queries: Sequence[TrackingQuery]) -> list[TrackingQuery]:
    return list({_key(query.number): query for query in queries}.values())


def _chunks(queries: list[TrackingQuery]) -> list[list[TrackingQuery]]:
    return [queries[i : i + BATCH_SIZE] for i in range(0, len(queries), BATCH_SIZE)]


class SeventeenTrackPush:
    """Verifies and reads 17TRACK pushes: `sign` = hex SHA-256 of raw body + "/" + API key."""

    source = SLUG

    def __init__(self, *, api_key: SecretStr, clock: Callable[[], datetime]) -> None:
        self._suffix = b"/" + api_key.get_secret_value().encode()
        self._clock = clock

    def receive(self, body: bytes, headers: Mapping[str, str]) -> PushOutcome:
        """Raises PushRejected for a missing or forged signature, or a body of the wrong shape."""
        given = {name.lower(): value for name, value in headers.items()}.get(SIGNATURE_HEADER)
        # A plain hash (not an HMAC) over the raw bytes as received.
        expected = hashlib.sha256(body + self._suffix).hexdigest().encode()
        if not given or not hmac.compare_digest(
            given.strip().lower().encode(errors="replace"), expected
        ):
            raise PushRejected(SLUG, "bad or missing signature", bad_signature=True)
        try:
            push = _Push.model_validate_json(body)
            if push.event == "TRACKING_STOPPED":
                return PushOutcome(shipments=(), stopped=(str(push.data["number"]),))
            if push.event != "TRACKING_UPDATED":
                return PushOutcome(shipments=())
            item = TrackItem.model_validate(push.data)
        except (ValidationError, KeyError) as exc:
            raise PushRejected(SLUG, "body is not a 17TRACK push", bad_signature=False) from exc
        return PushOutcome(shipments=(shipment_from(item, self._clock()),))
