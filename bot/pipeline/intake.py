"""Intake: webhook deliveries that arrive together are stored in one transaction.

In a burst Meta opens many connections at once. Written one by one, each delivery waits for
all the transactions before it; gathered, whatever is waiting goes in a single transaction
(a group commit). Every request is answered only after the transaction holding its events has
committed, so nothing is acknowledged that is not durable. A batch that fails is retried one
delivery at a time, so one bad delivery cannot fail the others with it.

That is `GroupCommit`, the intake on PostgreSQL. On SQLite the intake is the spool
(bot/pipeline/spool.py): the same group commit into a file of its own, moved into the inbox right
after, so that acknowledging Meta never waits for the workers' writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.instagram.events import InboundEvent
from bot.pipeline.doorbell import Doorbell
from bot.pipeline.inbox import Inbox

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One verified webhook body, its events, and when it arrived."""

    body: bytes
    events: Sequence[InboundEvent]
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
        """Whether a burst of deliveries is waiting to be made durable (the workers then give
        way): at least BURST requests waiting for their answer at once."""
        ...


_Waiting = tuple[Delivery, "asyncio.Future[None]"]

BURST = 4
"""Requests waiting for their answer at once that make a burst. One or two at a time is the
steady traffic of a busy shop, our own replies' echoes included: the workers keep their pace
then (giving way at every echo cut a PostgreSQL service's replies to a third)."""


class Unanswered:
    """Counts the requests waiting for their delivery to be made durable, for `backlogged`."""

    def __init__(self) -> None:
        self._count = 0

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        self._count += 1
        try:
            yield
        finally:
            self._count -= 1

    def burst(self) -> bool:
        return self._count >= BURST


class GroupCommit:
    """The intake on PostgreSQL: waiting deliveries go into the inbox in one transaction."""

    def __init__(self, inbox: Inbox, doorbell: Doorbell, *, max_events: int = 5000) -> None:
        self._inbox = inbox
        self._doorbell = doorbell
        self._max_events = max_events
        self._waiting: deque[_Waiting] = deque()
        self._arrived = asyncio.Event()
        self._closed = False
        self._unanswered = Unanswered()

    async def submit(self, delivery: Delivery) -> None:
        """Store one delivery durably; raises whatever the store raised when it could not."""
        if self._closed:
            raise RuntimeError("the intake is closed")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery, future))
        self._arrived.set()
        with self._unanswered.waiting():
            await future

    async def waiting(self) -> int:
        return len(self._waiting)

    def backlogged(self) -> bool:
        return self._unanswered.burst()

    async def probe(self) -> None:
        """Nothing of its own: it writes the inbox, whose database /healthz probes."""

    async def run(self) -> None:
        """Write waiting deliveries until closed; then write what is still waiting and stop."""
        while True:
            if not self._waiting:
                if self._closed:
                    return
                self._arrived.clear()
                await self._arrived.wait()
                continue
            batch = self._take()
            await self._write(batch)

    def close(self) -> None:
        """Accept nothing new; `run` returns once everything waiting is written."""
        self._closed = True
        self._arrived.set()

    def _take(self) -> list[_Waiting]:
        batch: list[_Waiting] = []
        size = 0
        while self._waiting and (
            not batch or size + len(self._waiting[0][0].events) <= self._max_events
        ):
            waiting = self._waiting.popleft()
            batch.append(waiting)
            size += len(waiting[0].events)
        return batch

    async def _write(self, batch: Sequence[_Waiting]) -> None:
        try:
            counts = await self._inbox.append_deliveries(
                [(delivery.events, delivery.received_at) for delivery, _ in batch]
            )
        except Exception as exc:
            if len(batch) > 1:
                for waiting in batch:
                    await self._write([waiting])
                return
            _, future = batch[0]
            if not future.done():
                future.set_exception(exc)
            return
        if any(counts):
            self._doorbell.ring()
        for _, future in batch:
            if not future.done():
                future.set_result(None)


__all__ = ["BURST", "Delivery", "GroupCommit", "Intake", "Unanswered"]
