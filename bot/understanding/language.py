"""Which language to answer in: script for Chinese and Arabic, word and accent scores for the rest.

Codes (BCP 47): en English, zh-Hans Simplified Chinese, zh-Hant Traditional Chinese, es Spanish,
pt Portuguese, fr French, de German, ar Arabic.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.understanding.lexicon import Lexicon
from bot.understanding.text import ARABIC_LETTER, han_characters

LANGUAGES = ("en", "zh-Hans", "zh-Hant", "es", "pt", "fr", "de", "ar")
CHINESE = ("zh-Hans", "zh-Hant")
LATIN = ("en", "es", "pt", "fr", "de")
# Tags buyers' apps and merchants use, mapped to ours.
ALIASES = {
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-hans": "zh-Hans",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "zh-hant": "zh-Hant",
}
# Letters that are evidence for a language on their own (folded away before word matching).
ACCENTS: dict[str, dict[str, float]] = {
    "ñ": {"es": 1.0},
    "¿": {"es": 1.0},
    "¡": {"es": 1.0},
    "ã": {"pt": 1.0},
    "õ": {"pt": 1.0},
    "ê": {"fr": 0.5, "pt": 0.5},
    "ô": {"fr": 0.5, "pt": 0.5},
    "â": {"fr": 0.5, "pt": 0.5},
    "ç": {"fr": 0.5, "pt": 0.5},
    "à": {"fr": 0.6, "pt": 0.4},
    "è": {"fr": 1.0},
    "ù": {"fr": 1.0},
    "î": {"fr": 1.0},
    "œ": {"fr": 1.0},
    "ë": {"fr": 1.0},
    "ï": {"fr": 1.0},
    "û": {"fr": 1.0},
    "ß": {"de": 1.0},
    "ä": {"de": 1.0},
    "ö": {"de": 1.0},
    "ü": {"de": 1.0},
    "á": {"es": 0.5, "pt": 0.5},
    "í": {"es": 0.5, "pt": 0.5},
    "ó": {"es": 0.5, "pt": 0.5},
    "ú": {"es": 0.5, "pt": 0.5},
    "é": {"es": 0.34, "pt": 0.33, "fr": 0.33},
}
# The characters whose lower case is one of ACCENTS ("ñ" and "Ñ", "ß" and "ẞ"), found in a text
# as it is, so an accent's evidence needs no lower-cased copy of the message.
ACCENTED = frozenset(ACCENTS) | {
    upper for upper in (*(char.upper() for char in ACCENTS), "\u1e9e") if len(upper) == 1
}
_ACCENTED = re.compile("[" + "".join(map(re.escape, sorted(ACCENTED))) + "]")
# A word (what str.split() separates: \s is the same whitespace) holding an Arabic letter,
# matched from its start up to its first Arabic letter, so each such word matches once.
_ARABIC_WORD = re.compile(r"(?<!\S)\S*?" + ARABIC_LETTER.pattern)
MAX_ACCENT_SCORE = 2.0
HAN_WEIGHT = 0.8
ARABIC_WORD_WEIGHT = 1.0
WEAK_WEIGHT = 0.3
LINK_WEIGHT = 0.5
# Languages scoring at least this share of the best one are "also possible".
CANDIDATE_SHARE = 0.75
# A message this sure of its language overrides the conversation's language.
CONFIDENT = 0.5
# Below this, a message's language is no better than the store's default.
WEAK = 0.25
# A Latin-script message moves the conversation to another language only with this much evidence:
# two words only that language uses ("muchas gracias"), not one ("ok", "merci", a name in an
# email address). Chinese or Arabic script is evidence enough on its own.
SWITCH_EVIDENCE = 1.5


@functools.lru_cache(maxsize=1024)  # a handful of tags, asked for on every message
def language_code(tag: str | None) -> str | None:
    """Our code for a language tag ("zh-TW" -> "zh-Hant", "pt-BR" -> "pt"), or None if unknown."""
    if not tag:
        return None
    lowered = tag.strip().replace("_", "-").lower()
    if lowered in ALIASES:
        return ALIASES[lowered]
    for code in LANGUAGES:
        if lowered == code.lower():
            return code
    primary = lowered.split("-")[0]
    return primary if primary in LANGUAGES and primary != "zh" else None


@dataclass(slots=True)  # made per message, never changed: plain is cheaper than frozen
class LanguageGuess:
    """The message's most likely language (None: no evidence), the languages it is about as
    likely to be in (Spanish and Portuguese share many words), and how sure it is one of them."""

    code: str | None
    confidence: float
    candidates: tuple[str, ...]
    evidence: float = 0.0  # the best language's score: words, script and accents found


NO_EVIDENCE = LanguageGuess(None, 0.0, ())


class LanguageIdentifier:
    """Guesses a message's language from its letters and words."""

    def __init__(self, lexicons: Sequence[Lexicon]):
        owners: dict[str, set[str]] = defaultdict(set)
        for lexicon in lexicons:
            if lexicon.language in LATIN:
                for word in lexicon.vocabulary():
                    owners[word].add(lexicon.language)
        # Loanwords any language uses ("tracking", "ok") are weak evidence in all of them.
        weak = {word for lexicon in lexicons for word in lexicon.weak_words}
        # A word shared by k languages is worth 1/k to each of them.
        self._word_scores: dict[str, tuple[tuple[str, float], ...]] = {
            word: tuple(
                (language, (WEAK_WEIGHT if word in weak else 1.0) / len(languages))
                for language in sorted(languages)
            )
            for word, languages in owners.items()
        }

    def identify(self, raw: str, typed: Iterable[str], linked: Iterable[str] = ()) -> LanguageGuess:
        """The language of a message from its text, its words (run-ons split) and the words in
        the paths of its links, which count for less."""
        # Chinese, Arabic and accented letters are all past ASCII.
        plain = raw.isascii()
        scores, han = ({}, []) if plain else _script_scores(raw)
        word_scores = self._word_scores
        for owners in filter(None, map(word_scores.get, typed)):  # the known words' owners
            for language, score in owners:
                scores[language] = scores.get(language, 0.0) + score
        for word in linked:
            for language, score in word_scores.get(word, ()):
                scores[language] = scores.get(language, 0.0) + LINK_WEIGHT * score
        if not plain:
            _add_accents(scores, raw)
        return self._guess(scores, han)

    @staticmethod
    def _guess(scores: dict[str, float], han: Sequence[str]) -> LanguageGuess:
        if len(scores) == 1:
            # One language alone (most messages): the general case below, without the ranking.
            [(name, top)] = scores.items()
            if top <= 0:
                return NO_EVIDENCE
            confidence = 1.0 - math.exp(-top)
            if name == "zh":
                variants = _chinese_variants(han)
                return LanguageGuess(variants[0], round(confidence, 3), tuple(variants), top)
            return LanguageGuess(name, round(confidence, 3), (name,), round(top, 3))
        # Best first; among equal scores, in LANGUAGES order.
        ordered = sorted(
            [
                (-score, _ORDER.get(name, _ZH_HANS), name)
                for name, score in scores.items()
                if score > 0
            ]
        )
        if not ordered:
            return NO_EVIDENCE
        top, name = -ordered[0][0], ordered[0][2]
        # The scores only fall along `ordered`: the candidates are its head, and the best of the
        # rest is the first after them.
        share = CANDIDATE_SHARE * top
        taken = 1
        while taken < len(ordered) and -ordered[taken][0] >= share:
            taken += 1
        candidates = [entry[2] for entry in ordered[:taken]]
        outside = -ordered[taken][0] if taken < len(ordered) else 0.0
        # How sure the message is one of `candidates`: the lead over every other language, in
        # words only one language uses. One such word gives 0.63, two give 0.86.
        confidence = 1.0 - math.exp(-(top - outside))
        variants = _chinese_variants(han) if "zh" in candidates else []
        expanded: list[str] = []
        for candidate in candidates:
            expanded.extend(variants if candidate == "zh" else [candidate])
        if name == "zh":
            return LanguageGuess(variants[0], round(confidence, 3), tuple(expanded), top)
        return LanguageGuess(name, round(confidence, 3), tuple(expanded), round(top, 3))


