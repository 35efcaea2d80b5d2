"""Which scans a reply shows, and how each reads."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.replies import Catalogs, load_catalogs
from bot.replies.timeline import event_label, key_events, timeline_lines
from carriers.models import ExceptionReason, Status
from tests.replies.shipments import journey, scan

START = datetime(2025, 6, 1, 8, 0)


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return load_catalogs()


def test_no_scans_make_no_timeline() -> None:
    assert key_events(()) == []


def test_a_short_history_is_shown_whole_newest_first() -> None:
    events = journey()
    assert key_events(events) == list(events)


def test_a_long_history_keeps_the_newest_the_changes_and_the_first_scan() -> None:
    hubs = [scan(START + timedelta(hours=hour), location=f"Hub {hour}") for hour in range(2, 40)]
    customs = scan(
        START + timedelta(hours=41), Status.EXCEPTION, reason=ExceptionReason.CUSTOMS_HOLD
    )
    label = scan(START, Status.INFO_RECEIVED, location="Shenzhen", country="CN")
    newest_first = (customs, *reversed(hubs), label)
    chosen = key_events(newest_first)
    assert chosen[0] is customs
    assert label in chosen
    # The hub scans say the same thing: one line, shown by its newest scan; the oldest hub
    # scan is the pickup after the label.
    assert chosen == [customs, hubs[-1], hubs[0], label]
    assert chosen == sorted(chosen, key=lambda event: event.occurred_local, reverse=True)


def test_a_border_crossing_into_the_destination_is_named(catalogs: Catalogs) -> None:
    events = journey()
    english = catalogs.translation("en")
    assert event_label(english, events[1], events[2], "US") == "Arrived in the destination country"
    assert event_label(english, events[1], events[2], None) == "On its way"
    assert event_label(english, events[3], events[4], "US") == "Picked up by the carrier"


def test_a_scan_with_a_reason_is_labelled_by_the_reason(catalogs: Catalogs) -> None:
    held = scan(START, Status.EXCEPTION, reason=ExceptionReason.CUSTOMS_HOLD)
    assert event_label(catalogs.translation("de"), held, None) == "Beim Zoll"


def test_a_scan_without_a_place_shows_only_time_and_meaning(catalogs: Catalogs) -> None:
    nowhere = scan(
        datetime(2025, 6, 11, 7, 5), Status.OUT_FOR_DELIVERY, location=None, country=None
    )
    lines = timeline_lines(catalogs.translation("fr"), (nowhere,), today=date(2025, 6, 12))
    assert lines == ["• 11 juin 07:05 · En cours de livraison"]


def test_the_limit_applies_to_the_lines_written(catalogs: Catalogs) -> None:
    lines = timeline_lines(catalogs.translation("en"), journey(), today=date(2025, 6, 12), limit=1)
    assert len(lines) == 1
