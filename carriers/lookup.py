"""What a tracking lookup tells its caller, honestly: found, not found yet, or failed.

Each result carries what the dialogue needs to say the truth: how old the answer is, whether it
is being refreshed, whether a preferred source was skipped (`degraded_reason`), and the sync
health that tells "the carrier has not scanned it for 6 days" from "we could not reach the
carrier for 2 hours".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from carriers.limits import NEAR_QUOTA_SHARE, BreakerState
from carriers.models import ExceptionReason, Shipment, Status, TrackingQuery


@dataclass(frozen=True, slots=True)
class SyncHealth:
    """How well we are keeping up with one shipment."""

    last_success_at: datetime | None  # the last time a source answered (found or not found)
    last_attempt_at: datetime | None
    last_error: str | None  # why the latest attempt failed, when it did
    consecutive_failures: int
    last_scan_at: datetime | None  # the carrier's newest scan

    def since_last_scan(self, now: datetime) -> timedelta | None:
        """How long the carrier has been silent about the parcel."""
        return None if self.last_scan_at is None else now - self.last_scan_at

    def since_last_success(self, now: datetime) -> timedelta | None:
        """How long we have been unable to refresh (zero-ish when we are in sync)."""
        return None if self.last_success_at is None else now - self.last_success_at

    @property
    def failing(self) -> bool:
        """The latest attempts failed: our data may be behind what the carrier knows."""
        return self.consecutive_failures > 0


@dataclass(frozen=True, slots=True)
class Found:
    """A shipment, possibly from the cache and possibly stale (then `refreshing` says why)."""

    shipment: Shipment
    age: timedelta  # now - shipment.checked_at
    stale: bool
    refreshing: bool  # a refresh is running in the background
    served_from_cache: bool
    sync: SyncHealth
    degraded_reason: str | None = None  # a preferred source was skipped or failed; says which

    @property
    def source(self) -> str:
        return self.shipment.source


@dataclass(frozen=True, slots=True)
class NotFoundYet:
    """Every source asked said it has nothing for the number yet: not an error."""

    number: str
    since: datetime  # the first "not found" answer in the current run of them
    checks: int  # how many times in a row sources said "not found"
    last_checked_at: datetime
    next_check_at: datetime | None  # None: re-checked only when someone asks
    sources: tuple[str, ...]  # which sources were asked the last time
    sync: SyncHealth
    degraded_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    """No source could answer; `cached` is the last shipment we had, if any."""

    number: str
    reason: str  # one line, safe to show a merchant ("17track: timed out; dhl: circuit open")
    cached: Shipment | None
    cached_age: timedelta | None
    sync: SyncHealth


LookupResult = Found | NotFoundYet | Failed


class TrackingLookup(Protocol):
    """What the dialogue and the updates poller need of the TrackingService: one lookup."""

    async def lookup(
        self,
        query: TrackingQuery,
        *,
        candidates: Sequence[str] = (),
        refresh: bool = False,
        stale_ok: bool = True,
        provider: str | None = None,
    ) -> LookupResult: ...


class Trigger(StrEnum):
    """What made us learn of a status change."""

    LOOKUP = "lookup"
    REFRESH = "refresh"
    PUSH = "push"


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A shipment's status or reason changed (or was first seen: `old_status` is None)."""

    id: int  # the cursor: pass the last id seen to `changes_after`
    number: str
    carrier: str | None
    old_status: Status | None
    old_reason: ExceptionReason | None
    new_status: Status
    new_reason: ExceptionReason | None
    source: str
    trigger: Trigger
    shipment: Shipment
    occurred_at: datetime | None  # the carrier's scan that brought the change, when known
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source as the console shows it."""

    source: str
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_failure_reason: str | None
    breaker: BreakerState
    breaker_open_until: datetime | None
    calls_today: int
    failures_today: int
    daily_budget: int | None
    day: date

    @property
    def near_quota(self) -> bool:
        return (
            self.daily_budget is not None
            and self.calls_today >= NEAR_QUOTA_SHARE * self.daily_budget
        )

    @property
    def quota_exhausted(self) -> bool:
        return self.daily_budget is not None and self.calls_today >= self.daily_budget
