"""The SQLite write gate: one writer at a time in a process, the intake served first."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.pipeline.tables import InboxLane
from bot.pipeline.write_gate import INTAKE, WORKERS, WriteGate, WriteGateTimeout, gate_writes
from foundation.database import create_engine, create_sessions
from tests.conftest import fresh_sqlite_url


async def test_waiting_writers_are_served_by_priority_then_in_order():
    gate = WriteGate()
    holder, served = object(), []
    await gate.acquire(holder, WORKERS)

    async def write(name: str, priority: int) -> None:
        me = object()
        await gate.acquire(me, priority)
        served.append(name)
        gate.release(me)

    tasks = [
        asyncio.create_task(write("worker-1", WORKERS)),
        asyncio.create_task(write("worker-2", WORKERS)),
        asyncio.create_task(write("intake", INTAKE)),
    ]
    while len(gate._waiting) < 3:
        await asyncio.sleep(0)
    gate.release(holder)
    await asyncio.gather(*tasks)
    assert served == ["intake", "worker-1", "worker-2"]


async def test_a_writer_given_up_while_waiting_does_not_keep_the_gate():
    gate = WriteGate()
    holder = object()
    await gate.acquire(holder, WORKERS)
    waiter = asyncio.create_task(gate.acquire(object(), INTAKE))
    while not gate._waiting:
        await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    gate.release(holder)
    late = object()
    await asyncio.wait_for(gate.acquire(late, WORKERS), 1)
    assert gate.held_by(late)


async def test_a_writer_waiting_longer_than_sqlite_would_gets_an_error():
    gate = WriteGate(wait_seconds=0.05)
    await gate.acquire(object(), WORKERS)
    with pytest.raises(WriteGateTimeout):
        await gate.acquire(object(), INTAKE)


async def test_gated_engines_share_one_writer_and_commit_everything(sqlite_template, tmp_path):
    url = fresh_sqlite_url(sqlite_template, tmp_path)
    gate = WriteGate()
    workers, intake = create_engine(url), create_engine(url, pool_size=1, max_overflow=0)
    gate_writes(workers, gate, WORKERS)
    gate_writes(intake, gate, INTAKE)

    async def insert(sessions, lane: str) -> None:
        async with sessions() as session, session.begin():
            session.add(InboxLane(lane_key=lane))
            await session.flush()
            # Another writer would find SQLite locked here without the gate.
            await asyncio.sleep(0)

    try:
        worker_sessions, intake_sessions = create_sessions(workers), create_sessions(intake)
        await asyncio.gather(
            *(insert(worker_sessions, f"w{i}") for i in range(20)),
            *(insert(intake_sessions, f"i{i}") for i in range(20)),
        )
        async with worker_sessions() as session:
            assert await session.scalar(select(func.count()).select_from(InboxLane)) == 40
        assert gate._holder is None
    finally:
        await workers.dispose()
        await intake.dispose()
