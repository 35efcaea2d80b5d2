"""The console (/console) and its JSON API (/api/v1) as sub-applications, with their routes.

The routes are declared here, not beside their handlers, so that the modules behind them (the
pages, the console's queries and figures, the API's wire models: about 1 MB resident) are
imported by the first request that needs them: a service whose console and API nobody uses
never loads them (bench/README.md, memory). aiohttp fixes an application's routes before it
starts, so every route is registered as usual, with a handler that finds its function in
web.py or api.py when it is called; the middlewares likewise.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

PAGES = "conversations.console.web"
API = "conversations.console.api"
STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True, slots=True)
class Route:
    """One route: `handler` names its function in the module the route table belongs to."""

    method: str
    path: str
    name: str
    handler: str


CONSOLE_ROUTES = (
    Route("GET", "/login", "login", "login"),
    Route("POST", "/login", "login_submit", "login_submit"),
    Route("POST", "/logout", "logout", "logout"),
    Route("GET", "/", "home", "home"),
    Route("GET", "/conversations", "conversations", "conversations"),
    Route("GET", "/conversations/{conversation_id}", "conversation", "conversation"),
    Route("POST", "/conversations/{conversation_id}/reply", "reply", "reply"),
    Route("POST", "/conversations/{conversation_id}/hand-back", "hand_back", "hand_back"),
    Route("POST", "/conversations/{conversation_id}/resolve", "resolve", "resolve"),
    Route("GET", "/handoffs", "handoffs", "handoffs"),
    Route("GET", "/health", "health", "health"),
    Route("GET", "/accounts", "accounts", "accounts"),
    Route("POST", "/accounts/connect", "connect_account", "connect_account"),
    Route("GET", "/accounts/oauth/start", "oauth_start", "oauth_start"),
    Route("GET", "/accounts/oauth/callback", "oauth_callback", "oauth_callback"),
    Route("GET", "/figures", "figures", "figures"),
    Route("GET", "/export", "export", "export"),
)
"""The console's pages and forms, in web.py."""

API_ROUTES = (
    Route("GET", "/conversations", "api_conversations", "conversations"),
    Route("GET", "/conversations/{conversation_id}", "api_conversation", "conversation"),
    Route("GET", "/openapi.json", "api_openapi", "openapi"),
)
"""The JSON API's routes, in api.py."""


def _handler(module: str, function: str) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        found: Handler = getattr(import_module(module), function)
        return await found(request)

    return handle


def _middleware(module: str, function: str) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        found: Middleware = getattr(import_module(module), function)
        return await found(request, handler)

    return middleware


def _add(app: web.Application, module: str, routes: tuple[Route, ...]) -> None:
    for route in routes:
        handler = _handler(module, route.handler)
        if route.method == "GET":
            app.router.add_get(route.path, handler, name=route.name)  # and HEAD
        else:
            app.router.add_route(route.method, route.path, handler, name=route.name)


def console_app() -> web.Application:
    """The console as a sub-application to mount at /console; it reads `CONTEXT` from the
    parent application (bot/app/factory.py publishes it at start-up). Every route but the
    login form and the stylesheet goes through web.py's `guard`."""
    app = web.Application(middlewares=[_middleware(PAGES, "guard")])
    _add(app, PAGES, CONSOLE_ROUTES)
    app.router.add_static("/static", STATIC, name="static")
    return app


def api_app() -> web.Application:
    """The API as a sub-application to mount at /api/v1 (reads `CONTEXT` from the parent);
    every route goes through api.py's `bearer`."""
    app = web.Application(middlewares=[_middleware(API, "bearer")])
    _add(app, API, API_ROUTES)
    return app


__all__ = ["API_ROUTES", "CONSOLE_ROUTES", "Route", "api_app", "console_app"]
