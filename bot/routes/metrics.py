"""GET /metrics: Prometheus text, collected from the database at scrape time.

A scrape needs `Authorization: Bearer <WISMO_METRICS_TOKEN>`; without that setting /metrics
answers 403. The registry and its reads (bot/routes/metrics_registry.py) are made at the first
authorised scrape: a service that is never scraped (no token set) holds neither them nor
prometheus-client.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import keys
from bot.app.silence import DeliveryWatch
from bot.pipeline.breaker import GraphBreaker
from bot.pipeline.inbox import Inbox
from bot.pipeline.outbox import Outbox
from carriers.limits import SourceLimits

if TYPE_CHECKING:
    from bot.routes.metrics_registry import MetricsRegistry


@dataclass(frozen=True, slots=True)
class MetricsReads:
    """What a scrape reads: the database, the inbox and outbox, the sources' limits."""

    sessions: async_sessionmaker[AsyncSession]
    inbox: Inbox
    outbox: Outbox
    clock: Callable[[], datetime]
    limits: Mapping[str, SourceLimits]
    watch: DeliveryWatch | None = None


class Metrics:
    """What a scrape reads, and the registry that renders it, made when first scraped."""

    def __init__(self, reads: MetricsReads) -> None:
        self._reads = reads
        self._breakers: list[GraphBreaker] = []
        self._registry: MetricsRegistry | None = None

    def watch_graph(self, breaker: GraphBreaker) -> None:
        """Show the sender's breaker (wismo_graph_unavailable) from now on."""
        self._breakers.append(breaker)
        if self._registry is not None:
            self._registry.watch_graph(breaker)

    async def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return await self._registry_made().render()

    def _registry_made(self) -> MetricsRegistry:
        if self._registry is None:
            from bot.routes.metrics_registry import MetricsRegistry

            self._registry = MetricsRegistry(self._reads)
            for breaker in self._breakers:
                self._registry.watch_graph(breaker)
        return self._registry


routes = web.RouteTableDef()


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    if settings.metrics_token is None:
        return web.Response(status=403, text="/metrics is disabled: set WISMO_METRICS_TOKEN\n")
    expected = settings.metrics_token.get_secret_value().encode()
    header = request.headers.get("Authorization", "")
    # Non-UTF-8 bytes arrive as lone surrogates, which cannot be encoded: no token of ours.
    scheme, _, sent = (header if header.isascii() else "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), expected):
        return web.Response(
            status=401, text="a bearer token is required\n", headers={"WWW-Authenticate": "Bearer"}
        )
    body, content_type = await request.app[keys.METRICS].render()
    return web.Response(body=body, headers={"Content-Type": content_type})


__all__ = ["Metrics", "MetricsReads", "routes"]
