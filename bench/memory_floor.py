"""The memory floor of wismo's mandated stack, without any of wismo's own code.

    python -m bench.memory_floor            # run it with the production venv's python

Each step starts a fresh interpreter that imports one more layer of the stack the product card
fixes (aiohttp serving one route; SQLAlchemy's asyncio engine on aiosqlite, one connection
open; pydantic with one model validated; httpx with one client) and reports its resident set
(VmRSS) one second after the server listens, as `wismo serve` idle is read (bench/README.md,
"memory"). The last step is what any service built on these parts holds before its own
modules, data and workers.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

STEPS = ("aiohttp", "sqlalchemy", "pydantic+httpx")


def resident_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


async def hold(step: str, directory: Path) -> int:
    """Serve one route with the layers up to `step` in use; the resident set then."""
    from aiohttp import web

    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/", ok)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    layers = STEPS[: STEPS.index(step) + 1]
    if "sqlalchemy" in layers:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.orm import DeclarativeBase  # noqa: F401  (the ORM, as wismo uses it)

        engine = create_async_engine(f"sqlite+aiosqlite:///{directory / 'floor.db'}")
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    if "pydantic+httpx" in layers:
        import httpx
        import pydantic

        class Event(pydantic.BaseModel):
            sender: str
            timestamp: int

        Event.model_validate_json('{"sender": "1", "timestamp": 2}')
        client = httpx.AsyncClient()
    await asyncio.sleep(1.0)
    size = resident_kib()
    if "pydantic+httpx" in layers:
        await client.aclose()
    if "sqlalchemy" in layers:
        await engine.dispose()
    await runner.cleanup()
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.step:
        with tempfile.TemporaryDirectory() as directory:
            print(asyncio.run(hold(arguments.step, Path(directory))))
        return
    for step in STEPS:
        command = [sys.executable, "-m", "bench.memory_floor", "--step", step]
        kib = int(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        # MB as bench/README.md reports VmRSS: thousands of kB.
        print(f"{' + '.join(STEPS[: STEPS.index(step) + 1]):40} {kib / 1000:6.1f} MB")


if __name__ == "__main__":
    main()
