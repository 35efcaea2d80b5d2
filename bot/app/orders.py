"""Settings → the connected store's order source, and the order lookup the dialogue uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

import httpx
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.settings import Settings
from bot.errors import ConfigurationInvalid
from stores import OrderLookup, OrderRepository, OrderSource, StoreError, StoreKind

Connector = Callable[[httpx.AsyncClient], OrderSource]


def store_connector(settings: Settings) -> Connector | None:
    """How to connect to the store WISMO_STORE_SOURCE selects (None for csv), without a client.

    Raises ConfigurationInvalid naming the first setting the chosen store needs but lacks.
    Only the chosen store's client is imported (bench/README.md, memory).
    """
    kind = settings.store_source
    if kind is StoreKind.SHOPIFY:
        from stores.shopify import Shopify

        return partial(
            Shopify,
            shop=_required(settings.shopify_shop, "SHOPIFY_SHOP"),
            access_token=_secret(settings.shopify_access_token, "SHOPIFY_ACCESS_TOKEN"),
            api_version=settings.shopify_api_version,
        )
    if kind is StoreKind.WOOCOMMERCE:
        from stores.woocommerce import WooCommerce

        return partial(
            WooCommerce,
            url=_required(settings.woocommerce_url, "WOOCOMMERCE_URL"),
            consumer_key=_secret(settings.woocommerce_consumer_key, "WOOCOMMERCE_CONSUMER_KEY"),
            consumer_secret=_secret(
                settings.woocommerce_consumer_secret, "WOOCOMMERCE_CONSUMER_SECRET"
            ),
        )
    if kind is StoreKind.MAGENTO:
        from stores.magento import Magento

        return partial(
            Magento,
            url=_required(settings.magento_url, "MAGENTO_URL"),
            access_token=_secret(settings.magento_access_token, "MAGENTO_ACCESS_TOKEN"),
        )
    return None


def order_source(settings: Settings, http: httpx.AsyncClient) -> OrderSource | None:
    """The connector WISMO_STORE_SOURCE selects (None for csv).

    Raises ConfigurationInvalid naming the first setting the chosen store needs but lacks, or
    saying what the store finds wrong with one (a shop address that is not https, …).
    """
    connector = store_connector(settings)
    try:
        return connector(http) if connector is not None else None
    except StoreError as exc:
        kind = settings.store_source.value
        raise ConfigurationInvalid(f"setting WISMO_STORE_SOURCE={kind}: {exc}") from exc


def _required(value: str | None, name: str) -> str:
    if not value:
        raise ConfigurationInvalid(f"setting {name} is required when WISMO_STORE_SOURCE uses it")
    return value


def _secret(value: SecretStr | None, name: str) -> str:
    return _required(value.get_secret_value() if value is not None else None, name)


def order_lookup(
    settings: Settings,
    http: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
) -> OrderLookup:
    """Orders by number: the configured store (cached WISMO_STORE_CACHE_TTL s), then imports.

    Raises ConfigurationInvalid when the chosen store lacks a setting.
    """
    return OrderLookup(
        OrderRepository(sessions),
        order_source(settings, http),
        clock=clock,
        ttl=timedelta(seconds=settings.store_cache_ttl),
    )
