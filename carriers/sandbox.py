"""The sandbox tracking source: made-up parcels for `wismo demo` and end-to-end tests, no network.

Its parcels are the scenarios in `carriers/data/sandbox/scenarios.json` (listed, with what each
shows, in that directory's README.md; `scenarios()` returns them for a CLI to print). Every event
sits a fixed time before the start of the current UTC hour, so the demo looks current on any day
and repeated lookups within the hour agree. Any other number is not found: the sandbox never
invents a parcel.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from carriers.assemble import build_shipment
from carriers.catalog import carrier as catalog_carrier
from carriers.errors import SourceUnavailable, TrackingNotFound
from carriers.models import (
    DeliveryWindow,
    ExceptionReason,
    RawCodes,
    Shipment,
    Status,
    TrackingEvent,
    TrackingQuery,
)
from carriers.times import EventTime

SLUG = "sandbox"
_DATA = ("data", "sandbox", "scenarios.json")
_AGO = re.compile(r"(?P<sign>-)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?")

Outcome = Literal["shipment", "not_found", "unavailable"]


def _duration(text: str) -> timedelta:
    """'8d3h20m' → timedelta; a leading '-' means later than the anchor. Raises ValueError."""
    match = _AGO.fullmatch(text.replace(" ", ""))
    if match is None or not any(match.group(unit) for unit in "dhm"):
        raise ValueError(f"not a duration like 8d3h20m: {text!r}")
    span = timedelta(
        days=int(match.group("d") or 0),
        hours=int(match.group("h") or 0),
        minutes=int(match.group("m") or 0),
    )
    return -span if match.group("sign") else span


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)  # raises ZoneInfoNotFoundError (a KeyError) for an unknown zone


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScenarioEvent(_Strict):
    ago: timedelta = Field(description="before the start of the current UTC hour; < 0 is later")
    zone: str = Field(description="IANA zone of the place, for the event's real local offset")
    place: str
    country: str
    status: Status
    text: str
    reason: ExceptionReason | None = None

    @field_validator("ago", mode="before")
    @classmethod
    def _parse_ago(cls, value: object) -> object:
        return _duration(value) if isinstance(value, str) else value

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        _zone(value)
        return value


class Scenario(_Strict):
    """One sandbox parcel as the data file describes it."""

    number: str
    carrier: str
    title: str
    order: str | None = Field(None, description="the demo order it belongs to, if any")
    outcome: Outcome = "shipment"
    status: Status | None = Field(None, description="None: the newest shown event's status")
    reason: ExceptionReason | None = None
    is_delayed: bool = False
    origin: str | None = None
    destination: str | None = None
    recipient_zone: str | None = None
    estimate: tuple[int, int] | None = Field(None, description="days after today, recipient zone")
    last_mile_carrier: str | None = Field(None, description="carrier slug after a hand-over")
    last_mile_number: str | None = Field(None, description="its number there, when it has one")
    events: tuple[ScenarioEvent, ...] = ()

    @field_validator("carrier")
    @classmethod
    def _catalog_slug(cls, value: str) -> str:
        if catalog_carrier(value) is None:
            raise ValueError(f"{value!r} is not a carrier slug in carriers.catalog")
        return value


class _Table(_Strict):
    about: str
    scenarios: tuple[Scenario, ...]


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    """A line for `wismo demo` to print: the number to type and what it shows."""

    number: str
    carrier: str
    description: str
    order: str | None


def _key(number: str) -> str:
    return re.sub(r"[\s\-]", "", number).upper()


@functools.cache
def _table() -> dict[str, Scenario]:
    """The shipped scenarios by number. Raises ValueError when the data file is inconsistent."""
    text = files("carriers").joinpath(*_DATA).read_text(encoding="utf-8")
    table = _Table.model_validate(json.loads(text))
    by_number: dict[str, Scenario] = {}
    for scenario in table.scenarios:
        key = _key(scenario.number)
        if key in by_number:
            raise ValueError(f"sandbox scenario {scenario.number} is listed twice")
        by_number[key] = scenario
    return by_number


def scenarios() -> tuple[ScenarioSummary, ...]:
    """Every sandbox number with its carrier and a one-line description, in the file's order."""
    return tuple(ScenarioSummary(s.number, s.carrier, s.title, s.order) for s in _table().values())


