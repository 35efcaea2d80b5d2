"""WooCommerce: one order through the REST API v3, with tracking from the shipment-tracking fields.

Tracking numbers are read, in order, from the order's `meta_data`: the official Shipment
Tracking extension's `_wc_shipment_tracking_items` (which the third-party "Advanced Shipment
Tracking" plugin also writes, adding `formatted_tracking_provider`), AfterShip's
`_aftership_tracking_items`, and the single `_tracking_number`/`_tracking_provider` pair of old
Shipment Tracking versions. When an order carries none of these keys, the extension's
`/wc-shipment-tracking/v3/orders/<id>/shipment-trackings` endpoint is asked (absent → none).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stores.errors import MalformedStoreResponse, StoreNotConfigured, StoreRejected
from stores.fields import (
    carrier_hint,
    email_address,
    fulfillment_status,
    instagram_username,
    is_blank,
    order_number_key,
    phone_number,
    postal_code,
    tracking_number_key,
)
from stores.http import StoreHttp, parse_body
from stores.models import FulfillmentStatus, Order, OrderParcel, StoreKind

_TRACKING_META = ("_wc_shipment_tracking_items", "_aftership_tracking_items")
_LEGACY_NUMBER, _LEGACY_PROVIDER = "_tracking_number", "_tracking_provider"
_STATUS = {
    "pending": FulfillmentStatus.UNFULFILLED,
    "processing": FulfillmentStatus.UNFULFILLED,
    "checkout-draft": FulfillmentStatus.UNFULFILLED,
    "on-hold": FulfillmentStatus.ON_HOLD,
    "completed": FulfillmentStatus.FULFILLED,
    "shipped": FulfillmentStatus.FULFILLED,
    "delivered": FulfillmentStatus.FULFILLED,
    "partial-shipped": FulfillmentStatus.PARTIALLY_FULFILLED,
    "cancelled": FulfillmentStatus.CANCELLED,
    "failed": FulfillmentStatus.CANCELLED,
    "refunded": FulfillmentStatus.REFUNDED,
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Address(_Model):
    email: str | None = None
    phone: str | None = None
    postcode: str | None = None


class _Meta(_Model):
    key: str
    value: Any = None


class _Order(_Model):
    id: int
    number: str | int
    status: str = ""
    date_created_gmt: datetime | None = None
    date_modified_gmt: datetime | None = None
    billing: _Address = Field(default_factory=_Address)
    shipping: _Address = Field(default_factory=_Address)
    meta_data: list[_Meta] = Field(default_factory=list)


class _Tracking(_Model):
    tracking_number: str | int | None = None
    tracking_provider: str | None = None
    custom_tracking_provider: str | None = None
    formatted_tracking_provider: str | None = None
    slug: str | None = None


class _Error(_Model):
    code: str = ""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def api_root(url: str) -> str:
    """The store's REST root (`…/wp-json`). Raises StoreNotConfigured for a URL that is unusable.

    Consumer keys travel in HTTP Basic auth, which WooCommerce accepts only over https;
    plain http is allowed for loopback addresses (local testing) only.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreNotConfigured("the WooCommerce URL must be the shop's https address")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise StoreNotConfigured(
            "the WooCommerce URL must use https: the API keys are sent with every request"
        )
    return f"{url.strip().rstrip('/')}/wp-json"


