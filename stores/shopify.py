"""Shopify: one order by name through the Admin GraphQL API, with its fulfilments' tracking.

Cost-based throttling: every response reports the app's query-cost bucket
(`extensions.cost.throttleStatus`). We remember it, wait briefly before a query the bucket cannot
afford yet, and on a THROTTLED error wait and retry once — but never longer than `max_wait`,
because a buyer is waiting for the answer; beyond that StoreRateLimited says when to retry.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from stores.api_versions import SHOPIFY
from stores.errors import StoreRateLimited, StoreRejected, StoreUnavailable
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

logger = logging.getLogger(__name__)

API_VERSION = SHOPIFY
_SHOP_HANDLE = re.compile(r"[a-z0-9][a-z0-9-]*")
# Order names are searched as quoted values; anything outside this cannot be a Shopify name.
_SEARCHABLE = re.compile(r"[A-Z0-9][A-Z0-9._/-]{0,63}")
# The bucket may not have reported yet; this query's requested cost is about a dozen points.
_FIRST_GUESS_COST = 20.0

ORDER_QUERY = """
query OrderByName($search: String!) {
  orders(first: 5, query: $search) {
    nodes {
      name
      email
      phone
      createdAt
      processedAt
      updatedAt
      cancelledAt
      displayFulfillmentStatus
      displayFinancialStatus
      shippingAddress { zip phone }
      billingAddress { zip phone }
      customAttributes { key value }
      fulfillments(first: 20) {
        status
        trackingInfo(first: 10) { number company }
      }
    }
  }
}
""".strip()

_VOID_FULFILLMENTS = frozenset({"CANCELLED", "ERROR", "FAILURE"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Address(_Model):
    zip: str | None = None
    phone: str | None = None


class _Attribute(_Model):
    key: str
    value: str | None = None


class _TrackingInfo(_Model):
    number: str | None = None
    company: str | None = None


class _Fulfillment(_Model):
    status: str | None = None
    tracking_info: list[_TrackingInfo] = Field(default_factory=list, alias="trackingInfo")


class _Order(_Model):
    name: str
    email: str | None = None
    phone: str | None = None
    created_at: AwareDatetime = Field(alias="createdAt")
    processed_at: AwareDatetime | None = Field(None, alias="processedAt")
    updated_at: AwareDatetime | None = Field(None, alias="updatedAt")
    cancelled_at: AwareDatetime | None = Field(None, alias="cancelledAt")
    display_fulfillment_status: str | None = Field(None, alias="displayFulfillmentStatus")
    display_financial_status: str | None = Field(None, alias="displayFinancialStatus")
    shipping_address: _Address | None = Field(None, alias="shippingAddress")
    billing_address: _Address | None = Field(None, alias="billingAddress")
    custom_attributes: list[_Attribute] = Field(default_factory=list, alias="customAttributes")
    fulfillments: list[_Fulfillment] = Field(default_factory=list)


class _Orders(_Model):
    nodes: list[_Order]


class _Data(_Model):
    orders: _Orders


class _ErrorExtensions(_Model):
    code: str | None = None


class _Error(_Model):
    message: str = ""
    extensions: _ErrorExtensions | None = None


class _ThrottleStatus(_Model):
    maximum_available: float = Field(alias="maximumAvailable")
    currently_available: float = Field(alias="currentlyAvailable")
    restore_rate: float = Field(alias="restoreRate")


class _Cost(_Model):
    requested_query_cost: float | None = Field(None, alias="requestedQueryCost")
    throttle_status: _ThrottleStatus | None = Field(None, alias="throttleStatus")


class _Extensions(_Model):
    cost: _Cost | None = None


class _Response(_Model):
    data: _Data | None = None
    errors: list[_Error] | None = None
    extensions: _Extensions | None = None


@dataclass(frozen=True, slots=True)
class _Bucket:
    """The query-cost bucket as Shopify last reported it, and when (monotonic seconds)."""

    available: float
    maximum: float
    restore_rate: float
    seen_at: float

    def available_at(self, now: float) -> float:
        return min(self.maximum, self.available + self.restore_rate * max(0.0, now - self.seen_at))

    def wait_for(self, cost: float, now: float) -> float:
        missing = cost - self.available_at(now)
        if missing <= 0:
            return 0.0
        return missing / self.restore_rate if self.restore_rate > 0 else float("inf")


def shop_url(shop: str) -> str:
    """'my-store', 'my-store.myshopify.com' or a full URL → the shop's https base URL."""
    text = shop.strip().rstrip("/")
    if "://" in text:
        return text
    if _SHOP_HANDLE.fullmatch(text.lower()):
        return f"https://{text.lower()}.myshopify.com"
    return f"https://{text}"


