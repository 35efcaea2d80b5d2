"""Dates, times, places and delivery windows written the way each language writes them (CLDR)."""

from __future__ import annotations

from datetime import date, datetime

import regex
from babel import Locale
from babel.dates import format_interval, format_skeleton, format_time

from carriers.models import DeliveryWindow

# Scripts a reader of each language can be expected to read in a place name. Latin is kept for
# everyone: carriers and aggregators romanise most places, and buyers of every language here
# read their own address in it.
_READABLE = {
    "zh": regex.compile(r"[\p{Script=Latin}\p{Script=Han}]"),
    "ar": regex.compile(r"[\p{Script=Latin}\p{Script=Arabic}]"),
}
_LATIN = regex.compile(r"\p{Script=Latin}")
_LETTER = regex.compile(r"\p{L}")
_PLACE_CHARS = 60


def event_time(locale: Locale, local: datetime, *, today: date) -> str:
    """A scan's wall-clock time where it happened ("Jun 10, 9:10 AM", "6月10日 09:10").

    `local` is shown as it is: never converted, whether or not its offset is known
    (docs/tracking-sources.md, Time rules, rule 9). The year is added only when it is not this year.
    """
    skeleton = "MMMd" if local.year == today.year else "yMMMd"
    day = format_skeleton(skeleton, local, locale=locale)
    clock = format_time(local.replace(tzinfo=None), "short", locale=locale)
    return _glue(locale, day, clock)


def day(locale: Locale, value: date, *, today: date) -> str:
    """A calendar date with its weekday ("Tue, Jun 10"; the year when it is not this year)."""
    skeleton = "MMMEd" if value.year == today.year else "yMMMEd"
    return format_skeleton(skeleton, value, locale=locale)


def window(locale: Locale, estimate: DeliveryWindow, *, today: date) -> str | None:
    """An estimate's dates: one day, or a range written as the language writes ranges.

    None when the estimate has no date. A one-sided estimate is returned as its single date;
    the caller words it as "by" or "from".
    """
    earliest, latest = estimate.earliest, estimate.latest
    if earliest is None and latest is None:
        return None
    if earliest is None or latest is None or earliest >= latest:
        only = latest or earliest
        assert only is not None
        return day(locale, only, today=today)
    same_year = earliest.year == latest.year == today.year
    return format_interval(earliest, latest, "MMMEd" if same_year else "yMMMEd", locale=locale)


def country(locale: Locale, code: str | None) -> str | None:
    """A country's name in the reader's language ("CN" -> "China", "中国", "الصين")."""
    if not code:
        return None
    return locale.territories.get(code.upper())


def place(locale: Locale, location: str | None, country_code: str | None) -> str | None:
    """Where a scan happened, as the reader can read it.

    The carrier's own place name is kept when it is in a script the reader's language uses;
    otherwise (a Chinese depot name shown to a Spanish reader) the country's name stands in.
    """
    named_country = country(locale, country_code)
    text = " ".join((location or "").split())
    if not text:
        return named_country
    if not _readable(locale, text) and named_country:
        return named_country
    if len(text) > _PLACE_CHARS:
        text = text[: _PLACE_CHARS - 1].rstrip(" ,") + "…"
    return text


def _readable(locale: Locale, text: str) -> bool:
    pattern = _READABLE.get(locale.language, _LATIN)
    letters = _LETTER.findall(text)
    return all(pattern.match(letter) for letter in letters)


def _glue(locale: Locale, day_text: str, clock: str) -> str:
    pattern = locale.datetime_formats.get("short")
    if not isinstance(pattern, str):
        pattern = "{1} {0}"
    return pattern.replace("{1}", day_text).replace("{0}", clock).replace("'", "")


__all__ = ["country", "day", "event_time", "place", "window"]
