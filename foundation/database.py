"""Database plumbing every package shares: naming convention, UTC column type, engines, sessions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    DateTime,
    MetaData,
    String,
    Table,
    event,
    inspect,
    literal_column,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op
from sqlalchemy.types import TypeDecorator

# A column of a table, or of a mapped class.
AnyColumn: TypeAlias = ColumnElement[Any] | QueryableAttribute[Any]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


POOL_RECYCLE_SECONDS = 300


def conventional_metadata() -> MetaData:
    """A new MetaData with the naming convention, for one package's own DeclarativeBase.

    Each package keeps its own (its tables belong to its own Alembic branch):
    `class Base(DeclarativeBase): metadata = conventional_metadata()`.
    """
    return MetaData(naming_convention=NAMING_CONVENTION)


def in_literals(column: AnyColumn, values: Iterable[str]) -> ColumnElement[bool]:
    """`column IN (values)` with the values written into the SQL, not bound as parameters.

    A partial index (`WHERE state IN ('queued', 'sending')`) serves a query only when the
    planner can see that the query keeps to its rows: SQLite matches the query's terms against
    the index's as written, and PostgreSQL's generic plan of a prepared statement knows no
    bound value. Given `?`, both scan the whole table. The index's condition is written by
    `literal_condition` from the same values, so the two match term for term
    (docs/architecture.md, "Partial indexes").
    """
    written = [literal_column(_quoted(value), String()) for value in values]
    # SQLite matches `state = 'held'` only with an `=`, not with a one-value IN.
    return column == written[0] if len(written) == 1 else column.in_(written)


def within(column: AnyColumn, indexed: Iterable[str], *values: str) -> ColumnElement[bool]:
    """`column` is one of `values`, a narrower read than the partial index's term on `indexed`,
    which is stated beside it (`in_literals`) so that the index serves the read."""
    narrower = column == values[0] if len(values) == 1 else column.in_(values)
    return in_literals(column, indexed) & narrower


def literal_condition(column: str, values: Iterable[str]) -> str:
    """A partial index's condition on `column` being one of `values`, as `in_literals` writes
    the query's: `state = 'held'`, `state IN ('queued', 'sending')`."""
    quoted = [_quoted(value) for value in values]
    if len(quoted) == 1:
        return f"{column} = {quoted[0]}"
    return f"{column} IN ({', '.join(quoted)})"


def _quoted(value: str) -> str:
    """`value` as an SQL string literal, in the statement's text (and its compiled cache)."""
    if not value.replace("_", "").isalnum():  # our own state names: nothing to quote
        raise ValueError(f"{value!r} is not a plain state name")
    return f"'{value}'"


def unordered(column: AnyColumn) -> ColumnElement[Any]:
    """`+column`: the same value, which SQLite's planner does not take from an index.

    Without statistics SQLite prefers walking a whole index in a GROUP BY's order to reading a
    few rows through a partial index and sorting them; grouping by `+column` turns that off.
    PostgreSQL (integers) reads it as the column itself, but only as an expression: select
    the column through an aggregate (min) beside it.
    """
    element = column.expression if isinstance(column, QueryableAttribute) else column
    return UnaryExpression(element, operator=custom_op("+"))


def table_of(mapped: type[Any]) -> Table:
    """The Core table of a mapped class.

    `update(table_of(Row))` runs as Core; `update(Row)` goes through the ORM's bulk UPDATE
    machinery (about 5 % of a question's CPU), which buys nothing for a statement that loads
    no objects.
    """
    table = inspect(mapped).local_table
    assert isinstance(table, Table)
    return table


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant on every backend.

    SQLite has no time zone type: values are stored as naive UTC text and read back as aware
    UTC, so comparisons in SQL stay correct as long as everything written is UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Raises ValueError for a naive datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware time")
        instant = value.astimezone(UTC)
        return instant.replace(tzinfo=None) if dialect.name == "sqlite" else instant

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


SQLITE_LOCK_WAIT_SECONDS = 30.0
"""How long a SQLite statement waits for a write lock another connection holds (sqlite3's
`timeout`, its busy timeout)."""


