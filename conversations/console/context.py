"""What the console's handlers share: sessions, the authenticator, the ports, clock, options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.console.auth import Authenticator
from conversations.console.ports import ConsolePorts


@dataclass(frozen=True, slots=True)
class ConsoleOptions:
    """Knobs of the console and the API, from the settings (bot/app/factory.py builds them)."""

    # Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed.
    trusted_proxies: frozenset[str] = field(default_factory=frozenset)
    api_token: bytes | None = None  # None: the JSON API refuses every request
    stale_after: timedelta = timedelta(days=5)  # "no carrier scan for more than N days"
    figures_days: int = 30  # the figures' default period


@dataclass(frozen=True, slots=True)
class ConsoleContext:
    sessions: async_sessionmaker[AsyncSession]
    auth: Authenticator
    ports: ConsolePorts
    clock: Callable[[], datetime]
    options: ConsoleOptions


CONTEXT = web.AppKey("console_context", ConsoleContext)


def context_of(request: web.Request) -> ConsoleContext:
    return request.config_dict[CONTEXT]


def client_address(request: web.Request, trusted: frozenset[str]) -> str:
    """The client's address: the peer's, or the last untrusted hop a trusted proxy reports."""
    peer = request.remote or "unknown"
    if peer not in trusted:
        return peer
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if hop not in trusted:
            return hop
    return peer


def behind_tls(request: web.Request, trusted: frozenset[str]) -> bool:
    """Whether the browser reached us over https (directly, or through a trusted proxy)."""
    if (request.remote or "") in trusted and "X-Forwarded-Proto" in request.headers:
        return request.headers["X-Forwarded-Proto"].split(",")[0].strip().lower() == "https"
    return request.scheme == "https"


__all__ = [
    "CONTEXT",
    "ConsoleContext",
    "ConsoleOptions",
    "behind_tls",
    "client_address",
    "context_of",
]
