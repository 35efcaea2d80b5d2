"""The tracking sources wismo can use: each one's settings and how it is built, declared once.

Adding a source means, in this module, a settings group, a `Source` row in `SOURCES` and the
group among `SourceSettings`' bases; in carriers/, the provider, its status table and its push
receiver; and their tests. bot/app/tracking.py derives everything else from `SOURCES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from carriers import Provider, PushReceiver

Clock = Callable[[], datetime]


class SettingsGroup(BaseModel):
    """The configuration every settings group shares: frozen, keyed by environment names.

    Only `Settings`, which has every group among its bases, is ever validated: its validator
    is built at the first `Settings.from_mapping`, and the groups' own, which nothing would
    use (about 0.8 MB resident for the eighteen), are never built."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, defer_build=True)


class AfterShipSettings(SettingsGroup):
    """AfterShip: the API key to track with, and the secret its webhooks are signed with."""

    aftership_api_key: SecretStr | None = Field(None, alias="AFTERSHIP_API_KEY")
    aftership_base_url: str = Field("https://api.aftership.com", alias="AFTERSHIP_BASE_URL")
    aftership_webhook_secret: SecretStr | None = Field(None, alias="AFTERSHIP_WEBHOOK_SECRET")


class SeventeenTrackSettings(SettingsGroup):
    """17TRACK: one API key, which also signs its pushes."""

    seventeentrack_api_key: SecretStr | None = Field(None, alias="SEVENTEENTRACK_API_KEY")
    seventeentrack_base_url: str = Field("https://api.17track.net", alias="SEVENTEENTRACK_BASE_URL")


class Kuaidi100Settings(SettingsGroup):
    """Kuaidi100: key and customer id; the push salt subscribes numbers to its callbacks."""

    kuaidi100_api_key: SecretStr | None = Field(None, alias="KUAIDI100_API_KEY")
    kuaidi100_customer: SecretStr | None = Field(None, alias="KUAIDI100_CUSTOMER")
    kuaidi100_base_url: str = Field("https://poll.kuaidi100.com", alias="KUAIDI100_BASE_URL")
    kuaidi100_push_salt: SecretStr | None = Field(None, alias="KUAIDI100_PUSH_SALT")


class DhlSettings(SettingsGroup):
    """DHL's Shipment Tracking - Unified API."""

    dhl_api_key: SecretStr | None = Field(None, alias="DHL_API_KEY")
    dhl_base_url: str = Field("https://api-eu.dhl.com", alias="DHL_BASE_URL")


class UpsSettings(SettingsGroup):
    """UPS's Tracking API (OAuth client credentials)."""

    ups_client_id: SecretStr | None = Field(None, alias="UPS_CLIENT_ID")
    ups_client_secret: SecretStr | None = Field(None, alias="UPS_CLIENT_SECRET")
    ups_base_url: str = Field("https://onlinetools.ups.com", alias="UPS_BASE_URL")


class FedexSettings(SettingsGroup):
    """FedEx's Track API (OAuth client credentials)."""

    fedex_client_id: SecretStr | None = Field(None, alias="FEDEX_CLIENT_ID")
    fedex_client_secret: SecretStr | None = Field(None, alias="FEDEX_CLIENT_SECRET")
    fedex_base_url: str = Field("https://apis.fedex.com", alias="FEDEX_BASE_URL")


class UspsSettings(SettingsGroup):
    """USPS's Tracking API v3 (OAuth client credentials)."""

    usps_client_id: SecretStr | None = Field(None, alias="USPS_CLIENT_ID")
    usps_client_secret: SecretStr | None = Field(None, alias="USPS_CLIENT_SECRET")
    usps_base_url: str = Field("https://apis.usps.com", alias="USPS_BASE_URL")


# pydantic orders the fields of the last base first: listed last-first, the fields (and so the
# first error reported) keep the order of SOURCES.
class SourceSettings(
    UspsSettings,
    FedexSettings,
    UpsSettings,
    DhlSettings,
    Kuaidi100Settings,
    SeventeenTrackSettings,
    AfterShipSettings,
):
    """The settings of every tracking source."""


@dataclass(frozen=True, slots=True)
class Parts:
    """What a provider is built with besides its settings."""

    http: httpx.AsyncClient
    clock: Clock
    callback_url: str  # where the source pushes to this service (its route in push_routes)


@dataclass(frozen=True, slots=True)
class Source:
    """One tracking source: which settings it needs, and how its provider and receiver are built.

    `provider` is called only when every setting in `needs` is set; `receiver` returns None
    while the source's push secret is not set. Both import their provider's module only when
    they build something: a service imports no source it does not use (bench/README.md,
    memory). An `on_request` source is used only when WISMO_PROVIDERS lists it (the sandbox:
    demo data never answers for a real number).
    """

    slug: str
    needs: tuple[str, ...]  # attribute names in SourceSettings
    provider: Callable[[SourceSettings, Parts], Provider]
    receiver: Callable[[SourceSettings, Clock], PushReceiver | None] | None = None
    aliases: tuple[str, ...] = ()
    on_request: bool = False

    def configured(self, settings: SourceSettings) -> bool:
        return all(getattr(settings, name) is not None for name in self.needs)

    def needs_text(self) -> str:
        """The environment names of `needs`, as a start-up error names them."""
        fields = SourceSettings.model_fields
        return " and ".join(str(fields[name].alias) for name in self.needs)


