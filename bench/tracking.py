"""Benchmark: the cached tracking service versus asking the source for every buyer lookup.

10,000 buyer lookups over 500 tracking numbers with Zipf popularity (s = 1.1), 20 buyers at a
time, against a fake source on 127.0.0.1 that answers after 150 ms. The service's clock is
simulated: the run spans 7 days (each batch of 20 lookups advances it by ~20 minutes), and each
parcel moves through info_received → in_transit → out_for_delivery → delivered over 1–6 days,
so the freshness table (in_transit 4 h, out_for_delivery 30 min, delivered never) is exercised as
in production. Reported: upstream calls per lookup, p50/p99 latency of lookups answered from the
cache and of those that waited for the source, and the same lookups made directly to the source.

    .venv/bin/python -m bench.tracking [--lookups 10000] [--numbers 500] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import socket
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from aiohttp import web

from bot.app.database import migrate
from carriers.assemble import build_shipment
from carriers.errors import TrackingNotFound
from carriers.http import SourceHttp
from carriers.limits import SourceLimits
from carriers.lookup import Found
from carriers.models import Shipment, Status, TrackingQuery
from carriers.registry import ProviderRegistry
from carriers.service import ServiceOptions, TrackingService
from foundation.database import create_engine, create_sessions

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
LATENCY = 0.150
SPAN = timedelta(days=7)
CONCURRENCY = 20


class SimulatedClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def lifecycle(number: int) -> tuple[timedelta, ...]:
    """When parcel `number` reaches in_transit, out_for_delivery and delivered."""
    rng = random.Random(number)
    in_transit = timedelta(hours=rng.uniform(2, 24))
    out_for_delivery = in_transit + timedelta(days=rng.uniform(1, 5))
    delivered = out_for_delivery + timedelta(hours=rng.uniform(2, 10))
    return in_transit, out_for_delivery, delivered


def status_at(number: int, elapsed: timedelta) -> Status:
    stages = (Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.DELIVERED)
    current = Status.INFO_RECEIVED
    for stage, since in zip(stages, lifecycle(number), strict=True):
        if elapsed >= since:
            current = stage
    return current


class FakeCarrier:
    """The fake source's server side: answers after LATENCY with the parcel's status at `at`.

    It runs in its own process so its work does not share the measured process's CPU; the
    simulated time travels with each request since the two processes share no clock.
    """

    def __init__(self) -> None:
        self.calls = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/track/{number}", self.track)
        app.router.add_get("/calls", self.count)
        app.router.add_post("/calls/reset", self.reset)
        return app

    async def track(self, request: web.Request) -> web.Response:
        self.calls += 1
        await asyncio.sleep(LATENCY)
        number = request.match_info["number"]
        if not number.startswith("BENCH"):
            return web.json_response({"error": "not found"}, status=404)
        at = datetime.fromisoformat(request.query["at"])
        status = status_at(int(number[5:]), at - START)
        return web.json_response({"number": number, "status": status.value})

    async def count(self, request: web.Request) -> web.Response:
        return web.json_response({"calls": self.calls})

    async def reset(self, request: web.Request) -> web.Response:
        self.calls = 0
        return web.json_response({"calls": 0})


def serve_carrier(port: int) -> None:
    web.run_app(FakeCarrier().app(), host="127.0.0.1", port=port, print=None, access_log=None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_until_up(http: httpx.AsyncClient, base_url: str) -> None:
    for _ in range(200):
        try:
            await http.get(f"{base_url}/calls")
            return
        except httpx.TransportError:
            await asyncio.sleep(0.05)
    raise RuntimeError("the fake source did not start")


async def upstream_calls(http: httpx.AsyncClient, base_url: str) -> int:
    calls: int = (await http.get(f"{base_url}/calls")).json()["calls"]
    return calls


class BenchSource:
    """A Provider for the fake source, over the same HTTP plumbing the real adapters use."""

    slug = "bench"
    carriers: frozenset[str] | None = None
    supports_push = False

    def __init__(self, http: httpx.AsyncClient, base_url: str, clock: SimulatedClock) -> None:
        self._http = SourceHttp(http, self.slug)
        self._base = base_url.rstrip("/")
        self._clock = clock

    async def track(self, query: TrackingQuery) -> Shipment:
        response = await self._http.request(
            "GET",
            f"{self._base}/track/{query.number}",
            handled=(200, 404),
            params={"at": self._clock().isoformat()},
        )
        if response.status == 404:
            raise TrackingNotFound(query.number, self.slug)
        return build_shipment(
            number=query.number,
            carrier="yunexpress",
            status=Status(response.body["status"]),
            source=self.slug,
            checked_at=self._clock(),
        )

    async def register(self, query: TrackingQuery) -> None:
        return None


def zipf_lookups(count: int, numbers: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    population = [f"BENCH{n:05d}" for n in range(numbers)]
    rng.shuffle(population)  # popularity unrelated to the parcel's lifecycle
    weights = [1 / (rank + 1) ** 1.1 for rank in range(numbers)]
    return rng.choices(population, weights=weights, k=count)


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run_batches(
    lookups: list[str], clock: SimulatedClock, call: object, step: timedelta
) -> list[tuple[float, bool]]:
    """(seconds, answered from cache) per lookup, CONCURRENCY at a time."""
    results: list[tuple[float, bool]] = []

    async def one(number: str) -> tuple[float, bool]:
        started = time.perf_counter()
        cached = await call(number)  # type: ignore[operator]
        return time.perf_counter() - started, bool(cached)

    for index in range(0, len(lookups), CONCURRENCY):
        batch = lookups[index : index + CONCURRENCY]
        results.extend(await asyncio.gather(*(one(number) for number in batch)))
        clock.now += step
    return results


async def main(lookups_count: int, numbers: int, database_url: str | None) -> None:
    clock = SimulatedClock()
    port = free_port()
    carrier = multiprocessing.Process(target=serve_carrier, args=(port,), daemon=True)
    carrier.start()
    base_url = f"http://127.0.0.1:{port}"
    lookups = zipf_lookups(lookups_count, numbers)
    step = SPAN / (len(lookups) / CONCURRENCY)

    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        engine = create_engine(url)
        await migrate(engine)
        # httpx scans its whole pool for every request: a pool sized to the load stays cheap.
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        async with httpx.AsyncClient(timeout=30, limits=limits) as http:
            await wait_until_up(http, base_url)
            source = BenchSource(http, base_url, clock)
            service = TrackingService(
                ProviderRegistry([source]),
                create_sessions(engine),
                clock=clock,
                options=ServiceOptions(limits={"bench": SourceLimits()}, sweep_interval=None),
            )

            async def cached_lookup(number: str) -> bool:
                result = await service.lookup(TrackingQuery(number=number))
                assert isinstance(result, Found), result
                return result.served_from_cache

            wall = time.perf_counter()
            with_cache = await run_batches(lookups, clock, cached_lookup, step)
            await service.drain(60)
            cached_wall = time.perf_counter() - wall
            cached_calls = await upstream_calls(http, base_url)
            # One buyer at a time: what a cache hit costs when nothing else competes for the CPU.
            alone = []
            for number in lookups[:500]:
                started = time.perf_counter()
                await cached_lookup(number)
                alone.append(time.perf_counter() - started)
            await service.close()

            clock.now = START
            await http.post(f"{base_url}/calls/reset")

            async def direct_lookup(number: str) -> bool:
                await source.track(TrackingQuery(number=number))
                return False

            wall = time.perf_counter()
            direct = await run_batches(lookups, clock, direct_lookup, step)
            direct_wall = time.perf_counter() - wall
            direct_calls = await upstream_calls(http, base_url)
        await engine.dispose()
    carrier.terminate()
    carrier.join()

    hits = [seconds for seconds, cached in with_cache if cached]
    misses = [seconds for seconds, cached in with_cache if not cached]
    everything = [seconds for seconds, _ in with_cache]
    straight = [seconds for seconds, _ in direct]
    ms = 1000.0
    print(f"{len(lookups)} lookups over {numbers} numbers (Zipf s=1.1), {CONCURRENCY} at a time,")
    print(
        f"source latency {LATENCY * ms:.0f} ms, simulated span {SPAN.days} days, db {url.split(':')[0]}"
    )
    print()
    print("| path | upstream calls | calls/lookup | p50 ms | p99 ms | wall s |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| tracking service, all lookups | {cached_calls} | {cached_calls / len(lookups):.3f} "
        f"| {percentile(everything, 0.5) * ms:.1f} | {percentile(everything, 0.99) * ms:.1f} "
        f"| {cached_wall:.1f} |"
    )
    print(
        f"| … answered from the cache ({len(hits)}) | | "
        f"| {percentile(hits, 0.5) * ms:.1f} | {percentile(hits, 0.99) * ms:.1f} | |"
    )
    print(
        f"| … waited for the source ({len(misses)}) | | "
        f"| {percentile(misses, 0.5) * ms:.1f} | {percentile(misses, 0.99) * ms:.1f} | |"
    )
    print(
        f"| … one buyer at a time, cache hits ({len(alone)}) | | "
        f"| {percentile(alone, 0.5) * ms:.1f} | {percentile(alone, 0.99) * ms:.1f} | |"
    )
    print(
        f"| source called directly | {direct_calls} | {direct_calls / len(lookups):.3f} "
        f"| {percentile(straight, 0.5) * ms:.1f} | {percentile(straight, 0.99) * ms:.1f} "
        f"| {direct_wall:.1f} |"
    )
    print(
        f"\nmean latency: service {statistics.fmean(everything) * ms:.1f} ms, "
        f"direct {statistics.fmean(straight) * ms:.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--numbers", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    options = parser.parse_args()
    asyncio.run(main(options.lookups, options.numbers, options.database_url))
