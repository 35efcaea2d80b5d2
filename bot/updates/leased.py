"""LeasedSender: the loop the email and SMS senders share.

Each round first turns rows whose sender died mid-send (`sending` past their lease) into
`unconfirmed` (the server may have taken them: never sent again), then sends one due row and
comes back after 1/rate seconds, or after `poll_seconds` when none was due. Subclasses say
which table holds the rows (`table`), how the next due row is leased (`_claim`, usually from
`_due`) and how a leased row is sent (`_deliver`, recording the outcome with `_settle`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, cast

from sqlalchemy import CursorResult, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pipeline.backoff import Backoff
from bot.pipeline.loop import SupervisedLoop
from foundation.database import within

log = logging.getLogger(__name__)


def _middle() -> float:
    return 0.5


# A failed row is tried again after 30 s, doubling up to 30 min, at most 8 times.
RETRY = Backoff(base=30.0, cap=1800.0, attempts=8)


@dataclass(frozen=True, slots=True)
class Pacing:
    """How a leased sender paces itself: rows per second, how long a claimed row is its own,
    how often it looks when nothing was due, and how failed rows are retried (`random` draws
    the backoff's jitter)."""

    rate: float = 1.0
    lease_seconds: float = 120.0
    poll_seconds: float = 5.0
    backoff: Backoff = RETRY
    random: Callable[[], float] = field(default=_middle)


DEFAULT_PACING = Pacing()


class LeasedSender:
    table: ClassVar[Any]
    """The ORM class of the rows: `state`, `reason`, `lease_token` and `lease_until` columns."""
    unfinished_states: ClassVar[tuple[str, ...]]
    """The states of the table's partial due index, stated by every read of the queue so that
    the index serves it (foundation/database.py, `within`)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        pacing: Pacing,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._interval = 1.0 / pacing.rate
        self._lease = timedelta(seconds=pacing.lease_seconds)
        self._poll = pacing.poll_seconds
        self._backoff = pacing.backoff
        self._random = pacing.random
        self._loop = SupervisedLoop(
            self._round, retry=pacing.poll_seconds, failed=self._round_failed
        )
        self.doorbell = self._loop.doorbell

    async def run(self) -> None:
        """Send due rows until stopped; trouble is logged and waited out."""
        await self._loop.run()

    def stop(self) -> None:
        self._loop.stop()

    def _round_failed(self, exc: Exception) -> None:
        log.error("%s: round failed; retrying", type(self).__name__, exc_info=exc)

    async def _round(self) -> float:
        await self.recover()
        return self._interval if await self.send_one() else self._poll

    async def send_one(self) -> bool:
        """Claim and send the next due row; False when none is due."""
        token = uuid.uuid4().hex
        row = await self._claim(token)
        if row is None:
            return False
        await self._deliver(row, token)
        return True

    async def _claim(self, token: str) -> Any | None:
        """The next due row, leased under `token`; None when none is due."""
        raise NotImplementedError

    async def _deliver(self, row: Any, token: str) -> None:
        """Send the leased row and record how it went (`_settle`)."""
        raise NotImplementedError

    def _due(self, session: AsyncSession, what: Any, now: datetime) -> Select[Any]:
        """Select `what` of the next queued row that is due; other senders skip it while it is
        locked (PostgreSQL)."""
        table = self.table
        due = (
            select(what)
            .where(
                within(table.state, self.unfinished_states, "queued"),
                table.next_attempt_at <= now,
            )
            .order_by(table.next_attempt_at, table.id)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        return due

    async def _settle(
        self,
        row_id: int,
        token: str,
        *,
        along: Callable[[AsyncSession], Awaitable[object]] | None = None,
        **values: Any,
    ) -> None:
        """Write `values` to a row still leased under `token`, and release the lease; `along`
        does its own writes in the same transaction (both are kept, or neither)."""
        table = self.table
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(table)
                .where(table.id == row_id, table.lease_token == token)
                .values(**values, lease_token=None, lease_until=None)
            )
            if along is not None:
                await along(session)

    async def recover(self, *, every_sending: bool = False) -> int:
        """Rows whose sender died mid-send become `unconfirmed` (never sent again)."""
        table = self.table
        interrupted = within(table.state, self.unfinished_states, "sending")
        if not every_sending:
            interrupted = interrupted & (table.lease_until < self._clock())
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(table)
                .where(interrupted)
                .values(state="unconfirmed", reason="interrupted", lease_token=None)
            )
            return int(cast(CursorResult[Any], result).rowcount)


__all__ = ["LeasedSender"]
