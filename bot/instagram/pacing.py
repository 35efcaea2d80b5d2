"""Pacing of Send API calls per Instagram account, under Meta's rate limit.

The limits are in docs/instagram.md, Rate limits.

A generic cell rate algorithm: each account has a "theoretical arrival time"; a call waits until
it is at most `burst` calls ahead of the steady rate. Reserving a slot never awaits, so
concurrent senders get distinct slots. Throttling answers from Meta pause an account outright.
The pace is per process: with several `wismo serve` processes, give each a share of the limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Pacer:
    def __init__(
        self,
        rate: float,
        *,
        burst: int = 10,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / rate
        self._tolerance = max(burst - 1, 0) * self._interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._paused_until: dict[str, float] = {}

    def reserve(self, account: str) -> float:
        """Take the account's next slot; returns how many seconds to wait before using it."""
        now = self._monotonic()
        arrival, start = self._slot(account, now)
        self._next[account] = max(arrival, start) + self._interval
        return start - now

    def reserve_within(self, account: str, limit: float) -> float | None:
        """Take the account's next slot if it comes within `limit` seconds, returning the wait;
        None, taking nothing, when it comes later (for calls useless once late: sender actions)."""
        now = self._monotonic()
        arrival, start = self._slot(account, now)
        if start - now > limit:
            return None
        self._next[account] = max(arrival, start) + self._interval
        return start - now

    def _slot(self, account: str, now: float) -> tuple[float, float]:
        arrival = max(self._next.get(account, now), now)
        return arrival, max(arrival - self._tolerance, now, self._paused_until.get(account, now))

    async def acquire(self, account: str) -> None:
        """Wait for the account's next slot."""
        delay = self.reserve(account)
        if delay > 0:
            await self._sleep(delay)

    def pause(self, account: str, seconds: float) -> None:
        """Send nothing for this account for `seconds` (Meta said it is throttling us)."""
        until = self._monotonic() + seconds
        self._paused_until[account] = max(self._paused_until.get(account, until), until)


__all__ = ["Pacer"]
