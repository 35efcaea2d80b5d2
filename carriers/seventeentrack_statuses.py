"""17TRACK v2 main statuses and sub-statuses mapped to ours (docs/tracking-sources.md, 17TRACK)."""

from __future__ import annotations

from carriers.models import ExceptionReason, Status

Mapping = tuple[Status, ExceptionReason | None]

_R = ExceptionReason
_S = Status

SUB_STATUSES: dict[str, Mapping] = {
    "NotFound_Other": (_S.PENDING, None),
    "NotFound_InvalidCode": (_S.EXCEPTION, _R.INVALID_TRACKING_NUMBER),
    "InfoReceived": (_S.INFO_RECEIVED, None),
    "InTransit_PickedUp": (_S.IN_TRANSIT, None),
    "InTransit_Departure": (_S.IN_TRANSIT, None),
    "InTransit_Arrival": (_S.IN_TRANSIT, None),
    "InTransit_CustomsProcessing": (_S.IN_TRANSIT, None),
    "InTransit_CustomsReleased": (_S.IN_TRANSIT, None),
    "InTransit_CustomsRequiringInformation": (_S.EXCEPTION, _R.CUSTOMS_DOCUMENTS),
    "InTransit_Other": (_S.IN_TRANSIT, None),
    "Expired_Other": (_S.EXPIRED, _R.STALLED),
    "AvailableForPickup_Other": (_S.AVAILABLE_FOR_PICKUP, None),
    "OutForDelivery_Other": (_S.OUT_FOR_DELIVERY, None),
    "DeliveryFailure_NoBody": (_S.FAILED_ATTEMPT, _R.RECIPIENT_UNAVAILABLE),
    "DeliveryFailure_Security": (_S.FAILED_ATTEMPT, _R.PAYMENT_REQUIRED),
    "DeliveryFailure_Rejected": (_S.FAILED_ATTEMPT, _R.REFUSED),
    "DeliveryFailure_InvalidAddress": (_S.FAILED_ATTEMPT, _R.ADDRESS_ISSUE),
    "DeliveryFailure_Other": (_S.FAILED_ATTEMPT, _R.OTHER),
    "Delivered_Other": (_S.DELIVERED, None),
    # Returning carries no reason of its own: the carrier's wording says why.
    "Exception_Returning": (_S.RETURNING, None),
    "Exception_Returned": (_S.RETURNED, None),
    "Exception_NoBody": (_S.EXCEPTION, _R.ADDRESS_ISSUE),
    "Exception_Security": (_S.EXCEPTION, _R.CUSTOMS_HOLD),
    "Exception_Damage": (_S.EXCEPTION, _R.DAMAGED),
    "Exception_Rejected": (_S.EXCEPTION, _R.REFUSED),
    "Exception_Delayed": (_S.EXCEPTION, _R.CARRIER_DELAY),
    "Exception_Lost": (_S.EXCEPTION, _R.LOST),
    "Exception_Destroyed": (_S.EXCEPTION, _R.DESTROYED),
    "Exception_Cancel": (_S.EXCEPTION, _R.CANCELLED),
    "Exception_Other": (_S.EXCEPTION, _R.OTHER),
}

# An unknown sub-status falls back to its main status.
MAIN_STATUSES: dict[str, Mapping] = {
    "NotFound": (_S.PENDING, None),
    "InfoReceived": (_S.INFO_RECEIVED, None),
    "InTransit": (_S.IN_TRANSIT, None),
    "Expired": (_S.EXPIRED, _R.STALLED),
    "AvailableForPickup": (_S.AVAILABLE_FOR_PICKUP, None),
    "OutForDelivery": (_S.OUT_FOR_DELIVERY, None),
    "DeliveryFailure": (_S.FAILED_ATTEMPT, None),
    "Delivered": (_S.DELIVERED, None),
    "Exception": (_S.EXCEPTION, _R.OTHER),
}


def status_of(main: str | None, sub: str | None) -> Mapping:
    """Status and reason for a main/sub-status pair; `unknown` only when neither is recognised."""
    if sub and sub in SUB_STATUSES:
        return SUB_STATUSES[sub]
    if not main and sub:
        main = sub.partition("_")[0]
    return MAIN_STATUSES.get(main or "", (_S.UNKNOWN, None))
