"""USPS APIs v3 against a loopback server playing its documented OAuth and tracking answers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from carriers.base import Provider
from carriers.errors import (
    MalformedResponse,
    SourceRateLimited,
    SourceRejected,
    SourceUnavailable,
    TrackingNotFound,
)
from carriers.models import ExceptionReason, Shipment, Status, TimeSource, TrackingQuery
from carriers.usps import Usps
from carriers.usps_statuses import status_of
from tests.carriers.source_server import (
    CASES_DIRECTORY,
    Clock,
    FakeSource,
    Reply,
    ServerFactory,
    answer,
    load_cases,
    never,
    start,
    text,
    token,
)

DATA = CASES_DIRECTORY / "usps"
REFERENCE, OURS = load_cases("usps")
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
CLIENT_ID = "usps-made-up-consumer-key"
CLIENT_SECRET = "usps-made-up-consumer-secret"
TOKEN_PATH = "/oauth2/v3/token"
NUMBER = "9400100000000000000011"
TRACK_PATH = f"/tracking/v3/tracking/{NUMBER}"


@pytest.fixture
async def fake(aiohttp_server: ServerFactory) -> FakeSource:
    source = await start(aiohttp_server)
    source.on(TOKEN_PATH, token("usps-token-1", expires_in=28799, scope="tracking"))
    return source


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


def usps(http: httpx.AsyncClient, fake: FakeSource, clock: Clock | None = None) -> Usps:
    return Usps(
        http,
        client_id=SecretStr(CLIENT_ID),
        client_secret=SecretStr(CLIENT_SECRET),
        base_url=fake.url,
        clock=clock or Clock(NOW),
    )


async def track(source: Usps, case: dict[str, Any], fake: FakeSource) -> Shipment:
    number = case["body"].get("trackingNumber", NUMBER)
    fake.on(f"/tracking/v3/tracking/{number}", answer(case["body"], status=case["http_status"]))
    return await source.track(TrackingQuery(number=number))


STATUS_CASES = [
    name
    for name, case in {**REFERENCE, **OURS}.items()
    if case.get("expected_normalized_status") and "body" in case
]


@pytest.mark.parametrize("name", STATUS_CASES)
async def test_every_recorded_answer_normalises_to_the_expected_status_and_reason(
    name: str, http: httpx.AsyncClient, fake: FakeSource
) -> None:
    case = REFERENCE.get(name) or OURS[name]
    shipment = await track(usps(http, fake), case, fake)
    assert shipment.status == case["expected_normalized_status"]
    assert shipment.exception_reason == case.get("expected_reason")
    assert (shipment.source, shipment.carrier, shipment.checked_at) == ("usps", "usps", NOW)
    body = case["body"]
    assert (shipment.raw.status, shipment.raw.substatus) == (body["statusCategory"], body["status"])
    assert [event.raw.event_code for event in shipment.events] == [
        event["eventCode"] for event in body["trackingEvents"]
    ]


async def test_a_lookup_sends_the_documented_request_with_a_bearer_token(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    await track(usps(http, fake), REFERENCE["in_transit"], fake)
    documented = REFERENCE["request"]["request"]
    [request] = fake.to(TRACK_PATH)
    assert request.method == documented["method"]
    assert request.path == httpx.URL(documented["url"]).path
    assert request.query == dict(httpx.URL(documented["url"]).params) == {"expand": "DETAIL"}
    assert request.bearer == "usps-token-1"
    assert request.headers["accept"] == documented["headers"]["Accept"]


async def test_the_token_is_asked_for_with_the_tracking_scope_and_reused_until_it_expires(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    clock = Clock(NOW)
    source = usps(http, fake, clock)
    await track(source, REFERENCE["in_transit"], fake)
    clock.advance(hours=7)
    await track(source, REFERENCE["in_transit"], fake)
    [asked] = fake.to(TOKEN_PATH)
    documented = REFERENCE["oauth_token_request"]["request"]
    assert asked.path == httpx.URL(documented["url"]).path
    assert asked.headers["content-type"] == documented["headers"]["Content-Type"]
    assert asked.form == {
        **documented["form"],
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    clock.advance(hours=1)
    await track(source, REFERENCE["in_transit"], fake)
    assert len(fake.to(TOKEN_PATH)) == 2


async def test_a_token_usps_revoked_is_renewed_once_and_the_lookup_repeated(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    source = usps(http, fake)
    await track(source, REFERENCE["in_transit"], fake)
    fake.replies[TOKEN_PATH] = [token("usps-token-2")]
    fake.replies[TRACK_PATH] = [
        answer({"error": {"code": "401", "message": "Unauthorized"}}, status=401),
        answer(REFERENCE["in_transit"]["body"]),
    ]
    shipment = await source.track(TrackingQuery(number=NUMBER))
    assert shipment.status is Status.IN_TRANSIT
    assert [r.bearer for r in fake.to(TRACK_PATH)][-2:] == ["usps-token-1", "usps-token-2"]


async def test_event_times_come_from_the_gmt_fields_and_keep_the_local_offset(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    shipment = await track(usps(http, fake), REFERENCE["in_transit"], fake)
    newest, arrived, *_ = shipment.events
    assert newest.occurred_at_utc == datetime(2025, 6, 4, 5, 0, tzinfo=UTC)
    assert newest.local_iso == "2025-06-04T01:00:00-04:00"
    assert newest.time_source is TimeSource.PROVIDER_UTC
    assert newest.location is None
    assert (arrived.location, arrived.country) == ("NEW YORK NY DISTRIBUTION CENTER", None)
    oldest = shipment.events[-1]
    assert (oldest.location, oldest.country) == ("NEW YORK, NY", "US")
    assert oldest.status is Status.INFO_RECEIVED
    assert (shipment.origin_country, shipment.destination_country) == ("US", "US")
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.earliest == shipment.estimated_delivery.latest
    assert shipment.estimated_delivery.latest == date(2025, 6, 5)
    assert shipment.last_scan_at == datetime(2025, 6, 4, 5, 0, tzinfo=UTC)


async def test_a_local_stamp_with_a_false_z_is_never_read_as_utc(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    shipment = await track(usps(http, fake), OURS["times_without_gmt_fields"], fake)
    local_only = shipment.events[0]
    assert local_only.occurred_local == datetime(2025, 6, 5, 7, 31)
    assert (local_only.utc_offset, local_only.occurred_at_utc) == (None, None)
    assert local_only.time_source is TimeSource.UNKNOWN
    offset_only = shipment.events[1]
    assert offset_only.local_iso == "2025-06-04T01:00:00-04:00"
    assert offset_only.time_source is TimeSource.CARRIER_OFFSET
    gmt_only = shipment.events[2]
    assert gmt_only.utc_offset == timedelta(hours=-4)  # what the local and GMT stamps imply
    assert gmt_only.occurred_at_utc == datetime(2025, 6, 3, 6, 10, 45, tzinfo=UTC)


async def test_addressee_unknown_is_a_failed_attempt_that_needs_the_buyer(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    shipment = await track(usps(http, fake), REFERENCE["alert_addressee_unknown"], fake)
    assert shipment.needs_action
    assert shipment.events[0].reason is ExceptionReason.ADDRESS_ISSUE


def reference_rows() -> list[tuple[str, str]]:
    rows = []
    for line in (DATA / "codes.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and cells[0] not in ("---",):
            rows.append((cells[0], cells[2]))
    return rows[1:]


def documented(cell: str) -> tuple[Status, ExceptionReason | None]:
    found = re.match(r"([a-z_]+)(?: / ([a-z_]+))?", cell)
    assert found is not None
    return Status(found[1]), ExceptionReason(found[2]) if found[2] else None


CODE_ROWS = [
    (code, documented(cell))
    for key, cell in reference_rows()
    for code in re.findall(r"\b(?:[A-Z][A-Z0-9]|\d\d)\b", key.split("(")[0])
]
NAME_ROWS = [
    (name, documented(cell))
    for key, cell in reference_rows()
    for name in re.findall(r'"([^"]+)"', key)
]
CATEGORY_ROWS = [
    (category, documented(cell))
    for key, cell in reference_rows()
    for category in re.findall(r"statusCategory `([^`]+)`", key)
]


@pytest.mark.parametrize(("code", "mapping"), CODE_ROWS)
def test_every_documented_event_code_maps_as_the_reference_table_says(
    code: str, mapping: tuple[Status, ExceptionReason | None]
) -> None:
    assert status_of(None, code) == mapping


@pytest.mark.parametrize(("name", "mapping"), NAME_ROWS)
def test_every_documented_event_name_maps_as_the_reference_table_says(
    name: str, mapping: tuple[Status, ExceptionReason | None]
) -> None:
    assert status_of(name, "ZZ", "Alert") == mapping


@pytest.mark.parametrize(("category", "mapping"), CATEGORY_ROWS)
def test_every_documented_category_maps_as_the_reference_table_says(
    category: str, mapping: tuple[Status, ExceptionReason | None]
) -> None:
    if category == "Alert":
        # The row is "Addressee Unknown": a bare Alert is "other Alert events".
        assert status_of("Something happened", None, category) == (Status.EXCEPTION, None)
    else:
        assert status_of(None, None, category) == mapping


def test_the_reference_rows_were_all_read() -> None:
    assert {code for code, _ in CODE_ROWS} == {"GX", "03", "A1", "TL", "07", "OF", "01"}
    assert len(NAME_ROWS) == 6
    assert {category for category, _ in CATEGORY_ROWS} == {
        "Accepted",
        "In Transit",
        "Alert",
        "Delivered",
    }


async def test_a_number_usps_does_not_know_is_not_found_not_an_error(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    case = REFERENCE["not_found_error"]
    fake.on("/tracking/v3/tracking/9400100000000000000000", answer(case["body"], status=404))
    with pytest.raises(TrackingNotFound) as missing:
        await usps(http, fake).track(TrackingQuery(number="9400100000000000000000"))
    assert missing.value.source == "usps"


@pytest.mark.parametrize("status", [400, 403])
async def test_a_refused_request_is_rejected_with_the_usps_code(
    status: int, http: httpx.AsyncClient, fake: FakeSource
) -> None:
    body = {"apiVersion": "v3", "error": {"code": str(status), "message": "refused", "errors": []}}
    fake.on(TRACK_PATH, answer(body, status=status))
    with pytest.raises(SourceRejected, match=str(status)) as refused:
        await usps(http, fake).track(TrackingQuery(number=NUMBER))
    assert not refused.value.retryable


async def test_refused_client_credentials_are_rejected_without_a_lookup(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    fake.replies[TOKEN_PATH] = [answer({"error": "invalid_client"}, status=401)]
    with pytest.raises(SourceRejected, match="invalid_client") as refused:
        await usps(http, fake).track(TrackingQuery(number=NUMBER))
    assert CLIENT_SECRET not in str(refused.value)
    assert fake.to(TRACK_PATH) == []


async def test_429_says_when_to_retry(http: httpx.AsyncClient, fake: FakeSource) -> None:
    fake.on(TRACK_PATH, answer({}, status=429, **{"Retry-After": "60"}))
    with pytest.raises(SourceRateLimited) as limited:
        await usps(http, fake).track(TrackingQuery(number=NUMBER))
    assert limited.value.retry_after == 60


@pytest.mark.parametrize("status", [500, 503])
async def test_a_5xx_is_a_retryable_outage(
    status: int, http: httpx.AsyncClient, fake: FakeSource
) -> None:
    fake.on(TRACK_PATH, answer({"error": {"code": str(status)}}, status=status))
    with pytest.raises(SourceUnavailable) as down:
        await usps(http, fake).track(TrackingQuery(number=NUMBER))
    assert down.value.retryable


async def test_a_server_that_never_answers_times_out_as_unavailable(fake: FakeSource) -> None:
    fake.on(TRACK_PATH, never())
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as impatient:
        with pytest.raises(SourceUnavailable, match="timed out"):
            await usps(impatient, fake).track(TrackingQuery(number=NUMBER))


@pytest.mark.parametrize(
    "reply",
    [
        text("<html><body>Bad gateway</body></html>"),
        answer({"status": "Delivered"}),
        answer({"trackingNumber": NUMBER, "trackingEvents": "none"}),
        answer([1, 2]),
    ],
    ids=["html", "no-number", "events-not-a-list", "a-list"],
)
async def test_a_body_of_the_wrong_shape_is_malformed(
    reply: Reply, http: httpx.AsyncClient, fake: FakeSource
) -> None:
    fake.on(TRACK_PATH, reply)
    with pytest.raises(MalformedResponse):
        await usps(http, fake).track(TrackingQuery(number=NUMBER))


async def test_it_is_a_polled_provider_for_usps_numbers_only(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    source: Provider = usps(http, fake)
    assert isinstance(source, Provider)
    assert (source.slug, source.carriers, source.supports_push) == (
        "usps",
        frozenset({"usps"}),
        False,
    )
    await source.register(TrackingQuery(number=NUMBER))
    assert fake.received == []