class Shopify:
    """Shopify Admin GraphQL API (`read_orders` scope; `read_all_orders` for orders older than
    60 days). Authenticated with an Admin API access token from a custom app.
    """

    kind = StoreKind.SHOPIFY

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        shop: str,
        access_token: str,
        api_version: str = API_VERSION,
        max_wait: float = 2.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._http = StoreHttp(http, "shopify", clock=clock)
        self._url = f"{shop_url(shop)}/admin/api/{api_version}/graphql.json"
        self._headers = {"X-Shopify-Access-Token": access_token, "Accept": "application/json"}
        self._max_wait = max_wait
        self._sleep = sleep
        self._monotonic = monotonic
        self._bucket: _Bucket | None = None
        self._query_cost = _FIRST_GUESS_COST

    async def find_order(self, order_number: str) -> Order | None:
        """The order whose name is this number ('#1042' or '1042'), or None.

        Raises StoreUnavailable, StoreRateLimited, StoreRejected, MalformedStoreResponse.
        """
        key = order_number_key(order_number)
        if key is None or not _SEARCHABLE.fullmatch(key):
            return None
        search = f'name:"{key}" OR name:"#{key}"'
        for node in await self._orders(search):
            if order_number_key(node.name) == key:
                return _order(node, key)
        return None

    async def _orders(self, search: str) -> list[_Order]:
        retried = False
        while True:
            await self._wait_for_budget()
            response = await self._post({"query": ORDER_QUERY, "variables": {"search": search}})
            self._remember_cost(response)
            codes = [
                (error.extensions.code if error.extensions else None) or "UNKNOWN"
                for error in response.errors or ()
            ]
            if "THROTTLED" in codes:
                wait = self._throttled_wait()
                if retried or wait > self._max_wait:
                    raise StoreRateLimited("shopify", "query cost bucket empty", retry_after=wait)
                retried = True
                await self._sleep(wait)
                continue
            if response.data is None:
                raise _error_for(codes)
            if codes:
                # Partial data: e.g. protected customer fields the app may not read.
                logger.warning("shopify answered with errors %s; using the data it gave", codes)
            return response.data.orders.nodes

    async def _post(self, body: dict[str, Any]) -> _Response:
        retried = False
        while True:
            try:
                answer = await self._http.request(
                    "POST", self._url, headers=self._headers, json_body=body
                )
            except StoreRateLimited as exc:
                wait = exc.retry_after if exc.retry_after is not None else 1.0
                if retried or wait > self._max_wait:
                    raise
                retried = True
                await self._sleep(wait)
                continue
            return parse_body(_Response, answer.body, "shopify")

    async def _wait_for_budget(self) -> None:
        if self._bucket is None:
            return
        wait = self._bucket.wait_for(self._query_cost, self._monotonic())
        if wait > self._max_wait:
            raise StoreRateLimited("shopify", "query cost bucket nearly empty", retry_after=wait)
        if wait > 0:
            await self._sleep(wait)

    def _remember_cost(self, response: _Response) -> None:
        cost = response.extensions.cost if response.extensions else None
        if cost is None:
            return
        if cost.requested_query_cost is not None:
            self._query_cost = cost.requested_query_cost
        status = cost.throttle_status
        if status is not None:
            self._bucket = _Bucket(
                available=status.currently_available,
                maximum=status.maximum_available,
                restore_rate=status.restore_rate,
                seen_at=self._monotonic(),
            )

    def _throttled_wait(self) -> float:
        if self._bucket is None:
            return 1.0
        return max(self._bucket.wait_for(self._query_cost, self._monotonic()), 0.1)


def _error_for(codes: list[str]) -> StoreRejected | StoreUnavailable:
    if "ACCESS_DENIED" in codes:
        return StoreRejected("shopify", "access denied: the app needs the read_orders scope")
    if "INTERNAL_SERVER_ERROR" in codes:
        return StoreUnavailable("shopify", "internal server error")
    return StoreRejected("shopify", f"GraphQL errors {', '.join(codes) or 'without data'}")


_DISPLAY_STATUS = {
    "FULFILLED": FulfillmentStatus.FULFILLED,
    "FULFILLMENT_NOT_REQUIRED": FulfillmentStatus.FULFILLED,
    "PARTIALLY_FULFILLED": FulfillmentStatus.PARTIALLY_FULFILLED,
    "ON_HOLD": FulfillmentStatus.ON_HOLD,
}


def _status(node: _Order, parcels: tuple[OrderParcel, ...]) -> FulfillmentStatus:
    if node.cancelled_at is not None:
        return FulfillmentStatus.CANCELLED
    if node.display_financial_status == "REFUNDED":
        return FulfillmentStatus.REFUNDED
    display = node.display_fulfillment_status or ""
    status = _DISPLAY_STATUS.get(display) or fulfillment_status(display)
    if status is FulfillmentStatus.UNKNOWN and parcels:
        return FulfillmentStatus.PARTIALLY_FULFILLED
    return status


def _first(*values: str | None) -> str | None:
    return next((value for value in values if value and not is_blank(value)), None)


def _order(node: _Order, key: str) -> Order:
    parcels: dict[str, str | None] = {}
    for fulfillment in node.fulfillments:
        if (fulfillment.status or "").upper() in _VOID_FULFILLMENTS:
            continue
        for info in fulfillment.tracking_info:
            number = tracking_number_key(info.number or "")
            if number is not None and parcels.get(number) is None:
                parcels[number] = carrier_hint(info.company) if info.company else None
    parcel_list = tuple(OrderParcel(tracking_number=n, carrier=c) for n, c in parcels.items())
    shipping, billing = node.shipping_address, node.billing_address
    phone = _first(
        node.phone, shipping.phone if shipping else None, billing.phone if billing else None
    )
    zip_code = _first(shipping.zip if shipping else None, billing.zip if billing else None)
    username = next(
        (
            instagram_username(attribute.value)
            for attribute in node.custom_attributes
            if "instagram" in attribute.key.lower() and attribute.value
        ),
        None,
    )
    return Order(
        order_number=key,
        source=StoreKind.SHOPIFY,
        parcels=parcel_list,
        email=email_address(node.email) if node.email else None,
        phone=phone_number(phone) if phone else None,
        postal_code=postal_code(zip_code) if zip_code else None,
        instagram_username=username,
        ordered_at=node.processed_at or node.created_at,
        fulfillment_status=_status(node, parcel_list),
        updated_at=node.updated_at or node.created_at,
    )