def sqlite_pragmas(dbapi_connection: Any, _record: Any = None) -> None:
    """WAL (readers never block the writer), no fsync per commit, foreign keys. (The wait for
    a lock is sqlite3's `timeout`, SQLITE_LOCK_WAIT_SECONDS, given where it connects.)"""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str, *, on_loop: bool = True, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL and a busy timeout so a worker and the webhook coexist.

    On SQLite its statements run on the event loop's thread (`on_loop`, foundation/
    sqlite_driver.py), never waiting there for a lock: right for units of work of a few
    indexed rows. An engine for statements that may read many rows (the console's searches,
    the daily sweeps) is made with `on_loop=False`: each statement then runs in the driver's
    thread. PostgreSQL's driver is asynchronous either way.

    SQLite has one writer at a time, so more connections only make a process's tasks queue
    in SQLite's busy handler: two are enough, and tasks wait for them in the pool instead
    (at a steady 20 events/s this took the reply p50 from 5.5 s to 1.9 s). A task may hold at
    most two sessions at once on SQLite. The service also makes its writers take turns through
    a write gate (bot/pipeline/write_gate.py), and its intake writes through an engine of its own.

    PostgreSQL connections are not pinged at checkout (`pool_pre_ping`): that is a round trip
    per checkout, ~17 per answered question. A connection the server dropped (a restart, a
    failover, an idle-connection killer) is met by the statement that uses it instead: it
    fails with a disconnect error, on which SQLAlchemy invalidates the whole pool (every
    connection older than the error is replaced at its next checkout), and the caller's own
    retry runs on a fresh connection: the webhook answers 503 and Meta delivers again, a
    worker's failed round is retried (bot/pipeline/loop.py). Connections are also replaced
    after POOL_RECYCLE_SECONDS, so the common idle killers (load balancers and NATs dropping
    connections idle for 350 s or more) never meet one of ours; a reconnect every five minutes
    per pooled connection costs next to nothing.
    """
    # Bound parameters hold buyers' text, emails and phones: never in a log line or an
    # exception message (which tracebacks print).
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("pool_size", 2)
        kwargs.setdefault("max_overflow", 0)
        if url.startswith("sqlite+aiosqlite:"):
            # One trip to aiosqlite's thread per statement instead of four (sqlite_driver.py).
            # Imported here: a PostgreSQL service never loads aiosqlite.
            from foundation.sqlite_driver import OneHopAiosqlite

            kwargs.setdefault("module", OneHopAiosqlite(on_loop=on_loop))
        connect_args = {"timeout": SQLITE_LOCK_WAIT_SECONDS}
        engine = create_async_engine(url, connect_args=connect_args, **kwargs)

        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_recycle", POOL_RECYCLE_SECONDS)
    return create_async_engine(url, **kwargs)


async def reserve(
    session: AsyncSession, lock: int, attempt: object, over: Callable[[], Awaitable[bool]]
) -> bool:
    """Add `attempt` (a row) in the caller's transaction unless `over()`, counted with it
    included, says a limit is passed: then nothing is added and the answer is False.

    The count and the write are one step no other transaction holding `lock` can interleave
    with, so however many callers race, a limit is never exceeded: on PostgreSQL through a
    transaction-level advisory lock; on SQLite the attempt is written before counting, and the
    first write takes the database's only write lock.
    """
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": lock})
    session.add(attempt)
    await session.flush()
    if await over():
        await session.delete(attempt)
        return False
    return True


def create_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (one session per unit of work)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def single_statement_sessions(
    sessions: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession]:
    """Sessions for units of work that are one statement each (a claim, a removal), over the
    same pool: on PostgreSQL in autocommit, where one statement is a transaction of its own,
    so BEGIN and COMMIT (two round trips of three) are not sent; `session.begin()` and its
    commit are then no-ops around it. SQLite gets `sessions` back: Python's sqlite3 would run a
    many-row statement row by row in autocommit, and the service's write gate
    (bot/pipeline/write_gate.py) counts on transactions ending in a commit or rollback.
    """
    engine = sessions.kw["bind"]
    if not isinstance(engine, AsyncEngine) or engine.dialect.name != "postgresql":
        return sessions
    return create_sessions(engine.execution_options(isolation_level="AUTOCOMMIT"))
