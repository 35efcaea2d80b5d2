"""SQLAlchemy's aiosqlite driver, each statement one trip to aiosqlite's thread instead of four.

aiosqlite runs a sqlite3 connection in a thread of its own: every call is queued to that thread
and its result handed back to the event loop (`call_soon_threadsafe`, which wakes the loop
through its self-pipe). SQLAlchemy's adapter (`sqlalchemy.dialects.sqlite.aiosqlite`) makes
four such calls per statement: open a cursor, execute, fetch all rows, close the cursor, and one
more for the rollback with which the pool takes back a connection whose transaction was already
committed. Here the four run as one function in aiosqlite's thread, and a commit or rollback with
no transaction open (where sqlite3 itself does nothing) does not go to the thread at all
(docs/architecture.md, "Few round trips per question"). Everything else (connecting,
server-side cursors, errors and their translation, the engine's URL) is SQLAlchemy's and
aiosqlite's own.

It relies on two private parts of aiosqlite (0.20-0.22): `Connection._execute(function,
*args)`, which runs a function in the connection's thread and awaits its result, and
`Connection._conn`, the sqlite3 connection (or ValueError "no active connection" once
closed). SQLAlchemy's adapter itself uses its `_tx` queue and `_conn`;
`tests/foundation/test_sqlite_driver.py` fails if either changes.

On the event loop (`on_loop=True`, the default): the trip itself then costs more than the
statement. A question's dozen indexed statements and half a dozen commits took 1.5–2 ms of CPU
in the hops alone (a futex wake, a GIL hand-over and the loop's self-pipe, each way), a sixth
of the question (bench/README.md, "cost"). So each statement and commit runs on the event
loop's own thread, with SQLite's busy timeout at zero: it never waits there. Within the process
nothing makes it wait (writers take turns through the write gate, bot/pipeline/write_gate.py,
and WAL readers never block); when another process holds the write lock (a CLI import while
serving), SQLite answers SQLITE_BUSY at once and the same call goes to aiosqlite's thread to
wait there with the connection's own timeout, while the loop goes on. A many-row
`executemany` (more than MAX_ROWS_ON_LOOP) runs in the thread too, and so does the WAL's
checkpoint: SQLite would run it in the commit that takes the WAL past 1000 pages, copying them
into the database and syncing both files, on the loop; these connections turn that off and,
after a commit that leaves more than WAL_CHECKPOINT_PAGES in the WAL, checkpoint in the thread.
Work whose statements may read many rows (the console's searches, the daily sweeps) belongs on
an engine made with `on_loop=False`, where every statement goes to the thread as before
(docs/architecture.md, "SQLite statements on the event loop").
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable, Sequence, Sized
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

log = logging.getLogger(__name__)

MAX_ROWS_ON_LOOP = 64
"""An `executemany` of more rows than this runs in aiosqlite's thread even on the loop."""

WAL_CHECKPOINT_PAGES = 1000
"""SQLite's own automatic checkpoint threshold, kept: pages in the WAL after which a commit on
the loop is followed by a checkpoint in aiosqlite's thread."""

_SQLITE_BUSY = 5  # the primary result code; SQLITE_BUSY_SNAPSHOT and kin carry it in the low byte

_Description = Any
_Outcome = tuple[_Description, list[Any] | None, int | None, int]
_Statement = Callable[[sqlite3.Connection, str, Any], _Outcome]


def _execute(
    connection: sqlite3.Connection, operation: str, parameters: Sequence[Any] | None
) -> _Outcome:
    """In aiosqlite's thread: what the adapter's four calls would have left on its cursor."""
    cursor = connection.cursor()
    try:
        cursor.execute(operation, [] if parameters is None else parameters)
        if cursor.description:
            return cursor.description, cursor.fetchall(), -1, -1
        return None, None, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _executemany(
    connection: sqlite3.Connection, operation: str, rows: Sequence[Sequence[Any]]
) -> _Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, rows)
        return None, None, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _commit(connection: sqlite3.Connection, _operation: str, _parameters: Any) -> _Outcome:
    connection.commit()
    return None, None, None, -1


def _checkpoint(connection: sqlite3.Connection, _operation: str, _parameters: Any) -> _Outcome:
    # PASSIVE: copies what no reader still needs and never waits for a lock.
    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    return None, None, None, -1


def _waiting(
    wait_ms: int, work: _Statement, connection: sqlite3.Connection, operation: str, parameters: Any
) -> _Outcome:
    """In aiosqlite's thread: `work` with SQLite's busy timeout at `wait_ms`, then zero again."""
    connection.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
    try:
        return work(connection, operation, parameters)
    finally:
        connection.execute("PRAGMA busy_timeout=0")


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == _SQLITE_BUSY


