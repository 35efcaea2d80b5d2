"""Dates, places and windows in the reader's language (Babel/CLDR output, verified)."""

from __future__ import annotations

from datetime import date

import pytest
from babel import Locale

from bot.replies.dates import day, place, window
from carriers.models import DeliveryWindow

TODAY = date(2025, 6, 12)


@pytest.mark.parametrize(
    ("language", "location", "country", "expected"),
    [
        ("en", "深圳市", "CN", "China"),
        ("zh_Hans", "深圳市", "CN", "深圳市"),
        ("zh_Hant", "深圳市", "CN", "深圳市"),
        ("ar", "深圳市", "CN", "الصين"),
        ("ar", "دبي", "AE", "دبي"),
        ("de", "دبي", "AE", "Vereinigte Arabische Emirate"),
        ("fr", "LOS ANGELES, CA", "US", "LOS ANGELES, CA"),
        ("es", None, "MX", "México"),
        ("en", "深圳市", None, "深圳市"),
        ("en", None, None, None),
    ],
)
def test_a_place_is_shown_in_a_script_the_reader_reads(
    language: str, location: str | None, country: str | None, expected: str | None
) -> None:
    assert place(Locale.parse(language), location, country) == expected


def test_a_very_long_place_is_shortened() -> None:
    shown = place(Locale.parse("en"), "International Service Center " * 5, "US")
    assert shown is not None
    assert len(shown) <= 60
    assert shown.endswith("…")


def test_an_estimate_without_dates_is_not_shown() -> None:
    assert window(Locale.parse("en"), DeliveryWindow(), today=TODAY) is None


def test_a_date_next_year_carries_its_year() -> None:
    assert day(Locale.parse("de"), date(2026, 1, 5), today=TODAY) == "Mo., 5. Jan. 2026"
