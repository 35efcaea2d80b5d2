"""The token job: once a day (by the injected clock) refreshes Instagram-Login tokens well
before they expire (bot/accounts/tokens.py, TokenKeeper), in a SupervisedLoop of its own."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from aiohttp import web

from bot.accounts import AccountStore, SecretBox
from bot.accounts.tokens import MetaAccess, TokenKeeper
from bot.app import keys
from bot.app.daily import EVERY, LOOK_SECONDS, DailyJob, running
from bot.app.resources import Step
from bot.app.settings import Settings

log = logging.getLogger(__name__)


class TokenJob(DailyJob):
    """Runs TokenKeeper at start and then every `every` of the clock's time."""

    def __init__(
        self,
        keeper: TokenKeeper,
        *,
        clock: Callable[[], datetime],
        every: timedelta = EVERY,
        look_seconds: float = LOOK_SECONDS,
    ) -> None:
        self._keeper = keeper
        super().__init__(
            self._refresh, name="token job", clock=clock, every=every, look_seconds=look_seconds
        )

    async def _refresh(self) -> None:
        refreshed, failed = await self._keeper.run_once()
        if refreshed or failed:
            log.info("token job: %s refreshed, %s failed", refreshed, failed)


TOKEN_JOB = web.AppKey("token_job", TokenJob)


def token_refresher(
    settings: Settings, *, clock: Callable[[], datetime], look_seconds: float = LOOK_SECONDS
) -> Step:
    """With the workers, when WISMO_SECRET_KEY is set (tokens are stored): the token job."""

    async def step(app: web.Application) -> AsyncIterator[None]:
        if settings.secret_key is None:
            yield
            return
        box = SecretBox(settings.secret_key)
        access = MetaAccess(
            app[keys.HTTP], settings.meta_graph_version, settings.meta_app_secrets, clock
        )
        job = TokenJob(
            TokenKeeper(AccountStore(app[keys.SESSIONS], box, clock=clock), access),
            clock=clock,
            look_seconds=look_seconds,
        )
        app[TOKEN_JOB] = job
        async with running(job):
            yield

    return step


__all__ = ["EVERY", "TOKEN_JOB", "TokenJob", "token_refresher"]
