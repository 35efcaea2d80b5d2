"""Settings → the configured tracking sources, push receivers and the TrackingService.

Which sources exist: every name in WISMO_PROVIDERS, in that order (a listed source without its
credentials stops start-up), then every other source whose credentials are set, in the order
below. The sandbox is used only when listed, so demo data never answers for a real number.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import httpx
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.settings import Settings
from bot.errors import ConfigurationInvalid
from carriers.base import Provider, PushReceiver
from carriers.freshness import FreshnessPolicy
from carriers.limits import DEFAULT_LIMITS, parse_budgets
from carriers.push_routes import push_path
from carriers.registry import ProviderRegistry
from carriers.service import ServiceOptions, TrackingService

Clock = Callable[[], datetime]

# The order in which configured but unlisted sources are added after WISMO_PROVIDERS.
SOURCE_ORDER = ("aftership", "17track", "kuaidi100", "dhl", "ups", "fedex", "usps")
ALIASES = {"seventeentrack": "17track", "17-track": "17track", "kuaidi": "kuaidi100"}
KNOWN = (*SOURCE_ORDER, "sandbox")

_NEEDS = {
    "aftership": "AFTERSHIP_API_KEY",
    "17track": "SEVENTEENTRACK_API_KEY",
    "kuaidi100": "KUAIDI100_API_KEY and KUAIDI100_CUSTOMER",
    "dhl": "DHL_API_KEY",
    "ups": "UPS_CLIENT_ID and UPS_CLIENT_SECRET",
    "fedex": "FEDEX_CLIENT_ID and FEDEX_CLIENT_SECRET",
    "usps": "USPS_CLIENT_ID and USPS_CLIENT_SECRET",
}


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


def _pair(first: SecretStr | None, second: SecretStr | None) -> tuple[SecretStr, SecretStr] | None:
    return (first, second) if first is not None and second is not None else None


def _factory(
    settings: Settings, slug: str, http: httpx.AsyncClient, clock: Clock
) -> Provider | None:
    """The provider for `slug` when its credentials are set, else None."""
    s = settings
    if slug == "sandbox":
        from carriers.sandbox import Sandbox

        return Sandbox(clock=clock)
    if slug == "aftership" and s.aftership_api_key is not None:
        from carriers.aftership import AfterShip

        return AfterShip(
            http, api_key=s.aftership_api_key, base_url=s.aftership_base_url, clock=clock
        )
    if slug == "17track" and s.seventeentrack_api_key is not None:
        from carriers.seventeentrack import SeventeenTrack

        return SeventeenTrack(
            http, api_key=s.seventeentrack_api_key, base_url=s.seventeentrack_base_url, clock=clock
        )
    if slug == "kuaidi100" and (keys := _pair(s.kuaidi100_api_key, s.kuaidi100_customer)):
        from carriers.kuaidi100 import Kuaidi100

        salt = s.kuaidi100_push_salt
        return Kuaidi100(
            http,
            api_key=keys[0],
            customer=keys[1],
            base_url=s.kuaidi100_base_url,
            clock=clock,
            callback_url=_callback(s, "kuaidi100") if salt is not None else None,
            push_salt=salt,
        )
    if slug == "dhl" and s.dhl_api_key is not None:
        from carriers.dhl import Dhl

        return Dhl(http, api_key=s.dhl_api_key, base_url=s.dhl_base_url, clock=clock)
    if slug == "ups" and (keys := _pair(s.ups_client_id, s.ups_client_secret)):
        from carriers.ups import Ups

        return Ups(
            http, client_id=keys[0], client_secret=keys[1], base_url=s.ups_base_url, clock=clock
        )
    if slug == "fedex" and (keys := _pair(s.fedex_client_id, s.fedex_client_secret)):
        from carriers.fedex import Fedex

        return Fedex(
            http, client_id=keys[0], client_secret=keys[1], base_url=s.fedex_base_url, clock=clock
        )
    if slug == "usps" and (keys := _pair(s.usps_client_id, s.usps_client_secret)):
        from carriers.usps import Usps

        return Usps(
            http, client_id=keys[0], client_secret=keys[1], base_url=s.usps_base_url, clock=clock
        )
    return None


def _callback(settings: Settings, source: str) -> str:
    return settings.public_base_url.rstrip("/") + push_path(source)


def build_providers(settings: Settings, http: httpx.AsyncClient, clock: Clock) -> list[Provider]:
    """The configured providers, in the order sources are tried.

    Raises ConfigurationInvalid when WISMO_PROVIDERS names an unknown source or one whose
    credentials are not set.
    """
    listed = list(dict.fromkeys(source_name(name) for name in settings.providers))
    providers: list[Provider] = []
    for slug in listed:
        provider = _factory(settings, slug, http, clock)
        if provider is None:
            raise ConfigurationInvalid(
                f"setting WISMO_PROVIDERS lists {slug} but {_NEEDS[slug]} is not set"
            )
        providers.append(provider)
    for slug in SOURCE_ORDER:
        if slug not in listed and (provider := _factory(settings, slug, http, clock)) is not None:
            providers.append(provider)
    return providers


def build_receivers(settings: Settings, clock: Clock) -> list[PushReceiver]:
    """A push receiver for every source whose push secret is set (pure: no I/O, no client)."""
    receivers: list[PushReceiver] = []
    if settings.aftership_webhook_secret is not None:
        from carriers.aftership import AfterShipPush

        receivers.append(AfterShipPush(secret=settings.aftership_webhook_secret, clock=clock))
    if settings.seventeentrack_api_key is not None:
        from carriers.seventeentrack import SeventeenTrackPush

        receivers.append(SeventeenTrackPush(api_key=settings.seventeentrack_api_key, clock=clock))
    if settings.kuaidi100_push_salt is not None:
        from carriers.kuaidi100 import Kuaidi100Push

        receivers.append(Kuaidi100Push(salt=settings.kuaidi100_push_salt, clock=clock))
    return receivers


def service_options(settings: Settings) -> ServiceOptions:
    """Freshness and budgets from WISMO_TRACKING_FRESHNESS and WISMO_SOURCE_BUDGETS.

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
    return ServiceOptions(freshness=freshness, limits=limits)


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
    registry = ProviderRegistry(build_providers(settings, http, clock))
    service = TrackingService(
        registry, sessions, clock=clock, options=options or service_options(settings)
    )
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
