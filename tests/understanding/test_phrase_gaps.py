"""A phrase shaped "word ... words" is matched by looking for its words after the gap within
GAP_WORDS words, not by trying each gap length in turn: it must match exactly where the general
matcher does, for every such phrase of the shipped lexicons."""

from __future__ import annotations

import random

from bot.understanding.intent import _matches_at, _tail_after_gap, _tail_within_gap
from bot.understanding.lexicon import load_lexicons


def test_every_gapped_phrase_of_the_lexicons_but_one_has_the_fast_shape() -> None:
    gapped = [
        phrase.tokens
        for lexicon in load_lexicons()
        for phrases in (*lexicon.intents.values(), lexicon.delivered_claim, lexicon.not_received)
        for phrase in phrases
        if not phrase.han and None in phrase.tokens
    ]
    assert len([tokens for tokens in gapped if _tail_after_gap(tokens) is None]) <= 1
    assert len(gapped) >= 50


def test_the_fast_shape_matches_where_the_general_matcher_does() -> None:
    phrases = [
        phrase.tokens
        for lexicon in load_lexicons()
        for phrases in lexicon.intents.values()
        for phrase in phrases
        if not phrase.han and None in phrase.tokens
    ]
    phrases += [("a", None, "b"), ("a", None, "b", "c"), ("a", None, "a"), ("a", None, "b", "a")]
    vocabulary = sorted({token for tokens in phrases for token in tokens if token is not None})
    rng = random.Random(11)
    for tokens in phrases:
        tail = _tail_after_gap(tokens)
        if tail is None:
            continue
        for _ in range(300):
            words = [rng.choice([*vocabulary[:30], *tail, "x"]) for _ in range(10)]
            at = rng.randrange(len(words))
            words[at] = str(tokens[0])
            assert _tail_within_gap(tail, tuple(words), at + 1) == _matches_at(tokens, words, at), (
                tokens,
                words,
                at,
            )


def test_other_shapes_are_left_to_the_general_matcher() -> None:
    assert _tail_after_gap(("a", "b", None, "c")) is None
    assert _tail_after_gap(("a", None, "b", None, "c")) is None
    assert _tail_after_gap(("a", None)) is None
    assert _tail_after_gap(("a", None, "b")) == ("b",)
