"""Killed with SIGKILL mid-flight and restarted, wismo answers every acknowledged event once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from bot.app.database import migrate
from bot.pipeline.tables import InboxEvent, OutboxMessage
from foundation.database import create_engine, create_sessions
from tests.bot.harness import WEBHOOK, encode, envelope, now_ms, signed_headers, text, wait_until
from tests.bot.processes import server_env, start_server
from tests.fakes.graph_api import Fault, running_graph_api

pytestmark = pytest.mark.slow

BUYERS = [f"71000000000{n:05d}" for n in range(20)]
MESSAGES_PER_BUYER = 4


def planned_batches(seed: int) -> list[bytes]:
    """80 buyer messages in bodies of 1–6 events, shuffled, each buyer's in timestamp order."""
    generator = random.Random(seed)
    base = now_ms()
    items = [
        text(buyer, f"message {n} from {buyer}", at=base + n * 1000 + index)
        for index, buyer in enumerate(BUYERS)
        for n in range(MESSAGES_PER_BUYER)
    ]
    generator.shuffle(items)
    batches = []
    while items:
        size = generator.randint(1, 6)
        batches.append(encode(envelope(*items[:size])))
        del items[:size]
    return batches


async def deliver(http: httpx.AsyncClient, url: str, raw: bytes) -> bool:
    """POST like Meta; True when acknowledged with 200."""
    try:
        response = await http.post(url + WEBHOOK, content=raw, headers=signed_headers(raw))
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def test_sigkill_mid_flight_then_restart_answers_every_acknowledged_event_once(tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    engine = create_engine(database_url)
    await migrate(engine)
    batches = planned_batches(seed=7)
    total = len(BUYERS) * MESSAGES_PER_BUYER
    async with (
        running_graph_api(account_id="17841400000000001") as fake,
        httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http,
    ):
        # Every send is delivered, then answered 0.2 s later: a kill lands between the two.
        fake.inject(Fault(status=200, deliver=True, delay=0.2), times=10_000)
        env = server_env(database_url, fake.url, WISMO_WORKERS="8")
        server = await start_server(env, tmp_path / "server.log")
        fake.deliver_echoes(server.url + WEBHOOK, "test-app-secret")

        acknowledged: set[int] = set()

        async def flood() -> None:
            for index, raw in enumerate(batches):
                if await deliver(http, server.url, raw):
                    acknowledged.add(index)
                await asyncio.sleep(0)

        flooding = asyncio.create_task(flood())
        await fake.wait_for(lambda: len(fake.delivered) >= 15, timeout=30)
        await server.kill()
        await flooding
        assert 0 < len(acknowledged) < len(batches) or len(fake.delivered) < total

        port = server.url.rsplit(":", 1)[1]
        server = await start_server(env, tmp_path / "server.log", port=int(port))
        try:
            # Meta redelivers what was never acknowledged, and some of what was.
            for index, raw in enumerate(batches):
                if index not in acknowledged or index % 5 == 0:
                    assert await deliver(http, server.url, raw)
            await fake.wait_for(lambda: len(fake.delivered) >= total, timeout=60)
            sessions = create_sessions(engine)

            async def settled() -> bool:
                async with sessions() as session:
                    pending = await session.scalars(
                        select(InboxEvent.id).where(InboxEvent.processed_at.is_(None))
                    )
                    unfinished = await session.scalars(
                        select(OutboxMessage.id).where(
                            OutboxMessage.state.in_(["queued", "sending", "ambiguous"])
                        )
                    )
                    return not pending.all() and not unfinished.all()

            await wait_until(settled, timeout=60, interval=0.1)
        finally:
            assert await server.stop() == 0

        per_buyer = Counter(message.recipient_id for message in fake.delivered)
        assert per_buyer == dict.fromkeys(BUYERS, MESSAGES_PER_BUYER)
        async with create_sessions(engine)() as session:
            states = Counter((await session.scalars(select(OutboxMessage.state))).all())
        assert states == {"sent": total}
    await engine.dispose()
