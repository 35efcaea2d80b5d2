"""GET/POST /updates/unsubscribe?token=…: the link in every update email (POST: RFC 8058
one-click unsubscribe from mail apps). The handler only translates HTTP; the work is the
Unsubscriber's."""

from __future__ import annotations

from aiohttp import web

from bot.updates.email import UNSUBSCRIBE_PATH
from bot.updates.unsubscribe import Unsubscriber

UNSUBSCRIBER = web.AppKey("updates_unsubscriber", Unsubscriber)

routes = web.RouteTableDef()


@routes.get(UNSUBSCRIBE_PATH)
@routes.post(UNSUBSCRIBE_PATH)
async def unsubscribe(request: web.Request) -> web.Response:
    unsubscriber = request.app.get(UNSUBSCRIBER)
    if unsubscriber is None:
        return web.Response(status=503, text="unavailable")
    page = await unsubscriber.unsubscribe(request.query.get("token"))
    return web.Response(
        status=page.status,
        text=page.html,
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


__all__ = ["UNSUBSCRIBER", "routes"]
