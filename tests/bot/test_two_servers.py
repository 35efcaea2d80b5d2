"""Two `wismo serve` processes on one PostgreSQL database share a burst without answering any
event twice: Meta may deliver an event, and its duplicates, to either of them."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from bot.pipeline.tables import InboxEvent, OutboxMessage
from foundation.database import create_engine, create_sessions
from tests.bot.harness import WEBHOOK, encode, envelope, now_ms, signed_headers, text, wait_until
from tests.bot.processes import server_env, start_server
from tests.fakes.graph_api import running_graph_api

pytestmark = pytest.mark.slow

BUYERS = [f"72000000000{n:05d}" for n in range(24)]
MESSAGES_PER_BUYER = 3


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("two processes share a database on PostgreSQL (SQLite serves one process)")
    return database_url


async def test_a_burst_split_across_two_servers_gets_each_reply_once(
    postgres_url, tmp_path
) -> None:
    generator = random.Random(11)
    base = now_ms()
    items = [
        text(buyer, f"hello, message {n}", at=base + n * 1000 + index)
        for index, buyer in enumerate(BUYERS)
        for n in range(MESSAGES_PER_BUYER)
    ]
    generator.shuffle(items)
    bodies = [encode(envelope(*items[i : i + 3])) for i in range(0, len(items), 3)]
    total = len(items)
    async with (
        running_graph_api(account_id="17841400000000001") as fake,
        httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http,
    ):
        env = server_env(postgres_url, fake.url, WISMO_WORKERS="4")
        first = await start_server(env, tmp_path / "first.log")
        second = await start_server(env, tmp_path / "second.log")
        fake.deliver_echoes(first.url + WEBHOOK, "test-app-secret")
        try:

            async def post(url: str, raw: bytes) -> None:
                response = await http.post(url + WEBHOOK, content=raw, headers=signed_headers(raw))
                assert response.status_code == 200

            # Each body goes to one server; a third of them again, to the other one, at once.
            sends = []
            for index, raw in enumerate(bodies):
                one, other = (first, second) if index % 2 else (second, first)
                sends.append(post(one.url, raw))
                if index % 3 == 0:
                    sends.append(post(other.url, raw))
            await asyncio.gather(*sends)
            await fake.wait_for(lambda: len(fake.delivered) >= total, timeout=60)
            sessions = create_sessions(engine := create_engine(postgres_url))

            async def settled() -> bool:
                async with sessions() as session:
                    pending = (
                        await session.scalars(
                            select(InboxEvent.id).where(InboxEvent.processed_at.is_(None))
                        )
                    ).all()
                    unfinished = (
                        await session.scalars(
                            select(OutboxMessage.id).where(
                                OutboxMessage.state.in_(["queued", "sending", "ambiguous"])
                            )
                        )
                    ).all()
                return not pending and not unfinished

            await wait_until(settled, timeout=60, interval=0.1)
            async with sessions() as session:
                states = Counter((await session.scalars(select(OutboxMessage.state))).all())
            await engine.dispose()
        finally:
            assert await first.stop() == 0
            assert await second.stop() == 0
        per_buyer = Counter(message.recipient_id for message in fake.delivered)
        assert per_buyer == dict.fromkeys(BUYERS, MESSAGES_PER_BUYER)
        assert states == {"sent": total}
        assert len(fake.sends) == total
