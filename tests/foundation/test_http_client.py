"""The HTTP client every outbound call goes through costs no module search per request."""

from __future__ import annotations

import sys

import httpx
from aiohttp import web


async def test_a_request_leaves_the_async_library_check_answered_from_loaded_modules(
    aiohttp_server,
):
    # httpcore checks which event loop runs several times per request by importing sniffio;
    # missing, every check is a failed import that searches the whole sys.path again.
    async def ok(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", ok)
    server = await aiohttp_server(app)
    async with httpx.AsyncClient() as client:
        response = await client.get(str(server.make_url("/")))
    assert response.text == "ok"
    assert "sniffio" in sys.modules
