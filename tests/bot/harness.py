"""Test harness for the webhook service: webhook bodies, signing, and a running wismo.

`running_wismo` starts the real app (create_app) on a random loopback port against a fresh
database and a FakeGraphApi that echoes every delivered message back to the webhook, as Meta
does. Waits are on conditions with deadlines, never fixed sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import keys
from bot.app.factory import Tuning, create_app
from bot.app.settings import Settings
from bot.instagram.signature import sign
from bot.pipeline.backoff import Backoff
from bot.pipeline.dialogue_port import GreetingResponder, Responder
from bot.pipeline.tables import InboxEvent, OutboxMessage
from carriers.service import ServiceOptions
from conversations.models import Conversation, Message
from conversations.store import ConversationStore
from foundation.database import create_engine
from tests.fakes.graph_api import FakeGraphApi

APP_SECRET = "test-app-secret"
SECOND_SECRET = "test-instagram-app-secret"
VERIFY_TOKEN = "test-verify-token"
ACCOUNT = "17841400000000001"
WEBHOOK = "/webhooks/instagram"

FAST = Tuning(
    poll_seconds=0.05,
    inbox_lease_seconds=5.0,
    renew_seconds=1.0,
    send_lease_seconds=5.0,
    sweep_seconds=0.2,
    echo_wait=timedelta(seconds=0.3),
    handling_backoff=Backoff(base=0.05, cap=0.2, attempts=3),
    send_backoff=Backoff(base=0.05, cap=0.2, attempts=4),
    stop_grace_seconds=2.0,
)

_mids = itertools.count(1)


def new_mid(prefix: str = "in") -> str:
    return f"aWdf{prefix}{next(_mids):08d}"


def now_ms() -> int:
    return int(time.time() * 1000)


def settings(database_url: str, graph_url: str = "http://127.0.0.1:9", **extra: str) -> Settings:
    return Settings.from_mapping(
        {
            "WISMO_DATABASE_URL": database_url,
            "META_APP_SECRET": f"{APP_SECRET},{SECOND_SECRET}",
            "META_VERIFY_TOKEN": VERIFY_TOKEN,
            "META_ACCESS_TOKEN": "fake-instagram-user-token",
            "META_GRAPH_URL": graph_url,
            "META_IG_ACCOUNT_ID": ACCOUNT,
            "WISMO_STORE_NAME": "Test Shop",
            "WISMO_PROVIDERS": "sandbox",
            **extra,
        }
    )


def envelope(*items: Mapping[str, Any], account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "object": "instagram",
        "entry": [{"id": account, "time": now_ms(), "messaging": list(items)}],
    }


def item(
    igsid: str, event: Mapping[str, Any], *, at: int | None = None, key: str = "message"
) -> dict[str, Any]:
    return {
        "sender": {"id": igsid},
        "recipient": {"id": ACCOUNT},
        "timestamp": at if at is not None else now_ms(),
        key: dict(event),
    }


def text(igsid: str, body: str, *, mid: str | None = None, at: int | None = None) -> dict[str, Any]:
    return item(igsid, {"mid": mid or new_mid(), "text": body}, at=at)


def echo_item(
    igsid: str, body: str, *, mid: str | None = None, at: int | None = None
) -> dict[str, Any]:
    return {
        "sender": {"id": ACCOUNT},
        "recipient": {"id": igsid},
        "timestamp": at if at is not None else now_ms(),
        "message": {"mid": mid or new_mid("echo"), "text": body, "is_echo": True},
    }


def encode(body: Mapping[str, Any] | bytes) -> bytes:
    if isinstance(body, bytes):
        return body
    # Meta's wire form: compact, non-ASCII escaped.
    return json.dumps(body, separators=(",", ":")).encode()


def signed_headers(raw: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, secret.encode())}


def entry(account: str, buyer: str, body: str) -> dict[str, Any]:
    """One webhook entry: `buyer` wrote `body` to the business account `account`."""
    return {
        "id": account,
        "time": now_ms(),
        "messaging": [
            {
                "sender": {"id": buyer},
                "recipient": {"id": account},
                "timestamp": now_ms(),
                "message": {"mid": new_mid(), "text": body},
            }
        ],
    }


def webhook(*entries: dict[str, Any]) -> dict[str, Any]:
    """A webhook body carrying `entries` (several accounts may share one delivery)."""
    return {"object": "instagram", "entry": list(entries)}


async def wait_until(
    condition: Callable[[], Awaitable[bool]], *, timeout: float = 10.0, interval: float = 0.02
) -> None:
    """Re-check `condition` until it holds; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


