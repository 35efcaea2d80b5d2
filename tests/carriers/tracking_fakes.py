"""Test doubles for the tracking service's own tests: a settable clock and scriptable sources.

FakeSource satisfies the Provider protocol: it counts calls, can be held at a gate, given a
latency, and scripted to answer with a status, "not found yet" or any CarrierError.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from carriers.assemble import build_shipment
from carriers.errors import CarrierError, TrackingNotFound
from carriers.models import Shipment, Status, TimeSource, TrackingEvent, TrackingQuery

START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    async def sleep(self, seconds: float) -> None:
        """An injected sleep: time passes at once (rate-limit waits, back-off)."""
        self.now += timedelta(seconds=seconds)
        await asyncio.sleep(0)


NOT_FOUND = "not_found"
Answer = Status | str | CarrierError | Shipment


def shipment(
    number: str,
    status: Status,
    *,
    source: str,
    checked_at: datetime,
    carrier: str | None = None,
    scanned_at: datetime | None = None,
    description: str = "",
) -> Shipment:
    moment = scanned_at or checked_at - timedelta(hours=1)
    event = TrackingEvent(
        occurred_local=moment.replace(tzinfo=None),
        utc_offset=timedelta(0),
        occurred_at_utc=moment,
        time_source=TimeSource.PROVIDER_UTC,
        location="Shenzhen, CN",
        description=description or status.value.replace("_", " "),
        status=status,
    )
    return build_shipment(
        number=number,
        carrier=carrier,
        status=status,
        source=source,
        checked_at=checked_at,
        events=[event],
    )


@dataclass
class Call:
    query: TrackingQuery
    at: datetime


class FakeSource:
    """A Provider whose answers are scripted; every call is recorded."""

    def __init__(
        self,
        slug: str,
        clock: FakeClock,
        *,
        carriers: frozenset[str] | None = None,
        supports_push: bool = False,
        answer: Answer = Status.IN_TRANSIT,
        latency: float = 0.0,
    ) -> None:
        self.slug = slug
        self.carriers = carriers
        self.supports_push = supports_push
        self.clock = clock
        self.answer: Answer = answer
        self.script: deque[Answer] = deque()
        self.latency = latency
        self.gate: asyncio.Event | None = None
        self.calls: list[Call] = []
        self.registrations: list[Call] = []
        self.register_error: CarrierError | None = None
        self.carrier_answered: str | None = None
        self.scanned_at: datetime | None = None

    def hold(self) -> asyncio.Event:
        """Calls wait until the returned event is set."""
        self.gate = asyncio.Event()
        return self.gate

    async def track(self, query: TrackingQuery) -> Shipment:
        self.calls.append(Call(query, self.clock()))
        if self.gate is not None:
            await self.gate.wait()
        if self.latency:
            await asyncio.sleep(self.latency)
        answer = self.script.popleft() if self.script else self.answer
        if isinstance(answer, CarrierError):
            raise answer
        if isinstance(answer, Shipment):
            return answer
        if answer == NOT_FOUND:
            raise TrackingNotFound(query.number, self.slug)
        return shipment(
            query.number,
            Status(answer),
            source=self.slug,
            checked_at=self.clock(),
            carrier=self.carrier_answered or query.carrier,
            scanned_at=self.scanned_at,
        )

    async def register(self, query: TrackingQuery) -> None:
        self.registrations.append(Call(query, self.clock()))
        if self.register_error is not None:
            raise self.register_error


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]], *, timeout: float = 5.0
) -> None:
    """Wait until `condition` holds, failing after `timeout` seconds (no fixed sleeps)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if not isinstance(value, bool):
            value = await value
        if value:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
