"""A recording loopback server that plays a tracking source, and a clock tests can move.

Each test queues replies per path (the last one repeats); every request is recorded with its
headers, query and body, and a test can wait until a given number of requests has arrived.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.test_utils import TestServer

Reply = Callable[[web.Request], Awaitable[web.StreamResponse]]
ServerFactory = Callable[..., Awaitable[TestServer]]


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, encoded = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        user, _, password = base64.b64decode(encoded).decode().partition(":")
        return user, password

    @property
    def bearer(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return token if scheme.lower() == "bearer" else None


@dataclass
class FakeSource:
    """A loopback source: records each request and answers from the replies queued for its path."""

    server: TestServer
    received: list[Received] = field(default_factory=list)
    replies: dict[str, list[Reply]] = field(default_factory=dict)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def on(self, path: str, *replies: Reply) -> None:
        """Answer requests for `path` with `replies` in order, repeating the last one."""
        self.replies.setdefault(path, []).extend(replies)

    def to(self, path: str) -> list[Received]:
        return [request for request in self.received if request.path == path]

    async def wait_for(self, path: str, count: int, timeout: float = 5.0) -> None:
        """Until `count` requests for `path` have arrived; fails after `timeout` seconds."""
        async with self.arrived:
            await asyncio.wait_for(
                self.arrived.wait_for(lambda: len(self.to(path)) >= count), timeout
            )

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.received.append(
            Received(
                request.method,
                request.path,
                dict(request.query),
                {name.lower(): value for name, value in request.headers.items()},
                await request.read(),
            )
        )
        async with self.arrived:
            self.arrived.notify_all()
        queue = self.replies.get(request.path)
        if not queue:
            return web.json_response({"unexpected": request.path}, status=418)
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return await reply(request)


async def start(aiohttp_server: ServerFactory) -> FakeSource:
    app = web.Application()
    holder: list[FakeSource] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        return await holder[0]._handle(request)

    app.router.add_route("*", "/{tail:.*}", handle)
    holder.append(FakeSource(await aiohttp_server(app)))
    return holder[0]


def answer(body: Any, status: int = 200, **headers: str) -> Reply:
    async def reply(request: web.Request) -> web.StreamResponse:
        return web.json_response(body, status=status, headers=headers)

    return reply


def text(body: str, status: int = 200, content_type: str = "text/html", **headers: str) -> Reply:
    async def reply(request: web.Request) -> web.StreamResponse:
        return web.Response(text=body, status=status, content_type=content_type, headers=headers)

    return reply


def held(until: asyncio.Event, then: Reply) -> Reply:
    """Answers with `then` once `until` is set (for requests that must stay in flight)."""

    async def reply(request: web.Request) -> web.StreamResponse:
        await until.wait()
        return await then(request)

    return reply


def never() -> Reply:
    """A source that accepts the request and never answers."""
    return held(asyncio.Event(), text("unreachable"))


def token(value: str = "token-1", expires_in: int | str = 3599, **extra: Any) -> Reply:
    """A client-credentials token answer in the shape the three OAuth sources share."""
    return answer(
        {"access_token": value, "token_type": "Bearer", "expires_in": expires_in, **extra}
    )


@dataclass
class Clock:
    """The injected clock: stands still until a test moves it."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


CASES_DIRECTORY = Path(__file__).parent / "data"


def load_cases(source: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A source's documented cases (`reference.json`) and ours (`cases.json`), by name."""

    def by_name(name: str) -> dict[str, Any]:
        cases = json.loads((CASES_DIRECTORY / source / name).read_text())["cases"]
        return {case["name"]: case for case in cases}

    return by_name("reference.json"), by_name("cases.json")
