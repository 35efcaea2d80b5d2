"""The token job: once a day (by the injected clock) refreshes Instagram-Login tokens well
before they expire (bot/accounts/tokens.py, TokenKeeper), in a SupervisedLoop of its own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from aiohttp import web

from bot.accounts import AccountStore, SecretBox
from bot.accounts.tokens import MetaAccess, TokenKeeper
from bot.app import keys
from bot.app.resources import Step
from bot.app.settings import Settings
from bot.pipeline.loop import SupervisedLoop

log = logging.getLogger(__name__)

EVERY = timedelta(days=1)
LOOK_SECONDS = 300.0
"""How often (real seconds) the job asks the clock whether a day has passed since its last run."""
RETRY_SECONDS = 600.0


class TokenJob:
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
        self._clock = clock
        self._every = every
        self._look = look_seconds
        self._next: datetime | None = None
        self.rounds = 0
        self.loop = SupervisedLoop(self.round, retry=RETRY_SECONDS, failed=self._failed)

    async def round(self) -> float:
        now = self._clock()
        if self._next is None or now >= self._next:
            refreshed, failed = await self._keeper.run_once()
            self._next = now + self._every
            self.rounds += 1
            if refreshed or failed:
                log.info("token job: %s refreshed, %s failed", refreshed, failed)
        return self._look

    @staticmethod
    def _failed(exc: Exception) -> None:
        log.warning("token job: round failed (%s: %s)", type(exc).__name__, exc)


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
        task = asyncio.create_task(job.loop.run(), name="token-job")
        try:
            yield
        finally:
            job.loop.stop()
            await asyncio.gather(task, return_exceptions=True)

    return step


__all__ = ["EVERY", "TOKEN_JOB", "TokenJob", "token_refresher"]
