"""Intake: webhook deliveries that arrive together are written to the inbox in one transaction.

In a burst Meta opens many connections at once. Written one by one, each delivery waits for
all the transactions before it; gathered, whatever is waiting goes in a single transaction
(a group commit). Every request is answered only after the transaction holding its events has
committed, so nothing is acknowledged that is not durable. A batch that fails is retried one
delivery at a time, so one bad delivery cannot fail the others with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from datetime import datetime

from bot.doorbell import Doorbell
from bot.inbox import Inbox
from bot.instagram import InboundEvent

log = logging.getLogger(__name__)

_Delivery = tuple[Sequence[InboundEvent], datetime, "asyncio.Future[int]"]


class Intake:
    def __init__(self, inbox: Inbox, doorbell: Doorbell, *, max_events: int = 5000) -> None:
        self._inbox = inbox
        self._doorbell = doorbell
        self._max_events = max_events
        self._waiting: deque[_Delivery] = deque()
        self._arrived = asyncio.Event()
        self._closed = False

    async def submit(self, events: Sequence[InboundEvent], received_at: datetime) -> int:
        """Store one delivery's events durably; how many were new (not duplicates).

        Raises whatever the database raised when they could not be stored.
        """
        if self._closed:
            raise RuntimeError("the intake is closed")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append((events, received_at, future))
        self._arrived.set()
        return await future

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

    def _take(self) -> list[_Delivery]:
        batch: list[_Delivery] = []
        size = 0
        while self._waiting and (not batch or size + len(self._waiting[0][0]) <= self._max_events):
            delivery = self._waiting.popleft()
            batch.append(delivery)
            size += len(delivery[0])
        return batch

    async def _write(self, batch: Sequence[_Delivery]) -> None:
        try:
            counts = await self._inbox.append_deliveries([(e, at) for e, at, _ in batch])
        except Exception as exc:
            if len(batch) > 1:
                for delivery in batch:
                    await self._write([delivery])
                return
            _, _, future = batch[0]
            if not future.done():
                future.set_exception(exc)
            return
        if any(counts):
            self._doorbell.ring()
        for (_, _, future), count in zip(batch, counts, strict=True):
            if not future.done():
                future.set_result(count)


__all__ = ["Intake"]
