"""Order numbers: keyword cues in every language, the store's shapes, and what is not one."""

from __future__ import annotations

import re

import pytest

from bot.understanding.lexicon import load_lexicons
from bot.understanding.orders import (
    InvalidOrderPattern,
    OrderNumberFinder,
    _alternation,
    _any_of,
    normalise_order_number,
)
from tests.understanding.components import components


def numbers(text: str, finder: OrderNumberFinder | None = None) -> list[str]:
    return [order.number for order in (finder or components().orders).find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("where is #1042", ["1042"]),
        ("order 1042 still not here", ["1042"]),
        ("my order number is 10587", ["10587"]),
        ("Order no. 2231?", ["2231"]),
        ("order#1043", ["1043"]),
        ("订单号：1042 什么时候发货", ["1042"]),
        ("我的订单1042还没收到", ["1042"]),
        ("訂單編號 SH-1042 還沒到", ["SH-1042"]),
        ("pedido nº 1042", ["1042"]),
        ("número de pedido: 5521", ["5521"]),
        ("encomenda 5531, cadê?", ["5531"]),
        ("número do pedido 10590", ["10590"]),
        ("commande n° 1042 toujours pas reçue", ["1042"]),
        ("ma cmd 3312 ?", ["3312"]),
        ("Bestellung 1042 ist noch nicht angekommen", ["1042"]),
        ("Meine Bestell-Nr. lautet 2250", ["2250"]),
        ("Bestellnummer: 10593", ["10593"]),
        ("طلبي رقم ١٠٤٢ ما وصل", ["1042"]),
        ("رقم الطلب 2232 متى يوصل؟", ["2232"]),
        ("SH-1042 please", ["SH-1042"]),
        ("Amazon order 113-1234567-7654321", ["113-1234567-7654321"]),
        ("orders #1042 and #1043", ["1042", "1043"]),
        ("＃１０４２", ["1042"]),
    ],
)
def test_order_numbers_are_found_after_keywords_and_in_default_shapes(text, expected):
    assert numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I ordered on 2025-06-05",
        "my order 2024-05-01 arrived broken",
        "order 129.99 dollars",
        "tracking # 986578788855",
        "numéro de suivi #986578788855",
        "call me on +1 415 555 0103",
        "my order is late",
        "order 12 items",
        "LP00614958812345",
        "1Z999AA10123456784",
        "order 1Z999AA10123456784 is late",
    ],
)
def test_dates_prices_phones_and_tracking_numbers_are_not_order_numbers(text):
    assert numbers(text) == []


def test_spans_point_at_the_number_as_typed():
    text = "طلبي رقم ١٠٤٢ ما وصل"
    (order,) = components().orders.find(text)
    assert text[order.start : order.end] == "١٠٤٢"
    text = "hi! order #SH-1042 please"
    (order,) = components().orders.find(text)
    assert text[order.start : order.end] == "SH-1042"


def test_store_shapes_replace_the_default_shapes_but_keywords_still_count():
    finder = OrderNumberFinder(components().lexicons, [r"(?P<number>WEB[0-9]{6})"])
    assert numbers("it's WEB123456", finder) == ["WEB123456"]
    assert numbers("where is #1042", finder) == []
    assert numbers("order 1042", finder) == ["1042"]


def test_a_shape_without_a_number_group_keeps_the_whole_match():
    finder = OrderNumberFinder(components().lexicons, [r"A[0-9]{5}-EU"])
    assert numbers("A12345-EU hasn't come", finder) == ["A12345-EU"]


def test_a_shape_that_is_not_a_regular_expression_is_refused():
    with pytest.raises(InvalidOrderPattern, match="order number pattern"):
        OrderNumberFinder(components().lexicons, ["(unclosed"])


def test_normalised_numbers_are_upper_case_without_hash_or_spaces():
    assert normalise_order_number("#sh-1042 ") == "SH-1042"
    assert normalise_order_number("# 1042") == "1042"


def test_the_keyword_trie_starts_a_match_wherever_one_keyword_does() -> None:
    keywords = [entry for lexicon in load_lexicons() for entry in lexicon.order_keywords]
    alternation, trie = re.compile(_alternation(keywords)), re.compile(_any_of(keywords))
    texts = [
        *keywords,
        "where is my order 1042",
        "bestell-nr 12, bestellnr 13 und Bestell Nr 14",
        "le n de commande, ma cmd",
        "订单号 1042",
        "no keyword at all",
    ]
    for text in texts:
        starts = [at for at in range(len(text) + 1) if alternation.match(text, at)]
        assert starts == [at for at in range(len(text) + 1) if trie.match(text, at)]
