"""The tracking service through the real AfterShip adapter against a loopback AfterShip."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from aiohttp.test_utils import TestServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from carriers.aftership import AfterShip
from carriers.lookup import Found, NotFoundYet
from carriers.models import Status, TrackingQuery
from carriers.registry import ProviderRegistry
from carriers.service import ServiceOptions, TrackingService
from tests.carriers.aftership_server import AfterShipServer, reference_tracking
from tests.carriers.tracking_fakes import FakeClock, eventually

Server = Callable[..., Awaitable[TestServer]]


async def test_through_aftership_a_hundred_lookups_make_one_call_then_the_cache_answers(
    aiohttp_server: Server, sessions: async_sessionmaker[AsyncSession]
) -> None:
    tracking: dict[str, Any] = reference_tracking("in_transit")
    fake = AfterShipServer(trackings={tracking["tracking_number"]: tracking}, latency=0.1)
    server = await aiohttp_server(fake.app())
    clock = FakeClock()
    async with httpx.AsyncClient() as http:
        source = AfterShip(
            http,
            api_key=SecretStr("as-key"),
            base_url=str(server.make_url("")),
            clock=clock,
        )
        service = TrackingService(
            ProviderRegistry([source]),
            sessions,
            clock=clock,
            options=ServiceOptions(sweep_interval=None),
        )
        try:
            query = TrackingQuery(number=tracking["tracking_number"])
            results = await asyncio.gather(*(service.lookup(query) for _ in range(100)))
            again = await service.lookup(query)
            await eventually(lambda: not service._background)
        finally:
            await service.close()

    assert fake.requests["GET"] == 1
    assert all(isinstance(r, Found) and r.shipment.status is Status.IN_TRANSIT for r in results)
    assert isinstance(again, Found)
    assert again.served_from_cache
    assert again.shipment.carrier == "yunexpress"
    assert fake.requests["POST"] == 1  # registered for pushes once ("already exists" is fine)


async def test_through_aftership_an_unknown_number_is_registered_and_not_found_yet(
    aiohttp_server: Server, sessions: async_sessionmaker[AsyncSession]
) -> None:
    fake = AfterShipServer()
    server = await aiohttp_server(fake.app())
    clock = FakeClock()
    async with httpx.AsyncClient() as http:
        source = AfterShip(
            http, api_key=SecretStr("as-key"), base_url=str(server.make_url("")), clock=clock
        )
        service = TrackingService(
            ProviderRegistry([source]),
            sessions,
            clock=clock,
            options=ServiceOptions(sweep_interval=None),
        )
        try:
            result = await service.lookup(TrackingQuery(number="YT2515300000000999"))
            await eventually(lambda: bool(fake.created))
            await eventually(lambda: not service._background)
        finally:
            await service.close()

    assert isinstance(result, NotFoundYet)
    assert result.checks == 1
    assert fake.created == ["YT2515300000000999"]
