"""GET /healthz: database reachability and the inbox/outbox backlog."""

from __future__ import annotations

from datetime import timedelta

from tests.bot.harness import Clock, envelope, running_wismo, text


async def test_health_reports_the_backlog_and_lag(aiohttp_server, database_url):
    clock = Clock()
    async with running_wismo(aiohttp_server, database_url, workers=False, clock=clock) as wismo:
        body = (await wismo.http.get(wismo.url + "/healthz")).json()
        assert body == {
            "status": "ok",
            "database": "ok",
            "graph": {"status": "ok"},
            "inbox": {"pending": 0, "spooled": 0, "oldest_age_seconds": None},
            "outbox": {"queued": 0, "sending": 0, "ambiguous": 0, "oldest_age_seconds": None},
            "accounts": {"active": 0, "paused": 0, "disconnected": 0},
            "tokens": {"expiring": [], "refresh_failed": []},
            "paused_accounts": [],
        }
        await wismo.post(envelope(text("7100000000000001", "a"), text("7100000000000002", "b")))
        body = (await wismo.http.get(wismo.url + "/healthz")).json()
        assert body["inbox"]["pending"] == 2
        assert body["status"] == "ok"
        clock.offset = timedelta(minutes=10)  # nobody handled them for ten minutes
        response = await wismo.http.get(wismo.url + "/healthz")
        assert response.status_code == 200
        assert response.json()["status"] == "degraded"
        assert response.json()["inbox"]["oldest_age_seconds"] >= 600


async def test_health_is_unhealthy_without_a_usable_database(aiohttp_server, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'not-migrated.db'}"
    async with running_wismo(aiohttp_server, url, workers=False) as wismo:
        response = await wismo.http.get(wismo.url + "/healthz")
        assert response.status_code == 503
        assert response.json()["status"] == "unhealthy"
