"""The statements a conversation runs read rows through indexes, never a whole growing table.

A table that grows with every message (the outbox, the inbox, the conversation's messages)
must not be scanned by a statement the workers run for each message or each second: on a
merchant's year of messages, one scan per claim is the whole service's CPU. Here buyers talk
to a running wismo on SQLite with every statement recorded, and each is explained
(`EXPLAIN QUERY PLAN`) with the parameters it ran with. SQLite plans without statistics as
if every table were large, so what it chooses here it chooses in production.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from carriers.sandbox import scenario, scenarios
from tests.bot.harness import running_wismo, wait_until
from tests.conftest import fresh_sqlite_url

BUYERS = ("7100000000000101", "7100000000000102", "7100000000000103")
# Tables that stay small whatever the traffic: a scan of them is a few rows.
SMALL_TABLES = {"alembic_version", "update_cursors", "instagram_accounts", "accounts"}
# Swept once a day by the retention and usage jobs (deleted from, or anonymised): one read of
# the table a day.
SWEPT_DAILY = {"sms_consents", "sms_status_events", "store_verification_attempts"}
SWEPT_DAILY |= {"tracking_source_usage", "store_orders"}
WHOLE_TABLE_READ = re.compile(r"^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?$")
# Set while the test itself reads the database: those statements are not the service's.
ASKED_BY_THE_TEST: ContextVar[bool] = ContextVar("asked_by_the_test", default=False)


def _sandbox_number() -> str:
    return next(
        s.number
        for s in scenarios()
        if (found := scenario(s.number)) is not None and found.outcome == "shipment"
    )


def _whole_table_reads(plan: list[str], tables: set[str], partial: set[str]) -> list[str]:
    """The steps of `plan` that read every row of a growing table. Reading all of a partial
    index is not one: it holds only the rows its condition names (the unfinished sends)."""
    reads = []
    for step in plan:
        match = WHOLE_TABLE_READ.match(step)
        if match is None or match.group(1) not in tables - SMALL_TABLES:
            continue
        if match.group(2) not in partial:
            reads.append(step)
    return reads


def _swept_daily(statement: str) -> bool:
    return any(
        statement.startswith((f"DELETE FROM {table} ", f"UPDATE {table} SET "))
        for table in SWEPT_DAILY
    )


async def test_no_statement_of_a_conversation_scans_a_growing_table(
    aiohttp_server: Any, sqlite_template: Path, tmp_path: Path
) -> None:
    ran: dict[str, Any] = {}
    database_url = fresh_sqlite_url(sqlite_template, tmp_path)
    async with running_wismo(aiohttp_server, database_url, dialogue=True) as wismo:

        def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if not ASKED_BY_THE_TEST.get():
                ran.setdefault(statement, parameters)

        event.listen(wismo.engine.sync_engine, "before_cursor_execute", record)
        number = _sandbox_number()
        for buyer in BUYERS:
            await wismo.say(buyer, "hi")
            await wismo.say(buyer, f"where is my parcel {number}?")

        async def answered() -> bool:
            asking = ASKED_BY_THE_TEST.set(True)
            try:
                return all(wismo.delivered_to(b) for b in BUYERS) and await wismo.settled()
            finally:
                ASKED_BY_THE_TEST.reset(asking)

        await wait_until(answered)
        event.remove(wismo.engine.sync_engine, "before_cursor_execute", record)

        async with wismo.engine.connect() as connection:
            tables = set(
                await connection.scalars(
                    text("SELECT name FROM sqlite_master WHERE type = 'table'")
                )
            )
            partial = set(
                await connection.scalars(
                    text(
                        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"
                    )
                )
            )
            scans = {}
            for statement, parameters in ran.items():
                if not statement.startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
                    continue
                if _swept_daily(statement):
                    continue
                explained = await connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters
                )
                plan = [row[-1] for row in explained]
                if reads := _whole_table_reads(plan, tables, partial):
                    scans[" ".join(statement.split())[:200]] = reads

    assert len(ran) > 10, "the conversation ran its statements"
    assert scans == {}


FULL_INDEX_SCAN = "SCAN update_notices USING INDEX sqlite_autoindex_update_notices_1"


@pytest.mark.parametrize(
    ("step", "whole"),
    [
        ("SCAN outbox_messages", True),
        (FULL_INDEX_SCAN, True),
        ("SCAN outbox_messages USING COVERING INDEX ix_outbox_messages_conversation", True),
        ("SCAN outbox_messages USING INDEX ix_outbox_messages_due", False),
        ("SEARCH outbox_messages USING INDEX ix_outbox_messages_due (next_attempt_at<?)", False),
        ("SCAN 3 CONSTANT ROWS", False),
        ("SCAN anon_1", False),
        ("SCAN update_cursors", False),
    ],
)
def test_a_whole_table_read_is_told_from_an_index_search(step: str, whole: bool) -> None:
    tables = {"outbox_messages", "update_notices", "update_cursors"}
    partial = {"ix_outbox_messages_due"}
    assert _whole_table_reads([step], tables, partial) == ([step] if whole else [])
