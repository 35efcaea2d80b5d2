"""Language: script for Chinese and Arabic, words and accents for Latin scripts, fallbacks."""

from __future__ import annotations

import random

import pytest

from bot.understanding.language import (
    _ARABIC_WORD,
    ACCENTED,
    ACCENTS,
    LanguageGuess,
    choose_language,
    language_code,
)
from bot.understanding.text import ARABIC_LETTER
from tests.understanding.components import components


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("where is my package", "en"),
        ("我的货到哪儿了", "zh-Hans"),
        ("我的貨到哪兒了", "zh-Hant"),
        ("¿dónde está mi pedido?", "es"),
        ("cadê minha encomenda", "pt"),
        ("où est ma commande", "fr"),
        ("wo ist meine Bestellung", "de"),
        ("وين طلبي", "ar"),
        ("UPS 1z 999 aa1 还没到", "zh-Hans"),
        ("hola", "es"),
        ("obrigado", "pt"),
        ("merci", "fr"),
        ("danke", "de"),
        ("dondeestamipaquete", "es"),
    ],
)
def test_the_message_language_is_recognised(text, code):
    guess = components().language(text)
    assert (guess.code, guess.confidence >= 0.5) == (code, True)


def test_only_shared_chinese_characters_leave_both_scripts_possible():
    guess = components().language("你好")
    assert set(guess.candidates) == {"zh-Hans", "zh-Hant"}
    assert choose_language(guess, "zh-Hant", "en") == "zh-Hant"
    assert choose_language(guess, None, "zh-Hant") == "zh-Hant"


def test_spanish_and_portuguese_words_they_share_fall_back_to_the_conversation():
    guess = components().language("pedido")
    assert {"es", "pt"} <= set(guess.candidates)
    assert choose_language(guess, "pt", "en") == "pt"
    assert choose_language(guess, None, "es") == "es"


def test_no_evidence_falls_back_to_the_conversation_then_the_store():
    guess = components().language("👍 12345")
    assert guess == LanguageGuess(None, 0.0, ())
    assert choose_language(guess, "fr", "en") == "fr"
    assert choose_language(guess, None, "de") == "de"


def test_weak_evidence_keeps_the_conversation_language():
    guess = components().language("ok")
    assert guess.code == "en"
    assert guess.confidence < 0.5
    assert choose_language(guess, "es", "en") == "es"


def test_a_clear_message_overrides_the_conversation_language():
    assert choose_language(components().language("muchas gracias"), "en", "en") == "es"


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("en", "en"),
        ("EN-us", "en"),
        ("pt_BR", "pt"),
        ("zh", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh-TW", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-hant", "zh-Hant"),
        ("ar-SA", "ar"),
        ("ja", None),
        ("", None),
        (None, None),
    ],
)
def test_language_tags_map_to_our_codes(tag, code):
    assert language_code(tag) == code


@pytest.fixture(scope="module")
def parser():
    from bot.understanding import build_message_parser
    from carriers.numbers.detector import load_detector

    return build_message_parser(load_detector(), default_language="en")


@pytest.mark.parametrize("previous", ["en", "es", "pt", "fr", "de", "ar", "zh-Hans", "zh-Hant"])
@pytest.mark.parametrize(
    "text",
    [
        "ahmed.ali@example.com",
        "jean.dupont@gmail.com",
        "RR493128572CN",
        "#1042",
        "+49 151 2345 6789",
        "📦❓😡",
        "👍",
        "ok",
        "stop",
        "lol",
        "tracking",
        "hola",
    ],
)
def test_a_message_with_too_little_text_keeps_the_conversation_language(parser, text, previous):
    assert parser.parse(text, previous_language=previous).language == previous


@pytest.mark.parametrize(
    ("text", "previous", "language"),
    [
        ("muchas gracias", "en", "es"),
        ("where is my order", "es", "en"),
        ("merci beaucoup", "en", "fr"),
        ("wo ist mein Paket?", "fr", "de"),
        ("cadê minha encomenda", "es", "pt"),
        ("谢谢", "en", "zh-Hans"),
        ("شكرا", "en", "ar"),
    ],
)
def test_real_text_in_another_language_switches_the_conversation(parser, text, previous, language):
    assert parser.parse(text, previous_language=previous).language == language


def test_arabic_words_are_counted_as_the_words_str_split_gives_that_hold_an_arabic_letter() -> None:
    pieces = ["ا", "ب", "ش", "x", "1", "é", " ", "\u3000", "\t", "\n", "\xa0", "\u2028", "\x1c"]
    rng = random.Random(3)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 20)))
        expected = sum(1 for word in text.split() if ARABIC_LETTER.search(word))
        assert len(_ARABIC_WORD.findall(text)) == expected, repr(text)


def test_accents_are_found_in_the_text_as_it_is_as_in_its_lower_case() -> None:
    # Every character whose lower case holds an accent of ACCENTS, and only those, is looked
    # for in the message itself; each lower-cases to one accent.
    holding = {
        chr(code) for code in range(0x110000) if any(c in ACCENTS for c in chr(code).lower())
    }
    assert set(ACCENTED) == holding
    assert all(char.lower() in ACCENTS for char in ACCENTED)
