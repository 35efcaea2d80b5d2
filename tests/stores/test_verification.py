"""Verification before disclosure: which proofs match an order, never revealing its values."""

from __future__ import annotations

import pytest

from stores.verification import (
    TYPED_PROOFS,
    ProofKind,
    Reading,
    SupportedProofs,
    check_proof,
    email_matches,
    phone_last4_matches,
    postal_code_in,
    postal_code_matches,
    read_proof,
    sender_matches,
)
from tests.stores.builders import order

MEI = order(
    "1042",
    "YT2430421272039912",
    email="mei.chen+shop@gmail.com",
    phone="+86 138-0013-8000",
    postal_code="SW1A 1AA",
    instagram_username="mei.chen",
)


@pytest.mark.parametrize(
    "sender", ["mei.chen", "@Mei.Chen", " MEI.CHEN ", "instagram.com/mei.chen/"]
)
def test_the_sender_matching_the_orders_username_is_a_proof(sender: str) -> None:
    assert sender_matches(MEI, sender) is ProofKind.INSTAGRAM_USERNAME


@pytest.mark.parametrize("sender", ["meichen", "mei.chen2", "", None, "@"])
def test_another_sender_is_no_proof(sender: str | None) -> None:
    assert sender_matches(MEI, sender) is None


def test_an_order_without_a_username_never_matches_a_sender() -> None:
    assert sender_matches(order("1"), "anyone") is None


@pytest.mark.parametrize(
    ("given", "matches"),
    [
        ("mei.chen+shop@gmail.com", True),
        ("  MEI.CHEN+SHOP@GMAIL.COM ", True),
        ("ｍｅｉ.ｃｈｅｎ+ｓｈｏｐ＠ｇｍａｉｌ.ｃｏｍ", True),
        ("meichen+shop@gmail.com", False),  # Gmail ignores dots; we must not
        ("mei.chen@gmail.com", False),  # nor +tags
        ("mei.chen+shop@gmail.co", False),
        ("not an email", False),
    ],
)
def test_email_must_be_the_same_address_ignoring_case_and_space(given: str, matches: bool) -> None:
    assert email_matches(MEI.email, given) is matches


@pytest.mark.parametrize(
    ("phone", "given", "matches"),
    [
        ("+86 138-0013-8000", "8000", True),
        ("+86 138-0013-8000", "８０００", True),
        ("+86 138-0013-8000", "٨٠٠٠", True),
        ("+86 138-0013-8000", "13800138000", True),
        ("(415) 555-0134 ext. 12", "0134", True),
        ("+1 415 555 0134", "+1 (415) 555-0134", True),
        ("+86 138-0013-8000", "8001", False),
        ("+86 138-0013-8000", "800", False),
        (None, "8000", False),
        ("12", "0012", False),
    ],
)
def test_the_phone_proof_is_its_last_four_digits(
    phone: str | None, given: str, matches: bool
) -> None:
    assert phone_last4_matches(phone, given) is matches


@pytest.mark.parametrize(
    ("stored", "given", "matches"),
    [
        ("SW1A 1AA", "sw1a1aa", True),
        ("SW1A 1AA", "SW1A  1AA", True),
        ("1012 AB", "1012ab", True),
        ("K1A 0B1", "k1a0b1", True),
        ("94105", "94105-1804", True),
        ("94105-1804", "94105", True),
        ("94105-1804", "94105 1804", True),
        ("94105-1804", "94105-1805", False),
        ("2134", "02134", True),  # a spreadsheet dropped the leading zero
        ("01310-100", "01310100", True),
        ("SW1A 1AA", "SW1A", False),
        ("94105", "94107", False),
        (None, "94105", False),
    ],
)
def test_postal_codes_compare_without_case_spaces_or_dashes(
    stored: str | None, given: str, matches: bool
) -> None:
    assert postal_code_matches(stored, given) is matches


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("my email is MEI.CHEN+shop@gmail.com.", ProofKind.EMAIL),
        ("我的邮箱是mei.chen+shop@gmail.com。", ProofKind.EMAIL),
        ("correo: <mei.chen+shop@gmail.com>", ProofKind.EMAIL),
        ("last 4 digits: 8000", ProofKind.PHONE_LAST4),
        ("+86 138 0013 8000", ProofKind.PHONE_LAST4),
        ("电话尾号８０００", ProofKind.PHONE_LAST4),
        ("postcode is sw1a 1aa", ProofKind.POSTAL_CODE),
        ("order #1042, postcode SW1A 1AA", ProofKind.POSTAL_CODE),
        ("SW1A1AA", ProofKind.POSTAL_CODE),
    ],
)
def test_a_message_with_one_right_proof_is_accepted_with_its_kind(
    message: str, kind: ProofKind
) -> None:
    assert check_proof(MEI, message) is kind


