"""A quiet carrier: a normal border leg, scans that stopped, or nothing worth saying."""

from __future__ import annotations

from datetime import date, timedelta

from bot.replies.silence import SilenceKind, read_silence
from carriers.models import Status
from tests.replies.shipments import NOW, journey, shipment


def test_a_parcel_scanned_today_is_not_quiet() -> None:
    assert read_silence(shipment(last_scan_at=NOW - timedelta(hours=5)), NOW) is None


def test_a_parcel_that_left_the_origin_and_is_not_yet_scanned_abroad_is_between_countries() -> None:
    silence = read_silence(shipment(events=journey()[2:]), NOW)
    assert silence is not None
    assert silence.kind is SilenceKind.BETWEEN_COUNTRIES
    assert (silence.origin_country, silence.destination_country) == ("CN", "US")
    assert silence.days == 4
    assert silence.usual_days == (5, 15)
    assert silence.enquire_from == date(2025, 6, 29)
    assert not silence.beyond_usual


def test_an_express_carrier_is_expected_to_cross_quickly() -> None:
    silence = read_silence(shipment(events=journey()[2:], carrier="ups"), NOW)
    assert silence is not None
    assert silence.usual_days == (1, 4)


def test_quiet_after_arriving_is_the_carrier_going_quiet() -> None:
    silence = read_silence(shipment(last_scan_at=NOW - timedelta(days=5)), NOW)
    assert silence is not None
    assert silence.kind is SilenceKind.CARRIER_QUIET
    assert silence.days == 5
    assert silence.enquire_from == (NOW - timedelta(days=5)).date() + timedelta(days=10)


def test_a_few_quiet_days_in_the_destination_country_are_not_mentioned() -> None:
    assert read_silence(shipment(last_scan_at=NOW - timedelta(days=3)), NOW) is None


def test_a_parcel_waiting_at_a_pickup_point_is_waiting_for_the_buyer_not_the_carrier() -> None:
    parcel = shipment(Status.AVAILABLE_FOR_PICKUP, last_scan_at=NOW - timedelta(days=9))
    assert read_silence(parcel, NOW) is None


def test_out_for_delivery_for_two_days_is_worth_mentioning() -> None:
    parcel = shipment(Status.OUT_FOR_DELIVERY, last_scan_at=NOW - timedelta(days=2))
    silence = read_silence(parcel, NOW)
    assert silence is not None
    assert silence.kind is SilenceKind.CARRIER_QUIET


def test_without_a_known_instant_nothing_is_said() -> None:
    naive = tuple(event.model_copy(update={"occurred_at_utc": None}) for event in journey())
    assert read_silence(shipment(events=naive), NOW) is None
