"""CSV export cells: no spreadsheet, whatever its list separator, sees a formula in them."""

from __future__ import annotations

import csv
import io

import pytest

from conversations.console.cells import formula_cells, safe_cell
from tests.console.harness import add_user, console_wismo, merchant, seed_conversation

ATTACKS = [
    "=1+1",
    "thanks;=cmd|' /C calc'!A0",
    "thanks,=cmd|' /C calc'!A0",
    "thanks\t=cmd|' /C calc'!A0",
    "ok; +SUM(A1:A9)",
    "ok;  -2+3",
    "a|@SUM(1)",
    'line one\n=HYPERLINK("http://x")',
    "full width ；＝1+1 and ;＝1",
    "\t=1",
    "\r=1",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_no_piece_of_a_cell_starts_a_formula_on_any_separator(text: str) -> None:
    cell = safe_cell(text)
    assert formula_cells(text)  # each attack is one without the guard
    assert formula_cells(cell) == []
    assert cell.replace("'", "") == text.replace("'", "")  # only quotes were added


@pytest.mark.parametrize("text", ["where is my order #1042?", "a-b, c=d", "x@y.com", "", "12"])
def test_ordinary_text_is_left_as_it_is(text: str) -> None:
    assert safe_cell(text) == text


async def test_the_export_holds_no_formula_for_a_semicolon_spreadsheet(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await seed_conversation(wismo, buyer_text="thanks;=cmd|' /C calc'!A0")
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            exported = (await anna.page("/console/export", format="csv")).text
    for delimiter in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(exported), delimiter=delimiter):
            assert [cell for cell in row if formula_cells(cell)] == [], (delimiter, row)
