"""`wismo orders import` and `wismo orders find`, run through the real CLI entry point."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.cli.orders import _ProgressBar
from stores.importer import Stage
from tests.conftest import fresh_sqlite_url
from tests.stores.servers import Reply, ScriptedStore, payload

DEMO = Path(__file__).resolve().parents[2] / "stores" / "demo_orders.csv"
GRAPHQL = "/admin/api/2026-10/graphql.json"


@pytest.fixture
def wismo(monkeypatch: pytest.MonkeyPatch, sqlite_template: Path, tmp_path: Path) -> list[str]:
    """Runs against a fresh migrated SQLite database and no .env file."""
    for name in ("WISMO_STORE_SOURCE", "SHOPIFY_SHOP", "SHOPIFY_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WISMO_DATABASE_URL", fresh_sqlite_url(sqlite_template, tmp_path))
    return ["--env-file", str(tmp_path / "absent.env")]


def test_the_demo_orders_import_cleanly(
    wismo: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*wismo, "orders", "import", str(DEMO)])

    out, err = capsys.readouterr()
    assert code == 0
    assert "imported 15 orders from 15 of 15 rows (15 new, 0 updated, 0 unchanged)" in out
    assert "ignored columns: product" in out
    assert err == ""  # no progress bar when stderr is not a terminal


def test_importing_again_updates_only_what_changed(
    wismo: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = tmp_path / "changed.csv"
    changed.write_text(
        DEMO.read_text(encoding="utf-8").replace("#1004,,", "#1004,yunexpress:YT2431221272000001,"),
        encoding="utf-8",
    )
    main([*wismo, "orders", "import", str(DEMO)])
    capsys.readouterr()

    assert main([*wismo, "orders", "import", str(DEMO)]) == 0
    assert "(0 new, 0 updated, 15 unchanged)" in capsys.readouterr().out
    assert main([*wismo, "orders", "import", str(changed)]) == 0
    assert "(0 new, 1 updated, 14 unchanged)" in capsys.readouterr().out


def test_bad_rows_exit_1_listing_each_line_and_why(
    wismo: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_number,tracking_numbers,ordered_at\n"
        "1,LX123456785CN,2026-11-01\n"
        ",LX123456785CN,\n"
        "3,,31/12/2026\n",
        encoding="utf-8",
    )

    code = main([*wismo, "orders", "import", str(path), "--quiet"])

    out, err = capsys.readouterr()
    assert code == 1
    assert "line 3: not imported: order_number is empty" in err
    assert "line 4: not imported: ordered_at '31/12/2026' is not an ISO 8601" in err
    assert "imported 1 orders from 1 of 3 rows" in out
    assert "2 rows were not imported" in out


def test_only_the_first_hundred_problems_are_listed_unless_asked(
    wismo: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_number,email\n" + "".join(f"{i},x\n" for i in range(150)), "utf-8")

    assert main([*wismo, "orders", "import", str(path)]) == 1
    short = capsys.readouterr().err
    assert main([*wismo, "orders", "import", str(path), "--all-problems"]) == 1
    full = capsys.readouterr().err

    assert short.count("not imported:") == 100
    assert "… and 50 more rows not imported" in short
    assert full.count("not imported:") == 150


def test_an_unreadable_file_exits_2(
    wismo: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("email,phone\n", encoding="utf-8")

    code = main([*wismo, "orders", "import", str(path)])

    assert code == 2
    assert "order_number column" in capsys.readouterr().err


def test_an_unmigrated_database_is_refused_unless_migrate_is_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    args = ["--env-file", str(tmp_path / "absent.env"), "orders", "import", str(DEMO)]

    assert main(args) == 2
    assert "wismo db upgrade" in capsys.readouterr().err
    assert main([*args, "--migrate"]) == 0


def test_an_unknown_timezone_is_a_configuration_error(
    wismo: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*wismo, "orders", "import", str(DEMO), "--timezone", "Mars/Olympus"]) == 2
    assert "IANA" in capsys.readouterr().err


def test_the_progress_bars_show_checking_then_importing_on_the_given_stream() -> None:
    stream = io.StringIO()
    bar = _ProgressBar(True, stream)

    bar(Stage.READING, 40_000, 90_000)
    bar(Stage.READING, 90_000, 90_000)
    bar(Stage.SAVING, 1000, 2500)
    bar(Stage.SAVING, 2500, 2500)
    bar.close()

    shown = stream.getvalue()
    assert "checking: 100%" in shown
    assert "importing: 100%" in shown
    assert "2500/2500" in shown


async def test_find_asks_the_configured_store_and_shows_parcels_but_no_personal_data(
    wismo: list[str],
    monkeypatch: pytest.MonkeyPatch,
    aiohttp_server: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = ScriptedStore().on("POST", GRAPHQL, Reply(body=payload("shopify_order.json")))
    server = await aiohttp_server(store.app())
    for name in ("META_APP_SECRET", "META_VERIFY_TOKEN", "META_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)  # checking a store needs nothing of Meta's
    for name, value in {
        "WISMO_STORE_SOURCE": "shopify",
        "SHOPIFY_SHOP": str(server.make_url("")),
        "SHOPIFY_ACCESS_TOKEN": "shpat_test",
    }.items():
        monkeypatch.setenv(name, value)

    code = await asyncio.to_thread(main, [*wismo, "orders", "find", "#1042"])

    out = capsys.readouterr().out
    assert code == 0
    assert "order 1042 (shopify, partially_fulfilled, ordered 2026-11-02)" in out
    assert "parcel YT2430421272039912 (yunexpress)" in out
    assert "email, instagram username, phone last4, postal code" in out
    assert "mei" not in out.lower()


def test_find_names_the_missing_store_setting(
    wismo: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("META_APP_SECRET", "META_VERIFY_TOKEN", "META_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "WISMO_STORE_SOURCE": "shopify",
        "SHOPIFY_SHOP": "my-store",
    }.items():
        monkeypatch.setenv(name, value)

    assert main([*wismo, "orders", "find", "1042"]) == 2
    assert "SHOPIFY_ACCESS_TOKEN" in capsys.readouterr().err


def test_suspect_tracking_numbers_are_warned_per_line_and_counted(
    wismo: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_number,tracking_numbers\n"
        "1001,hello world\n"
        "1002,LX123456784CN\n"
        "1003,fedx:794612345680\n"
        "1004,yanwen:UA204813765CN\n",
        encoding="utf-8",
    )

    code = main([*wismo, "orders", "import", str(path), "--quiet"])

    out, err = capsys.readouterr()
    assert code == 1  # a tracking number was left out
    assert err.splitlines() == [
        "line 2: tracking number: 'hello world' is not a tracking number in any format wismo "
        "knows; not imported",
        "line 3: tracking number: LX123456784CN doesn't look quite right: one character seems "
        "to be mistyped (its check digit doesn't match); check it against the shipping "
        "confirmation; imported as it is",
        "line 4: tracking number: carrier 'fedx' is not one wismo knows (did you mean fedex?); "
        "imported without a carrier",
    ]
    assert "imported 4 orders from 4 of 4 rows" in out
    assert "3 tracking numbers look wrong (see above): 2 imported, 1 not imported" in out


def test_a_cell_longer_than_the_csv_limit_exits_2_with_one_line(
    wismo: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_number,tracking_numbers\n1001," + "x" * 140_000 + "\n", "utf-8")

    code = main([*wismo, "orders", "import", str(path)])

    assert code == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "wismo: orders.csv: line 2: a cell is longer than 131,072 characters; this is not an "
        "order file, or a cell holds something else"
    ]


def test_db_upgrade_lists_what_it_applied_then_says_nothing_was_left(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WISMO_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    args = ["--env-file", str(tmp_path / "absent.env"), "db", "upgrade"]

    assert main(args) == 0
    first = capsys.readouterr().out.splitlines()
    assert main(args) == 0
    second = capsys.readouterr().out.splitlines()

    applied = [line for line in first if line.startswith("applied ")]
    revisions = [line.split()[1].rstrip(":") for line in applied]
    assert revisions.index("carriers_0001") < revisions.index("carriers_0002")  # oldest first
    assert "bot_0001" in revisions
    assert first[-1] == f"database is up to date: {len(applied)} migrations applied"
    assert second == ["database is up to date: no migrations to apply"]
