"""Doorbell: wakes a worker when there is new work, instead of it polling in a tight loop."""

from __future__ import annotations

import asyncio
import contextlib


class Doorbell:
    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        self._rung.set()

    async def wait(self, at_most: float) -> None:
        """Return when rung (or at once if rung since the last wait), or after `at_most` seconds.

        The worker polls the database anyway after `at_most`: another process may have added
        work this doorbell never heard of.
        """
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(at_most):
                await self._rung.wait()
        self._rung.clear()


__all__ = ["Doorbell"]
