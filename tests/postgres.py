"""Migrated PostgreSQL databases for tests: emptied and handed out again rather than recreated.

`CREATE DATABASE … TEMPLATE` costs about 0.4 s and `DROP DATABASE` another 0.15 s, which
hundreds of PostgreSQL tests pay each; emptying the tables of a used database costs a few
milliseconds. So each test worker keeps the databases it made, and a database goes back to the
pool only when its schema is still the template's (a test that dropped or changed a table gets
its database dropped instead). Every test still starts on an empty, fully migrated database
whose sequences start at 1.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Coroutine
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")

# Tables, columns, types, indexes and constraints of the public schema, as one digest.
_SCHEMA_DIGEST = """
SELECT md5(coalesce(string_agg(item, ',' ORDER BY item), '')) FROM (
    SELECT c.relname || '.' || a.attname || ':' || a.atttypid::regtype::text
        || ':' || a.attnotnull::text AS item
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'index:' || indexname || ':' || indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL
    SELECT 'constraint:' || conname FROM pg_constraint c
    JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
    UNION ALL
    SELECT 'version:' || version_num FROM alembic_version
) AS schema
"""
_TABLES = """
SELECT quote_ident(tablename) FROM pg_tables
WHERE schemaname = 'public' AND tablename <> 'alembic_version'
"""
_SEQUENCES = """
SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = 'public'
"""


class PostgresDatabases:
    """The databases of one test worker, made from `template` on the server at `admin_url`."""

    def __init__(self, admin_url: str, *, template: str, prefix: str) -> None:
        self._admin_url = admin_url
        self._template = template
        self._prefix = prefix
        self._names = itertools.count()
        self._free: list[str] = []
        self._made: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._digest = self._run(self._schema_digest(template))

    def acquire(self) -> str:
        """An empty, fully migrated database: a reused one when there is one."""
        if self._free:
            return self._free.pop()
        name = f"{self._prefix}_{next(self._names)}"
        self._run(self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"'))
        self._made.append(name)
        return name

    def release(self, name: str) -> None:
        """Empty `name` for the next test, or drop it when its schema is no longer the template's."""
        if self._run(self._empty(name)):
            self._free.append(name)
        else:
            self._drop(name)

    def close(self) -> None:
        for name in self._made:
            self._run(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._loop.close()

    def _drop(self, name: str) -> None:
        self._run(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._made.remove(name)

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(work)

    async def _admin(self, statement: str) -> None:
        connection = await asyncpg.connect(self._admin_url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    async def _connect(self, database: str) -> asyncpg.Connection:
        admin = await asyncpg.connect(self._admin_url)
        try:
            # A process a test started may still hold a connection for a moment.
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
        finally:
            await admin.close()
        return await asyncpg.connect(self._admin_url, database=database)

    async def _schema_digest(self, database: str) -> str:
        connection = await asyncpg.connect(self._admin_url, database=database)
        try:
            return str(await connection.fetchval(_SCHEMA_DIGEST))
        finally:
            await connection.close()

    async def _empty(self, database: str) -> bool:
        connection = await self._connect(database)
        try:
            if await connection.fetchval(_SCHEMA_DIGEST) != self._digest:
                return False
            tables = [row[0] for row in await connection.fetch(_TABLES)]
            sequences = [row[0] for row in await connection.fetch(_SEQUENCES)]
            statements = [f"DELETE FROM {table}" for table in tables]
            statements += [f"ALTER SEQUENCE {sequence} RESTART" for sequence in sequences]
            async with connection.transaction():
                # Foreign keys are not checked while emptying: every table is emptied.
                await connection.execute("SET LOCAL session_replication_role = replica")
                await connection.execute(";".join(statements))
            return True
        finally:
            await connection.close()
