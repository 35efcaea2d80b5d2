"""`wismo serve` as a real subprocess for crash and multi-process tests: start, read its address,
SIGKILL or stop it. Every wait has a deadline."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.bot.harness import ACCOUNT, APP_SECRET, VERIFY_TOKEN

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    process: asyncio.subprocess.Process
    url: str
    log: Path

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no graceful anything, as when the machine pulls the plug."""
        self.process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(self.process.wait(), 10)

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 20)


def server_env(database_url: str, graph_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("WISMO_", "META_"))
    }
    env.update(
        {
            "WISMO_DATABASE_URL": database_url,
            "META_APP_SECRET": APP_SECRET,
            "META_VERIFY_TOKEN": VERIFY_TOKEN,
            "META_ACCESS_TOKEN": "fake-instagram-user-token",
            "META_GRAPH_URL": graph_url,
            "META_IG_ACCOUNT_ID": ACCOUNT,
            "WISMO_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


async def start_server(
    env: dict[str, str], log: Path, *, port: int = 0, migrate: bool = False
) -> Server:
    """Run `python -m bot serve` and wait (at most 30 s) for the address it prints."""
    arguments = [sys.executable, "-m", "bot", "--env-file", "", "serve", "--port", str(port)]
    if migrate:
        arguments.append("--migrate")
    with log.open("ab") as stderr:
        process = await asyncio.create_subprocess_exec(
            *arguments, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=stderr
        )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 30)
    except TimeoutError:
        process.kill()
        raise
    text = line.decode().strip()
    if not text.startswith("wismo: listening on "):
        await process.wait()
        raise AssertionError(f"server did not start: {text!r}\n{log.read_text()[-3000:]}")
    return Server(process, text.removeprefix("wismo: listening on "), log)
