"""SupervisedLoop: rounds until stopped, failures reported and retried, never fatal."""

from __future__ import annotations

import asyncio

from bot.pipeline.doorbell import Doorbell
from bot.pipeline.loop import SupervisedLoop

LONG = 3600.0  # a wait no test sits out: only the doorbell or stopping may end it


async def test_a_round_that_fails_is_reported_and_retried():
    failures: list[Exception] = []
    rounds = 0

    async def round() -> float:
        nonlocal rounds
        rounds += 1
        if rounds < 3:
            raise OSError("database unreachable")
        loop.stop()
        return LONG

    loop = SupervisedLoop(round, retry=0.0, failed=failures.append)
    await asyncio.wait_for(loop.run(), timeout=10)
    assert rounds == 3
    assert [str(exc) for exc in failures] == ["database unreachable"] * 2


async def test_the_doorbell_cuts_a_wait_short_and_stopping_ends_it():
    rounds = asyncio.Queue[int]()
    count = 0

    async def round() -> float:
        nonlocal count
        count += 1
        rounds.put_nowait(count)
        return LONG

    doorbell = Doorbell()
    loop = SupervisedLoop(round, retry=LONG, failed=lambda exc: None, doorbell=doorbell)
    task = asyncio.create_task(loop.run())
    assert await asyncio.wait_for(rounds.get(), timeout=10) == 1
    doorbell.ring()
    assert await asyncio.wait_for(rounds.get(), timeout=10) == 2
    loop.stop()
    await asyncio.wait_for(task, timeout=10)
    assert count == 2


async def test_stopping_cuts_the_wait_after_a_failure_short():
    failed = asyncio.Event()

    async def round() -> float:
        raise OSError("database unreachable")

    loop = SupervisedLoop(round, retry=LONG, failed=lambda exc: failed.set())
    task = asyncio.create_task(loop.run())
    await asyncio.wait_for(failed.wait(), timeout=10)
    loop.stop()
    await asyncio.wait_for(task, timeout=10)


async def test_a_draining_loop_finishes_what_is_left_after_stop():
    left = 3

    async def round() -> float:
        nonlocal left
        if not left:
            return LONG
        left -= 1
        return 0.0  # did something: go on at once

    loop = SupervisedLoop(round, retry=LONG, failed=lambda exc: None, drain=True)
    loop.stop()  # before it even started: it still does what is left
    await asyncio.wait_for(loop.run(), timeout=10)
    assert left == 0


async def test_a_loop_that_is_not_draining_does_no_round_once_stopped():
    rounds = 0

    async def round() -> float:
        nonlocal rounds
        rounds += 1
        return 0.0

    loop = SupervisedLoop(round, retry=LONG, failed=lambda exc: None)
    loop.stop()
    await asyncio.wait_for(loop.run(), timeout=10)
    assert rounds == 0
