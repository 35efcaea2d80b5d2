"""Quiet hours: no update in the buyer's night, in a time zone guessed from what we know.

The buyer's time zone is guessed from the parcel's destination country first (a parcel goes
where the buyer lives), then from the conversation's language; either guess can be overridden
(`WISMO_UPDATES_TIME_ZONES`, e.g. "en=America/New_York,GB=Europe/London"), and the store's
default zone applies when nothing is known. Countries with several zones get their most
populous one: a guess that is off by an hour or two still keeps messages out of the night.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

COUNTRY_ZONES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "US": "America/New_York",
        "CA": "America/Toronto",
        "MX": "America/Mexico_City",
        "BR": "America/Sao_Paulo",
        "AR": "America/Argentina/Buenos_Aires",
        "CL": "America/Santiago",
        "CO": "America/Bogota",
        "PE": "America/Lima",
        "VE": "America/Caracas",
        "EC": "America/Guayaquil",
        "UY": "America/Montevideo",
        "GB": "Europe/London",
        "IE": "Europe/Dublin",
        "ES": "Europe/Madrid",
        "PT": "Europe/Lisbon",
        "FR": "Europe/Paris",
        "BE": "Europe/Brussels",
        "NL": "Europe/Amsterdam",
        "LU": "Europe/Luxembourg",
        "DE": "Europe/Berlin",
        "AT": "Europe/Vienna",
        "CH": "Europe/Zurich",
        "IT": "Europe/Rome",
        "PL": "Europe/Warsaw",
        "SE": "Europe/Stockholm",
        "NO": "Europe/Oslo",
        "DK": "Europe/Copenhagen",
        "FI": "Europe/Helsinki",
        "GR": "Europe/Athens",
        "TR": "Europe/Istanbul",
        "RU": "Europe/Moscow",
        "UA": "Europe/Kyiv",
        "CN": "Asia/Shanghai",
        "HK": "Asia/Hong_Kong",
        "MO": "Asia/Macau",
        "TW": "Asia/Taipei",
        "SG": "Asia/Singapore",
        "MY": "Asia/Kuala_Lumpur",
        "JP": "Asia/Tokyo",
        "KR": "Asia/Seoul",
        "IN": "Asia/Kolkata",
        "TH": "Asia/Bangkok",
        "VN": "Asia/Ho_Chi_Minh",
        "ID": "Asia/Jakarta",
        "PH": "Asia/Manila",
        "AU": "Australia/Sydney",
        "NZ": "Pacific/Auckland",
        "SA": "Asia/Riyadh",
        "AE": "Asia/Dubai",
        "QA": "Asia/Qatar",
        "KW": "Asia/Kuwait",
        "BH": "Asia/Bahrain",
        "OM": "Asia/Muscat",
        "JO": "Asia/Amman",
        "LB": "Asia/Beirut",
        "IQ": "Asia/Baghdad",
        "IL": "Asia/Jerusalem",
        "EG": "Africa/Cairo",
        "MA": "Africa/Casablanca",
        "DZ": "Africa/Algiers",
        "TN": "Africa/Tunis",
        "ZA": "Africa/Johannesburg",
        "NG": "Africa/Lagos",
        "KE": "Africa/Nairobi",
        "AO": "Africa/Luanda",
        "MZ": "Africa/Maputo",
    }
)

LANGUAGE_ZONES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "zh-Hans": "Asia/Shanghai",
        "zh-Hant": "Asia/Taipei",
        "es": "Europe/Madrid",
        "pt": "America/Sao_Paulo",
        "fr": "Europe/Paris",
        "de": "Europe/Berlin",
        "ar": "Asia/Riyadh",
        # English is spoken everywhere: the store's default zone decides.
    }
)


def zone(name: str) -> ZoneInfo:
    """The IANA zone of this name. Raises ValueError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def parse_zone_overrides(spec: str) -> dict[str, str]:
    """'en=America/New_York,GB=Europe/London' → {"en": …, "GB": …}; checks every zone.

    Raises ValueError naming the first bad entry.
    """
    result: dict[str, str] = {}
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"expected language_or_country=Zone/Name, got {item!r}")
        zone(value.strip())
        result[key.strip()] = value.strip()
    return result


def parse_hours(spec: str) -> tuple[time, time] | None:
    """'21:00-08:00' → (21:00, 08:00); '' or 'off' → None. Raises ValueError otherwise."""
    text = spec.strip().lower()
    if text in ("", "off", "none"):
        return None
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"expected HH:MM-HH:MM, got {spec!r}")
    try:
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        raise ValueError(f"expected HH:MM-HH:MM, got {spec!r}") from None


@dataclass(frozen=True, slots=True)
class QuietHours:
    """The night, in the buyer's own time: from `start` to `end` local time (None: no quiet
    hours). `overrides` map a language code or an upper-case country code to a zone name."""

    hours: tuple[time, time] | None = (time(21, 0), time(8, 0))
    default_zone: str = "UTC"
    overrides: Mapping[str, str] = field(default_factory=dict)

    def zone_for(self, language: str | None, country: str | None) -> ZoneInfo:
        """The buyer's guessed time zone: destination country, then language, then default."""
        country_code = country.upper() if country else None
        for key, table in (
            (country_code, COUNTRY_ZONES),
            (language, LANGUAGE_ZONES),
        ):
            if key is None:
                continue
            if key in self.overrides:
                return zone(self.overrides[key])
            if key in table:
                return zone(table[key])
        return zone(self.default_zone)

    def quiet_until(
        self, now: datetime, language: str | None, country: str | None
    ) -> datetime | None:
        """When the buyer's night ends if it is night for them at `now` (UTC), else None."""
        if self.hours is None:
            return None
        start, end = self.hours
        if start == end:
            return None
        local = now.astimezone(self.zone_for(language, country))
        clock = local.time().replace(tzinfo=None)
        overnight = start > end
        inside = (clock >= start or clock < end) if overnight else (start <= clock < end)
        if not inside:
            return None
        day = local.date()
        if overnight and clock >= start:
            day += timedelta(days=1)
        until = datetime.combine(day, end, tzinfo=local.tzinfo)
        return until.astimezone(now.tzinfo)


__all__ = [
    "COUNTRY_ZONES",
    "LANGUAGE_ZONES",
    "QuietHours",
    "parse_hours",
    "parse_zone_overrides",
    "zone",
]
