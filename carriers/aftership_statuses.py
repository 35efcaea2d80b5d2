"""AfterShip tags and subtags mapped to our statuses and exception reasons.

See docs/tracking-sources.md, AfterShip (Status mapping).
"""

from __future__ import annotations

from carriers.models import ExceptionReason, Status

Mapping = tuple[Status, ExceptionReason | None]

_R = ExceptionReason
_S = Status

SUBTAGS: dict[str, Mapping] = {
    "Pending_001": (_S.PENDING, None),
    "Pending_002": (_S.PENDING, None),
    "Pending_003": (_S.PENDING, None),
    "Pending_004": (_S.PENDING, None),
    "Pending_005": (_S.PENDING, None),
    "Pending_006": (_S.PENDING, None),
    "InfoReceived_001": (_S.INFO_RECEIVED, None),
    "InTransit_001": (_S.IN_TRANSIT, None),
    "InTransit_002": (_S.IN_TRANSIT, None),
    "InTransit_003": (_S.IN_TRANSIT, None),
    "InTransit_004": (_S.IN_TRANSIT, None),
    "InTransit_005": (_S.IN_TRANSIT, None),
    "InTransit_006": (_S.IN_TRANSIT, None),
    "InTransit_007": (_S.IN_TRANSIT, None),
    "InTransit_008": (_S.IN_TRANSIT, None),
    "InTransit_009": (_S.IN_TRANSIT, None),
    "OutForDelivery_001": (_S.OUT_FOR_DELIVERY, None),
    # A retired code AfterShip still sends on old trackings; it meant "ready for pickup".
    "OutForDelivery_002": (_S.AVAILABLE_FOR_PICKUP, None),
    "OutForDelivery_003": (_S.OUT_FOR_DELIVERY, None),
    "OutForDelivery_004": (_S.OUT_FOR_DELIVERY, None),
    "AvailableForPickup_001": (_S.AVAILABLE_FOR_PICKUP, None),
    "AttemptFail_001": (_S.FAILED_ATTEMPT, _R.RECIPIENT_UNAVAILABLE),
    "AttemptFail_002": (_S.FAILED_ATTEMPT, _R.RECIPIENT_UNAVAILABLE),
    "AttemptFail_003": (_S.FAILED_ATTEMPT, _R.BUSINESS_CLOSED),
    "Delivered_001": (_S.DELIVERED, None),
    "Delivered_002": (_S.DELIVERED, None),
    "Delivered_003": (_S.DELIVERED, None),
    "Delivered_004": (_S.DELIVERED, None),
    "Delivered_005": (_S.DELIVERED, None),
    "Exception_001": (_S.EXCEPTION, _R.OTHER),
    "Exception_002": (_S.EXCEPTION, _R.ADDRESS_ISSUE),
    "Exception_003": (_S.EXCEPTION, _R.REFUSED),
    "Exception_004": (_S.EXCEPTION, _R.CUSTOMS_HOLD),
    "Exception_005": (_S.EXCEPTION, _R.CARRIER_DELAY),
    "Exception_006": (_S.EXCEPTION, _R.PAYMENT_REQUIRED),
    "Exception_007": (_S.EXCEPTION, _R.ADDRESS_ISSUE),
    "Exception_008": (_S.EXCEPTION, _R.HELD_BY_CARRIER),
    "Exception_009": (_S.EXCEPTION, _R.REJECTED_BY_CARRIER),
    # Returning carries no reason of its own: the carrier's wording says why.
    "Exception_010": (_S.RETURNING, None),
    "Exception_011": (_S.RETURNED, None),
    "Exception_012": (_S.EXCEPTION, _R.DAMAGED),
    "Exception_013": (_S.EXCEPTION, _R.LOST),
    "Exception_014": (_S.EXCEPTION, _R.OTHER),
    "Exception_015": (_S.EXCEPTION, _R.OTHER),
    "Exception_016": (_S.EXCEPTION, _R.CARRIER_DELAY),
    "Exception_017": (_S.EXCEPTION, _R.WEATHER),
    "Exception_018": (_S.EXCEPTION, _R.CUSTOMS_DOCUMENTS),
    "Exception_019": (_S.EXCEPTION, _R.CARRIER_DELAY),
    "Exception_020": (_S.EXCEPTION, _R.CANCELLED),
    "Exception_021": (_S.EXCEPTION, _R.DESTROYED),
    "Expired_001": (_S.EXPIRED, _R.STALLED),
}

# AfterShip adds subtags without a version bump; an unknown one falls back to its tag.
TAGS: dict[str, Mapping] = {
    "Pending": (_S.PENDING, None),
    "InfoReceived": (_S.INFO_RECEIVED, None),
    "InTransit": (_S.IN_TRANSIT, None),
    "OutForDelivery": (_S.OUT_FOR_DELIVERY, None),
    "AvailableForPickup": (_S.AVAILABLE_FOR_PICKUP, None),
    "AttemptFail": (_S.FAILED_ATTEMPT, None),
    "Delivered": (_S.DELIVERED, None),
    "Exception": (_S.EXCEPTION, _R.OTHER),
    "Expired": (_S.EXPIRED, _R.STALLED),
}


def status_of(tag: str | None, subtag: str | None) -> Mapping:
    """Status and reason for a tag/subtag pair; `unknown` only when neither is recognised."""
    if subtag and subtag in SUBTAGS:
        return SUBTAGS[subtag]
    if not tag and subtag:
        tag = subtag.partition("_")[0]
    return TAGS.get(tag or "", (_S.UNKNOWN, None))
