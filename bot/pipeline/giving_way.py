"""Giving way to the webhook's intake: strict priority for acknowledging Meta, with a bound.

Workers, the sender and the spool's mover share one event loop (one core, the GIL) with the
webhook. While a burst of deliveries arrives, every turn they take is a turn the intake waits
for, and Meta waits with it: so during a burst they start nothing new at all. Work already
started finishes; what the burst leaves behind is worked off as soon as it is over.

A burst that never ends (more deliveries than a process can take, for longer than a moment)
must not stop the answers altogether: after `GIVING_WAY_LIMIT` seconds of giving way in a
row, each of them takes one step of work and gives way again, so a process swamped for good
still answers at a bounded share of its time.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable

GIVING_WAY_SECONDS = 0.05
"""How soon one that gave way looks again (nothing rings it when the burst is over)."""

GIVING_WAY_LIMIT = 1.0
"""The longest it gives way in a row before one step of work. A flood of Meta's retries
after an outage (the burst this is for) is acknowledged within a second or two."""


class Turn(enum.Enum):
    """What a worker or the mover may do now."""

    WORK = "work"
    """No burst: work at full pace."""
    HOLD = "hold"
    """A burst: start nothing; look again after GIVING_WAY_SECONDS."""
    STEP = "step"
    """A burst that has lasted GIVING_WAY_LIMIT: one step of work, then hold again."""


class GivingWay:
    """One worker's (or the mover's) view of `burst`: HOLD while it lasts, but a STEP after
    `limit` seconds of holding in a row. Each of them needs its own: a step is theirs."""

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
        self._holding_since: float | None = None

    def turn(self) -> Turn:
        if not self._burst():
            self._holding_since = None
            return Turn.WORK
        now = self._clock()
        if self._holding_since is None:
            self._holding_since = now
        if now - self._holding_since < self._limit:
            return Turn.HOLD
        self._holding_since = now
        return Turn.STEP


__all__ = ["GIVING_WAY_LIMIT", "GIVING_WAY_SECONDS", "GivingWay", "Turn"]