def scenario(number: str) -> Scenario | None:
    """The scenario for a number as a buyer may type it (spaces, dashes, any case), if any."""
    return _table().get(_key(number))


def _anchor(now: datetime) -> datetime:
    moment = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    return moment.replace(minute=0, second=0, microsecond=0)


def _event(event: ScenarioEvent, anchor: datetime) -> TrackingEvent:
    local = (anchor - event.ago).astimezone(_zone(event.zone))
    moment = EventTime.from_aware(local)
    return TrackingEvent(
        occurred_local=moment.occurred_local,
        utc_offset=moment.utc_offset,
        occurred_at_utc=moment.occurred_at_utc,
        time_source=moment.time_source,
        location=event.place,
        country=event.country,
        description=event.text,
        status=event.status,
        reason=event.reason,
        raw=RawCodes(status=event.status.value),
    )


def shipment_at(found: Scenario, now: datetime) -> Shipment:
    """The scenario's shipment as it stands at `now`: only events up to `now` are shown."""
    anchor = _anchor(now)
    current = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    events = [_event(event, anchor) for event in found.events if anchor - event.ago <= current]
    events.sort(key=lambda e: e.occurred_at_utc or anchor, reverse=True)
    if found.status is not None:
        status, reason = found.status, found.reason
    elif events:
        status, reason = events[0].status, events[0].reason
    else:
        status, reason = Status.PENDING, None
    window = None
    if found.estimate is not None and not status.is_terminal:
        zone = _zone(found.recipient_zone) if found.recipient_zone else UTC
        today = anchor.astimezone(zone).date()
        window = DeliveryWindow(
            earliest=today + timedelta(days=found.estimate[0]),
            latest=today + timedelta(days=found.estimate[1]),
        )
    built = build_shipment(
        number=found.number,
        carrier=found.carrier,
        status=status,
        reason=reason,
        source=SLUG,
        checked_at=now,
        events=events,
        is_delayed=found.is_delayed,
        estimated_delivery=window,
        origin_country=found.origin,
        destination_country=found.destination,
        raw=RawCodes(status=status.value, substatus=reason.value if reason else None),
    )
    if found.last_mile_carrier is None or not _handed_over(events):
        return built
    return built.model_copy(
        update={
            "last_mile_carrier": found.last_mile_carrier,
            "last_mile_number": found.last_mile_number,
        }
    )


def _handed_over(events: list[TrackingEvent]) -> bool:
    """Whether the scans shown so far include the hand-over to the last-mile carrier."""
    return any("handed over" in event.description.lower() for event in events)


class Sandbox:
    """Serves the scenario parcels for any carrier; every other number is not found."""

    slug = SLUG
    carriers: frozenset[str] | None = None
    supports_push = False

    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._scenarios = _table()

    async def track(self, query: TrackingQuery) -> Shipment:
        """Raises TrackingNotFound for a number that is no scenario (or one playing "not found
        yet"), SourceUnavailable for the scenario playing a source failure."""
        found = self._scenarios.get(_key(query.number))
        if found is None:
            raise TrackingNotFound(query.number, SLUG, "no sandbox parcel has this number")
        if found.outcome == "not_found":
            raise TrackingNotFound(query.number, SLUG, "the carrier has no scan yet (scenario)")
        if found.outcome == "unavailable":
            raise SourceUnavailable(SLUG, "simulated outage (scenario)")
        return shipment_at(found, self._clock())

    async def register(self, query: TrackingQuery) -> None:
        """Nothing to register: the sandbox pushes nothing."""
