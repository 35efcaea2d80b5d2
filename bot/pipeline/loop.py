"""SupervisedLoop: runs a background worker's rounds until stopped; trouble is never fatal.

Each round does some work and says how long to wait before the next one (0: go on at once).
The wait is on a doorbell, so new work cuts it short. A round that raises is reported and
retried after `retry` seconds, a wait that only stopping cuts short: a database that is down is
not hammered because work keeps arriving. `stop` lets the round in progress finish; with
`drain`, rounds go on until one finds nothing left to do (it asks to wait) or fails.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from bot.pipeline.doorbell import Doorbell

Round = Callable[[], Awaitable[float]]
"""One round of work; returns the seconds to wait before the next (0: none)."""


class SupervisedLoop:
    def __init__(
        self,
        round: Round,
        *,
        retry: float,
        failed: Callable[[Exception], None],
        doorbell: Doorbell | None = None,
        drain: bool = False,
    ) -> None:
        self._round = round
        self._retry = retry
        self._failed = failed
        self.doorbell = doorbell or Doorbell()
        self._drain = drain
        self._stopped = asyncio.Event()

    @property
    def stopping(self) -> bool:
        return self._stopped.is_set()

    async def run(self) -> None:
        """Run rounds until stopped; a failed round is passed to `failed`, then retried."""
        while self._drain or not self.stopping:
            try:
                wait = await self._round()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._failed(exc)
                if self.stopping:
                    return
                await self.pause(self._retry)
                continue
            if wait <= 0:
                continue
            if self.stopping:
                return
            await self.doorbell.wait(wait)

    async def pause(self, seconds: float) -> None:
        """Wait `seconds` inside a round, cut short only by stopping (not by the doorbell)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopped.wait()

    def stop(self) -> None:
        """Let the round in progress finish (and, with `drain`, what is left), then return."""
        self._stopped.set()
        self.doorbell.ring()


__all__ = ["Round", "SupervisedLoop"]
