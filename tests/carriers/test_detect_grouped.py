"""Numbers announced by a cue word, written in groups, several in a message, beside other shops'
order numbers (issue 15), without new false positives."""

from __future__ import annotations

from importlib.resources import files

import pytest

from carriers.numbers.detector import NumberDetector, load_detector
from carriers.numbers.specs import load_formats

# Grouping in fours cuts these formats where no buyer would: inside a letter prefix
# ("CNUS UP00…"), before LaserShip's literal "-1", or leaves letters alone after a space.
CUT_WHERE_NOBODY_CUTS = frozenset({"cainiao_cnusup", "lasership-1ls7-18", "lasership_1lscx"})
EXAMPLES = [
    (spec, "".join(number.split()).upper())
    for spec in load_formats(files("carriers") / "data")
    for number in spec.valid_examples
    if spec.key not in CUT_WHERE_NOBODY_CUTS
]


@pytest.fixture(scope="module")
def detector() -> NumberDetector:
    return load_detector()


def found(detector: NumberDetector, text: str) -> list[str]:
    return [number.number for number in detector.detect(text).tracking_numbers]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Sendungsnr.: 2012 9845 2277", ["201298452277"]),
        ("suivi: 09980000020034D", ["09980000020034D"]),
        ("seguimiento: 7674709932", ["7674709932"]),
        ("a encomenda 4591 6374 70 está na alfândega", ["4591637470"]),
        ("suivi GLS K3XP-YFDN", ["K3XPYFDN"]),
        (
            "Amazon order 113-1234567-7654321, tracking 9405 5931 8759 0217 5916 00",
            ["9405593187590217591600"],
        ),
        (
            "Zwei Pakete: 00340434748108905598 und 06802104324730",
            ["00340434748108905598", "06802104324730"],
        ),
    ],
)
def test_the_numbers_the_hidden_chat_set_missed_are_found(
    detector: NumberDetector, text: str, numbers: list[str]
) -> None:
    assert found(detector, text) == numbers


@pytest.mark.parametrize("separator", [" ", "-"])
def test_every_format_is_found_written_in_groups_of_four(
    detector: NumberDetector, separator: str
) -> None:
    missed = []
    for spec, number in EXAMPLES:
        grouped = separator.join(number[i : i + 4] for i in range(0, len(number), 4))
        text = f"{spec.name} tracking: {grouped} thanks"
        if number not in found(detector, text):
            missed.append(text)
    assert missed == []


@pytest.mark.parametrize(
    "text",
    [
        "my card 4111 1111 1111 1111 was charged twice",
        "card 5500-0000-0000-0004 declined",
        "IBAN DE89 3704 0044 0532 0130 00 for the refund",
        "call me on +49 151 2345 6789",
        "GLS says the driver was late, code K3XP-YFDN-QQ is my voucher",
        "e-mail me at the office, ref ABC-DEFG",
    ],
)
def test_grouped_look_alikes_stay_unreported(detector: NumberDetector, text: str) -> None:
    assert found(detector, text) == []


def test_several_numbers_in_one_message_are_all_found(detector: NumberDetector) -> None:
    text = "packages: 1Z5R89390357567127, RR493128572CN and LP00724622449605"
    assert found(detector, text) == ["1Z5R89390357567127", "RR493128572CN", "LP00724622449605"]


def test_a_number_listed_after_an_announced_one_is_announced_too(detector: NumberDetector) -> None:
    assert found(detector, "Zwei Sendungen: 00340434748108905598 und 06802104324730") == [
        "00340434748108905598",
        "06802104324730",
    ]
    assert found(detector, "1Z5R89390357567127 and call me 4155551234") == ["1Z5R89390357567127"]
