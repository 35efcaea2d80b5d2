"""First lookups through sources that fill in after registration (17TRACK, AfterShip, Kuaidi100).

A buyer's first question about a number such a source has not seen registers it and reads it
back a few times within the reply budget; data there by then is the answer, else the honest
"not found yet" and the source's push brings the first status later.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from carriers.aftership import AfterShip
from carriers.base import Provider, PushOutcome
from carriers.kuaidi100 import Kuaidi100, Kuaidi100Push
from carriers.lookup import Found, NotFoundYet
from carriers.models import Status, TrackingQuery
from carriers.registry import ProviderRegistry
from carriers.service import ServiceOptions, TrackingService
from carriers.seventeentrack import SeventeenTrack, TrackItem, shipment_from
from tests.carriers.source_server import FakeSource, Reply, answer, load_cases, start
from tests.carriers.tracking_fakes import FakeClock

Server = Callable[..., Awaitable[TestServer]]
SEVENTEEN, _ = load_cases("seventeentrack")
AFTERSHIP, _ = load_cases("aftership")
KUAIDI, _ = load_cases("kuaidi100")
DELAYS = (0.5, 1.0, 1.5)
TRACKINGS = "/tracking/2025-07/trackings"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


@pytest.fixture
async def source(aiohttp_server: Server) -> FakeSource:
    return await start(aiohttp_server)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def service_of(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> AsyncIterator[Callable[[Provider], TrackingService]]:
    made: list[TrackingService] = []

    def make(provider: Provider) -> TrackingService:
        service = TrackingService(
            ProviderRegistry([provider]),
            sessions,
            clock=clock,
            options=ServiceOptions(sweep_interval=None, first_read_delays=DELAYS),
            sleep=clock.sleep,
        )
        made.append(service)
        return service

    yield make
    for service in made:
        await service.close()


def rejected(number: str, code: int) -> dict[str, Any]:
    item = {"number": number, "error": {"code": code, "message": f"error {code}"}}
    return {"code": 0, "data": {"accepted": [], "rejected": [item]}}


def seventeen_item() -> dict[str, Any]:
    [item] = SEVENTEEN["in_transit_customs"]["body"]["data"]["accepted"]
    return item  # type: ignore[no-any-return]


def seventeentrack(http: httpx.AsyncClient, source: FakeSource, clock: FakeClock) -> Provider:
    return SeventeenTrack(http, api_key=SecretStr("key"), base_url=source.url, clock=clock)


def unknown_to_17track(source: FakeSource, *reads: int | None) -> str:
    """17TRACK does not follow the number yet, registers it, then answers each read back with
    `reads` in turn (a rejection code, or None: the track info), the last repeating."""
    item = seventeen_item()
    number: str = item["number"]
    found = answer({"code": 0, "data": {"accepted": [item]}})
    replies = [found if code is None else answer(rejected(number, code)) for code in reads]
    source.on("/track/v2.4/gettrackinfo", answer(rejected(number, -18019902)), *replies)
    source.on("/track/v2.4/register", found)
    return number


# --- 17TRACK ---------------------------------------------------------------------------------


async def test_17track_data_there_at_once_after_registering_is_the_first_answer(
    http: httpx.AsyncClient,
    source: FakeSource,
    clock: FakeClock,
    service_of: Callable[[Provider], TrackingService],
) -> None:
    number = unknown_to_17track(source, None)
    service = service_of(seventeentrack(http, source, clock))
    start_at = clock()

    result = await service.lookup(TrackingQuery(number=number))

    assert isinstance(result, Found)
    assert result.shipment.status is Status.IN_TRANSIT
    assert [r.path.rsplit("/", 1)[-1] for r in source.received] == [
        "gettrackinfo",
        "register",
        "gettrackinfo",
    ]
    assert (clock() - start_at).total_seconds() == DELAYS[0]


async def test_17track_data_arriving_inside_the_budget_is_read_back(
    http: httpx.AsyncClient,
    source: FakeSource,
    clock: FakeClock,
    service_of: Callable[[Provider], TrackingService],
) -> None:
    number = unknown_to_17track(source, -18019909, -18019909, None)
    service = service_of(seventeentrack(http, source, clock))
    start_at = clock()

    result = await service.lookup(TrackingQuery(number=number))

    assert isinstance(result, Found)
    assert len(source.to("/track/v2.4/register")) == 1
    assert len(source.to("/track/v2.4/gettrackinfo")) == 4
    assert (clock() - start_at).total_seconds() == sum(DELAYS)


async def test_17track_data_after_the_budget_is_not_found_yet_then_the_push_brings_it(
    http: httpx.AsyncClient,
    source: FakeSource,
    clock: FakeClock,
    service_of: Callable[[Provider], TrackingService],
) -> None:
    number = unknown_to_17track(source, -18019909)
    service = service_of(seventeentrack(http, source, clock))

    result = await service.lookup(TrackingQuery(number=number))
    assert isinstance(result, NotFoundYet)
    assert len(source.to("/track/v2.4/gettrackinfo")) == 1 + len(DELAYS)
    again = await service.lookup(TrackingQuery(number=number))
    assert isinstance(again, NotFoundYet)
    assert len(source.to("/track/v2.4/register")) == 1  # registered once, never re-read

    pushed = shipment_from(TrackItem.model_validate(seventeen_item()), clock())
    [change] = await service.apply_push("17track", PushOutcome(shipments=(pushed,)))
    assert change.old_status is None
    assert change.new_status is Status.IN_TRANSIT


# --- AfterShip -------------------------------------------------------------------------------


def aftership(http: httpx.AsyncClient, source: FakeSource, clock: FakeClock) -> Provider:
    return AfterShip(http, api_key=SecretStr("key"), base_url=source.url, clock=clock)


def listing(*trackings: dict[str, Any]) -> dict[str, Any]:
    return {"meta": {"code": 200}, "data": {"trackings": list(trackings)}}


def aftership_playing(source: FakeSource, listings: list[dict[str, Any]]) -> Reply:
    """AfterShip's trackings path: a create answers 201 with the new pending tracking, and
    the n-th listing answers with `listings[n]` (the last repeating)."""

    async def reply(request: web.Request) -> web.StreamResponse:
        if request.method == "POST":
            body = await request.json()
            data = {"tracking_number": body["tracking_number"], "tag": "Pending"}
            return web.json_response({"meta": {"code": 201}, "data": data}, status=201)
        gets = [r for r in source.to(TRACKINGS) if r.method == "GET"]
        return web.json_response(listings[min(len(gets), len(listings)) - 1])

    return reply


async def test_aftership_a_created_tracking_filled_in_the_budget_is_the_first_answer(
    http: httpx.AsyncClient,
    source: FakeSource,
    clock: FakeClock,
    service_of: Callable[[Provider], TrackingService],
) -> None:
    tracking = AFTERSHIP["in_transit"]["body"]["data"]
    number = tracking["tracking_number"]
    pending = {"tracking_number": number, "tag": "Pending", "subtag": "Pending_001"}
    source.on(
        TRACKINGS, aftership_playing(source, [listing(), listing(pending), listing(tracking)])
    )
    service = service_of(aftership(http, source, clock))

    result = await service.lookup(TrackingQuery(number=number))

    assert isinstance(result, Found)
    assert result.shipment.status is Status.IN_TRANSIT  # a pending tracking was asked again
    methods = [r.method for r in source.to(TRACKINGS)]
    assert methods == ["GET", "POST", "GET", "GET"]
    assert json.loads(source.to(TRACKINGS)[1].body)["tracking_number"] == number


async def test_aftership_still_pending_after_the_budget_says_so_and_is_followed(
    http: httpx.AsyncClient,
    source: FakeSource,
    clock: FakeClock,
    service_of: Callable[[Provider], TrackingService],
) -> None:
    number = "1Z999AA10123456784"
    pending = {"tracking_number": number, "tag": "Pending", "subtag": "Pending_001"}

    source.on(TRACKINGS, aftership_playing(source, [listing(), listing(pending)]))
    service = service_of(aftership(http, source, clock))

    result = await service.lookup(TrackingQuery(number=number))

    assert isinstance(result, Found)
    assert result.shipment.status is Status.PENDING
    assert not result.shipment.events
    assert [r.method for r in source.to(TRACKINGS)] == ["GET", "POST", "GET", "GET", "GET"]


# --- Kuaidi100 -------------------------------------------------------------------------------


async def test_kuaidi100_is_subscribed_at_the_first_lookup_and_its_push_brings_the_status(
    http: httpx.AsyncClient,
    source: FakeSource,
    clock: FakeClock,
    service_of: Callable[[Provider], TrackingService],
) -> None:
    push = KUAIDI["push_callback_out_for_delivery"]
    number = "YT7500000000001"
    source.on("/poll/query.do", answer({"result": False, "returnCode": "500", "message": "无"}))
    source.on("/poll", answer({"result": True, "returnCode": "200", "message": "提交成功"}))
    provider = Kuaidi100(
        http,
        api_key=SecretStr("key"),
        customer=SecretStr("customer"),
        base_url=source.url,
        clock=clock,
        callback_url="https://shop.example/webhooks/kuaidi100",
        push_salt=SecretStr(push["salt"]),
    )
    service = service_of(provider)

    result = await service.lookup(TrackingQuery(number=number, carrier="yto"))

    assert isinstance(result, NotFoundYet)
    # Subscribed before the answer, and never asked twice (a number is locked for 30 min).
    assert [r.path for r in source.received] == ["/poll/query.do", "/poll"]
    receiver = Kuaidi100Push(salt=SecretStr(push["salt"]), clock=clock)
    outcome = receiver.receive(push["raw_body"].encode(), push["headers"])
    [change] = await service.apply_push("kuaidi100", outcome)
    assert change.old_status is None
    assert change.new_status is Status.OUT_FOR_DELIVERY
