"""A database that cannot be written is reported truthfully: /healthz fails with 503 (a write
probe, not only a read), and `wismo serve` on read-only files exits at once with one line
instead of serving nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.app.settings import Settings
from bot.cli.serve import prepare_database
from bot.errors import DatabaseUnusable
from tests.bot.harness import running_wismo, settings

ROOT = Path(__file__).resolve().parents[2]


def read_only_sessions(dbapi_connection: Any, _record: Any) -> None:
    """Each new connection may read but not write: SQLite's query_only, PostgreSQL's
    default_transaction_read_only (what a standby or a read-only database gives too)."""
    cursor = dbapi_connection.cursor()
    if "sqlite" in type(dbapi_connection).__module__:
        cursor.execute("PRAGMA query_only = ON")
    else:
        cursor.execute("SET default_transaction_read_only = on")
    cursor.close()
    dbapi_connection.commit()  # SET is transactional on PostgreSQL: keep it


async def test_health_fails_when_the_database_can_be_read_but_not_written(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        assert (await wismo.http.get(wismo.url + "/healthz")).status_code == 200
        event.listen(wismo.engine.sync_engine, "connect", read_only_sessions)
        await wismo.engine.dispose()  # new connections: read-only from now on
        response = await wismo.http.get(wismo.url + "/healthz")
        assert response.status_code == 503
        assert response.json()["status"] == "unhealthy"
        assert response.json()["database"].startswith("not writable: ")
        event.remove(wismo.engine.sync_engine, "connect", read_only_sessions)
        await wismo.engine.dispose()
        assert (await wismo.http.get(wismo.url + "/healthz")).status_code == 200


async def test_start_up_refuses_a_database_it_can_only_read(sqlite_template: Path, tmp_path: Path):
    path = tmp_path / "wismo.db"
    shutil.copy(sqlite_template, path)
    read_only: Settings = settings(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(DatabaseUnusable, match="cannot write to the database") as refused:
        await prepare_database(read_only, apply_migrations=False)
    assert "readonly" in str(refused.value)
    assert "\n" not in str(refused.value)


def unshare_available() -> bool:
    if not shutil.which("unshare") or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False, timeout=10)
    return probe.returncode == 0


@pytest.mark.skipif(not unshare_available(), reason="needs root and mount namespaces")
def test_serve_on_read_only_files_exits_at_once_with_one_line(
    sqlite_template: Path, tmp_path: Path
):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(sqlite_template, data / "wismo.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WISMO_", "META_"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "WISMO_DATABASE_URL": f"sqlite+aiosqlite:///{data / 'wismo.db'}",
        "META_APP_SECRET": "s",
        "META_VERIFY_TOKEN": "v",
        "META_ACCESS_TOKEN": "t",
        "META_IG_ACCOUNT_ID": "17841400000000001",
    }
    # The files sit on a read-only mount, as after a remount on disk errors.
    script = (
        f"mount --bind {data} {data} && mount -o remount,bind,ro {data} && "
        f"exec {sys.executable} -m bot --env-file '' serve --port 0"
    )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "listening" not in done.stdout
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if not line.startswith("wismo: warning")]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("wismo: cannot write to the database sqlite+aiosqlite:///")
