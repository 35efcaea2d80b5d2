"""The spool as a table of the database itself: on PostgreSQL (and an in-memory SQLite).

A delivery is made durable as its signed body, one row, in a group commit, and Meta is
answered; the mover (bot/pipeline/spool.py) reads it into events later. A mover takes a batch
by leasing it (`taken_until`), so that several `wismo serve` processes on one database move
different batches, and a batch whose mover died is taken again once its lease runs out. A
batch is removed only after the inbox has its events; moved twice, the inbox's dedupe keys
make it harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from operator import attrgetter

from sqlalchemy import (
    LargeBinary,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot.pipeline.base import Base
from bot.pipeline.intake import Delivery, GroupCommit, Spooled
from foundation.columns import Id
from foundation.database import UtcDateTime, single_statement_sessions, table_of

Clock = Callable[[], datetime]


class SpooledDelivery(Base):
    """A webhook body acknowledged to Meta and not yet read into the inbox."""

    __tablename__ = "spooled_deliveries"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # Leased to a mover until then; NULL: nobody is moving it.
    taken_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


_SPOOLED = table_of(SpooledDelivery)
_APPEND = _SPOOLED.insert()
_NEXT = (
    select(_SPOOLED.c.id)
    .where(or_(_SPOOLED.c.taken_until.is_(None), _SPOOLED.c.taken_until < bindparam("now")))
    .order_by(_SPOOLED.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
_TAKE = (
    update(_SPOOLED)
    .where(_SPOOLED.c.id.in_(_NEXT))
    .values(taken_until=bindparam("until"))
    .returning(_SPOOLED.c.id, _SPOOLED.c.body, _SPOOLED.c.received_at)
)
_REMOVE = delete(_SPOOLED).where(_SPOOLED.c.id.in_(bindparam("ids", expanding=True)))
_COUNT = select(func.count()).select_from(_SPOOLED)

LEASE = timedelta(seconds=30)
"""How long a taken batch is a mover's: far longer than moving a batch takes (well under a
second), short enough that the batch of a process that died is moved soon after (by another
process, or by this one restarted). A mover slower than this only moves a batch twice."""


class SpoolTable:
    """Deliveries kept in `spooled_deliveries` until the mover has put them in the inbox."""

    def __init__(
        self,
        writes: async_sessionmaker[AsyncSession],
        moves: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        lease: timedelta = LEASE,
    ) -> None:
        """`writes` for the deliveries (the intake's own connection: acknowledging never
        queues behind a move or the workers), `moves` for the mover's reads and removals.

        Each of these units of work is one statement, so on PostgreSQL they run in autocommit
        (`single_statement_sessions`): a group commit is then one round trip, its many-row
        INSERT, which asyncpg sends as one batch ending in a single Sync, so the server runs it
        as one implicit transaction, all rows or none, committed (and flushed, with
        synchronous_commit) before the call returns.
        """
        self._writes = single_statement_sessions(writes)
        self._sessions = single_statement_sessions(moves)
        self._clock = clock
        self._lease = lease
        self._commit = GroupCommit(self._append)

    async def submit(self, delivery: Delivery) -> None:
        """Return once the delivery is durable (in a group commit with those waiting)."""
        await self._commit.submit(delivery)

    async def run(self) -> None:
        """Write what is submitted until `stop_accepting`, and what is waiting then."""
        await self._commit.run()

    def stop_accepting(self) -> None:
        self._commit.close()

    async def take(self, limit: int) -> list[Spooled]:
        """Lease the oldest `limit` deliveries no live mover holds; oldest first."""
        now = self._clock()
        parameters = {"now": now, "limit": limit, "until": now + self._lease}
        async with self._sessions() as session, session.begin():
            rows = (await session.execute(_TAKE, parameters)).all()
        return sorted((Spooled(id_, body, at) for id_, body, at in rows), key=attrgetter("id"))

    async def remove(self, ids: Sequence[int]) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(_REMOVE, {"ids": list(ids)})

    async def waiting(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(_COUNT) or 0) + self._commit.waiting()

    async def probe(self) -> None:
        """Nothing of its own: the table is in the database, which /healthz probes."""

    async def _append(self, deliveries: Sequence[Delivery]) -> None:
        rows = [{"received_at": d.received_at, "body": d.body} for d in deliveries]
        async with self._writes() as session, session.begin():
            await session.execute(_APPEND, rows)


__all__ = ["LEASE", "SpoolTable", "SpooledDelivery"]
