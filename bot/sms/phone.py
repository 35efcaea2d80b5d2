"""Phone numbers: normalised to E.164 with phonenumbers, refused when not valid.

A buyer writes "+1 415 555 0123", "(415) 555-0123" or "0151 23456789"; the provider needs
"+14155550123". Without a leading "+" the number is read in `region` (the parcel's destination
or the store's default country). See docs/sms.md, Phone numbers.
"""

from __future__ import annotations

import re
from functools import cache

from bot.sms.errors import PhoneInvalid

# phonenumbers (its metadata about 1 MB resident) is imported by the first call that reads a
# number: a shop without SMS updates reads one only when a buyer asks for texts
# (bot/dialogue/sms_opt_in.py), so most never load it.


@cache
def _not_textable() -> frozenset[int]:
    """Fixed lines cannot take a text; everything else that is valid may (VoIP, mobile,
    unknown)."""
    from phonenumbers import PhoneNumberType

    return frozenset(
        {
            PhoneNumberType.FIXED_LINE,
            PhoneNumberType.TOLL_FREE,
            PhoneNumberType.PREMIUM_RATE,
            PhoneNumberType.SHARED_COST,
            PhoneNumberType.PAGER,
            PhoneNumberType.UAN,
            PhoneNumberType.VOICEMAIL,
        }
    )


_WRITTEN = re.compile(r"\+\d[\d ().-]{3,}\d")


def normalise(raw: str, region: str | None = None) -> str:
    """`raw` in E.164 ("+14155550123").

    Raises PhoneInvalid when it cannot be read, is not a valid number, or is a kind of line
    that cannot receive a text (a fixed line, a toll-free or premium number).
    """
    import phonenumbers

    try:
        parsed = phonenumbers.parse(raw, region.upper() if region else None)
    except phonenumbers.NumberParseException as exc:
        raise PhoneInvalid("not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise PhoneInvalid("not a valid phone number")
    if phonenumbers.number_type(parsed) in _not_textable():
        raise PhoneInvalid("not a number that can receive texts")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def find_number(text: str, region: str | None = None) -> str | None:
    """The first phone number written in `text`, as written (None when there is none).

    Leniently found (phonenumbers' matcher), so a number that is written but invalid is still
    returned: `normalise` then refuses it and the buyer is told why.
    """
    import phonenumbers

    matcher = phonenumbers.PhoneNumberMatcher(
        text, region.upper() if region else "US", leniency=phonenumbers.Leniency.POSSIBLE
    )
    for match in matcher:
        return str(match.raw_string)
    # Too short or long to be possible, but clearly meant as a number ("+1 415 555 01"):
    # returned so that the buyer hears it is not valid rather than nothing.
    written = _WRITTEN.search(text)
    return written.group(0) if written else None


def region_of(e164: str) -> str | None:
    """The country (ISO 3166 alpha-2) an E.164 number belongs to, when one can be told."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    return region if region and region != "ZZ" else None


def masked(e164: str) -> str:
    """The number with all but its last 4 digits hidden ("+1•••••0123"), for pages and logs."""
    if len(e164) <= 6:
        return "•" * len(e164)
    return e164[:2] + "•" * (len(e164) - 6) + e164[-4:]


def display(e164: str) -> str:
    """The number in the international format people read ("+1 415-555-0123")."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


__all__ = ["display", "find_number", "masked", "normalise", "region_of"]
