"""INSERT … ON CONFLICT written once, for SQLite and PostgreSQL alike, and cached compiled.

SQLAlchemy's own `sqlite.insert` / `postgresql.insert` have no cache key, so every execution
compiles the statement again (about 1 ms of CPU each). Both databases accept the same syntax
(SQLite since 3.24): `INSERT … ON CONFLICT (cols) DO NOTHING | DO UPDATE SET col = expr, …`,
optionally followed by RETURNING. `Upsert` renders that one form and has a cache key, so a
statement built once at module level is compiled once per process and dialect:

    _FOLLOW = (
        upsert(UpdateSubscription)
        .on_conflict_do_nothing("conversation_id", "number")
        .returning(table_of(UpdateSubscription).c.id)
    )
    created = await session.scalar(_FOLLOW, {"conversation_id": 1, "number": "1Z…", …})

The values are the parameters of the execution (each key a column; the column's type still
processes it: JSON, aware datetimes), so a call costs no statement building at all. In
`DO UPDATE SET`, `statement.excluded.<col>` is the row that was proposed; a value that differs
per call belongs in the proposed row (or a `bindparam`): a Python value there is fixed when the
statement is built.

An `Upsert` always runs as Core, even when given a mapped class or ORM attributes: the ORM's
bulk INSERT path cost ~5 % of a question's CPU and does nothing for a statement naming its
table (no objects are loaded or refreshed). Like any Core statement it does not autoflush the
session first: flush pending objects it depends on before running it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from sqlalchemy import Table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.base import ReadOnlyColumnCollection, _generative
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ClauseElement, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal, _TraverseInternalsType
from sqlalchemy.util import EMPTY_DICT, immutabledict

from foundation.database import table_of


class OnConflict(ClauseElement):
    """`ON CONFLICT (target) DO NOTHING`, or `DO UPDATE SET` when `names` is not empty."""

    __visit_name__ = "wismo_on_conflict"
    inherit_cache = True
    # SQLAlchemy's cache key covers these (its own attribute, declared as an instance one).
    _traverse_internals: _TraverseInternalsType = [  # noqa: RUF012
        ("target", InternalTraversal.dp_string_list),
        ("names", InternalTraversal.dp_string_list),
        ("values", InternalTraversal.dp_clauseelement_tuple),
    ]

    def __init__(
        self,
        target: tuple[str, ...],
        names: tuple[str, ...] = (),
        values: tuple[ColumnElement[Any], ...] = (),
    ) -> None:
        self.target = target  # column names of the unique index; () for any conflict
        self.names = names  # column names set on conflict, with `values` in the same order
        self.values = values


@compiles(OnConflict)
def _render_on_conflict(element: OnConflict, compiler: SQLCompiler, **kw: Any) -> str:
    quote = compiler.preparer.quote
    target = f" ({', '.join(quote(name) for name in element.target)})" if element.target else ""
    if not element.names:
        return f"ON CONFLICT{target} DO NOTHING"
    # As SQLAlchemy's dialects render SET: no schema on column references; is_upsert_set tells
    # an executemany that the SET clause has parameters of its own.
    set_kw = {**kw, "use_schema": False, "is_upsert_set": True}
    assignments = ", ".join(
        f"{quote(name)} = {compiler.process(value.self_group(), **set_kw)}"
        for name, value in zip(element.names, element.values, strict=True)
    )
    return f"ON CONFLICT{target} DO UPDATE SET {assignments}"


class Upsert(Insert):
    """An INSERT with an ON CONFLICT clause, rendered the same on SQLite and PostgreSQL."""

    inherit_cache = True  # Insert's cache key covers _post_values_clause, our OnConflict

    # Never ORM-enabled (module docstring): whatever ORM attribute a clause was built from,
    # the session executes this statement as Core.
    @property
    def _propagate_attrs(self) -> immutabledict[str, Any]:
        return EMPTY_DICT

    @_propagate_attrs.setter
    def _propagate_attrs(self, _value: immutabledict[str, Any]) -> None:
        pass

    @property
    def excluded(self) -> ReadOnlyColumnCollection[str, ColumnElement[Any]]:
        """The row proposed for insertion, for use in `on_conflict_do_update`'s values."""
        return self.table.alias("excluded").c

    @_generative
    def on_conflict_do_nothing(self, *target: str) -> Self:
        """Skip the row when it conflicts on the unique index over `target` (column keys;
        none: on any unique index), so RETURNING yields nothing for it."""
        self._post_values_clause = OnConflict(self._names(target))
        return self

    @_generative
    def on_conflict_do_update(self, target: tuple[str, ...], set_: Mapping[str, Any]) -> Self:
        """On a conflict over the unique index on `target`, update the existing row with
        `set_` (column key → SQL expression; `self.excluded` is the proposed row)."""
        if not target or not set_:
            raise ValueError("DO UPDATE needs a conflict target and at least one column to set")
        columns = self.table.c
        values = tuple(
            coercions.expect(roles.ExpressionElementRole, value, type_=columns[key].type)
            for key, value in set_.items()
        )
        self._post_values_clause = OnConflict(self._names(target), self._names(tuple(set_)), values)
        return self

    def _names(self, keys: tuple[str, ...]) -> tuple[str, ...]:
        columns = self.table.c
        return tuple(columns[key].name for key in keys)


def upsert(target: Table | type[Any]) -> Upsert:
    """An `Upsert` into `target`, a Table or a mapped class (its table, as Core)."""
    return Upsert(target if isinstance(target, Table) else table_of(target))


__all__ = ["OnConflict", "Upsert", "upsert"]
