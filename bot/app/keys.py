"""Typed keys under which create_app publishes shared objects, so handlers never import app.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import httpx
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.accounts import AccountStore
from bot.app.settings import Settings
from bot.pipeline.breaker import GraphBreaker
from bot.pipeline.doorbell import Doorbell
from bot.pipeline.inbox import Inbox
from bot.pipeline.intake import Intake
from bot.pipeline.outbox import Outbox
from carriers import TrackingService

if TYPE_CHECKING:
    from bot.routes.metrics import Metrics

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
# Sessions for work whose statements may read many rows (the console, the daily sweeps): on
# SQLite their statements run in the driver's thread, never holding up the event loop, where
# SESSIONS' run on it (foundation/sqlite_driver.py); SESSIONS itself otherwise.
OFF_LOOP_SESSIONS = web.AppKey("off_loop_sessions", async_sessionmaker[AsyncSession])
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
SIGNING_SECRETS: web.AppKey[tuple[bytes, ...]] = web.AppKey("signing_secrets")
INBOX = web.AppKey("inbox", Inbox)
OUTBOX = web.AppKey("outbox", Outbox)
INBOX_DOORBELL = web.AppKey("inbox_doorbell", Doorbell)
INTAKE = web.AppKey("intake", Intake)
HTTP = web.AppKey("http", httpx.AsyncClient)
TRACKING = web.AppKey("tracking", TrackingService)
# Connected Instagram accounts (bot/accounts); its tokens need WISMO_SECRET_KEY.
ACCOUNTS = web.AppKey("accounts", AccountStore)
# The sender's Graph breaker (bot/pipeline/breaker.py), set while the workers run.
GRAPH = web.AppKey("graph", GraphBreaker)
# The console's /metrics registry and its reads.
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
