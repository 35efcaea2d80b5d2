"""GET /healthz: is the database reachable."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from bot import keys

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    try:
        async with request.app[keys.ENGINE].connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        return web.json_response(
            {"status": "unhealthy", "database": f"unreachable: {type(exc).__name__}"}, status=503
        )
    return web.json_response({"status": "ok", "database": "ok"})
