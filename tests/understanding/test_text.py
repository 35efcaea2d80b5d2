"""Folding takes a shortcut for plain text (carriers.numbers.text.plain): str.lower() must fold
every plain character exactly as fold_char does."""

from __future__ import annotations

import re

from bot.understanding.text import _FOLD, fold, fold_char, map_text
from carriers.numbers.text import PLAIN_CHARACTERS

PLAIN = re.compile(f"[{PLAIN_CHARACTERS}]")


def test_fold_char_keeps_every_plain_character_but_for_an_ascii_letters_case() -> None:
    changed = [
        hex(code)
        for code in range(0x110000)
        if PLAIN.fullmatch(chr(code)) and fold_char(chr(code)) != chr(code).lower()
    ]
    assert changed == []


def test_plain_and_other_texts_fold_as_the_table_does() -> None:
    for text in (
        "Where IS my parcel?",
        "你好 单号 YT2430421272039912 🙏",
        "مرحبا رقم التتبع",
        "Número de SEGUIMIENTO ¿dónde?",
        "ＬＸ１２３\u200b\tend",
    ):
        assert fold(text) == text.translate(_FOLD)
        assert map_text(text).text == text.translate(_FOLD)
