"""The statements the service runs read rows through indexes, never a whole growing table.

A table that grows with every message (the outbox, the inbox, the conversation's messages)
must not be scanned by a statement the workers run for each message or each second: on a
merchant's year of messages, one scan per claim is the whole service's CPU. Here buyers talk
to a running wismo on SQLite, and follow parcels that then ship, with every statement
recorded, and each is explained
(`EXPLAIN QUERY PLAN`) with the parameters it ran with. SQLite plans without statistics as
if every table were large, so what it chooses here it chooses in production.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from carriers.sandbox import scenario, scenarios
from stores.importer import OrderImporter
from stores.repository import OrderRepository
from tests.bot.harness import running_wismo, wait_until
from tests.bot.sms.harness import NUMBER as SMS_NUMBER
from tests.bot.sms.harness import PHONE, running_sms_shop
from tests.conftest import fresh_sqlite_url
from tests.updates.harness import running_shop

BUYERS = ("7100000000000101", "7100000000000102", "7100000000000103")
# Tables that stay small whatever the traffic: a scan of them is a few rows (tracking usage:
# a row per source and day, kept a few weeks).
SMALL_TABLES = {"alembic_version", "update_cursors", "instagram_accounts", "accounts"}
SMALL_TABLES |= {"tracking_source_usage"}
# The jobs that run at start and then once a day (bot/app/daily.py): their sweeps may read a
# table once a day.
DAILY_JOBS = {"retention job", "token job"}
WHOLE_TABLE_READ = re.compile(r"^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?$")
SQL_VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE")
TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"
PARTIAL_INDEXES = "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"
FOLLOWED = ("YT2515300000000101", "YT2515300000000102", "YT2515300000000103")
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


class Recorded:
    """The statements the service runs on `engine` while recording, each with the parameters
    of its first run (the test's own reads, made under ASKED_BY_THE_TEST, are left out)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.ran: dict[str, Any] = {}

    def _record(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if ASKED_BY_THE_TEST.get() or not statement.startswith(SQL_VERBS):
            return
        task = asyncio.current_task()
        if task is None or task.get_name() not in DAILY_JOBS:
            self.ran.setdefault(statement, parameters)

    def __enter__(self) -> Recorded:
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._record)

    async def whole_table_reads(self) -> dict[str, list[str]]:
        """Each recorded statement that reads a whole growing table, with those steps."""
        async with self.engine.connect() as connection:
            tables = set(await connection.scalars(text(TABLES)))
            partial = set(await connection.scalars(text(PARTIAL_INDEXES)))
            scans = {}
            for statement, parameters in self.ran.items():
                explained = await connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters
                )
                plan = [row[-1] for row in explained]
                if reads := _whole_table_reads(plan, tables, partial):
                    scans[" ".join(statement.split())[:200]] = reads
            return scans


@contextmanager
def asked_by_the_test() -> Iterator[None]:
    """The test's own reads, in this block: not recorded as the service's (service tasks run
    in contexts of their own)."""
    asking = ASKED_BY_THE_TEST.set(True)
    try:
        yield
    finally:
        ASKED_BY_THE_TEST.reset(asking)


async def test_no_statement_of_a_conversation_scans_a_growing_table(
    aiohttp_server: Any, sqlite_template: Path, tmp_path: Path
) -> None:
    database_url = fresh_sqlite_url(sqlite_template, tmp_path)
    async with running_wismo(aiohttp_server, database_url, dialogue=True) as wismo:
        with Recorded(wismo.engine) as recorded:
            number = _sandbox_number()
            for buyer in BUYERS:
                await wismo.say(buyer, "hi")
                await wismo.say(buyer, f"where is my parcel {number}?")

            async def answered() -> bool:
                return all(wismo.delivered_to(b) for b in BUYERS) and await wismo.settled()

            with asked_by_the_test():
                await wait_until(answered)
        assert len(recorded.ran) > 10, "the conversation ran its statements"
        assert await recorded.whole_table_reads() == {}


async def test_no_statement_of_a_proactive_update_scans_a_growing_table(
    aiohttp_server: Any, sqlite_template: Path, tmp_path: Path
) -> None:
    database_url = fresh_sqlite_url(sqlite_template, tmp_path)
    async with running_shop(aiohttp_server, database_url) as shop:
        with Recorded(shop.wismo.engine) as recorded:
            for buyer, number in zip(BUYERS, FOLLOWED, strict=True):
                await shop.wismo.say(buyer, f"track {number}")
                await wait_until(lambda b=buyer: _has_text(shop.wismo.delivered_to(b), "following"))
            for number in FOLLOWED:
                await shop.set_status(number, "in_transit")

            async def told() -> bool:
                texts = [shop.wismo.delivered_to(b) for b in BUYERS]
                shipped = all(_has_text(t, "has shipped") for t in texts)
                return shipped and await shop.wismo.settled()

            with asked_by_the_test():
                await wait_until(told)
        assert len(recorded.ran) > 10, "the updates ran their statements"
        assert await recorded.whole_table_reads() == {}


async def test_no_statement_of_an_update_by_text_scans_a_growing_table(
    aiohttp_server: Any, sqlite_template: Path, tmp_path: Path
) -> None:
    database_url = fresh_sqlite_url(sqlite_template, tmp_path)
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        with Recorded(sms.shop.wismo.engine) as recorded:
            await sms.follow()
            await sms.opt_in()
            await sms.shop.set_status(SMS_NUMBER, "in_transit")
            await sms.wait_sent(1)
            with asked_by_the_test():
                await sms.wait_texts(state="sent")
        assert len(recorded.ran) > 10, "the texts ran their statements"
        assert await recorded.whole_table_reads() == {}


async def test_no_statement_of_imported_consent_or_a_stop_scans_a_growing_table(
    aiohttp_server: Any, sqlite_template: Path, tmp_path: Path
) -> None:
    """Consent read from the imported orders and by phone for each text, then the buyer's
    STOP, which drops the texts still queued for the number."""
    database_url = fresh_sqlite_url(sqlite_template, tmp_path)
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        importer = OrderImporter(OrderRepository(sms.shop.wismo.sessions), clock=sms.shop.clock)
        await importer.import_text(
            f"order_number,tracking_numbers,phone,sms_consent\n1042,{SMS_NUMBER},{PHONE},yes\n"
        )
        with Recorded(sms.shop.wismo.engine) as recorded:
            await sms.follow()
            await sms.shop.set_status(SMS_NUMBER, "in_transit")
            await sms.wait_sent(1)
            await sms.text_in("STOP")
            await sms.shop.set_status(SMS_NUMBER, "out_for_delivery", step=1)
            with asked_by_the_test():
                await wait_until(sms.shop.wismo.settled)
        assert any("sms_consents" in statement for statement in recorded.ran)
        assert await recorded.whole_table_reads() == {}


async def _has_text(texts: list[str | None], part: str) -> bool:
    return any(part in (text or "") for text in texts)


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
