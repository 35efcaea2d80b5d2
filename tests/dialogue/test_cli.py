"""`wismo chat` and `wismo demo` as a person uses them: a process, lines in, answers out."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conversations.console.auth import Authenticator
from foundation.database import create_engine, create_sessions

ROOT = Path(__file__).resolve().parents[2]


def wismo(
    *args: str, stdin: str, cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", "", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("WISMO_", "META_"))},
            **env,
        },
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_the_demo_imports_its_orders_and_answers_what_it_suggests(tmp_path: Path) -> None:
    lines = "我的订单 #1003 到哪儿了\n电话尾号 0134\n/quit\n"
    done = wismo("demo", "--port", "0", stdin=lines, cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert "15 demo orders" in done.stdout
    assert "为了保护订单信息" in done.stdout  # asked for a proof first
    assert "订单 1003 分 2 个包裹发出" in done.stdout
    assert (tmp_path / "wismo-demo.db").exists()
    # The printed console login works on the demo's database.
    password = re.search(r"log in as demo, password (\S+)\)", done.stdout)
    assert password is not None
    url = f"sqlite+aiosqlite:///{tmp_path / 'wismo-demo.db'}"
    assert asyncio.run(logs_in(url, password.group(1)))


async def logs_in(url: str, password: str) -> bool:
    engine = create_engine(url)
    try:
        auth = Authenticator(create_sessions(engine), clock=lambda: datetime.now(UTC))
        outcome = await auth.login("demo", password, address="127.0.0.1")
        return outcome.token is not None
    finally:
        await engine.dispose()


@pytest.mark.slow
def test_chat_talks_to_the_configured_database_and_taps_quick_replies(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"
    env = {"PYTHONPATH": str(ROOT), "WISMO_DATABASE_URL": url, "WISMO_STORE_NAME": "Chat Shop"}
    done = wismo("chat", "--migrate", stdin="hello\n1\n", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "Hi! I'm Chat Shop's automated assistant." in done.stdout
    assert "[1] Talk to a person" in done.stdout
    assert "I've asked the Chat Shop team to reply to you here." in done.stdout
