"""PostgreSQL dropping the connections a running wismo holds (a restart, a failover, an idle
connection killer). Connections are not pinged before use (foundation/database.py): the
statement that meets a dropped one fails, SQLAlchemy replaces the pool's connections, and the
caller's own retry goes through: the webhook answers 503 (Meta delivers again, never a 500),
the workers retry their round. Nothing is lost or answered twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.pipeline.unavailable import database_unavailable
from tests.bot.harness import WEBHOOK, envelope, running_wismo, signed_headers, text, wait_until
from tests.bot.harness import encode as encode_body
from tests.conftest import POSTGRES_URL

BUYER = "7100000000000001"

pytestmark = pytest.mark.postgres


async def _drop_connections(database_url: str) -> int:
    """Terminate every server process serving `database_url`'s database, as a restart does."""
    assert POSTGRES_URL is not None
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
    admin = await asyncpg.connect(admin_url)
    try:
        dropped = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            make_url(database_url).database,
        )
    finally:
        await admin.close()
    return len(dropped)


async def _tolerant(condition: Callable[[], Awaitable[bool]]) -> bool:
    """`condition`, read as not yet when its own query met a dropped connection."""
    try:
        return await condition()
    except Exception as exc:
        if database_unavailable(exc):
            return False
        raise


async def test_dropped_connections_cost_a_redelivery_at_most_and_lose_nothing(
    aiohttp_server, database_url
):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no connections for a server to drop")
    async with running_wismo(aiohttp_server, database_url) as wismo:
        await wismo.say(BUYER, "hi")
        await wismo.fake.wait_for_delivered(1)
        await wismo.wait_settled()

        assert await _drop_connections(database_url) >= 1

        raw = encode_body(envelope(text(BUYER, "still there?")))
        statuses = []
        for _ in range(5):  # Meta delivering again while we answer 503
            response = await wismo.http.post(
                wismo.url + WEBHOOK, content=raw, headers=signed_headers(raw)
            )
            statuses.append(response.status_code)
            if response.status_code == 200:
                break
        assert statuses[-1] == 200, statuses
        assert set(statuses) <= {200, 503}, statuses

        await wismo.fake.wait_for_delivered(2)
        await wait_until(lambda: _tolerant(wismo.settled))
        assert len(wismo.fake.delivered) == 2
        assert [row.state for row in await wismo.outbox()] == ["sent", "sent"]
