"""The import's `sms_consent` column on SQLite and PostgreSQL: what yes, a date-time, no and a
blank cell do to consent already recorded, and that an unchanged file changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stores.importer import ImportReport, OrderImporter
from stores.models import Order
from stores.repository import OrderRepository
from tests.stores.clocks import FakeTime

HEADER = "order_number,email,sms_consent\n"
FIRST_IMPORT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
AGREED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
DAY = 24 * 3600


class Shop:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.time = FakeTime(FIRST_IMPORT)
        self.repository = OrderRepository(sessions)
        self.importer = OrderImporter(self.repository, clock=self.time.now, batch_size=50)

    async def load(self, rows: str) -> ImportReport:
        report = await self.importer.import_text(HEADER + rows)
        assert report.problems == ()
        return report

    async def order(self, number: str) -> Order:
        found = await self.repository.get(number)
        assert found is not None
        return found

    async def consent(self, number: str) -> datetime | None:
        return (await self.order(number)).sms_consent_at


@pytest.fixture
def shop(sessions: async_sessionmaker[AsyncSession]) -> Shop:
    return Shop(sessions)


def counts(report: ImportReport) -> tuple[int, int, int]:
    return report.created, report.updated, report.unchanged


ALL_KINDS = (
    "1001,a@example.com,yes\n"
    "1002,b@example.com,2026-11-20T10:00:00Z\n"
    "1003,c@example.com,no\n"
    "1004,d@example.com,\n"
)


async def test_reimporting_an_unchanged_file_changes_no_order(shop: Shop) -> None:
    await shop.load(ALL_KINDS)
    before = {number: await shop.order(number) for number in ("1001", "1002", "1003", "1004")}
    shop.time.advance(DAY)

    report = await shop.load(ALL_KINDS)

    assert counts(report) == (0, 0, 4)
    assert {number: await shop.order(number) for number in before} == before
    assert before["1001"].sms_consent_at == FIRST_IMPORT


async def test_yes_keeps_the_time_consent_was_first_recorded(shop: Shop) -> None:
    await shop.load("1001,a@example.com,yes\n")
    shop.time.advance(DAY)

    report = await shop.load("1001,a+new@example.com,yes\n")

    assert counts(report) == (0, 1, 0)
    assert await shop.consent("1001") == FIRST_IMPORT


async def test_yes_on_an_order_without_consent_records_the_import_time(shop: Shop) -> None:
    await shop.load("1001,a@example.com,no\n1002,b@example.com,\n")
    shop.time.advance(DAY)

    report = await shop.load("1001,a@example.com,yes\n1002,b@example.com,true\n")

    assert counts(report) == (0, 2, 0)
    assert await shop.consent("1001") == shop.time.now()
    assert await shop.consent("1002") == shop.time.now()


async def test_a_date_time_in_the_file_is_taken_as_written_over_a_recorded_one(
    shop: Shop,
) -> None:
    await shop.load("1001,a@example.com,yes\n1002,b@example.com,2026-11-20T10:00:00Z\n")
    shop.time.advance(DAY)

    report = await shop.load(
        "1001,a@example.com,2026-11-20T18:00:00+08:00\n1002,b@example.com,2026-11-21T09:30:00Z\n"
    )

    assert counts(report) == (0, 2, 0)
    assert await shop.consent("1001") == AGREED
    assert await shop.consent("1002") == datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


async def test_a_blank_cell_leaves_recorded_consent_alone(shop: Shop) -> None:
    await shop.load("1001,a@example.com,yes\n1002,b@example.com,2026-11-20T10:00:00Z\n")
    shop.time.advance(DAY)

    report = await shop.load("1001,a@example.com,\n1002,b@example.com,N/A\n1003,c@example.com,\n")

    assert counts(report) == (1, 0, 2)
    assert await shop.consent("1001") == FIRST_IMPORT
    assert await shop.consent("1002") == AGREED
    assert await shop.consent("1003") is None


async def test_no_withdraws_recorded_consent(shop: Shop) -> None:
    await shop.load("1001,a@example.com,yes\n1002,b@example.com,2026-11-20T10:00:00Z\n")
    shop.time.advance(DAY)

    report = await shop.load("1001,a@example.com,no\n1002,b@example.com,false\n")

    assert counts(report) == (0, 2, 0)
    assert await shop.consent("1001") is None
    assert await shop.consent("1002") is None
    assert (await shop.order("1001")).updated_at == shop.time.now()


async def test_a_later_row_of_the_same_order_says_last_even_when_it_says_no(shop: Shop) -> None:
    await shop.load(
        "1001,a@example.com,yes\n1001,,no\n"
        "1002,b@example.com,no\n1002,,yes\n"
        "1003,c@example.com,2026-11-20T10:00:00Z\n1003,,\n"
    )

    assert await shop.consent("1001") is None
    assert await shop.consent("1002") == FIRST_IMPORT
    assert await shop.consent("1003") == AGREED


async def test_a_file_without_the_column_leaves_consent_alone(shop: Shop) -> None:
    await shop.load("1001,a@example.com,yes\n")
    shop.time.advance(DAY)

    report = await shop.importer.import_text("order_number,email\n1001,a+new@example.com\n")

    assert counts(report) == (0, 1, 0)
    assert await shop.consent("1001") == FIRST_IMPORT
