"""How long a cached answer stays fresh, by status, and when to look again after a miss.

The default table (each value overridable, see `FreshnessPolicy.with_overrides`):

| status                | fresh for | why |
|-----------------------|-----------|-----|
| delivered, returned, expired | forever | terminal: the carrier will not change its mind |
| out_for_delivery      | 30 min    | the buyer waits at the door; delivery lands within hours |
| failed_attempt        | 1 h       | a re-attempt or a pickup notice follows soon |
| exception             | 1 h       | the buyer is anxious; the reason changes (customs release) |
| available_for_pickup  | 3 h       | waits for the buyer, not the carrier |
| pending, info_received| 2 h       | the first scan is what the buyer is waiting for |
| in_transit            | 4 h       | line hauls take days; aggregators poll every 3–12 h |
| returning             | 6 h       | slow and uneventful |
| unknown               | 2 h       | an unmapped code; look again reasonably soon |

"Not found yet" is retried on a short timer that grows with every miss: 15 min, 30 min, 1 h,
2 h, 4 h, then every 6 h; after 30 days without any answer the number is only re-checked when a
buyer asks (AfterShip itself gives up on pending numbers after 30 days). When every source
failed, the next attempt waits 2 min, doubling per consecutive failure up to 30 min, so a
broken source is not hammered by repeated questions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import MappingProxyType

from carriers.models import Status

DEFAULT_FRESH_FOR: Mapping[Status, timedelta | None] = MappingProxyType(
    {
        Status.DELIVERED: None,
        Status.RETURNED: None,
        Status.EXPIRED: None,
        Status.OUT_FOR_DELIVERY: timedelta(minutes=30),
        Status.FAILED_ATTEMPT: timedelta(hours=1),
        Status.EXCEPTION: timedelta(hours=1),
        Status.AVAILABLE_FOR_PICKUP: timedelta(hours=3),
        Status.PENDING: timedelta(hours=2),
        Status.INFO_RECEIVED: timedelta(hours=2),
        Status.IN_TRANSIT: timedelta(hours=4),
        Status.RETURNING: timedelta(hours=6),
        Status.UNKNOWN: timedelta(hours=2),
    }
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_NEVER = {"never", "none", "off"}


def parse_duration(text: str) -> timedelta | None:
    """'30m', '4h', '2d', '90s' → timedelta; 'never' → None.

    Raises ValueError for anything else.
    """
    if text.strip().lower() in _NEVER:
        return None
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 4h, 2d or never)")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])


@dataclass(frozen=True, slots=True)
class FreshnessPolicy:
    """Freshness by status, the not-found timer and the back-off after failures."""

    fresh_for: Mapping[Status, timedelta | None] = field(default_factory=lambda: DEFAULT_FRESH_FOR)
    not_found_first: timedelta = timedelta(minutes=15)
    not_found_growth: float = 2.0
    not_found_max: timedelta = timedelta(hours=6)
    not_found_give_up_after: timedelta = timedelta(days=30)
    failure_first: timedelta = timedelta(minutes=2)
    failure_max: timedelta = timedelta(minutes=30)

    def interval(self, status: Status) -> timedelta | None:
        """How long a shipment in this status stays fresh; None means never re-queried."""
        if status in self.fresh_for:
            return self.fresh_for[status]
        return DEFAULT_FRESH_FOR.get(status, timedelta(hours=2))

    def fresh_until(self, status: Status, checked_at: datetime) -> datetime | None:
        """When an answer checked at `checked_at` goes stale; None when it never does."""
        interval = self.interval(status)
        return None if interval is None else checked_at + interval

    def next_not_found_check(self, checks: int, now: datetime) -> datetime:
        """When to ask again after the `checks`-th consecutive "not found yet" answer."""
        return now + self._grown(self.not_found_first, self.not_found_max, checks)

    def gave_up(self, not_found_since: datetime, now: datetime) -> bool:
        """Unknown for so long that only someone asking makes us look again."""
        return now - not_found_since >= self.not_found_give_up_after

    def next_after_failure(self, failures: int, now: datetime) -> datetime:
        """When to try again after `failures` consecutive attempts that no source answered."""
        return now + self._grown(self.failure_first, self.failure_max, failures)

    def _grown(self, first: timedelta, cap: timedelta, count: int) -> timedelta:
        exponent = max(0, count - 1)
        # Capping the exponent keeps the float finite for numbers checked thousands of times.
        seconds = first.total_seconds() * self.not_found_growth ** min(exponent, 32)
        return min(cap, timedelta(seconds=seconds))

    def with_overrides(self, spec: str) -> FreshnessPolicy:
        """Apply 'status=duration,…' overrides, e.g. 'in_transit=6h,out_for_delivery=20m'.

        `not_found` sets the first not-found interval and `not_found_max` its cap.
        Raises ValueError naming the first bad entry.
        """
        table = dict(self.fresh_for)
        policy = self
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            name, sep, value = item.partition("=")
            name = name.strip().lower()
            if not sep:
                raise ValueError(f"expected status=duration, got {item!r}")
            duration = parse_duration(value)
            if name in ("not_found", "not_found_max"):
                if duration is None:
                    raise ValueError(f"{name} needs a duration, not {value.strip()!r}")
                if name == "not_found":
                    policy = replace(policy, not_found_first=duration)
                else:
                    policy = replace(policy, not_found_max=duration)
                continue
            try:
                status = Status(name)
            except ValueError:
                raise ValueError(f"unknown status {name!r}") from None
            table[status] = duration
        return replace(policy, fresh_for=MappingProxyType(table))
