"""Benchmark: proactive updates for 10,000 followed parcels.

    .venv/bin/python -m bench.updates [--shipments 10000] [--days 1] [--budget 80000]
                                      [--pushes 500] [--database-url URL]

Part 1, polling (simulated clock). 10,000 subscriptions; a fake source in its own process on
127.0.0.1 answers each parcel's status at the simulated time (info_received → in_transit after
2–24 h → out_for_delivery after 1–5 more days → delivered 2–10 h later) and enforces a daily
quota (429 beyond `--budget` calls per UTC day), which wismo knows as the source's daily budget.
The real Poller and TrackingService run for `--days` simulated days in 10-minute steps.
Reported: source calls per shipment per day, refused calls, and how long after the carrier's
change the poll saw it (detection delay, simulated time).

Part 2, delivery (real time). The whole app (create_app) with 10,000 followed conversations
whose window is open, a minimal Graph API on 127.0.0.1 recording each DM, and AfterShip pushes
through the real push route: `--pushes` parcels ship, one push every 20 ms. Reported: time from
the push being accepted to the DM reaching the Graph API (p50/p95/max), with the notifier's
tick at 1 s and no burst window (the production default of 5 min adds its own wait by design).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import multiprocessing
import random
import socket
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from sqlalchemy import insert

from bot.app.database import migrate
from bot.app.factory import Tuning, create_app
from bot.app.settings import Settings
from bot.updates.options import UpdateOptions
from bot.updates.poller import Poller
from bot.updates.tables import UpdateSubscription
from carriers.assemble import build_shipment
from carriers.errors import SourceRateLimited, TrackingNotFound
from carriers.http import SourceHttp
from carriers.limits import SourceLimits
from carriers.models import Shipment, Status, TrackingQuery
from carriers.registry import ProviderRegistry
from carriers.service import ServiceOptions, TrackingService
from conversations.tables import ConversationRow
from foundation.database import create_engine, create_sessions

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
STEP = timedelta(minutes=10)
PUSH_SECRET = "bench-aftership-secret"
APP_SECRET = "bench-app-secret"
ACCOUNT = "17841400000000001"


# --- the fake source (its own process) --------------------------------------------------------


def lifecycle(number: int) -> tuple[timedelta, timedelta, timedelta]:
    rng = random.Random(number)
    in_transit = timedelta(hours=rng.uniform(2, 24))
    out_for_delivery = in_transit + timedelta(days=rng.uniform(1, 5))
    delivered = out_for_delivery + timedelta(hours=rng.uniform(2, 10))
    return in_transit, out_for_delivery, delivered


def status_at(number: int, elapsed: timedelta) -> Status:
    current = Status.INFO_RECEIVED
    stages = (Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.DELIVERED)
    for stage, since in zip(stages, lifecycle(number), strict=True):
        if elapsed >= since:
            current = stage
    return current


class QuotaSource:
    """Answers a parcel's status at the simulated time sent with each request; refuses calls
    beyond `budget` per simulated UTC day with 429, as a source with a daily quota does."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.calls: dict[str, int] = {}
        self.refused = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/track/{number}", self.track)
        app.router.add_get("/stats", self.stats)
        return app

    async def track(self, request: web.Request) -> web.Response:
        at = datetime.fromisoformat(request.query["at"])
        day = at.date().isoformat()
        if self.calls.get(day, 0) >= self.budget:
            self.refused += 1
            return web.json_response({"error": "quota"}, status=429, headers={"Retry-After": "60"})
        self.calls[day] = self.calls.get(day, 0) + 1
        number = request.match_info["number"]
        status = status_at(int(number[5:]), at - START)
        return web.json_response({"number": number, "status": status.value})

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response({"calls": self.calls, "refused": self.refused})


