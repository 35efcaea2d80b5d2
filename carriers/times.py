"""Event times as sources send them, kept as local wall-clock time plus what we know of the offset.

Never attach UTC to a naive carrier time; prefer explicit UTC fields, then ISO values with an
offset, then a naive time in a known zone (marked inferred), else keep it naive
(docs/tracking-sources.md, Time rules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from carriers.models import TimeSource

CHINA_OFFSET = timedelta(hours=8)


def _in_range(compute: Callable[[], datetime]) -> datetime:
    """`compute()`, with a result beyond year 1–9999 reported as the ValueError callers expect
    of a time they cannot use (rather than an OverflowError nobody catches)."""
    try:
        return compute()
    except OverflowError as exc:
        raise ValueError("time outside the representable range") from exc


@dataclass(frozen=True, slots=True)
class EventTime:
    occurred_local: datetime
    utc_offset: timedelta | None
    occurred_at_utc: datetime | None
    time_source: TimeSource

    @classmethod
    def from_aware(
        cls, moment: datetime, source: TimeSource = TimeSource.CARRIER_OFFSET
    ) -> EventTime:
        """A time that carries its own offset (the event's local zone).

        Raises ValueError when its UTC instant is outside datetime's range (9999-12-31 at -14:00).
        """
        offset = moment.utcoffset()
        return cls(
            occurred_local=moment.replace(tzinfo=None),
            utc_offset=offset,
            occurred_at_utc=_in_range(lambda: moment.astimezone(UTC)),
            time_source=source,
        )

    @classmethod
    def from_utc(cls, utc: datetime, offset: timedelta | None = None) -> EventTime:
        """An explicit UTC instant, with the event's local offset when the source gives it.

        Raises ValueError when either time is outside datetime's range.
        """
        aware = utc.replace(tzinfo=UTC) if utc.tzinfo is None else utc
        instant = _in_range(lambda: aware.astimezone(UTC))
        local = _in_range(lambda: instant + offset) if offset is not None else instant
        return cls(
            occurred_local=local.replace(tzinfo=None),
            utc_offset=offset,
            occurred_at_utc=instant,
            time_source=TimeSource.PROVIDER_UTC,
        )

    @classmethod
    def from_naive(cls, local: datetime, assumed_offset: timedelta | None = None) -> EventTime:
        """A wall-clock time with no offset; `assumed_offset` marks an inferred zone.

        Raises ValueError when the inferred UTC instant is outside datetime's range.
        """
        naive = local.replace(tzinfo=None)
        if assumed_offset is None:
            return cls(naive, None, None, TimeSource.UNKNOWN)
        instant = _in_range(lambda: naive - assumed_offset).replace(tzinfo=UTC)
        return cls(naive, assumed_offset, instant, TimeSource.INFERRED)


def parse_iso(value: str, assumed_offset: timedelta | None = None) -> EventTime:
    """Parse an ISO 8601 time; an offset in the text wins over `assumed_offset`.

    Raises ValueError for text that is not ISO 8601.
    """
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return EventTime.from_naive(moment, assumed_offset)
    return EventTime.from_aware(moment)


def parse_offset(value: str) -> timedelta:
    """'+08:00', '-0500', '+8', '-05:30' → timedelta. Raises ValueError on anything else."""
    text = value.strip().replace("UTC", "").replace("GMT", "")
    if not text:
        return timedelta(0)
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-").replace(":", "")
    if not digits.isdigit() or len(digits) not in (1, 2, 3, 4):
        raise ValueError(f"not a UTC offset: {value!r}")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 14 or minutes >= 60:
        raise ValueError(f"not a UTC offset: {value!r}")
    return sign * timedelta(hours=hours, minutes=minutes)


def parse_date(value: str) -> date:
    """A calendar date: estimates are dates in the recipient's zone, never midnight UTC."""
    return date.fromisoformat(value.strip()[:10])


def offset_between(local: datetime, utc: datetime) -> timedelta | None:
    """The UTC offset a local wall-clock stamp and the same moment in UTC imply, when it is a
    real one: whole quarter hours within ±14 h (a minute's slack, for sources whose local
    stamps drop the seconds their UTC stamps keep). Either stamp may be naive or aware."""
    in_utc = utc.astimezone(UTC).replace(tzinfo=None) if utc.tzinfo is not None else utc
    difference = local.replace(tzinfo=None) - in_utc
    quarters = round(difference / timedelta(minutes=15))
    if abs(difference - quarters * timedelta(minutes=15)) > timedelta(minutes=1):
        return None
    offset = quarters * timedelta(minutes=15)
    return offset if abs(offset) <= timedelta(hours=14) else None
