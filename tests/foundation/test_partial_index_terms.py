"""Terms written so that a partial index can serve them (foundation/database.py).

A partial index is chosen only when the planner sees the query keep to the index's rows:
SQLite matches the index's WHERE term by term as written, so the query must carry the same
values, in the same order, as literals in its text.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from foundation.database import in_literals, literal_condition, unordered, within

_metadata = MetaData()
_sends = Table(
    "sends",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("buyer", Integer),
    Column("state", String),
    Column("due", Integer),
)
UNFINISHED = ("queued", "sending")
HELD = ("held",)
INDEXES = (
    "CREATE TABLE sends (id INTEGER PRIMARY KEY, buyer INTEGER, state TEXT, due INTEGER)",
    "CREATE UNIQUE INDEX sends_by_buyer ON sends (buyer, id)",
    f"CREATE INDEX sends_unfinished ON sends (due) WHERE {literal_condition('state', UNFINISHED)}",
    f"CREATE INDEX sends_held ON sends (due) WHERE {literal_condition('state', HELD)}",
)


def _plan(query: str) -> str:
    database = sqlite3.connect(":memory:")
    for statement in INDEXES:
        database.execute(statement)
    explained = database.execute(f"EXPLAIN QUERY PLAN {query}", [0] * query.count("?"))
    return " / ".join(row[-1] for row in explained)


def _sql(statement: object) -> str:
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=sqlite.dialect(), compile_kwargs={"render_postcompile": True}
    )
    return str(compiled)


def test_the_values_are_written_into_the_statement_not_bound() -> None:
    query = select(_sends.c.id).where(in_literals(_sends.c.state, UNFINISHED))
    assert "sends.state IN ('queued', 'sending')" in _sql(query)
    assert "state IN ('queued', 'sending')" in str(query.compile(dialect=postgresql.dialect()))


def test_a_partial_index_serves_the_written_term_and_not_a_bound_one() -> None:
    written = select(_sends.c.id).where(in_literals(_sends.c.state, UNFINISHED), _sends.c.due <= 5)
    bound = select(_sends.c.id).where(_sends.c.state.in_(("queued", "sending")), _sends.c.due <= 5)
    assert "USING INDEX sends_unfinished" in _plan(_sql(written))
    assert "sends_unfinished" not in _plan(_sql(bound))


def test_one_value_is_an_equality_as_the_index_states_it() -> None:
    held = select(_sends.c.id).where(in_literals(_sends.c.state, HELD), _sends.c.due <= 5)
    assert "sends.state = 'held'" in _sql(held)
    assert "USING INDEX sends_held" in _plan(_sql(held))


def test_a_narrower_read_within_the_index_term_is_served_by_the_index() -> None:
    queued = select(_sends.c.id).where(
        within(_sends.c.state, UNFINISHED, "queued"), _sends.c.due <= 5
    )
    assert "sends.state IN ('queued', 'sending') AND sends.state = ?" in _sql(queued)
    assert "USING INDEX sends_unfinished" in _plan(_sql(queued))


def test_the_index_condition_is_written_as_the_query_term_is() -> None:
    assert literal_condition("state", UNFINISHED) == "state IN ('queued', 'sending')"
    assert literal_condition("state", HELD) == "state = 'held'"


def test_a_value_that_would_need_quoting_is_refused() -> None:
    with pytest.raises(ValueError, match="plain state name"):
        in_literals(_sends.c.state, ("it's",))
    with pytest.raises(ValueError, match="plain state name"):
        literal_condition("state", ("it's", "x"))


def test_grouping_by_an_unordered_column_reads_the_partial_index() -> None:
    due = in_literals(_sends.c.state, UNFINISHED), _sends.c.due <= 5
    walked = select(_sends.c.buyer).where(*due).group_by(_sends.c.buyer)
    searched = select(func.min(_sends.c.buyer)).where(*due).group_by(unordered(_sends.c.buyer))
    assert "SCAN sends USING INDEX sends_by_buyer" in _plan(_sql(walked))
    assert "SEARCH sends USING INDEX sends_unfinished" in _plan(_sql(searched))
