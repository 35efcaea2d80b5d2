"""AfterShip Tracking API: trackings looked up and created, webhooks verified.

Facts relied on: docs/tracking-sources.md, AfterShip.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import httpx
from pydantic import SecretStr, ValidationError

from carriers.aftership_statuses import status_of
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
from carriers.times import parse_date, parse_iso
from foundation.countries import alpha2, alpha3
from foundation.http import retry_after_seconds

SLUG = "aftership"
API_VERSION = "2025-07"
SIGNATURE_HEADER = "aftership-hmac-sha256"

# Built from the end so that a code shared by two catalog entries maps to the first of them.
_OUR_SLUGS: dict[str, str] = {c.aftership: c.slug for c in reversed(CARRIERS) if c.aftership}

_HANDLED = (200, 201, 400, 401, 402, 403, 404, 409, 422, 429)
_NOT_FOUND = 4004
_ALREADY_EXISTS = 4003
_SLUG_REFUSED = frozenset({4010, 4012})
# Why AfterShip refused a request, by meta.code (or HTTP status, which it mirrors for 401/403).
_META_REASONS: dict[int, str] = {
    401: "API key refused",
    403: "not allowed for this API key",
    4001: "invalid JSON in the request",
    _ALREADY_EXISTS: "tracking already exists",
    4005: "invalid tracking number",
    4006: "tracking required",
    4007: "tracking number required",
    4008: "invalid value in the request",
    4009: "a required value is missing",
    4010: "invalid courier slug",
    4011: "the courier needs more fields (postal code, ship date or account)",
    4012: "courier not detected, not enabled or unsupported",
    4013: "retrack is only for inactive trackings",
    4015: "invalid tracking id",
    4016: "retrack is allowed only once",
    4017: "invalid tracking number format",
}


class _Meta(Lenient):
    code: int
    message: str | None = None
    type: str | None = None


class _Envelope(Lenient):
    meta: _Meta
    data: Any = None


class _Checkpoint(Lenient):
    checkpoint_time: str | None = None
    location: str | None = None
    city: str | None = None
    state: str | None = None
    country_region: str | None = None
    country_iso3: str | None = None
    country_region_name: str | None = None
    country_name: str | None = None
    message: str | None = None
    tag: str | None = None
    subtag: str | None = None
    subtag_message: str | None = None
    raw_tag: str | None = None


class _CourierEstimate(Lenient):
    estimated_delivery_date: str | None = None
    estimated_delivery_date_min: str | None = None
    estimated_delivery_date_max: str | None = None

    def bounds(self) -> tuple[str | None, str | None, str | None]:
        """(single date, earliest, latest) as sent."""
        return (
            self.estimated_delivery_date,
            self.estimated_delivery_date_min,
            self.estimated_delivery_date_max,
        )


class _EstimateWindow(Lenient):
    datetime: str | None = None
    datetime_min: str | None = None
    datetime_max: str | None = None

    def bounds(self) -> tuple[str | None, str | None, str | None]:
        """(single date, earliest, latest) as sent."""
        return (self.datetime, self.datetime_min, self.datetime_max)


class _LastMile(Lenient):
    """The carrier a cross-border parcel was handed to for delivery, and its number there."""

    slug: str | None = None
    tracking_number: str | None = None


class Tracking(Lenient):
    """A tracking object as every dated version (and v4) sends it; unknown fields are ignored."""

    tracking_number: str
    slug: str | None = None
    tag: str | None = None
    subtag: str | None = None
    subtag_message: str | None = None
    updated_at: str | None = None
    origin_country_region: str | None = None
    origin_country_iso3: str | None = None
    destination_country_region: str | None = None
    destination_country_iso3: str | None = None
    courier_destination_country_region: str | None = None
    courier_destination_country_iso3: str | None = None
    checkpoints: list[_Checkpoint] | None = None
    latest_estimated_delivery: _EstimateWindow | None = None
    courier_estimated_delivery_date: _CourierEstimate | None = None
    aftership_estimated_delivery_date: _CourierEstimate | None = None
    custom_estimated_delivery_date: _EstimateWindow | None = None
    first_estimated_delivery: _EstimateWindow | None = None
    expected_delivery: str | None = None
    last_mile: _LastMile | None = None


class _TrackingList(Lenient):
    trackings: list[Tracking]


class _Webhook(Lenient):
    event: str
    event_id: str | None = None
    msg: dict[str, Any]


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        return None


def _estimate(tracking: Tracking) -> DeliveryWindow | None:
    """The freshest estimate AfterShip gives, as calendar dates in the recipient's zone."""
    estimates = (
        tracking.latest_estimated_delivery,
        tracking.courier_estimated_delivery_date,
        tracking.aftership_estimated_delivery_date,
        tracking.custom_estimated_delivery_date,
        tracking.first_estimated_delivery,
    )
    candidates = [estimate.bounds() for estimate in estimates if estimate is not None]
    candidates.append((tracking.expected_delivery, None, None))
    for single, low, high in candidates:
        earliest = _date(low) or _date(single)
        latest = _date(high) or _date(single)
        if earliest or latest:
            return DeliveryWindow(earliest=earliest or latest, latest=latest or earliest)
    return None


