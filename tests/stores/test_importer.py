"""CSV import: the public columns, bad rows with line numbers, re-import, encodings and quoting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stores.errors import OrderFileUnreadable
from stores.importer import CheckedParcel, OrderImporter, ParcelWarning, RowNote, Stage
from stores.models import FulfillmentStatus, OrderParcel, StoreKind
from stores.repository import OrderRepository
from tests.stores.clocks import FakeTime
from tests.stores.databases import sqlite_sessions

__all__ = ["sqlite_sessions"]

HEADER = (
    "order_number,tracking_numbers,email,phone,postal_code,instagram_username,"
    "ordered_at,fulfillment_status\n"
)


class Harness:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
        self.time = FakeTime()
        self.repository = OrderRepository(sessions)
        self.importer = OrderImporter(self.repository, clock=self.time.now, batch_size=50)
        self.directory = tmp_path

    def file(self, content: str | bytes, name: str = "orders.csv") -> Path:
        path = self.directory / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        return path


@pytest.fixture
def shop(sqlite_sessions: async_sessionmaker[AsyncSession], tmp_path: Path) -> Harness:
    return Harness(sqlite_sessions, tmp_path)


async def test_every_public_column_is_imported(shop: Harness) -> None:
    path = shop.file(
        HEADER + "#1042,yunexpress:YT2430421272039912; LX 123 456 785 CN,Mei.Chen@Example.com,"
        "+86 138-0013-8000,200001,@Mei.Chen,2026-11-02T11:15:00+08:00,Shipped\n"
    )

    report = await shop.importer.import_file(path)
    order = await shop.repository.get("1042")

    assert report.complete
    assert (report.rows, report.orders, report.created, report.updated) == (1, 1, 1, 0)
    assert order is not None
    assert order.source is StoreKind.CSV
    assert order.parcels == (
        OrderParcel(tracking_number="YT2430421272039912", carrier="yunexpress"),
        OrderParcel(tracking_number="LX123456785CN", carrier=None),
    )
    assert order.email == "mei.chen@example.com"
    assert order.phone == "+86 138-0013-8000"
    assert order.postal_code == "200001"
    assert order.instagram_username == "mei.chen"
    assert order.ordered_at == datetime(2026, 11, 2, 3, 15, tzinfo=UTC)
    assert order.fulfillment_status is FulfillmentStatus.FULFILLED
    assert order.updated_at == shop.time.now()


async def test_bad_rows_are_reported_with_their_line_numbers_and_the_rest_imported(
    shop: Harness,
) -> None:
    path = shop.file(
        HEADER
        + "1001,LX123456785CN,,,,,,\n"
        + ",LX123456785CN,,,,,,\n"
        + "1003,,not-an-email,,,,,\n"
        + "1004,,,,,,\n"
        + "1005,,,,,,yesterday,\n"
        + "1006,9.40011E+21,,,,,,\n"
        + "1007,,,call me,,,,\n"
        + "1008,,,,,jane doe,,\n"
        + "1009,https://t.17track.net/en#nums=LX1,,,,,,\n"
    )

    report = await shop.importer.import_file(path)

    assert not report.complete
    assert report.orders == 2
    assert [problem.line for problem in report.problems] == [3, 4, 6, 7, 8, 9, 10]
    messages = dict((p.line, p.message) for p in report.problems)
    assert messages[3] == "order_number is empty"
    assert messages[4] == "email is not a valid address"
    assert "ordered_at 'yesterday' is not an ISO 8601" in messages[6]
    assert "spreadsheet" in messages[7]
    assert "phone" in messages[8]
    assert "instagram_username 'jane doe'" in messages[9]
    assert messages[10] == "'https://t.17track.net/en#nums=LX1' is a link, not a tracking number"
    assert await shop.repository.get("1004") is not None
    assert await shop.repository.get("1003") is None


async def test_reimporting_updates_rather_than_duplicates(shop: Harness) -> None:
    first = shop.file(HEADER + "1042,,mei@example.com,,,,,unfulfilled\n", "first.csv")
    second = shop.file(HEADER + "1042,YT2430421272039912,mei@example.com,,,,,\n", "second.csv")

    await shop.importer.import_file(first)
    report = await shop.importer.import_file(second)
    order = await shop.repository.get("1042")

    assert (report.created, report.updated) == (0, 1)
    assert order is not None
    assert order.tracking_numbers == ("YT2430421272039912",)
    assert order.fulfillment_status is FulfillmentStatus.FULFILLED


async def test_a_file_without_a_column_leaves_that_field_alone(shop: Harness) -> None:
    await shop.importer.import_file(shop.file(HEADER + "1042,,mei@example.com,,94105,mei,,\n"))

    await shop.importer.import_file(
        shop.file("order_number,tracking_numbers\n1042,usps:9400111899223397621041\n", "t.csv")
    )
    order = await shop.repository.get("1042")

    assert order is not None
    assert order.email == "mei@example.com"
    assert order.postal_code == "94105"
    assert order.instagram_username == "mei"
    assert order.parcels == (OrderParcel(tracking_number="9400111899223397621041", carrier="usps"),)
    assert order.fulfillment_status is FulfillmentStatus.FULFILLED


async def test_a_tracking_only_file_ships_orders_with_numbers_and_keeps_other_statuses(
    shop: Harness,
) -> None:
    await shop.importer.import_file(
        shop.file(HEADER + "1042,,,,,,,unfulfilled\n1043,,,,,,,cancelled\n", "first.csv")
    )

    await shop.importer.import_file(
        shop.file("order_number,tracking_numbers\n1042,LX123456785CN\n1043,\n", "second.csv")
    )

    shipped, cancelled = await shop.repository.get("1042"), await shop.repository.get("1043")
    assert shipped is not None
    assert cancelled is not None
    assert shipped.fulfillment_status is FulfillmentStatus.FULFILLED
    assert cancelled.fulfillment_status is FulfillmentStatus.CANCELLED


async def test_a_bom_extra_columns_and_header_spelling_are_accepted(shop: Harness) -> None:
    path = shop.file(
        "\ufeffCustomer Name,Order Number,Tracking-Numbers,Total,Instagram Username\n"
        "Mei Chen,1042,YT2430421272039912,39.90,mei\n"
    )

    report = await shop.importer.import_file(path)

    assert report.complete
    assert report.ignored_columns == ("customer_name", "total")
    order = await shop.repository.get("1042")
    assert order is not None
    assert order.instagram_username == "mei"


async def test_excel_quoting_keeps_separators_quotes_and_line_breaks_inside_cells(
    shop: Harness,
) -> None:
    path = shop.file(
        "order_number,tracking_numbers,note\r\n"
        '1042,"YT2430421272039912,\r\nLX123456785CN","She said ""hurry"", please"\r\n'
        "1043,UA000000001CN,\r\n"
        '1044,"",""\r\n'
    )

    report = await shop.importer.import_file(path)

    assert report.complete
    order = await shop.repository.get("1042")
    assert order is not None
    assert order.tracking_numbers == ("YT2430421272039912", "LX123456785CN")


async def test_line_numbers_count_physical_lines_of_multi_line_cells(shop: Harness) -> None:
    path = shop.file(
        'order_number,tracking_numbers,note\n1042,YT2430421272039912,"two\nlines"\n1043,bad!,\n'
    )

    report = await shop.importer.import_file(path)

    assert [problem.line for problem in report.problems] == [4]


async def test_semicolon_separated_files_from_european_excel_are_read(shop: Harness) -> None:
    path = shop.file(
        "order_number;tracking_numbers;postal_code\n"
        '1042;"dhl-paket:00340434161094042557;LX123456785CN";10115\n'
    )

    report = await shop.importer.import_file(path)

    order = await shop.repository.get("1042")
    assert report.complete
    assert order is not None
    assert order.parcels == (
        OrderParcel(tracking_number="00340434161094042557", carrier="dhl-paket"),
        OrderParcel(tracking_number="LX123456785CN", carrier=None),
    )


async def test_rows_repeating_an_order_number_add_their_parcels_to_it(shop: Harness) -> None:
    path = shop.file(
        HEADER
        + "1042,YT2430421272039912,mei@example.com,,,,,\n"
        + "1043,UA000000001CN,,,,,,\n"
        + "1042,usps:9400111899223397621041,,,,mei,,\n"
    )

    report = await shop.importer.import_file(path)
    order = await shop.repository.get("1042")

    assert (report.rows, report.orders, report.merged_rows) == (3, 2, 1)
    assert order is not None
    assert order.tracking_numbers == ("YT2430421272039912", "9400111899223397621041")
    assert order.email == "mei@example.com"
    assert order.instagram_username == "mei"


async def test_utf16_from_excel_unicode_text_is_read(shop: Harness) -> None:
    text = "order_number\ttracking_numbers\n1042\tYT2430421272039912\n"
    path = shop.file(text.encode("utf-16"))

    report = await shop.importer.import_file(path)

    assert report.complete
    assert report.orders == 1


async def test_a_gbk_file_is_refused_with_advice_unless_its_encoding_is_named(
    shop: Harness,
) -> None:
    path = shop.file(
        "order_number,tracking_numbers,note\n1042,LX123456785CN,已发货\n".encode("gbk")
    )

    with pytest.raises(OrderFileUnreadable, match="line 2 is not utf-8-sig text"):
        await shop.importer.import_file(path)
    report = await shop.importer.import_file(path, encoding="gbk")

    assert report.complete


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("email,phone\nmei@example.com,123\n", "must be a header with an order_number column"),
        ("order_number,email,Email\n1,a@b.co,a@b.co\n", "names email twice"),
    ],
)
async def test_a_file_without_a_usable_header_is_unreadable(
    shop: Harness, content: str, message: str
) -> None:
    with pytest.raises(OrderFileUnreadable, match=message):
        await shop.importer.import_file(shop.file(content))


async def test_a_missing_file_is_unreadable(shop: Harness) -> None:
    with pytest.raises(OrderFileUnreadable):
        await shop.importer.import_file(shop.directory / "nope.csv")


async def test_naive_times_are_read_in_the_default_zone(
    sqlite_sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    repository = OrderRepository(sqlite_sessions)
    importer = OrderImporter(
        repository, clock=FakeTime().now, default_zone=ZoneInfo("Asia/Shanghai")
    )
    path = tmp_path / "orders.csv"
    path.write_text("order_number,ordered_at\n1,2026-11-02 11:15\n2,2026-11-03\n", encoding="utf-8")

    await importer.import_file(path)

    first, second = await repository.get("1"), await repository.get("2")
    assert first is not None
    assert second is not None
    assert first.ordered_at == datetime(2026, 11, 2, 3, 15, tzinfo=UTC)
    assert second.ordered_at == datetime(2026, 11, 3, tzinfo=timezone(timedelta(hours=8)))


async def test_an_unknown_status_word_is_a_notice_and_the_parcels_decide(shop: Harness) -> None:
    path = shop.file(HEADER + "1042,LX123456785CN,,,,,,on the boat\n1043,,,,,,,N/A\n")

    report = await shop.importer.import_file(path)

    assert report.complete
    assert report.notices == (
        RowNote(
            2,
            "fulfillment_status 'on the boat' is not one wismo knows; it is taken from the "
            "tracking numbers instead",
        ),
    )
    shipped, waiting = await shop.repository.get("1042"), await shop.repository.get("1043")
    assert shipped is not None
    assert waiting is not None
    assert shipped.fulfillment_status is FulfillmentStatus.FULFILLED
    assert waiting.fulfillment_status is FulfillmentStatus.UNFULFILLED


async def test_blank_rows_and_placeholder_cells_are_skipped(shop: Harness) -> None:
    path = shop.file(HEADER + "1042,,N/A,-,none,,,\n,,,,,,,\n\n")

    report = await shop.importer.import_file(path)

    order = await shop.repository.get("1042")
    assert (report.rows, report.complete) == (1, True)
    assert order is not None
    assert (order.email, order.phone, order.postal_code) == (None, None, None)


async def test_a_row_with_more_cells_than_the_header_is_refused(shop: Harness) -> None:
    path = shop.file("order_number,postal_code\n1042,Paris, 75011\n1043,75011,\n")

    report = await shop.importer.import_file(path)

    assert [(p.line, p.message.split(" (")[0]) for p in report.problems] == [
        (2, "has 3 cells but the header has 2 columns")
    ]
    assert await shop.repository.get("1043") is not None


async def test_progress_is_reported_while_reading_and_per_saved_batch(shop: Harness) -> None:
    text = HEADER + "".join(f"{5000 + i},YT{i:016d},,,,,,\n" for i in range(2500))
    seen: list[tuple[Stage, int, int]] = []

    await shop.importer.import_file(shop.file(text), progress=lambda *report: seen.append(report))

    reading = [report for report in seen if report[0] is Stage.READING]
    saving = [report[1:] for report in seen if report[0] is Stage.SAVING]
    assert 0 < reading[0][1] < len(text)
    assert reading[-1][1:] == (len(text), len(text))
    assert saving == [(done, 2500) for done in range(50, 2501, 50)]


async def test_an_unterminated_quote_is_reported_not_imported_as_one_bogus_order(
    shop: Harness,
) -> None:
    path = shop.file(
        "order_number,tracking_numbers\n"
        "1001,LX123456785CN\n"
        '1002,"YT2430421272039912\n'
        "1003,YT2430421272039913\n"
        "1004,YT2430421272039914\n"
    )

    report = await shop.importer.import_file(path)

    assert not report.complete
    assert report.problems == (
        RowNote(
            3,
            "a double quote opened on line 3 is never closed, so lines 3–5 were read as one "
            "row; close the quote (or remove it) and import again",
        ),
    )
    assert (report.rows, report.orders) == (2, 1)
    assert await shop.repository.get("1002") is None


async def test_a_quoted_cell_over_several_lines_at_the_end_of_the_file_is_fine(
    shop: Harness,
) -> None:
    path = shop.file('order_number,tracking_numbers\n1001,"LX123456785CN;\nYT2430421272039912"\n')

    report = await shop.importer.import_file(path)

    assert report.complete
    order = await shop.repository.get("1001")
    assert order is not None
    assert len(order.parcels) == 2


async def test_a_cell_over_the_csv_field_limit_makes_the_file_unreadable_in_one_line(
    shop: Harness,
) -> None:
    path = shop.file("order_number,tracking_numbers\n1001,LX123456785CN\n1002," + "x" * 140_000)

    with pytest.raises(OrderFileUnreadable) as raised:
        await shop.importer.import_file(path)

    assert str(raised.value) == (
        "orders.csv: line 3: a cell is longer than 131,072 characters; this is not an order "
        "file, or a cell holds something else"
    )


async def test_an_unterminated_quote_swallowing_a_long_file_says_so(shop: Harness) -> None:
    path = shop.file('order_number,tracking_numbers\n1001,"LX1\n' + "1002,YT2\n" * 20_000)

    with pytest.raises(OrderFileUnreadable, match="line 2: a double quote opened here is never"):
        await shop.importer.import_file(path)


async def test_the_tracking_number_check_warns_per_line_and_may_leave_a_number_out(
    shop: Harness,
) -> None:
    def check(text: str, carrier: str | None) -> CheckedParcel:
        if text.replace(" ", "").isalpha():
            return CheckedParcel(text, None, "not a tracking number; not imported", False)
        return CheckedParcel(text, carrier, None if carrier != "fedx" else "unknown carrier")

    importer = OrderImporter(shop.repository, clock=shop.time.now, check=check)
    path = shop.file("order_number,tracking_numbers\n1001,hello world\n1002,fedx:794612345680\n")

    report = await importer.import_file(path)

    assert report.parcel_warnings == (
        ParcelWarning(2, "not a tracking number; not imported", imported=False),
        ParcelWarning(3, "unknown carrier", imported=True),
    )
    assert not report.complete  # a number was left out
    first, second = await shop.repository.get("1001"), await shop.repository.get("1002")
    assert first is not None
    assert first.parcels == ()
    assert second is not None
    assert [p.tracking_number for p in second.parcels] == ["794612345680"]
