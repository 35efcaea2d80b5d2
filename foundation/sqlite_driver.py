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
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

_Description = Any
_Outcome = tuple[_Description, list[Any] | None, int | None, int]


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


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """The adapter's buffered cursor, each statement run in one call to aiosqlite's thread."""

    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._run(_execute, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._run(_executemany, operation, seq_of_parameters)

    def _run(self, function: Any, operation: Any, parameters: Any) -> None:
        try:
            # `_conn` raises "no active connection" once closed, as the adapter's cursor() did.
            connection = self._connection._conn
            description, rows, lastrowid, rowcount = self.await_(
                self._connection._execute(function, connection, operation, parameters)
            )
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


class OneHopAiosqlite(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module for `create_async_engine(url, module=OneHopAiosqlite())`; the URL stays
    `sqlite+aiosqlite://…` and the dialect SQLAlchemy's."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        if type(adapted) is not AsyncAdapt_aiosqlite_connection:
            return adapted  # the legacy sync fallback: SQLAlchemy's own, untouched
        return OneHopConnection(self, adapted._connection)


__all__ = ["OneHopAiosqlite", "OneHopConnection", "OneHopCursor"]
