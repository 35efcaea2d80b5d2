"""The sandbox source: every status and reason on a typeable number, deterministic on a fixed clock."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from carriers.base import Provider
from carriers.errors import SourceUnavailable, TrackingNotFound
from carriers.models import ExceptionReason, Shipment, Status, TimeSource, TrackingQuery
from carriers.numbers import load_detector
from carriers.sandbox import Sandbox, ScenarioSummary, scenario, scenarios

ROOT = Path(__file__).parents[2]
README = ROOT / "carriers" / "data" / "sandbox" / "README.md"
DEMO_ORDERS = ROOT / "stores" / "demo_orders.csv"
NOW = datetime(2026, 11, 20, 15, 37, tzinfo=UTC)  # a Friday; US and EU on winter time
PROGRESSING = "9400111899223398112508"
DETECTOR = load_detector()
NUMBERS = [summary.number for summary in scenarios()]


def sandbox(now: datetime = NOW) -> Sandbox:
    return Sandbox(clock=lambda: now)


async def shipments(now: datetime = NOW) -> dict[str, Shipment]:
    source = sandbox(now)
    found: dict[str, Shipment] = {}
    for number in NUMBERS:
        try:
            found[number] = await source.track(TrackingQuery(number=number))
        except (TrackingNotFound, SourceUnavailable):
            continue
    return found


async def test_every_status_but_unknown_is_shown_by_some_scenario() -> None:
    shown = {shipment.status for shipment in (await shipments()).values()}
    assert shown == set(Status) - {Status.UNKNOWN}


async def test_every_exception_reason_is_shown_by_some_scenario() -> None:
    shown = {shipment.exception_reason for shipment in (await shipments()).values()}
    assert shown - {None} == set(ExceptionReason)


async def test_a_reason_is_attached_only_where_the_model_allows_and_needs_action_follows_it() -> (
    None
):
    for shipment in (await shipments()).values():
        if shipment.status in (Status.EXCEPTION, Status.FAILED_ATTEMPT, Status.RETURNING):
            assert shipment.exception_reason is not None, shipment.number
        elif shipment.status is Status.EXPIRED:
            assert shipment.exception_reason is ExceptionReason.STALLED
        else:
            assert shipment.exception_reason is None, shipment.number
        assert shipment.needs_action == bool(
            shipment.exception_reason and shipment.exception_reason.needs_action
        )


@pytest.mark.parametrize("summary", scenarios(), ids=NUMBERS)
def test_every_scenario_number_is_found_in_a_buyers_message_with_its_carrier(
    summary: ScenarioSummary,
) -> None:
    message = f"Hi! Where is my order? The tracking number is {summary.number} thanks"
    found = {number.number: number for number in DETECTOR.detect(message).tracking_numbers}
    assert summary.number in found
    assert summary.carrier in [candidate.carrier for candidate in found[summary.number].carriers]


def test_numbers_with_a_check_digit_format_have_a_valid_one() -> None:
    checked = 0
    for number in NUMBERS:
        [found] = DETECTOR.detect(f"tracking {number}").tracking_numbers
        checked += found.checksum == "valid"
    assert checked >= len(NUMBERS) // 2


def test_every_number_of_the_demo_orders_is_a_scenario() -> None:
    with DEMO_ORDERS.open(encoding="utf-8", newline="") as handle:
        parcels = [
            parcel.split(":")
            for row in csv.DictReader(handle)
            for parcel in row["tracking_numbers"].split(";")
            if parcel
        ]
    assert parcels
    for _carrier, number in parcels:
        assert scenario(number) is not None, number


def test_the_readme_lists_every_scenario() -> None:
    text = README.read_text(encoding="utf-8")
    for summary in scenarios():
        assert f"`{summary.number}`" in text


def test_the_scenario_list_says_number_carrier_and_what_it_shows() -> None:
    listed = scenarios()
    assert len({summary.number for summary in listed}) == len(listed) >= 30
    assert all(summary.carrier and summary.description for summary in listed)


async def test_a_number_that_is_no_scenario_is_not_found_never_invented() -> None:
    with pytest.raises(TrackingNotFound) as missing:
        await sandbox().track(TrackingQuery(number="1Z5R89390357567127"))
    assert missing.value.source == "sandbox"


async def test_the_not_found_yet_scenario_raises_not_found() -> None:
    with pytest.raises(TrackingNotFound):
        await sandbox().track(TrackingQuery(number="RB917302543CN", carrier="china-post"))


async def test_the_failure_scenario_raises_a_retryable_source_failure() -> None:
    with pytest.raises(SourceUnavailable) as down:
        await sandbox().track(TrackingQuery(number="1Z2E0F770391856206"))
    assert down.value.retryable


async def test_lookups_within_the_hour_agree_and_times_follow_the_clock() -> None:
    first = await shipments(NOW)
    later = await shipments(NOW + timedelta(minutes=20))
    del first[PROGRESSING], later[PROGRESSING]  # it moves on every quarter hour by design
    assert {n: s.model_copy(update={"checked_at": NOW}) for n, s in first.items()} == {
        n: s.model_copy(update={"checked_at": NOW}) for n, s in later.items()
    }
    next_week = await shipments(NOW + timedelta(days=7))
    number = "YT2430421272039912"
    assert next_week[number].last_scan_at == first[number].last_scan_at + timedelta(days=7)  # type: ignore[operator]


async def test_a_number_is_matched_as_a_buyer_types_it() -> None:
    shipment = await sandbox().track(TrackingQuery(number="yt 2430 4212 7203 9912"))
    assert shipment.carrier == "yunexpress"
    assert shipment.source == "sandbox"
    assert shipment.checked_at == NOW


async def test_the_china_to_us_journey_has_real_offsets_first_mile_to_last_mile() -> None:
    shipment = (await shipments())["YT2430421272039912"]
    assert (shipment.origin_country, shipment.destination_country) == ("CN", "US")
    oldest = shipment.events[-1]
    assert oldest.utc_offset == timedelta(hours=8)
    assert oldest.location == "Shenzhen"
    assert shipment.events[0].utc_offset == timedelta(hours=-5)  # New York in November
    assert all(event.time_source is TimeSource.CARRIER_OFFSET for event in shipment.events)
    assert all(
        event.occurred_at_utc is not None
        and event.occurred_local == (event.occurred_at_utc + event.utc_offset).replace(tzinfo=None)  # type: ignore[operator]
        for event in shipment.events
    )
    texts = " ".join(event.description for event in shipment.events)
    for step in ("Picked up", "Export customs", "Departed", "Import customs", "USPS"):
        assert step in texts
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.earliest is not None
    assert shipment.estimated_delivery.earliest > NOW.date()


async def test_summer_time_gives_summer_offsets() -> None:
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    shipment = (await shipments(summer))["YT2430421272039912"]
    assert shipment.events[0].utc_offset == timedelta(hours=-4)


async def test_the_china_to_eu_journey_ends_with_the_last_mile_carrier_delivering() -> None:
    shipment = (await shipments())["LP00652234567891"]
    assert (shipment.origin_country, shipment.destination_country) == ("CN", "DE")
    assert shipment.status is Status.DELIVERED
    assert shipment.events[0].utc_offset == timedelta(hours=1)
    assert "DHL Paket" in shipment.events[0].description
    assert shipment.estimated_delivery is None


async def test_the_silent_leg_was_exported_about_eight_days_ago_with_nothing_since() -> None:
    shipment = (await shipments())["4PX3001234567890CN"]
    assert shipment.status is Status.IN_TRANSIT
    assert "Export" in shipment.events[0].description
    assert shipment.last_scan_at is not None
    assert timedelta(days=8) <= NOW - shipment.last_scan_at < timedelta(days=9)


async def test_the_stale_parcel_has_had_no_scan_for_over_two_weeks() -> None:
    shipment = (await shipments())["YT2430621272041023"]
    assert shipment.status is Status.IN_TRANSIT
    assert shipment.last_scan_at is not None
    assert NOW - shipment.last_scan_at > timedelta(days=14)


async def test_the_out_for_delivery_parcel_is_out_today_in_the_recipients_zone() -> None:
    shipment = (await shipments())["YT2430521272040017"]
    assert shipment.status is Status.OUT_FOR_DELIVERY
    newest = shipment.events[0]
    today_in_sf = (NOW + timedelta(hours=-8)).date()
    assert newest.occurred_local.date() == today_in_sf
    assert newest.utc_offset == timedelta(hours=-8)
    assert shipment.estimated_delivery is not None
    assert shipment.estimated_delivery.earliest == shipment.estimated_delivery.latest == today_in_sf


@pytest.mark.parametrize(
    ("minute", "status"),
    [
        (5, Status.INFO_RECEIVED),
        (20, Status.IN_TRANSIT),
        (35, Status.OUT_FOR_DELIVERY),
        (50, Status.DELIVERED),
    ],
)
async def test_the_progressing_parcel_advances_as_the_clock_passes_each_quarter_hour(
    minute: int, status: Status
) -> None:
    now = NOW.replace(minute=minute)
    shipment = await sandbox(now).track(TrackingQuery(number=PROGRESSING))
    assert shipment.status is status
    assert all(event.occurred_at_utc <= now for event in shipment.events)  # type: ignore[operator]
    assert (shipment.estimated_delivery is None) == (status is Status.DELIVERED)


async def test_the_pending_parcel_has_no_events() -> None:
    shipment = (await shipments())["LP00653187204415"]
    assert (shipment.status, shipment.events) == (Status.PENDING, ())


def test_it_is_a_provider_for_any_carrier_without_push() -> None:
    source: Provider = sandbox()
    assert isinstance(source, Provider)
    assert (source.slug, source.carriers, source.supports_push) == ("sandbox", None, False)


async def test_register_is_a_no_op() -> None:
    await sandbox().register(TrackingQuery(number="YT2430421272039912"))
