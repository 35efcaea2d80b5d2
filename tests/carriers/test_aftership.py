"""AfterShip against a loopback server playing its documented API, and its signed webhooks."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from carriers.aftership import AfterShip, AfterShipPush
from carriers.aftership_statuses import SUBTAGS, status_of
from carriers.base import Provider, PushReceiver
from carriers.errors import (
    MalformedResponse,
    PushRejected,
    SourceRateLimited,
    SourceRejected,
    SourceUnavailable,
    TrackingNotFound,
)
from carriers.models import ExceptionReason, Status, TimeSource, TrackingQuery
from tests.carriers.source_server import CASES_DIRECTORY, load_cases

DATA = CASES_DIRECTORY / "aftership"
REFERENCE, OURS = load_cases("aftership")
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
API_KEY = "as-made-up-key"
WEBHOOK = REFERENCE["webhook_tracking_update_delivered"]

Reply = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeAfterShip:
    """A loopback AfterShip: records each request and answers with `reply`."""

    server: TestServer
    received: list[Received] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


def envelope(data: Any, code: int = 200, status: int = 200, **headers: str) -> Reply:
    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {"meta": {"code": code}, "data": data}, status=status, headers=headers
        )

    return reply


def listing(*trackings: dict[str, Any]) -> Reply:
    return envelope({"pagination": {"total": len(trackings)}, "trackings": list(trackings)})


@pytest.fixture
async def fake(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> FakeAfterShip:
    app = web.Application()
    holder: list[FakeAfterShip] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        source = holder[0]
        source.received.append(
            Received(
                request.method,
                request.path,
                dict(request.query),
                {k.lower(): v for k, v in request.headers.items()},
                await request.read(),
            )
        )
        reply = source.replies.pop(0) if len(source.replies) > 1 else source.replies[0]
        return await reply(request)

    app.router.add_route("*", "/{tail:.*}", handle)
    holder.append(FakeAfterShip(await aiohttp_server(app)))
    return holder[0]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


def aftership(http: httpx.AsyncClient, fake: FakeAfterShip, **kwargs: Any) -> AfterShip:
    return AfterShip(
        http, api_key=SecretStr(API_KEY), base_url=fake.url, clock=lambda: NOW, **kwargs
    )


def tracking_of(case: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = case["body"]["data"] if "meta" in case["body"] else case["body"]
    return data.get("tracking", data)  # type: ignore[no-any-return]


API_CASES = [
    name
    for name, case in {**REFERENCE, **OURS}.items()
    if case.get("expected_normalized_status") and "body" in case
]


@pytest.mark.parametrize("name", API_CASES)
async def test_every_recorded_tracking_normalises_to_the_expected_status_and_reason(
    name: str, http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    case = REFERENCE.get(name) or OURS[name]
    tracking = tracking_of(case)
    fake.replies.append(listing(tracking))
    shipment = await aftership(http, fake).track(TrackingQuery(number=tracking["tracking_number"]))
    assert shipment.status == case["expected_normalized_status"]
    assert shipment.exception_reason == case.get("expected_reason")
    assert shipment.source == "aftership"
    assert shipment.checked_at == NOW
    assert shipment.raw.substatus == tracking["subtag"]


async def test_a_lookup_sends_the_api_key_header_and_asks_by_tracking_number(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    fake.replies.append(listing(tracking_of(REFERENCE["in_transit"])))
    await aftership(http, fake).track(TrackingQuery(number="YT2515300000000001"))
    [request] = fake.received
    assert request.method == "GET"
    assert request.path == "/tracking/2025-07/trackings"
    assert request.query == {"tracking_numbers": "YT2515300000000001"}
    assert request.headers["as-api-key"] == API_KEY
    assert "aftership-api-key" not in request.headers


async def test_an_in_transit_tracking_keeps_local_times_countries_carrier_and_estimate(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    fake.replies.append(listing(tracking_of(REFERENCE["in_transit"])))
    shipment = await aftership(http, fake).track(TrackingQuery(number="YT2515300000000001"))
    assert shipment.carrier == "yunexpress"
    assert (shipment.origin_country, shipment.destination_country) == ("CN", "DE")
    assert shipment.estimated_delivery is not None
    assert (
        shipment.estimated_delivery.earliest
        == shipment.estimated_delivery.latest
        == date(2025, 6, 10)
    )
    newest, *_, oldest = shipment.events
    assert newest.description == "Arrived at destination country"
    assert newest.local_iso == "2025-06-06T07:40:00+02:00"
    assert newest.occurred_at_utc == datetime(2025, 6, 6, 5, 40, tzinfo=UTC)
    assert newest.time_source is TimeSource.CARRIER_OFFSET
    assert newest.country == "DE"
    assert oldest.status is Status.INFO_RECEIVED
    assert oldest.country == "CN"
    assert shipment.last_scan_at == datetime(2025, 6, 6, 5, 40, tzinfo=UTC)
    assert shipment.last_mile_carrier is None  # no hand-over reported


async def test_a_checkpoint_time_without_offset_stays_naive_and_is_never_given_utc(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    fake.replies.append(listing(tracking_of(REFERENCE["exception_customs"])))
    shipment = await aftership(http, fake).track(TrackingQuery(number="YT2515300000000003"))
    customs = next(e for e in shipment.events if e.raw.event_code == "CUSTOMS_HOLD")
    assert customs.occurred_local == datetime(2025, 6, 6, 15, 2)
    assert customs.utc_offset is None
    assert customs.occurred_at_utc is None
    assert customs.time_source is TimeSource.UNKNOWN
    assert shipment.events[0] is customs  # source order kept, newest first
    assert shipment.exception_reason is ExceptionReason.CUSTOMS_HOLD


async def test_the_legacy_v4_api_uses_its_own_header_path_and_iso3_fields(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    case = REFERENCE["v4_legacy_in_transit"]
    fake.replies.append(listing(case["body"]["data"]["tracking"]))
    shipment = await aftership(http, fake, api_version="v4").track(
        TrackingQuery(number="YT2515300000000001")
    )
    [request] = fake.received
    assert request.path == "/v4/trackings"
    assert request.headers["aftership-api-key"] == API_KEY
    assert shipment.status is Status.IN_TRANSIT
    assert (shipment.origin_country, shipment.destination_country) == ("CN", "DE")
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.latest == date(2025, 6, 10)
    assert shipment.events[0].utc_offset is None  # "2025-06-06T07:40:00" has no offset


async def test_an_unknown_courier_keeps_its_raw_slug_and_an_estimate_range_stays_dates(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    fake.replies.append(listing(tracking_of(OURS["unknown_courier_with_an_estimate_range"])))
    shipment = await aftership(http, fake).track(TrackingQuery(number="NC1234567890"))
    assert shipment.carrier is None
    assert shipment.raw.carrier == "brand-new-courier"
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.earliest == date(2025, 6, 11)
    assert shipment.estimated_delivery.latest == date(2025, 6, 13)


async def test_with_several_trackings_for_one_number_the_asked_carrier_wins(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    ours = tracking_of(REFERENCE["in_transit"])
    other = {**ours, "slug": "china-ems", "tag": "Delivered", "subtag": "Delivered_001"}
    other["updated_at"] = "2025-06-09T09:00:00+00:00"
    fake.replies.append(listing(other, ours))
    query = TrackingQuery(number="YT2515300000000001", carrier="yunexpress")
    assert (await aftership(http, fake).track(query)).status is Status.IN_TRANSIT
    fake.replies[:] = [listing(ours, other)]
    newest = await aftership(http, fake).track(TrackingQuery(number="YT2515300000000001"))
    assert newest.status is Status.DELIVERED


def reference_rows() -> list[tuple[str, str, str | None]]:
    """(subtag, status, reason) for every row of data/aftership/subtags.md, ranges expanded."""
    rows = []
    for line in (DATA / "subtags.md").read_text().splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        codes = re.findall(r"`([A-Za-z]+)_(\d{3})`", cells[0])
        if "…" in cells[0]:
            (prefix, low), (_, high) = codes
            codes = [(prefix, f"{n:03d}") for n in range(int(low), int(high) + 1)]
        reason = cells[-1] if re.fullmatch(r"[a-z_]+", cells[-1]) else None
        rows += [(f"{prefix}_{number}", cells[-2], reason) for prefix, number in codes]
    return rows


@pytest.mark.parametrize(("subtag", "status", "reason"), reference_rows())
def test_every_documented_subtag_maps_as_the_reference_table_says(
    subtag: str, status: str, reason: str | None
) -> None:
    assert status_of(subtag.partition("_")[0], subtag) == (
        Status(status),
        reason and ExceptionReason(reason),
    )


def test_the_table_has_no_subtag_the_reference_does_not_document() -> None:
    assert set(SUBTAGS) == {subtag for subtag, _, _ in reference_rows()}


@pytest.mark.parametrize(
    ("tag", "subtag", "expected"),
    [
        ("InTransit", "InTransit_099", (Status.IN_TRANSIT, None)),
        ("Exception", "Exception_099", (Status.EXCEPTION, ExceptionReason.OTHER)),
        ("AttemptFail", "AttemptFail_009", (Status.FAILED_ATTEMPT, None)),
        ("Expired", None, (Status.EXPIRED, ExceptionReason.STALLED)),
        (None, "Delivered_077", (Status.DELIVERED, None)),
        ("Teleported", "Teleported_001", (Status.UNKNOWN, None)),
    ],
)
def test_an_unknown_subtag_falls_back_to_its_tag_and_only_then_to_unknown(
    tag: str | None, subtag: str | None, expected: tuple[Status, ExceptionReason | None]
) -> None:
    assert status_of(tag, subtag) == expected


async def test_a_number_aftership_does_not_hold_is_not_found_not_an_error(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    not_found = REFERENCE["not_found"]
    fake.replies.append(envelope(not_found["body"]["data"], code=4004, status=404))
    with pytest.raises(TrackingNotFound):
        await aftership(http, fake).track(TrackingQuery(number="YT2515300000000009"))
    fake.replies[:] = [listing()]
    with pytest.raises(TrackingNotFound):
        await aftership(http, fake).track(TrackingQuery(number="YT2515300000000009"))


async def test_a_refused_api_key_is_rejected_and_not_worth_retrying(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    fake.replies.append(envelope({}, code=401, status=401))
    with pytest.raises(SourceRejected) as refused:
        await aftership(http, fake).track(TrackingQuery(number="YT2515300000000001"))
    assert not refused.value.retryable
    assert "401" in refused.value.reason


async def test_429_says_when_to_retry_from_the_rate_limit_reset_header(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    reset = str(int(NOW.timestamp()) + 3)
    fake.replies.append(
        envelope(
            {},
            code=429,
            status=429,
            **{"X-RateLimit-Reset": reset, "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0"},
        )
    )
    with pytest.raises(SourceRateLimited) as limited:
        await aftership(http, fake).track(TrackingQuery(number="YT2515300000000001"))
    assert limited.value.retry_after == 3
    assert limited.value.retryable


async def test_429_prefers_an_explicit_retry_after(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    async def reply(request: web.Request) -> web.StreamResponse:
        return web.Response(status=429, text="slow down", headers={"Retry-After": "12"})

    fake.replies.append(reply)
    with pytest.raises(SourceRateLimited) as limited:
        await aftership(http, fake).track(TrackingQuery(number="YT2515300000000001"))
    assert limited.value.retry_after == 12


async def test_a_5xx_is_a_retryable_outage(http: httpx.AsyncClient, fake: FakeAfterShip) -> None:
    fake.replies.append(envelope({}, code=503, status=503))
    with pytest.raises(SourceUnavailable) as down:
        await aftership(http, fake).track(TrackingQuery(number="YT2515300000000001"))
    assert down.value.retryable


async def test_a_server_that_never_answers_times_out_as_unavailable(fake: FakeAfterShip) -> None:
    async def never(request: web.Request) -> web.StreamResponse:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    fake.replies.append(never)
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as impatient:
        with pytest.raises(SourceUnavailable, match="timed out"):
            await aftership(impatient, fake).track(TrackingQuery(number="YT2515300000000001"))


@pytest.mark.parametrize(
    "reply",
    [
        lambda: web.Response(
            text="<html><body>Bad gateway</body></html>", content_type="text/html"
        ),
        lambda: web.json_response({"trackings": []}),
        lambda: web.json_response({"meta": {"code": 200}, "data": {"trackings": [{"tag": 5}]}}),
        lambda: web.json_response({"meta": {"code": 200}, "data": "nothing"}),
    ],
    ids=["html", "no-envelope", "tracking-without-number", "data-not-a-list"],
)
async def test_a_body_of_the_wrong_shape_is_malformed(
    reply: Callable[[], web.Response], http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    async def answer(request: web.Request) -> web.StreamResponse:
        return reply()

    fake.replies.append(answer)
    with pytest.raises(MalformedResponse):
        await aftership(http, fake).track(TrackingQuery(number="YT2515300000000001"))


async def test_register_creates_the_tracking_in_the_documented_shape(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    fake.replies.append(
        envelope(tracking_of(REFERENCE["pending_just_created"]), code=201, status=201)
    )
    query = TrackingQuery(
        number="YT2515300000000001",
        carrier="yunexpress",
        destination_country="DE",
        postal_code="10115",
    )
    await aftership(http, fake).register(query)
    [request] = fake.received
    documented = REFERENCE["create_tracking_request"]["request"]
    assert request.method == "POST"
    assert request.path == "/tracking/2025-07/trackings"
    assert request.headers["as-api-key"] == API_KEY
    assert request.headers["content-type"] == "application/json"
    sent = json.loads(request.body)
    assert sent == {key: documented["body"][key] for key in sent}
    assert set(sent) == {
        "tracking_number",
        "slug",
        "destination_country_region",
        "destination_postal_code",
    }


async def test_register_wraps_the_body_for_versions_up_to_2024_04(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    fake.replies.append(
        envelope({"tracking": tracking_of(REFERENCE["pending_just_created"])}, code=201)
    )
    query = TrackingQuery(number="YT2515300000000001", destination_country="DE")
    await aftership(http, fake, api_version="2024-04").register(query)
    sent = json.loads(fake.received[0].body)
    assert sent == {
        "tracking": {"tracking_number": "YT2515300000000001", "destination_country_iso3": "DEU"}
    }


async def test_registering_a_tracking_that_already_exists_is_success(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    fake.replies.append(envelope({}, code=4003, status=400))
    await aftership(http, fake).register(TrackingQuery(number="YT2515300000000001"))


async def test_register_retries_without_a_courier_the_account_does_not_enable(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    fake.replies += [envelope({}, code=4012, status=400), envelope({}, code=201, status=201)]
    await aftership(http, fake).register(
        TrackingQuery(number="YT2515300000000001", carrier="yunexpress")
    )
    first, second = (json.loads(r.body) for r in fake.received)
    assert first["slug"] == "yunexpress"
    assert "slug" not in second


async def test_register_reports_an_invalid_number_as_rejected(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    fake.replies.append(envelope({}, code=4005, status=400))
    with pytest.raises(SourceRejected, match="invalid tracking number"):
        await aftership(http, fake).register(TrackingQuery(number="123"))


def receiver() -> AfterShipPush:
    return AfterShipPush(secret=SecretStr(WEBHOOK["webhook_secret"]), clock=lambda: NOW)


def test_a_webhook_signed_as_documented_is_accepted_byte_for_byte() -> None:
    outcome = receiver().receive(WEBHOOK["raw_body"].encode(), WEBHOOK["headers"])
    [shipment] = outcome.shipments
    assert shipment.number == "YT2515300000000002"
    assert shipment.status == WEBHOOK["expected_normalized_status"]
    assert shipment.checked_at == NOW
    assert outcome.stopped == ()
    assert outcome.response_status == 200


def test_the_signature_header_name_is_matched_case_insensitively() -> None:
    headers = {"AfterShip-Hmac-SHA256": WEBHOOK["headers"]["aftership-hmac-sha256"]}
    assert receiver().receive(WEBHOOK["raw_body"].encode(), headers).shipments


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (WEBHOOK["raw_body"].replace("Delivered_003", "Delivered_001"), WEBHOOK["headers"]),
        (WEBHOOK["raw_body"], {"Content-Type": "application/json"}),
        (WEBHOOK["raw_body"], {"aftership-hmac-sha256": ""}),
        (json.dumps(json.loads(WEBHOOK["raw_body"])), WEBHOOK["headers"]),
    ],
    ids=["tampered-body", "missing-header", "empty-header", "re-serialised-json"],
)
def test_a_forged_or_missing_signature_is_rejected(body: str, headers: dict[str, str]) -> None:
    with pytest.raises(PushRejected) as rejected:
        receiver().receive(body.encode(), headers)
    assert rejected.value.bad_signature


def sign(body: bytes, secret: str = WEBHOOK["webhook_secret"]) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"aftership-hmac-sha256": base64.b64encode(digest).decode()}


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"event": "tracking_update"}',
        b'{"event": "tracking_update", "msg": {"tag": 1}}',
    ],
)
def test_a_correctly_signed_body_of_the_wrong_shape_is_rejected_as_such(body: bytes) -> None:
    with pytest.raises(PushRejected) as rejected:
        receiver().receive(body, sign(body))
    assert not rejected.value.bad_signature


def test_an_event_without_a_tracking_object_is_acknowledged_without_an_update() -> None:
    body = json.dumps(
        {"event": "edd_revise", "event_id": "e-1", "msg": {"id": "x", "tracking_number": "Y"}}
    ).encode()
    outcome = receiver().receive(body, sign(body))
    assert outcome.shipments == ()
    assert outcome.response_status == 200


def test_the_webhook_keeps_times_with_their_offsets() -> None:
    [shipment] = receiver().receive(WEBHOOK["raw_body"].encode(), WEBHOOK["headers"]).shipments
    delivered = shipment.events[0]
    assert delivered.local_iso == "2025-06-07T13:21:00+02:00"
    assert shipment.last_scan_at == datetime(2025, 6, 7, 11, 21, tzinfo=UTC)
    first = shipment.events[-1]
    assert first.local_iso == "2025-06-02T19:20:00+08:00"
    assert first.occurred_at_utc == datetime(2025, 6, 2, 11, 20, tzinfo=UTC)


def test_it_is_a_push_capable_provider_for_any_carrier(http: httpx.AsyncClient) -> None:
    source: Provider = AfterShip(
        http, api_key=SecretStr(API_KEY), base_url="http://x", clock=lambda: NOW
    )
    push: PushReceiver = receiver()
    assert isinstance(source, Provider)
    assert (source.slug, source.carriers, source.supports_push) == ("aftership", None, True)
    assert push.source == "aftership"


async def test_the_last_mile_carrier_and_its_number_are_kept_after_a_hand_over(
    http: httpx.AsyncClient, fake: FakeAfterShip
) -> None:
    handed = {
        **tracking_of(REFERENCE["in_transit"]),
        "last_mile": {"slug": "dhl-germany", "tracking_number": "00340434161094071236"},
    }
    fake.replies.append(listing(handed))
    shipment = await aftership(http, fake).track(TrackingQuery(number="YT2515300000000001"))
    assert (shipment.last_mile_carrier, shipment.last_mile_number) == (
        "dhl-paket",
        "00340434161094071236",
    )
