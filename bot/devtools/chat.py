"""Talking to wismo as a buyer without Instagram: `wismo chat`, `wismo demo`, the transcripts.

`LocalChat` runs the real service (create_app: webhook, inbox, dialogue, orders, tracking,
outbox, sender) on a loopback port. A buyer's line is posted to the webhook as Meta would post
it, signed with the app secret; the Send API is `RecordingSendApi`, which keeps what the
sender delivers instead of calling Meta, so every step but Instagram itself is the real one.

Any number of chats may run, one after the other, on one database: the buyer's message ids and
the recorded sends' ids carry a prefix unique to the run, so a new run's messages are never
taken for duplicates of an earlier run's (the inbox's dedupe key) and its sends never collide
with an earlier run's message ids (the outbox's unique `message_id`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import keys
from bot.app.factory import Tuning, create_app
from bot.app.settings import Settings
from bot.instagram.messages import OutgoingMessage, QuickReply, TextMessage
from bot.instagram.sendapi import Profile, SendResult, SentMessage, Tag
from bot.instagram.signature import sign
from bot.pipeline.dialogue_port import Responder
from bot.pipeline.processor import paused
from bot.routes.webhook import PATH
from conversations.store import ConversationStore
from stores.importer import ImportReport, OrderImporter
from stores.repository import OrderRepository

LOCAL_ACCOUNT = "17841400000000000"
"""The Instagram account id local chats are addressed to."""

REPLY_TIMEOUT = 60.0
"""How long a local chat waits for the reply to one line before saying it gave up."""

# Local chats answer as soon as they can: polling is for missed doorbells only.
LOCAL_TUNING = Tuning(poll_seconds=0.2, sweep_seconds=5.0)


def run_ids(prefix: str) -> Callable[[], str]:
    """Ids `<prefix>-<run>-1`, `-2`, …, where `<run>` is new for every run of the process."""
    run = secrets.token_hex(4)
    numbers = itertools.count(1)
    return lambda: f"{prefix}-{run}-{next(numbers)}"


DEMO_ORDERS = Path(__file__).resolve().parents[2] / "stores" / "demo_orders.csv"
"""The demo shop's orders: every parcel is a sandbox scenario."""


