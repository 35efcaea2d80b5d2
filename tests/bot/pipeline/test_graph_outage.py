"""Sends outlast a Graph outage: retried for as long as the buyer's window allows, one probe at
a time while Graph fails, health and metrics saying so, nothing lost, nothing sent twice
(docs/architecture.md, Outlasting a Graph outage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import keys
from bot.pipeline.breaker import GraphBreaker
from tests.bot.harness import Wismo, running_wismo, wait_until
from tests.fakes.graph_api import Fault

BUYERS = [f"71000000000{n:05d}" for n in range(12)]
OUTAGE = Fault(status=500, body=b"<html>500 Internal Server Error</html>")
METRICS_TOKEN = "metrics-test-token"


class Clock:
    """A clock that moves only when the test moves it: a step of the outage is exactly its
    length, however slowly the machine runs the test."""

    def __init__(self) -> None:
        self.start = datetime.now(UTC)
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self.start + self.offset


def breaker(wismo: Wismo) -> GraphBreaker:
    return wismo.app[keys.GRAPH]


async def nothing_in_flight(wismo: Wismo) -> bool:
    if await wismo.pending_events() or breaker(wismo).status().state == "probing":
        return False
    return not [row for row in await wismo.outbox() if row.state == "sending"]


async def probe_answered(wismo: Wismo) -> bool:
    """The probe that was due has gone and failed (or Graph answered and the breaker closed)."""
    graph = breaker(wismo)
    return (not graph.probe_due() or not graph.open) and await nothing_in_flight(wismo)


async def outage_of(wismo: Wismo, clock: Clock, length: timedelta, step: timedelta) -> None:
    """Let `length` of Graph failing pass on the clock, one `step` at a time."""
    passed = timedelta(0)
    while passed < length:
        clock.offset += step
        passed += step
        await wait_until(lambda: probe_answered(wismo))


async def health(wismo: Wismo) -> dict[str, object]:
    response = await wismo.http.get(wismo.url + "/healthz")
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def graph_metric(wismo: Wismo) -> float:
    response = await wismo.http.get(
        wismo.url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    (line,) = [
        row for row in response.text.splitlines() if row.startswith("wismo_graph_unavailable ")
    ]
    return float(line.split()[1])


@pytest.mark.parametrize(
    ("length", "step"),
    [(timedelta(seconds=30), timedelta(seconds=5)), (timedelta(minutes=30), timedelta(seconds=60))],
    ids=["30 s", "30 min"],
)
async def test_replies_outlast_a_graph_outage_with_one_probe_at_a_time(
    aiohttp_server, database_url, length, step
):
    clock = Clock()
    async with running_wismo(
        aiohttp_server, database_url, clock=clock, WISMO_METRICS_TOKEN=METRICS_TOKEN
    ) as wismo:
        wismo.fake.inject(OUTAGE, times=10**6)
        for buyer in BUYERS:
            await wismo.say(buyer, "where is my order?")
        await wait_until(lambda: _opened(wismo))
        await wait_until(lambda: nothing_in_flight(wismo))
        before_probes = len(wismo.fake.sends)
        assert before_probes <= 3 + 8  # the breaker's threshold, plus the sends already in flight

        status = await health(wismo)
        assert status["status"] == "degraded"
        assert status["graph"]["status"] == "failing"  # type: ignore[index]
        assert await graph_metric(wismo) == 1.0

        await outage_of(wismo, clock, length, step)
        probes = len(wismo.fake.sends) - before_probes
        assert 1 <= probes <= length / step  # never more than one probe per step, no storm
        assert not wismo.fake.delivered

        wismo.fake.clear_faults()
        clock.offset += timedelta(seconds=30)
        await wismo.wait_settled()
        # Nothing lost, nothing twice: each buyer has exactly one reply.
        assert all(len(wismo.delivered_to(buyer)) == 1 for buyer in BUYERS)
        assert {row.state for row in await wismo.outbox()} == {"sent"}
        assert len(wismo.fake.sends) == before_probes + probes + len(BUYERS)
        assert (await health(wismo))["graph"] == {"status": "ok"}
        assert await graph_metric(wismo) == 0.0


async def _opened(wismo: Wismo) -> bool:
    return breaker(wismo).open


async def test_a_reply_whose_window_closes_during_the_outage_is_held_with_the_reason(
    aiohttp_server, database_url
):
    clock = Clock()
    async with running_wismo(aiohttp_server, database_url, clock=clock) as wismo:
        wismo.fake.inject(OUTAGE, times=10**6)
        late = clock() - timedelta(hours=23, minutes=25)
        await wismo.say("7200000000000001", "hi", at=int(late.timestamp() * 1000))
        for buyer in BUYERS[:3]:
            await wismo.say(buyer, "hi")
        await wait_until(lambda: _opened(wismo))
        await outage_of(wismo, clock, timedelta(minutes=10), timedelta(seconds=30))
        wismo.fake.clear_faults()
        clock.offset += timedelta(seconds=30)
        await wismo.wait_settled()
        assert wismo.delivered_to("7200000000000001") == []
        assert all(len(wismo.delivered_to(buyer)) == 1 for buyer in BUYERS[:3])
        states = {(row.recipient_id, row.state, row.reason) for row in await wismo.outbox()}
        assert ("7200000000000001", "held", "window_closed") in states
