"""The understanding components built once over the shipped lexicons, for tests that need no
number detector."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.understanding.intent import IntentClassifier, IntentReading, Speller
from bot.understanding.language import LanguageGuess, LanguageIdentifier
from bot.understanding.lexicon import Lexicon, load_lexicons
from bot.understanding.orders import OrderNumberFinder
from bot.understanding.text import fold, words


@dataclass(frozen=True)
class Components:
    lexicons: tuple[Lexicon, ...]
    speller: Speller
    intents: IntentClassifier
    languages: LanguageIdentifier
    orders: OrderNumberFinder

    def intent(self, text: str, *, has_numbers: bool = False) -> IntentReading:
        folded = fold(text)
        typed = words(folded)
        guess = self.languages.identify(text, self.speller.split(typed))
        sure = guess.candidates if guess.confidence >= 0.5 else ()
        return self.intents.classify(
            self.speller.read(typed, sure), folded, has_numbers=has_numbers
        )

    def language(self, text: str) -> LanguageGuess:
        return self.languages.identify(text, self.speller.split(words(fold(text))))


@cache
def components() -> Components:
    lexicons = load_lexicons()
    return Components(
        lexicons,
        Speller({lexicon.language: lexicon.vocabulary() for lexicon in lexicons}),
        IntentClassifier(lexicons),
        LanguageIdentifier(lexicons),
        OrderNumberFinder(lexicons),
    )
