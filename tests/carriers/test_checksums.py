"""The check-digit algorithms give the worked examples of the docs, and never raise.

The examples are in docs/tracking-number-formats.md, Check-digit algorithms.
"""

from __future__ import annotations

import pytest

from carriers.numbers.checksums import (
    CHECKSUMS,
    luhn,
    mod7,
    mod10,
    mod_37_36,
    s10,
    sum_product_with_weightings_and_modulo,
)

FEDEX_12 = [3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1]


def test_mod10_maps_ups_letters_as_ord_minus_3_and_doubles_odd_positions() -> None:
    # 1Z5R89390357567127: serial 5R8939035756712, R -> 9, total 123 -> check 7.
    assert mod10("5R8939035756712", "7", evens_multiplier=1, odds_multiplier=2)
    assert not mod10("5R8939035756712", "8", evens_multiplier=1, odds_multiplier=2)


def test_mod10_with_weights_4_and_9_verifies_a_dhl_paket_identcode() -> None:
    assert mod10("20129845227", "7", evens_multiplier=4, odds_multiplier=9)


def test_mod10_reverse_weights_from_the_right() -> None:
    # With an even-length serial, reversing moves every digit to the other weight.
    serial = "94205511069605048600"
    forward = next(
        d for d in "0123456789" if mod10(serial, d, evens_multiplier=3, odds_multiplier=1)
    )
    backward = next(
        d
        for d in "0123456789"
        if mod10(serial, d, evens_multiplier=3, odds_multiplier=1, reverse=True)
    )
    assert forward != backward


def test_mod7_is_the_serial_modulo_7() -> None:
    assert mod7("331881002", "5")  # DHL Express 3318810025
    assert mod7("1311238385", "2")  # Japan Post 131-12-38385-2
    assert not mod7("331881002", "6")


@pytest.mark.parametrize(
    "number", ["RB123456785GB", "EB000717618HK", "RM999605013CH", "EF719215461JP", "EE994353255CN"]
)
def test_s10_verifies_published_examples(number: str) -> None:
    assert s10(number[2:10], number[10])


@pytest.mark.parametrize(
    "number", ["RA123456789CN", "LX123456789CN", "EA123456789CN", "CP123456789US", "UY894729184YP"]
)
def test_s10_rejects_web_examples_that_fail_their_own_check_digit(number: str) -> None:
    assert not s10(number[2:10], number[10])


@pytest.mark.parametrize(
    ("serial", "check"),
    [
        ("00000000", "5"),  # weighted sum 0: remainder 0 -> 5
        ("10000002", "5"),  # 8 + 14 = 22: remainder 0 -> 5
        ("02000000", "0"),  # 12: remainder 1 -> 0
        ("00000200", "1"),  # 10: remainder 10 -> 11 - 10
        ("00000001", "4"),  # 7: 11 - 7
    ],
)
def test_s10_maps_remainder_0_to_5_and_remainder_1_to_0(serial: str, check: str) -> None:
    assert s10(serial, check)


def test_sum_product_verifies_the_fedex_12_worked_example() -> None:
    assert sum_product_with_weightings_and_modulo(
        "98657878885", "5", weightings=FEDEX_12, modulo1=11, modulo2=10
    )
    assert not sum_product_with_weightings_and_modulo(
        "99657878885", "5", weightings=FEDEX_12, modulo1=11, modulo2=10
    )


def test_luhn_verifies_purolator_and_old_dominion_examples() -> None:
    assert luhn("32059546393", "8")
    assert luhn("0720956276", "3")
    assert not luhn("32059546393", "9")


@pytest.mark.parametrize(
    ("serial", "check"),
    [("09980000020034", "D"), ("01015026003653", "C"), ("09980000020033", "F")],
)
def test_mod_37_36_verifies_dpd_check_characters(serial: str, check: str) -> None:
    assert mod_37_36(serial, check)


def test_mod_37_36_rejects_a_wrong_check_character() -> None:
    assert not mod_37_36("09980000020033", "D")


@pytest.mark.parametrize("name", sorted(CHECKSUMS))
@pytest.mark.parametrize(
    ("serial", "check"),
    [
        ("", ""),
        ("ABC", "1"),
        ("12345678", "X"),
        ("１２３４５６７８", "5"),
        ("12\x00345", "1"),
        ("1" * 40, ""),
    ],
)
def test_no_algorithm_raises_on_malformed_input(name: str, serial: str, check: str) -> None:
    parameters = {"weightings": FEDEX_12, "modulo1": 11, "modulo2": 10}
    assert CHECKSUMS[name](serial, check, parameters) in (True, False)


def test_non_ascii_digits_never_pass_a_checksum() -> None:
    # Python's int() accepts "٣"; a checksum must not, or a carrier API would get Arabic digits.
    assert not mod7("٣٣١٨٨١٠٠٢", "5")
    assert not luhn("٣٢٠٥٩٥٤٦٣٩٣", "8")
