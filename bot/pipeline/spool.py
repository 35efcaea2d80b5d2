"""The spool: acknowledged webhook deliveries, kept as sent until the inbox has their events.

The webhook makes a delivery durable in the spool and answers Meta; the mover (`SpoolIntake`)
then reads the bodies into events and stores them in the inbox, in batches, after the answer.
Where the spool lives depends on the database: on a SQLite file, a file of its own (`Spool`,
below); on PostgreSQL, and an in-memory SQLite, a table (bot/pipeline/spool_table.py).

Why a file of its own on SQLite: SQLite has one writer per database file. Written straight
into the inbox, a delivery waits for whatever worker transaction holds the lock, and under
load that is most of the time (bench/README.md: ACK p99 over 100 ms at 20 questions/s). The
spool is a second SQLite file beside the database (`wismo.db` → `wismo.db-spool`) that only
the intake writes, from a thread of its own, so a delivery is durable, and Meta answered, in
one short transaction that never waits for the workers. The mover copies the spooled
deliveries into the inbox in batches and only after that commit removes them from the spool.
A crash between the two moves them again, which the inbox's dedupe keys make harmless:
nothing acknowledged is lost, nothing is handled twice.

While a burst of requests waits for its answers, the mover moves little (like the workers,
bot/pipeline/worker.py): the process's one core goes to acknowledging Meta first.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar

import sqlalchemy
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, bindparam, event
from sqlalchemy.engine import Connection, make_url

from bot.instagram.events import OFFLOAD_BYTES, InboundEvent, parse_webhook
from bot.pipeline.doorbell import Doorbell
from bot.pipeline.giving_way import GIVING_WAY_LIMIT, GIVING_WAY_SECONDS, GivingWay, Turn
from bot.pipeline.inbox import Inbox
from bot.pipeline.intake import BURST_WINDOW, Delivery, Spooled, Unanswered
from bot.pipeline.loop import SupervisedLoop
from foundation.database import SQLITE_LOCK_WAIT_SECONDS, sqlite_pragmas

log = logging.getLogger(__name__)

SUFFIX = "-spool"

_metadata = MetaData()
_deliveries = Table(
    "spooled_deliveries",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", String, nullable=False),
    Column("body", LargeBinary, nullable=False),
    # Marks the start-up probe's row (and rows an older release set aside): never moved.
    Column("refused", String, nullable=True),
)

# Built once, values bound per call (docs/architecture.md, "SQL built once"): the mover takes
# and removes a batch for every few deliveries.
_insert = _deliveries.insert()
_take = (
    sqlalchemy.select(_deliveries.c.id, _deliveries.c.body, _deliveries.c.received_at)
    .where(_deliveries.c.refused.is_(None))
    .order_by(_deliveries.c.id)
    .limit(bindparam("limit"))
)
_remove = _deliveries.delete().where(_deliveries.c.id.in_(bindparam("ids", expanding=True)))

_T = TypeVar("_T")
_Submitted = tuple[Delivery, "asyncio.Future[None]"]


def spool_path(database_url: str) -> Path | None:
    """The spool file of a SQLite database on disk; None for PostgreSQL and in-memory SQLite."""
    url = make_url(database_url)
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return Path(database + SUFFIX)


class Spooler(Protocol):
    """Where deliveries wait for the mover: the spool file or the spool table."""

    def submit(self, delivery: Delivery) -> Awaitable[None]:
        """Done once the delivery is durable; raises with why when it could not be."""
        ...

    async def run(self) -> None:
        """Whatever writing needs a task of its own, until `stop_accepting`."""
        ...

    def stop_accepting(self) -> None: ...

    async def take(self, limit: int) -> list[Spooled]:
        """The oldest `limit` deliveries not moved yet, in the order they arrived."""
        ...

    async def remove(self, ids: Sequence[int]) -> None: ...

    async def waiting(self) -> int: ...

    async def probe(self) -> None: ...


class Spool:
    """The spool file, used from one thread of its own so the event loop never waits on it."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wismo-spool")
        self._engine: sqlalchemy.Engine | None = None
        self._lock = threading.Lock()
        self._submitted: list[_Submitted] = []
        self._flushing = False
        self._accepting = asyncio.Event()

    def submit(self, delivery: Delivery) -> asyncio.Future[None]:
        """Spool one delivery; the future is done once it is durable, or failed with why not.

        Whatever was submitted while the spool thread wrote goes in its next transaction (a
        group commit), and the thread settles their futures with one call into the loop, so
        an acknowledgement costs the busy event loop as few turns as possible.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            self._submitted.append((delivery, future))
            start, self._flushing = not self._flushing, True
        if start:
            self._thread.submit(self._flush, loop)
        return future

    async def run(self) -> None:
        """Its writes run in its thread; this only waits for `stop_accepting`."""
        await self._accepting.wait()

    def stop_accepting(self) -> None:
        self._accepting.set()

    async def open(self) -> None:
        await self._call(self._open)

    async def append(self, deliveries: Sequence[Delivery]) -> None:
        """Write the deliveries in one transaction."""
        await self._call(self._append, deliveries)

    async def take(self, limit: int) -> list[Spooled]:
        """The oldest `limit` deliveries not moved yet, in the order they arrived."""

        def read(connection: Connection) -> list[Spooled]:
            rows = connection.execute(_take, {"limit": limit})
            return [Spooled(i, body, datetime.fromisoformat(at)) for i, body, at in rows]

        return await self._call(self._transaction, read)

    async def remove(self, ids: Sequence[int]) -> None:
        await self._call(self._transaction, lambda c: c.execute(_remove, {"ids": list(ids)}))

    async def probe(self) -> None:
        """Raise when the spool cannot commit a write now (read-only file, full disk): a row
        added and removed in one committed transaction, so the journal is written."""
        probe = {"received_at": "", "body": b"", "refused": "probe"}
        added = _deliveries.insert().values(probe)
        removed = _deliveries.delete().where(_deliveries.c.refused == "probe")

        def write(connection: Connection) -> None:
            connection.execute(added)
            connection.execute(removed)

        await self._call(self._transaction, write)

    async def waiting(self) -> int:
        statement = (
            sqlalchemy.select(sqlalchemy.func.count())
            .select_from(_deliveries)
            .where(_deliveries.c.refused.is_(None))
        )
        return int(await self._call(self._transaction, lambda c: c.execute(statement).scalar()))

    async def close(self) -> None:
        await self._call(self._dispose)
        self._thread.shutdown(wait=True)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            with self._lock:
                batch, self._submitted = self._submitted, []
                if not batch:
                    self._flushing = False
                    return
            outcomes = self._write([delivery for delivery, _ in batch])
            loop.call_soon_threadsafe(_settle, batch, outcomes)

    def _write(self, deliveries: Sequence[Delivery]) -> list[Exception | None]:
        """Write all in one transaction; when that fails, each alone, so one cannot fail all."""
        try:
            self._append(deliveries)
            return [None] * len(deliveries)
        except Exception as exc:
            if len(deliveries) == 1:
                return [exc]
        outcomes: list[Exception | None] = []
        for delivery in deliveries:
            try:
                self._append([delivery])
                outcomes.append(None)
            except Exception as exc:
                outcomes.append(exc)
        return outcomes

    def _append(self, deliveries: Sequence[Delivery]) -> None:
        rows = [{"received_at": d.received_at.isoformat(), "body": d.body} for d in deliveries]
        self._transaction(lambda c: c.execute(_insert, rows))

    async def _call(self, function: Callable[..., _T], *args: object) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    def _open(self) -> None:
        engine = sqlalchemy.create_engine(
            f"sqlite:///{self._path}",
            pool_size=1,
            max_overflow=0,
            connect_args={"timeout": SQLITE_LOCK_WAIT_SECONDS},
            hide_parameters=True,  # the bodies are buyers' messages: never in a log or error
        )
        event.listen(engine, "connect", sqlite_pragmas)
        _metadata.create_all(engine)
        self._engine = engine

    def _transaction(self, work: Callable[[Connection], _T]) -> _T:
        if self._engine is None:
            raise RuntimeError("the spool is not open")
        with self._engine.begin() as connection:
            return work(connection)

    def _dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _settle(batch: Sequence[_Submitted], outcomes: Sequence[Exception | None]) -> None:
    for (_, future), outcome in zip(batch, outcomes, strict=True):
        if future.done():
            continue
        if outcome is None:
            future.set_result(None)
        else:
            future.set_exception(outcome)


class SpoolIntake:
    """The webhook's intake: deliveries into the spool, then moved into the inbox.

    `run` writes and moves until closed, then writes and moves what is left and returns. A
    database error leaves the deliveries in the spool and is retried after `retry_seconds`.
    """

    def __init__(
        self,
        spool: Spooler,
        inbox: Inbox,
        inbox_doorbell: Doorbell,
        *,
        batch: int = 500,
        batch_giving_way: int = 50,
        giving_way_seconds: float = GIVING_WAY_SECONDS,
        giving_way_limit: float = GIVING_WAY_LIMIT,
        yield_to: Callable[[], bool] | None = None,
        burst_window: float = BURST_WINDOW,
        retry_seconds: float = 1.0,
    ) -> None:
        """`yield_to` says when to give way (by default: in a burst, `backlogged`)."""
        self._spool = spool
        self._inbox = inbox
        self._inbox_doorbell = inbox_doorbell
        self._batch = batch
        self._batch_giving_way = batch_giving_way
        self._giving_way_seconds = giving_way_seconds
        self._retry = retry_seconds
        self._spooled = Doorbell()
        self._unanswered = Unanswered(window=burst_window)
        self._giving_way = GivingWay(yield_to or self.backlogged, limit=giving_way_limit)
        self._taken: list[Spooled] = []
        self._loop = SupervisedLoop(
            self._round,
            retry=retry_seconds,
            failed=_move_failed,
            doorbell=self._spooled,
            drain=True,
        )

    async def submit(self, delivery: Delivery) -> None:
        """Make one delivery durable in the spool."""
        with self._unanswered.waiting():
            await self._spool.submit(delivery)
        self._spooled.ring()

    async def waiting(self) -> int:
        return await self._spool.waiting()

    def backlogged(self) -> bool:
        return self._unanswered.burst()

    async def probe(self) -> None:
        await self._spool.probe()

    async def run(self) -> None:
        mover = asyncio.create_task(self._loop.run(), name="spool-mover")
        try:
            await self._spool.run()
        finally:
            # Written: what was submitted is in the spool. Moved: what is in the spool.
            self._loop.stop()
            await mover

    def close(self) -> None:
        """Write and move what is submitted, then let `run` return."""
        self._spool.stop_accepting()

    async def _round(self) -> float:
        turn = Turn.WORK if self._loop.stopping else self._giving_way.turn()
        if turn is not Turn.WORK:
            # Moving is work the workers' answers follow: none while Meta waits for answers,
            # a few at a time in a burst that goes on (bot/pipeline/giving_way.py). A pause,
            # not a wait on the doorbell: every delivery of the burst rings it.
            if turn is Turn.SHARE:
                await self._move(self._batch_giving_way)
            await self._loop.pause(self._giving_way_seconds)
            return 0.0
        # A full batch may have left more behind: go on at once. Otherwise what arrives next
        # rings the doorbell (no read that finds nothing); another process spooling into the
        # same place is picked up by looking again now and then.
        return 0.0 if await self._move(self._batch) == self._batch else self._retry

    async def _move(self, limit: int) -> int:
        # A batch whose move failed half-way (the inbox may have it, the spool still does) is
        # moved again before anything else: the spool table leases what it hands out, so it
        # would not hand the batch out again before the lease ends.
        batch = self._taken or await self._spool.take(limit)
        if not batch:
            return 0
        self._taken = batch
        # parse_webhook raises for no body: one it cannot use becomes an IGNORED event.
        deliveries = [(await _parse(spooled), spooled.received_at) for spooled in batch]
        counts = await self._inbox.append_deliveries(deliveries)
        await self._spool.remove([spooled.id for spooled in batch])
        self._taken = []
        if any(counts):
            self._inbox_doorbell.ring()
        return len(batch)


def _move_failed(exc: Exception) -> None:
    log.error("spool: cannot move deliveries into the inbox (%s)", type(exc).__name__)


async def _parse(spooled: Spooled) -> list[InboundEvent]:
    if len(spooled.body) > OFFLOAD_BYTES:
        return await asyncio.to_thread(parse_webhook, spooled.body, spooled.received_at)
    return parse_webhook(spooled.body, spooled.received_at)


__all__ = ["SUFFIX", "Spool", "SpoolIntake", "Spooled", "Spooler", "spool_path"]
