"""Settings → the configured tracking sources, push receivers and the TrackingService.

Which sources exist: every name in WISMO_PROVIDERS, in that order (a listed source without its
credentials stops start-up), then every other source whose credentials are set, in the order of
`SOURCES` (bot/app/sources.py, where each source is declared). The sandbox is used only when
listed, so demo data never answers for a real number.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.settings import Settings
from bot.app.sources import SOURCES, Parts, Source
from bot.errors import ConfigurationInvalid
from carriers import (
    DEFAULT_LIMITS,
    FreshnessPolicy,
    Provider,
    ProviderRegistry,
    PushReceiver,
    ServiceOptions,
    TrackingService,
    parse_budgets,
)
from carriers.push_routes import push_path

Clock = Callable[[], datetime]

_BY_SLUG = {source.slug: source for source in SOURCES}
# The order in which configured but unlisted sources are added after WISMO_PROVIDERS.
SOURCE_ORDER = tuple(source.slug for source in SOURCES if not source.on_request)
ALIASES = {alias: source.slug for source in SOURCES for alias in source.aliases}
KNOWN = tuple(_BY_SLUG)


@dataclass(frozen=True, slots=True)
class Tracking:
    service: TrackingService
    receivers: tuple[PushReceiver, ...]


def source_name(name: str) -> str:
    """A WISMO_PROVIDERS entry as a source slug. Raises ConfigurationInvalid for unknown names."""
    slug = ALIASES.get(name.strip().lower(), name.strip().lower())
    if slug not in KNOWN:
        raise ConfigurationInvalid(
            f"setting WISMO_PROVIDERS names an unknown source {name!r}; known: {', '.join(KNOWN)}"
        )
    return slug


def configured_sources(settings: Settings) -> list[Source]:
    """The sources to use, in the order they are tried (no client needed: nothing is built).

    Raises ConfigurationInvalid when WISMO_PROVIDERS names an unknown source or one whose
    credentials are not set.
    """
    listed = list(dict.fromkeys(source_name(name) for name in settings.providers))
    sources: list[Source] = []
    for slug in listed:
        source = _BY_SLUG[slug]
        if not source.configured(settings):
            raise ConfigurationInvalid(
                f"setting WISMO_PROVIDERS lists {slug} but {source.needs_text()} is not set"
            )
        sources.append(source)
    sources.extend(
        source
        for source in SOURCES
        if source.slug not in listed and not source.on_request and source.configured(settings)
    )
    return sources


def _providers(
    settings: Settings, sources: list[Source], http: httpx.AsyncClient, clock: Clock
) -> list[Provider]:
    base = settings.public_base_url.rstrip("/")
    return [
        source.provider(settings, Parts(http, clock, base + push_path(source.slug)))
        for source in sources
    ]


def build_providers(settings: Settings, http: httpx.AsyncClient, clock: Clock) -> list[Provider]:
    """The configured providers, in the order sources are tried.

    Raises ConfigurationInvalid when WISMO_PROVIDERS names an unknown source or one whose
    credentials are not set.
    """
    return _providers(settings, configured_sources(settings), http, clock)


def build_receivers(settings: Settings, clock: Clock) -> list[PushReceiver]:
    """A push receiver for every source whose push secret is set (pure: no I/O, no client)."""
    receivers = (source.receiver(settings, clock) for source in SOURCES if source.receiver)
    return [receiver for receiver in receivers if receiver is not None]


def service_options(settings: Settings) -> ServiceOptions:
    """Freshness, budgets and the first lookup's wait from WISMO_TRACKING_FRESHNESS,
    WISMO_SOURCE_BUDGETS and WISMO_FIRST_LOOKUP_SECONDS.

    Raises ConfigurationInvalid naming the setting when either is malformed.
    """
    try:
        freshness = FreshnessPolicy().with_overrides(settings.tracking_freshness)
    except ValueError as exc:
        raise ConfigurationInvalid(f"setting WISMO_TRACKING_FRESHNESS is invalid: {exc}") from exc
    try:
        limits = parse_budgets(settings.source_budgets, DEFAULT_LIMITS)
    except ValueError as exc:
        raise ConfigurationInvalid(f"setting WISMO_SOURCE_BUDGETS is invalid: {exc}") from exc
    return ServiceOptions(
        freshness=freshness,
        limits=limits,
        first_read_delays=first_read_delays(settings.first_lookup_seconds),
    )


def first_read_delays(total: float) -> tuple[float, ...]:
    """Three read-backs spread over `total` seconds, sooner first (1/6, 1/3, 1/2 of it)."""
    if total <= 0:
        return ()
    return (total / 6, total / 3, total / 2)


@dataclass(frozen=True, slots=True)
class TrackingPlan:
    """Tracking as the settings describe it, checked, before a client or service exists."""

    settings: Settings
    sources: tuple[Source, ...]
    options: ServiceOptions

    def service(
        self,
        http: httpx.AsyncClient,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
    ) -> TrackingService:
        """The tracking service over these sources (nothing started yet)."""
        registry = ProviderRegistry(_providers(self.settings, list(self.sources), http, clock))
        return TrackingService(registry, sessions, clock=clock, options=self.options)


def plan_tracking(settings: Settings, *, options: ServiceOptions | None = None) -> TrackingPlan:
    """The sources and service options these settings ask for (`options` replaces the latter).

    Raises ConfigurationInvalid for a bad provider list, freshness table or budget.
    """
    sources = tuple(configured_sources(settings))
    return TrackingPlan(settings, sources, options or service_options(settings))


def build_tracking(
    settings: Settings,
    http: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    options: ServiceOptions | None = None,
) -> Tracking:
    """The tracking service and push receivers for these settings (nothing started yet).

    Raises ConfigurationInvalid for a bad provider list, freshness table or budget.
    """
    service = plan_tracking(settings, options=options).service(http, sessions, clock)
    return Tracking(service=service, receivers=tuple(build_receivers(settings, clock)))


@asynccontextmanager
async def tracking_context(
    settings: Settings,
    http: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
) -> AsyncIterator[TrackingService]:
    """The running tracking service (its sweeper started); closed, tasks cancelled, on exit."""
    tracking = build_tracking(settings, http, sessions, clock)
    tracking.service.start()
    try:
        yield tracking.service
    finally:
        await tracking.service.close()
