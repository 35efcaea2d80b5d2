"""The per-language lexicons shipped as data files: intent phrases, cue words, stop words."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from bot.understanding.text import fold, is_han, words

GAP = "..."
# How many words a "..." in a phrase may stand for ("where ... order": "where is my order").
GAP_WORDS = 3
# How many characters a "..." may stand for in a Chinese phrase.
GAP_HAN = 8


class Intent(StrEnum):
    """What the buyer wants from this message."""

    WHERE_IS_MY_ORDER = "where_is_my_order"
    HUMAN = "human"
    CANCEL_OR_CHANGE = "cancel_or_change"
    REFUND_OR_RETURN = "refund_or_return"
    GREETING = "greeting"
    THANKS = "thanks"
    STOP_UPDATES = "stop_updates"
    OTHER = "other"


class Aspect(StrEnum):
    """Which side of "where is my order" a where_is_my_order message asks about."""

    STATUS = "status"  # where is it / any news
    DELAY = "delay"  # late, stuck, no movement, is it lost
    NOT_RECEIVED = "not_received"  # says delivered, nothing here
    RETURNED = "returned"  # being sent back, and why
    DELIVERY_TIME = "delivery_time"  # when will it arrive / how long does shipping take


@dataclass(frozen=True, slots=True)
class Phrase:
    """A cue to look for: word tokens (None marks a gap) or a Chinese string, and what it means.

    `whole` phrases count only when they are the entire message ("stop", "para").
    """

    text: str
    tokens: tuple[str | None, ...]
    han: bool
    whole: bool
    weight: float
    language: str
    intent: Intent | None = None


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One language's folded entries, ready to match."""

    language: str
    words: frozenset[str]
    weak_words: frozenset[str]
    order_keywords: tuple[str, ...]
    order_fillers: tuple[str, ...]
    tracking_cues: tuple[str, ...]
    negations: frozenset[str]
    delivered_claim: tuple[Phrase, ...]
    not_received: tuple[Phrase, ...]
    intents: dict[Intent, tuple[Phrase, ...]]

    def vocabulary(self) -> frozenset[str]:
        """Every word this lexicon knows: its stop words and the words of all its phrases."""
        phrase_words = {
            token
            for phrases in (*self.intents.values(), self.delivered_claim, self.not_received)
            for phrase in phrases
            if not phrase.han
            for token in phrase.tokens
            if token is not None
        }
        cue_words = {
            word for entry in (*self.order_keywords, *self.tracking_cues) for word in words(entry)
        }
        return frozenset(phrase_words | cue_words | self.words | self.weak_words | self.negations)


LANGUAGE_FILES = ("en", "zh-Hans", "zh-Hant", "es", "pt", "fr", "de", "ar")


def phrase(text: str, weight: float, language: str, intent: Intent | None = None) -> Phrase:
    """Compile one lexicon entry: "=" prefix for whole-message phrases, "..." for gaps."""
    whole = text.startswith("=")
    folded = fold(text.removeprefix("=")).strip()
    if not folded.isascii() and any(is_han(char) for char in folded):
        return Phrase(folded.replace(" ", ""), (), True, whole, weight, language, intent)
    tokens: list[str | None] = []
    for part in folded.split():
        if part == GAP:
            tokens.append(None)
        else:
            tokens.extend(words(part))
    return Phrase(folded, tuple(tokens), False, whole, weight, language, intent)


def _folded_words(entries: Iterable[str]) -> frozenset[str]:
    return frozenset(word for entry in entries for word in words(fold(entry)))


def compile_lexicon(source: Mapping[str, Any]) -> Lexicon:
    """Fold and compile a parsed lexicon file's entries (shaped as schema.LexiconFile, whose
    defaults apply to absent keys)."""
    language: str = source["language"]
    return Lexicon(
        language=language,
        words=_folded_words(source.get("words", ())),
        weak_words=_folded_words(source.get("weak_words", ())),
        order_keywords=tuple(fold(entry) for entry in source.get("order_keywords", ())),
        order_fillers=tuple(fold(entry) for entry in source.get("order_fillers", ())),
        tracking_cues=tuple(fold(entry) for entry in source.get("tracking_cues", ())),
        negations=frozenset(fold(entry) for entry in source.get("negations", ())),
        delivered_claim=tuple(
            phrase(entry, 1.0, language) for entry in source.get("delivered_claim", ())
        ),
        not_received=tuple(
            phrase(entry, 1.0, language) for entry in source.get("not_received", ())
        ),
        intents={
            Intent(intent): tuple(
                phrase(text, float(weight), language, Intent(intent))
                for text, weight in entries.items()
            )
            for intent, entries in source.get("intents", {}).items()
        },
    )


def load_lexicons() -> tuple[Lexicon, ...]:
    """Every shipped lexicon, in LANGUAGE_FILES order.

    The files are read as they are: the tests check each against schema.LexiconFile (a
    malformed one is a packaging bug), which importing pydantic to check at every start-up
    would cost `wismo parse` more than reading them. Raises json.JSONDecodeError, KeyError or
    ValueError on a file far enough from that shape.
    """
    folder = resources.files("bot.understanding").joinpath("data", "lexicon")
    return tuple(
        compile_lexicon(json.loads(folder.joinpath(f"{name}.json").read_text(encoding="utf-8")))
        for name in LANGUAGE_FILES
    )
