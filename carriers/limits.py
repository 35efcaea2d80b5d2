"""Per-source limits: request rate (token bucket), daily budget, per-number spacing, breaker.

Defaults come from each source's documentation (docs/tracking-sources.md, Rate limits and budgets):

| source    | req/s | daily budget | a number at most every | note |
|-----------|------:|-------------:|------------------------|------|
| aftership | 5     | —            | —                      | GET /trackings/:id (POST is 20/s) |
| 17track   | 3     | —            | —                      | quota is per registered number |
| kuaidi100 | 5     | —            | 30 min                 | more often locks the number |
| dhl       | 1     | 250          | 2 h 24 min             | starter plan; ≤ 10 fetches a day |
| ups       | 5     | —            | —                      | limits unconfirmed; stay modest |
| fedex     | 100   | —            | —                      | 1,400 per 10 s per project |
| usps      | 5     | —            | —                      | limits unconfirmed |
| sandbox   | —     | —            | —                      | local, free |

Budgets are calls per UTC day (DHL and FedEx reset at 00:00 GMT) and are configurable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

NEAR_QUOTA_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class SourceLimits:
    """What one source allows us: None means no limit."""

    rate: float | None = None  # sustained requests per second
    burst: int = 1
    daily_budget: int | None = None
    per_number_interval: timedelta | None = None


DEFAULT_LIMITS: Mapping[str, SourceLimits] = MappingProxyType(
    {
        "aftership": SourceLimits(rate=5, burst=5),
        "17track": SourceLimits(rate=3, burst=3),
        "kuaidi100": SourceLimits(rate=5, burst=5, per_number_interval=timedelta(minutes=30)),
        "dhl": SourceLimits(
            rate=1, burst=1, daily_budget=250, per_number_interval=timedelta(minutes=144)
        ),
        "ups": SourceLimits(rate=5, burst=5),
        "fedex": SourceLimits(rate=100, burst=20),
        "usps": SourceLimits(rate=5, burst=5),
        "sandbox": SourceLimits(),
    }
)


def limits_for(source: str, overrides: Mapping[str, SourceLimits] | None = None) -> SourceLimits:
    """The limits of `source`: an override, else the documented default, else modest ones."""
    if overrides and source in overrides:
        return overrides[source]
    return DEFAULT_LIMITS.get(source, SourceLimits(rate=5, burst=5))


def parse_budgets(spec: str, base: Mapping[str, SourceLimits]) -> dict[str, SourceLimits]:
    """Apply 'source=calls,…' daily budgets ('none' lifts a budget) over `base`.

    Raises ValueError naming the first bad entry.
    """
    result = dict(base)
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        name, sep, value = item.partition("=")
        name, value = name.strip().lower(), value.strip().lower()
        if not sep or not name:
            raise ValueError(f"expected source=calls, got {item!r}")
        if value in ("none", "unlimited", "off"):
            budget = None
        elif value.isdigit():
            budget = int(value)
        else:
            raise ValueError(f"budget for {name} must be a whole number or none, not {value!r}")
        result[name] = replace(limits_for(name, base), daily_budget=budget)
    return result


class TokenBucket:
    """A token bucket on an injected clock: `rate` tokens per second, at most `burst` stored."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], datetime]) -> None:
        self._rate = rate
        self._burst = max(1, burst)
        self._clock = clock
        self._tokens = float(self._burst)
        self._stamp = clock()

    def take(self) -> float:
        """Take a token now if one is there and return 0; else return seconds until one will be.

        A caller that waits the returned time must call `take` again: others may be first.
        """
        now = self._clock()
        elapsed = (now - self._stamp).total_seconds()
        if elapsed > 0:
            self._tokens = min(float(self._burst), self._tokens + elapsed * self._rate)
            self._stamp = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self._rate


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    failure_threshold: int = 5
    open_first: timedelta = timedelta(seconds=30)
    open_max: timedelta = timedelta(minutes=10)


class CircuitBreaker:
    """Stops calling a failing source for a while, then lets one probe through.

    Closed: calls pass; `failure_threshold` consecutive retryable failures open it. Open: calls
    are refused until `open_until`. Then half-open: one probe passes; its success closes the
    breaker, its failure opens it again for twice as long (up to `open_max`). A source that
    asked us to slow down (`retry_after`) is opened for exactly that long. A call that started
    before the breaker last opened and fails late (calls in flight when a source hangs) tells
    nothing new: it neither re-opens nor extends it.
    """

    def __init__(self, policy: BreakerPolicy, clock: Callable[[], datetime]) -> None:
        self._policy = policy
        self._clock = clock
        self._failures = 0
        self._opened_times = 0
        self._open_until: datetime | None = None
        self._opened_at: datetime | None = None
        self._probing = False
        self.last_reason: str | None = None

    @property
    def state(self) -> BreakerState:
        if self._open_until is None:
            return BreakerState.CLOSED
        if self._clock() < self._open_until:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    @property
    def open_until(self) -> datetime | None:
        return self._open_until

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open state only the first caller gets through."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN or self._probing:
            return False
        self._probing = True
        return True

    def release(self) -> None:
        """A call admitted by `allow` ended without telling anything about the source's health."""
        self._probing = False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_times = 0
        self._open_until = None
        self._probing = False

    def record_failure(
        self,
        reason: str,
        retry_after: float | None = None,
        *,
        started_at: datetime | None = None,
    ) -> None:
        """A retryable failure of a call that started at `started_at` (None: just now)."""
        if started_at is not None and self._opened_at is not None and started_at < self._opened_at:
            return  # in flight before the breaker opened: already counted in that opening
        self.last_reason = reason
        self._failures += 1
        now = self._clock()
        if retry_after is not None and retry_after > 0:
            self._open(now + timedelta(seconds=retry_after))
            return
        if self._probing or self._failures >= self._policy.failure_threshold:
            self._opened_times += 1
            factor = 2 ** min(self._opened_times - 1, 20)
            duration = min(self._policy.open_max, self._policy.open_first * factor)
            self._open(now + duration)

    def _open(self, until: datetime) -> None:
        self._opened_at = self._clock()
        self._open_until = until
        self._probing = False
