"""Intake: what the webhook hands a verified delivery to before answering Meta.

A delivery is the signed body as it came, not yet read: reading it into events (JSON, the
models, dedupe keys) is left to the spool's mover (bot/pipeline/spool.py), after Meta has its
answer, so that acknowledging costs little more than checking the signature.

In a burst Meta opens many connections at once. Written one by one, each delivery waits for
all the transactions before it; gathered by `GroupCommit`, whatever is waiting goes in a single
transaction. Every request is answered only after the transaction holding its delivery has
committed, so nothing is acknowledged that is not durable. A batch that fails is retried one
delivery at a time, so one bad delivery cannot fail the others with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One verified webhook body, as sent, and when it arrived."""

    body: bytes
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Spooled:
    """A delivery kept in a spool (bot/pipeline/spool.py), by its place there."""

    id: int
    body: bytes
    received_at: datetime


class Intake(Protocol):
    """Where the webhook hands a verified delivery before answering Meta."""

    async def submit(self, delivery: Delivery) -> None:
        """Return once the delivery is durable; raise when it could not be stored."""
        ...

    async def waiting(self) -> int:
        """Deliveries submitted but not in the inbox yet."""
        ...

    async def probe(self) -> None:
        """Raise when a delivery could not be made durable now (for /healthz and start-up)."""
        ...

    def backlogged(self) -> bool:
        """Whether a burst of deliveries is arriving (the workers then give way): at least
        BURST requests waiting for their answer at once, or arrived within BURST_WINDOW."""
        ...


_Waiting = tuple[Delivery, "asyncio.Future[None]"]

BURST = 4
"""Requests at once that make a burst. One or two at a time is the steady traffic of a busy
shop, our own replies' echoes included: the workers keep their pace then (giving way at every
echo cut a PostgreSQL service's replies to a third)."""

BURST_WINDOW = 0.05
"""Seconds within which BURST arrivals make a burst (80 a second, several times what a
process answers): a busy event loop reads a flood's requests in clumps, each written at once,
so that few of them are ever seen waiting together."""


class Unanswered:
    """The requests waiting for their delivery to be made durable, and when the last BURST
    arrived, for `backlogged`."""

    def __init__(self, *, window: float = BURST_WINDOW) -> None:
        self._count = 0
        self._window = window
        self._arrivals: deque[float] = deque(maxlen=BURST)

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        self._arrivals.append(time.monotonic())
        self._count += 1
        try:
            yield
        finally:
            self._count -= 1

    def burst(self) -> bool:
        if self._count >= BURST:
            return True
        arrivals = self._arrivals
        return len(arrivals) == BURST and time.monotonic() - arrivals[0] < self._window


class GroupCommit:
    """Gathers the deliveries waiting to be written and writes them with one call of `write`
    (one transaction); each `submit` returns once its delivery's write has committed."""

    def __init__(
        self, write: Callable[[Sequence[Delivery]], Awaitable[None]], *, max_deliveries: int = 1000
    ) -> None:
        self._write_all = write
        self._max_deliveries = max_deliveries
        self._waiting: deque[_Waiting] = deque()
        self._arrived = asyncio.Event()
        self._closed = False

    async def submit(self, delivery: Delivery) -> None:
        """Write one delivery durably; raises whatever the write raised when it could not."""
        if self._closed:
            raise RuntimeError("the intake is closed")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery, future))
        self._arrived.set()
        await future

    def waiting(self) -> int:
        return len(self._waiting)

    async def run(self) -> None:
        """Write waiting deliveries until closed; then write what is still waiting and stop."""
        while True:
            if not self._waiting:
                if self._closed:
                    return
                self._arrived.clear()
                await self._arrived.wait()
                continue
            batch = [
                self._waiting.popleft()
                for _ in range(min(len(self._waiting), self._max_deliveries))
            ]
            await self._write(batch)

    def close(self) -> None:
        """Accept nothing new; `run` returns once everything waiting is written."""
        self._closed = True
        self._arrived.set()

    async def _write(self, batch: Sequence[_Waiting]) -> None:
        try:
            await self._write_all([delivery for delivery, _ in batch])
        except Exception as exc:
            if len(batch) > 1:
                for waiting in batch:
                    await self._write([waiting])
                return
            _, future = batch[0]
            if not future.done():
                future.set_exception(exc)
            return
        for _, future in batch:
            if not future.done():
                future.set_result(None)


__all__ = ["BURST", "BURST_WINDOW", "Delivery", "GroupCommit", "Intake", "Spooled", "Unanswered"]
