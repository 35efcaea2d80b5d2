"""WriteGate: one SQLite writer at a time within a process, queued in priority order.

SQLite lets one connection write at a time. Connections that find the database locked sleep
in SQLite's busy handler (1, 2, 5 … up to 100 ms between tries), are never woken when the lock
is freed, and are served in no order: under load the webhook's inbox write could lose that race
for hundreds of milliseconds to the workers' writes (measured in bench/README.md). Inside one
process the gate replaces that race with a queue: a connection takes the gate just before its
first write (where SQLite takes its lock) and gives it back when its transaction ends, and
waiting writers are woken in priority order, the intake first. Other processes on the same file
(a CLI command while serving) still meet SQLite's busy handler, as before.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

from foundation.database import SQLITE_LOCK_WAIT_SECONDS

INTAKE = 0
"""The webhook's inbox write: Meta is waiting for the answer."""
WORKERS = 1
"""Everything else: the workers, the console, the tracking service."""

# As long as SQLite's own busy timeout: a writer that waits longer than this gets an error, as
# it would from SQLite, rather than hanging.
WAIT_SECONDS = SQLITE_LOCK_WAIT_SECONDS

# The statements before which Python's sqlite3 opens a transaction, which takes the lock.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

_Waiter = tuple[int, int, "asyncio.Future[None]", object]


class WriteGateTimeout(TimeoutError):
    """A write waited longer than SQLite itself would have for the database lock."""


class WriteGate:
    """An asyncio lock whose waiters are served lowest priority number first, then in order."""

    def __init__(self, *, wait_seconds: float = WAIT_SECONDS) -> None:
        self._wait_seconds = wait_seconds
        self._holder: object | None = None
        self._waiting: list[_Waiter] = []
        self._order = itertools.count()

    def held_by(self, holder: object) -> bool:
        return self._holder is holder

    async def acquire(self, holder: object, priority: int) -> None:
        """Hold the gate for `holder`; raises WriteGateTimeout after `wait_seconds`."""
        if self._holder is None and not self._waiting:
            self._holder = holder
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), granted, holder))
        try:
            async with asyncio.timeout(self._wait_seconds):
                await granted
        except BaseException as exc:
            if granted.done() and not granted.cancelled():
                # Granted in the same moment the wait was given up: pass it on.
                self.release(holder)
            else:
                granted.cancel()
            if isinstance(exc, TimeoutError):
                raise WriteGateTimeout(
                    f"waited {self._wait_seconds:.0f} s for the SQLite write lock"
                ) from exc
            raise

    def release(self, holder: object) -> None:
        """Give the gate to the first waiter; nothing when `holder` does not hold it."""
        if self._holder is not holder:
            return
        self._holder = None
        while self._waiting:
            _, _, granted, waiter = heapq.heappop(self._waiting)
            if not granted.done():
                self._holder = waiter
                granted.set_result(None)
                return


def _is_write(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(_WRITES)


def gate_writes(engine: AsyncEngine, gate: WriteGate, priority: int) -> None:
    """Make every write transaction of `engine` hold `gate` from its first write to its end.

    A connection is known by its pool entry's `info` dict, which the pool events and the
    connection's events share, so a connection invalidated mid-transaction still frees the gate
    when it goes back to the pool.
    """
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _take(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        holder = conn.info
        if _is_write(statement) and not gate.held_by(holder):
            # Events run inside SQLAlchemy's greenlet, where the async driver's own awaits run.
            await_only(gate.acquire(holder, priority))

    def _end(conn: Any) -> None:
        gate.release(conn.info)

    def _returned(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        gate.release(record.info)

    event.listen(sync_engine, "commit", _end)
    event.listen(sync_engine, "rollback", _end)
    event.listen(sync_engine.pool, "checkin", _returned)
    event.listen(sync_engine.pool, "invalidate", _returned)


__all__ = ["INTAKE", "WORKERS", "WriteGate", "WriteGateTimeout", "gate_writes"]
