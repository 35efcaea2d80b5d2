"""Country codes as sources write them (alpha-2, alpha-3 or numeric), normalised to ISO 3166."""

from __future__ import annotations

import iso3166


def _country(code: str | None) -> iso3166.Country | None:
    if not code:
        return None
    return iso3166.countries.get(code.strip(), None)


def alpha2(code: str | None) -> str | None:
    """ISO alpha-2 for an alpha-2, alpha-3 or numeric code; None for anything unrecognised."""
    found = _country(code)
    return found.alpha2 if found is not None else None


def alpha3(code: str | None) -> str | None:
    """ISO alpha-3 for an alpha-2, alpha-3 or numeric code; None for anything unrecognised."""
    found = _country(code)
    return found.alpha3 if found is not None else None