async def _on_loop_first(
    adapted: OnLoopConnection,
    work: _Statement,
    connection: sqlite3.Connection,
    operation: str,
    parameters: Any,
) -> _Outcome:
    """`work` on the event loop; when the database is locked by someone else, in aiosqlite's
    thread, waiting there as long as the connection's busy timeout allows."""
    try:
        return work(connection, operation, parameters)
    except sqlite3.OperationalError as error:
        if not _is_busy(error):
            raise
    # Nothing ran: SQLite answers SQLITE_BUSY before it changes anything, and a statement (or
    # COMMIT) that met it may be run again.
    log.debug("the database is locked by another connection; waiting in the driver's thread")
    return await adapted._connection._execute(  # type: ignore[no-any-return]
        _waiting, adapted.lock_wait_ms, work, connection, operation, parameters
    )


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """The adapter's buffered cursor, each statement run in one call to aiosqlite's thread."""

    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._run(_execute, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._run(_executemany, operation, seq_of_parameters)

    def _run(self, function: _Statement, operation: Any, parameters: Any) -> None:
        try:
            # `_conn` raises "no active connection" once closed, as the adapter's cursor() did.
            connection = self._connection._conn
            adapted = self._adapt_connection
            outcome: Awaitable[Any]
            if isinstance(adapted, OnLoopConnection) and (
                function is _execute
                or (isinstance(parameters, Sized) and len(parameters) <= MAX_ROWS_ON_LOOP)
            ):
                outcome = _on_loop_first(adapted, function, connection, operation, parameters)
            else:
                outcome = self._connection._execute(function, connection, operation, parameters)
            description, rows, lastrowid, rowcount = self.await_(outcome)
        except Exception as error:
            # Translated as the adapter translates it (a closed connection is a disconnect).
            self._adapt_connection._handle_exception(error)
        self.description = description
        self.lastrowid = lastrowid
        self.rowcount = rowcount
        self._rows.clear()
        if rows is not None:
            self._rows.extend(rows)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """The adapter's connection with one-trip cursors, and no trip for a commit or rollback
    with no transaction open.

    sqlite3's own `commit()` and `rollback()` do nothing then (they check
    `sqlite3_get_autocommit`, which `in_transaction` reads); the pool rolls back every
    connection it gets back whose transaction SQLAlchemy did not end itself, which includes
    every one committed before it was closed, so most units of work paid a trip for that.
    """

    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if server_side:
            return super().cursor(server_side=True)
        return OneHopCursor(self)

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def _in_transaction(self) -> bool:
        try:
            # Read on the event loop: every call into aiosqlite's thread has returned by now.
            return bool(self._connection._conn.in_transaction)
        except ValueError:
            return True  # closed: the call fails as it always did (a disconnect)


class OnLoopConnection(OneHopConnection):
    """A OneHopConnection whose statements and commits run on the event loop, never waiting
    there for a lock (see the module docstring)."""

    __slots__ = ("_wal", "_wal_limit", "lock_wait_ms")

    def __init__(self, dbapi: Any, connection: Any, lock_wait_ms: int) -> None:
        super().__init__(dbapi, connection)
        self.lock_wait_ms = lock_wait_ms
        """How long a statement that met another process's lock waits, in the thread."""
        sqlite = connection._conn
        page_size = int(sqlite.execute("PRAGMA page_size").fetchone()[0])
        files = {row[1]: row[2] for row in sqlite.execute("PRAGMA database_list")}
        self._wal = f"{files['main']}-wal" if files.get("main") else None  # None: in memory
        self._wal_limit = WAL_CHECKPOINT_PAGES * page_size
        sqlite.execute("PRAGMA wal_autocheckpoint=0")
        # A WAL started again after a checkpoint is cut back to the limit, so its size tells
        # when it has grown past it.
        sqlite.execute(f"PRAGMA journal_size_limit={self._wal_limit}")
        sqlite.execute("PRAGMA busy_timeout=0")

    def commit(self) -> None:
        if not self._in_transaction():
            return
        try:
            self.await_(_on_loop_first(self, _commit, self._connection._conn, "COMMIT", None))
        except Exception as error:
            self._handle_exception(error)
        if self._wal is not None and _size(self._wal) > self._wal_limit:
            try:
                self.await_(
                    self._connection._execute(_checkpoint, self._connection._conn, "", None)
                )
            except Exception as error:  # committed all the same; the next commit tries again
                log.warning("WAL checkpoint failed: %s", type(error).__name__)

    def rollback(self) -> None:
        if not self._in_transaction():
            return
        try:
            # Never busy: a rollback only lets go.
            self._connection._conn.rollback()
        except Exception as error:
            self._handle_exception(error)


class OneHopAiosqlite(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module for `create_async_engine(url, module=OneHopAiosqlite())`; the URL stays
    `sqlite+aiosqlite://…` and the dialect SQLAlchemy's. With `on_loop` (the default) its
    connections are OnLoopConnections."""

    def __init__(self, *, on_loop: bool = True) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.on_loop = on_loop

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        if self.on_loop:
            kw["check_same_thread"] = False  # made in aiosqlite's thread, used on the loop's
        adapted = super().connect(*arg, **kw)
        if type(adapted) is not AsyncAdapt_aiosqlite_connection:
            return adapted  # the legacy sync fallback: SQLAlchemy's own, untouched
        if not self.on_loop:
            return OneHopConnection(self, adapted._connection)
        # sqlite3's `timeout` (5 s unless given) is the busy timeout the thread waits with; on
        # the loop the connection waits for nothing.
        lock_wait_ms = int(float(kw.get("timeout", 5.0)) * 1000)
        return OnLoopConnection(self, adapted._connection, lock_wait_ms)


__all__ = [
    "MAX_ROWS_ON_LOOP",
    "WAL_CHECKPOINT_PAGES",
    "OnLoopConnection",
    "OneHopAiosqlite",
    "OneHopConnection",
    "OneHopCursor",
]
