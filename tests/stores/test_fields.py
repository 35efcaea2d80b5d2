"""Normalising order numbers, tracking numbers, usernames and contact fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from stores.fields import (
    carrier_hint,
    email_address,
    fulfillment_status,
    instagram_username,
    is_blank,
    looks_like_spreadsheet_number,
    order_number_key,
    parse_time,
    phone_number,
    postal_code,
    tracking_number_key,
)
from stores.models import FulfillmentStatus


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("#1042", "1042"),
        ("1042", "1042"),
        (" # 1042 ", "1042"),
        ("＃１０４２", "1042"),
        ("so-1042", "SO-1042"),
        ("000000123", "000000123"),
        ("", None),
        ("#", None),
    ],
)
def test_order_numbers_with_and_without_hash_are_the_same(raw: str, key: str | None) -> None:
    assert order_number_key(raw) == key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("lx123456785cn", "LX123456785CN"),
        ("LX 123 456 785 CN", "LX123456785CN"),
        ("1Z-999-AA1-01-2345-6784", "1Z999AA10123456784"),
        ("ＹＴ２４３０４２１２７２０３９９１２", "YT2430421272039912"),
        ("YT2430421272039912\u2011", "YT2430421272039912"),
        ("12345", None),
        ("LX#123456785CN", None),
    ],
)
def test_tracking_numbers_are_upper_case_without_separators(raw: str, key: str | None) -> None:
    assert tracking_number_key(raw) == key


def test_spreadsheet_scientific_notation_is_recognised() -> None:
    assert looks_like_spreadsheet_number("9.40011E+21")
    assert looks_like_spreadsheet_number("9,40011E+21")
    assert not looks_like_spreadsheet_number("9400111899223397621041")


@pytest.mark.parametrize(
    ("raw", "hint"),
    [("China Post", "china-post"), ("USPS", "usps"), ("J&T Express", "j&t-express"), ("?", None)],
)
def test_carrier_hints_are_lower_case_names(raw: str, hint: str | None) -> None:
    assert carrier_hint(raw) == hint


@pytest.mark.parametrize(
    ("raw", "username"),
    [
        ("@Jane.Doe", "jane.doe"),
        ("jane_doe99", "jane_doe99"),
        ("https://www.instagram.com/jane.doe/?hl=en", "jane.doe"),
        ("jane doe", None),
        ("a" * 31, None),
    ],
)
def test_instagram_usernames_lose_the_at_and_case(raw: str, username: str | None) -> None:
    assert instagram_username(raw) == username


def test_emails_are_trimmed_and_lower_cased_but_keep_their_local_part() -> None:
    assert email_address("  Mei.Chen+Shop@Example.COM ") == "mei.chen+shop@example.com"
    assert email_address("mei@localhost") is None
    assert email_address("two@at@signs.com") is None


@pytest.mark.parametrize(
    ("raw", "accepted"),
    [
        ("+86 138-0013-8000", True),
        ("(415) 555-0134 ext. 12", True),
        ("call me", False),
        ("12", False),
    ],
)
def test_phones_need_phone_characters_and_four_digits(raw: str, accepted: bool) -> None:
    assert (phone_number(raw) is not None) is accepted


def test_postal_codes_are_kept_as_written_in_upper_case() -> None:
    assert postal_code(" sw1a  1aa ") == "SW1A 1AA"
    assert postal_code("!!") is None


@pytest.mark.parametrize("raw", ["", "  ", "N/A", "n/a", "-", "none", "NULL", "#N/A"])
def test_spreadsheet_placeholders_are_blank(raw: str) -> None:
    assert is_blank(raw)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("Shipped", FulfillmentStatus.FULFILLED),
        ("PARTIALLY_FULFILLED", FulfillmentStatus.PARTIALLY_FULFILLED),
        ("on-hold", FulfillmentStatus.ON_HOLD),
        ("Canceled", FulfillmentStatus.CANCELLED),
        ("已发货", FulfillmentStatus.FULFILLED),
        ("unfulfilled", FulfillmentStatus.UNFULFILLED),
        ("on the boat", FulfillmentStatus.UNKNOWN),
        (None, FulfillmentStatus.UNKNOWN),
    ],
)
def test_status_words_are_normalised(raw: str | None, status: FulfillmentStatus) -> None:
    assert fulfillment_status(raw) is status


def test_times_keep_their_offset_and_naive_ones_take_the_default_zone() -> None:
    beijing = timezone(timedelta(hours=8))

    assert parse_time("2026-11-02T11:15:00Z", beijing) == datetime(2026, 11, 2, 11, 15, tzinfo=UTC)
    assert parse_time("2026-11-02 11:15", beijing) == datetime(2026, 11, 2, 11, 15, tzinfo=beijing)
    with pytest.raises(ValueError):
        parse_time("02/11/2026", beijing)
