"""Orders for stores tests, built with only the fields a test cares about."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stores.models import FulfillmentStatus, Order, OrderParcel, StoreKind

UPDATED = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def order(number: str = "1042", *tracking: str, **fields: Any) -> Order:
    values: dict[str, Any] = {
        "order_number": number,
        "source": StoreKind.CSV,
        "parcels": tuple(OrderParcel(tracking_number=t) for t in tracking),
        "fulfillment_status": (
            FulfillmentStatus.FULFILLED if tracking else FulfillmentStatus.UNFULFILLED
        ),
        "updated_at": UPDATED,
    }
    values.update(fields)
    return Order(**values)
