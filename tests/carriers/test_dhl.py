"""DHL Shipment Tracking – Unified against a loopback server playing its documented API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from carriers.base import Provider
from carriers.dhl import Dhl
from carriers.dhl_statuses import CODES, status_of
from carriers.errors import (
    MalformedResponse,
    SourceRateLimited,
    SourceRejected,
    SourceUnavailable,
    TrackingNotFound,
)
from carriers.models import ExceptionReason, Status, TimeSource, TrackingQuery
from tests.carriers.source_server import load_cases

REFERENCE, OURS = load_cases("dhl")
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
API_KEY = "dhl-made-up-key"

Reply = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeDhl:
    """A loopback DHL: records each request and answers with `replies`, the last one repeating."""

    server: TestServer
    received: list[Received] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


def answer(body: Any, status: int = 200, **headers: str) -> Reply:
    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response(body, status=status, headers=headers)

    return reply


def raw(text: str, status: int = 200, content_type: str = "text/html") -> Reply:
    async def reply(request: web.Request) -> web.StreamResponse:
        return web.Response(text=text, status=status, content_type=content_type)

    return reply


@pytest.fixture
async def fake(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> FakeDhl:
    app = web.Application()
    holder: list[FakeDhl] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        source = holder[0]
        source.received.append(
            Received(
                request.method,
                request.path,
                dict(request.query),
                {k.lower(): v for k, v in request.headers.items()},
            )
        )
        reply = source.replies.pop(0) if len(source.replies) > 1 else source.replies[0]
        return await reply(request)

    app.router.add_route("*", "/{tail:.*}", handle)
    holder.append(FakeDhl(await aiohttp_server(app)))
    return holder[0]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


def dhl(http: httpx.AsyncClient, fake: FakeDhl, **kwargs: Any) -> Dhl:
    return Dhl(http, api_key=SecretStr(API_KEY), base_url=fake.url, clock=lambda: NOW, **kwargs)


def number_of(case: dict[str, Any]) -> str:
    return str(case["body"]["shipments"][0]["id"])


async def track(
    http: httpx.AsyncClient, fake: FakeDhl, case: dict[str, Any], carrier: str | None = None
) -> Any:
    fake.replies.append(answer(case["body"], case.get("http_status", 200)))
    return await dhl(http, fake).track(TrackingQuery(number=number_of(case), carrier=carrier))


STATUS_CASES = [
    name
    for name, case in {**REFERENCE, **OURS}.items()
    if case.get("expected_normalized_status") and "body" in case
]


@pytest.mark.parametrize("name", STATUS_CASES)
async def test_every_recorded_shipment_normalises_to_the_expected_status_and_reason(
    name: str, http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    case = REFERENCE.get(name) or OURS[name]
    shipment = await track(http, fake, case)
    assert shipment.status == case["expected_normalized_status"]
    assert shipment.exception_reason == case.get("expected_reason")
    assert shipment.needs_action == (
        shipment.exception_reason is not None and shipment.exception_reason.needs_action
    )
    assert shipment.source == "dhl"
    assert shipment.checked_at == NOW
    assert shipment.raw.status == case["body"]["shipments"][0]["status"]["statusCode"]


def test_the_recorded_cases_cover_every_status_dhl_can_lead_to() -> None:
    covered = {
        (REFERENCE.get(name) or OURS[name])["expected_normalized_status"] for name in STATUS_CASES
    }
    assert covered == {
        "info_received",
        "in_transit",
        "out_for_delivery",
        "available_for_pickup",
        "failed_attempt",
        "delivered",
        "exception",
        "returning",
        "returned",
        "pending",
        "unknown",
    }


async def test_a_lookup_is_the_documented_get_with_the_key_header_and_the_brand(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    documented = REFERENCE["request"]["request"]
    await track(http, fake, REFERENCE["in_transit"], carrier="dhl")
    [request] = fake.received
    url = urlsplit(documented["url"])
    assert request.method == documented["method"] == "GET"
    assert request.path == url.path == "/track/shipments"
    assert request.query == {**dict(parse_qsl(url.query)), "trackingNumber": "1234500001"}
    assert request.headers["dhl-api-key"] == API_KEY
    assert request.headers["accept"] == "application/json"


@pytest.mark.parametrize(
    ("carrier", "service"),
    [("dhl", "express"), ("dhl-paket", "parcel-de"), ("dhl-ecommerce", "ecommerce"), (None, None)],
)
async def test_the_service_is_sent_for_the_dhl_brand_asked_and_left_out_otherwise(
    carrier: str | None, service: str | None, http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    await track(http, fake, REFERENCE["in_transit"], carrier=carrier)
    assert fake.received[0].query.get("service") == service


async def test_optional_countries_and_the_parcel_germany_postcode_are_sent_when_known(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    fake.replies.append(answer(REFERENCE["pre_transit"]["body"]))
    source = dhl(http, fake, language="de", requester_country="DE", origin_country="CN")
    query = TrackingQuery(
        number="0034 0434 5000 0000 0017", carrier="dhl-paket", postal_code="53113"
    )
    await source.track(query)
    assert fake.received[0].query == {
        "trackingNumber": "00340434500000000017",
        "service": "parcel-de",
        "language": "de",
        "requesterCountryCode": "DE",
        "originCountryCode": "CN",
        "recipientPostalCode": "53113",
    }


async def test_an_in_transit_shipment_keeps_places_countries_carrier_estimate_and_naive_times(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    shipment = await track(http, fake, REFERENCE["in_transit"])
    assert shipment.carrier == "dhl"
    assert (shipment.origin_country, shipment.destination_country) == ("HK", "ES")
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.earliest == shipment.estimated_delivery.latest
    assert shipment.estimated_delivery.latest == date(2025, 6, 6)
    newest, *_, oldest = shipment.events
    assert newest.description == "Arrived at DHL Sort Facility MADRID - SPAIN"
    assert (newest.location, newest.country) == ("MADRID - SPAIN", "ES")
    # "2025-06-05T06:50:00" has no offset: local time in Madrid, never given UTC.
    assert newest.occurred_local == datetime(2025, 6, 5, 6, 50)
    assert newest.utc_offset is None
    assert newest.occurred_at_utc is None
    assert newest.time_source is TimeSource.UNKNOWN
    assert newest.raw.status == "transit"
    assert oldest.description == "Shipment picked up"
    assert oldest.country == "HK"
    assert shipment.last_scan_at is None


async def test_offsets_are_kept_a_z_is_utc_with_no_local_offset_and_a_window_stays_dates(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    shipment = await track(http, fake, OURS["mixed_timestamps_and_a_window"])
    madrid, leipzig, picked = shipment.events
    assert madrid.local_iso == "2025-06-05T09:45:00+02:00"
    assert madrid.occurred_at_utc == datetime(2025, 6, 5, 7, 45, tzinfo=UTC)
    assert madrid.time_source is TimeSource.CARRIER_OFFSET
    assert leipzig.occurred_at_utc == datetime(2025, 6, 4, 8, 30, tzinfo=UTC)
    assert leipzig.utc_offset is None
    assert leipzig.time_source is TimeSource.PROVIDER_UTC
    assert picked.occurred_at_utc is None
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.earliest == date(2025, 6, 6)
    assert shipment.estimated_delivery.latest == date(2025, 6, 7)
    assert shipment.last_scan_at == datetime(2025, 6, 5, 7, 45, tzinfo=UTC)


async def test_a_late_evening_estimate_keeps_the_recipients_date_not_utcs(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    body = json.loads(json.dumps(REFERENCE["in_transit"]["body"]))
    body["shipments"][0]["estimatedTimeOfDelivery"] = "2025-06-06T23:30:00-05:00"
    fake.replies.append(answer(body))
    shipment = await dhl(http, fake).track(TrackingQuery(number="1234500001"))
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.latest == date(2025, 6, 6)


async def test_customs_failure_keeps_dhls_remark_and_its_raw_codes(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    shipment = await track(http, fake, REFERENCE["failure_customs"])
    assert (shipment.status, shipment.exception_reason) == (
        Status.EXCEPTION,
        ExceptionReason.CUSTOMS_HOLD,
    )
    assert not shipment.needs_action
    assert shipment.raw.substatus == "Clearance event"
    customs = shipment.events[0]
    assert customs.status is Status.EXCEPTION
    assert customs.reason is ExceptionReason.CUSTOMS_HOLD
    assert customs.description == (
        "Customs status updated. The shipment is pending completion of customs inspection."
    )


async def test_a_delivered_shipment_has_its_out_for_delivery_step_in_the_timeline(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    shipment = await track(http, fake, REFERENCE["delivered"])
    assert [event.status for event in shipment.events[:2]] == [
        Status.DELIVERED,
        Status.OUT_FOR_DELIVERY,
    ]


@pytest.mark.parametrize(
    ("service", "carrier", "raw_carrier"),
    [
        ("express", "dhl", None),
        ("parcel-de", "dhl-paket", None),
        ("ecommerce", "dhl-ecommerce", None),
        ("ecommerce-europe", "dhl-ecommerce", None),
        ("freight", None, "freight"),
    ],
)
async def test_the_carrier_comes_from_the_service_and_an_unknown_one_stays_raw(
    service: str,
    carrier: str | None,
    raw_carrier: str | None,
    http: httpx.AsyncClient,
    fake: FakeDhl,
) -> None:
    body = json.loads(json.dumps(REFERENCE["in_transit"]["body"]))
    body["shipments"][0]["service"] = service
    fake.replies.append(answer(body))
    shipment = await dhl(http, fake).track(TrackingQuery(number="1234500001"))
    assert (shipment.carrier, shipment.raw.carrier) == (carrier, raw_carrier)


async def test_with_two_brands_for_one_number_the_asked_brand_wins_else_the_newest(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    case = OURS["two_brands_share_one_number"]
    express = await track(http, fake, case, carrier="dhl")
    assert (express.carrier, express.status) == ("dhl", Status.IN_TRANSIT)
    paket = await track(http, fake, case, carrier="dhl-paket")
    assert (paket.carrier, paket.status) == ("dhl-paket", Status.DELIVERED)
    # Neither brand asked: the one DHL updated last (Berlin, 5 June 10:00+02:00 beats a naive
    # 06:50 in Madrid taken at face value).
    newest = await track(http, fake, case)
    assert newest.carrier == "dhl-paket"


async def test_a_shipment_with_only_its_current_status_still_has_one_event(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    shipment = await track(http, fake, OURS["status_only_no_events_field"])
    [event] = shipment.events
    assert event.location == "Hamburg"
    assert event.local_iso == "2025-06-05T10:00:00+02:00"


@pytest.mark.parametrize(
    ("code", "texts", "expected"),
    [
        ("pre-transit", ["Shipment information received"], (Status.INFO_RECEIVED, None)),
        ("transit", ["Processed at LEIPZIG - GERMANY"], (Status.IN_TRANSIT, None)),
        ("transit", ["With delivery courier"], (Status.OUT_FOR_DELIVERY, None)),
        (
            "transit",
            ["Die Sendung wurde in das Zustellfahrzeug geladen."],
            (Status.OUT_FOR_DELIVERY, None),
        ),
        (
            "transit",
            ["Ready for collection at the DHL ServicePoint"],
            (Status.AVAILABLE_FOR_PICKUP, None),
        ),
        (
            "transit",
            ["The shipment is being returned to sender"],
            (Status.RETURNING, ExceptionReason.RETURNED_TO_SENDER),
        ),
        ("delivered", ["Delivered - Signed for by: M GARCIA"], (Status.DELIVERED, None)),
        (
            "delivered",
            ["Die Sendung wurde an den Absender zurückgeliefert."],
            (Status.RETURNED, None),
        ),
        ("failure", ["Customs status updated"], (Status.EXCEPTION, ExceptionReason.CUSTOMS_HOLD)),
        (
            "failure",
            ["Awaiting clearance information from the receiver"],
            (Status.EXCEPTION, ExceptionReason.CUSTOMS_DOCUMENTS),
        ),
        (
            "failure",
            ["Delivery attempted; recipient not home"],
            (Status.FAILED_ATTEMPT, ExceptionReason.RECIPIENT_UNAVAILABLE),
        ),
        (
            "failure",
            ["Zustellversuch: Empfänger nicht angetroffen"],
            (Status.FAILED_ATTEMPT, ExceptionReason.RECIPIENT_UNAVAILABLE),
        ),
        (
            "failure",
            ["Delivery attempt failed", "Business closed"],
            (Status.FAILED_ATTEMPT, ExceptionReason.BUSINESS_CLOSED),
        ),
        (
            "failure",
            ["Could not be delivered: refused by the recipient"],
            (Status.EXCEPTION, ExceptionReason.REFUSED),
        ),
        ("failure", ["Returned to shipper"], (Status.RETURNING, None)),
        ("failure", ["Shipment on hold"], (Status.EXCEPTION, None)),
        ("unknown", ["Status unavailable"], (Status.UNKNOWN, None)),
        ("TRANSIT", ["Departed facility"], (Status.IN_TRANSIT, None)),
        ("teleported", ["Shipment teleported"], (Status.UNKNOWN, None)),
        (None, [], (Status.UNKNOWN, None)),
    ],
)
def test_each_status_code_and_dhls_wording_map_as_the_reference_says(
    code: str | None, texts: list[str], expected: tuple[Status, ExceptionReason | None]
) -> None:
    assert status_of(code, texts) == expected


def test_the_table_holds_exactly_the_documented_codes() -> None:
    assert set(CODES) == {"pre-transit", "transit", "delivered", "failure", "unknown"}


async def test_dhls_404_is_not_found_not_an_error(http: httpx.AsyncClient, fake: FakeDhl) -> None:
    case = REFERENCE["not_found"]
    fake.replies.append(answer(case["body"], status=case["http_status"]))
    with pytest.raises(TrackingNotFound) as missing:
        await dhl(http, fake).track(TrackingQuery(number="1234599999"))
    assert missing.value.number == "1234599999"
    assert missing.value.source == "dhl"
    assert "No shipment" in missing.value.reason


async def test_an_answer_with_no_shipments_is_not_found(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    fake.replies.append(answer({"shipments": []}))
    with pytest.raises(TrackingNotFound):
        await dhl(http, fake).track(TrackingQuery(number="1234599999"))


async def test_a_404_without_dhls_body_is_a_wrong_url_not_a_missing_parcel(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    fake.replies.append(raw("<html>Not Found</html>", status=404))
    with pytest.raises(SourceRejected, match="DHL_BASE_URL") as wrong:
        await dhl(http, fake).track(TrackingQuery(number="1234500001"))
    assert not wrong.value.retryable


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refused_key_is_rejected_and_not_worth_retrying(
    status: int, http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    fake.replies.append(answer({"title": "Unauthorized", "status": status}, status=status))
    with pytest.raises(SourceRejected) as refused:
        await dhl(http, fake).track(TrackingQuery(number="1234500001"))
    assert not refused.value.retryable
    assert str(status) in refused.value.reason


async def test_a_bad_request_is_rejected_with_dhls_detail(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    problem = {"title": "Bad request", "status": 400, "detail": "Invalid service value."}
    fake.replies.append(answer(problem, status=400))
    with pytest.raises(SourceRejected, match="Invalid service value"):
        await dhl(http, fake).track(TrackingQuery(number="1234500001"))


async def test_429_says_when_to_retry_from_retry_after(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    fake.replies.append(
        answer({"title": "Too many requests", "status": 429}, status=429, **{"Retry-After": "7"})
    )
    with pytest.raises(SourceRateLimited) as limited:
        await dhl(http, fake).track(TrackingQuery(number="1234500001"))
    assert limited.value.retry_after == 7
    assert limited.value.retryable


async def test_a_spent_daily_quota_waits_until_midnight_gmt(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    problem = {"title": "Too many requests", "status": 429, "detail": "Daily limit exceeded."}
    fake.replies.append(answer(problem, status=429))
    with pytest.raises(SourceRateLimited, match="daily quota") as limited:
        await dhl(http, fake).track(TrackingQuery(number="1234500001"))
    assert limited.value.retry_after == timedelta(hours=12).total_seconds()


async def test_a_429_without_a_hint_leaves_the_wait_to_the_caller(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    fake.replies.append(raw("Too Many Requests", status=429, content_type="text/plain"))
    with pytest.raises(SourceRateLimited) as limited:
        await dhl(http, fake).track(TrackingQuery(number="1234500001"))
    assert limited.value.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_5xx_is_a_retryable_outage(
    status: int, http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    fake.replies.append(answer({"title": "Internal error", "status": status}, status=status))
    with pytest.raises(SourceUnavailable) as down:
        await dhl(http, fake).track(TrackingQuery(number="1234500001"))
    assert down.value.retryable


async def test_a_server_that_never_answers_times_out_as_unavailable(fake: FakeDhl) -> None:
    async def never(request: web.Request) -> web.StreamResponse:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    fake.replies.append(never)
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as impatient:
        with pytest.raises(SourceUnavailable, match="timed out") as slow:
            await dhl(impatient, fake).track(TrackingQuery(number="1234500001"))
    assert slow.value.retryable


async def test_a_closed_port_is_unavailable(http: httpx.AsyncClient, fake: FakeDhl) -> None:
    url = fake.url
    await fake.server.close()
    source = Dhl(http, api_key=SecretStr(API_KEY), base_url=url, clock=lambda: NOW)
    with pytest.raises(SourceUnavailable, match="network error"):
        await source.track(TrackingQuery(number="1234500001"))


@pytest.mark.parametrize(
    "reply",
    [
        raw("<html><body>Bad gateway</body></html>"),
        raw("", content_type="application/json"),
        answer(["not", "an", "object"]),
        answer({"url": "/shipments"}),
        answer({"shipments": "none"}),
        answer({"shipments": [{"service": "express"}]}),
        answer({"shipments": [{"id": "1234500001", "events": [{"timestamp": 5}]}]}),
    ],
    ids=[
        "html",
        "empty",
        "list",
        "no-shipments",
        "shipments-not-a-list",
        "shipment-without-id",
        "timestamp-not-text",
    ],
)
async def test_a_body_of_the_wrong_shape_is_malformed(
    reply: Reply, http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    fake.replies.append(reply)
    with pytest.raises(MalformedResponse) as malformed:
        await dhl(http, fake).track(TrackingQuery(number="1234500001"))
    assert malformed.value.retryable


async def test_an_unparseable_timestamp_drops_that_event_only(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    body = json.loads(json.dumps(REFERENCE["in_transit"]["body"]))
    body["shipments"][0]["events"][1]["timestamp"] = "yesterday"
    fake.replies.append(answer(body))
    shipment = await dhl(http, fake).track(TrackingQuery(number="1234500001"))
    assert len(shipment.events) == 2


async def test_it_is_a_polled_provider_for_the_dhl_brands_and_register_does_nothing(
    http: httpx.AsyncClient, fake: FakeDhl
) -> None:
    fake.replies.append(answer({}))
    source: Provider = dhl(http, fake)
    assert isinstance(source, Provider)
    assert source.slug == "dhl"
    assert source.carriers == frozenset({"dhl", "dhl-paket", "dhl-ecommerce"})
    assert not source.supports_push
    await source.register(TrackingQuery(number="1234500001"))
    assert fake.received == []
