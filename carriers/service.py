"""TrackingService: cached, single-flight, rate-limited lookups over every configured source.

A lookup answers from the database cache when the answer is fresh; when it is stale it answers
at once with the stale shipment (and its age) and refreshes in the background. Only when there
is nothing to serve does the caller wait for the sources. Concurrent lookups of one number share
one upstream call: in one process through a task per cache row, across processes through a
lease on the row (a process that finds the row leased waits for the other's result). On SQLite
one process is assumed; the lease still works there but SQLite serialises every writer anyway.

Each source is guarded by a token bucket (its documented rate), a daily budget stored in the
database, a minimum spacing per number where the source demands one (Kuaidi100: 30 min), and a
circuit breaker. A skipped or failing source makes the lookup fall back to the next source or to
the cache, and the result says so (`degraded_reason`). Rate limits and breakers live in the
process; budgets and everything else live in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from carriers.base import PushOutcome
from carriers.cache import (
    CacheEntry,
    CacheKey,
    EntryState,
    ShipmentCache,
    SourceCall,
    utc_day,
)
from carriers.errors import CarrierError, SourceError, SourceRateLimited, TrackingNotFound
from carriers.freshness import FreshnessPolicy
from carriers.limits import (
    DEFAULT_LIMITS,
    NEAR_QUOTA_SHARE,
    BreakerPolicy,
    CircuitBreaker,
    SourceLimits,
    TokenBucket,
    limits_for,
)
from carriers.lookup import (
    Failed,
    Found,
    LookupResult,
    NotFoundYet,
    SourceHealth,
    StatusChange,
    Trigger,
)
from carriers.models import Shipment, Status, TrackingQuery
from carriers.registry import PlannedCall, ProviderRegistry

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]

USAGE_KEPT_FOR = timedelta(days=90)  # per-day source usage kept for the console's history
REGISTERED = "registered"  # a SourceCall's note: the call registered the number with the source


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    """Knobs of the tracking service; the defaults suit a small store on one or two processes."""

    freshness: FreshnessPolicy = field(default_factory=FreshnessPolicy)
    limits: Mapping[str, SourceLimits] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    breaker: BreakerPolicy = field(default_factory=BreakerPolicy)
    max_rate_wait: float = 2.0  # seconds a lookup may wait for a rate-limit token
    lease_ttl: timedelta = timedelta(seconds=60)  # a crashed process's lease expires after this
    peer_wait: float = 20.0  # seconds to wait for another process asking the same number
    peer_poll: float = 0.05
    background_concurrency: int = 8
    background_queue: int = 1000  # refreshes waiting beyond this are not started (served stale)
    sweep_interval: float | None = 60.0  # seconds between sweeps of due rows; None: no sweeper
    sweep_batch: int = 50
    follow_for: timedelta = timedelta(days=30)  # the sweeper keeps numbers asked about lately
    push_safety_net: timedelta = timedelta(hours=12)  # poll pushed numbers when pushes go quiet
    sweep_budget_share: float = NEAR_QUOTA_SHARE  # the rest of a budget is kept for buyers
    # Pauses before each read-back of a number just registered with a push source while a buyer
    # waits (docs/tracking-sources.md, First lookups): 3 s in all, inside the reply budget.
    first_read_delays: tuple[float, ...] = (0.5, 1.0, 1.5)


class _Purpose(StrEnum):
    LOOKUP = "lookup"  # a caller is waiting
    REFRESH = "refresh"  # behind a stale answer someone was just given
    SWEEP = "sweep"  # nobody is waiting


@dataclass(frozen=True, slots=True)
class _Skip:
    source: str
    reason: str


def normalise_number(number: str) -> str:
    """Tracking numbers are compared upper-case and without whitespace."""
    return "".join(number.split()).upper()


def _first_lookup(
    not_found: Sequence[tuple[PlannedCall, TrackingNotFound]],
) -> tuple[PlannedCall, bool] | None:
    """The push source to read a first lookup back from (and whether it registered the number
    while answering), or None when no source that answered "not found" fills in later."""
    for call, answer in not_found:
        if call.provider.supports_push:
            return call, answer.registered
    return None


def _describe(problems: Sequence[_Skip]) -> str | None:
    if not problems:
        return None
    return "; ".join(f"{problem.source}: {problem.reason}" for problem in problems)


class TrackingService:
    """Lookups, background refreshes, pushes, status changes and source health."""

    def __init__(
        self,
        registry: ProviderRegistry,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        options: ServiceOptions | None = None,
        sleep: Sleep = asyncio.sleep,
        owner: str | None = None,
    ) -> None:
        self._registry = registry
        self._cache = ShipmentCache(sessions)
        self._clock = clock
        self._options = options or ServiceOptions()
        self._sleep = sleep
        # Identifies this process's leases; any unique string works.
        self._owner = owner or secrets.token_hex(8)
        self._breakers = {
            provider.slug: CircuitBreaker(self._options.breaker, clock)
            for provider in registry.providers
        }
        self._buckets: dict[str, TokenBucket] = {}
        for provider in registry.providers:
            limits = self._limits(provider.slug)
            if limits.rate is not None:
                self._buckets[provider.slug] = TokenBucket(limits.rate, limits.burst, clock)
        self._inflight: dict[tuple[CacheKey, str | None], asyncio.Task[LookupResult]] = {}
        self._registering: set[tuple[CacheKey, str]] = set()
        self._background: set[asyncio.Task[object]] = set()
        self._slots = asyncio.Semaphore(self._options.background_concurrency)
        self._sweeper: asyncio.Task[None] | None = None
        self._closed = False
        self._listeners: list[Callable[[], None]] = []

    @property
    def registry(self) -> ProviderRegistry:
        return self._registry

    def listen(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` (at once, without arguments; it must not block) whenever this process
        records a status change, so a reader of `changes_after` need not wait for its next poll.
        Returns the function that stops listening."""
        self._listeners.append(listener)

        def stop() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return stop

    def _changed(self) -> None:
        for listener in tuple(self._listeners):
            listener()

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the sweeper that refreshes due shipments nobody is asking about right now."""
        if self._sweeper is None and self._options.sweep_interval is not None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def drain(self, within: float) -> None:
        """Let background refreshes and registrations finish, for at most `within` seconds."""
        pending = set(self._background)
        if pending:
            await asyncio.wait(pending, timeout=within)

    async def close(self) -> None:
        """Cancel the sweeper and every background refresh and registration, and wait for them."""
        self._closed = True
        tasks: list[asyncio.Task[object] | asyncio.Task[LookupResult] | asyncio.Task[None]] = [
            *self._background,
            *self._inflight.values(),
        ]
        if self._sweeper is not None:
            tasks.append(self._sweeper)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._sweeper = None

    # --- lookups ---------------------------------------------------------------------------

    async def lookup(
        self,
        query: TrackingQuery,
        *,
        candidates: Sequence[str] = (),
        refresh: bool = False,
        stale_ok: bool = True,
        provider: str | None = None,
    ) -> LookupResult:
        """What we know about a parcel, from the cache when it is fresh enough.

        `candidates`: detection's ranked carrier guesses (used when `query.carrier` is unset).
        `refresh`: ask the sources even when the cache is fresh. `stale_ok=False`: wait for a
        refresh instead of answering with a stale shipment. `provider`: ask only that source.
        Never raises for a source's failure: that is a `Failed` result.
        """
        query = query.model_copy(update={"number": normalise_number(query.number)})
        now = self._clock()
        entry = await self._cache.read(query.number, query.carrier)
        if entry is not None:
            await self._cache.note_requested(entry, now)
            if not refresh and provider is None:
                served = self._from_cache(entry, query, candidates, now, stale_ok=stale_ok)
                if served is not None:
                    return served
        key = entry.key if entry is not None else CacheKey(query.number, query.carrier or "")
        return await self._shared(key, query, candidates, provider, _Purpose.LOOKUP)

    def _from_cache(
        self,
        entry: CacheEntry,
        query: TrackingQuery,
        candidates: Sequence[str],
        now: datetime,
        *,
        stale_ok: bool,
    ) -> LookupResult | None:
        """The cached answer when it may be served without asking a source now, else None."""
        due = entry.next_refresh_at is not None and entry.next_refresh_at <= now
        if entry.state is EntryState.FOUND:
            assert entry.shipment is not None
            stale = entry.fresh_until is not None and entry.fresh_until <= now
            if not stale:
                return self._found(entry, now, served_from_cache=True)
            if due and not stale_ok:
                return None
            refreshing = (entry.key, None) in self._inflight
            if due and not refreshing:
                refreshing = self._refresh_later(entry.key, query, candidates, _Purpose.REFRESH)
            return self._found(entry, now, served_from_cache=True, refreshing=refreshing)
        if due or (entry.key, None) in self._inflight or entry.last_attempt_at is None:
            # Nothing to serve yet, or nothing worth serving: join or make the call.
            return None
        if entry.state is EntryState.NOT_FOUND:
            return self._not_found(entry, now, degraded=entry.sync.last_error)
        return Failed(
            number=entry.key.number,
            reason=entry.last_error or "no source has answered yet",
            cached=None,
            cached_age=None,
            sync=entry.sync,
        )

    async def _shared(
        self,
        key: CacheKey,
        query: TrackingQuery,
        candidates: Sequence[str],
        provider: str | None,
        purpose: _Purpose,
    ) -> LookupResult:
        """Join the call in flight for this row, or start it; one upstream call per row."""
        flight = (key, provider)
        task = self._inflight.get(flight)
        if task is None:
            task = asyncio.get_running_loop().create_task(
                self._fetch(key, query, candidates, provider, purpose)
            )
            self._inflight[flight] = task
            task.add_done_callback(lambda _: self._inflight.pop(flight, None))
        # Shielded: one impatient caller giving up must not cancel the call the others share.
        return await asyncio.shield(task)

    def _refresh_later(
        self,
        key: CacheKey,
        query: TrackingQuery,
        candidates: Sequence[str],
        purpose: _Purpose,
    ) -> bool:
        """Start a bounded background refresh; False when too many are already waiting."""
        if self._closed or len(self._background) >= self._options.background_queue:
            return False
        flight = (key, None)
        if flight in self._inflight:
            return True

        async def limited() -> LookupResult:
            async with self._slots:
                return await self._fetch(key, query, candidates, None, purpose)

        task = asyncio.get_running_loop().create_task(limited())
        self._inflight[flight] = task
        task.add_done_callback(lambda _: self._inflight.pop(flight, None))
        self._track(task)
        return True

    def _track(self, task: asyncio.Task[LookupResult] | asyncio.Task[None]) -> None:
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[object]) -> None:
        self._background.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("background tracking task failed", exc_info=error)

    async def _fetch(
        self,
        key: CacheKey,
        query: TrackingQuery,
        candidates: Sequence[str],
        provider: str | None,
        purpose: _Purpose,
    ) -> LookupResult:
        now = self._clock()
        if not await self._cache.acquire_lease(key, self._owner, now, self._options.lease_ttl):
            return await self._await_peer(key, query, candidates, provider, purpose)
        try:
            return await self._ask_sources(key, query, candidates, provider, purpose)
        except BaseException:
            # The lease is normally released with the result; this covers cancellation and bugs.
            with contextlib.suppress(Exception):
                await asyncio.shield(self._cache.release_lease(key, self._owner))
            raise

    async def _await_peer(
        self,
        key: CacheKey,
        query: TrackingQuery,
        candidates: Sequence[str],
        provider: str | None,
        purpose: _Purpose,
    ) -> LookupResult:
        """Another process is asking the sources for this row: wait for its answer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._options.peer_wait
        while True:
            await self._sleep(self._options.peer_poll)
            entry = await self._cache.get(key)
            now = self._clock()
            if entry is None:
                raise LookupError(f"cache row for {key.number} vanished")
            if entry.lease_owner is None:
                return self._answer(entry, now, served_from_cache=True)
            if not entry.leased(now) and await self._cache.acquire_lease(
                key, self._owner, now, self._options.lease_ttl
            ):
                # The other process died holding the lease: finish its work.
                return await self._ask_sources(key, query, candidates, provider, purpose)
            if loop.time() >= deadline:
                return self._answer(
                    entry,
                    now,
                    served_from_cache=True,
                    degraded="another process is still asking the sources",
                )

    async def _ask_sources(
        self,
        key: CacheKey,
        query: TrackingQuery,
        candidates: Sequence[str],
        provider: str | None,
        purpose: _Purpose,
    ) -> LookupResult:
        entry = await self._cache.get(key)
        plan = self._registry.plan(query, candidates, only=provider)
        problems: list[_Skip] = []
        calls: list[SourceCall] = []
        not_found: list[tuple[PlannedCall, TrackingNotFound]] = []
        for call in plan:
            counted, skip = await self._admit(call.source, entry, purpose)
            if skip is not None:
                problems.append(_Skip(call.source, skip))
                continue
            record, outcome, failure = await self._call(call, counted)
            calls.append(record)
            if failure is not None:
                problems.append(_Skip(call.source, failure))
            elif isinstance(outcome, TrackingNotFound):
                not_found.append((call, outcome))
            elif outcome is not None:
                return await self._store_found(
                    key, outcome, call, calls=calls, problems=problems, purpose=purpose
                )
        first = _first_lookup(not_found) if purpose is _Purpose.LOOKUP else None
        if first is not None:
            call, registered = first
            read = await self._read_back(entry, call, calls, registered=registered)
            if read is not None:
                return await self._store_found(
                    key, read, call, calls=calls, problems=problems, purpose=purpose
                )
        return await self._without_shipment(key, calls, not_found, problems)

    async def _store_found(
        self,
        key: CacheKey,
        shipment: Shipment,
        call: PlannedCall,
        *,
        calls: list[SourceCall],
        problems: list[_Skip],
        purpose: _Purpose,
    ) -> Found:
        trigger = Trigger.LOOKUP if purpose is _Purpose.LOOKUP else Trigger.REFRESH
        shipment = shipment.model_copy(update={"number": key.number})
        stored, change = await self._cache.record_found(
            key,
            shipment,
            policy=self._options.freshness,
            now=self._clock(),
            trigger=trigger,
            calls=calls,
            owner=self._owner,
        )
        if change is not None:
            self._changed()
        stored = await self._note_registered(stored, calls)
        self._register_later(stored, call)
        return self._found(stored, self._clock(), degraded=_describe(problems))

    async def _read_back(
        self,
        entry: CacheEntry | None,
        call: PlannedCall,
        calls: list[SourceCall],
        *,
        registered: bool,
    ) -> Shipment | None:
        """A first lookup a push source fills in asynchronously: register the number now (when
        the source did not while answering), then read it back a few times within the reply
        budget (docs/tracking-sources.md, First lookups). The shipment when the source has one
        by then (a tracking still pending without a scan is kept asking about), else None."""
        if not registered:
            if entry is not None and call.source in entry.registered_sources:
                return None  # registered earlier: its push brings the news
            if not await self._register_now(call, entry, calls):
                return None
        if self._limits(call.source).per_number_interval is not None:
            # Kuaidi100 locks a number asked twice in 30 min: its push brings the first status.
            return None
        best: Shipment | None = None
        for delay in self._options.first_read_delays:
            await self._sleep(delay)
            counted, skip = await self._admit(call.source, entry, _Purpose.LOOKUP)
            if skip is not None:
                break
            record, outcome, failure = await self._call(call, counted)
            calls.append(record)
            if failure is not None:
                break
            if isinstance(outcome, Shipment):
                best = outcome
                if outcome.status is not Status.PENDING or outcome.events:
                    break
        return best

    async def _register_now(
        self, call: PlannedCall, entry: CacheEntry | None, calls: list[SourceCall]
    ) -> bool:
        """Ask a push source to follow the number; whether it accepted (the call is recorded in
        `calls` as registered, or failed). Only cancellation is raised."""
        if entry is not None and call.source in entry.registered_sources:
            return True
        counted, skip = await self._admit(call.source, entry, _Purpose.REFRESH)
        if skip is not None:
            log.info("registration with %s postponed: %s", call.source, skip)
            return False
        breaker = self._breakers[call.source]
        started = self._clock()
        try:
            await call.provider.register(call.query)
        except SourceError as exc:
            self._failed(call.source, exc.reason, exc.retryable, exc, started)
            calls.append(SourceCall(call.source, False, exc.reason, counted))
            return False
        except asyncio.CancelledError:
            breaker.release()
            raise
        breaker.record_success()
        calls.append(SourceCall(call.source, True, REGISTERED, counted))
        return True

    async def _note_registered(self, entry: CacheEntry, calls: Sequence[SourceCall]) -> CacheEntry:
        """Remember in the row the sources that registered the number during this unit of work."""
        registered = {c.source for c in calls if c.ok and c.reason == REGISTERED}
        for source in registered - entry.registered_sources:
            await self._cache.mark_registered(entry.key, source, self._clock())
        if not registered:
            return entry
        return replace(entry, registered_sources=entry.registered_sources | registered)

    async def _call(
        self, call: PlannedCall, counted: bool
    ) -> tuple[SourceCall, Shipment | TrackingNotFound | None, str | None]:
        """Ask one source: the call as recorded, and the shipment, the source's "not found" or
        why the call failed. Only cancellation is raised."""
        breaker = self._breakers[call.source]
        started = self._clock()
        try:
            shipment = await call.provider.track(call.query)
        except TrackingNotFound as exc:
            breaker.record_success()
            reason = REGISTERED if exc.registered else None
            return SourceCall(call.source, ok=True, reason=reason, counted=counted), exc, None
        except SourceError as exc:
            self._failed(call.source, exc.reason, exc.retryable, exc, started)
            return SourceCall(call.source, False, exc.reason, counted), None, exc.reason
        except asyncio.CancelledError:
            breaker.release()
            raise
        except CarrierError as exc:
            self._failed(call.source, str(exc), False, None, started)
            return SourceCall(call.source, False, str(exc), counted), None, str(exc)
        except Exception as exc:
            # A bug in one adapter must not take every lookup down with it.
            log.exception("tracking source %s failed unexpectedly", call.source)
            reason = f"internal error ({type(exc).__name__})"
            self._failed(call.source, reason, True, None, started)
            return SourceCall(call.source, False, reason, counted), None, reason
        breaker.record_success()
        return SourceCall(call.source, ok=True, counted=counted), shipment, None

    async def _without_shipment(
        self,
        key: CacheKey,
        calls: list[SourceCall],
        not_found: list[tuple[PlannedCall, TrackingNotFound]],
        problems: list[_Skip],
    ) -> LookupResult:
        """No source found the number: record it as not found, or as a failure to ask."""
        policy = self._options.freshness
        now = self._clock()
        if not_found:
            stored = await self._cache.record_not_found(
                key, policy=policy, now=now, calls=calls, owner=self._owner
            )
            stored = await self._note_registered(stored, calls)
            pushing = next((c for c, _ in not_found if c.provider.supports_push), None)
            if pushing is not None:
                self._register_later(stored, pushing)
            if stored.state is EntryState.FOUND:
                return self._found(stored, now, degraded=_describe(problems))
            return self._not_found(stored, now, degraded=_describe(problems))
        reason = _describe(problems) or "no tracking source is configured for this number"
        stored = await self._cache.record_failure(
            key, reason, policy=policy, now=now, calls=calls, owner=self._owner
        )
        return Failed(
            number=key.number,
            reason=reason,
            cached=stored.shipment,
            cached_age=now - stored.shipment.checked_at if stored.shipment else None,
            sync=stored.sync,
        )

    async def _admit(
        self, source: str, entry: CacheEntry | None, purpose: _Purpose
    ) -> tuple[bool, str | None]:
        """Whether a call to `source` may go out now: (counted against the budget, skip reason)."""
        limits = self._limits(source)
        now = self._clock()
        if limits.per_number_interval is not None and entry is not None:
            last = entry.source_calls.get(source)
            if last is not None and now - last < limits.per_number_interval:
                minutes = int(limits.per_number_interval.total_seconds() // 60)
                return False, f"asked about this number less than {minutes} min ago"
        breaker = self._breakers[source]
        if not breaker.allow():
            until = breaker.open_until
            when = f" until {until:%H:%M:%S} UTC" if until is not None else ""
            return False, f"circuit open{when} after: {breaker.last_reason or 'failures'}"
        if not await self._wait_for_rate(source, purpose):
            breaker.release()
            return False, "rate limit reached"
        if limits.daily_budget is not None:
            budget = limits.daily_budget
            if purpose is _Purpose.SWEEP:
                budget = int(budget * self._options.sweep_budget_share)
            if not await self._cache.reserve_call(source, budget, now):
                breaker.release()
                return False, f"daily budget of {budget} calls used up"
            return True, None
        return False, None

    async def _wait_for_rate(self, source: str, purpose: _Purpose) -> bool:
        """Wait until the source's rate limit lets a call out; False when that is too long.

        Re-raises cancellation after releasing the breaker's probe.
        """
        bucket = self._buckets.get(source)
        if bucket is None:
            return True
        wait = bucket.take()
        budget_for_wait = self._options.max_rate_wait if purpose is _Purpose.LOOKUP else 30.0
        while wait > 0:
            if wait > budget_for_wait:
                return False
            budget_for_wait -= wait
            try:
                await self._sleep(wait)
            except asyncio.CancelledError:
                self._breakers[source].release()
                raise
            wait = bucket.take()
        return True

    def _failed(
        self,
        source: str,
        reason: str,
        retryable: bool,
        error: SourceError | None,
        started: datetime,
    ) -> None:
        breaker = self._breakers[source]
        log.warning("tracking source %s failed: %s", source, reason)
        if isinstance(error, SourceRateLimited):
            breaker.record_failure(reason, retry_after=error.retry_after, started_at=started)
        elif retryable:
            breaker.record_failure(reason, started_at=started)
        else:
            # A refused request says nothing about the source's health.
            breaker.release()

    def _limits(self, source: str) -> SourceLimits:
        return limits_for(source, self._options.limits)

    # --- registration with push sources ------------------------------------------------------

    def _register_later(self, entry: CacheEntry, call: PlannedCall) -> None:
        """Ask a push source to follow the number, once per number (remembered in the row)."""
        if not call.provider.supports_push or self._closed:
            return
        if call.source in entry.registered_sources:
            return
        job = (entry.key, call.source)
        if job in self._registering:
            return
        self._registering.add(job)
        task = asyncio.get_running_loop().create_task(self._register(entry, call))
        task.add_done_callback(lambda _: self._registering.discard(job))
        self._track(task)

    async def _register(self, entry: CacheEntry, call: PlannedCall) -> None:
        calls: list[SourceCall] = []
        await self._register_now(call, entry, calls)
        if calls:
            # Registration calls are accounted here; a recorded lookup accounts its own.
            await self._cache.account(calls, self._clock())
            await self._note_registered(entry, calls)

    # --- pushes ------------------------------------------------------------------------------

    async def apply_push(self, source: str, outcome: PushOutcome) -> list[StatusChange]:
        """Store what a verified push said; returns the status changes it made."""
        now = self._clock()
        changes: list[StatusChange] = []
        for shipment in outcome.shipments:
            number = normalise_number(shipment.number)
            pushed = shipment.model_copy(update={"number": number})
            for key in await self._cache.push_keys(number, shipment.carrier, now):
                _, change = await self._cache.record_found(
                    key,
                    pushed,
                    policy=self._options.freshness,
                    now=now,
                    trigger=Trigger.PUSH,
                )
                if change is not None:
                    changes.append(change)
        for number in outcome.stopped:
            await self._cache.stop_push(normalise_number(number), source, now)
        if changes:
            self._changed()
        return changes

    # --- background sweeping -----------------------------------------------------------------

    async def refresh_due(self) -> int:
        """Refresh a batch of rows whose time has come; returns how many were refreshed."""
        options = self._options
        now = self._clock()
        entries = await self._cache.due(
            now,
            limit=options.sweep_batch,
            follow_for=options.follow_for,
            push_safety_net=options.push_safety_net,
            give_up_after=options.freshness.not_found_give_up_after,
        )
        started: list[asyncio.Task[LookupResult]] = []
        for entry in entries:
            carrier = entry.key.carrier_key or None
            query = TrackingQuery(number=entry.key.number, carrier=carrier)
            hints = (entry.shipment.carrier,) if entry.shipment and entry.shipment.carrier else ()
            if self._refresh_later(entry.key, query, hints, _Purpose.SWEEP):
                started.append(self._inflight[(entry.key, None)])
        await asyncio.gather(*started, return_exceptions=True)
        return len(started)

    async def _sweep_forever(self) -> None:
        interval = self._options.sweep_interval
        assert interval is not None
        while True:
            try:
                await self.refresh_due()
                await self._cache.forget_usage_before(utc_day(self._clock()) - USAGE_KEPT_FOR)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("tracking sweep failed")
            await self._sleep(interval)

    # --- reading for others ------------------------------------------------------------------

    async def changes_after(self, cursor: int, limit: int = 100) -> list[StatusChange]:
        """Status changes with an id above `cursor`, oldest first (ids commit in order)."""
        return await self._cache.changes_after(cursor, limit)

    async def health(self) -> list[SourceHealth]:
        """Every configured source as the console shows it."""
        now = self._clock()
        usage = await self._cache.usage(now)
        result = []
        for provider in self._registry.providers:
            row = usage.get(provider.slug)
            breaker = self._breakers[provider.slug]
            result.append(
                SourceHealth(
                    source=provider.slug,
                    last_success_at=row.last_success_at if row else None,
                    last_failure_at=row.last_failure_at if row else None,
                    last_failure_reason=row.last_failure_reason if row else None,
                    breaker=breaker.state,
                    breaker_open_until=breaker.open_until,
                    calls_today=row.calls if row else 0,
                    failures_today=row.failures if row else 0,
                    daily_budget=self._limits(provider.slug).daily_budget,
                    day=utc_day(now),
                )
            )
        return result

    # --- building results --------------------------------------------------------------------

    def _answer(
        self,
        entry: CacheEntry,
        now: datetime,
        *,
        served_from_cache: bool,
        degraded: str | None = None,
    ) -> LookupResult:
        if entry.state is EntryState.FOUND:
            return self._found(entry, now, served_from_cache=served_from_cache, degraded=degraded)
        if entry.state is EntryState.NOT_FOUND:
            return self._not_found(entry, now, degraded=degraded or entry.sync.last_error)
        return Failed(
            number=entry.key.number,
            reason=degraded or entry.last_error or "no source has answered yet",
            cached=None,
            cached_age=None,
            sync=entry.sync,
        )

    def _found(
        self,
        entry: CacheEntry,
        now: datetime,
        *,
        served_from_cache: bool = False,
        refreshing: bool = False,
        degraded: str | None = None,
    ) -> Found:
        shipment: Shipment | None = entry.shipment
        assert shipment is not None
        stale = entry.fresh_until is not None and entry.fresh_until <= now
        if degraded is None and entry.consecutive_failures:
            degraded = entry.last_error
        return Found(
            shipment=shipment,
            age=max(timedelta(0), now - shipment.checked_at),
            stale=stale,
            refreshing=refreshing,
            served_from_cache=served_from_cache,
            sync=entry.sync,
            degraded_reason=degraded,
        )

    def _not_found(self, entry: CacheEntry, now: datetime, *, degraded: str | None) -> NotFoundYet:
        policy = self._options.freshness
        since = entry.not_found_since or entry.first_seen_at
        gave_up = policy.gave_up(since, now)
        return NotFoundYet(
            number=entry.key.number,
            since=since,
            checks=entry.not_found_checks,
            last_checked_at=entry.checked_at or since,
            next_check_at=None if gave_up else entry.next_refresh_at,
            sources=tuple(sorted(entry.source_calls)),
            sync=entry.sync,
            degraded_reason=degraded,
        )
