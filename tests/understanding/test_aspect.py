"""Which side of "where is my order" a message asks about, in several languages."""

from __future__ import annotations

import pytest

from bot.understanding import Aspect, Intent, MessageParser, build_message_parser
from carriers.numbers.detector import load_detector


@pytest.fixture(scope="module")
def parser() -> MessageParser:
    return build_message_parser(load_detector(), default_language="en")


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("where is my order?", Aspect.STATUS),
        ("when will it arrive?", Aspect.DELIVERY_TIME),
        ("¿cuándo llega mi paquete?", Aspect.DELIVERY_TIME),
        ("我的包裹什么时候到？", Aspect.DELIVERY_TIME),
        ("how long does shipping to Brazil take?", Aspect.DELIVERY_TIME),
        ("is my parcel lost?", Aspect.DELAY),
        ("is it lost?", Aspect.DELAY),
        ("是不是丢了？", Aspect.DELAY),
        ("我的包裹是不是丢了？", Aspect.DELAY),
        ("mi paquete está retrasado", Aspect.DELAY),
        ("why is my parcel being sent back?", Aspect.RETURNED),
        ("why is it being sent back?", Aspect.RETURNED),
        ("¿por qué devuelven mi paquete?", Aspect.RETURNED),
        ("tracking says delivered but I never got my package", Aspect.NOT_RECEIVED),
    ],
)
def test_a_where_is_my_order_message_says_what_it_asks_about(
    parser: MessageParser, text: str, aspect: Aspect
) -> None:
    result = parser.parse(text)
    assert (result.intent, result.aspect) == (Intent.WHERE_IS_MY_ORDER, aspect)


def test_the_parser_reports_the_aspect(parser: MessageParser) -> None:
    result = parser.parse("when will my package RR493128572CN arrive?")
    assert (result.intent, result.aspect) == (Intent.WHERE_IS_MY_ORDER, Aspect.DELIVERY_TIME)
    said_delivered = parser.parse("tracking says delivered but I never got my package")
    assert said_delivered.aspect is Aspect.NOT_RECEIVED


def test_other_intents_have_no_aspect(parser: MessageParser) -> None:
    assert parser.parse("I want a refund").aspect is None
    assert parser.parse("thanks!").aspect is None
