"""Console test harness: a running wismo with console users, a logged-in client, seeded data.

`console_wismo` runs the real app (create_app) on a random loopback port against a fresh
database; `Merchant` is a browser-like client with a cookie jar that reads CSRF tokens from
the pages it was served, as a browser's form would send them.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aiohttp import web

from conversations.console.auth import Authenticator
from conversations.console.context import CONTEXT
from conversations.models import Author, Conversation, Delivery, Direction, MessageKind
from conversations.store import ConversationStore
from tests.bot.harness import ACCOUNT, Clock, Wismo, running_wismo

OTHER_ACCOUNT = "17841400000000002"
API_TOKEN = "test-api-token-0123456789"
METRICS_TOKEN = "test-metrics-token-0123456789"
PASSWORD = "correct horse battery"
_igsids = itertools.count(7100000000000001)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def routes_of(
    app: web.Application, prefixes: tuple[str, ...] = ("/",)
) -> list[tuple[str, str, str | None]]:
    """(method, path, name) of every route whose path starts with one of `prefixes`, sub-apps
    included, read from the running app's router (so a new route cannot be forgotten)."""
    found: list[tuple[str, str, str | None]] = []
    for resource in app.router.resources():
        info = resource.get_info()
        if "app" in info:
            found.extend(routes_of(info["app"], prefixes))  # its paths carry the prefix already
            continue
        for route in resource:
            path = info.get("path") or info.get("formatter") or info.get("prefix", "")
            if path.startswith(prefixes) and route.method != "HEAD":
                found.append((route.method, path, route.name))
    return found


def new_igsid() -> str:
    return str(next(_igsids))


@contextlib.asynccontextmanager
async def console_wismo(
    aiohttp_server: Any,
    database_url: str,
    *,
    clock: Clock | None = None,
    workers: bool = False,
    **setting: str,
) -> AsyncIterator[Wismo]:
    options: dict[str, str] = {
        "WISMO_API_TOKEN": API_TOKEN,
        "WISMO_METRICS_TOKEN": METRICS_TOKEN,
        **setting,
    }
    async with running_wismo(
        aiohttp_server, database_url, clock=clock or Clock(), workers=workers, **options
    ) as wismo:
        yield wismo


def auth_of(wismo: Wismo) -> Authenticator:
    return wismo.app[CONTEXT].auth


async def add_user(
    wismo: Wismo,
    username: str,
    *,
    accounts: Sequence[str] = (ACCOUNT,),
    all_accounts: bool = False,
    password: str = PASSWORD,
) -> None:
    await auth_of(wismo).create_user(
        username, password, accounts=accounts, all_accounts=all_accounts
    )


class Merchant:
    """A person using the console through a browser (cookies kept, CSRF read from forms)."""

    def __init__(self, wismo: Wismo, *, address: str | None = None) -> None:
        headers = {"X-Forwarded-For": address} if address else {}
        self.url = wismo.url
        self.http = httpx.AsyncClient(
            base_url=wismo.url, timeout=httpx.Timeout(30.0), headers=headers
        )
        self.csrf: str | None = None

    async def close(self) -> None:
        await self.http.aclose()

    async def login(
        self, username: str, password: str = PASSWORD, *, next_path: str | None = None
    ) -> httpx.Response:
        form = await self.http.get("/console/login")
        token = _CSRF.search(form.text)
        assert token is not None, form.text
        data = {"csrf": html.unescape(token.group(1)), "username": username, "password": password}
        if next_path:
            data["next"] = next_path
        headers = {}
        if self.http.headers.get("X-Forwarded-Proto") == "https":
            # The cookie is Secure now; this client talks plain http to the "proxied" app.
            headers["Cookie"] = f"wismo_login_csrf={form.cookies['wismo_login_csrf']}"
        response = await self.http.post("/console/login", data=data, headers=headers)
        if response.status_code == 303:
            await self.page("/console/conversations")
        return response

    async def page(self, path: str, **params: Any) -> httpx.Response:
        """GET a console page; remembers the CSRF token its forms carry."""
        response = await self.http.get(path, params=params or None)
        found = _CSRF.search(response.text)
        if found:
            self.csrf = html.unescape(found.group(1))
        return response

    async def post(
        self, path: str, data: Mapping[str, str] | None = None, *, csrf: bool = True
    ) -> httpx.Response:
        body = dict(data or {})
        if csrf:
            assert self.csrf is not None, "open a page first"
            body["csrf"] = self.csrf
        return await self.http.post(path, data=body)

    async def reply(self, conversation_id: int, text: str) -> httpx.Response:
        page = await self.page(f"/console/conversations/{conversation_id}")
        nonce = _NONCE.search(page.text)
        assert nonce is not None
        return await self.post(
            f"/console/conversations/{conversation_id}/reply",
            {"text": text, "nonce": nonce.group(1)},
        )


