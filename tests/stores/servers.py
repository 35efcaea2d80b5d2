"""A scripted HTTP server playing a store's API: canned replies per route, every request recorded."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

DATA = Path(__file__).parent / "data"


def payload(name: str) -> Any:
    """A recorded response body from tests/stores/data."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: str | None = None


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


Responder = Reply | Callable[[Seen], Reply]


class ScriptedStore:
    """Replies to (method, path) with the scripted replies in turn; the last one repeats."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Responder]] = {}
        self.seen: list[Seen] = []

    def on(self, method: str, path: str, *replies: Responder) -> ScriptedStore:
        self.routes[(method, path)] = list(replies)
        return self

    def requests(self, path: str | None = None) -> list[Seen]:
        return [seen for seen in self.seen if path is None or seen.path == path]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        text = await request.text()
        body: Any = None
        if text:
            try:
                body = json.loads(text)
            except json.JSONDecodeError:
                body = text
        seen = Seen(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            body=body,
        )
        self.seen.append(seen)
        replies = self.routes.get((request.method, request.path))
        if not replies:
            return web.json_response(
                {"code": "rest_no_route", "message": "No route was found."}, status=404
            )
        responder = replies.pop(0) if len(replies) > 1 else replies[0]
        reply = responder(seen) if callable(responder) else responder
        if reply.raw is not None:
            return web.Response(
                status=reply.status, text=reply.raw, headers=reply.headers, content_type="text/html"
            )
        if reply.body is None:
            return web.Response(status=reply.status, headers=reply.headers)
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)
