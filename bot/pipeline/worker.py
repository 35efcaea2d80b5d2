"""Worker: claims work and handles each piece in a task of its own, up to `concurrency` at once.

The skeleton the inbox worker and the sender share: a supervised loop whose round claims as
much as there are free slots and starts a task for each piece; it waits on the doorbell (or
polls after `poll_seconds`, for work another process added) when nothing was due or no slot
is left, and claims again at once otherwise. Trouble claiming is reported and retried after
`poll_seconds`, never fatal. Stopping lets the tasks in flight finish for a grace period, then
cancels them.

With `yield_to`, the worker gives way while it says so (a burst of deliveries is arriving):
it starts nothing new, for at most `giving_way_limit` seconds in a row, and looks again shortly
(bot/pipeline/giving_way.py). Workers and intake share one event loop, and acknowledging Meta
within its timeout comes first; the backlog they leave is worked off once the burst is over.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from bot.pipeline.doorbell import Doorbell
from bot.pipeline.giving_way import GIVING_WAY_LIMIT, GIVING_WAY_SECONDS, GivingWay, Turn
from bot.pipeline.loop import SupervisedLoop

_Work = TypeVar("_Work")


class Worker(ABC, Generic[_Work]):
    def __init__(
        self,
        *,
        doorbell: Doorbell,
        concurrency: int,
        poll_seconds: float,
        log: logging.Logger,
        name: str,
        yield_to: Callable[[], bool] | None = None,
        giving_way_limit: float = GIVING_WAY_LIMIT,
    ) -> None:
        self._doorbell = doorbell
        self._concurrency = concurrency
        self._giving_way = (
            GivingWay(yield_to, limit=giving_way_limit) if yield_to is not None else None
        )
        self._poll = poll_seconds
        self._log = log
        self._name = name
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop = SupervisedLoop(
            self._round, retry=poll_seconds, failed=self._unreachable, doorbell=doorbell
        )

    @property
    def stopping(self) -> bool:
        return self._loop.stopping

    async def run(self) -> None:
        """Work until stopped or cancelled; database trouble is logged and waited out."""
        await self._loop.run()

    async def stop(self, grace: float = 5.0) -> None:
        """Let the tasks in flight finish for up to `grace` seconds, then cancel them."""
        self._loop.stop()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    @abstractmethod
    async def _claim(self, free: int) -> Sequence[_Work]:
        """Up to `free` pieces of work (none when `free` is 0), leased to this worker; may also
        do the periodic upkeep that goes with claiming. Raises on database trouble."""

    @abstractmethod
    async def _work(self, work: _Work) -> None:
        """Handle one claimed piece of work; runs as a task of its own."""

    @abstractmethod
    def _slot_freed(self) -> None:
        """Called when a task ends and its slot is free again."""

    async def _round(self) -> float:
        if self._giving_way is not None and self._giving_way.turn() is Turn.HOLD:
            return min(self._poll, GIVING_WAY_SECONDS)
        free = max(0, self._concurrency - len(self._tasks))
        claimed = await self._claim(free)
        for work in claimed:
            task = asyncio.create_task(self._work(work))
            self._tasks.add(task)
            task.add_done_callback(self._finished)
        # Nothing due, or no slot left: wait for the doorbell (a new piece, a freed slot).
        return self._poll if not claimed or free <= len(claimed) else 0.0

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slot_freed()

    def _unreachable(self, exc: Exception) -> None:
        self._log.error(
            "%s: cannot reach the database (%s); retrying", self._name, type(exc).__name__
        )


__all__ = ["Worker"]
