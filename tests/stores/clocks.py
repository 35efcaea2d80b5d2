"""A controllable clock for stores tests: wall time, monotonic time and a sleep that only records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeTime:
    """`now` and `monotonic` advance only when told or when `sleep` is awaited."""

    def __init__(self, start: datetime = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)) -> None:
        self.current = start
        self.elapsed = 0.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.elapsed

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds
        self.current += timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)
