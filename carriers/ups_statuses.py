"""UPS activity types and status/description codes mapped to ours (docs/tracking-sources.md, UPS).

The activity type is the reliable coarse code and decides the status family; the description
codes 0–110 only refine it. Which UPS field carries those codes (`status.statusCode`,
`currentStatus.code`) is unconfirmed, so a code may never turn a scan into something its type
contradicts: only a `D` scan is delivered, an `X` scan stays a problem.
"""

from __future__ import annotations

from carriers.models import ExceptionReason, Status

Mapping = tuple[Status, ExceptionReason | None]

_R = ExceptionReason
_S = Status

# `U` (Track Alert updates) says nothing about the parcel: absent here, ignored for status.
TYPES: dict[str, Mapping] = {
    "M": (_S.INFO_RECEIVED, None),
    "MV": (_S.EXCEPTION, _R.CANCELLED),
    "I": (_S.IN_TRANSIT, None),
    "D": (_S.DELIVERED, None),
    "X": (_S.EXCEPTION, None),  # the reason comes from the description code or the text
    "NA": (_S.PENDING, None),
    "DO": (_S.IN_TRANSIT, None),
    "DD": (_S.IN_TRANSIT, None),
    "W": (_S.IN_TRANSIT, None),
}
IGNORED_TYPES = frozenset({"U"})

GOVERNMENT_AGENCY = "government agency"  # UPS's wording for a customs hold
CUSTOMS_CLEARANCE = 12  # an exception (customs_hold) only on an `X` scan, else routine transit


def _codes(codes: tuple[int, ...], mapping: Mapping) -> dict[int, Mapping]:
    return dict.fromkeys(codes, mapping)


DESCRIPTION_CODES: dict[int, Mapping] = {
    3: (_S.INFO_RECEIVED, None),
    5: (_S.IN_TRANSIT, None),
    **_codes((6, 21, 37, 72, 78, 89, 91), (_S.OUT_FOR_DELIVERY, None)),
    **_codes((11, 26), (_S.DELIVERED, None)),
    CUSTOMS_CLEARANCE: (_S.EXCEPTION, _R.CUSTOMS_HOLD),
    **_codes((17, 40), (_S.AVAILABLE_FOR_PICKUP, None)),
    **_codes((22, 23, 24, 48, 49, 60, 61, 65, 66), (_S.FAILED_ATTEMPT, _R.RECIPIENT_UNAVAILABLE)),
    62: (_S.FAILED_ATTEMPT, _R.PAYMENT_REQUIRED),
    85: (_S.EXCEPTION, _R.PAYMENT_REQUIRED),
    50: (_S.EXCEPTION, _R.ADDRESS_ISSUE),
    58: (_S.EXCEPTION, _R.CUSTOMS_DOCUMENTS),
    **_codes((32, 51, 52, 53), (_S.EXCEPTION, _R.WEATHER)),
    **_codes((46, 86, 90), (_S.EXCEPTION, _R.CARRIER_DELAY)),
    **_codes((59, 81), (_S.EXCEPTION, _R.DAMAGED)),
    64: (_S.EXCEPTION, _R.REFUSED),
    68: (_S.EXCEPTION, _R.LOST),
    83: (_S.EXCEPTION, _R.HELD_BY_CARRIER),
    **_codes((33, 35, 36), (_S.RETURNING, None)),
    **_codes((34, 67), (_S.RETURNED, None)),
    69: (_S.EXCEPTION, _R.OTHER),
    7: (_S.EXCEPTION, _R.CANCELLED),
}

DELAY_REASONS = frozenset({_R.WEATHER, _R.CARRIER_DELAY})

# What a description code may refine each type into; anything else keeps the type's status.
_REFINABLE: dict[str, frozenset[Status]] = {
    "I": frozenset(
        {
            _S.OUT_FOR_DELIVERY,
            _S.AVAILABLE_FOR_PICKUP,
            _S.FAILED_ATTEMPT,
            _S.EXCEPTION,
            _S.RETURNING,
            _S.RETURNED,
        }
    ),
    "X": frozenset(
        {_S.AVAILABLE_FOR_PICKUP, _S.FAILED_ATTEMPT, _S.EXCEPTION, _S.RETURNING, _S.RETURNED}
    ),
    "D": frozenset({_S.RETURNED}),
}


def description_code(value: str | None) -> int | None:
    """'011' → 11; None for anything that is not a number."""
    text = (value or "").strip()
    return int(text) if text.isdigit() else None


def status_of(
    activity_type: str | None, code: int | None, text: str | None = None
) -> Mapping | None:
    """Status and reason for a type and description code; None when the type is to be ignored.

    Without a type (UPS's `currentStatus` carries none) the code alone decides; with neither
    known the status is `unknown`. An exception whose code names no reason takes one from
    UPS's wording when it names a government agency (customs); other wording is left to the
    shared keyword rules.
    """
    mapped = _status_of(activity_type, code)
    if mapped == (_S.EXCEPTION, None) and GOVERNMENT_AGENCY in (text or "").lower():
        return (_S.EXCEPTION, _R.CUSTOMS_HOLD)
    return mapped


def _status_of(activity_type: str | None, code: int | None) -> Mapping | None:
    kind = (activity_type or "").strip().upper()
    if kind in IGNORED_TYPES:
        return None
    refined = DESCRIPTION_CODES.get(code) if code is not None else None
    base = TYPES.get(kind)
    if base is None:
        return refined or (_S.UNKNOWN, None)
    if code == CUSTOMS_CLEARANCE:
        return refined if kind == "X" else (_S.IN_TRANSIT, None)
    if refined is not None and refined[0] in _REFINABLE.get(kind, frozenset()):
        return refined
    return base