@pytest.mark.parametrize(
    "message",
    [
        "1234 or 8000?",
        "1234, 8000",
        "mei@example.com or mei.chen+shop@gmail.com",
        "SW1A 1AB",
        "E1 6AN SW1A 1AA",
        "hello",
        "",
    ],
)
def test_several_guesses_or_wrong_values_are_no_proof(message: str) -> None:
    assert check_proof(MEI, message) is None


def test_an_order_without_contact_fields_accepts_no_typed_proof() -> None:
    bare = order("1042")

    assert check_proof(bare, "8000") is None
    assert check_proof(bare, "a@b.co") is None


def test_supported_proofs_list_kinds_never_values() -> None:
    proofs = SupportedProofs.of(MEI)

    assert proofs.kinds == frozenset(ProofKind)
    assert proofs.askable == (ProofKind.EMAIL, ProofKind.PHONE_LAST4, ProofKind.POSTAL_CODE)
    assert proofs.verifiable
    assert "mei" not in repr(proofs).lower()


def test_an_order_with_only_a_short_phone_supports_no_phone_proof() -> None:
    proofs = SupportedProofs.of(order("1", phone="12", postal_code="94105"))

    assert ProofKind.PHONE_LAST4 not in proofs
    assert proofs.askable == (ProofKind.POSTAL_CODE,)


def test_an_order_with_nothing_to_check_cannot_be_verified_by_the_buyer() -> None:
    assert not SupportedProofs.of(order("1")).verifiable


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        # Each message holds the right detail of one kind among wrong ones of others: read as
        # the first kind it offers (email, phone, postcode) and compared once, it is no proof.
        ("mei@example.com, 8000", None),
        ("mei@example.com, SW1A 1AA", None),
        ("9999 SW1A 1AA", None),
        # One detail alone is compared.
        ("mei.chen+shop@gmail.com 9999", ProofKind.EMAIL),
        ("8000", ProofKind.PHONE_LAST4),
        ("SW1A1AA", ProofKind.POSTAL_CODE),
    ],
)
def test_one_message_is_read_as_one_proof_and_compared_once(
    message: str, kind: ProofKind | None
) -> None:
    assert check_proof(MEI, message) is kind


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ("SW1A 1AA", "sw1a1aa"),
        ("SW1A1AA", "SW1A 1AA"),
        ("K1A 0B1", "my postal code is k1a0b1"),
        ("K1A0B1", "K1A 0B1"),
        ("1012 AB", "1012ab"),
        ("1012AB", "postcode 1012 AB"),
        ("D02 X285", "d02x285"),
        ("94105-1804", "zip 94105"),
    ],
)
def test_postcodes_are_compared_without_spaces_or_case_in_every_country(
    stored: str, message: str
) -> None:
    assert check_proof(order("1", postal_code=stored), message) is ProofKind.POSTAL_CODE


def test_a_message_is_read_as_one_reading_whatever_the_order_holds() -> None:
    reading = read_proof("1042", "1012 AB", TYPED_PROOFS, stored_postal_code="1012 AB")
    assert reading == Reading(ProofKind.POSTAL_CODE, "1012AB")
    assert read_proof("1042", "1042", TYPED_PROOFS, stored_postal_code=None) is None


@pytest.mark.parametrize(
    ("code", "places", "shown"),
    [
        ("94105-1804", ["San Francisco, CA 94105"], True),  # the ZIP of a ZIP+4
        ("94105", ["San Francisco, CA 94105"], True),
        ("SW1A 1AA", ["LONDON SW1A1AA GB"], True),
        ("SW1A 1AA", ["London, GB"], False),
        (None, ["San Francisco, CA 94105"], False),
    ],
)
def test_a_postcode_is_public_when_a_scan_shows_it(
    code: str | None, places: list[str], shown: bool
) -> None:
    assert postal_code_in(code, places) is shown
