"""17TRACK against a loopback server playing its documented API, and its signed pushes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from carriers.base import Provider, PushReceiver
from carriers.errors import (
    MalformedResponse,
    PushRejected,
    SourceRateLimited,
    SourceRejected,
    SourceUnavailable,
    TrackingNotFound,
)
from carriers.models import ExceptionReason, Shipment, Status, TimeSource, TrackingQuery
from carriers.seventeentrack import SeventeenTrack, SeventeenTrackPush
from carriers.seventeentrack_statuses import SUB_STATUSES, status_of
from tests.carriers.source_server import CASES_DIRECTORY, load_cases

DATA = CASES_DIRECTORY / "seventeentrack"
REFERENCE, OURS = load_cases("seventeentrack")
NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
API_KEY = "made-up-17token-for-tests"
UPDATED = REFERENCE["webhook_tracking_updated_delivered"]
STOPPED = REFERENCE["webhook_tracking_stopped"]

Reply = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    items: Any


@dataclass
class FakeSeventeenTrack:
    """A loopback 17TRACK: records each request and answers per endpoint, in order."""

    server: TestServer
    received: list[Received] = field(default_factory=list)
    replies: dict[str, list[Reply]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def paths(self) -> list[str]:
        return [request.path for request in self.received]


def answer(body: Any, status: int = 200, **headers: str) -> Reply:
    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response(body, status=status, headers=headers)

    return reply


def accepted(*items: dict[str, Any], rejected: list[dict[str, Any]] | None = None) -> Reply:
    return answer({"code": 0, "data": {"accepted": list(items), "rejected": rejected or []}})


def rejection(number: str, code: int) -> dict[str, Any]:
    return {"number": number, "error": {"code": code, "message": f"error {code}"}}


@pytest.fixture
async def fake(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> FakeSeventeenTrack:
    app = web.Application()
    holder: list[FakeSeventeenTrack] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        source = holder[0]
        body = await request.read()
        source.received.append(
            Received(
                request.path,
                {k.lower(): v for k, v in request.headers.items()},
                json.loads(body) if body else None,
            )
        )
        queue = source.replies[request.path.rsplit("/", 1)[-1]]
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return await reply(request)

    app.router.add_route("*", "/{tail:.*}", handle)
    holder.append(FakeSeventeenTrack(await aiohttp_server(app)))
    return holder[0]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


def seventeentrack(http: httpx.AsyncClient, fake: FakeSeventeenTrack) -> SeventeenTrack:
    return SeventeenTrack(http, api_key=SecretStr(API_KEY), base_url=fake.url, clock=lambda: NOW)


def item_of(case: dict[str, Any]) -> dict[str, Any]:
    if "item" in case:
        recorded: dict[str, Any] = case["item"]
        return recorded
    [item] = case["body"]["data"]["accepted"]
    return item  # type: ignore[no-any-return]


STATUS_CASES = [
    name
    for name, case in {**REFERENCE, **OURS}.items()
    if case.get("expected_normalized_status")
    and ("item" in case or ("body" in case and case["body"]["data"]["accepted"]))
]


@pytest.mark.parametrize("name", STATUS_CASES)
async def test_every_recorded_item_normalises_to_the_expected_status_and_reason(
    name: str, http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    case = REFERENCE.get(name) or OURS[name]
    item = item_of(case)
    fake.replies["gettrackinfo"] = [accepted(item)]
    shipment = await seventeentrack(http, fake).track(TrackingQuery(number=item["number"]))
    assert shipment.status == case["expected_normalized_status"]
    assert shipment.exception_reason == case.get("expected_reason")
    assert shipment.source == "17track"
    assert shipment.checked_at == NOW
    assert shipment.raw.substatus == item["track_info"]["latest_status"]["sub_status"]


async def test_a_lookup_sends_the_17token_header_and_the_documented_body(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    case = REFERENCE["in_transit_customs"]
    fake.replies["gettrackinfo"] = [answer(case["body"])]
    await seventeentrack(http, fake).track(
        TrackingQuery(number="LX250000001CN", carrier="china-post")
    )
    [request] = fake.received
    assert request.path == "/track/v2.4/gettrackinfo"
    assert request.headers["17token"] == API_KEY
    assert request.headers["content-type"] == "application/json"
    assert request.items == case["request"]["body"]


async def test_in_transit_keeps_utc_instants_local_offsets_countries_and_the_estimate(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["gettrackinfo"] = [answer(REFERENCE["in_transit_customs"]["body"])]
    shipment = await seventeentrack(http, fake).track(TrackingQuery(number="LX250000001CN"))
    assert shipment.carrier == "china-post"
    assert (shipment.origin_country, shipment.destination_country) == ("CN", "US")
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.earliest == date(2025, 6, 11)
    assert shipment.estimated_delivery.latest == date(2025, 6, 13)
    customs = shipment.events[0]
    assert customs.description == "Held by import customs"
    assert customs.local_iso == "2025-06-06T11:02:00-07:00"
    assert customs.occurred_at_utc == datetime(2025, 6, 6, 18, 2, tzinfo=UTC)
    assert customs.time_source is TimeSource.PROVIDER_UTC
    assert customs.country == "US"
    assert shipment.events[-1].local_iso == "2025-06-02T19:20:00+08:00"
    assert shipment.last_scan_at == datetime(2025, 6, 6, 18, 2, tzinfo=UTC)


async def test_an_event_with_only_time_raw_is_built_from_it(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["gettrackinfo"] = [accepted(OURS["delivered_with_only_time_raw"]["item"])]
    shipment = await seventeentrack(http, fake).track(TrackingQuery(number="LX250000011CN"))
    delivered = shipment.events[0]
    assert delivered.local_iso == "2025-06-09T14:31:00-07:00"
    assert delivered.occurred_at_utc == datetime(2025, 6, 9, 21, 31, tzinfo=UTC)
    assert shipment.last_scan_at == delivered.occurred_at_utc


async def test_a_raw_time_without_a_zone_stays_naive(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["gettrackinfo"] = [
        accepted(OURS["delivered_with_a_raw_time_without_zone"]["item"])
    ]
    shipment = await seventeentrack(http, fake).track(TrackingQuery(number="LX250000012CN"))
    delivered = shipment.events[0]
    assert delivered.status is Status.DELIVERED
    assert delivered.occurred_local == datetime(2025, 6, 9, 14, 31)
    assert delivered.utc_offset is None
    assert delivered.time_source is TimeSource.UNKNOWN


async def test_two_legs_are_merged_newest_first_without_the_shared_event_twice(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["gettrackinfo"] = [accepted(OURS["two_legs_china_post_then_usps"]["item"])]
    shipment = await seventeentrack(http, fake).track(TrackingQuery(number="LX250000013CN"))
    instants = [event.occurred_at_utc for event in shipment.events]
    assert instants == sorted(instants, reverse=True)  # type: ignore[type-var]
    assert len(instants) == len(set(instants)) == 6  # 3 USPS + 3 China Post, one shared
    assert shipment.events[0].description == "Delivered, in/at mailbox"


async def test_an_unknown_carrier_code_keeps_the_raw_code(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["gettrackinfo"] = [accepted(OURS["unknown_carrier_and_future_sub_status"]["item"])]
    shipment = await seventeentrack(http, fake).track(TrackingQuery(number="ZZ250000016"))
    assert shipment.carrier is None
    assert shipment.raw.carrier == "999999"


async def test_an_unregistered_number_is_registered_then_reported_not_found_yet(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["gettrackinfo"] = [answer(REFERENCE["not_registered"]["body"])]
    fake.replies["register"] = [accepted({"number": "LX250000009CN", "carrier": 3011})]
    with pytest.raises(TrackingNotFound, match="registered"):
        await seventeentrack(http, fake).track(
            TrackingQuery(number="LX250000009CN", carrier="china-post")
        )
    assert fake.paths() == ["/track/v2.4/gettrackinfo", "/track/v2.4/register"]
    assert fake.received[1].items == [{"number": "LX250000009CN", "carrier": 3011}]
    assert fake.received[1].headers["17token"] == API_KEY


async def test_a_number_no_carrier_recognises_is_not_found_rather_than_a_failure(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["gettrackinfo"] = [accepted(rejected=[rejection("ZZ1", -18019902)])]
    fake.replies["register"] = [accepted(rejected=[rejection("ZZ1", -18019903)])]
    with pytest.raises(TrackingNotFound, match="carrier"):
        await seventeentrack(http, fake).track(TrackingQuery(number="ZZ1"))


async def test_no_information_yet_is_not_found(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["gettrackinfo"] = [accepted(rejected=[rejection("LX2", -18019909)])]
    with pytest.raises(TrackingNotFound):
        await seventeentrack(http, fake).track(TrackingQuery(number="LX2"))


async def test_an_invalid_key_is_rejected_and_not_worth_retrying(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    case = REFERENCE["invalid_key"]
    fake.replies["gettrackinfo"] = [answer(case["body"], status=case["http_status"])]
    with pytest.raises(SourceRejected, match="API key refused") as refused:
        await seventeentrack(http, fake).track(TrackingQuery(number="LX250000001CN"))
    assert not refused.value.retryable


async def test_429_carries_retry_after(http: httpx.AsyncClient, fake: FakeSeventeenTrack) -> None:
    fake.replies["gettrackinfo"] = [answer({"code": 429}, status=429, **{"Retry-After": "2"})]
    with pytest.raises(SourceRateLimited) as limited:
        await seventeentrack(http, fake).track(TrackingQuery(number="LX250000001CN"))
    assert limited.value.retry_after == 2


async def test_a_used_up_quota_is_rate_limiting(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["gettrackinfo"] = [accepted(rejected=[rejection("LX3", -18019902)])]
    fake.replies["register"] = [accepted(rejected=[rejection("LX3", -18019908)])]
    with pytest.raises(SourceRateLimited, match="quota"):
        await seventeentrack(http, fake).track(TrackingQuery(number="LX3"))


@pytest.mark.parametrize(
    "reply",
    [
        answer({"message": "oops"}, status=503),
        answer({"code": -18010003, "data": {"errors": [{"code": -18010003, "message": "x"}]}}),
    ],
    ids=["http-503", "internal-error-code"],
)
async def test_outages_are_retryable(
    reply: Reply, http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["gettrackinfo"] = [reply]
    with pytest.raises(SourceUnavailable) as down:
        await seventeentrack(http, fake).track(TrackingQuery(number="LX250000001CN"))
    assert down.value.retryable


async def test_a_server_that_never_answers_times_out_as_unavailable(
    fake: FakeSeventeenTrack,
) -> None:
    async def never(request: web.Request) -> web.StreamResponse:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    fake.replies["gettrackinfo"] = [never]
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as impatient:
        with pytest.raises(SourceUnavailable, match="timed out"):
            await seventeentrack(impatient, fake).track(TrackingQuery(number="LX250000001CN"))


async def html(request: web.Request) -> web.StreamResponse:
    return web.Response(text="<html>maintenance</html>", content_type="text/html")


@pytest.mark.parametrize(
    "reply",
    [
        html,
        answer({"data": {"accepted": []}}),
        accepted({"carrier": 3011}),
        accepted({"number": "LX250000001CN", "track_info": {"latest_status": "Delivered"}}),
        accepted(),
    ],
    ids=["html", "no-code", "item-without-number", "track-info-wrong-shape", "number-missing"],
)
async def test_a_body_of_the_wrong_shape_is_malformed(
    reply: Reply, http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["gettrackinfo"] = [reply]
    with pytest.raises(MalformedResponse):
        await seventeentrack(http, fake).track(TrackingQuery(number="LX250000001CN"))


async def test_batches_ask_at_most_40_numbers_per_call_and_keep_each_outcome(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    template = item_of(REFERENCE["delivered"])

    async def gettrackinfo(request: web.Request) -> web.StreamResponse:
        numbers = [item["number"] for item in await request.json()]
        found = [{**template, "number": n} for n in numbers if not n[:-2].endswith("7")]
        missing = [rejection(n, -18019909) for n in numbers if n[:-2].endswith("7")]
        return await accepted(*found, rejected=missing)(request)

    fake.replies["gettrackinfo"] = [gettrackinfo]
    queries = [TrackingQuery(number=f"LX{n:09d}CN") for n in range(85)]
    results = await seventeentrack(http, fake).track_many(queries)
    assert [len(request.items) for request in fake.received] == [40, 40, 5]
    assert set(results) == {query.number for query in queries}
    assert isinstance(results["LX000000007CN"], TrackingNotFound)
    delivered = results["LX000000008CN"]
    assert isinstance(delivered, Shipment)
    assert delivered.status is Status.DELIVERED
    assert sum(isinstance(outcome, Shipment) for outcome in results.values()) == 77


async def test_register_sends_the_documented_body_and_reports_only_failures(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["register"] = [answer(REFERENCE["register_mixed_response"]["body"])]
    failures = await seventeentrack(http, fake).register_many(
        [TrackingQuery(number="LX250000001CN", carrier="china-post"), TrackingQuery(number="1234")]
    )
    [request] = fake.received
    documented = REFERENCE["register_request"]["request"]["body"]
    assert request.path == "/track/v2.4/register"
    assert request.items == [{k: v for k, v in item.items() if k != "tag"} for item in documented]
    assert list(failures) == ["1234"]
    assert isinstance(failures["1234"], SourceRejected)
    assert "format" in failures["1234"].reason


async def test_registering_an_already_registered_number_is_success(
    http: httpx.AsyncClient, fake: FakeSeventeenTrack
) -> None:
    fake.replies["register"] = [answer(REFERENCE["register_already_registered"]["body"])]
    await seventeentrack(http, fake).register(TrackingQuery(number="LX250000001CN"))


def reference_rows() -> list[tuple[str, str, str | None]]:
    """(sub-status, status, reason) for every row of data/seventeentrack/substatuses.md."""
    rows = []
    for line in (DATA / "substatuses.md").read_text().splitlines():
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            reason = cells[-1] if re.fullmatch(r"[a-z_]+", cells[-1]) else None
            rows.append((cells[1].strip("`"), cells[-2], reason))
    return rows


@pytest.mark.parametrize(("sub", "status", "reason"), reference_rows())
def test_every_documented_sub_status_maps_as_the_reference_table_says(
    sub: str, status: str, reason: str | None
) -> None:
    assert status_of(None, sub) == (Status(status), reason and ExceptionReason(reason))


def test_the_table_has_no_sub_status_the_reference_does_not_document() -> None:
    assert set(SUB_STATUSES) == {sub for sub, _, _ in reference_rows()}


@pytest.mark.parametrize(
    ("main", "sub", "expected"),
    [
        ("Exception", "Exception_Alien", (Status.EXCEPTION, ExceptionReason.OTHER)),
        ("NotFound", "NotFound_Mystery", (Status.PENDING, None)),
        ("DeliveryFailure", None, (Status.FAILED_ATTEMPT, None)),
        (None, "OutForDelivery_Drone", (Status.OUT_FOR_DELIVERY, None)),
        ("Teleported", "Teleported_Other", (Status.UNKNOWN, None)),
    ],
)
def test_an_unknown_sub_status_falls_back_to_its_main_status(
    main: str | None, sub: str | None, expected: tuple[Status, ExceptionReason | None]
) -> None:
    assert status_of(main, sub) == expected


def receiver() -> SeventeenTrackPush:
    return SeventeenTrackPush(api_key=SecretStr(UPDATED["api_key"]), clock=lambda: NOW)


def test_a_push_signed_as_documented_is_accepted_byte_for_byte() -> None:
    outcome = receiver().receive(UPDATED["raw_body"].encode(), UPDATED["headers"])
    [shipment] = outcome.shipments
    assert shipment.number == "LX250000001CN"
    assert shipment.status == UPDATED["expected_normalized_status"]
    assert shipment.checked_at == NOW
    assert shipment.events[0].occurred_at_utc - shipment.events[1].occurred_at_utc == timedelta(  # type: ignore[operator]
        hours=6, minutes=36
    )


def test_tracking_stopped_names_the_number_the_source_stopped_following() -> None:
    outcome = receiver().receive(STOPPED["raw_body"].encode(), STOPPED["headers"])
    assert outcome.stopped == ("LX250000001CN",)
    assert outcome.shipments == ()


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (UPDATED["raw_body"].replace("Delivered, in/at mailbox", "Delivered"), UPDATED["headers"]),
        (UPDATED["raw_body"], {"Content-Type": "application/json"}),
        (STOPPED["raw_body"], UPDATED["headers"]),
        (UPDATED["raw_body"], {"sign": hashlib.sha256(UPDATED["raw_body"].encode()).hexdigest()}),
    ],
    ids=["tampered-body", "missing-header", "someone-elses-signature", "hash-without-key"],
)
def test_a_forged_or_missing_signature_is_rejected(body: str, headers: dict[str, str]) -> None:
    with pytest.raises(PushRejected) as rejected:
        receiver().receive(body.encode(), headers)
    assert rejected.value.bad_signature


def sign(body: bytes) -> dict[str, str]:
    return {"Sign": hashlib.sha256(body + b"/" + UPDATED["api_key"].encode()).hexdigest()}


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"event": "TRACKING_UPDATED", "data": {"carrier": 3011}}',
        b'{"event": "TRACKING_STOPPED", "data": {}}',
    ],
)
def test_a_correctly_signed_body_of_the_wrong_shape_is_rejected_as_such(body: bytes) -> None:
    with pytest.raises(PushRejected) as rejected:
        receiver().receive(body, sign(body))
    assert not rejected.value.bad_signature


def test_it_is_a_push_capable_provider_for_any_carrier(http: httpx.AsyncClient) -> None:
    source: Provider = SeventeenTrack(
        http, api_key=SecretStr(API_KEY), base_url="http://x", clock=lambda: NOW
    )
    push: PushReceiver = receiver()
    assert isinstance(source, Provider)
    assert (source.slug, source.carriers, source.supports_push) == ("17track", None, True)
    assert push.source == "17track"
