"""FedEx Track API against a loopback server playing its documented OAuth and tracking answers."""

from __future__ import annotations

import copy
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
from carriers.fedex import Fedex
from carriers.fedex_statuses import CODES, status_of
from carriers.models import ExceptionReason, Shipment, Status, TimeSource, TrackingQuery
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

DATA = CASES_DIRECTORY / "fedex"
REFERENCE, OURS = load_cases("fedex")
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
CLIENT_ID = "fedex-made-up-api-key"
CLIENT_SECRET = "fedex-made-up-secret-key"
TOKEN_PATH = "/oauth/token"
TRACK_PATH = "/track/v1/trackingnumbers"


@pytest.fixture
async def fake(aiohttp_server: ServerFactory) -> FakeSource:
    source = await start(aiohttp_server)
    source.on(TOKEN_PATH, token("fedex-token-1", expires_in=3599, scope="CXS"))
    return source


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


def fedex(http: httpx.AsyncClient, fake: FakeSource, clock: Clock | None = None) -> Fedex:
    return Fedex(
        http,
        client_id=SecretStr(CLIENT_ID),
        client_secret=SecretStr(CLIENT_SECRET),
        base_url=fake.url,
        clock=clock or Clock(NOW),
    )


def number_of(case: dict[str, Any]) -> str:
    return str(case["body"]["output"]["completeTrackResults"][0]["trackingNumber"])


async def track(source: Fedex, case: dict[str, Any], fake: FakeSource) -> Shipment:
    fake.on(TRACK_PATH, answer(case["body"], status=case["http_status"]))
    return await source.track(TrackingQuery(number=number_of(case)))


STATUS_CASES = [
    name
    for name, case in {**REFERENCE, **OURS}.items()
    if case.get("expected_normalized_status") and "body" in case
]


@pytest.mark.parametrize("name", STATUS_CASES)
async def test_every_recorded_result_normalises_to_the_expected_status_and_reason(
    name: str, http: httpx.AsyncClient, fake: FakeSource
) -> None:
    case = REFERENCE.get(name) or OURS[name]
    shipment = await track(fedex(http, fake), case, fake)
    assert shipment.status == case["expected_normalized_status"]
    assert shipment.exception_reason == case.get("expected_reason")
    if "expected_is_delayed" in case:
        assert shipment.is_delayed is case["expected_is_delayed"]
    assert (shipment.source, shipment.carrier, shipment.checked_at) == ("fedex", "fedex", NOW)
    [result] = case["body"]["output"]["completeTrackResults"][0]["trackResults"]
    latest = result["latestStatusDetail"]
    assert (shipment.raw.status, shipment.raw.substatus) == (latest["code"], latest["derivedCode"])
    assert [event.raw.event_code for event in shipment.events] == [
        scan["eventType"] for scan in result["scanEvents"]
    ]