def serve_source(port: int, budget: int) -> None:
    web.run_app(QuotaSource(budget).app(), host="127.0.0.1", port=port, print=None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SimulatedClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class BenchSource:
    """A Provider for the fake source, over the HTTP plumbing the real adapters use."""

    slug = "bench"
    carriers: frozenset[str] | None = None
    supports_push = False

    def __init__(self, http: httpx.AsyncClient, base_url: str, clock: SimulatedClock) -> None:
        self._http = SourceHttp(http, self.slug)
        self._base = base_url
        self._clock = clock

    async def track(self, query: TrackingQuery) -> Shipment:
        response = await self._http.request(
            "GET",
            f"{self._base}/track/{query.number}",
            handled=(200, 404, 429),
            params={"at": self._clock().isoformat()},
        )
        if response.status == 429:
            raise SourceRateLimited(self.slug, "daily quota used up", retry_after=60)
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


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def insert_subscriptions(
    sessions: Any, count: int, now: datetime, *, conversations: bool
) -> None:
    """`count` conversations (when asked) each following one parcel, in a few transactions."""
    for first in range(0, count, 1000):
        ids = range(first, min(count, first + 1000))
        async with sessions() as session, session.begin():
            if conversations:
                await session.execute(
                    insert(ConversationRow),
                    [
                        {
                            "id": index + 1,
                            "account_id": ACCOUNT,
                            "igsid": f"73{index:014d}",
                            "created_at": now,
                            "last_buyer_at": now,
                            "last_message_at": now,
                            "state": {},
                            "resolved": False,
                            "language": "en",
                        }
                        for index in ids
                    ],
                )
            await session.execute(
                insert(UpdateSubscription),
                [
                    {
                        "conversation_id": index + 1,
                        "account_id": ACCOUNT,
                        "igsid": f"73{index:014d}",
                        "number": f"BENCH{index:05d}",
                        "language": "en",
                        "created_at": now - timedelta(seconds=1),
                        "updated_at": now,
                        "next_poll_at": now,
                        "polls": 0,
                    }
                    for index in ids
                ],
            )


# --- part 1: polling ------------------------------------------------------------------------


async def polling(shipments: int, days: int, budget: int, url: str) -> dict[str, float]:
    port = free_port()
    process = multiprocessing.Process(target=serve_source, args=(port, budget), daemon=True)
    process.start()
    base = f"http://127.0.0.1:{port}"
    clock = SimulatedClock()
    engine = create_engine(url)
    await migrate(engine)
    sessions = create_sessions(engine)
    await insert_subscriptions(sessions, shipments, clock(), conversations=False)
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        for _ in range(200):
            try:
                await http.get(f"{base}/stats")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
        service = TrackingService(
            ProviderRegistry([BenchSource(http, base, clock)]),
            sessions,
            clock=clock,
            options=ServiceOptions(
                limits={"bench": SourceLimits(daily_budget=budget)}, sweep_interval=None
            ),
        )
        poller = Poller(sessions, service, UpdateOptions(), clock=clock, concurrency=16, batch=500)
        wall = time.perf_counter()
        end = START + timedelta(days=days)
        while clock.now < end:
            while await poller.poll_due() >= 500:
                pass
            clock.now += STEP
        wall = time.perf_counter() - wall
        changes = []
        cursor = 0
        while batch := await service.changes_after(cursor, 1000):
            changes.extend(batch)
            cursor = batch[-1].id
        stats = (await http.get(f"{base}/stats")).json()
        await service.close()
    await engine.dispose()
    process.terminate()
    process.join()
    delays = []
    for change in changes:
        index = int(change.number[5:])
        stage = {Status.IN_TRANSIT: 0, Status.OUT_FOR_DELIVERY: 1, Status.DELIVERED: 2}.get(
            change.new_status
        )
        if stage is None:
            continue
        happened = START + lifecycle(index)[stage]
        delays.append((change.recorded_at - happened).total_seconds() / 60)
    calls = sum(stats["calls"].values())
    return {
        "calls": calls,
        "per_shipment_day": calls / shipments / days,
        "max_day": max(stats["calls"].values()),
        "refused": stats["refused"],
        "changes": len(delays),
        "delay_p50": percentile(delays, 0.5),
        "delay_p95": percentile(delays, 0.95),
        "wall": wall,
    }


# --- part 2: push → DM, real time ------------------------------------------------------------


class GraphApi:
    """The Send API's one call, recording when each DM arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self._ids = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{version}/{account}/messages", self.send)
        return app

    async def send(self, request: web.Request) -> web.Response:
        body = await request.json()
        recipient = body["recipient"]["id"]
        self.arrived.setdefault(recipient, time.perf_counter())
        self._ids += 1
        return web.json_response({"recipient_id": recipient, "message_id": f"aWdfb{self._ids}"})


def aftership_push(number: str) -> bytes:
    checkpoint = {
        "checkpoint_time": "2026-11-02T10:00:00+00:00",
        "tag": "InTransit",
        "subtag": "InTransit_002",
        "message": "Departed facility",
        "location": "Shenzhen, CN",
    }
    tracking = {
        "tracking_number": number,
        "slug": "yunexpress",
        "tag": "InTransit",
        "subtag": "InTransit_002",
        "checkpoints": [checkpoint],
    }
    return json.dumps({"event": "tracking_update", "msg": tracking}).encode()


async def delivery(shipments: int, pushes: int, url: str) -> dict[str, float]:
    graph = GraphApi()
    graph_runner = web.AppRunner(graph.app())
    await graph_runner.setup()
    graph_site = web.TCPSite(graph_runner, "127.0.0.1", 0)
    await graph_site.start()
    graph_url = f"http://127.0.0.1:{graph_runner.addresses[0][1]}"
    engine = create_engine(url)
    await migrate(engine)
    sessions = create_sessions(engine)
    await insert_subscriptions(sessions, shipments, datetime.now(UTC), conversations=True)
    settings = Settings.from_mapping(
        {
            "WISMO_DATABASE_URL": url,
            "META_APP_SECRET": APP_SECRET,
            "META_VERIFY_TOKEN": "v",
            "META_ACCESS_TOKEN": "t",
            "META_GRAPH_URL": graph_url,
            "META_IG_ACCOUNT_ID": ACCOUNT,
            "AFTERSHIP_WEBHOOK_SECRET": PUSH_SECRET,
            "WISMO_UPDATES_BURST_SECONDS": "0",
            "WISMO_UPDATES_TICK_SECONDS": "1",
            "WISMO_UPDATES_QUIET_HOURS": "off",
            "WISMO_UPDATES_POLL": "false",
            "WISMO_UPDATES_RATE": "50",
            "WISMO_UPDATES_IN_FLIGHT": "16",
        }
    )
    app = create_app(settings, engine=engine, tuning=Tuning(poll_seconds=0.2))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    pushed: dict[str, float] = {}
    rng = random.Random(7)
    chosen = rng.sample(range(shipments), pushes)
    async with httpx.AsyncClient(timeout=30) as http:
        for index in chosen:
            raw = aftership_push(f"BENCH{index:05d}")
            signature = base64.b64encode(
                hmac.new(PUSH_SECRET.encode(), raw, hashlib.sha256).digest()
            )
            response = await http.post(
                f"{base}/webhooks/aftership",
                content=raw,
                headers={"aftership-hmac-sha256": signature.decode()},
            )
            assert response.status_code == 200, response.text
            pushed[f"73{index:014d}"] = time.perf_counter()
            await asyncio.sleep(0.02)
        deadline = time.perf_counter() + 120
        while len(graph.arrived) < pushes and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
    await runner.cleanup()
    await graph_runner.cleanup()
    await engine.dispose()
    latencies = [
        graph.arrived[buyer] - at for buyer, at in pushed.items() if buyer in graph.arrived
    ]
    return {
        "sent": len(latencies),
        "pushes": pushes,
        "p50": percentile(latencies, 0.5),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies) if latencies else float("nan"),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
    }


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        first = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'poll.db'}"
        second = args.database_url_2 or f"sqlite+aiosqlite:///{Path(folder) / 'push.db'}"
        poll = await polling(args.shipments, args.days, args.budget, first)
        print(
            f"polling: {args.shipments} shipments, {args.days} simulated days, "
            f"source quota {args.budget}/day"
        )
        print(
            f"  source calls {poll['calls']:.0f} = {poll['per_shipment_day']:.2f} per shipment "
            f"per day (busiest day {poll['max_day']:.0f}); refused by the quota {poll['refused']:.0f}"
        )
        print(
            f"  {poll['changes']:.0f} status changes seen; change → seen by a poll: "
            f"p50 {poll['delay_p50']:.0f} min, p95 {poll['delay_p95']:.0f} min "
            f"(wall {poll['wall']:.0f} s)"
        )
        push = await delivery(args.shipments, args.pushes, second)
        print(f"delivery: {push['sent']:.0f}/{push['pushes']:.0f} pushes became a DM")
        print(
            f"  push accepted → DM at the Graph API: p50 {push['p50']:.2f} s, "
            f"p95 {push['p95']:.2f} s, max {push['max']:.2f} s, mean {push['mean']:.2f} s"
        )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shipments", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--budget", type=int, default=80_000)
    parser.add_argument("--pushes", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="part 1 (a throwaway database)")
    parser.add_argument("--database-url-2", default=None, help="part 2 (another throwaway one)")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
