"""Workers give way to the webhook's intake: while deliveries queue for their answer, a worker
starts one piece at a time, and takes up its full concurrency again once the intake is idle."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

from bot.pipeline.doorbell import Doorbell
from bot.pipeline.inbox import Inbox
from bot.pipeline.intake import BURST, Delivery, Unanswered
from bot.pipeline.spool import SpoolIntake
from bot.pipeline.spool_table import SpoolTable
from bot.pipeline.worker import Worker
from tests.bot.harness import Clock, envelope, text, wait_until


class Pieces(Worker[int]):
    """A worker over a list of numbered pieces, each held until the test lets it finish."""

    def __init__(self, pieces: int, *, backlogged: list[bool]) -> None:
        super().__init__(
            doorbell=Doorbell(),
            concurrency=4,
            poll_seconds=1.0,
            log=logging.getLogger("test"),
            name="pieces",
            yield_to=lambda: backlogged[0],
        )
        self.waiting = list(range(pieces))
        self.running: set[int] = set()
        self.most_at_once = 0
        self.rounds = 0
        self.done = asyncio.Event()

    async def _claim(self, free: int) -> Sequence[int]:
        self.rounds += 1
        taken, self.waiting = self.waiting[:free], self.waiting[free:]
        return taken

    async def _work(self, work: int) -> None:
        self.running.add(work)
        self.most_at_once = max(self.most_at_once, len(self.running))
        await self.done.wait()
        self.running.discard(work)

    def _slot_freed(self) -> None:
        self._doorbell.ring()


async def test_a_worker_starts_one_piece_at_a_time_while_the_intake_is_backlogged():
    backlogged = [True]
    worker = Pieces(6, backlogged=backlogged)
    task = asyncio.create_task(worker.run())
    try:

        async def one_running() -> bool:
            return len(worker.running) == 1

        await wait_until(one_running)
        # Rounds later, still one: it looks again every few hundredths of a second (nothing
        # rings it when the intake catches up) but takes nothing more while the intake is behind.
        rounds = worker.rounds

        async def looked_again() -> bool:
            return worker.rounds >= rounds + 3

        await wait_until(looked_again)
        assert (len(worker.running), len(worker.waiting)) == (1, 5)

        backlogged[0] = False

        async def four_running() -> bool:
            return len(worker.running) == 4

        await wait_until(four_running)
        assert worker.most_at_once == 4
    finally:
        worker.done.set()
        await worker.stop(grace=1.0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


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