class WooCommerce:
    """WooCommerce REST API v3 with a read-only consumer key and secret."""

    kind = StoreKind.WOOCOMMERCE

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        url: str,
        consumer_key: str,
        consumer_secret: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._http = StoreHttp(http, "woocommerce", clock=clock)
        self._root = api_root(url)
        self._auth = httpx.BasicAuth(consumer_key, consumer_secret)
        self._clock = clock

    async def find_order(self, order_number: str) -> Order | None:
        """The order with this number, or None.

        Stores without an order-number plugin number orders by their ID, so a numeric number
        is first fetched directly; otherwise (or when that order's number differs) the orders
        search is used and only an exact number match is accepted.

        Raises StoreUnavailable, StoreRateLimited, StoreRejected, MalformedStoreResponse.
        """
        key = order_number_key(order_number)
        if key is None:
            return None
        if key.isdigit():
            direct = await self._order_by_id(key)
            if direct is not None and order_number_key(str(direct.number)) == key:
                return await self._order(direct, key)
        answer = await self._http.request(
            "GET",
            f"{self._root}/wc/v3/orders",
            params={"search": key, "per_page": "20"},
            auth=self._auth,
        )
        if not isinstance(answer.body, list):
            raise MalformedStoreResponse("woocommerce", "orders search did not return a list")
        for item in answer.body:
            found = parse_body(_Order, item, "woocommerce")
            if order_number_key(str(found.number)) == key:
                return await self._order(found, key)
        return None

    async def _order_by_id(self, order_id: str) -> _Order | None:
        answer = await self._http.request(
            "GET", f"{self._root}/wc/v3/orders/{order_id}", handled=(200, 404), auth=self._auth
        )
        if answer.status == 404:
            _raise_unless_missing_order(answer.body)
            return None
        return parse_body(_Order, answer.body, "woocommerce")

    async def _order(self, found: _Order, key: str) -> Order:
        parcels = _parcels_from_meta(found.meta_data)
        if parcels is None:
            parcels = await self._parcels_from_endpoint(found.id)
        parcel_list = tuple(OrderParcel(tracking_number=n, carrier=c) for n, c in parcels.items())
        status = _STATUS.get(found.status.lower()) or fulfillment_status(found.status)
        if status is FulfillmentStatus.UNKNOWN and parcel_list:
            status = FulfillmentStatus.FULFILLED
        phone = _first(found.billing.phone, found.shipping.phone)
        postcode = _first(found.shipping.postcode, found.billing.postcode)
        email = _first(found.billing.email)
        created = _utc(found.date_created_gmt)
        return Order(
            order_number=key,
            source=StoreKind.WOOCOMMERCE,
            parcels=parcel_list,
            email=email_address(email) if email else None,
            phone=phone_number(phone) if phone else None,
            postal_code=postal_code(postcode) if postcode else None,
            instagram_username=_instagram(found.meta_data),
            ordered_at=created,
            fulfillment_status=status,
            updated_at=_utc(found.date_modified_gmt) or created or self._clock(),
        )

    async def _parcels_from_endpoint(self, order_id: int) -> dict[str, str | None]:
        answer = await self._http.request(
            "GET",
            f"{self._root}/wc-shipment-tracking/v3/orders/{order_id}/shipment-trackings",
            handled=(200, 404),
            auth=self._auth,
        )
        if answer.status == 404 or not answer.body:
            return {}
        if not isinstance(answer.body, list):
            raise MalformedStoreResponse("woocommerce", "shipment-trackings is not a list")
        items = [parse_body(_Tracking, item, "woocommerce") for item in answer.body]
        return _parcels(items)


def _raise_unless_missing_order(body: Any) -> None:
    """A 404 for an unknown order ID is an answer; a 404 for the route means a wrong URL."""
    try:
        code = _Error.model_validate(body).code
    except ValidationError:
        code = ""
    if code != "woocommerce_rest_shop_order_invalid_id":
        raise StoreRejected(
            "woocommerce", "the REST API was not found (HTTP 404): check the store URL"
        )


def _parcels_from_meta(meta: list[_Meta]) -> dict[str, str | None] | None:
    """Tracking from the order's meta, or None when it has no tracking meta keys at all."""
    by_key = {item.key: item.value for item in meta}
    present = False
    items: list[_Tracking] = []
    for name in _TRACKING_META:
        if name in by_key:
            present = True
            value = by_key[name]
            if isinstance(value, list):
                items.extend(_tracking(entry) for entry in value)
    if _LEGACY_NUMBER in by_key:
        present = True
        items.append(
            _Tracking(
                tracking_number=str(by_key[_LEGACY_NUMBER] or ""),
                tracking_provider=str(by_key.get(_LEGACY_PROVIDER) or "") or None,
            )
        )
    return _parcels(items) if present else None


def _tracking(entry: Any) -> _Tracking:
    """One stored tracking item; plugins store odd shapes, which simply yield no parcel."""
    try:
        return _Tracking.model_validate(entry)
    except ValidationError:
        return _Tracking()


def _parcels(items: list[_Tracking]) -> dict[str, str | None]:
    parcels: dict[str, str | None] = {}
    for item in items:
        number = tracking_number_key(str(item.tracking_number or ""))
        if number is None:
            continue
        name = _first(
            item.tracking_provider,
            item.formatted_tracking_provider,
            item.custom_tracking_provider,
            item.slug,
        )
        if parcels.get(number) is None:
            parcels[number] = carrier_hint(name) if name else None
    return parcels


def _instagram(meta: list[_Meta]) -> str | None:
    """A checkout field plugins name like `instagram`, `_billing_instagram`, `instagram_handle`."""
    for item in meta:
        if "instagram" in item.key.lower() and isinstance(item.value, str) and item.value:
            username = instagram_username(item.value)
            if username is not None:
                return username
    return None


def _first(*values: str | None) -> str | None:
    return next((value for value in values if value and not is_blank(value)), None)


def _utc(moment: datetime | None) -> datetime | None:
    """WooCommerce's `*_gmt` fields are UTC written without an offset."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
