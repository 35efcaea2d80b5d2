"""The shipment cache in the database: rows, leases, status-change events, source usage.

Every method is one short unit of work with its own session. On PostgreSQL the row a result is
written to is locked (`FOR UPDATE`) so a push and a lookup finishing together cannot lose each
other's change, and status-change events are appended under a transaction-level advisory lock so
their ids commit in order: a consumer reading `changes_after(cursor)` never skips a late commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import case, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from carriers.freshness import FreshnessPolicy
from carriers.lookup import StatusChange, SyncHealth, Trigger
from carriers.models import ExceptionReason, Shipment, Status
from carriers.tables import CachedShipment, SourceHealthRow, SourceUsage, StatusChangeRow
from foundation.database import table_of
from foundation.upserts import upsert

# Any constant works: it only has to be the same in every process appending events.
_EVENTS_LOCK = 0x7769736D6F5F6576  # "wismo_ev"
# The sweeper follows numbers asked about within weeks: half a day of precision is plenty and
# keeps cache hits free of writes.
_REQUESTED_RESOLUTION = timedelta(hours=12)
_ERROR_LENGTH = 200

_shipments = table_of(CachedShipment)
_ADD_SHIPMENT = upsert(_shipments).on_conflict_do_nothing()
_usage = table_of(SourceUsage)
_START_DAY = upsert(_usage).on_conflict_do_nothing()
# The proposed row holds the calls and failures to add.
_COUNT_USAGE = upsert(_usage)
_COUNT_USAGE = _COUNT_USAGE.on_conflict_do_update(
    ("source", "day"),
    {
        "calls": _usage.c.calls + _COUNT_USAGE.excluded.calls,
        "failures": _usage.c.failures + _COUNT_USAGE.excluded.failures,
    },
)
_health = table_of(SourceHealthRow)
# The proposed row holds this call's outcome: a success or a failure (with its reason), the
# other side left NULL; the stored row keeps its last of the other kind.
_NOTE_HEALTH = upsert(_health)
_NOTE_HEALTH = _NOTE_HEALTH.on_conflict_do_update(
    ("source",),
    {
        "last_success_at": func.coalesce(
            _NOTE_HEALTH.excluded.last_success_at, _health.c.last_success_at
        ),
        "last_failure_at": func.coalesce(
            _NOTE_HEALTH.excluded.last_failure_at, _health.c.last_failure_at
        ),
        "last_failure_reason": case(
            (_NOTE_HEALTH.excluded.last_failure_at.is_(None), _health.c.last_failure_reason),
            else_=_NOTE_HEALTH.excluded.last_failure_reason,
        ),
        "updated_at": _NOTE_HEALTH.excluded.updated_at,
    },
)


class EntryState(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    UNKNOWN = "unknown"  # no source has answered yet; only failures so far


@dataclass(frozen=True, slots=True)
class CacheKey:
    number: str
    carrier_key: str  # our carrier slug, or "" for "whichever carrier it is"


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """A cache row as a plain value."""

    key: CacheKey
    state: EntryState
    shipment: Shipment | None
    checked_at: datetime | None
    last_scan_at: datetime | None
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    fresh_until: datetime | None
    next_refresh_at: datetime | None
    not_found_since: datetime | None
    not_found_checks: int
    registered_sources: frozenset[str]
    source_calls: Mapping[str, datetime]
    first_seen_at: datetime
    last_requested_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None

    @property
    def sync(self) -> SyncHealth:
        return SyncHealth(
            last_success_at=self.last_success_at,
            last_attempt_at=self.last_attempt_at,
            last_error=self.last_error if self.consecutive_failures else None,
            consecutive_failures=self.consecutive_failures,
            last_scan_at=self.last_scan_at,
        )

    def leased(self, now: datetime) -> bool:
        return self.lease_until is not None and self.lease_until > now


@dataclass(frozen=True, slots=True)
class SourceCall:
    """One call made to a source during a unit of work, for usage and health accounting."""

    source: str
    ok: bool  # the source answered (a shipment or "not found")
    reason: str | None = None
    counted: bool = False  # already counted against the budget when it was reserved


@dataclass(frozen=True, slots=True)
class UsageRow:
    source: str
    calls: int
    failures: int
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_failure_reason: str | None = None


@dataclass(frozen=True, slots=True)
class _Change:
    old_status: str | None
    old_reason: str | None
    shipment: Shipment
    trigger: Trigger


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _entry(row: CachedShipment) -> CacheEntry:
    return CacheEntry(
        key=CacheKey(row.number, row.carrier_key),
        state=EntryState(row.state),
        shipment=Shipment.model_validate(row.shipment) if row.shipment is not None else None,
        checked_at=row.checked_at,
        last_scan_at=row.last_scan_at,
        last_success_at=row.last_success_at,
        last_attempt_at=row.last_attempt_at,
        last_error=row.last_error,
        consecutive_failures=row.consecutive_failures,
        fresh_until=row.fresh_until,
        next_refresh_at=row.next_refresh_at,
        not_found_since=row.not_found_since,
        not_found_checks=row.not_found_checks,
        registered_sources=frozenset(row.registered_sources or ()),
        source_calls={
            source: datetime.fromisoformat(stamp)
            for source, stamp in (row.source_calls or {}).items()
        },
        first_seen_at=row.first_seen_at,
        last_requested_at=row.last_requested_at,
        lease_owner=row.lease_owner,
        lease_until=row.lease_until,
    )


def _change(row: StatusChangeRow) -> StatusChange:
    return StatusChange(
        id=row.id,
        number=row.number,
        carrier=row.carrier,
        old_status=Status(row.old_status) if row.old_status else None,
        old_reason=ExceptionReason(row.old_reason) if row.old_reason else None,
        new_status=Status(row.new_status),
        new_reason=ExceptionReason(row.new_reason) if row.new_reason else None,
        source=row.source,
        trigger=Trigger(row.trigger),
        shipment=Shipment.model_validate(row.snapshot),
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
    )


def _clip(reason: str | None) -> str | None:
    return None if reason is None else reason[:_ERROR_LENGTH]


class ShipmentCache:
    """Reads and writes the cache tables; one session per unit of work."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # --- reading ---------------------------------------------------------------------------

    async def read(self, number: str, carrier: str | None) -> CacheEntry | None:
        """The row that answers for `number` (and `carrier` when given).

        With a carrier: that carrier's row, else the any-carrier row when the shipment in it is
        of that carrier. Without: the any-carrier row, else the most recently checked row.
        """
        async with self._sessions() as session:
            rows = (
                await session.scalars(select(CachedShipment).where(CachedShipment.number == number))
            ).all()
        if not rows:
            return None
        by_key = {row.carrier_key: row for row in rows}
        if carrier:
            if carrier in by_key:
                return _entry(by_key[carrier])
            anyone = by_key.get("")
            if anyone is not None and anyone.carrier == carrier:
                return _entry(anyone)
            return None
        if "" in by_key:
            return _entry(by_key[""])
        epoch = datetime.min.replace(tzinfo=UTC)
        return _entry(max(rows, key=lambda row: row.checked_at or epoch))

    async def get(self, key: CacheKey) -> CacheEntry | None:
        async with self._sessions() as session:
            row = await session.get(CachedShipment, (key.number, key.carrier_key))
            return _entry(row) if row is not None else None

    async def due(
        self,
        now: datetime,
        *,
        limit: int,
        follow_for: timedelta,
        push_safety_net: timedelta,
        give_up_after: timedelta,
    ) -> list[CacheEntry]:
        """Rows whose refresh time has come, for the background sweeper.

        Only numbers someone asked about within `follow_for`; numbers a source pushes to us are
        polled only when no push came for `push_safety_net`; numbers never found for longer than
        `give_up_after` wait for someone to ask.
        """
        query = (
            select(CachedShipment)
            .where(
                CachedShipment.next_refresh_at <= now,
                or_(CachedShipment.lease_until.is_(None), CachedShipment.lease_until <= now),
                CachedShipment.last_requested_at >= now - follow_for,
                or_(
                    CachedShipment.push_registered.is_(False),
                    CachedShipment.checked_at.is_(None),
                    CachedShipment.checked_at <= now - push_safety_net,
                ),
                or_(
                    CachedShipment.not_found_since.is_(None),
                    CachedShipment.not_found_since > now - give_up_after,
                ),
            )
            .order_by(CachedShipment.next_refresh_at)
            .limit(limit)
        )
        async with self._sessions() as session:
            return [_entry(row) for row in (await session.scalars(query)).all()]

    # --- leases ----------------------------------------------------------------------------

    async def ensure(self, key: CacheKey, now: datetime, *, requested: bool = True) -> bool:
        """Create the row if it does not exist; True when this call created it.

        `requested=False` for a row only a push made: nobody asked, so the sweeper leaves it.
        """
        async with self._sessions() as session, session.begin():
            return await _insert_missing(session, key, now, requested=requested)

    async def note_requested(self, entry: CacheEntry, now: datetime) -> None:
        """Note that someone asked (the sweeper keeps such numbers fresh); twice a day at most."""
        if entry.last_requested_at and now - entry.last_requested_at < _REQUESTED_RESOLUTION:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(CachedShipment).where(*_is(entry.key)).values(last_requested_at=now)
            )

    async def acquire_lease(self, key: CacheKey, owner: str, now: datetime, ttl: timedelta) -> bool:
        """Become the one process asking the sources for this row, unless another already is.

        The row is created first when it does not exist yet (in the same transaction).
        """
        async with self._sessions() as session, session.begin():
            await _insert_missing(session, key, now)
            result = await session.execute(
                update(CachedShipment)
                .where(
                    *_is(key),
                    or_(
                        CachedShipment.lease_until.is_(None),
                        CachedShipment.lease_until <= now,
                        CachedShipment.lease_owner == owner,
                    ),
                )
                .values(lease_owner=owner, lease_until=now + ttl)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release_lease(self, key: CacheKey, owner: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(CachedShipment)
                .where(*_is(key), CachedShipment.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    # --- results ---------------------------------------------------------------------------

    async def record_found(
        self,
        key: CacheKey,
        shipment: Shipment,
        *,
        policy: FreshnessPolicy,
        now: datetime,
        trigger: Trigger,
        calls: Sequence[SourceCall] = (),
        owner: str | None = None,
    ) -> tuple[CacheEntry, StatusChange | None]:
        """Store a shipment a source answered with; returns the row and the change it made.

        A shipment whose newest scan is older than the cached one's (a lagging fallback source,
        a push delivered out of order) does not replace it; the check still counts as a sync.
        """
        async with self._sessions() as session, session.begin():
            row = await _locked(session, key)
            if row is None:
                raise LookupError(f"cache row {key} vanished")
            kept = _entry(row).shipment
            newer = (
                kept is None
                or kept.last_scan_at is None
                or shipment.last_scan_at is None
                or shipment.last_scan_at >= kept.last_scan_at
            )
            old_status, old_reason = row.status, row.exception_reason
            if newer or kept is None:
                current = shipment
            else:
                # What we hold is still the best knowledge, and it was just confirmed.
                checked = max(kept.checked_at, shipment.checked_at)
                current = kept.model_copy(update={"checked_at": checked})
            row.state = EntryState.FOUND.value
            row.shipment = current.model_dump(mode="json")
            row.carrier = current.carrier
            row.status = current.status.value
            row.exception_reason = (
                current.exception_reason.value if current.exception_reason else None
            )
            row.source = current.source
            row.checked_at = current.checked_at
            row.last_scan_at = current.last_scan_at
            row.last_success_at = now
            row.last_attempt_at = now
            row.consecutive_failures = 0
            row.fresh_until = policy.fresh_until(current.status, now)
            row.next_refresh_at = row.fresh_until
            row.not_found_since = None
            row.not_found_checks = 0
            if trigger is Trigger.PUSH:
                row.registered_sources = sorted({*row.registered_sources, shipment.source})
                row.push_registered = True
            _note_calls(row, calls, now)
            _release(row, owner)
            row.updated_at = now
            change = None
            if newer and (old_status, old_reason) != (row.status, row.exception_reason):
                change = await _append_change(
                    session, _Change(old_status, old_reason, current, trigger), now
                )
            await _account(session, calls, now)
            return _entry(row), change

    async def record_not_found(
        self,
        key: CacheKey,
        *,
        policy: FreshnessPolicy,
        now: datetime,
        calls: Sequence[SourceCall] = (),
        owner: str | None = None,
    ) -> CacheEntry:
        """Every source asked said "not found yet". A shipment we already hold is kept."""
        async with self._sessions() as session, session.begin():
            row = await _locked(session, key)
            if row is None:
                raise LookupError(f"cache row {key} vanished")
            row.last_attempt_at = now
            row.last_success_at = now
            row.consecutive_failures = 0
            if row.state == EntryState.FOUND.value and row.status is not None:
                # Sources purge old numbers (DHL after ~90 days): what we knew stays true.
                row.checked_at = now
                row.fresh_until = policy.fresh_until(Status(row.status), now)
                row.next_refresh_at = row.fresh_until
            else:
                row.state = EntryState.NOT_FOUND.value
                row.checked_at = now
                row.not_found_since = row.not_found_since or now
                row.not_found_checks += 1
                row.fresh_until = policy.next_not_found_check(row.not_found_checks, now)
                row.next_refresh_at = row.fresh_until
            _note_calls(row, calls, now)
            _release(row, owner)
            row.updated_at = now
            await _account(session, calls, now)
            return _entry(row)

    async def record_failure(
        self,
        key: CacheKey,
        reason: str,
        *,
        policy: FreshnessPolicy,
        now: datetime,
        calls: Sequence[SourceCall] = (),
        owner: str | None = None,
    ) -> CacheEntry:
        """No source answered: keep whatever we had and back off before the next attempt."""
        async with self._sessions() as session, session.begin():
            row = await _locked(session, key)
            if row is None:
                raise LookupError(f"cache row {key} vanished")
            row.last_attempt_at = now
            row.last_error = _clip(reason)
            row.last_error_at = now
            row.consecutive_failures += 1
            row.next_refresh_at = policy.next_after_failure(row.consecutive_failures, now)
            _note_calls(row, calls, now)
            _release(row, owner)
            row.updated_at = now
            await _account(session, calls, now)
            return _entry(row)

    async def account(self, calls: Sequence[SourceCall], now: datetime) -> None:
        """Usage and health of calls made outside a lookup (registrations)."""
        if calls:
            async with self._sessions() as session, session.begin():
                await _account(session, calls, now)

    async def mark_registered(self, key: CacheKey, source: str, now: datetime) -> None:
        async with self._sessions() as session, session.begin():
            row = await _locked(session, key)
            if row is not None and source not in row.registered_sources:
                row.registered_sources = sorted({*row.registered_sources, source})
                row.push_registered = True
                row.updated_at = now

    async def push_keys(self, number: str, carrier: str | None, now: datetime) -> list[CacheKey]:
        """The rows a pushed shipment updates, creating the any-carrier row when none fits."""
        async with self._sessions() as session:
            keys = (
                await session.scalars(
                    select(CachedShipment.carrier_key).where(CachedShipment.number == number)
                )
            ).all()
        fitting = [CacheKey(number, k) for k in keys if k in ("", carrier or "")]
        if fitting:
            return fitting
        key = CacheKey(number, "")
        await self.ensure(key, now, requested=False)
        return [key]

    async def stop_push(self, number: str, source: str, now: datetime) -> None:
        """The source stopped following the number: it has to be polled again."""
        async with self._sessions() as session, session.begin():
            rows = (
                await session.scalars(
                    select(CachedShipment)
                    .where(CachedShipment.number == number)
                    .order_by(CachedShipment.carrier_key)
                    .with_for_update()
                )
            ).all()
            for row in rows:
                remaining = sorted(set(row.registered_sources) - {source})
                row.registered_sources = remaining
                row.push_registered = bool(remaining)
                row.updated_at = now

    # --- usage, events ---------------------------------------------------------------------

    async def reserve_call(self, source: str, budget: int, now: datetime) -> bool:
        """Count one call against today's budget; False (nothing counted) when it is spent."""
        day = utc_day(now)
        async with self._sessions() as session, session.begin():
            await session.execute(
                _START_DAY, {"source": source, "day": day, "calls": 0, "failures": 0}
            )
            result = await session.execute(
                update(_usage)
                .where(_usage.c.source == source, _usage.c.day == day, _usage.c.calls < budget)
                .values(calls=_usage.c.calls + 1)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def usage(self, now: datetime) -> dict[str, UsageRow]:
        """Today's calls and failures and the last success/failure, per source."""
        day = utc_day(now)
        async with self._sessions() as session:
            counts = (
                await session.execute(
                    select(SourceUsage.source, SourceUsage.calls, SourceUsage.failures).where(
                        SourceUsage.day == day
                    )
                )
            ).all()
            health = (await session.scalars(select(SourceHealthRow))).all()
        rows = {source: UsageRow(source, calls, failures) for source, calls, failures in counts}
        for item in health:
            base = rows.get(item.source, UsageRow(item.source, 0, 0))
            rows[item.source] = UsageRow(
                item.source,
                base.calls,
                base.failures,
                item.last_success_at,
                item.last_failure_at,
                item.last_failure_reason,
            )
        return rows

    async def calls_today(self, source: str, now: datetime) -> int:
        async with self._sessions() as session:
            value = await session.scalar(
                select(SourceUsage.calls).where(
                    SourceUsage.source == source, SourceUsage.day == utc_day(now)
                )
            )
        return int(value or 0)

    async def changes_after(self, cursor: int, limit: int) -> list[StatusChange]:
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(StatusChangeRow)
                    .where(StatusChangeRow.id > cursor)
                    .order_by(StatusChangeRow.id)
                    .limit(limit)
                )
            ).all()
        return [_change(row) for row in rows]

    async def forget_usage_before(self, day: date) -> int:
        """Drop usage rows older than `day` (kept a while for the console's history)."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(SourceUsage).where(SourceUsage.day < day))
            return int(result.rowcount)  # type: ignore[attr-defined]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def _insert_missing(
    session: AsyncSession, key: CacheKey, now: datetime, *, requested: bool = True
) -> bool:
    values = {
        "number": key.number,
        "carrier_key": key.carrier_key,
        "state": EntryState.UNKNOWN.value,
        "consecutive_failures": 0,
        "not_found_checks": 0,
        "registered_sources": [],
        "push_registered": False,
        "source_calls": {},
        "first_seen_at": now,
        "last_requested_at": now if requested else None,
        "updated_at": now,
    }
    result = await session.execute(_ADD_SHIPMENT, values)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _is(key: CacheKey) -> tuple[Any, ...]:
    return (CachedShipment.number == key.number, CachedShipment.carrier_key == key.carrier_key)


async def _locked(session: AsyncSession, key: CacheKey) -> CachedShipment | None:
    row: CachedShipment | None = await session.scalar(
        select(CachedShipment).where(*_is(key)).with_for_update()
    )
    return row


def _release(row: CachedShipment, owner: str | None) -> None:
    if owner is not None and row.lease_owner == owner:
        row.lease_owner = None
        row.lease_until = None


def _note_calls(row: CachedShipment, calls: Sequence[SourceCall], now: datetime) -> None:
    if calls:
        stamps = dict(row.source_calls or {})
        stamps.update({call.source: now.isoformat() for call in calls})
        row.source_calls = stamps


async def _append_change(
    session: AsyncSession, change: _Change, now: datetime
) -> StatusChange | None:
    """Append a change unless the number's latest change already says the same (two cache rows
    of one parcel, or a push repeating what a lookup saw, make one event)."""
    if _dialect(session) == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _EVENTS_LOCK})
    shipment = change.shipment
    new_reason = shipment.exception_reason.value if shipment.exception_reason else None
    latest = await session.scalar(
        select(StatusChangeRow)
        .where(StatusChangeRow.number == shipment.number)
        .order_by(StatusChangeRow.id.desc())
        .limit(1)
    )
    if latest is not None and (latest.carrier, latest.new_status, latest.new_reason) == (
        shipment.carrier,
        shipment.status.value,
        new_reason,
    ):
        return None
    row = StatusChangeRow(
        number=shipment.number,
        carrier=shipment.carrier,
        old_status=change.old_status,
        old_reason=change.old_reason,
        new_status=shipment.status.value,
        new_reason=new_reason,
        source=shipment.source,
        trigger=change.trigger.value,
        snapshot=shipment.model_dump(mode="json"),
        occurred_at=shipment.last_scan_at,
        recorded_at=now,
    )
    session.add(row)
    await session.flush()
    return _change(row)


async def _account(session: AsyncSession, calls: Sequence[SourceCall], now: datetime) -> None:
    if not calls:
        return
    day = utc_day(now)
    # Rows are always locked in the same order (usage, then health, each by source) so two
    # transactions accounting for the same sources cannot deadlock on PostgreSQL.
    ordered = sorted(calls, key=lambda call: call.source)
    for call in ordered:
        await session.execute(
            _COUNT_USAGE,
            {
                "source": call.source,
                "day": day,
                "calls": 0 if call.counted else 1,
                "failures": 0 if call.ok else 1,
            },
        )
    for call in ordered:
        await session.execute(
            _NOTE_HEALTH,
            {
                "source": call.source,
                "last_success_at": now if call.ok else None,
                "last_failure_at": None if call.ok else now,
                "last_failure_reason": None if call.ok else _clip(call.reason),
                "updated_at": now,
            },
        )


__all__ = [
    "CacheEntry",
    "CacheKey",
    "EntryState",
    "ShipmentCache",
    "SourceCall",
    "UsageRow",
]
