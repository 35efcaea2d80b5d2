"""FedEx tracking status codes mapped to ours (docs/tracking-sources.md, FedEx).

`latestStatusDetail.code` and `scanEvents[].eventType` are looked up first; the simplified
`derivedCode` only for a code this table does not know. A delivery exception (`DE`) or a
shipment exception (`SE`) names its reason in words, so those are read from FedEx's text.
"""

from __future__ import annotations

import re

from carriers.models import ExceptionReason, Status
from carriers.reasons import reason_from_text

Mapping = tuple[Status, ExceptionReason | None]

_R = ExceptionReason
_S = Status


def _codes(codes: str, mapping: Mapping) -> dict[str, Mapping]:
    return dict.fromkeys(codes.split(), mapping)


CODES: dict[str, Mapping] = {
    **_codes("OC OX MD EP", (_S.INFO_RECEIVED, None)),
    **_codes("PU PX AP OF IT IX AA AF AR DP FD LO PF PL SF TR", (_S.IN_TRANSIT, None)),
    **_codes("OD ED AD", (_S.OUT_FOR_DELIVERY, None)),
    **_codes("HL HP", (_S.AVAILABLE_FOR_PICKUP, None)),
    "DL": (_S.DELIVERED, None),
    "DE": (_S.EXCEPTION, None),
    "SE": (_S.EXCEPTION, None),
    "CD": (_S.EXCEPTION, _R.CUSTOMS_HOLD),
    **_codes("DY DD PY", (_S.IN_TRANSIT, None)),
    "HA": (_S.IN_TRANSIT, None),  # "hold requested"; its meaning is unconfirmed
    **_codes("RS RT", (_S.RETURNING, None)),
    "CA": (_S.EXCEPTION, _R.CANCELLED),
}
DELAY_CODES = frozenset({"DY", "DD", "PY"})

DERIVED_CODES: dict[str, Mapping] = {
    "DL": (_S.DELIVERED, None),
    "OD": (_S.OUT_FOR_DELIVERY, None),
    "IT": (_S.IN_TRANSIT, None),
    "PU": (_S.IN_TRANSIT, None),
    "DE": (_S.EXCEPTION, None),
    "RL": (_S.IN_TRANSIT, None),  # "Running Late"
    "IN": (_S.INFO_RECEIVED, None),  # "Initiated", seen on label-created scans
}
DELAY_DERIVED_CODES = frozenset({"RL"})

_EXCEPTION_CODES = frozenset({"DE", "SE"})
# FedEx's wording for a delivery attempt that found nobody (or a closed business).
_ATTEMPT = re.compile(
    r"\b(attempt\w*|not available|(customer|recipient) not in|nobody|no one|business closed)\b",
    re.IGNORECASE,
)
_NOBODY = re.compile(r"\b(not available|not in|nobody|no one)\b", re.IGNORECASE)
_ATTEMPT_REASONS = frozenset({_R.RECIPIENT_UNAVAILABLE, _R.BUSINESS_CLOSED})


def status_of(code: str | None, derived: str | None, text: str | None = None) -> Mapping:
    """Status and reason for a code, its derived code and FedEx's words about an exception.

    `unknown` only when neither code is known.
    """
    key = (code or "").strip().upper()
    mapping = CODES.get(key) or DERIVED_CODES.get((derived or "").strip().upper())
    if mapping is None:
        return (_S.UNKNOWN, None)
    is_exception = key in _EXCEPTION_CODES or (key not in CODES and mapping[0] is _S.EXCEPTION)
    if not is_exception:
        return mapping
    reason = reason_from_text(text)
    attempted = _ATTEMPT.search(text or "") and reason in (None, _R.ADDRESS_ISSUE)
    if key == "SE" or not (attempted or reason in _ATTEMPT_REASONS):
        # A refusal or damage found at the door stays an exception with its own reason.
        return (_S.EXCEPTION, reason)
    if reason is _R.ADDRESS_ISSUE:
        return (_S.FAILED_ATTEMPT, reason)
    # "Customer not available or business closed" is FedEx's usual nobody-home wording.
    closed = reason is _R.BUSINESS_CLOSED and not _NOBODY.search(text or "")
    return (_S.FAILED_ATTEMPT, _R.BUSINESS_CLOSED if closed else _R.RECIPIENT_UNAVAILABLE)


def is_delay(code: str | None, derived: str | None) -> bool:
    return (code or "").upper() in DELAY_CODES or (derived or "").upper() in DELAY_DERIVED_CODES