class Clock:
    """A controllable clock: real time shifted by `offset` (tests move it forward)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Wismo:
    """A running wismo and what a test needs to drive and observe it."""

    url: str
    fake: FakeGraphApi
    http: httpx.AsyncClient
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    app: web.Application

    async def post(
        self, body: Mapping[str, Any] | bytes, *, secret: str = APP_SECRET
    ) -> httpx.Response:
        """POST a signed webhook; once it is acknowledged, wait until its events are in the inbox.

        On SQLite an acknowledged delivery is durable in the spool first (bot/pipeline/spool.py).
        """
        raw = encode(body)
        response = await self.http.post(
            self.url + WEBHOOK, content=raw, headers=signed_headers(raw, secret)
        )
        if response.status_code == 200:
            await self.stored()
        return response

    async def handshake(self, challenge: str, **query: str) -> httpx.Response:
        """Meta's subscription check with the right verify token (`query` overrides)."""
        params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, **query}
        return await self.http.get(
            self.url + WEBHOOK, params={**params, "hub.challenge": challenge}
        )

    async def stored(self) -> None:
        """Wait until every acknowledged delivery has reached the inbox."""

        async def moved() -> bool:
            return await self.app[keys.INTAKE].waiting() == 0

        await wait_until(moved)

    async def say(self, igsid: str, body: str, **options: Any) -> str:
        """The buyer `igsid` sends `body`; returns its mid."""
        message = text(igsid, body, **options)
        response = await self.post(envelope(message))
        assert response.status_code == 200, response.text
        return str(message["message"]["mid"])

    async def conversation(self, igsid: str) -> Conversation | None:
        async with self.sessions() as session:
            return await ConversationStore(session).find(ACCOUNT, igsid)

    async def transcript(self, igsid: str) -> list[Message]:
        found = await self.conversation(igsid)
        if found is None:
            return []
        async with self.sessions() as session:
            return await ConversationStore(session).transcript(found.id)

    async def pending_events(self) -> int:
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(InboxEvent)
                .where(InboxEvent.processed_at.is_(None))
            )
            return int(count or 0)

    async def outbox(self) -> list[OutboxMessage]:
        async with self.sessions() as session:
            return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    async def settled(self) -> bool:
        """Nothing left to handle or send."""
        if await self.app[keys.INTAKE].waiting():
            return False
        pending = await self.pending_events()
        unfinished = [
            row for row in await self.outbox() if row.state in ("queued", "sending", "ambiguous")
        ]
        return pending == 0 and not unfinished

    async def wait_settled(self, timeout: float = 10.0) -> None:
        await wait_until(self.settled, timeout=timeout)

    def delivered_to(self, igsid: str) -> list[str | None]:
        return [message.text for message in self.fake.delivered if message.recipient_id == igsid]


@contextlib.asynccontextmanager
async def running_wismo(
    aiohttp_server: Any,
    database_url: str,
    *,
    responder: Responder | None = None,
    clock: Callable[[], datetime] | None = None,
    random: Callable[[], float] = lambda: 0.5,
    echoes: bool = True,
    tuning: Tuning = FAST,
    workers: bool = True,
    fake: FakeGraphApi | None = None,
    dialogue: bool = False,
    tracking_options: ServiceOptions | None = None,
    **setting: str,
) -> AsyncIterator[Wismo]:
    """A running wismo; the spine's tests answer with the greeting, `dialogue=True` with the
    real dialogue (over the sandbox tracking source unless WISMO_PROVIDERS says otherwise)."""
    fake = fake or FakeGraphApi(account_id=ACCOUNT)
    fake_server = await aiohttp_server(fake.app)
    fake.url = str(fake_server.make_url("")).rstrip("/")
    engine = create_engine(database_url)
    options: dict[str, Any] = {
        "engine": engine,
        "random": random,
        "tuning": tuning,
        "workers": workers,
    }
    if clock is not None:
        options["clock"] = clock
    if tracking_options is not None:
        options["tracking_options"] = tracking_options
    if responder is None and not dialogue:
        responder = GreetingResponder("Test Shop")
    if responder is not None:
        options["responder"] = responder
    app = create_app(settings(database_url, fake.url, **setting), **options)
    server = await aiohttp_server(app)
    url = str(server.make_url("")).rstrip("/")
    if echoes:
        fake.deliver_echoes(url + WEBHOOK, APP_SECRET)
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as http:
            yield Wismo(url, fake, http, engine, app[keys.SESSIONS], app)
    finally:
        await server.close()
        await engine.dispose()
