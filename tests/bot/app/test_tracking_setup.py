"""Settings → tracking sources: which exist, in which order, and what stops start-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.app.settings import Settings
from bot.app.sources import SOURCES, SourceSettings
from bot.app.tracking import KNOWN, SOURCE_ORDER, build_providers, build_receivers, service_options
from bot.errors import ConfigurationInvalid
from carriers.models import Status

META = {"META_APP_SECRET": "s", "META_VERIFY_TOKEN": "v", "META_ACCESS_TOKEN": "t"}
KEYS = {
    "AFTERSHIP_API_KEY": "as-key",
    "SEVENTEENTRACK_API_KEY": "17-key",
    "KUAIDI100_API_KEY": "k100-key",
    "KUAIDI100_CUSTOMER": "k100-customer",
}


def settings(**values: str) -> Settings:
    return Settings.from_mapping({**META, **values})


def clock() -> datetime:
    return datetime(2026, 11, 28, tzinfo=UTC)


async def slugs(current: Settings) -> list[str]:
    async with httpx.AsyncClient() as http:
        return [provider.slug for provider in build_providers(current, http, clock)]


async def test_listed_sources_come_first_in_order_then_other_configured_ones() -> None:
    current = settings(WISMO_PROVIDERS="17track, kuaidi100", **KEYS)
    assert await slugs(current) == ["17track", "kuaidi100", "aftership"]


async def test_the_old_name_of_17track_is_accepted() -> None:
    assert await slugs(settings(WISMO_PROVIDERS="seventeentrack", **KEYS)) == [
        "17track",
        "aftership",
        "kuaidi100",
    ]


async def test_a_listed_source_without_credentials_stops_start_up() -> None:
    with pytest.raises(ConfigurationInvalid, match="lists ups but UPS_CLIENT_ID"):
        await slugs(settings(WISMO_PROVIDERS="aftership,ups", **KEYS))


async def test_the_error_names_every_setting_a_source_needs() -> None:
    with pytest.raises(ConfigurationInvalid, match="KUAIDI100_API_KEY and KUAIDI100_CUSTOMER"):
        await slugs(settings(WISMO_PROVIDERS="kuaidi", KUAIDI100_API_KEY="k100-key"))


def test_each_source_is_declared_once_with_settings_that_exist() -> None:
    assert KNOWN == ("aftership", "17track", "kuaidi100", "dhl", "ups", "fedex", "usps", "sandbox")
    assert (*SOURCE_ORDER, "sandbox") == KNOWN  # the sandbox only when listed
    for source in SOURCES:
        assert set(source.needs) <= set(SourceSettings.model_fields), source.slug


async def test_an_unknown_source_stops_start_up() -> None:
    with pytest.raises(ConfigurationInvalid, match="unknown source 'pigeon'"):
        await slugs(settings(WISMO_PROVIDERS="pigeon"))


def test_push_receivers_exist_for_the_sources_whose_push_secrets_are_set() -> None:
    current = settings(AFTERSHIP_WEBHOOK_SECRET="whsec", KUAIDI100_PUSH_SALT="salt", **KEYS)
    assert [r.source for r in build_receivers(current, clock)] == [
        "aftership",
        "17track",
        "kuaidi100",
    ]
    assert build_receivers(settings(), clock) == []


def test_freshness_and_budgets_come_from_settings() -> None:
    options = service_options(
        settings(WISMO_TRACKING_FRESHNESS="in_transit=8h", WISMO_SOURCE_BUDGETS="dhl=1000,fedex=5")
    )
    assert options.freshness.interval(Status.IN_TRANSIT) == timedelta(hours=8)
    assert options.limits["dhl"].daily_budget == 1000
    assert options.limits["dhl"].rate == 1  # the documented rate is kept
    assert options.limits["fedex"].daily_budget == 5


@pytest.mark.parametrize(
    ("name", "value"),
    [("WISMO_TRACKING_FRESHNESS", "in_transit=soon"), ("WISMO_SOURCE_BUDGETS", "dhl=lots")],
)
def test_a_malformed_freshness_or_budget_setting_is_named(name: str, value: str) -> None:
    with pytest.raises(ConfigurationInvalid, match=name):
        service_options(settings(**{name: value}))
