"""Intent and aspect of one message: the trained models, with the few rules that beat them.

Rules kept (measured in bench/README.md, intent model): an explicit request to stop updates
(the lexicon's stop phrases), and a message without a single word: a bare number asks where that
parcel is, emoji alone ask nothing. When the model is unsure (probability below UNSURE), the
lexicon's own decision stands if it found anything. A request for a person is left to the model,
which reads the lexicon's phrases as features and measured better than the rule. A "tracking
says delivered but nothing came" message reports not_received whatever the aspect model says.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.understanding.intent import THRESHOLD, IntentClassifier, IntentReading, Words
from bot.understanding.lexicon import Aspect, Intent
from bot.understanding.model import (
    IntentModels,
    WordCache,
    pair_features,
    slot,
    tokens,
    word_features,
)

RULED = (Intent.STOP_UPDATES,)
# The models' labels as our enums (a dict look-up; calling the enum by value is slower).
_INTENTS = {intent.value: intent for intent in Intent}
_ASPECTS = {aspect.value: aspect for aspect in Aspect}
# The feature saying the lexicon reads an intent.
_LEXICON_FEATURES = {intent: "L" + intent.value for intent in Intent}
# The models' places in the reader's WordCache.
_INTENT = 0
_ASPECT = 1
# Below this probability the model defers to an explicit lexicon reading (bench/README.md,
# intent model: it helps on messages unlike the corpus and costs nothing on the held-out split).
UNSURE = 0.5


@dataclass(slots=True)  # made per message, never changed: plain is cheaper than frozen
class Reading:
    """What a message asks for, which side of where_is_my_order (None for other intents), and
    the model's probability for its intent."""

    intent: Intent
    aspect: Aspect | None
    delivered_not_received: bool
    confidence: float


@dataclass(slots=True)  # built per message and never changed: plain is cheaper than frozen
class Features:
    """What the models read of a message: its tokens (each with its own word features) and the
    other features: word pairs, its words with typos corrected, the lexicon phrases found (the
    lexicons' knowledge, weighed by the model)."""

    tokens: list[str]
    others: list[str]

    def slots(self) -> list[int]:
        """Every slot, as training sees them."""
        own = [slot(feature) for token in self.tokens for feature in word_features(token)]
        return own + [slot(feature) for feature in self.others]


def read_features(marked: str, words: Words, rules: IntentReading) -> Features:
    found = tokens(marked)
    others = pair_features(found)
    others.extend("v" + word for word in words.corrected)
    others.extend("l" + phrase for phrase in rules.phrases)
    others.extend(lexicon_features(rules))
    return Features(found, others)


def lexicon_features(rules: IntentReading) -> list[str]:
    """The features saying what the lexicon reads: each intent it finds enough for, and a
    delivered parcel that never came."""
    found = [
        _LEXICON_FEATURES[intent] for intent, score in rules.scores.items() if score >= THRESHOLD
    ]
    if rules.delivered_not_received:
        found.append("Ldelivered_not_received")
    return found


def _decide(
    intent: Intent, probability: float, rules: IntentReading, words: Words, has_numbers: bool
) -> Intent:
    """The model's intent, unless a rule knows better (see the module docstring)."""
    for name in RULED:
        if rules.scores.get(name, 0.0) >= THRESHOLD:
            return name
    if not words.typed:
        # No word at all: a bare number asks where that parcel is; emoji alone ask nothing.
        return Intent.WHERE_IS_MY_ORDER if has_numbers else Intent.OTHER
    if probability < UNSURE and rules.intent is not Intent.OTHER:
        return rules.intent
    return intent


class IntentReader:
    """Reads intent and aspect with the models, overruled by the lexicon's explicit requests."""

    def __init__(self, models: IntentModels, rules: IntentClassifier):
        self._models = WordCache((models.intent, models.aspect))
        self._rules = rules

    def slots(self, words: Words, folded: str, marked: str, *, has_numbers: bool) -> list[int]:
        """The feature slots of a message (what training fits the models on)."""
        rules = self._rules.classify(words, folded, has_numbers=has_numbers)
        return read_features(marked, words, rules).slots()

    def read(self, words: Words, folded: str, marked: str, *, has_numbers: bool) -> Reading:
        """`folded`: the message folded with numbers blanked (for the lexicon); `marked`: the
        same with numbers as NUMBER_MARK (bot.understanding.model.model_text, for the models)."""
        rules = self._rules.classify(words, folded, has_numbers=has_numbers)
        # The features read_features lists, added up by what makes each (see WordCache).
        totals = self._models.totals(
            tokens(marked), words.corrected, rules.phrases, lexicon_features(rules)
        )
        guess = self._models.predict(totals, _INTENT)
        intent = _decide(_INTENTS[guess.label], guess.probability, rules, words, has_numbers)
        if intent is not Intent.WHERE_IS_MY_ORDER:
            return Reading(intent, None, False, guess.probability)
        if rules.delivered_not_received:
            return Reading(intent, Aspect.NOT_RECEIVED, True, guess.probability)
        aspect = _ASPECTS[self._models.label(totals, _ASPECT)]
        return Reading(intent, aspect, False, guess.probability)
