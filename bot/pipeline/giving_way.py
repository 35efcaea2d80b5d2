"""Giving way to the webhook's intake: strict priority for acknowledging Meta, with a bound.

Workers, the sender and the spool's mover share one event loop (one core, the GIL) with the
webhook. While a burst of deliveries arrives, every turn they take is a turn the intake waits
for, and Meta waits with it: so during a burst they start nothing new at all. Work already
started finishes; what the burst leaves behind is worked off as soon as it is over.

A burst that goes on (more deliveries than a process can take, for longer than a moment) must
not stop the answers: after `GIVING_WAY_LIMIT` seconds of holding, they share the loop with the
intake for as long again (the workers at full concurrency, the mover in small batches with a
pause between), then hold again. A process swamped for good still gives about half its time to
answers, and acknowledges Meta within tens of milliseconds meanwhile.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable

GIVING_WAY_SECONDS = 0.05
"""How soon one that gave way looks again (nothing rings it when the burst is over)."""

GIVING_WAY_LIMIT = 1.0
"""The longest it holds in a row, and how long it then shares. A flood of Meta's retries after
an outage (the burst this is for) is mostly acknowledged within that second."""


class Turn(enum.Enum):
    """What a worker or the mover may do now."""

    WORK = "work"
    """No burst: work at full pace."""
    HOLD = "hold"
    """A burst: start nothing; look again after GIVING_WAY_SECONDS."""
    SHARE = "share"
    """A burst that has lasted GIVING_WAY_LIMIT: work beside the intake (the workers at full
    concurrency, the mover a few deliveries at a time)."""


class GivingWay:
    """One worker's (or the mover's) view of `burst`: HOLD while it lasts, for `limit` seconds
    at most, then SHARE for `limit` seconds, and so on. Each of them needs its own."""

    def __init__(
        self,
        burst: Callable[[], bool],
        *,
        limit: float = GIVING_WAY_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._burst = burst
        self._limit = limit
        self._clock = clock
        self._burst_since: float | None = None

    def turn(self) -> Turn:
        if not self._burst():
            self._burst_since = None
            return Turn.WORK
        now = self._clock()
        if self._burst_since is None:
            self._burst_since = now
        # Hold for one limit, share for the next, hold again...
        elapsed = now - self._burst_since
        holding = self._limit > 0 and elapsed % (2 * self._limit) < self._limit
        return Turn.HOLD if holding else Turn.SHARE


__all__ = ["GIVING_WAY_LIMIT", "GIVING_WAY_SECONDS", "GivingWay", "Turn"]
