"""UPS Track API against a loopback server playing its documented OAuth and tracking answers."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
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
from carriers.models import ExceptionReason, Status, TimeSource, TrackingQuery
from carriers.ups import Ups
from carriers.ups_statuses import DESCRIPTION_CODES, IGNORED_TYPES, TYPES, status_of
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

DATA = CASES_DIRECTORY / "ups"
REFERENCE, OURS = load_cases("ups")
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
CLIENT_ID = "ups-made-up-client"
CLIENT_SECRET = "ups-made-up-secret"
TOKEN_PATH = "/security/v1/oauth/token"
NUMBER = "1Z9999W90000000001"
TRACK_PATH = f"/api/track/v1/details/{NUMBER}"


@pytest.fixture
async def fake(aiohttp_server: ServerFactory) -> FakeSource:
    source = await start(aiohttp_server)
    # UPS's own token answer: the lifetime as a string, beside fields we do not use.
    source.on(TOKEN_PATH, token("ups-token-1", expires_in="14399", status="approved"))
    return source


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def ups(http: httpx.AsyncClient, fake: FakeSource, clock: Clock | None = None) -> Ups:
    return Ups(
        http,
        client_id=SecretStr(CLIENT_ID),
        client_secret=SecretStr(CLIENT_SECRET),
        base_url=fake.url,
        clock=clock or Clock(NOW),
    )


def number_of(case: dict[str, Any]) -> str:
    return str(case["body"]["trackResponse"]["shipment"][0]["inquiryNumber"])


def reply_with(case: dict[str, Any]) -> Reply:
    return answer(case["body"], status=case["http_status"])


async def track(source: Ups, case: dict[str, Any], fake: FakeSource) -> Any:
    number = number_of(case)
    fake.on(f"/api/track/v1/details/{number}", reply_with(case))
    return await source.track(TrackingQuery(number=number))


STATUS_CASES = [
    name
    for name, case in {**REFERENCE, **OURS}.items()
    if case.get("expected_normalized_status") and "body" in case
]


@pytest.mark.parametrize("name", STATUS_CASES)
async def test_every_recorded_package_normalises_to_the_expected_status_and_reason(
    name: str, http: httpx.AsyncClient, fake: FakeSource
) -> None:
    case = REFERENCE.get(name) or OURS[name]
    shipment = await track(ups(http, fake), case, fake)
    assert shipment.status == case["expected_normalized_status"]
    assert shipment.exception_reason == case.get("expected_reason")
    assert shipment.needs_action == bool(
        shipment.exception_reason and shipment.exception_reason.needs_action
    )
    assert (shipment.source, shipment.carrier, shipment.checked_at) == ("ups", "ups", NOW)
    package = case["body"]["trackResponse"]["shipment"][0]["package"][0]
    assert shipment.raw.substatus == (package.get("currentStatus", {}).get("code") or None)
    assert [event.raw.event_code for event in shipment.events] == [
        activity["status"]["code"] for activity in package["activity"]
    ]


async def test_a_lookup_sends_the_documented_request_with_a_bearer_token(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    await track(ups(http, fake), REFERENCE["in_transit"], fake)
    documented = REFERENCE["request"]["request"]
    [request] = fake.to(TRACK_PATH)
    assert request.method == documented["method"] == "GET"
    assert request.path == httpx.URL(documented["url"]).path
    assert request.query == dict(httpx.URL(documented["url"]).params)
    assert request.bearer == "ups-token-1"
    assert request.headers["transactionsrc"] == "wismo"
    assert re.fullmatch(r"[0-9a-f]{32}", request.headers["transid"])


async def test_every_request_carries_its_own_transaction_id(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    source = ups(http, fake)
    await track(source, REFERENCE["in_transit"], fake)
    await track(source, REFERENCE["in_transit"], fake)
    first, second = fake.to(TRACK_PATH)
    assert first.headers["transid"] != second.headers["transid"]


async def test_the_token_is_asked_for_with_basic_auth_and_reused_until_it_expires(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    source = ups(http, fake, clock)
    await track(source, REFERENCE["in_transit"], fake)
    clock.advance(hours=3)
    await track(source, REFERENCE["in_transit"], fake)
    [asked] = fake.to(TOKEN_PATH)
    documented = REFERENCE["oauth_token_request"]["request"]
    assert asked.method == documented["method"]
    assert asked.path == httpx.URL(documented["url"]).path
    assert asked.basic_auth == (CLIENT_ID, CLIENT_SECRET)
    assert asked.form == documented["form"]
    assert asked.headers["content-type"] == documented["headers"]["Content-Type"]
    clock.advance(hours=1)  # past 14399 s less the renewal margin
    await track(source, REFERENCE["in_transit"], fake)
    assert len(fake.to(TOKEN_PATH)) == 2


async def test_a_token_ups_revoked_is_renewed_once_and_the_lookup_repeated(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    source = ups(http, fake)
    await track(source, REFERENCE["in_transit"], fake)
    fake.replies[TOKEN_PATH] = [token("ups-token-2")]
    fake.replies[TRACK_PATH] = [answer({}, status=401), reply_with(REFERENCE["in_transit"])]
    shipment = await source.track(TrackingQuery(number=NUMBER))
    assert shipment.status is Status.IN_TRANSIT
    assert [r.bearer for r in fake.to(TRACK_PATH)] == ["ups-token-1", "ups-token-1", "ups-token-2"]


async def test_an_in_transit_package_keeps_local_times_offsets_places_and_countries(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    shipment = await track(ups(http, fake), REFERENCE["in_transit"], fake)
    assert (shipment.origin_country, shipment.destination_country) == ("DE", "US")
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.earliest == shipment.estimated_delivery.latest
    assert shipment.estimated_delivery.latest == date(2025, 6, 6)
    newest, *_, oldest = shipment.events
    assert newest.description == "Arrived at Facility"
    assert newest.local_iso == "2025-06-04T07:12:00-04:00"
    assert newest.occurred_at_utc == datetime(2025, 6, 4, 11, 12, tzinfo=UTC)
    assert newest.time_source is TimeSource.PROVIDER_UTC
    assert (newest.location, newest.country) == ("Louisville, KY", "US")
    assert (newest.raw.status, newest.raw.substatus, newest.raw.event_code) == ("I", "005", "AR")
    assert oldest.status is Status.INFO_RECEIVED
    assert oldest.local_iso == "2025-06-02T10:15:00+02:00"
    assert (oldest.location, oldest.country) == ("Koeln", "DE")
    assert shipment.last_scan_at == datetime(2025, 6, 4, 11, 12, tzinfo=UTC)
    assert shipment.raw.status == "I"
    assert not shipment.is_delayed


async def test_an_unpadded_time_is_padded_and_a_scan_without_gmt_fields_stays_naive(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    shipment = await track(ups(http, fake), OURS["unpadded_and_missing_times"], fake)
    padded = shipment.events[0]
    assert padded.occurred_at_utc == datetime(2025, 6, 5, 7, 47, tzinfo=UTC)
    # No gmtOffset: the offset is the one the local and GMT stamps imply, never a guess.
    assert padded.local_iso == "2025-06-05T03:47:00-04:00"
    naive = next(event for event in shipment.events if event.raw.event_code == "AR")
    assert naive.occurred_local == datetime(2025, 6, 4, 7, 12)
    assert naive.utc_offset is None
    assert naive.occurred_at_utc is None
    assert naive.time_source is TimeSource.UNKNOWN


async def test_a_delivered_package_is_terminal_with_its_scans_newest_first(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    shipment = await track(ups(http, fake), REFERENCE["delivered"], fake)
    assert shipment.status.is_terminal
    assert shipment.events[0].status is Status.DELIVERED
    assert shipment.events[1].status is Status.OUT_FOR_DELIVERY
    instants = [event.occurred_at_utc for event in shipment.events]
    assert instants == sorted(instants, reverse=True)


async def test_a_customs_hold_is_an_exception_that_is_delayed_but_needs_no_action(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    shipment = await track(ups(http, fake), REFERENCE["exception_customs"], fake)
    assert shipment.exception_reason is ExceptionReason.CUSTOMS_HOLD
    assert shipment.is_delayed
    assert not shipment.needs_action
    assert shipment.events[0].reason is ExceptionReason.CUSTOMS_HOLD


async def test_a_rescheduled_delivery_date_wins_over_the_scheduled_one(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    shipment = await track(ups(http, fake), OURS["rescheduled_delivery_date"], fake)
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.latest == date(2025, 6, 9)


def reference_rows() -> list[tuple[str, str]]:
    """(codes cell, status cell) of both tables in data/ups/codes.md."""
    rows = []
    for line in (DATA / "codes.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and not set(cells[0]) <= {"-"}:
            rows.append((cells[0], cells[2]))
    return [row for row in rows if row[0] not in ("type", "Codes")]


def expected(cell: str) -> tuple[Status, ExceptionReason | None]:
    found = re.match(r"([a-z_]+)(?: / ([a-z_]+))?", cell)
    assert found is not None
    status, reason = found.groups()
    return Status(status), ExceptionReason(reason) if reason in set(ExceptionReason) else None


TYPE_ROWS = [row for row in reference_rows() if row[0].startswith("`")]
CODE_ROWS = [
    (int(code), cell)
    for codes, cell in reference_rows()
    if not codes.startswith("`")
    for code in re.findall(r"\d+", codes)
]
# The type a description code is expected to arrive with: the family its status belongs to.
NATURAL_TYPE = {
    Status.INFO_RECEIVED: "M",
    Status.IN_TRANSIT: "I",
    Status.OUT_FOR_DELIVERY: "I",
    Status.AVAILABLE_FOR_PICKUP: "I",
    Status.RETURNING: "I",
    Status.DELIVERED: "D",
    Status.RETURNED: "D",
    Status.FAILED_ATTEMPT: "X",
    Status.EXCEPTION: "X",
}


@pytest.mark.parametrize(("types", "cell"), TYPE_ROWS)
def test_every_documented_activity_type_maps_as_the_reference_table_says(
    types: str, cell: str
) -> None:
    for kind in re.findall(r"`([A-Z]+)`", types):
        if cell == "ignore for status":
            assert status_of(kind, None) is None
            continue
        status, reason = expected(cell)
        mapping = status_of(kind, None)
        assert mapping is not None
        assert mapping[0] is status
        # "exception / failed_attempt" names two statuses, "exception / cancelled" a reason.
        assert mapping[1] == (reason if reason in set(ExceptionReason) else None)


@pytest.mark.parametrize(("code", "cell"), CODE_ROWS)
def test_every_documented_description_code_maps_as_the_reference_table_says(
    code: int, cell: str
) -> None:
    if code == 12:
        assert status_of("X", 12) == (Status.EXCEPTION, ExceptionReason.CUSTOMS_HOLD)
        assert status_of("I", 12) == (Status.IN_TRANSIT, None)
        return
    mapping = expected(cell)
    assert DESCRIPTION_CODES[code] == mapping
    assert status_of(None, code) == mapping
    assert status_of(NATURAL_TYPE[mapping[0]], code) == mapping


def test_the_tables_have_no_type_or_code_the_reference_does_not_document() -> None:
    documented_types = {kind for types, _ in TYPE_ROWS for kind in re.findall(r"`([A-Z]+)`", types)}
    assert set(TYPES) | IGNORED_TYPES == documented_types
    assert set(DESCRIPTION_CODES) == {code for code, _ in CODE_ROWS}


@pytest.mark.parametrize(
    ("kind", "code", "mapping"),
    [
        ("I", 11, (Status.IN_TRANSIT, None)),  # only a D scan says delivered
        ("X", 11, (Status.EXCEPTION, None)),
        ("X", 5, (Status.EXCEPTION, None)),  # a problem scan stays a problem
        ("D", 72, (Status.DELIVERED, None)),
        ("D", 34, (Status.RETURNED, None)),
        ("M", 72, (Status.INFO_RECEIVED, None)),
        ("MV", 3, (Status.EXCEPTION, ExceptionReason.CANCELLED)),
        ("I", 38, (Status.IN_TRANSIT, None)),  # an undocumented code keeps the type's status
        ("ZZ", None, (Status.UNKNOWN, None)),
        (None, 38, (Status.UNKNOWN, None)),
    ],
)
def test_a_code_only_refines_what_its_activity_type_allows(
    kind: str | None, code: int | None, mapping: tuple[Status, ExceptionReason | None]
) -> None:
    assert status_of(kind, code) == mapping


async def test_tracking_information_not_found_is_not_found_not_an_error(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    case = REFERENCE["not_found_warning"]
    with pytest.raises(TrackingNotFound) as missing:
        await track(ups(http, fake), case, fake)
    assert missing.value.number == "1Z9999W90000000009"
    assert missing.value.source == "ups"


async def test_an_invalid_inquiry_number_is_not_found(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    fake.on("/api/track/v1/details/1Z123", reply_with(REFERENCE["invalid_number_error"]))
    with pytest.raises(TrackingNotFound, match="invalid"):
        await ups(http, fake).track(TrackingQuery(number="1Z123"))


async def test_a_404_is_not_found(http: httpx.AsyncClient, fake: FakeSource) -> None:
    body = {"response": {"errors": [{"code": "TW0001", "message": "Not Found"}]}}
    fake.on(TRACK_PATH, answer(body, status=404))
    with pytest.raises(TrackingNotFound):
        await ups(http, fake).track(TrackingQuery(number=NUMBER))


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "TV1001"), (403, "250002")],
    ids=["invalid-request", "blocked-merchant"],
)
async def test_a_refused_request_is_rejected_with_ups_code_and_not_retried(
    status: int, code: str, http: httpx.AsyncClient, fake: FakeSource
) -> None:
    body = {"response": {"errors": [{"code": code, "message": "refused"}]}}
    fake.on(TRACK_PATH, answer(body, status=status))
    with pytest.raises(SourceRejected) as refused:
        await ups(http, fake).track(TrackingQuery(number=NUMBER))
    assert not refused.value.retryable
    assert code in refused.value.reason
    assert len(fake.to(TRACK_PATH)) == 1


async def test_refused_client_credentials_are_rejected_without_asking_for_the_package(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    body = {"response": {"errors": [{"code": "10401", "message": "ClientId is Invalid"}]}}
    fake.replies[TOKEN_PATH] = [answer(body, status=401)]
    with pytest.raises(SourceRejected, match="10401") as refused:
        await ups(http, fake).track(TrackingQuery(number=NUMBER))
    assert CLIENT_SECRET not in str(refused.value)
    assert fake.to(TRACK_PATH) == []


async def test_a_fresh_token_refused_by_the_track_api_is_rejected(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    fake.on(TRACK_PATH, answer({"response": {"errors": [{"code": "250003"}]}}, status=401))
    with pytest.raises(SourceRejected, match="401"):
        await ups(http, fake).track(TrackingQuery(number=NUMBER))
    assert len(fake.to(TOKEN_PATH)) == 1


async def test_429_says_when_to_retry(http: httpx.AsyncClient, fake: FakeSource) -> None:
    fake.on(TRACK_PATH, answer({}, status=429, **{"Retry-After": "7"}))
    with pytest.raises(SourceRateLimited) as limited:
        await ups(http, fake).track(TrackingQuery(number=NUMBER))
    assert limited.value.retry_after == 7
    assert limited.value.retryable


@pytest.mark.parametrize("status", [500, 503])
async def test_a_5xx_is_a_retryable_outage(
    status: int, http: httpx.AsyncClient, fake: FakeSource
) -> None:
    body = {"response": {"errors": [{"code": "9999", "message": "down"}]}}
    fake.on(TRACK_PATH, answer(body, status=status))
    with pytest.raises(SourceUnavailable) as down:
        await ups(http, fake).track(TrackingQuery(number=NUMBER))
    assert down.value.retryable


async def test_a_server_that_never_answers_times_out_as_unavailable(fake: FakeSource) -> None:
    fake.on(TRACK_PATH, never())
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as impatient:
        with pytest.raises(SourceUnavailable, match="timed out"):
            await ups(impatient, fake).track(TrackingQuery(number=NUMBER))


@pytest.mark.parametrize(
    "reply",
    [
        text("<html><body>Bad gateway</body></html>"),
        answer({"shipment": []}),
        answer({"trackResponse": {"shipment": "none"}}),
        answer({"trackResponse": {"shipment": [{"package": [{"activity": "x"}]}]}}),
    ],
    ids=["html", "no-track-response", "shipment-not-a-list", "activity-not-a-list"],
)
async def test_a_body_of_the_wrong_shape_is_malformed(
    reply: Reply, http: httpx.AsyncClient, fake: FakeSource
) -> None:
    fake.on(TRACK_PATH, reply)
    with pytest.raises(MalformedResponse):
        await ups(http, fake).track(TrackingQuery(number=NUMBER))


async def test_a_scan_with_an_unreadable_time_is_left_out_of_the_timeline(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    body = json.loads(json.dumps(REFERENCE["in_transit"]["body"]))
    activity = body["trackResponse"]["shipment"][0]["package"][0]["activity"]
    activity[0].update(date="2025-06-04", gmtDate=None)
    fake.on(TRACK_PATH, answer(body))
    shipment = await ups(http, fake).track(TrackingQuery(number=NUMBER))
    assert len(shipment.events) == len(activity) - 1
    assert shipment.status is Status.IN_TRANSIT


async def test_it_is_a_polled_provider_for_ups_numbers_only(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    source: Provider = ups(http, fake)
    assert isinstance(source, Provider)
    assert (source.slug, source.carriers, source.supports_push) == (
        "ups",
        frozenset({"ups"}),
        False,
    )
    await source.register(TrackingQuery(number=NUMBER))
    assert fake.received == []
