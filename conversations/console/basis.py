"""Reading a bot reply's `based_on` for the console: numbers, intent and the shipment used.

`based_on` is whatever the responder chose to record (bot/pipeline/dialogue_port.py). The
console reads these keys when present and shows every other key as it is:

- `intent`: the intent understood ("where_is_my_order", …);
- `numbers` (or `order_numbers` / `tracking_numbers`): the numbers understood, strings or
  objects with a `number` (or `value`) and optionally a `kind`;
- `shipments` (a list) or `shipment` (one): the snapshot used, with `number`, `carrier`,
  `status`, `checked_at` (ISO 8601) and/or `age_seconds`, and optionally `served_from_cache`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

_NUMBER_KEYS = ("numbers", "order_numbers", "tracking_numbers", "orders")
_SHIPMENT_KEYS = ("shipments", "shipment")
_KNOWN = {"intent", *_NUMBER_KEYS, *_SHIPMENT_KEYS}


@dataclass(frozen=True, slots=True)
class Snapshot:
    number: str | None
    carrier: str | None
    status: str | None
    checked_at: datetime | None
    age: timedelta | None  # how old the snapshot was when the reply used it
    served_from_cache: bool | None


@dataclass(frozen=True, slots=True)
class Basis:
    intent: str | None
    numbers: tuple[str, ...]
    shipments: tuple[Snapshot, ...]
    other: tuple[tuple[str, str], ...]


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _number(value: Any) -> str | None:
    if isinstance(value, str | int):
        return str(value)
    if isinstance(value, Mapping):
        found = value.get("number", value.get("value"))
        if found is None:
            return None
        kind = value.get("kind")
        return f"{found} ({kind})" if kind else str(found)
    return None


def _snapshot(value: Any, used_at: datetime) -> Snapshot | None:
    if not isinstance(value, Mapping):
        return None
    checked = _time(value.get("checked_at"))
    age: timedelta | None = None
    seconds = value.get("age_seconds")
    if isinstance(seconds, int | float):
        age = timedelta(seconds=float(seconds))
    elif checked is not None:
        age = used_at - checked
    cached = value.get("served_from_cache")
    return Snapshot(
        number=_number(value.get("number")),
        carrier=str(value["carrier"]) if value.get("carrier") else None,
        status=str(value["status"]) if value.get("status") else None,
        checked_at=checked,
        age=age,
        served_from_cache=cached if isinstance(cached, bool) else None,
    )


def read_basis(based_on: Mapping[str, Any], used_at: datetime) -> Basis:
    """What a reply at `used_at` was based on, in the console's terms."""
    numbers: list[str] = []
    for key in _NUMBER_KEYS:
        value = based_on.get(key)
        items = value if isinstance(value, list | tuple) else [value] if value else []
        numbers.extend(found for found in map(_number, items) if found)
    shipments: list[Snapshot] = []
    for key in _SHIPMENT_KEYS:
        value = based_on.get(key)
        items = value if isinstance(value, list | tuple) else [value] if value else []
        shipments.extend(found for found in (_snapshot(item, used_at) for item in items) if found)
    intent = based_on.get("intent")
    other = tuple(
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in based_on.items()
        if key not in _KNOWN
    )
    return Basis(
        intent=str(intent) if intent else None,
        numbers=tuple(dict.fromkeys(numbers)),
        shipments=tuple(shipments),
        other=other,
    )


__all__ = ["Basis", "Snapshot", "read_basis"]
