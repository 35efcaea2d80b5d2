"""Exponential backoff with jitter, for retrying sends and event handling."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays of base, base·factor, base·factor², … capped at `cap`, for `attempts` tries.

    Each delay is jittered into [delay/2, delay] ("equal jitter"): retries of many messages
    spread out instead of hitting Meta together, and none comes back sooner than half the step.
    """

    base: float = 1.0
    factor: float = 2.0
    cap: float = 300.0
    attempts: int = 6

    def delay(self, attempt: int, random: Callable[[], float]) -> float | None:
        """Seconds to wait after failed try number `attempt` (1-based); None: give up."""
        if attempt >= self.attempts:
            return None
        step = min(self.cap, self.base * self.factor ** (attempt - 1))
        return step / 2 + random() * step / 2


__all__ = ["Backoff"]
