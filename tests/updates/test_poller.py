"""The poller: followed, undelivered parcels are refreshed at an interval set by their status
and by the sources' quotas, so status changes exist even when no source pushes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.updates.options import UpdateOptions
from bot.updates.poller import Poller
from bot.updates.tables import UpdateSubscription
from carriers.limits import BreakerState, SourceLimits
from carriers.lookup import Found, SourceHealth
from carriers.models import Status
from carriers.registry import ProviderRegistry
from carriers.service import ServiceOptions, TrackingService
from tests.bot.harness import wait_until
from tests.carriers.tracking_fakes import FakeClock, FakeSource, shipment
from tests.updates.harness import running_shop, tracking

OPTIONS = UpdateOptions(poll_min=timedelta(minutes=15), poll_max=timedelta(hours=12))


async def _subscribe(sessions, clock, number: str, conversation_id: int) -> None:
    async with sessions() as session, session.begin():
        session.add(
            UpdateSubscription(
                conversation_id=conversation_id,
                account_id="a",
                igsid=f"b{conversation_id}",
                number=number,
                created_at=clock(),
                updated_at=clock(),
                next_poll_at=clock(),
                polls=0,
            )
        )


async def _next_polls(sessions) -> list[datetime | None]:
    async with sessions() as session:
        rows = await session.scalars(select(UpdateSubscription).order_by(UpdateSubscription.id))
        return [row.next_poll_at for row in rows]


def _service(sessions, clock, source, **limits) -> TrackingService:
    return TrackingService(
        ProviderRegistry([source]),
        sessions,
        clock=clock,
        options=ServiceOptions(
            sweep_interval=None, limits={"fake": SourceLimits(**limits)} if limits else {}
        ),
        sleep=clock.sleep,
    )


async def test_one_lookup_per_number_then_again_after_its_statuss_freshness(sessions):
    clock = FakeClock()
    source = FakeSource("fake", clock, answer=Status.IN_TRANSIT)
    service = _service(sessions, clock, source)
    poller = Poller(sessions, service, OPTIONS, clock=clock)
    try:
        await _subscribe(sessions, clock, "YT1", 1)
        await _subscribe(sessions, clock, "YT1", 2)  # two buyers, one parcel
        assert await poller.poll_due() == 1
        assert len(source.calls) == 1
        assert await _next_polls(sessions) == [clock() + timedelta(hours=4)] * 2
        clock.advance(hours=1)
        assert await poller.poll_due() == 0  # not due yet
        clock.advance(hours=3)
        assert await poller.poll_due() == 1
        assert len(source.calls) == 2
        source.answer = Status.DELIVERED
        clock.advance(hours=4)
        await poller.poll_due()
        assert await _next_polls(sessions) == [None, None]  # delivered: no more polling
    finally:
        await service.close()


async def test_a_source_near_its_daily_budget_is_polled_less_often(sessions):
    clock = FakeClock()
    source = FakeSource("fake", clock, answer=Status.IN_TRANSIT)
    service = _service(sessions, clock, source, daily_budget=10)
    poller = Poller(sessions, service, OPTIONS, clock=clock)
    try:
        for index in range(8):  # 80 % of the budget: near it
            await _subscribe(sessions, clock, f"YT{index}", index)
        await poller.poll_due()
        health = {h.source: h for h in await service.health()}
        assert health["fake"].near_quota
        result = Found(
            shipment=shipment("YT1", Status.IN_TRANSIT, source="fake", checked_at=clock()),
            age=timedelta(0),
            stale=False,
            refreshing=False,
            served_from_cache=False,
            sync=None,  # type: ignore[arg-type]
        )
        assert poller.next_poll(result, health, clock()) == clock() + timedelta(hours=16)
        assert poller.next_poll(result, {}, clock()) == clock() + timedelta(hours=4)
    finally:
        await service.close()


def test_from_ninety_percent_of_a_budget_polling_waits_for_the_next_utc_day() -> None:
    now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    poller = Poller(None, None, OPTIONS, clock=lambda: now)  # type: ignore[arg-type]
    exhausted = SourceHealth(
        source="fake",
        last_success_at=None,
        last_failure_at=None,
        last_failure_reason=None,
        breaker=BreakerState.CLOSED,
        breaker_open_until=None,
        calls_today=9,
        failures_today=0,
        daily_budget=10,
        day=date(2026, 12, 1),
    )
    result = Found(
        shipment=shipment("YT1", Status.OUT_FOR_DELIVERY, source="fake", checked_at=now),
        age=timedelta(0),
        stale=False,
        refreshing=False,
        served_from_cache=False,
        sync=None,  # type: ignore[arg-type]
    )
    # Out for delivery would be 30 min, raised to the 15-min floor's … but the budget is gone.
    assert poller.next_poll(result, {"fake": exhausted}, now) == datetime(
        2026, 12, 2, 0, 5, tzinfo=UTC
    )
    assert poller.next_poll(result, {}, now) == now + timedelta(minutes=30)


async def test_without_any_push_the_poller_finds_the_change_and_the_buyer_is_told(
    aiohttp_server, database_url
):
    number = "YT2515300000000301"
    buyer = "7100000000000031"
    async with running_shop(
        aiohttp_server,
        database_url,
        WISMO_UPDATES_POLL="true",
        WISMO_UPDATES_POLL_SECONDS="0.05",
    ) as shop:
        await shop.wismo.say(buyer, f"track {number}")
        await wait_until(lambda: _told(shop, buyer, "following"))
        await wait_until(lambda: _polled(shop))  # not found yet: look again in 15 min
        shop.source.trackings[number] = tracking(number, "in_transit")
        shop.clock.offset += timedelta(minutes=16)
        await wait_until(lambda: _told(shop, buyer, "has shipped"))
        [subscription] = await shop.subscriptions()
        assert subscription.polls >= 1
        assert subscription.next_poll_at is not None
        assert subscription.next_poll_at > shop.clock() + timedelta(hours=3)


async def _polled(shop) -> bool:
    [subscription] = await shop.subscriptions()
    return subscription.polls >= 1


async def _told(shop, igsid: str, text: str) -> bool:
    return any(text in t for t in shop.texts(igsid))


async def test_a_source_at_ninety_percent_of_its_budget_is_not_polled_until_the_next_day(sessions):
    clock = FakeClock()
    source = FakeSource("fake", clock, answer=Status.IN_TRANSIT)
    service = _service(sessions, clock, source, daily_budget=10)
    poller = Poller(sessions, service, OPTIONS, clock=clock)
    try:
        for index in range(9):
            await _subscribe(sessions, clock, f"YT{index}", index)
        await poller.poll_due()
        assert len(source.calls) == 9
        for index in range(9, 12):
            await _subscribe(sessions, clock, f"YT{index}", index)
        assert await poller.poll_due() == 0
        assert len(source.calls) == 9  # the last call of the day is left for a buyer
        tomorrow = datetime(2026, 11, 29, 0, 5, tzinfo=UTC)
        assert (await _next_polls(sessions))[9:] == [tomorrow] * 3
    finally:
        await service.close()
