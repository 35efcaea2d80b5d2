"""Checking a typed number or link before any source is asked (wismo track, the CSV import)."""

from __future__ import annotations

import pytest

from carriers.number_check import CheckedNumber, Problem, Refusal, carrier_slug, check_number
from carriers.numbers import NumberDetector, load_detector


@pytest.fixture(scope="module")
def detector() -> NumberDetector:
    return load_detector()


def test_a_number_is_normalised_and_its_carriers_ranked_like_the_bot(
    detector: NumberDetector,
) -> None:
    checked = check_number(detector, "lx 123 456 785 cn")

    assert checked == CheckedNumber(
        "LX123456785CN", None, ("china-post", "dhl-ecommerce"), known_format=True
    )


def test_a_tracking_link_is_read_for_its_number(detector: NumberDetector) -> None:
    checked = check_number(detector, "https://www.ups.com/track?tracknum=1Z999AA10123456784")

    assert isinstance(checked, CheckedNumber)
    assert (checked.number, checked.candidates) == ("1Z999AA10123456784", ("ups",))


def test_a_domestic_chinese_number_is_routed_by_its_carrier(detector: NumberDetector) -> None:
    checked = check_number(detector, "YT7500000000001")

    assert isinstance(checked, CheckedNumber)
    assert checked.candidates[0] == "yto"


@pytest.mark.parametrize(
    ("text", "carrier", "problem", "words"),
    [
        ("hello", None, Problem.NOT_A_NUMBER, "'hello' is not a tracking number"),
        ("hello world", "ups", Problem.NOT_A_NUMBER, "not a tracking number"),
        ("LX123456784CN", None, Problem.CHECK_DIGIT, "check digit doesn't match"),
        ("794612345680", "fedx", Problem.UNKNOWN_CARRIER, "'fedx' is not one wismo knows (did"),
        ("LX123456785CN", "ups", Problem.WRONG_CARRIER, "is a China Post or DHL eCommerce"),
        ("123456789", None, Problem.NOT_A_NUMBER, "not a tracking number in any format"),
    ],
)
def test_what_no_source_can_answer_is_refused_with_a_reason(
    detector: NumberDetector, text: str, carrier: str | None, problem: Problem, words: str
) -> None:
    refused = check_number(detector, text, carrier=carrier)

    assert isinstance(refused, Refusal)
    assert refused.problem is problem
    assert words in refused.message


def test_a_misspelt_carrier_is_told_the_closest_names(detector: NumberDetector) -> None:
    refused = check_number(detector, "794612345680", carrier="fedx")

    assert isinstance(refused, Refusal)
    assert refused.message == "carrier 'fedx' is not one wismo knows (did you mean fedex?)"


def test_a_carrier_named_for_a_format_wismo_lacks_is_trusted(detector: NumberDetector) -> None:
    checked = check_number(detector, "70712345678", carrier="posten-norge")

    assert checked == CheckedNumber("70712345678", "posten-norge", ("posten-norge",), False)


@pytest.mark.parametrize("carrier", ["yanwen", "usps", "china-post"])
def test_a_postal_number_is_carried_by_consolidators_and_the_destination_post(
    detector: NumberDetector, carrier: str
) -> None:
    checked = check_number(detector, "UA204813765CN", carrier=carrier)

    assert isinstance(checked, CheckedNumber)
    assert checked.carrier == carrier


def test_a_carrier_may_be_given_by_name_or_slug() -> None:
    assert carrier_slug("China Post") == "china-post"
    assert carrier_slug(" UPS ") == "ups"
    assert carrier_slug("china_post") == "china-post"
    assert carrier_slug("pigeon") is None
