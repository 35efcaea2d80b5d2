"""The shipped lexicons load, fold and cover every intent in every language."""

from __future__ import annotations

from importlib.resources import files

import pytest

from bot.understanding.language import LANGUAGES
from bot.understanding.lexicon import LANGUAGE_FILES, Intent, load_lexicons, phrase
from bot.understanding.schema import LexiconFile


@pytest.mark.parametrize("language", LANGUAGE_FILES)
def test_every_lexicon_file_has_the_lexicon_shape(language):
    """Loading trusts the files' shape (bot.understanding.schema): this is the check it skips."""
    path = files("bot.understanding").joinpath("data", "lexicon", f"{language}.json")
    lexicon = LexiconFile.model_validate_json(path.read_text(encoding="utf-8"))
    assert lexicon.language == language


def test_every_language_has_a_lexicon_with_phrases_for_every_intent():
    lexicons = load_lexicons()
    assert [lexicon.language for lexicon in lexicons] == list(LANGUAGES)
    for lexicon in lexicons:
        missing = [i for i in Intent if i is not Intent.OTHER and not lexicon.intents.get(i)]
        assert missing == [], lexicon.language
        assert lexicon.order_keywords, lexicon.language
        assert lexicon.tracking_cues, lexicon.language
        assert lexicon.delivered_claim, lexicon.language
        assert lexicon.not_received, lexicon.language


def test_entries_are_folded_like_messages():
    compiled = phrase("Dónde está", 1.0, "es")
    assert compiled.tokens == ("donde", "esta")
    assert phrase("=Stop", 2.0, "en").whole
    assert phrase("where ... order", 1.0, "en").tokens == ("where", None, "order")
    assert phrase("還沒到", 1.0, "zh-Hant").han
