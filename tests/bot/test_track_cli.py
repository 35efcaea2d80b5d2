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

from tests.carriers.aftership_server import AfterShipServer, reference_tracking
from tests.conftest import fresh_sqlite_url

pytestmark = pytest.mark.slow  # each case starts a `wismo` process

ROOT = Path(__file__).resolve().parents[2]
Server = Callable[..., Awaitable[TestServer]]
TRACKING = reference_tracking("in_transit")
NUMBER = TRACKING["tracking_number"]


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


@pytest.fixture
def wismo(
    aftership: tuple[AfterShipServer, str], sqlite_template: Path, tmp_path: Path
) -> Callable[..., Awaitable[Run]]:
    _, url = aftership
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WISMO_", "AFTERSHIP_", "META_", "SEVENTEENTRACK_", "KUAIDI100_"))
    }
    env.update(
        WISMO_DATABASE_URL=fresh_sqlite_url(sqlite_template, tmp_path),
        WISMO_PROVIDERS="aftership",
        AFTERSHIP_API_KEY="as-made-up-key",
        AFTERSHIP_BASE_URL=url,
    )

    async def run(*args: str) -> Run:
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