@contextlib.asynccontextmanager
async def merchant(wismo: Wismo, **options: Any) -> AsyncIterator[Merchant]:
    client = Merchant(wismo, **options)
    try:
        yield client
    finally:
        await client.close()


async def conversation_by_id(wismo: Wismo, conversation_id: int) -> Conversation | None:
    async with wismo.sessions() as session:
        return await ConversationStore(session).get(conversation_id)


@dataclass(frozen=True)
class Seeded:
    conversation_id: int
    igsid: str


async def seed_conversation(
    wismo: Wismo,
    *,
    account: str = ACCOUNT,
    username: str | None = "buyer_one",
    buyer_text: str = "where is my order #1042?",
    bot_text: str | None = "Your parcel is in transit.",
    based_on: Mapping[str, Any] | None = None,
    references: Sequence[tuple[str, str]] = (("order", "1042"),),
    at: datetime | None = None,
    language: str | None = "en",
    handoff: str | None = None,
) -> Seeded:
    """A conversation in which the buyer wrote at `at` (default: a minute ago) and the bot
    answered a few seconds later."""
    when = at or datetime.now(UTC) - timedelta(minutes=1)
    igsid = new_igsid()
    async with wismo.sessions() as session, session.begin():
        store = ConversationStore(session)
        conversation = await store.open(account, igsid, when)
        await store.set_profile(conversation.id, username=username, name=None)
        await store.add_message(
            conversation.id,
            direction=Direction.IN,
            author=Author.BUYER,
            kind=MessageKind.TEXT,
            text=buyer_text,
            mid=f"aWdf-seed-{igsid}",
            created_at=when,
            recorded_at=when,
            opens_window=True,
        )
        if bot_text is not None:
            await store.add_message(
                conversation.id,
                direction=Direction.OUT,
                author=Author.BOT,
                kind=MessageKind.TEXT,
                text=bot_text,
                based_on=based_on
                or {
                    "intent": "where_is_my_order",
                    "numbers": ["1042", "YT2229521272164446"],
                    "shipments": [
                        {
                            "number": "YT2229521272164446",
                            "carrier": "yunexpress",
                            "status": "in_transit",
                            "checked_at": (when - timedelta(hours=2)).isoformat(),
                            "served_from_cache": True,
                        }
                    ],
                },
                status=Delivery.SENT,
                created_at=when + timedelta(seconds=3),
                recorded_at=when + timedelta(seconds=3),
            )
        for kind, value in references:
            await store.add_reference(conversation.id, kind, value, when)
        if language:
            await store.save_dialogue(conversation.id, language=language)
        if handoff:
            await store.hand_off(conversation.id, handoff, when + timedelta(seconds=4))
    return Seeded(conversation.id, igsid)


__all__ = [
    "ACCOUNT",
    "API_TOKEN",
    "METRICS_TOKEN",
    "OTHER_ACCOUNT",
    "PASSWORD",
    "Merchant",
    "Seeded",
    "add_user",
    "auth_of",
    "console_wismo",
    "conversation_by_id",
    "merchant",
    "new_igsid",
    "seed_conversation",
]
