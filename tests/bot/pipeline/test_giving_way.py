"""Workers give way to the webhook's intake: while a burst of deliveries arrives, a worker starts
nothing new (for at most a bounded time in a row), and takes up its full concurrency again once
the burst is over."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

from bot.pipeline.doorbell import Doorbell
from bot.pipeline.giving_way import GivingWay, Turn
from bot.pipeline.inbox import Inbox
from bot.pipeline.intake import BURST, Delivery, Unanswered
from bot.pipeline.spool import SpoolIntake
from bot.pipeline.spool_table import SpoolTable
from bot.pipeline.worker import Worker
from tests.bot.harness import Clock, envelope, text, wait_until


class Pieces(Worker[int]):
    """A worker over a list of numbered pieces, each held until the test lets it finish."""

    def __init__(
        self, pieces: int, *, backlogged: list[bool], giving_way_limit: float = 60.0
    ) -> None:
        super().__init__(
            doorbell=Doorbell(),
            concurrency=4,
            poll_seconds=1.0,
            log=logging.getLogger("test"),
            name="pieces",
            yield_to=self._asked,
            giving_way_limit=giving_way_limit,
        )
        self.backlogged = backlogged
        self.asked = 0
        self.waiting = list(range(pieces))
        self.running: set[int] = set()
        self.most_at_once = 0
        self.done = asyncio.Event()

    def _asked(self) -> bool:
        self.asked += 1
        return self.backlogged[0]

    async def _claim(self, free: int) -> Sequence[int]:
        taken, self.waiting = self.waiting[:free], self.waiting[free:]
        return taken

    async def _work(self, work: int) -> None:
        self.running.add(work)
        self.most_at_once = max(self.most_at_once, len(self.running))
        await self.done.wait()
        self.running.discard(work)

    def _slot_freed(self) -> None:
        self._doorbell.ring()


async def test_a_worker_starts_nothing_while_a_burst_arrives_and_all_it_can_once_it_is_over():
    backlogged = [True]
    worker = Pieces(6, backlogged=backlogged)
    task = asyncio.create_task(worker.run())
    try:
        # It looks again every few hundredths of a second (nothing rings it when the burst is
        # over) but takes nothing while the burst lasts.
        async def looked_again() -> bool:
            return worker.asked >= 3

        await wait_until(looked_again)
        assert (len(worker.running), len(worker.waiting)) == (0, 6)

        backlogged[0] = False

        async def four_running() -> bool:
            return len(worker.running) == 4

        await wait_until(four_running)
        assert worker.most_at_once == 4
    finally:
        await _stop(worker, task)


async def test_in_a_burst_that_goes_on_a_worker_takes_up_its_work_after_the_limit():
    worker = Pieces(6, backlogged=[True], giving_way_limit=0.1)
    task = asyncio.create_task(worker.run())
    try:

        async def sharing() -> bool:
            return len(worker.running) == 4

        await wait_until(sharing)
        assert len(worker.waiting) == 2
    finally:
        await _stop(worker, task)


async def _stop(worker: Pieces, task: asyncio.Task[None]) -> None:
    worker.done.set()
    await worker.stop(grace=1.0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_in_a_burst_that_goes_on_giving_way_holds_and_shares_by_turns_of_the_limit():
    burst, ticks = [True], Ticks()
    giving_way = GivingWay(lambda: burst[0], limit=1.0, clock=ticks)
    assert giving_way.turn() is Turn.HOLD
    ticks.now = 0.9
    assert giving_way.turn() is Turn.HOLD
    ticks.now = 1.0
    assert giving_way.turn() is Turn.SHARE
    ticks.now = 1.9
    assert giving_way.turn() is Turn.SHARE
    ticks.now = 2.0
    assert giving_way.turn() is Turn.HOLD
    burst[0] = False
    assert giving_way.turn() is Turn.WORK
    burst[0] = True
    ticks.now = 2.5  # a new burst holds afresh, whatever came before
    assert giving_way.turn() is Turn.HOLD
    ticks.now = 3.4
    assert giving_way.turn() is Turn.HOLD
    ticks.now = 3.5
    assert giving_way.turn() is Turn.SHARE


async def test_the_intake_is_backlogged_while_a_burst_of_deliveries_waits_for_its_answer(sessions):
    clock = Clock()
    spool = SpoolTable(sessions, sessions, clock=clock)
    # Arrivals alone make no burst here (a window of 0): this is about requests waiting.
    intake = SpoolIntake(spool, Inbox(sessions, clock=clock), Doorbell(), burst_window=0.0)
    received_at = clock()

    def delivery(n: int) -> Delivery:
        raw = json.dumps(envelope(text(f"71000000000000{n:02d}", "where is it?"))).encode()
        return Delivery(raw, received_at)

    submitted = [asyncio.create_task(intake.submit(delivery(n))) for n in range(BURST)]
    await asyncio.sleep(0)  # the requests are waiting; nothing writes yet
    assert intake.backlogged()
    submitted[0].cancel()  # one request fewer waiting: steady traffic, not a burst
    await asyncio.gather(submitted[0], return_exceptions=True)
    assert not intake.backlogged()
    writer = asyncio.create_task(intake.run())
    await asyncio.gather(*submitted[1:])
    assert not intake.backlogged()
    intake.close()
    await writer


def test_a_flood_read_in_clumps_is_a_burst_even_when_each_delivery_is_written_at_once():
    unanswered = Unanswered(window=60.0)
    for _ in range(BURST - 1):
        with unanswered.waiting():
            pass
    assert not unanswered.burst()  # steady traffic: fewer than BURST within the window
    with unanswered.waiting():
        pass
    assert unanswered.burst()


async def test_a_burst_of_arrivals_is_over_once_its_window_has_passed():
    unanswered = Unanswered(window=0.01)
    for _ in range(BURST):
        with unanswered.waiting():
            pass

    async def over() -> bool:
        return not unanswered.burst()

    await wait_until(over)
