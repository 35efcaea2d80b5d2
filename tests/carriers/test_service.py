"""The tracking service: cache, freshness, single-flight, limits, breaker, events, sync health."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from carriers.errors import SourceRateLimited, SourceRejected, SourceUnavailable
from carriers.freshness import DEFAULT_FRESH_FOR, FreshnessPolicy
from carriers.limits import BreakerPolicy, BreakerState, SourceLimits
from carriers.lookup import Failed, Found, NotFoundYet, Trigger
from carriers.models import Status, TrackingQuery
from carriers.registry import ProviderRegistry
from carriers.service import ServiceOptions, TrackingService
from tests.carriers.tracking_fakes import NOT_FOUND, FakeClock, FakeSource, eventually

NUMBER = "YT2515300000000001"
MakeService = Callable[..., TrackingService]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def make_service(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> AsyncIterator[MakeService]:
    made: list[TrackingService] = []

    def make(*sources: FakeSource, limits: dict[str, SourceLimits] | None = None, **options):
        table = {source.slug: SourceLimits() for source in sources}
        table.update(limits or {})
        service = TrackingService(
            ProviderRegistry(sources),
            sessions,
            clock=clock,
            options=ServiceOptions(limits=table, sweep_interval=None, **options),
            sleep=clock.sleep,
        )
        made.append(service)
        return service

    yield make
    for service in made:
        await service.close()


def query(number: str = NUMBER, carrier: str | None = None) -> TrackingQuery:
    return TrackingQuery(number=number, carrier=carrier)


# --- cache and single flight ---------------------------------------------------------------


async def test_a_hundred_concurrent_lookups_of_one_number_make_one_upstream_call(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock)
    gate = source.hold()
    service = make_service(source)

    lookups = [asyncio.create_task(service.lookup(query())) for _ in range(100)]
    await eventually(lambda: len(source.calls) == 1)
    gate.set()
    results = await asyncio.gather(*lookups)

    assert len(source.calls) == 1
    assert all(isinstance(result, Found) for result in results)
    assert {result.shipment.status for result in results if isinstance(result, Found)} == {
        Status.IN_TRANSIT
    }


async def test_a_fresh_answer_is_served_from_the_cache_without_asking_again(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock)
    service = make_service(source)

    first = await service.lookup(query())
    clock.advance(hours=3)
    second = await service.lookup(query(" yt2515 300000000001 "))

    assert isinstance(first, Found)
    assert not first.served_from_cache
    assert isinstance(second, Found)
    assert second.served_from_cache
    assert not second.stale
    assert not second.refreshing
    assert second.age == timedelta(hours=3)
    assert len(source.calls) == 1


async def test_a_stale_answer_is_served_at_once_while_a_refresh_runs_in_the_background(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock)
    service = make_service(source)
    await service.lookup(query())
    clock.advance(hours=5)
    source.answer = Status.OUT_FOR_DELIVERY
    gate = source.hold()

    stale = await service.lookup(query())

    assert isinstance(stale, Found)
    assert stale.stale
    assert stale.refreshing
    assert stale.served_from_cache
    assert stale.shipment.status is Status.IN_TRANSIT
    assert stale.age == timedelta(hours=5)
    again = await service.lookup(query())
    assert isinstance(again, Found)
    assert again.refreshing
    gate.set()
    await eventually(lambda: len(service._background) == 0)
    fresh = await service.lookup(query())
    assert isinstance(fresh, Found)
    assert fresh.shipment.status is Status.OUT_FOR_DELIVERY
    assert not fresh.stale
    assert len(source.calls) == 2


async def test_a_caller_that_cannot_use_stale_data_waits_for_the_refresh(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock)
    service = make_service(source)
    await service.lookup(query())
    clock.advance(hours=5)
    source.answer = Status.DELIVERED

    result = await service.lookup(query(), stale_ok=False)

    assert isinstance(result, Found)
    assert result.shipment.status is Status.DELIVERED
    assert not result.served_from_cache


@pytest.mark.parametrize(
    "status", [s for s, interval in DEFAULT_FRESH_FOR.items() if interval is not None]
)
async def test_each_status_stays_fresh_exactly_as_long_as_the_table_says(
    make_service: MakeService, clock: FakeClock, status: Status
) -> None:
    source = FakeSource("agg", clock, answer=status)
    service = make_service(source)
    interval = DEFAULT_FRESH_FOR[status]
    assert interval is not None
    await service.lookup(query())

    clock.now += interval - timedelta(seconds=1)
    before = await service.lookup(query())
    clock.advance(seconds=1)
    after = await service.lookup(query())

    assert isinstance(before, Found)
    assert not before.stale
    assert isinstance(after, Found)
    assert after.stale
    assert after.refreshing


@pytest.mark.parametrize("status", [Status.DELIVERED, Status.RETURNED, Status.EXPIRED])
async def test_a_terminal_status_is_never_queried_again(
    make_service: MakeService, clock: FakeClock, status: Status
) -> None:
    source = FakeSource("agg", clock, answer=status)
    service = make_service(source)
    await service.lookup(query())
    clock.advance(days=365)

    result = await service.lookup(query())

    assert isinstance(result, Found)
    assert not result.stale
    assert not result.refreshing
    assert len(source.calls) == 1


async def test_the_freshness_table_can_be_overridden() -> None:
    policy = FreshnessPolicy().with_overrides("in_transit=6h, out_for_delivery=20m,not_found=5m")
    assert policy.interval(Status.IN_TRANSIT) == timedelta(hours=6)
    assert policy.interval(Status.OUT_FOR_DELIVERY) == timedelta(minutes=20)
    assert policy.not_found_first == timedelta(minutes=5)
    assert policy.interval(Status.DELIVERED) is None
    with pytest.raises(ValueError, match="unknown status"):
        FreshnessPolicy().with_overrides("shipped=1h")
    with pytest.raises(ValueError, match="not a duration"):
        FreshnessPolicy().with_overrides("in_transit=soon")


# --- not found yet -------------------------------------------------------------------------


async def test_not_found_is_retried_on_a_growing_timer_and_then_found(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock, answer=NOT_FOUND)
    service = make_service(source)
    start = clock()

    first = await service.lookup(query())
    assert isinstance(first, NotFoundYet)
    assert (first.checks, first.since) == (1, start)
    assert first.next_check_at == start + timedelta(minutes=15)

    clock.advance(minutes=14)
    cached = await service.lookup(query())
    assert isinstance(cached, NotFoundYet)
    assert len(source.calls) == 1

    clock.advance(minutes=1)
    second = await service.lookup(query())
    assert isinstance(second, NotFoundYet)
    assert second.checks == 2
    assert second.next_check_at == clock() + timedelta(minutes=30)

    for expected_wait in (30, 60, 120, 240, 360, 360):
        clock.advance(minutes=expected_wait - 1)
        await service.lookup(query())
        calls = len(source.calls)
        clock.advance(minutes=1)
        await service.lookup(query())
        assert len(source.calls) == calls + 1, expected_wait

    source.answer = Status.INFO_RECEIVED
    clock.advance(hours=6)
    found = await service.lookup(query())
    assert isinstance(found, Found)
    assert found.shipment.status is Status.INFO_RECEIVED
    changes = await service.changes_after(0)
    assert [(c.old_status, c.new_status) for c in changes] == [(None, Status.INFO_RECEIVED)]


async def test_a_number_unknown_for_a_month_is_only_checked_when_someone_asks(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock, answer=NOT_FOUND)
    service = make_service(source)
    await service.lookup(query())
    clock.advance(days=31)

    result = await service.lookup(query())

    assert isinstance(result, NotFoundYet)
    assert result.next_check_at is None
    clock.advance(hours=7)
    assert await service.refresh_due() == 0


# --- sources: order, breaker, limits -------------------------------------------------------


async def test_a_carriers_own_api_is_asked_first_and_aggregators_after(
    make_service: MakeService, clock: FakeClock
) -> None:
    aggregator = FakeSource("agg", clock)
    ups = FakeSource("ups", clock, carriers=frozenset({"ups"}))
    service = make_service(aggregator, ups)

    result = await service.lookup(query("1Z999AA10123456784", carrier="ups"))

    assert isinstance(result, Found)
    assert result.source == "ups"
    assert (len(ups.calls), len(aggregator.calls)) == (1, 0)


async def test_a_failing_source_falls_back_to_the_next_and_the_result_says_so(
    make_service: MakeService, clock: FakeClock
) -> None:
    ups = FakeSource("ups", clock, carriers=frozenset({"ups"}))
    ups.answer = SourceUnavailable("ups", "timed out")
    aggregator = FakeSource("agg", clock)
    service = make_service(aggregator, ups)

    result = await service.lookup(query("1Z999AA10123456784", carrier="ups"))

    assert isinstance(result, Found)
    assert result.source == "agg"
    assert result.degraded_reason == "ups: timed out"


async def test_the_breaker_opens_skips_the_source_half_opens_and_closes(
    make_service: MakeService, clock: FakeClock
) -> None:
    primary = FakeSource("primary", clock, answer=SourceUnavailable("primary", "HTTP 503"))
    backup = FakeSource("backup", clock)
    service = make_service(primary, backup, breaker=BreakerPolicy(failure_threshold=3))

    for n in range(3):
        await service.lookup(query(f"NUMBER{n}"), refresh=True)
    assert len(primary.calls) == 3
    skipped = await service.lookup(query("NUMBER9"))
    assert len(primary.calls) == 3  # open: not called
    assert isinstance(skipped, Found)
    assert skipped.source == "backup"
    assert skipped.degraded_reason is not None
    assert "primary: circuit open" in skipped.degraded_reason
    health = {h.source: h for h in await service.health()}
    assert health["primary"].breaker is BreakerState.OPEN
    assert health["primary"].last_failure_reason == "HTTP 503"

    clock.advance(seconds=30)  # half-open: one probe, which fails → open for twice as long
    await service.lookup(query("NUMBER10"))
    assert len(primary.calls) == 4
    clock.advance(seconds=59)
    await service.lookup(query("NUMBER11"))
    assert len(primary.calls) == 4

    clock.advance(seconds=1)
    primary.answer = Status.IN_TRANSIT
    probe = await service.lookup(query("NUMBER12"))
    assert isinstance(probe, Found)
    assert probe.source == "primary"
    assert {h.source: h for h in await service.health()}["primary"].breaker is BreakerState.CLOSED
    await service.lookup(query("NUMBER13"))
    assert len(primary.calls) == 6


async def test_a_refused_request_does_not_open_the_breaker(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock, answer=SourceRejected("agg", "number rejected"))
    service = make_service(source, breaker=BreakerPolicy(failure_threshold=2))

    for n in range(4):
        await service.lookup(query(f"N{n}"))

    assert len(source.calls) == 4


async def test_retry_after_from_a_throttling_source_is_honoured(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock)
    source.script.append(SourceRateLimited("agg", "rate limited (HTTP 429)", retry_after=120))
    service = make_service(source)

    throttled = await service.lookup(query("A1"))
    clock.advance(seconds=119)
    skipped = await service.lookup(query("A2"))
    clock.advance(seconds=1)
    allowed = await service.lookup(query("A3"))

    assert isinstance(throttled, Failed)
    assert "429" in throttled.reason
    assert isinstance(skipped, Failed)
    assert "circuit open" in skipped.reason
    assert isinstance(allowed, Found)
    assert [call.query.number for call in source.calls] == ["A1", "A3"]


async def test_the_rate_limit_makes_a_lookup_wait_briefly_or_fall_back(
    make_service: MakeService, clock: FakeClock
) -> None:
    slow = FakeSource("slow", clock)
    backup = FakeSource("backup", clock)
    service = make_service(
        slow, backup, limits={"slow": SourceLimits(rate=0.25, burst=1)}, max_rate_wait=2.0
    )

    first = await service.lookup(query("R1"))
    second = await service.lookup(query("R2"))  # the next token is 4 s away: fall back
    clock.advance(seconds=3)
    third = await service.lookup(query("R3"))  # 1 s away: wait for it

    assert isinstance(first, Found)
    assert first.source == "slow"
    assert isinstance(second, Found)
    assert second.source == "backup"
    assert second.degraded_reason == "slow: rate limit reached"
    assert isinstance(third, Found)
    assert third.source == "slow"
    assert [c.at - first.shipment.checked_at for c in slow.calls] == [
        timedelta(0),
        timedelta(seconds=4),
    ]


async def test_the_daily_budget_is_counted_in_the_database_and_resets_at_utc_midnight(
    make_service: MakeService, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = clock.now.replace(hour=22)
    metered = FakeSource("metered", clock)
    backup = FakeSource("backup", clock)
    limits = {"metered": SourceLimits(daily_budget=5)}
    service = make_service(metered, backup, limits=limits)

    for n in range(4):
        await service.lookup(query(f"Q{n}"))
    health = {h.source: h for h in await service.health()}["metered"]
    assert (health.calls_today, health.daily_budget, health.near_quota) == (4, 5, True)
    assert not health.quota_exhausted

    # A second process sees the same count.
    other = make_service(FakeSource("metered", clock), FakeSource("backup", clock), limits=limits)
    await other.lookup(query("Q4"))
    over = await service.lookup(query("Q5"))
    assert isinstance(over, Found)
    assert over.source == "backup"
    assert over.degraded_reason == "metered: daily budget of 5 calls used up"
    assert {h.source: h for h in await service.health()}["metered"].quota_exhausted

    clock.advance(hours=2)
    tomorrow = await service.lookup(query("Q6"))
    assert isinstance(tomorrow, Found)
    assert tomorrow.source == "metered"


async def test_a_source_that_allows_one_query_per_number_per_half_hour_is_spaced(
    make_service: MakeService, clock: FakeClock
) -> None:
    kuaidi = FakeSource("kuaidi100", clock, answer=Status.OUT_FOR_DELIVERY)
    limits = {"kuaidi100": SourceLimits(per_number_interval=timedelta(minutes=30))}
    service = make_service(kuaidi, limits=limits)
    await service.lookup(query())

    clock.advance(minutes=29)
    early = await service.lookup(query(), refresh=True)
    clock.advance(minutes=1)
    later = await service.lookup(query(), refresh=True)

    assert isinstance(early, Failed)
    assert early.reason == "kuaidi100: asked about this number less than 30 min ago"
    assert early.cached is not None
    assert early.cached.status is Status.OUT_FOR_DELIVERY
    assert isinstance(later, Found)
    assert not later.served_from_cache
    assert len(kuaidi.calls) == 2


# --- failures and sync health --------------------------------------------------------------


async def test_when_every_source_fails_the_result_says_why_and_keeps_the_last_shipment(
    make_service: MakeService, clock: FakeClock
) -> None:
    first = FakeSource("first", clock)
    second = FakeSource("second", clock)
    service = make_service(first, second)
    await service.lookup(query())
    clock.advance(hours=2)
    first.answer = SourceUnavailable("first", "timed out")
    second.answer = SourceUnavailable("second", "HTTP 502")

    result = await service.lookup(query(), refresh=True)

    assert isinstance(result, Failed)
    assert result.reason == "first: timed out; second: HTTP 502"
    assert result.cached is not None
    assert result.cached.status is Status.IN_TRANSIT
    assert result.cached_age == timedelta(hours=2)
    assert result.sync.failing
    assert result.sync.consecutive_failures == 1


async def test_sync_health_tells_a_silent_carrier_from_a_source_we_cannot_reach(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock)
    source.scanned_at = clock() - timedelta(days=6)
    service = make_service(source)
    synced_at = clock()
    await service.lookup(query())

    clock.advance(hours=5)  # stale: the background refresh fails
    source.answer = SourceUnavailable("agg", "timed out")
    await service.lookup(query())
    await eventually(lambda: len(service._background) == 0)
    clock.advance(hours=1)
    result = await service.lookup(query())

    assert isinstance(result, Found)
    assert result.stale
    assert result.sync.since_last_scan(clock()) == timedelta(days=6, hours=6)
    assert result.sync.since_last_success(clock()) == clock() - synced_at
    assert result.sync.failing
    assert result.sync.last_error == "agg: timed out"
    assert result.degraded_reason == "agg: timed out"


async def test_a_failed_refresh_is_not_retried_before_its_back_off(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock, answer=SourceUnavailable("agg", "timed out"))
    service = make_service(source, breaker=BreakerPolicy(failure_threshold=100))

    await service.lookup(query())
    clock.advance(minutes=1)
    cached = await service.lookup(query())
    clock.advance(minutes=1)
    await service.lookup(query())

    assert isinstance(cached, Failed)
    assert cached.reason == "agg: timed out"
    assert len(source.calls) == 2


# --- events, registration, pushes, sweeping -------------------------------------------------


async def test_status_changes_are_events_read_with_a_cursor(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock, carriers=None)
    service = make_service(source)
    await service.lookup(query())
    clock.advance(hours=5)
    source.answer = Status.EXCEPTION
    await service.lookup(query(), refresh=True)
    clock.advance(hours=1)
    await service.lookup(query(), refresh=True)  # same status: no event
    clock.advance(hours=1)
    source.answer = Status.DELIVERED
    await service.lookup(query(), refresh=True)

    changes = await service.changes_after(0)
    assert [(c.old_status, c.new_status) for c in changes] == [
        (None, Status.IN_TRANSIT),
        (Status.IN_TRANSIT, Status.EXCEPTION),
        (Status.EXCEPTION, Status.DELIVERED),
    ]
    assert changes[1].new_reason is not None
    assert all(c.trigger is Trigger.LOOKUP and c.source == "agg" for c in changes)
    assert [c.id for c in await service.changes_after(changes[0].id, limit=1)] == [changes[1].id]
    assert await service.changes_after(changes[-1].id) == []


async def test_a_number_is_registered_with_a_push_source_once_even_across_restarts(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("pusher", clock, supports_push=True, answer=NOT_FOUND)
    service = make_service(source)

    await service.lookup(query())
    await eventually(lambda: len(service._background) == 0)
    clock.advance(hours=1)
    await service.lookup(query())
    await eventually(lambda: len(service._background) == 0)
    restarted = make_service(source)
    clock.advance(hours=1)
    await restarted.lookup(query(), refresh=True)
    await eventually(lambda: len(restarted._background) == 0)

    assert [call.query.number for call in source.registrations] == [NUMBER]
    assert len(source.calls) == 3 + 3  # the first lookup read the new registration back 3 times


async def test_a_failed_registration_is_tried_again_on_the_next_lookup(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("pusher", clock, supports_push=True)
    source.register_error = SourceUnavailable("pusher", "HTTP 500")
    service = make_service(source)
    await service.lookup(query())
    await eventually(lambda: len(service._background) == 0)

    source.register_error = None
    clock.advance(hours=5)
    await service.lookup(query(), refresh=True)
    await eventually(lambda: len(service._background) == 0)

    assert len(source.registrations) == 2


async def test_the_sweeper_refreshes_due_numbers_someone_asked_about(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock)
    service = make_service(source)
    await service.lookup(query("S1"))
    await service.lookup(query("S2"))
    clock.advance(hours=3)
    await service.lookup(query("S3"))

    clock.advance(hours=1, minutes=30)
    refreshed = await service.refresh_due()

    assert refreshed == 2
    assert sorted(c.query.number for c in source.calls[3:]) == ["S1", "S2"]
    assert await service.refresh_due() == 0


async def test_the_sweeper_leaves_the_end_of_a_budget_to_buyers(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("metered", clock)
    service = make_service(source, limits={"metered": SourceLimits(daily_budget=10)})
    for n in range(8):
        await service.lookup(query(f"B{n}"))
    clock.advance(hours=5)

    assert await service.refresh_due() == 8
    assert len(source.calls) == 8  # 8 of 10 used: the sweep may not spend the last 20 %
    buyer = await service.lookup(query("B9"))
    assert isinstance(buyer, Found)
    assert len(source.calls) == 9


async def test_closing_cancels_background_refreshes(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("agg", clock)
    service = make_service(source)
    await service.lookup(query())
    clock.advance(hours=5)
    source.hold()
    stale = await service.lookup(query())
    assert isinstance(stale, Found)
    assert stale.refreshing
    await eventually(lambda: len(source.calls) == 2)

    await service.close()

    assert service._background == set()
    after = make_service(source)
    result = await after.lookup(query())
    assert isinstance(result, Found)
    assert result.stale


async def test_the_sweeper_runs_in_the_background_once_started(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    source = FakeSource("agg", clock)

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0.01)

    service = TrackingService(
        ProviderRegistry([source]),
        sessions,
        clock=clock,
        options=ServiceOptions(limits={"agg": SourceLimits()}, sweep_interval=60),
        sleep=sleep,
    )
    await service.lookup(query())
    clock.advance(hours=5)
    service.start()
    try:
        await eventually(lambda: len(source.calls) == 2)
    finally:
        await service.close()


async def test_a_number_a_source_pushes_to_us_is_polled_only_when_pushes_go_quiet(
    make_service: MakeService, clock: FakeClock
) -> None:
    source = FakeSource("pusher", clock, supports_push=True)
    service = make_service(source)
    await service.lookup(query())
    await eventually(lambda: not service._background)
    assert len(source.registrations) == 1

    clock.advance(hours=5)  # stale, but the source will push any change
    assert await service.refresh_due() == 0
    clock.advance(hours=7)  # twelve hours without a push: poll as a safety net
    assert await service.refresh_due() == 1


async def test_late_failures_of_calls_in_flight_before_the_breaker_opened_do_not_extend_it(
    make_service: MakeService, clock: FakeClock
) -> None:
    hanging = FakeSource("agg", clock, answer=SourceUnavailable("agg", "timed out"))
    gate = hanging.hold()
    service = make_service(hanging, breaker=BreakerPolicy(failure_threshold=5))
    lookups = [asyncio.create_task(service.lookup(query(f"NUMBER{n}"))) for n in range(12)]
    await eventually(lambda: len(hanging.calls) == 12)

    clock.advance(seconds=45)  # the source hung; every call in flight now fails late
    gate.set()
    await asyncio.gather(*lookups)

    health = {h.source: h for h in await service.health()}
    assert health["agg"].breaker is BreakerState.OPEN
    assert health["agg"].breaker_open_until == clock() + timedelta(seconds=30)  # opened once
    clock.advance(seconds=30)
    hanging.gate = None
    hanging.answer = Status.IN_TRANSIT
    assert isinstance(await service.lookup(query("NUMBER99")), Found)  # the probe goes out
