"""DHL Unified `statusCode` values, refined by DHL's wording, mapped to ours.

See docs/tracking-sources.md, DHL.

DHL sends five codes only; the finer statuses (out for delivery, ready for pickup, an attempt,
a return) exist only in its free text (`status`, `description`, `remark`), in English or, for
Parcel Germany, often in German. The phrases below are matched case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from carriers.models import ExceptionReason, Status
from carriers.reasons import reason_from_text

Mapping = tuple[Status, ExceptionReason | None]

_R = ExceptionReason
_S = Status

# The documented enum (third-party, consistent with DHL's samples). `unknown` is resolved by the
# caller, which knows whether there are events (pending without events).
CODES: dict[str, Mapping] = {
    "pre-transit": (_S.INFO_RECEIVED, None),
    "transit": (_S.IN_TRANSIT, None),
    "delivered": (_S.DELIVERED, None),
    "failure": (_S.EXCEPTION, None),
    "unknown": (_S.UNKNOWN, None),
}
UNKNOWN_CODE = "unknown"


def _phrases(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)


OUT_FOR_DELIVERY = _phrases(
    "out for delivery",
    "with courier for delivery",
    "out with courier",
    "with the courier",
    "with delivery courier",
    "loaded onto the delivery vehicle",
    "in das Zustellfahrzeug geladen",
    "in Zustellung",
)
READY_FOR_PICKUP = _phrases(
    "ready for pick-up",
    "ready for pickup",
    "ready for collection",
    "available for pickup",
    "available for pick-up",
    "available for collection",
    "awaiting collection",
    "zur Abholung bereit",
    "abholbereit",
)
RETURNING = _phrases(
    "returned to shipper",
    "return to shipper",
    "returned to sender",
    "return to sender",
    "being returned",
    "Rücksendung",
    "Rücktransport",
    "zurück an den Absender",
)
RETURNED = _phrases(
    "delivered back to the sender",
    "delivered back to sender",
    "delivered to the sender",
    "returned to the sender",
    "an den Absender zurückgeliefert",
    "an den Absender zugestellt",
)
ATTEMPT = _phrases(
    "delivery attempt",
    "attempted delivery",
    "attempt to deliver",
    "could not be delivered",
    "not at home",
    "recipient not available",
    "no one available",
    "Zustellversuch",
    "nicht angetroffen",
    "konnte nicht zugestellt werden",
)
_CUSTOMS = frozenset({_R.CUSTOMS_HOLD, _R.CUSTOMS_DOCUMENTS, _R.PAYMENT_REQUIRED})
# Reasons an attempt's own wording may give; an attempt naming none is "nobody was there".
_ATTEMPT_REASONS = frozenset({_R.RECIPIENT_UNAVAILABLE, _R.BUSINESS_CLOSED, _R.ADDRESS_ISSUE})


def status_of(code: str | None, texts: Iterable[str | None] = ()) -> Mapping:
    """Status and reason for a DHL status code and its wording; `unknown` for any other code.

    `transit` becomes out_for_delivery or available_for_pickup, and `delivered` becomes
    returned, when the text says so. `failure` is customs wording → that customs reason, a return
    → returning, an attempt → failed_attempt (recipient_unavailable unless the wording names the
    address or a closed business; a refusal or damage stays an exception), otherwise exception
    with the reason the wording names (None here: the assembly falls back to `other`).
    """
    mapping = CODES.get((code or "").strip().lower(), (_S.UNKNOWN, None))
    status = mapping[0]
    text = " ".join(t for t in texts if t)
    if status is _S.IN_TRANSIT:
        if RETURNING.search(text):
            return (_S.RETURNING, reason_from_text(text))
        if OUT_FOR_DELIVERY.search(text):
            return (_S.OUT_FOR_DELIVERY, None)
        if READY_FOR_PICKUP.search(text):
            return (_S.AVAILABLE_FOR_PICKUP, None)
    elif status is _S.DELIVERED:
        if RETURNED.search(text):
            return (_S.RETURNED, None)
    elif status is _S.EXCEPTION:
        reason = reason_from_text(text)
        if reason in _CUSTOMS:
            return (_S.EXCEPTION, reason)
        if RETURNING.search(text):
            return (_S.RETURNING, reason)
        if ATTEMPT.search(text) and (reason is None or reason in _ATTEMPT_REASONS):
            return (_S.FAILED_ATTEMPT, reason or _R.RECIPIENT_UNAVAILABLE)
        return (_S.EXCEPTION, reason)
    return mapping
