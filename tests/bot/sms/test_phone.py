"""Phone numbers normalised to E.164 with phonenumbers; invalid ones refused."""

from __future__ import annotations

import pytest

from bot.sms.errors import PhoneInvalid
from bot.sms.phone import find_number, masked, normalise


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+1 415 555 0123", None, "+14155550123"),
        ("(415) 555-0123", "US", "+14155550123"),
        ("0151 23456789", "DE", "+4915123456789"),
        ("+44 7911 123456", None, "+447911123456"),
        ("+86 131 2345 6789", None, "+8613123456789"),
    ],
)
def test_numbers_are_normalised_to_e164(raw, region, e164):
    assert normalise(raw, region) == e164


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("12", None),
        ("+1 415 555 01", None),
        ("not a number", None),
        ("415 555 0123", None),  # no country code and no region to read it in
        ("+49 30 1234567", None),  # a Berlin fixed line cannot take a text
    ],
)
def test_invalid_or_untextable_numbers_are_refused(raw, region):
    with pytest.raises(PhoneInvalid):
        normalise(raw, region)


def test_a_number_is_found_in_a_sentence():
    assert find_number("text me updates at +1 415 555 0123 please") == "+1 415 555 0123"
    assert find_number("where is my parcel?") is None


def test_a_masked_number_keeps_only_its_last_digits():
    assert masked("+14155550123") == "+1••••••0123"
