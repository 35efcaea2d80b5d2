"""GET /healthz: is the database reachable and writable, how far behind are the inbox and the
outbox, how many Instagram accounts are connected, by status, and which accounts' sends are
paused (why, and how many messages wait for them), and which tokens expire within 7 days or
failed to refresh: any paused account or such token makes the service "degraded", as does
Graph failing (the sender's breaker open: bot/pipeline/breaker.py). A database that cannot be
written (read-only files, a full disk, a standby server), or on SQLite a spool that cannot,
makes it "unhealthy" (503): the webhook could acknowledge nothing. The write probe is one
committed write that changes nothing (bot/pipeline/unavailable.py, check_writable)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import text

from bot.accounts.tokens import token_alerts
from bot.app import keys
from bot.pipeline.unavailable import check_writable

routes = web.RouteTableDef()

LAGGING_SECONDS = 300
"""An inbox event or outbox message waiting longer than this makes the service "degraded"."""


def _age(now: datetime, since: datetime | None) -> float | None:
    return round((now - since).total_seconds(), 3) if since is not None else None


def _graph(app: web.Application, now: datetime) -> dict[str, Any]:
    """The Send API as the sender last found it: "ok", or "failing" since when."""
    breaker = app.get(keys.GRAPH)
    status = breaker.status() if breaker is not None else None
    if status is None or status.since is None:
        return {"status": "ok"}
    return {
        "status": "failing",
        "since": status.since.isoformat(),
        "failing_seconds": _age(now, status.since),
        "failed_probes": status.failed_probes,
    }


def _unhealthy(database: str) -> web.Response:
    return web.json_response({"status": "unhealthy", "database": database}, status=503)


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    app = request.app
    try:
        async with app[keys.ENGINE].connect() as connection:
            await connection.execute(text("SELECT 1"))
        spooled = await app[keys.INTAKE].waiting()
        inbox = await app[keys.INBOX].backlog()
        outbox = await app[keys.OUTBOX].backlog()
        accounts = await app[keys.ACCOUNTS].counts()
        paused = await app[keys.OUTBOX].paused_accounts()
        listed = await app[keys.ACCOUNTS].accounts()
    except Exception as exc:
        return _unhealthy(f"unreachable: {type(exc).__name__}")
    try:
        await check_writable(app[keys.ENGINE])
        await app[keys.INTAKE].probe()
    except Exception as exc:
        return _unhealthy(f"not writable: {type(exc).__name__}")
    now = app[keys.CLOCK]()
    inbox_age = _age(now, inbox.oldest_received_at)
    outbox_age = _age(now, outbox.oldest_created_at)
    lagging = any(age is not None and age > LAGGING_SECONDS for age in (inbox_age, outbox_age))
    # A token within 7 days of expiry, or whose refresh failed, will stop every reply soon.
    tokens = token_alerts(listed, now)
    tokens_due = bool(tokens["expiring"] or tokens["refresh_failed"])
    graph = _graph(app, now)
    degraded = lagging or paused or tokens_due or graph["status"] != "ok"
    body: dict[str, Any] = {
        "status": "degraded" if degraded else "ok",
        "database": "ok",
        "graph": graph,
        "inbox": {
            "pending": inbox.pending,
            # On SQLite: acknowledged deliveries still on their way in (bot/pipeline/spool.py).
            "spooled": spooled,
            "oldest_age_seconds": inbox_age,
        },
        "outbox": {
            "queued": outbox.queued,
            "sending": outbox.sending,
            "ambiguous": outbox.ambiguous,
            "oldest_age_seconds": outbox_age,
        },
        "accounts": {status.value: count for status, count in accounts.items()},
        "tokens": tokens,
        "paused_accounts": [
            {
                "account_id": hold.account_id,
                "reason": hold.reason,
                "held": sum(hold.held.values()),
                "since": hold.since.isoformat(),
            }
            for hold in paused
        ],
    }
    return web.json_response(body)
