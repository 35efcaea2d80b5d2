"""Magento / Adobe Commerce: an order by increment ID through the REST API, with its tracks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from pydantic import BaseModel, ConfigDict, Field

from stores.fields import (
    carrier_hint,
    email_address,
    is_blank,
    order_number_key,
    phone_number,
    postal_code,
    tracking_number_key,
)
from stores.http import StoreHttp, parse_body
from stores.models import FulfillmentStatus, Order, OrderParcel, StoreKind

# Magento pads increment IDs to nine digits ("000000123"); buyers often type "123".
_INCREMENT_WIDTH = 9
_STATE = {
    "new": FulfillmentStatus.UNFULFILLED,
    "pending_payment": FulfillmentStatus.UNFULFILLED,
    "payment_review": FulfillmentStatus.UNFULFILLED,
    "processing": FulfillmentStatus.UNFULFILLED,
    "complete": FulfillmentStatus.FULFILLED,
    "closed": FulfillmentStatus.REFUNDED,
    "canceled": FulfillmentStatus.CANCELLED,
    "holded": FulfillmentStatus.ON_HOLD,
}
# Magento's own carrier codes; "custom" carries its name in the track's title.
_GENERIC_CARRIER_CODES = frozenset({"custom", ""})


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Address(_Model):
    postcode: str | None = None
    telephone: str | None = None


class _Shipping(_Model):
    address: _Address | None = None


class _Assignment(_Model):
    shipping: _Shipping | None = None


class _OrderExtensions(_Model):
    shipping_assignments: list[_Assignment] = Field(default_factory=list)


class _Order(_Model):
    entity_id: int
    increment_id: str
    customer_email: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    state: str | None = None
    status: str | None = None
    billing_address: _Address | None = None
    extension_attributes: _OrderExtensions | None = None


class _Orders(_Model):
    items: list[_Order] = Field(default_factory=list)
    total_count: int = 0


class _Track(_Model):
    track_number: str | None = None
    carrier_code: str | None = None
    title: str | None = None


class _Shipment(_Model):
    tracks: list[_Track] = Field(default_factory=list)


class _Shipments(_Model):
    items: list[_Shipment] = Field(default_factory=list)


def search_criteria(field: str, value: str, condition: str = "eq") -> dict[str, str]:
    """One filter of Magento's searchCriteria, as query parameters."""
    prefix = "searchCriteria[filter_groups][0][filters][0]"
    return {
        f"{prefix}[field]": field,
        f"{prefix}[value]": value,
        f"{prefix}[condition_type]": condition,
    }


class Magento:
    """Magento 2 / Adobe Commerce REST API with an integration access token (bearer).

    The integration needs the Sales > Operations > Orders (Magento_Sales::sales) resources;
    Magento 2.4.4+ accepts integration tokens as bearer tokens only when "Allow OAuth Access
    Tokens to be used as standalone Bearer tokens" is enabled.
    """

    kind = StoreKind.MAGENTO

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        url: str,
        access_token: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._http = StoreHttp(http, "magento", clock=clock)
        self._root = f"{url.strip().rstrip('/')}/rest/V1"
        self._headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        self._clock = clock

    async def find_order(self, order_number: str) -> Order | None:
        """The order with this increment ID ('000000123', or '123' for a padded one), or None.

        Raises StoreUnavailable, StoreRateLimited, StoreRejected, MalformedStoreResponse.
        """
        key = order_number_key(order_number)
        if key is None or "," in key:
            return None
        candidates = [key]
        if key.isdigit() and len(key) < _INCREMENT_WIDTH:
            candidates.append(key.zfill(_INCREMENT_WIDTH))
        params = {
            **search_criteria("increment_id", ",".join(candidates), "in"),
            "searchCriteria[pageSize]": "5",
        }
        answer = await self._http.request(
            "GET", f"{self._root}/orders", params=params, headers=self._headers
        )
        found = parse_body(_Orders, answer.body, "magento").items
        by_number = {order_number_key(item.increment_id): item for item in found}
        match = next((by_number[c] for c in candidates if c in by_number), None)
        if match is None:
            return None
        return await self._order(match)

    async def _order(self, found: _Order) -> Order:
        answer = await self._http.request(
            "GET",
            f"{self._root}/shipments",
            params=search_criteria("order_id", str(found.entity_id)),
            headers=self._headers,
        )
        shipments = parse_body(_Shipments, answer.body, "magento").items
        parcels: dict[str, str | None] = {}
        for shipment in shipments:
            for track in shipment.tracks:
                number = tracking_number_key(track.track_number or "")
                if number is not None and parcels.get(number) is None:
                    parcels[number] = _carrier(track)
        parcel_list = tuple(OrderParcel(tracking_number=n, carrier=c) for n, c in parcels.items())

        shipping = _shipping_address(found)
        billing = found.billing_address
        phone = _first(
            shipping.telephone if shipping else None, billing.telephone if billing else None
        )
        postcode = _first(
            shipping.postcode if shipping else None, billing.postcode if billing else None
        )
        created = _utc(found.created_at)
        return Order(
            order_number=order_number_key(found.increment_id) or found.increment_id,
            source=StoreKind.MAGENTO,
            parcels=parcel_list,
            email=email_address(found.customer_email) if found.customer_email else None,
            phone=phone_number(phone) if phone else None,
            postal_code=postal_code(postcode) if postcode else None,
            ordered_at=created,
            fulfillment_status=_status(found, parcel_list),
            updated_at=_utc(found.updated_at) or created or self._clock(),
        )


def _shipping_address(found: _Order) -> _Address | None:
    extensions = found.extension_attributes
    for assignment in extensions.shipping_assignments if extensions else []:
        if assignment.shipping and assignment.shipping.address:
            return assignment.shipping.address
    return None


def _carrier(track: _Track) -> str | None:
    code = (track.carrier_code or "").strip().lower()
    name = track.title if code in _GENERIC_CARRIER_CODES else code
    return carrier_hint(name) if name and not is_blank(name) else None


def _status(found: _Order, parcels: tuple[OrderParcel, ...]) -> FulfillmentStatus:
    state = _STATE.get((found.state or "").lower(), FulfillmentStatus.UNKNOWN)
    if state is FulfillmentStatus.UNFULFILLED and parcels:
        return FulfillmentStatus.PARTIALLY_FULFILLED
    if state is FulfillmentStatus.UNKNOWN and parcels:
        return FulfillmentStatus.FULFILLED
    return state


def _first(*values: str | None) -> str | None:
    return next((value for value in values if value and not is_blank(value)), None)


def _utc(moment: datetime | None) -> datetime | None:
    """Magento writes times in UTC without an offset ("2026-11-20 08:15:00")."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
