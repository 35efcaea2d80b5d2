"""The spool table (PostgreSQL, in-memory SQLite): acknowledged bodies wait there, durable,
until a mover has put their events in the inbox; movers share it without moving a batch twice,
and while Meta waits for answers the mover moves nothing, or a few at a time in a burst that
goes on."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pipeline.doorbell import Doorbell
from bot.pipeline.inbox import Inbox
from bot.pipeline.intake import Delivery
from bot.pipeline.spool import SpoolIntake
from bot.pipeline.spool_table import SpooledDelivery, SpoolTable
from bot.pipeline.tables import InboxEvent
from tests.bot.harness import Clock, envelope, text, wait_until


def delivery(n: int, clock: Clock) -> Delivery:
    body = envelope(text(f"71000000000000{n:02d}", "where is my parcel?"))
    return Delivery(json.dumps(body).encode(), clock())


async def count(sessions: async_sessionmaker[AsyncSession], table: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


@contextlib.asynccontextmanager
async def spooled(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, deliveries: int
) -> AsyncIterator[SpoolTable]:
    """A spool table already holding `deliveries` acknowledged (by a process now gone)."""
    earlier = SpoolTable(sessions, sessions, clock=clock)
    writer = asyncio.create_task(earlier.run())
    await asyncio.gather(*(earlier.submit(delivery(n, clock)) for n in range(deliveries)))
    earlier.stop_accepting()
    await writer
    yield SpoolTable(sessions, sessions, clock=clock)


async def test_a_group_commit_with_a_bad_delivery_keeps_each_good_one_exactly_once(sessions):
    # The group fails as a whole (on PostgreSQL its one INSERT in autocommit), then each
    # delivery is written alone: none of the good ones may have been kept by the first try.
    clock = Clock()
    table = SpoolTable(sessions, sessions, clock=clock)
    writer = asyncio.create_task(table.run())
    unusable = Delivery(None, clock())  # type: ignore[arg-type]  # NOT NULL refuses it
    outcomes = await asyncio.gather(
        table.submit(delivery(1, clock)),
        table.submit(unusable),
        table.submit(delivery(2, clock)),
        return_exceptions=True,
    )
    table.stop_accepting()
    await writer
    assert [isinstance(outcome, Exception) for outcome in outcomes] == [False, True, False]
    assert await count(sessions, SpooledDelivery) == 2


async def test_a_submitted_delivery_is_in_the_table_before_submit_returns(sessions):
    clock = Clock()
    table = SpoolTable(sessions, sessions, clock=clock)
    writer = asyncio.create_task(table.run())
    await table.submit(delivery(1, clock))
    assert await count(sessions, SpooledDelivery) == 1
    assert await table.waiting() == 1
    table.stop_accepting()
    await writer


async def test_the_mover_puts_each_spooled_delivery_in_the_inbox_and_empties_the_table(sessions):
    clock = Clock()
    async with spooled(sessions, clock, 5) as table:
        doorbell = Doorbell()
        intake = SpoolIntake(table, Inbox(sessions, clock=clock), doorbell)
        mover = asyncio.create_task(intake.run())

        async def moved() -> bool:
            return await count(sessions, InboxEvent) == 5

        await wait_until(moved)
        intake.close()
        await mover
    assert await count(sessions, SpooledDelivery) == 0


async def test_a_batch_taken_by_one_mover_is_not_taken_by_another_until_its_lease_ends(sessions):
    clock = Clock()
    async with spooled(sessions, clock, 3) as table:
        first = await table.take(2)
        assert [len(s.body) > 0 for s in first] == [True, True]
        second = await table.take(10)
        assert {s.id for s in second}.isdisjoint({s.id for s in first})
        assert len(second) == 1
        assert await table.take(10) == []
        # The first mover died: its batch is taken again once the lease has run out.
        clock.offset += timedelta(minutes=3)
        again = await table.take(10)
        assert {s.id for s in again} == {s.id for s in first} | {s.id for s in second}
        assert [s.id for s in again] == sorted(s.id for s in again)


async def test_the_mover_moves_nothing_while_told_to_give_way_and_all_when_stopped(sessions):
    clock = Clock()
    asked = []

    def burst() -> bool:
        asked.append(True)
        return True

    async with spooled(sessions, clock, 6) as table:
        intake = giving_way_mover(
            table, sessions, clock, giving_way_seconds=0.01, giving_way_limit=60.0, yield_to=burst
        )
        mover = asyncio.create_task(intake.run())

        async def looked_again() -> bool:
            return len(asked) >= 3

        await wait_until(looked_again)
        assert await count(sessions, InboxEvent) == 0
        await all_moved_when_stopped(intake, mover, sessions)


async def test_in_a_burst_that_goes_on_the_mover_moves_a_few_at_a_time(sessions):
    clock = Clock()
    async with spooled(sessions, clock, 6) as table:
        intake = giving_way_mover(
            table,
            sessions,
            clock,
            batch_giving_way=2,
            giving_way_seconds=60.0,  # stopping cuts it short
            giving_way_limit=0.0,  # sharing from the start
            yield_to=lambda: True,
        )
        mover = asyncio.create_task(intake.run())

        async def first_few() -> bool:
            moved = await count(sessions, InboxEvent), await count(sessions, SpooledDelivery)
            return moved == (2, 4)

        await wait_until(first_few)  # and then it pauses (a minute here) before the next few
        assert await count(sessions, InboxEvent) == 2
        await all_moved_when_stopped(intake, mover, sessions)


def giving_way_mover(
    table: SpoolTable,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    **giving_way: Any,
) -> SpoolIntake:
    return SpoolIntake(table, Inbox(sessions, clock=clock), Doorbell(), **giving_way)


async def all_moved_when_stopped(
    intake: SpoolIntake, mover: asyncio.Task[None], sessions: async_sessionmaker[AsyncSession]
) -> None:
    intake.close()
    await mover
    assert await count(sessions, InboxEvent) == 6
    assert await count(sessions, SpooledDelivery) == 0


_REFUSE_REMOVALS = {
    "sqlite": [
        "CREATE TRIGGER refuse_removals BEFORE DELETE ON spooled_deliveries"
        " BEGIN SELECT RAISE(ABORT, 'removals refused for now'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_removals() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RAISE EXCEPTION 'removals refused for now'; END $$",
        "CREATE TRIGGER refuse_removals BEFORE DELETE ON spooled_deliveries"
        " FOR EACH ROW EXECUTE FUNCTION refuse_removals()",
    ],
}
_ALLOW_REMOVALS = {
    "sqlite": ["DROP TRIGGER refuse_removals"],
    "postgresql": ["DROP TRIGGER refuse_removals ON spooled_deliveries"],
}


async def _run_sql(engine, statements: dict[str, list[str]]) -> None:
    async with engine.begin() as connection:
        for statement in statements[engine.dialect.name]:
            await connection.execute(sql_text(statement))


async def test_a_batch_the_spool_could_not_forget_is_moved_again_at_once_not_after_its_lease(
    engine, sessions
):
    clock = Clock()
    async with spooled(sessions, clock, 3) as table:
        await _run_sql(engine, _REFUSE_REMOVALS)
        intake = SpoolIntake(table, Inbox(sessions, clock=clock), Doorbell(), retry_seconds=0.05)
        mover = asyncio.create_task(intake.run())

        async def in_the_inbox() -> bool:
            return await count(sessions, InboxEvent) == 3

        await wait_until(in_the_inbox)  # moved, but still in the spool, leased to this mover
        assert await count(sessions, SpooledDelivery) == 3
        await _run_sql(engine, _ALLOW_REMOVALS)

        async def forgotten() -> bool:
            return await count(sessions, SpooledDelivery) == 0

        await wait_until(forgotten)  # well within the lease (30 s)
        intake.close()
        await mover
    assert await count(sessions, InboxEvent) == 3
