"""A message is folded once: the order finder and the parser's words and marked text read the
whole message's folding, blanked where its numbers are, instead of folding each blanked copy.
Both must be what folding each copy gives, whenever no character folds away."""

from __future__ import annotations

import random

from bot.understanding.lexicon import load_lexicons
from bot.understanding.orders import DEFAULT_SHAPES, OrderNumberFinder
from bot.understanding.parser import _masked
from bot.understanding.text import fold

ALPHABET = "abcXYZ019 #-.é ÑçÜß０１ＬＸ单号快递مرحباأ\u0640\u200b\u00ad😭\t\n"
PIECES = ["order ", "pedido ", "#", "1042", "SH-", "123-1234567-1234567", "订单号", "Nº "]


def texts(seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice([*ALPHABET, *PIECES]) for _ in range(rng.randrange(1, 40)))
        for _ in range(3000)
    ]


def test_blanking_the_folded_message_is_folding_the_blanked_one() -> None:
    rng = random.Random(5)
    for text in texts(seed=4):
        whole = fold(text)
        if len(whole) != len(text):
            continue  # a character folded away: the parser folds each copy itself
        start = rng.randrange(len(text))
        spans = [(start, rng.randrange(start, len(text)) + 1)]
        for mark in (" ", "#"):
            assert _masked(whole, spans, mark) == fold(_masked(text, spans, mark)), text


def test_the_order_finder_reads_the_callers_folding_as_its_own() -> None:
    finder = OrderNumberFinder(load_lexicons(), DEFAULT_SHAPES)
    for text in texts(seed=6):
        assert finder.find(text, fold(text)) == finder.find(text), text


def test_masking_by_slices_is_masking_a_list_of_characters() -> None:
    rng = random.Random(7)
    for text in texts(seed=8):
        spans = []
        for _ in range(rng.randrange(4)):
            start = rng.randrange(len(text))
            spans.append((start, rng.randrange(start, len(text)) + 1))
        for mark in (" ", "#"):
            chars = list(text)
            for start, end in spans:
                chars[start:end] = mark + " " * (end - start - 1)
            assert _masked(text, spans, mark) == "".join(chars), (text, spans)