def _event(checkpoint: _Checkpoint) -> TrackingEvent | None:
    if not checkpoint.checkpoint_time:
        return None
    try:
        # checkpoint_time is the carrier's local time, with an offset only for some carriers.
        moment = parse_iso(checkpoint.checkpoint_time)
    except ValueError:
        return None
    status, reason = status_of(checkpoint.tag, checkpoint.subtag)
    place = [
        checkpoint.city,
        checkpoint.state,
        checkpoint.country_region_name or checkpoint.country_name,
    ]
    return TrackingEvent(
        occurred_local=moment.occurred_local,
        utc_offset=moment.utc_offset,
        occurred_at_utc=moment.occurred_at_utc,
        time_source=moment.time_source,
        location=checkpoint.location or ", ".join(p for p in place if p) or None,
        country=alpha2(checkpoint.country_region or checkpoint.country_iso3),
        description=checkpoint.message or checkpoint.subtag_message or "",
        status=status,
        reason=reason,
        raw=RawCodes(
            status=checkpoint.tag, substatus=checkpoint.subtag, event_code=checkpoint.raw_tag
        ),
    )


def shipment_from(tracking: Tracking, checked_at: datetime) -> Shipment:
    """Normalise one AfterShip tracking object (API answer or webhook `msg`)."""
    status, reason = status_of(tracking.tag, tracking.subtag)
    events = newest_first(
        event for event in map(_event, tracking.checkpoints or ()) if event is not None
    )
    if reason is ExceptionReason.OTHER:
        # A generic exception code: the carrier's own words usually say more.
        texts = (event.description for event in events[:3])
        reason = next(filter(None, map(reason_from_text, texts)), ExceptionReason.OTHER)
    ours = _OUR_SLUGS.get(tracking.slug or "")
    shipment = build_shipment(
        number=tracking.tracking_number,
        carrier=ours,
        status=status,
        reason=reason,
        source=SLUG,
        checked_at=checked_at,
        events=events,
        estimated_delivery=_estimate(tracking),
        origin_country=alpha2(tracking.origin_country_region or tracking.origin_country_iso3),
        destination_country=alpha2(
            tracking.destination_country_region
            or tracking.destination_country_iso3
            or tracking.courier_destination_country_region
            or tracking.courier_destination_country_iso3
        ),
        raw=RawCodes(
            status=tracking.tag,
            substatus=tracking.subtag,
            carrier=tracking.slug if ours is None else None,
        ),
    )
    last_mile = tracking.last_mile or _LastMile()
    handed_to = _OUR_SLUGS.get(last_mile.slug or "")
    if handed_to is None or handed_to == ours:
        return shipment
    number = last_mile.tracking_number or None
    return shipment.model_copy(update={"last_mile_carrier": handed_to, "last_mile_number": number})


def _same_number(left: str, right: str) -> bool:
    return left.replace(" ", "").upper() == right.replace(" ", "").upper()


