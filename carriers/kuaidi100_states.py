"""Kuaidi100 state codes (basic and `resultv2=4` advanced) mapped to ours.

See docs/tracking-sources.md, Kuaidi100 (State mapping).
"""

from __future__ import annotations

from carriers.models import ExceptionReason, Status

Mapping = tuple[Status, ExceptionReason | None]

_R = ExceptionReason
_S = Status

# Basic states, with their Chinese names as `data[].status` carries them (resultv2=1).
BASIC: dict[str, tuple[str, Mapping]] = {
    "0": ("在途", (_S.IN_TRANSIT, None)),
    "1": ("揽收", (_S.IN_TRANSIT, None)),
    # 疑难 ("problem") names no reason: the advanced code or the carrier's words give it.
    "2": ("疑难", (_S.EXCEPTION, None)),
    "3": ("签收", (_S.DELIVERED, None)),
    "4": ("退签", (_S.RETURNED, None)),
    "5": ("派件", (_S.OUT_FOR_DELIVERY, None)),
    "6": ("退回", (_S.RETURNING, None)),
    "7": ("转投", (_S.IN_TRANSIT, None)),
    "8": ("清关", (_S.IN_TRANSIT, None)),
    "10": ("待清关", (_S.IN_TRANSIT, None)),
    "11": ("清关中", (_S.IN_TRANSIT, None)),
    "12": ("已清关", (_S.IN_TRANSIT, None)),
    "13": ("清关异常", (_S.EXCEPTION, _R.CUSTOMS_HOLD)),
    "14": ("拒签", (_S.EXCEPTION, _R.REFUSED)),
}

# Advanced states (resultv2=4): `state` and `data[].statusCode` carry these instead.
ADVANCED: dict[str, tuple[str, Mapping]] = {
    "101": ("已下单", (_S.INFO_RECEIVED, None)),
    "102": ("待揽收", (_S.INFO_RECEIVED, None)),
    "103": ("已揽收", (_S.IN_TRANSIT, None)),
    "1001": ("到达派件城市", (_S.IN_TRANSIT, None)),
    "1002": ("干线", (_S.IN_TRANSIT, None)),
    "1003": ("转递", (_S.IN_TRANSIT, None)),
    "501": ("投柜或驿站", (_S.AVAILABLE_FOR_PICKUP, None)),
    "301": ("本人签收", (_S.DELIVERED, None)),
    "302": ("派件异常后签收", (_S.DELIVERED, None)),
    "303": ("代签", (_S.DELIVERED, None)),
    "304": ("投柜或站签收", (_S.DELIVERED, None)),
    "401": ("已销单", (_S.EXCEPTION, _R.CANCELLED)),
    "201": ("超时未签收", (_S.EXCEPTION, _R.CARRIER_DELAY)),
    "202": ("超时未更新", (_S.EXCEPTION, _R.STALLED)),
    "203": ("拒收", (_S.EXCEPTION, _R.REFUSED)),
    "204": ("派件异常", (_S.FAILED_ATTEMPT, _R.OTHER)),
    "205": ("柜或驿站超时未取", (_S.EXCEPTION, _R.HELD_BY_CARRIER)),
    "206": ("无法联系", (_S.FAILED_ATTEMPT, _R.RECIPIENT_UNAVAILABLE)),
    "207": ("超区", (_S.EXCEPTION, _R.ADDRESS_ISSUE)),
    "208": ("滞留", (_S.EXCEPTION, _R.HELD_BY_CARRIER)),
    "209": ("破损", (_S.EXCEPTION, _R.DAMAGED)),
    "210": ("销单", (_S.EXCEPTION, _R.CANCELLED)),
}

CODES: dict[str, Mapping] = {
    code: mapping for table in (BASIC, ADVANCED) for code, (_, mapping) in table.items()
}
NAMES: dict[str, Mapping] = {
    name: mapping for table in (BASIC, ADVANCED) for name, mapping in table.values()
} | {"转单": BASIC["7"][1]}


def status_of(code: str | None, name: str | None = None) -> Mapping:
    """Status and reason for a state code, else for its Chinese name; `unknown` when neither."""
    if code and code.strip() in CODES:
        return CODES[code.strip()]
    if name and name.strip() in NAMES:
        return NAMES[name.strip()]
    return (_S.UNKNOWN, None)