def _script_scores(raw: str) -> tuple[dict[str, float], list[str]]:
    """The scores of Chinese and Arabic script in a text that is not all ASCII, and its Chinese
    characters."""
    scores: dict[str, float] = {}
    han = han_characters(raw)
    if han:
        scores["zh"] = HAN_WEIGHT * len(han)
    if ARABIC_LETTER.search(raw):
        arabic_words = len(_ARABIC_WORD.findall(raw))
        if arabic_words:
            scores["ar"] = ARABIC_WORD_WEIGHT * arabic_words
    return scores, han


def _add_accents(scores: dict[str, float], raw: str) -> None:
    """Add the evidence of accented letters (ACCENTS), at most MAX_ACCENT_SCORE a language."""
    found = _ACCENTED.findall(raw)
    if not found:
        return
    accents: defaultdict[str, float] = defaultdict(float)
    for char in found:
        for language, score in ACCENTS[char.lower()].items():
            accents[language] += score
    for language, score in accents.items():
        scores[language] = scores.get(language, 0.0) + min(score, MAX_ACCENT_SCORE)


def _too_little(guess: LanguageGuess) -> bool:
    """Whether a message says too little to move a conversation to its language."""
    return guess.code in LATIN and guess.evidence < SWITCH_EVIDENCE