class AfterShip:
    """AfterShip as a tracking source: the merchant's trackings looked up by number.

    AfterShip polls carriers itself and pushes changes to our webhook, so `register` (create a
    tracking) is the call that costs quota; `track` only reads what AfterShip already has.
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
        self._version = api_version
        legacy = api_version == "v4"
        root = base_url.rstrip("/")
        self._trackings_url = (
            f"{root}/v4/trackings" if legacy else f"{root}/tracking/{api_version}/trackings"
        )
        self._key_header = "aftership-api-key" if legacy else "as-api-key"
        # Up to 2024-04 (and in v4) bodies are wrapped in {"tracking": …} and countries are alpha-3
        # under *_iso3 names; later versions send the object itself with *_country_region names.
        self._wrapped = legacy or api_version <= "2024-04"
        self._iso3_names = legacy or api_version <= "2024-10"

    async def track(self, query: TrackingQuery) -> Shipment:
        """The tracking AfterShip holds for this number.

        Raises TrackingNotFound when AfterShip has no tracking for it (register it first), and
        SourceError subclasses when AfterShip cannot answer.
        """
        envelope = await self._call(
            "GET", self._trackings_url, params={"tracking_numbers": query.number}
        )
        if envelope.meta.code == _NOT_FOUND:
            raise TrackingNotFound(query.number, SLUG, "AfterShip has no tracking for this number")
        self._raise_for_meta(envelope, ())
        listing = parse_body(_TrackingList, envelope.data, SLUG)
        matches = [t for t in listing.trackings if _same_number(t.tracking_number, query.number)]
        if not matches:
            raise TrackingNotFound(query.number, SLUG, "AfterShip has no tracking for this number")
        wanted = self._courier_slug(query)
        best = max(matches, key=lambda t: (t.slug == wanted, t.updated_at or ""))
        return shipment_from(best, self._clock())

    async def register(self, query: TrackingQuery) -> None:
        """Create the tracking so AfterShip starts polling and pushing; "already exists" is fine.

        Raises SourceRejected when AfterShip refuses the number, other SourceErrors on failure.
        """
        courier = self._courier_slug(query)
        envelope = await self._create(query, courier)
        if courier is not None and envelope.meta.code in _SLUG_REFUSED:
            # Our guess of the courier may not be enabled on the merchant's account; AfterShip
            # detects the courier itself when none is given.
            envelope = await self._create(query, None)
        self._raise_for_meta(envelope, (_ALREADY_EXISTS,))

    async def _create(self, query: TrackingQuery, courier: str | None) -> _Envelope:
        body: dict[str, Any] = {"tracking_number": query.number}
        if courier:
            body["slug"] = courier
        destination = alpha3(query.destination_country)
        if destination:
            name = "destination_country_iso3" if self._iso3_names else "destination_country_region"
            body[name] = destination
        if query.postal_code:
            body["destination_postal_code"] = query.postal_code
        payload = {"tracking": body} if self._wrapped else body
        return await self._call("POST", self._trackings_url, json_body=payload)

    def _courier_slug(self, query: TrackingQuery) -> str | None:
        known = carrier(query.carrier) if query.carrier else None
        return known.aftership if known else None

    async def _call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> _Envelope:
        headers = {self._key_header: self._api_key.get_secret_value(), "Accept": "application/json"}
        response = await self._http.request(
            method,
            url,
            handled=_HANDLED,
            headers=headers,
            params=params,
            json_body=json_body,
            expect_json=False,
        )
        try:
            payload = json.loads(response.body) if response.body else None
            envelope = _Envelope.model_validate(payload)
        except (json.JSONDecodeError, ValidationError) as exc:
            if response.status < 300:
                raise MalformedResponse(
                    SLUG, f"HTTP {response.status} body is not an envelope"
                ) from exc
            raise self._error(response.status, response.status, response.headers) from exc
        if response.status >= 300 and envelope.meta.code < 300:
            # An error status with a success meta is contradictory; the HTTP status wins.
            envelope = _Envelope(meta=_Meta(code=response.status))
        if envelope.meta.code == 429:
            raise self._error(429, response.status, response.headers)
        if self._wrapped and isinstance(envelope.data, dict) and "tracking" in envelope.data:
            envelope = _Envelope(meta=envelope.meta, data=envelope.data["tracking"])
        return envelope

    def _raise_for_meta(self, envelope: _Envelope, accepted: tuple[int, ...]) -> None:
        code = envelope.meta.code
        if code < 300 or code in accepted:
            return
        raise self._error(code, code, httpx.Headers())

    def _error(self, code: int, status: int, headers: httpx.Headers) -> CarrierError:
        if code == 429 or status == 429:
            return SourceRateLimited(
                SLUG, "rate limited (429)", retry_after=self._retry_after(headers)
            )
        if code in _META_REASONS:
            return SourceRejected(SLUG, f"{_META_REASONS[code]} ({code})")
        if code >= 500 or status >= 500:
            return SourceUnavailable(SLUG, f"AfterShip internal error ({code})")
        return SourceRejected(SLUG, f"request refused (meta.code {code}, HTTP {status})")

    def _retry_after(self, headers: httpx.Headers) -> float | None:
        now = self._clock()
        explicit = retry_after_seconds(headers.get("Retry-After"), now)
        if explicit is not None:
            return explicit
        reset = headers.get("X-RateLimit-Reset")
        try:
            return max(0.0, float(reset) - now.timestamp()) if reset else None
        except ValueError:
            return None


class AfterShipPush:
    """Verifies and reads AfterShip webhooks: base64 HMAC-SHA256 of the raw body."""

    source = SLUG

    def __init__(self, *, secret: SecretStr, clock: Callable[[], datetime]) -> None:
        self._secret = secret.get_secret_value().encode()
        self._clock = clock

    def receive(self, body: bytes, headers: Mapping[str, str]) -> PushOutcome:
        """Raises PushRejected for a missing or forged signature, or a body of the wrong shape."""
        given = {name.lower(): value for name, value in headers.items()}.get(SIGNATURE_HEADER)
        # The HMAC is over the raw bytes as received: re-serialised JSON would not match.
        expected = base64.b64encode(hmac.new(self._secret, body, hashlib.sha256).digest())
        if not given or not hmac.compare_digest(given.strip().encode(errors="replace"), expected):
            raise PushRejected(SLUG, "bad or missing signature", bad_signature=True)
        try:
            webhook = _Webhook.model_validate_json(body)
        except ValidationError as exc:
            raise PushRejected(
                SLUG, "body is not an AfterShip webhook", bad_signature=False
            ) from exc
        # edd_revise and tracking_pending_time have unconfirmed shapes: take a full tracking
        # object when one is there, and acknowledge without an update otherwise.
        if webhook.event != "tracking_update" and "tag" not in webhook.msg:
            return PushOutcome(shipments=())
        try:
            tracking = Tracking.model_validate(webhook.msg)
        except ValidationError as exc:
            raise PushRejected(SLUG, "msg is not a tracking object", bad_signature=False) from exc
        return PushOutcome(shipments=(shipment_from(tracking, self._clock()),))
