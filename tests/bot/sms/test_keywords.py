"""STOP / START / HELP read from a whole inbound text, in the eight languages."""

from __future__ import annotations

import pytest

from bot.sms.keywords import Keyword, keyword_of, provider_handles


@pytest.mark.parametrize(
    ("body", "keyword", "language"),
    [
        ("STOP", Keyword.STOP, "en"),
        (" stop. ", Keyword.STOP, "en"),
        ("Unsubscribe", Keyword.STOP, "en"),
        ("ALTO", Keyword.STOP, "es"),
        ("baja", Keyword.STOP, "es"),
        ("Arrêt", Keyword.STOP, "fr"),
        ("STOPP", Keyword.STOP, "de"),
        ("sair", Keyword.STOP, "pt"),
        ("توقف", Keyword.STOP, "ar"),
        ("退订", Keyword.STOP, "zh-Hans"),
        ("退訂", Keyword.STOP, "zh-Hant"),
        ("START", Keyword.START, "en"),
        ("inicio", Keyword.START, "es"),
        ("Démarrer", Keyword.START, "fr"),
        ("ابدأ", Keyword.START, "ar"),
        ("订阅", Keyword.START, "zh-Hans"),
        ("HELP", Keyword.HELP, "en"),
        ("Ayuda!", Keyword.HELP, "es"),
        ("aide", Keyword.HELP, "fr"),
        ("Hilfe", Keyword.HELP, "de"),
        ("ajuda", Keyword.HELP, "pt"),
        ("مساعدة", Keyword.HELP, "ar"),
        ("帮助", Keyword.HELP, "zh-Hans"),
        ("幫助", Keyword.HELP, "zh-Hant"),
    ],
)
def test_a_keyword_is_read_with_its_language(body, keyword, language):
    assert keyword_of(body) == (keyword, language)


@pytest.mark.parametrize("body", ["please stop texting me", "where is my parcel?", "", None])
def test_a_sentence_is_a_message_not_a_keyword(body):
    assert keyword_of(body) is None


def test_the_providers_own_defaults_are_told_apart():
    assert provider_handles("stop")
    assert provider_handles("START")
    assert provider_handles("info")
    assert not provider_handles("ALTO")
    assert not provider_handles("退订")
