"""The SQLite spool: acknowledged deliveries are kept until the inbox has them, exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.instagram.events import parse_webhook
from bot.pipeline.doorbell import Doorbell
from bot.pipeline.inbox import Inbox
from bot.pipeline.intake import Delivery
from bot.pipeline.spool import Spool, SpoolIntake, spool_path
from bot.pipeline.tables import InboxEvent
from foundation.database import create_engine, create_sessions
from tests.bot.harness import Clock, envelope, running_wismo, text, wait_until
from tests.conftest import fresh_sqlite_url


def delivery(*items: dict) -> Delivery:
    return Delivery(json.dumps(envelope(*items)).encode(), Clock()())


@pytest.fixture
async def sqlite_url(sqlite_template, tmp_path) -> AsyncIterator[str]:
    return fresh_sqlite_url(sqlite_template, tmp_path)


async def stored(url: str) -> int:
    engine = create_engine(url)
    try:
        async with create_sessions(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(InboxEvent)) or 0)
    finally:
        await engine.dispose()


def test_the_spool_lives_beside_a_sqlite_file_and_nowhere_else():
    assert str(spool_path("sqlite+aiosqlite:////var/lib/wismo/wismo.db")) == (
        "/var/lib/wismo/wismo.db-spool"
    )
    assert spool_path("sqlite+aiosqlite://") is None
    assert spool_path("sqlite+aiosqlite:///:memory:") is None
    assert spool_path("postgresql+asyncpg://postgres@127.0.0.1/test") is None


async def test_deliveries_left_in_the_spool_reach_the_inbox_at_the_next_start(
    aiohttp_server, sqlite_url
):
    path = spool_path(sqlite_url)
    assert path is not None
    spool = Spool(path)
    await spool.open()
    # Acknowledged by a process that died before moving them.
    await spool.append([delivery(text("7100000000000001", "hi")), delivery(text("72", "yo"))])
    await spool.close()
    async with running_wismo(aiohttp_server, sqlite_url, workers=False) as wismo:
        await wismo.stored()
    assert await stored(sqlite_url) == 2


@contextlib.asynccontextmanager
async def spool_and_inbox(url: str) -> AsyncIterator[tuple[Spool, Inbox]]:
    path = spool_path(url)
    assert path is not None
    engine = create_engine(url)
    spool = Spool(path)
    await spool.open()
    try:
        yield spool, Inbox(create_sessions(engine), clock=Clock())
    finally:
        await spool.close()
        await engine.dispose()


async def move_everything(spool: Spool, inbox: Inbox) -> None:
    """Run the mover until nothing movable is left in the spool, then stop it."""
    intake = SpoolIntake(spool, inbox, Doorbell())
    mover = asyncio.create_task(intake.run())
    await wait_until(lambda: _empty(spool))
    intake.close()
    await mover


async def test_a_delivery_moved_twice_is_stored_once(sqlite_url):
    async with spool_and_inbox(sqlite_url) as (spool, inbox):
        message = delivery(text("7100000000000001", "hi"))
        # The inbox took it, then the process died before the spool forgot it.
        await inbox.append(parse_webhook(message.body, message.received_at), message.received_at)
        await spool.append([message])
        await move_everything(spool, inbox)
    assert await stored(sqlite_url) == 1


async def test_a_body_that_is_not_json_moves_into_the_inbox_as_ignored_and_blocks_nothing(
    sqlite_url,
):
    async with spool_and_inbox(sqlite_url) as (spool, inbox):
        good = delivery(text("7100000000000001", "hi"))
        await spool.append([Delivery(b"not json", good.received_at), good])
        await move_everything(spool, inbox)
        assert len(await spool.take(10)) == 0
    assert await stored(sqlite_url) == 2
    with contextlib.closing(sqlite3.connect(spool_path(sqlite_url))) as connection:
        assert connection.execute("SELECT count(*) FROM spooled_deliveries").fetchone() == (0,)


async def _empty(spool: Spool) -> bool:
    return await spool.waiting() == 0


async def test_a_group_commit_larger_than_one_insert_keeps_every_delivery_in_order(sqlite_url):
    async with spool_and_inbox(sqlite_url) as (spool, _):
        many = [delivery(text(f"71{n:014d}", f"message {n}")) for n in range(1203)]
        await spool.append(many)
        taken = await spool.take(2000)
    assert [spooled.body for spooled in taken] == [d.body for d in many]