def _set(value: SecretStr | None) -> SecretStr:
    # Only reached for settings listed in the source's `needs`, which were checked.
    assert value is not None
    return value


def _aftership(s: SourceSettings, parts: Parts) -> Provider:
    from carriers.aftership import AfterShip

    return AfterShip(
        parts.http,
        api_key=_set(s.aftership_api_key),
        base_url=s.aftership_base_url,
        clock=parts.clock,
    )


def _aftership_push(s: SourceSettings, clock: Clock) -> PushReceiver | None:
    secret = s.aftership_webhook_secret
    if secret is None:
        return None
    from carriers.aftership import AfterShipPush

    return AfterShipPush(secret=secret, clock=clock)


def _seventeentrack(s: SourceSettings, parts: Parts) -> Provider:
    from carriers.seventeentrack import SeventeenTrack

    return SeventeenTrack(
        parts.http,
        api_key=_set(s.seventeentrack_api_key),
        base_url=s.seventeentrack_base_url,
        clock=parts.clock,
    )


def _seventeentrack_push(s: SourceSettings, clock: Clock) -> PushReceiver | None:
    key = s.seventeentrack_api_key
    if key is None:
        return None
    from carriers.seventeentrack import SeventeenTrackPush

    return SeventeenTrackPush(api_key=key, clock=clock)


def _kuaidi100(s: SourceSettings, parts: Parts) -> Provider:
    from carriers.kuaidi100 import Kuaidi100

    salt = s.kuaidi100_push_salt
    return Kuaidi100(
        parts.http,
        api_key=_set(s.kuaidi100_api_key),
        customer=_set(s.kuaidi100_customer),
        base_url=s.kuaidi100_base_url,
        clock=parts.clock,
        callback_url=parts.callback_url if salt is not None else None,
        push_salt=salt,
    )


def _kuaidi100_push(s: SourceSettings, clock: Clock) -> PushReceiver | None:
    salt = s.kuaidi100_push_salt
    if salt is None:
        return None
    from carriers.kuaidi100 import Kuaidi100Push

    return Kuaidi100Push(salt=salt, clock=clock)


def _dhl(s: SourceSettings, parts: Parts) -> Provider:
    from carriers.dhl import Dhl

    return Dhl(parts.http, api_key=_set(s.dhl_api_key), base_url=s.dhl_base_url, clock=parts.clock)


def _oauth(
    source: Callable[..., Provider],
    client_id: SecretStr | None,
    client_secret: SecretStr | None,
    base_url: str,
    parts: Parts,
) -> Provider:
    """A carrier's own API behind OAuth client credentials (UPS, FedEx, USPS)."""
    return source(
        parts.http,
        client_id=_set(client_id),
        client_secret=_set(client_secret),
        base_url=base_url,
        clock=parts.clock,
    )


def _ups(s: SourceSettings, parts: Parts) -> Provider:
    from carriers.ups import Ups

    return _oauth(Ups, s.ups_client_id, s.ups_client_secret, s.ups_base_url, parts)


def _fedex(s: SourceSettings, parts: Parts) -> Provider:
    from carriers.fedex import Fedex

    return _oauth(Fedex, s.fedex_client_id, s.fedex_client_secret, s.fedex_base_url, parts)


def _usps(s: SourceSettings, parts: Parts) -> Provider:
    from carriers.usps import Usps

    return _oauth(Usps, s.usps_client_id, s.usps_client_secret, s.usps_base_url, parts)


def _sandbox(s: SourceSettings, parts: Parts) -> Provider:
    from carriers.sandbox import Sandbox

    return Sandbox(clock=parts.clock)


# In this order, configured sources that WISMO_PROVIDERS does not list are tried after it.
SOURCES = (
    Source("aftership", ("aftership_api_key",), _aftership, _aftership_push),
    Source(
        "17track",
        ("seventeentrack_api_key",),
        _seventeentrack,
        _seventeentrack_push,
        aliases=("seventeentrack", "17-track"),
    ),
    Source(
        "kuaidi100",
        ("kuaidi100_api_key", "kuaidi100_customer"),
        _kuaidi100,
        _kuaidi100_push,
        aliases=("kuaidi",),
    ),
    Source("dhl", ("dhl_api_key",), _dhl),
    Source("ups", ("ups_client_id", "ups_client_secret"), _ups),
    Source("fedex", ("fedex_client_id", "fedex_client_secret"), _fedex),
    Source("usps", ("usps_client_id", "usps_client_secret"), _usps),
    Source("sandbox", (), _sandbox, on_request=True),
)


__all__ = ["SOURCES", "Clock", "Parts", "SettingsGroup", "Source", "SourceSettings"]
