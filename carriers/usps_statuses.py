"""USPS event codes, status categories and event names mapped to ours.

USPS documents neither list in full (docs/tracking-sources.md, USPS). The event names known
from its examples (Addressee Unknown, Notice Left, …) are matched first because they say more
than a category such as `Alert`; then the event code, then `statusCategory`; matching loose
words in the text is the last resort.
"""

from __future__ import annotations

from carriers.models import ExceptionReason, Status

Mapping = tuple[Status, ExceptionReason | None]

_R = ExceptionReason
_S = Status

# Lower-case phrases of USPS's event names, most specific first.
EVENT_NAMES: tuple[tuple[str, Mapping], ...] = (
    # "Refused": "refused by the addressee … being returned to the sender" is a refusal, not an
    # address problem nor a plain return (docs/tracking-sources.md, USPS).
    ("refused", (_S.EXCEPTION, _R.REFUSED)),
    # "Delivered, To Original Sender": back with the shop, not delivered to the buyer.
    ("to original sender", (_S.RETURNED, None)),
    # Held for the buyer to collect (at their request, or after a notice): a pickup, not a
    # carrier's hold (names unconfirmed, seen on USPS's tracking pages).
    ("held at post office", (_S.AVAILABLE_FOR_PICKUP, None)),
    ("reminder to pick up", (_S.AVAILABLE_FOR_PICKUP, None)),
    ("addressee unknown", (_S.FAILED_ATTEMPT, _R.ADDRESS_ISSUE)),
    ("return to sender", (_S.RETURNING, None)),
    ("notice left", (_S.FAILED_ATTEMPT, _R.RECIPIENT_UNAVAILABLE)),
    ("delivery attempt", (_S.FAILED_ATTEMPT, _R.RECIPIENT_UNAVAILABLE)),
    ("available for pickup", (_S.AVAILABLE_FOR_PICKUP, None)),
    ("shipping label created", (_S.INFO_RECEIVED, None)),
)

EVENT_CODES: dict[str, Mapping] = {
    "GX": (_S.INFO_RECEIVED, None),  # unconfirmed code; "Shipping Label Created"
    "03": (_S.IN_TRANSIT, None),
    "A1": (_S.IN_TRANSIT, None),
    "TL": (_S.IN_TRANSIT, None),
    "07": (_S.IN_TRANSIT, None),
    "OF": (_S.OUT_FOR_DELIVERY, None),
    "01": (_S.DELIVERED, None),
}

# An `Alert` names no reason of its own: it is taken from USPS's text, else `other`.
CATEGORIES: dict[str, Mapping] = {
    "accepted": (_S.IN_TRANSIT, None),
    "in transit": (_S.IN_TRANSIT, None),
    "delivered": (_S.DELIVERED, None),
    "alert": (_S.EXCEPTION, None),
}

# Brittle, so only for text nothing above recognised.
_LOOSE_WORDS: tuple[tuple[str, Mapping], ...] = (
    ("out for delivery", (_S.OUT_FOR_DELIVERY, None)),
    ("delivered", (_S.DELIVERED, None)),
    ("label created", (_S.INFO_RECEIVED, None)),
    ("pre-shipment", (_S.INFO_RECEIVED, None)),
    ("in transit", (_S.IN_TRANSIT, None)),
    ("arrived", (_S.IN_TRANSIT, None)),
    ("departed", (_S.IN_TRANSIT, None)),
    ("accepted", (_S.IN_TRANSIT, None)),
    ("in possession", (_S.IN_TRANSIT, None)),
)


def _phrase(text: str | None, table: tuple[tuple[str, Mapping], ...]) -> Mapping | None:
    lowered = (text or "").lower()
    return next((mapping for phrase, mapping in table if phrase in lowered), None)


def status_of(text: str | None, code: str | None = None, category: str | None = None) -> Mapping:
    """Status and reason for an event (name and code) or the shipment (status and category).

    `unknown` only when nothing is recognised.
    """
    return (
        _phrase(text, EVENT_NAMES)
        or _phrase(category, EVENT_NAMES)
        or EVENT_CODES.get((code or "").strip().upper())
        or CATEGORIES.get((category or "").strip().lower())
        or _phrase(text, _LOOSE_WORDS)
        or (_S.UNKNOWN, None)
    )
