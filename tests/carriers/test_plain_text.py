"""A text of plain characters is normalised by str.upper() and str.lower() instead of the
translate tables: that shortcut must give exactly what the tables give."""

from __future__ import annotations

import random
import re

import pytest

from carriers.numbers.text import (
    CJK_TEXTS_BEFORE_COMPILING,
    PLAIN_CHARACTERS,
    Normaliser,
    _CjkCheck,
    _views,
    plain,
)

PLAIN = re.compile(f"[{PLAIN_CHARACTERS}]")


def test_every_view_keeps_every_plain_character_but_for_an_ascii_letters_case() -> None:
    changed = [
        hex(code)
        for code in range(0x110000)
        if PLAIN.fullmatch(chr(code))
        and _views(code) != (chr(code).upper(), chr(code), chr(code).lower())
    ]
    assert changed == []


@pytest.mark.parametrize(
    "text",
    [
        "where is my parcel LX123456785CN?",
        "你好 单号 YT2430421272039912 谢谢 🙏",
        "مرحبا رقم التتبع 1Z5R89390357567127 شكرا",
        "CNUSUP 0001 2345 6789 😭",
    ],
)
def test_a_plain_text_is_normalised_as_the_tables_would(text: str) -> None:
    assert plain(text)
    shortcut = Normaliser().normalise(text)
    upper, cased, folded = (Normaliser()._upper, Normaliser()._cased, Normaliser()._folded)
    assert (shortcut.upper, shortcut.cased, shortcut.folded, list(shortcut.origin)) == (
        text.translate(upper),
        text.translate(cased),
        text.translate(folded),
        list(range(len(text))),
    )


@pytest.mark.parametrize(
    "text",
    ["tab\there", "línea\n", "ＬＸ１２３", "نعم، أين؟", "caf\u00e9", "zero\u200bwidth", "\x00"],
)
def test_a_text_with_anything_else_is_not_plain(text: str) -> None:
    assert not plain(text)


def test_plain_holds_exactly_when_every_character_is_in_the_class() -> None:
    pool = ["a", "Z", " ", "~", "\x7f", "\t", "\u33ff", "\u3400", "\u4dc0", "\u9fff", "\ua000"]
    pool += ["你", "ا", "أ", "ء", "é", "１", "，", "🙏", "\U0001fb00", "\u200b"]
    rng = random.Random(11)
    for _ in range(5000):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(1, 8)))
        assert plain(text) == all(PLAIN.fullmatch(char) for char in text), repr(text)


def test_texts_with_cjk_are_judged_alike_before_and_after_the_full_class_is_compiled() -> None:
    check = _CjkCheck()
    rng = random.Random(5)
    pool = ["你", "\u3400", "\u9fff", "\u4dc0", "a", " ", "ا", "🙏", "é", "\ua000", "\u33ff"]
    for _ in range(3 * CJK_TEXTS_BEFORE_COMPILING):
        text = "你" + "".join(rng.choice(pool) for _ in range(rng.randrange(0, 8)))
        assert check.plain_from(text, 0) == all(PLAIN.fullmatch(char) for char in text), text
