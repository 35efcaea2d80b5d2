"""Every test number of the shipped data is found in chat text with its courier, and every invalid
one is not; example messages are read as a buyer means them."""

from __future__ import annotations

import re

import pytest

from carriers.catalog import BY_SLUG
from carriers.numbers import Detection, NumberDetector, load_detector
from carriers.numbers.specs import Evidence, FormatSpec

DETECTOR = load_detector()


def _compact(number: str) -> str:
    return re.sub(r"\s+", "", number).upper()


def _sentences(spec: FormatSpec, number: str) -> list[tuple[str, bool]]:
    """The number as a buyer might send it: (text, tracking_context)."""
    if spec.evidence is Evidence.NAMED:
        name = BY_SLUG[sorted(spec.slugs)[0]].name
        return [(f"{name} {number}", False), (f"my {name} tracking is {number}", False)]
    return [
        (number, True),
        (f"my tracking number is {number} thanks", False),
        (f"运单号{number.strip()}谢谢", False),
    ]


def _found_with(detection: Detection, number: str, slugs: frozenset[str]) -> bool:
    return any(
        found.number == _compact(number) and slugs & {c.carrier for c in found.carriers}
        for found in detection.tracking_numbers
    )


VALID = [
    pytest.param(spec, number, text, context, id=f"{spec.key}:{text!r}")
    for spec in DETECTOR.formats
    for number in spec.valid_examples
    for text, context in _sentences(spec, number)
]
INVALID = [
    pytest.param(spec, number, id=f"{spec.key}:{number!r}")
    for spec in DETECTOR.formats
    for number in spec.invalid_examples
]


@pytest.mark.parametrize(("spec", "number", "text", "context"), VALID)
def test_every_valid_test_number_is_found_with_its_courier(
    spec: FormatSpec, number: str, text: str, context: bool
) -> None:
    detection = DETECTOR.detect(text, tracking_context=context)
    assert _found_with(detection, number, spec.slugs), detection


@pytest.mark.parametrize(("spec", "number"), INVALID)
def test_every_invalid_test_number_is_rejected_for_its_format(
    spec: FormatSpec, number: str
) -> None:
    for text, context in ((number, True), (f"tracking number {number}", False)):
        detection = DETECTOR.detect(text, tracking_context=context)
        assert [found for found in detection.tracking_numbers if found.format == spec.key] == []


def test_more_than_the_pypi_package_finds_every_one_of_the_192_upstream_valid_numbers() -> None:
    upstream = [spec for spec in DETECTOR.formats if spec.upstream]
    found = sum(
        _found_with(DETECTOR.detect(number, tracking_context=True), number, spec.slugs)
        for spec in upstream
        for number in spec.valid_examples
    )
    assert found == 192


def test_load_detector_builds_independent_detectors() -> None:
    assert isinstance(load_detector(), NumberDetector)
    assert load_detector() is not load_detector()


def test_spanish_message_with_an_order_number_and_a_cainiao_number() -> None:
    text = "hola, mi pedido #1042 no llega, el número es LP00614958812345"
    detection = DETECTOR.detect(text)
    [found] = detection.tracking_numbers
    assert found.number == "LP00614958812345"
    assert found.format == "cainiao_lp"
    assert found.checksum == "none"
    assert found.carriers[0].carrier == "cainiao"
    assert {"4px", "yanwen"} <= {candidate.carrier for candidate in found.carriers}
    assert text[found.start : found.end] == "LP00614958812345"
    assert detection.likely_typos == ()


def test_spaced_lower_case_ups_number_followed_by_chinese() -> None:
    text = "UPS 1z 999 aa1 0123 4567 84 还没到"
    [found] = DETECTOR.detect(text).tracking_numbers
    assert found.number == "1Z999AA10123456784"
    assert found.format == "ups"
    assert found.checksum == "valid"
    assert found.carriers[0].carrier == "ups"
    assert found.carriers[0].confidence >= 0.95
    assert text[found.start : found.end] == "1z 999 aa1 0123 4567 84"


@pytest.mark.parametrize(
    "text", ["where's my stuff??", "我的货到哪儿了", "¿dónde está mi pedido?", "وين طلبي"]
)
def test_a_message_without_numbers_has_nothing(text: str) -> None:
    assert DETECTOR.detect(text) == Detection()
