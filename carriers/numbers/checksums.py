"""Check-digit algorithms named by tracking_number_data specs.

The rules are in docs/tracking-number-formats.md, Check-digit algorithms.

Every function takes the serial (after any `prepend_if`) and the printed check character, both
upper case without whitespace, plus the constants the spec gives, and answers True or False.
None of them raises on malformed input: a letter where a digit belongs simply fails the check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)

Checksum = Callable[[str, str, Mapping[str, Any]], bool]


def _digit(char: str) -> int | None:
    return ord(char) - 48 if "0" <= char <= "9" else None


def mod10(
    serial: str,
    check: str,
    *,
    evens_multiplier: int | None = None,
    odds_multiplier: int | None = None,
    reverse: bool = False,
) -> bool:
    """Weighted mod 10; letters count as `(ord - 3) mod 10`, which is how UPS maps them."""
    expected = _digit(check)
    if expected is None or not serial:
        return False
    total = 0
    for index, char in enumerate(reversed(serial) if reverse else serial):
        value = _digit(char)
        if value is None:
            if not "A" <= char <= "Z":
                return False
            value = (ord(char) - 3) % 10
        if odds_multiplier is not None and index % 2 == 1:
            value *= odds_multiplier
        elif evens_multiplier is not None and index % 2 == 0:
            value *= evens_multiplier
        total += value
    return (10 - total % 10) % 10 == expected


def mod7(serial: str, check: str) -> bool:
    """`int(serial) mod 7` equals the check digit (DHL Express, Japan Post registered)."""
    expected = _digit(check)
    if expected is None or not serial.isascii() or not serial.isdigit():
        return False
    return int(serial) % 7 == expected


def s10(serial: str, check: str, weights: Sequence[int] = S10_WEIGHTS) -> bool:
    """UPU S10: weights 8 6 4 2 3 5 9 7, mod 11; 10 becomes 0 and 11 becomes 5."""
    expected = _digit(check)
    if expected is None or len(serial) != len(weights):
        return False
    total = 0
    for char, weight in zip(serial, weights, strict=True):
        value = _digit(char)
        if value is None:
            return False
        total += value * weight
    remainder = total % 11
    computed = 5 if remainder == 0 else 0 if remainder == 1 else 11 - remainder
    return computed == expected


def sum_product_with_weightings_and_modulo(
    serial: str, check: str, *, weightings: Sequence[int], modulo1: int, modulo2: int
) -> bool:
    """`(Σ digit × weight) mod modulo1 mod modulo2`; digits and weights pair up to the shorter."""
    expected = _digit(check)
    if expected is None or modulo1 <= 0 or modulo2 <= 0:
        return False
    total = 0
    for char, weight in zip(serial, weightings, strict=False):
        value = _digit(char)
        if value is None:
            return False
        total += value * weight
    return total % modulo1 % modulo2 == expected


def luhn(serial: str, check: str) -> bool:
    """Luhn: double every other digit starting with the one left of the check digit."""
    expected = _digit(check)
    if expected is None or not serial:
        return False
    total = 0
    for index, char in enumerate(reversed(serial)):
        value = _digit(char)
        if value is None:
            return False
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10 == expected


def mod_37_36(serial: str, check: str, alphabet: str = ALPHANUMERIC) -> bool:
    """ISO 7064 MOD 37,36 hybrid as DPD prints it: digits 0-9, letters A=10 … Z=35."""
    if len(check) != 1 or not serial:
        return False
    modulus = len(alphabet)
    product = modulus
    for char in serial:
        value = alphabet.find(char)
        if value < 0:
            return False
        product += value
        if product > modulus:
            product -= modulus
        product *= 2
        if product > modulus:
            product -= modulus + 1
    computed = modulus + 1 - product
    if computed == modulus:
        computed = 0
    return alphabet[computed] == check


def _mod10(serial: str, check: str, params: Mapping[str, Any]) -> bool:
    return mod10(
        serial,
        check,
        evens_multiplier=params.get("evens_multiplier"),
        odds_multiplier=params.get("odds_multiplier"),
        reverse=bool(params.get("reverse", False)),
    )


def _mod7(serial: str, check: str, params: Mapping[str, Any]) -> bool:
    return mod7(serial, check)


def _s10(serial: str, check: str, params: Mapping[str, Any]) -> bool:
    return s10(serial, check, params.get("weightings", S10_WEIGHTS))


def _sum_product(serial: str, check: str, params: Mapping[str, Any]) -> bool:
    return sum_product_with_weightings_and_modulo(
        serial,
        check,
        weightings=params["weightings"],
        modulo1=params["modulo1"],
        modulo2=params["modulo2"],
    )


def _luhn(serial: str, check: str, params: Mapping[str, Any]) -> bool:
    return luhn(serial, check)


def _mod_37_36(serial: str, check: str, params: Mapping[str, Any]) -> bool:
    return mod_37_36(serial, check, params.get("alphabet", ALPHANUMERIC))


CHECKSUMS: Mapping[str, Checksum] = {
    "mod10": _mod10,
    "mod7": _mod7,
    "s10": _s10,
    "sum_product_with_weightings_and_modulo": _sum_product,
    "luhn": _luhn,
    "mod_37_36": _mod_37_36,
}
"""The algorithms by the name a spec's `validation.checksum.name` uses."""

REQUIRED_PARAMETERS: Mapping[str, tuple[str, ...]] = {
    "sum_product_with_weightings_and_modulo": ("weightings", "modulo1", "modulo2"),
}
"""Constants without which an algorithm cannot run; checked when a spec is loaded."""