async def test_a_lookup_posts_the_documented_body_with_locale_and_bearer(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    await track(fedex(http, fake), REFERENCE["in_transit"], fake)
    documented = REFERENCE["request"]["request"]
    [request] = fake.to(TRACK_PATH)
    assert request.method == documented["method"]
    assert request.path == httpx.URL(documented["url"]).path
    assert request.json == documented["body"]
    assert request.bearer == "fedex-token-1"
    assert request.headers["x-locale"] == documented["headers"]["X-locale"]
    assert request.headers["content-type"] == documented["headers"]["Content-Type"]


async def test_the_token_is_asked_for_with_form_credentials_and_reused_until_it_expires(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    clock = Clock(NOW)
    source = fedex(http, fake, clock)
    await track(source, REFERENCE["in_transit"], fake)
    clock.advance(minutes=50)
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
    assert asked.basic_auth is None
    clock.advance(minutes=10)
    await track(source, REFERENCE["in_transit"], fake)
    assert len(fake.to(TOKEN_PATH)) == 2


async def test_a_token_fedex_expired_early_is_renewed_once_and_the_lookup_repeated(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    source = fedex(http, fake)
    await track(source, REFERENCE["in_transit"], fake)
    fake.replies[TOKEN_PATH] = [token("fedex-token-2")]
    unauthorised = {"errors": [{"code": "NOT.AUTHORIZED.ERROR", "message": "Unauthorized"}]}
    fake.replies[TRACK_PATH] = [
        answer(unauthorised, status=401),
        answer(REFERENCE["in_transit"]["body"]),
    ]
    shipment = await source.track(TrackingQuery(number="700000000001"))
    assert shipment.status is Status.IN_TRANSIT
    assert [r.bearer for r in fake.to(TRACK_PATH)][-2:] == ["fedex-token-1", "fedex-token-2"]


async def test_an_in_transit_result_keeps_offsets_places_countries_and_the_window(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    shipment = await track(fedex(http, fake), REFERENCE["in_transit"], fake)
    assert (shipment.origin_country, shipment.destination_country) == ("US", "DE")
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.earliest == date(2025, 6, 5)
    assert shipment.estimated_delivery.latest == date(2025, 6, 5)
    newest, departed, *_, created = shipment.events
    assert newest.local_iso == "2025-06-04T07:55:00+02:00"
    assert newest.time_source is TimeSource.CARRIER_OFFSET
    assert (newest.location, newest.country) == ("KOELN", "DE")
    assert departed.local_iso == "2025-06-03T04:12:00-05:00"
    assert (departed.location, departed.country) == ("MEMPHIS, TN", "US")
    assert created.status is Status.INFO_RECEIVED
    assert created.location is None
    assert shipment.last_scan_at == datetime(2025, 6, 4, 5, 55, tzinfo=UTC)
    assert not shipment.is_delayed


async def test_times_and_windows_without_an_offset_stay_naive_and_dates_stay_dates(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    shipment = await track(fedex(http, fake), OURS["times_without_offsets"], fake)
    naive = shipment.events[0]
    assert naive.occurred_local == datetime(2025, 6, 5, 9, 30)
    assert (naive.utc_offset, naive.occurred_at_utc) == (None, None)
    assert naive.time_source is TimeSource.UNKNOWN
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.earliest == date(2025, 6, 6)
    assert shipment.estimated_delivery.latest == date(2025, 6, 7)


async def test_a_clearance_delay_is_a_delayed_customs_hold_with_fedex_wording_kept(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    shipment = await track(fedex(http, fake), REFERENCE["exception_clearance_delay"], fake)
    assert shipment.exception_reason is ExceptionReason.CUSTOMS_HOLD
    assert shipment.is_delayed
    clearance = shipment.events[0]
    assert clearance.description == "Clearance delay – Import documentation or invoice required"
    assert (clearance.raw.event_code, clearance.raw.substatus) == ("CD", "A30")


async def test_an_estimate_falls_back_to_the_estimated_delivery_date(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    case = copy.deepcopy(REFERENCE["in_transit"])
    result = case["body"]["output"]["completeTrackResults"][0]["trackResults"][0]
    del result["estimatedDeliveryTimeWindow"]
    shipment = await track(fedex(http, fake), case, fake)
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.latest == date(2025, 6, 5)


async def test_of_duplicate_results_for_one_number_the_most_recently_scanned_wins(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    case = copy.deepcopy(REFERENCE["delivered"])
    [delivered] = case["body"]["output"]["completeTrackResults"][0]["trackResults"]
    older = copy.deepcopy(REFERENCE["in_transit"]["body"]["output"])
    [in_transit] = older["completeTrackResults"][0]["trackResults"]
    case["body"]["output"]["completeTrackResults"][0]["trackResults"] = [in_transit, delivered]
    shipment = await track(fedex(http, fake), case, fake)
    assert shipment.status is Status.DELIVERED


def reference_rows() -> list[tuple[str, str]]:
    rows = []
    for line in (DATA / "codes.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and cells[0] not in ("Codes", "---"):
            rows.append((cells[0], cells[2]))
    return rows


CODE_ROWS = [
    (code, cell)
    for codes, cell in reference_rows()
    for code in re.findall(r"\b[A-Z]{2}\b", codes.split(";")[0])
]


@pytest.mark.parametrize(("code", "cell"), CODE_ROWS)
def test_every_documented_code_maps_as_the_reference_table_says(code: str, cell: str) -> None:
    found = re.match(r"([a-z_]+)(?: / ([a-z_]+))?", cell)
    assert found is not None
    status, reason = Status(found[1]), found[2] and ExceptionReason(found[2])
    assert status_of(code, None) == (status, reason)


def test_the_table_has_no_code_the_reference_does_not_document() -> None:
    assert set(CODES) == {code for code, _ in CODE_ROWS}


@pytest.mark.parametrize(
    ("code", "derived", "words", "mapping"),
    [
        (
            "DE",
            "DE",
            "Customer not available or business closed",
            (Status.FAILED_ATTEMPT, ExceptionReason.RECIPIENT_UNAVAILABLE),
        ),
        (
            "DE",
            "DE",
            "Delivery attempt - nobody home",
            (Status.FAILED_ATTEMPT, ExceptionReason.RECIPIENT_UNAVAILABLE),
        ),
        ("DE", "DE", "Incorrect address", (Status.EXCEPTION, ExceptionReason.ADDRESS_ISSUE)),
        (
            "DE",
            "DE",
            "Delivery attempted - customer refused delivery",
            (Status.EXCEPTION, ExceptionReason.REFUSED),
        ),
        (
            "DE",
            "DE",
            "Delivery attempted - incorrect address",
            (Status.FAILED_ATTEMPT, ExceptionReason.ADDRESS_ISSUE),
        ),
        (
            "SE",
            "DE",
            "Customer not available",
            (Status.EXCEPTION, None),
        ),  # no attempt before delivery
        (
            "ZZ",
            "DE",
            "Delivery attempted",
            (Status.FAILED_ATTEMPT, ExceptionReason.RECIPIENT_UNAVAILABLE),
        ),
        ("ZZ", "RL", None, (Status.IN_TRANSIT, None)),
        ("ZZ", "IT", None, (Status.IN_TRANSIT, None)),
        ("ZZ", "PU", None, (Status.IN_TRANSIT, None)),
        ("ZZ", "OD", None, (Status.OUT_FOR_DELIVERY, None)),
        ("ZZ", "DL", None, (Status.DELIVERED, None)),
        ("DL", "IT", None, (Status.DELIVERED, None)),  # the code wins over the derived code
        ("ZZ", None, None, (Status.UNKNOWN, None)),
        (None, None, None, (Status.UNKNOWN, None)),
    ],
)
def test_exceptions_read_fedex_words_and_unknown_codes_fall_back_to_the_derived_code(
    code: str | None,
    derived: str | None,
    words: str | None,
    mapping: tuple[Status, ExceptionReason | None],
) -> None:
    assert status_of(code, derived, words) == mapping


async def test_a_number_fedex_cannot_find_is_not_found_not_an_error(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    with pytest.raises(TrackingNotFound) as missing:
        await track(fedex(http, fake), REFERENCE["not_found"], fake)
    assert (missing.value.number, missing.value.source) == ("700000000009", "fedex")


async def test_another_per_number_error_is_a_rejection(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    case = copy.deepcopy(REFERENCE["not_found"])
    [result] = case["body"]["output"]["completeTrackResults"][0]["trackResults"]
    result["error"] = {"code": "TRACKING.TRACKINGNUMBER.INVALID", "message": "Invalid"}
    with pytest.raises(SourceRejected, match=re.escape("TRACKING.TRACKINGNUMBER.INVALID")):
        await track(fedex(http, fake), case, fake)


async def test_a_request_error_is_rejected_with_fedex_code(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    fake.on(TRACK_PATH, answer(REFERENCE["request_error"]["body"], status=400))
    with pytest.raises(SourceRejected, match=re.escape("TRACKING.TRACKINGNUMBER.EMPTY")) as refused:
        await fedex(http, fake).track(TrackingQuery(number="700000000001"))
    assert not refused.value.retryable


async def test_refused_client_credentials_are_rejected_without_a_lookup(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    body = {"errors": [{"code": "NOT.AUTHORIZED.ERROR", "message": "Unauthorized"}]}
    fake.replies[TOKEN_PATH] = [answer(body, status=401)]
    with pytest.raises(SourceRejected, match=re.escape("NOT.AUTHORIZED.ERROR")) as refused:
        await fedex(http, fake).track(TrackingQuery(number="700000000001"))
    assert CLIENT_SECRET not in str(refused.value)
    assert fake.to(TRACK_PATH) == []


async def test_a_forbidden_project_is_rejected(http: httpx.AsyncClient, fake: FakeSource) -> None:
    body = {"errors": [{"code": "FORBIDDEN.ERROR", "message": "Forbidden"}]}
    fake.on(TRACK_PATH, answer(body, status=403))
    with pytest.raises(SourceRejected, match="403"):
        await fedex(http, fake).track(TrackingQuery(number="700000000001"))


async def test_429_says_when_to_retry(http: httpx.AsyncClient, fake: FakeSource) -> None:
    fake.on(TRACK_PATH, answer({"errors": []}, status=429, **{"Retry-After": "10"}))
    with pytest.raises(SourceRateLimited) as limited:
        await fedex(http, fake).track(TrackingQuery(number="700000000001"))
    assert limited.value.retry_after == 10
    assert limited.value.retryable


async def test_the_daily_quota_is_retried_after_midnight_gmt(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    message = "We have received too many requests in a short duration. Daily transaction quota exceeded. Retry after 12:00AM GMT"
    fake.on(
        TRACK_PATH,
        answer({"errors": [{"code": "TOO.MANY.REQUESTS", "message": message}]}, status=429),
    )
    with pytest.raises(SourceRateLimited) as limited:
        await fedex(http, fake).track(TrackingQuery(number="700000000001"))
    assert limited.value.retry_after == timedelta(hours=12).total_seconds()


@pytest.mark.parametrize("status", [500, 503])
async def test_a_5xx_is_a_retryable_outage(
    status: int, http: httpx.AsyncClient, fake: FakeSource
) -> None:
    fake.on(TRACK_PATH, answer({"errors": [{"code": "INTERNAL.SERVER.ERROR"}]}, status=status))
    with pytest.raises(SourceUnavailable) as down:
        await fedex(http, fake).track(TrackingQuery(number="700000000001"))
    assert down.value.retryable


async def test_a_server_that_never_answers_times_out_as_unavailable(fake: FakeSource) -> None:
    fake.on(TRACK_PATH, never())
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as impatient:
        with pytest.raises(SourceUnavailable, match="timed out"):
            await fedex(impatient, fake).track(TrackingQuery(number="700000000001"))


@pytest.mark.parametrize(
    "reply",
    [
        text("<html><body>Bad gateway</body></html>"),
        answer({"transactionId": "x"}),
        answer({"output": {"completeTrackResults": {"trackingNumber": "x"}}}),
        answer({"output": {"completeTrackResults": [{"trackResults": [{"scanEvents": 3}]}]}}),
    ],
    ids=["html", "no-output", "results-not-a-list", "scans-not-a-list"],
)
async def test_a_body_of_the_wrong_shape_is_malformed(
    reply: Reply, http: httpx.AsyncClient, fake: FakeSource
) -> None:
    fake.on(TRACK_PATH, reply)
    with pytest.raises(MalformedResponse):
        await fedex(http, fake).track(TrackingQuery(number="700000000001"))


async def test_it_is_a_polled_provider_for_fedex_numbers_only(
    http: httpx.AsyncClient, fake: FakeSource
) -> None:
    source: Provider = fedex(http, fake)
    assert isinstance(source, Provider)
    assert (source.slug, source.carriers, source.supports_push) == (
        "fedex",
        frozenset({"fedex"}),
        False,
    )
    await source.register(TrackingQuery(number="700000000001"))
    assert fake.received == []