_ORDER = {name: index for index, name in enumerate(LANGUAGES)}
_ZH_HANS = _ORDER["zh-Hans"]  # "zh" (Chinese, variant unknown) ranks as zh-Hans


def _han_kind(char: str) -> str:
    """hanzidentifier's reading of one character: "zh-Hans", "zh-Hant" or "" (both or neither)."""
    # Imported when a message first holds Chinese: loading its tables costs `wismo parse` more
    # than reading the message, and most messages never need it.
    import hanzidentifier

    kind = hanzidentifier.identify(char)
    if kind == hanzidentifier.SIMPLIFIED:
        return "zh-Hans"
    return "zh-Hant" if kind == hanzidentifier.TRADITIONAL else ""


class _HanKinds(dict[str, str]):
    """_han_kind by character, worked out the first time a character comes (it converts at
    each call, and chat repeats its characters), so a message's characters are read in one
    C-level map; bounded like the folding tables."""

    def __missing__(self, char: str) -> str:
        if len(self) >= 1 << 16:
            self.clear()
        kind = self[char] = _han_kind(char)
        return kind


_HAN_KINDS = _HanKinds()


def _chinese_variants(han: Sequence[str]) -> list[str]:
    """Simplified, Traditional, or both (in that order) when only shared characters appear."""
    kinds = list(map(_HAN_KINDS.__getitem__, set(han)))
    simplified = kinds.count("zh-Hans")
    traditional = kinds.count("zh-Hant")
    if simplified > traditional:
        return ["zh-Hans"]
    if traditional > simplified:
        return ["zh-Hant"]
    return list(CHINESE)


def choose_language(guess: LanguageGuess, previous: str | None, default: str) -> str:
    """The language to answer in: the message's when it is sure, else the conversation's, else
    the store's; among equally likely languages the conversation's or the store's is kept."""
    if guess.code is None:
        return previous or default
    if previous and (previous in guess.candidates or _too_little(guess)):
        return previous
    if previous is None and default in guess.candidates:
        return default
    if guess.confidence >= CONFIDENT:
        return guess.code
    if previous:
        return previous
    return guess.code if guess.confidence >= WEAK else default
