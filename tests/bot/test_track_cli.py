"""`wismo track` as a process: JSON shape, exit codes, the database as the cache."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot.__main__ import main
from tests.carriers.aftership_server import AfterShipServer, reference_tracking
from tests.carriers.source_server import answer, load_cases, start
from tests.conftest import fresh_sqlite_url

pytestmark = pytest.mark.slow  # each case starts a `wismo` process

ROOT = Path(__file__).resolve().parents[2]
Server = Callable[..., Awaitable[TestServer]]
TRACKING = reference_tracking("in_transit")
NUMBER = TRACKING["tracking_number"]
KUAIDI, _ = load_cases("kuaidi100")


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
async def aftership(aiohttp_server: Server) -> tuple[AfterShipServer, str]:
    fake = AfterShipServer(trackings={NUMBER: TRACKING})
    server = await aiohttp_server(fake.app())
    return fake, str(server.make_url("")).rstrip("/")


def clean_environment(database_url: str, **settings: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WISMO_", "AFTERSHIP_", "META_", "SEVENTEENTRACK_", "KUAIDI100_"))
    }
    env.update(WISMO_DATABASE_URL=database_url, **settings)
    return env


async def run_track(env: dict[str, str], *args: str) -> Run:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--env-file",
        "",
        "track",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


@pytest.fixture
def wismo(
    aftership: tuple[AfterShipServer, str], sqlite_template: Path, tmp_path: Path
) -> Callable[..., Awaitable[Run]]:
    _, url = aftership
    env = clean_environment(
        fresh_sqlite_url(sqlite_template, tmp_path),
        WISMO_PROVIDERS="aftership",
        AFTERSHIP_API_KEY="as-made-up-key",
        AFTERSHIP_BASE_URL=url,
        WISMO_FIRST_LOOKUP_SECONDS="0.06",  # the read-backs' wait, not what they find, is timed
    )

    async def run(*args: str) -> Run:
        return await run_track(env, *args)

    return run


async def test_a_found_parcel_prints_the_normalised_shipment_and_exits_0(
    wismo: Callable[..., Awaitable[Run]], aftership: tuple[AfterShipServer, str]
) -> None:
    fake, _ = aftership

    first = await wismo(NUMBER, "--json")
    second = await wismo(NUMBER.lower(), "--json")

    assert first.code == 0, first.err
    shipment = json.loads(first.out)
    assert {
        "number",
        "carrier",
        "status",
        "exception_reason",
        "estimated_delivery",
        "events",
        "source",
        "checked_at",
        "last_scan_at",
    } <= shipment.keys()
    assert (shipment["number"], shipment["carrier"], shipment["status"]) == (
        NUMBER,
        "yunexpress",
        "in_transit",
    )
    assert shipment["source"] == "aftership"
    assert shipment["estimated_delivery"] == {"earliest": "2025-06-10", "latest": "2025-06-10"}
    assert shipment["events"][-1] == {
        "time": "2025-06-02T19:20:00+08:00",
        "location": "Shenzhen, CN",
        "description": "Shipment information received",
        "status": "info_received",
    }
    assert datetime.fromisoformat(shipment["checked_at"]).tzinfo is not None
    assert second.code == 0
    assert json.loads(second.out)["served_from_cache"] is True
    assert fake.requests["GET"] == 1  # the second run was answered by the database


async def test_the_readable_output_names_the_carrier_status_and_events(
    wismo: Callable[..., Awaitable[Run]],
) -> None:
    result = await wismo(NUMBER)

    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"{NUMBER} · YunExpress · in transit"
    assert "Shipment information received" in result.out


async def test_a_number_no_source_knows_yet_exits_3_with_a_reason(
    wismo: Callable[..., Awaitable[Run]], aftership: tuple[AfterShipServer, str]
) -> None:
    fake, _ = aftership

    result = await wismo("YT2515300000000777", "--json")

    assert result.code == 3
    assert result.out == ""
    assert result.err.strip().startswith("wismo: YT2515300000000777 not found yet")
    assert len(result.err.strip().splitlines()) == 1
    assert fake.created == ["YT2515300000000777"]


async def test_when_every_source_fails_it_exits_4_with_a_reason(
    wismo: Callable[..., Awaitable[Run]], aftership: tuple[AfterShipServer, str]
) -> None:
    fake, _ = aftership
    fake.failing = True

    result = await wismo(NUMBER, "--refresh")

    assert result.code == 4
    assert result.err.strip().splitlines() == ["wismo: every source failed: aftership: HTTP 503"]


async def test_an_unknown_provider_is_refused(wismo: Callable[..., Awaitable[Run]]) -> None:
    result = await wismo(NUMBER, "--provider", "pigeon")

    assert result.code == 2
    assert "unknown source 'pigeon'" in result.err


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["hello"], "wismo: 'hello' is not a tracking number in any format wismo knows"),
        (
            ["LX123456784CN"],
            "wismo: LX123456784CN doesn't look quite right: one character seems to be mistyped "
            "(its check digit doesn't match); check it against the shipping confirmation",
        ),
        (
            ["794612345680", "--carrier", "nosuchcarrier"],
            "wismo: carrier 'nosuchcarrier' is not one wismo knows",
        ),
        (
            ["LX123456785CN", "--carrier", "ups"],
            "wismo: LX123456785CN is a China Post or DHL eCommerce number, not UPS",
        ),
    ],
)
def test_what_no_source_can_answer_exits_2_with_one_line_and_asks_no_source(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    line: str,
) -> None:
    # Any source asked would fail to connect (exit 4); only a refusal before asking exits 2.
    env = clean_environment(
        f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        WISMO_PROVIDERS="aftership",
        AFTERSHIP_API_KEY="as-made-up-key",
        AFTERSHIP_BASE_URL="http://127.0.0.1:9",
    )
    for key in list(os.environ):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    code = main(["--env-file", "", "track", *args])

    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err.strip().splitlines() == [line]
    assert not (tmp_path / "unused.db").exists()


async def test_a_tracking_link_is_looked_up_by_its_number(
    wismo: Callable[..., Awaitable[Run]],
) -> None:
    result = await wismo(f"https://t.17track.net/en#nums={NUMBER}", "--json")

    assert result.code == 0, result.err
    assert json.loads(result.out)["number"] == NUMBER


async def test_a_kuaidi100_number_is_routed_by_its_company_code_without_carrier(
    aiohttp_server: Server, sqlite_template: Path, tmp_path: Path
) -> None:
    kuaidi100 = await start(aiohttp_server)
    kuaidi100.on("/poll/query.do", answer(KUAIDI["in_transit"]["body"]))
    env = clean_environment(
        fresh_sqlite_url(sqlite_template, tmp_path),
        WISMO_PROVIDERS="kuaidi100",
        KUAIDI100_API_KEY="made-up-key",
        KUAIDI100_CUSTOMER="made-up-customer",
        KUAIDI100_BASE_URL=kuaidi100.url,
    )

    result = await run_track(env, "YT7500000000001", "--json")

    assert result.code == 0, result.err
    assert json.loads(result.out)["carrier"] == "yto"
    [query] = kuaidi100.to("/poll/query.do")
    assert json.loads(query.form["param"])["com"] == "yuantong"
