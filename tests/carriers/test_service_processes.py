"""Single flight across processes: two engines on one database stand in for two processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from carriers.limits import SourceLimits
from carriers.lookup import Found
from carriers.models import Status, TrackingQuery
from carriers.registry import ProviderRegistry
from carriers.service import ServiceOptions, TrackingService
from foundation.database import create_engine, create_sessions
from tests.carriers.tracking_fakes import FakeClock, FakeSource, eventually

NUMBER = "LP00614958812345"


@pytest.fixture
async def second_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def test_two_processes_asking_for_one_number_make_one_upstream_call(
    engine: AsyncEngine, second_engine: AsyncEngine
) -> None:
    clock = FakeClock()
    upstream = FakeSource("agg", clock, answer=Status.OUT_FOR_DELIVERY)
    gate = upstream.hold()
    options = ServiceOptions(limits={"agg": SourceLimits()}, sweep_interval=None, peer_poll=0.02)
    waiting = asyncio.Event()

    async def watched_sleep(seconds: float) -> None:
        waiting.set()
        await asyncio.sleep(seconds)

    first = TrackingService(
        ProviderRegistry([upstream]), create_sessions(engine), clock=clock, options=options
    )
    second = TrackingService(
        ProviderRegistry([upstream]),
        create_sessions(second_engine),
        clock=clock,
        options=options,
        sleep=watched_sleep,
    )
    try:
        leading = asyncio.create_task(first.lookup(TrackingQuery(number=NUMBER)))
        await eventually(lambda: len(upstream.calls) == 1)
        following = asyncio.create_task(second.lookup(TrackingQuery(number=NUMBER)))
        await asyncio.wait_for(waiting.wait(), timeout=5)  # the second one waits for the first
        gate.set()
        one, two = await asyncio.gather(leading, following)
    finally:
        await first.close()
        await second.close()

    assert len(upstream.calls) == 1
    assert isinstance(one, Found)
    assert not one.served_from_cache
    assert isinstance(two, Found)
    assert two.served_from_cache
    assert two.shipment == one.shipment


async def test_a_process_that_died_holding_the_lease_is_taken_over_after_it_expires(
    engine: AsyncEngine, second_engine: AsyncEngine
) -> None:
    clock = FakeClock()
    upstream = FakeSource("agg", clock)
    upstream.hold()
    options = ServiceOptions(limits={"agg": SourceLimits()}, sweep_interval=None, peer_poll=0.02)
    crashed = TrackingService(
        ProviderRegistry([upstream]), create_sessions(engine), clock=clock, options=options
    )
    lost = asyncio.create_task(crashed.lookup(TrackingQuery(number=NUMBER)))
    await eventually(lambda: len(upstream.calls) == 1)

    healthy_source = FakeSource("agg", clock)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=30)  # time passes while it waits: the lease runs out
        await asyncio.sleep(0)

    survivor = TrackingService(
        ProviderRegistry([healthy_source]),
        create_sessions(second_engine),
        clock=clock,
        options=options,
        sleep=sleep,
    )
    try:
        result = await survivor.lookup(TrackingQuery(number=NUMBER))
    finally:
        lost.cancel()
        await asyncio.gather(lost, return_exceptions=True)
        await crashed.close()
        await survivor.close()

    assert isinstance(result, Found)
    assert result.source == "agg"
    assert len(healthy_source.calls) == 1
