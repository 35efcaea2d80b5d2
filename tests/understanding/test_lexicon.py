"""The shipped lexicons load, fold and cover every intent in every language."""

from __future__ import annotations

from bot.understanding.language import LANGUAGES
from bot.understanding.lexicon import Intent, load_lexicons, phrase


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
