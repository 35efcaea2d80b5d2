"""`parse`: the detector and order numbers together, fallbacks, and junk input."""

from __future__ import annotations

import pytest

from bot.understanding import Intent, MessageParser, build_message_parser
from carriers.numbers.detector import load_detector


@pytest.fixture(scope="module")
def parser() -> MessageParser:
    return build_message_parser(load_detector(), default_language="en")


def test_the_issue_examples_are_understood(parser):
    result = parser.parse("hola, mi pedido #1042 no llega, el número es LP00614958812345")
    assert [f.number for f in result.tracking_numbers] == ["LP00614958812345"]
    assert [o.number for o in result.order_numbers] == ["1042"]
    assert (result.intent, result.language) == (Intent.WHERE_IS_MY_ORDER, "es")
    result = parser.parse("UPS 1z 999 aa1 0123 4567 84 还没到")
    assert [f.number for f in result.tracking_numbers] == ["1Z999AA10123456784"]
    assert result.tracking_numbers[0].carriers[0].carrier == "ups"
    assert (result.intent, result.language) == (Intent.WHERE_IS_MY_ORDER, "zh-Hans")
    result = parser.parse("where's my stuff??")
    assert (result.tracking_numbers, result.order_numbers) == ((), ())
    assert (result.intent, result.language) == (Intent.WHERE_IS_MY_ORDER, "en")


def test_an_order_number_is_never_reported_as_a_tracking_number(parser):
    result = parser.parse("order 986578788855 hasn't arrived")
    assert [o.number for o in result.order_numbers] == ["986578788855"]
    assert result.tracking_numbers == ()


def test_the_same_digits_after_a_tracking_cue_are_a_tracking_number(parser):
    result = parser.parse("FedEx tracking number 986578788855")
    assert [f.number for f in result.tracking_numbers] == ["986578788855"]
    assert result.order_numbers == ()


def test_a_bare_number_counts_in_a_conversation_about_tracking(parser):
    assert parser.parse("it's 3318810025").tracking_numbers == ()
    found = parser.parse("it's 3318810025", tracking_context=True).tracking_numbers
    assert [f.number for f in found] == ["3318810025"]


def test_a_number_alone_answers_in_the_conversation_language(parser):
    result = parser.parse("LP00614958812345", previous_language="pt-BR")
    assert (result.intent, result.language) == (Intent.WHERE_IS_MY_ORDER, "pt")


def test_a_store_default_language_is_used_when_nothing_else_says(parser):
    french = build_message_parser(load_detector(), default_language="fr")
    assert french.parse("👍").language == "fr"
    assert french.parse("thank you!").language == "en"


def test_the_delivered_but_not_received_case_is_exposed(parser):
    result = parser.parse("USPS says 9400111206206406260787 was delivered but I never got it")
    assert result.intent is Intent.WHERE_IS_MY_ORDER
    assert result.delivered_not_received


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n ",
        "x" * 100_000,
        "1Z999AA10123456784 " * 6_000,
        bytes(range(256)).decode("latin-1") * 40,
        "\x00\x01\x02\ufffd\ufffd\x7f" * 500,
        "😀🎉🙏" * 50,
    ],
    ids=["empty", "blank", "100 KB", "100 KB of numbers", "binary", "control", "emoji"],
)
def test_bad_input_gives_a_normal_empty_result(parser, text):
    result = parser.parse(text, previous_language="de")
    assert (result.tracking_numbers, result.likely_typos, result.order_numbers) == ((), (), ())
    assert (result.intent, result.language) == (Intent.OTHER, "de")