async def import_demo_orders(
    sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> ImportReport:
    """Import (or re-import: it updates) the demo orders through the real CSV importer."""
    return await OrderImporter(OrderRepository(sessions), clock=clock).import_file(DEMO_ORDERS)


def local_settings(env: Mapping[str, str], **overrides: str) -> Settings:
    """Settings for a chat on this machine: the environment, with Meta's secrets made up
    when unset (nothing is sent to Meta) and `overrides` on top."""
    values = dict(env)
    values.setdefault("META_APP_SECRET", secrets.token_hex(16))
    values.setdefault("META_VERIFY_TOKEN", secrets.token_hex(8))
    values.setdefault("META_ACCESS_TOKEN", "local-chat")
    values["META_IG_ACCOUNT_ID"] = LOCAL_ACCOUNT
    values.update(overrides)
    return Settings.from_mapping(values)


@dataclass(frozen=True, slots=True)
class Delivered:
    recipient_id: str
    text: str | None
    quick_replies: tuple[QuickReply, ...]
    tag: Tag | None


@dataclass
class RecordingSendApi:
    """A Send API that keeps each message instead of sending it, and answers profile reads
    with the usernames it was given (the chat's `--as`)."""

    usernames: dict[str, str] = field(default_factory=dict)
    delivered: list[Delivered] = field(default_factory=list)
    _ids: Callable[[], str] = field(default_factory=lambda: run_ids("local"))
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(
        self, recipient_id: str, message: OutgoingMessage, *, tag: Tag | None = None
    ) -> SendResult:
        quick = message.quick_replies if isinstance(message, TextMessage) else ()
        text = message.text if isinstance(message, TextMessage) else None
        self.delivered.append(Delivered(recipient_id, text, tuple(quick), tag))
        self._arrived.set()
        return SendResult(message_id=self._ids(), recipient_id=recipient_id)

    async def recent_messages(
        self, recipient_id: str, *, since: datetime | None = None
    ) -> list[SentMessage]:
        return []

    async def profile(self, igsid: str) -> Profile:
        return Profile(username=self.usernames.get(igsid), name=None)


@dataclass
class LocalChat:
    """A running local wismo and the buyer side of its conversations."""

    url: str
    settings: Settings
    api: RecordingSendApi
    app: web.Application
    http: httpx.AsyncClient
    _mids: Callable[[], str] = field(default_factory=lambda: run_ids("local-in"))

    async def say(self, igsid: str, text: str, *, payload: str | None = None) -> list[Delivered]:
        """The buyer `igsid` writes `text` (tapping a quick reply when `payload` is given);
        returns the messages wismo sent back once it has nothing left to do."""
        message: dict[str, Any] = {"mid": self._mids(), "text": text}
        if payload is not None:
            message["quick_reply"] = {"payload": payload}
        body = {
            "object": "instagram",
            "entry": [
                {
                    "id": LOCAL_ACCOUNT,
                    "time": _millis(),
                    "messaging": [
                        {
                            "sender": {"id": igsid},
                            "recipient": {"id": LOCAL_ACCOUNT},
                            "timestamp": _millis(),
                            "message": message,
                        }
                    ],
                }
            ],
        }
        before = len(self.api.delivered)
        raw = json.dumps(body, separators=(",", ":")).encode()
        secret = self.settings.meta_app_secrets[0].get_secret_value().encode()
        response = await self.http.post(
            self.url + PATH,
            content=raw,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, secret)},
        )
        response.raise_for_status()
        await self.settled()
        return [item for item in self.api.delivered[before:] if item.recipient_id == igsid]

    async def handed_off(self, igsid: str) -> bool:
        """Whether a person has the buyer's conversation now, so wismo stays quiet in it."""
        async with self.app[keys.SESSIONS]() as session:
            conversation = await ConversationStore(session).find(LOCAL_ACCOUNT, igsid)
        quiet = timedelta(hours=self.settings.handoff_quiet_hours)
        now = self.app[keys.CLOCK]()
        return conversation is not None and paused(conversation, now, quiet)

    async def settled(self) -> None:
        """Wait until every event is handled and every message sent (TimeoutError after
        REPLY_TIMEOUT seconds)."""
        intake, inbox, outbox = self.app[keys.INTAKE], self.app[keys.INBOX], self.app[keys.OUTBOX]
        async with asyncio.timeout(REPLY_TIMEOUT):
            while True:
                spooled = await intake.waiting()
                waiting = await inbox.backlog()
                out = await outbox.backlog()
                if spooled + waiting.pending == 0 and not (
                    out.queued + out.sending + out.ambiguous
                ):
                    return
                await asyncio.sleep(0.05)


@asynccontextmanager
async def local_chat(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Callable[[], datetime] | None = None,
    api: RecordingSendApi | None = None,
    responder: Responder | None = None,
) -> AsyncIterator[LocalChat]:
    """Serve wismo on `host:port` (0: any free port) with a recording Send API; the
    responder defaults to the dialogue."""
    api = api or RecordingSendApi()
    options: dict[str, Any] = {"send_api": api, "tuning": LOCAL_TUNING}
    if responder is not None:
        options["responder"] = responder
    if clock is not None:
        options["clock"] = clock
    app = create_app(settings, **options)
    runner = web.AppRunner(app, handle_signals=False)
    try:
        # Inside: a step that fails to start still releases the steps that started.
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        url = f"http://{bound_host}:{bound_port}"
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as http:
            yield LocalChat(url, settings, api, app, http)
    finally:
        await runner.cleanup()


def _millis() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


__all__ = [
    "DEMO_ORDERS",
    "LOCAL_ACCOUNT",
    "Delivered",
    "LocalChat",
    "RecordingSendApi",
    "import_demo_orders",
    "local_chat",
    "local_settings",
]
