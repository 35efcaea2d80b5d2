"""DailyJob: work done at start and then once a day by the injected clock, in a SupervisedLoop
of its own (the token job, the retention job)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

from bot.pipeline.loop import SupervisedLoop

log = logging.getLogger(__name__)

EVERY = timedelta(days=1)
LOOK_SECONDS = 300.0
"""How often (real seconds) a job asks the clock whether a day has passed since its last run."""
RETRY_SECONDS = 600.0


class DailyJob:
    """Runs `work` at start and then every `every` of the clock's time."""

    def __init__(
        self,
        work: Callable[[], Awaitable[None]],
        *,
        name: str,
        clock: Callable[[], datetime],
        every: timedelta = EVERY,
        look_seconds: float = LOOK_SECONDS,
    ) -> None:
        self.name = name
        self._work = work
        self._clock = clock
        self._every = every
        self._look = look_seconds
        self._next: datetime | None = None
        self.rounds = 0
        self.loop = SupervisedLoop(self.round, retry=RETRY_SECONDS, failed=self._failed)

    async def round(self) -> float:
        now = self._clock()
        if self._next is None or now >= self._next:
            await self._work()
            self._next = now + self._every
            self.rounds += 1
        return self._look

    def _failed(self, exc: Exception) -> None:
        log.warning("%s: round failed (%s: %s)", self.name, type(exc).__name__, exc)


@contextlib.asynccontextmanager
async def running(job: DailyJob) -> AsyncIterator[None]:
    """The job's loop as a task for the duration of the block, stopped and awaited after."""
    task = asyncio.create_task(job.loop.run(), name=job.name)
    try:
        yield
    finally:
        job.loop.stop()
        await asyncio.gather(task, return_exceptions=True)


__all__ = ["EVERY", "LOOK_SECONDS", "DailyJob", "running"]
