"""Whether an error means "the database cannot take this now" (answer 503, try later).

The webhook must answer Meta 503, never 500, whenever the delivery could not be stored for a
reason that is the database's and not the body's: PostgreSQL shutting down, starting up or
refusing connections, a connection lost or invalidated mid-transaction, a pool exhausted, the
SQLite file locked, full or read-only. Meta retries either way, but a 500 says "bug" and logs a
traceback; a 503 says "later" (docs/architecture.md, Outlasting a Graph outage, and The webhook
stays thin).

The drivers do not all wrap their errors alike: asyncpg's own exceptions (CannotConnectNowError
while PostgreSQL starts, ConnectionDoesNotExistError, …) can surface unwrapped from a new
connection, so the whole chain of causes is read, and asyncpg's by their SQLSTATE class.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from sqlalchemy import exc as sa
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# SQLSTATE classes (PostgreSQL, Appendix A): 08 connection exception, 53 insufficient
# resources (disk full, out of memory, too many connections), 57P operator intervention
# (admin/crash shutdown, cannot connect now), 40 transaction rollback (serialization, deadlock),
# 25006 a read-only transaction (a standby, or default_transaction_read_only).
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P", "40", "25006")
# SQLAlchemy's own: the driver's OperationalError and InterfaceError (a lost or refused
# connection, a locked, full or read-only SQLite file), a pool that gave no connection in time.
_UNAVAILABLE = (
    OSError,  # connection refused or reset, and the SQLite write gate's timeout
    sqlite3.OperationalError,
    sa.OperationalError,
    sa.InterfaceError,
    sa.TimeoutError,
    sa.DisconnectionError,
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
        )


def _asyncpg_unavailable(error: BaseException) -> bool:
    module = type(error).__module__
    if not module.startswith("asyncpg"):
        return False
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        return sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
    # asyncpg's InterfaceError family (connection closed, pool closing) has no SQLSTATE.
    return "Interface" in type(error).__name__ or "Connection" in type(error).__name__


def database_unavailable(error: BaseException) -> bool:
    """True when `error` (or what caused it) says the database cannot serve now; False for
    anything else (a bug, or data the database refused), which must stay visible as such."""
    for link in _chain(error):
        if isinstance(link, _UNAVAILABLE):
            return True
        if isinstance(link, sa.DBAPIError) and link.connection_invalidated:
            return True
        if _asyncpg_unavailable(link):
            return True
    return False


# A committed write that changes nothing: alembic_version exists wherever wismo runs, and
# rewriting its rows makes SQLite append to its journal and PostgreSQL to its WAL, which is
# where a full disk, read-only files or a read-only (standby) server show.
_WRITE_PROBE = text("UPDATE alembic_version SET version_num = version_num")


async def check_writable(engine: AsyncEngine) -> None:
    """Raise (what the driver raised) when the database cannot commit a write now."""
    async with engine.begin() as connection:
        await connection.execute(_WRITE_PROBE)


__all__ = ["check_writable", "database_unavailable"]
