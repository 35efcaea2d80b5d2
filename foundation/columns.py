"""Column types the packages' tables share: the surrogate key and the JSON document."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

Id = BigInteger().with_variant(Integer(), "sqlite")
"""A surrogate key: BIGINT, except on SQLite, whose INTEGER PRIMARY KEY is the rowid."""


class Json(TypeDecorator[Any]):
    """A JSON document: JSONB on PostgreSQL, JSON elsewhere.

    `JSON().with_variant(JSONB(), "postgresql")` says the same, but needs the JSONB class when
    the table is declared, and importing it loads SQLAlchemy's whole PostgreSQL dialect (with
    the modules of its six drivers, about 2 MB resident) into a process on SQLite. Here the
    type is chosen when a statement is compiled for a database, so a table's documents import
    nothing (its partial indexes neither: foundation/indexes.py). Python's None is stored as
    JSON `null`, as `JSON()` stores it.
    """

    impl = JSON
    cache_ok = True
    # JSON() evaluates None (writes JSON null, not SQL NULL) and its values are not hashable;
    # a TypeDecorator takes neither from its impl.
    should_evaluate_none = True
    hashable = False

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


__all__ = ["Id", "Json"]
