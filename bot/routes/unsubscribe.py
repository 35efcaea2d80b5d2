"""GET/POST /updates/unsubscribe?token=…: the link in every update email. GET shows a page
asking to confirm (link scanners open links; GET never unsubscribes); POST, from that page's
button or a mail app's RFC 8058 one-click, unsubscribes. The handlers only translate HTTP; the
work is the Unsubscriber's."""

from __future__ import annotations

from aiohttp import web

from bot.updates.email import UNSUBSCRIBE_PATH
from bot.updates.unsubscribe import Page, Unsubscriber

UNSUBSCRIBER = web.AppKey("updates_unsubscriber", Unsubscriber)

routes = web.RouteTableDef()


def _not_here() -> web.Response:
    # Update emails are off (no WISMO_UNSUBSCRIBE_SECRET or SMTP): no link of ours can exist.
    return web.Response(status=404, text="not found")


@routes.get(UNSUBSCRIBE_PATH)
async def confirm(request: web.Request) -> web.Response:
    unsubscriber = request.app.get(UNSUBSCRIBER)
    if unsubscriber is None:
        return _not_here()
    return _page(await unsubscriber.confirm(request.query.get("token")))


@routes.post(UNSUBSCRIBE_PATH)
async def unsubscribe(request: web.Request) -> web.Response:
    unsubscriber = request.app.get(UNSUBSCRIBER)
    if unsubscriber is None:
        return _not_here()
    return _page(await unsubscriber.unsubscribe(request.query.get("token")))


def _page(page: Page) -> web.Response:
    return web.Response(
        status=page.status,
        text=page.html,
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


__all__ = ["UNSUBSCRIBER", "routes"]
