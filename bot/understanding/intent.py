"""What a buyer wants: lexicon phrases in every language, matched through typos and run-ons."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.understanding.lexicon import GAP, GAP_HAN, GAP_WORDS, Intent, Lexicon, Phrase
from bot.understanding.text import has_han

# A cue must add up to this much for its intent to count.
THRESHOLD = 1.0
# Requests that name an action outrank "where is it" when both are present ("it never came,
# I want a refund"); ties go to the earlier one.
ACTIONS = (
    Intent.HUMAN,
    Intent.REFUND_OR_RETURN,
    Intent.CANCEL_OR_CHANGE,
    Intent.STOP_UPDATES,
)
# A run-on word is split only into this many known words at most ("whereismyorder").
MAX_PIECES = 5
MIN_RUN_ON = 7
NEGATION_REACH = 2
# How many unknown words' corrections and cuts the speller remembers.
CACHED_WORDS = 50_000


# Shorter words are taken as typed: one edit turns them into too many others.
MIN_TYPO_LENGTH = 4


def allowed_typos(word: str) -> int:
    """Edits tolerated in a word of this length: none below 4 letters, 1 up to 5, then 2."""
    if len(word) < MIN_TYPO_LENGTH:
        return 0
    return 1 if len(word) <= 5 else 2


@dataclass(slots=True)  # made per message, never changed: plain is cheaper than frozen
class Words:
    """A message's words three ways: as typed, with run-ons split, and with typos corrected."""

    typed: tuple[str, ...]
    split: tuple[str, ...]
    corrected: tuple[str, ...]


@dataclass(slots=True)  # made per message, never changed: plain is cheaper than frozen
class IntentReading:
    """The intent of one message, and whether the buyer says a "delivered" parcel never came."""

    intent: Intent
    delivered_not_received: bool
    scores: dict[Intent, float]
    phrases: tuple[str, ...] = ()  # "<intent>:<phrase>" of every phrase found


class Speller:
    """Splits run-on words and corrects typos against the lexicons' vocabularies."""

    def __init__(self, vocabularies: Mapping[str, frozenset[str]]):
        self._languages = {language: _by_initial(words) for language, words in vocabularies.items()}
        self._vocabulary = frozenset().union(*vocabularies.values())
        self._everywhere = _by_initial(self._vocabulary)
        self._longest = max((len(word) for word in self._vocabulary), default=0)
        # Chat repeats its words: each unknown word's correction (per language set) and cut is
        # worked out once. Bounded like the models' WordCache: emptied when full.
        self._corrections: dict[tuple[str, tuple[str, ...]], str] = {}
        self._cuts: dict[str, list[str]] = {}

    def read(self, typed: Sequence[str], languages: Collection[str] = ()) -> Words:
        """The words of a message; typos are corrected towards `languages` (all when empty)."""
        split = self.split(typed)
        return Words(tuple(typed), split, self.correct_all(split, languages))

    def split(self, typed: Sequence[str]) -> tuple[str, ...]:
        """The words with run-ons split into known words."""
        if self._vocabulary.issuperset(typed):
            return tuple(typed)  # every word known (most messages): nothing to split
        pieces: list[str] = []
        for word in typed:
            if len(word) < MIN_RUN_ON or word in self._vocabulary:
                pieces.append(word)
                continue
            cut = self._cuts.get(word)
            if cut is None:
                cut = self.split_run_on(word)
                if len(self._cuts) >= CACHED_WORDS:
                    self._cuts.clear()
                self._cuts[word] = cut
            pieces.extend(cut)
        return tuple(pieces)

    def correct_all(self, split: Sequence[str], languages: Collection[str] = ()) -> tuple[str, ...]:
        """Every word corrected towards `languages` (all languages when empty)."""
        if self._vocabulary.issuperset(split):
            return tuple(split)  # every word known: nothing to correct
        names = tuple(name for name in languages if name in self._languages)
        corrected: list[str] = []
        vocabulary = self._vocabulary
        for word in split:
            if len(word) < MIN_TYPO_LENGTH or word in vocabulary:
                corrected.append(word)
                continue
            key = (word, names)
            correction = self._corrections.get(key)
            if correction is None:
                correction = self.correct(word, [self._languages[name] for name in names])
                if len(self._corrections) >= CACHED_WORDS:
                    self._corrections.clear()
                self._corrections[key] = correction
            corrected.append(correction)
        return tuple(corrected)

    def correct(self, word: str, within: Sequence[Mapping[str, tuple[str, ...]]] = ()) -> str:
        """The vocabulary word within allowed_typos of `word` (same first letter), else `word`."""
        budget = allowed_typos(word)
        if word in self._vocabulary or budget == 0:
            return word
        # Imported at the first word that needs correcting (cached by the speller, and most
        # messages have none): loading rapidfuzz took a twentieth of `wismo parse`'s start-up.
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        candidates = [w for table in (within or [self._everywhere]) for w in table.get(word[0], ())]
        best = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=budget)
        return word if best is None else best[0]

    def split_run_on(self, word: str) -> list[str]:
        """`word` cut into the fewest known words, or [word] when no plausible cut exists.

        A cut must use words of two letters or more, averaging three or more, one of them at
        least four long ("whereismyorder" yes, "camiseta" -> "ca mis eta" no).
        """
        if len(word) < MIN_RUN_ON or word in self._vocabulary:
            return [word]
        # best[i]: fewest pieces covering word[:i], with where the last piece starts.
        best: list[tuple[int, int] | None] = [None] * (len(word) + 1)
        best[0] = (0, 0)
        for end in range(2, len(word) + 1):
            for start in range(max(0, end - self._longest), end - 1):
                previous = best[start]
                current = best[end]
                if previous is None or word[start:end] not in self._vocabulary:
                    continue
                if current is None or previous[0] + 1 < current[0]:
                    best[end] = (previous[0] + 1, start)
        pieces: list[str] = []
        end = len(word)
        while end > 0:
            step = best[end]
            if step is None:
                return [word]
            pieces.append(word[step[1] : end])
            end = step[1]
        plausible = (
            len(pieces) <= MAX_PIECES
            and len(word) >= 3 * len(pieces)
            and max(len(piece) for piece in pieces) >= 4
        )
        return pieces[::-1] if plausible else [word]


def _by_initial(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for word in sorted(words):
        groups[word[0]].append(word)
    return {initial: tuple(group) for initial, group in groups.items()}


class PhraseIndex:
    """Finds which phrases of one or more sets occur in a message, all sets in one pass."""

    def __init__(self, sets: Sequence[Iterable[Phrase]]):
        self._sets = len(sets)
        # Word phrases by their first word (see _FirstWord), each with its place among them all,
        # the set it belongs to and what matching it reads (see _WordEntry).
        self._by_first: dict[str, _FirstWord] = {}
        # Chinese phrases by their first character (a phrase can only occur where that
        # character does), each with its place in the lexicon so they are tried in that order;
        # the few starting with a gap are tried in every Chinese message.
        self._han_by_first: dict[str, list[tuple[int, int, Phrase]]] = defaultdict(list)
        self._han_anywhere: list[tuple[int, int, Phrase]] = []
        places = itertools.count()
        for number, phrases in enumerate(sets):
            # Equal phrases of a set count once, so each is kept once and then known by its
            # identity.
            for phrase in dict.fromkeys(phrases):
                if phrase.han:
                    first = phrase.text.partition(GAP)[0][:1]
                    entry = (next(places), number, phrase)
                    (self._han_by_first[first] if first else self._han_anywhere).append(entry)
                elif phrase.tokens and (head := phrase.tokens[0]) is not None:
                    tokens = phrase.tokens
                    word_entry = (
                        next(places),
                        number,
                        phrase,
                        id(phrase),
                        tokens,
                        phrase.whole,
                        _tail_after_gap(tokens),
                    )
                    group = self._by_first.setdefault(head, _FirstWord([], {}, []))
                    if None in tokens:
                        group.gapped.append(word_entry)
                    else:
                        group.gapless[tokens] = (*group.gapless.get(tokens, ()), word_entry)
        for group in self._by_first.values():
            group.sizes.extend(sorted({len(tokens) for tokens in group.gapless}))

    def _word_matches(
        self, words: tuple[str, ...], found: list[dict[int, tuple[Phrase, int]]]
    ) -> None:
        """The word phrases in `words`, added to `found` in the order the words come, and at
        one word in the order the lexicons list them."""
        by_first = self._by_first
        count = len(words)
        for index, word in enumerate(words):
            group = by_first.get(word)
            if group is None:
                continue
            hits = group.at(words, index)
            if len(hits) > 1:
                hits.sort()  # by place: places are unique, so the tuples compare by it alone
            for _, number, phrase, key, tokens, whole, _ in hits:
                seen = found[number]
                if key in seen or (whole and (index != 0 or count != len(tokens))):
                    continue
                seen[key] = (phrase, index)

    def matches(self, words: Sequence[str], folded: str) -> list[list[tuple[Phrase, int]]]:
        """Per set, each phrase found once, with the index of the word (or character) it starts
        at."""
        # Per set, by id(phrase): each phrase is held once in its set.
        found: list[dict[int, tuple[Phrase, int]]] = [{} for _ in range(self._sets)]
        self._word_matches(tuple(words), found)
        if (self._han_by_first or self._han_anywhere) and has_han(folded):
            self._han_matches(folded.replace(" ", ""), found)
        return [list(seen.values()) for seen in found]

    def _han_matches(self, compact: str, found: list[dict[int, tuple[Phrase, int]]]) -> None:
        """The Chinese phrases in `compact` (a message's folded text without spaces), added to
        `found` after the word phrases."""
        candidates = [
            entry
            for char in self._han_by_first.keys() & set(compact)
            for entry in self._han_by_first[char]
        ]
        candidates.extend(self._han_anywhere)
        # In lexicon order: places are unique, so the tuples compare by place alone.
        candidates.sort()
        for _, number, phrase in candidates:
            text = phrase.text
            at = compact.find(text) if GAP not in text else _find_han(text, compact)
            if at >= 0 and (not phrase.whole or phrase.text == compact):
                found[number].setdefault(id(phrase), (phrase, at))


# A word phrase as PhraseIndex tries it: its place among the lexicons' phrases, its set, the
# phrase, its identity, its tokens, whether it must be the whole message, and the words after the
# gap when the phrase is one word, a gap and words (see _tail_after_gap).
_WordEntry = tuple[int, int, Phrase, int, tuple[str | None, ...], bool, tuple[str, ...] | None]


@dataclass(slots=True)
class _FirstWord:
    """The word phrases beginning with one word: those without a gap by their tokens, with the
    lengths they come in (shortest first); those with a gap, to try one by one."""

    sizes: list[int]
    gapless: dict[tuple[str | None, ...], tuple[_WordEntry, ...]]
    gapped: list[_WordEntry]

    def at(self, words: tuple[str, ...], index: int) -> list[_WordEntry]:
        """The phrases found at words[index] (which is their first word): the gapless ones
        looked up by their tokens, one look-up per length they come in."""
        hits: list[_WordEntry] = []
        for size in self.sizes:
            if index + size > len(words):
                break
            entries = self.gapless.get(words[index : index + size])
            if entries is not None:
                hits.extend(entries)
        for entry in self.gapped:
            tail = entry[6]
            if (
                _tail_within_gap(tail, words, index + 1)
                if tail is not None
                else _matches_at(entry[4], words, index)
            ):
                hits.append(entry)
        return hits


def _tail_after_gap(tokens: Sequence[str | None]) -> tuple[str, ...] | None:
    """The words after the gap of a phrase shaped "word ... words" (all but one of the gapped
    phrases: "where ... order"), or None for any other shape."""
    tail = tuple(token for token in tokens[2:] if token is not None)
    if (
        len(tokens) < 3
        or tokens[0] is None
        or tokens[1] is not None
        or len(tail) != len(tokens) - 2
    ):
        return None
    return tail


def _tail_within_gap(tail: tuple[str, ...], words: Sequence[str], after: int) -> bool:
    """Whether `tail` begins within GAP_WORDS words of `after` (the word after the phrase's
    first): _matches_at for a phrase shaped "word ... words", without trying each gap's length
    by recursion."""
    reach = after + GAP_WORDS + 1
    if len(tail) == 1:
        return tail[0] in words[after:reach]
    size = len(tail)
    return any(words[at : at + size] == tail for at in range(after, reach))


def _matches_at(tokens: Sequence[str | None], words: Sequence[str], index: int) -> bool:
    if not tokens:
        return True
    head, rest = tokens[0], tokens[1:]
    if head is None:
        return any(
            _matches_at(rest, words, index + skip)
            for skip in range(GAP_WORDS + 1)
            if index + skip <= len(words)
        )
    if index >= len(words) or words[index] != head:
        return False
    return _matches_at(rest, words, index + 1)


def _find_han(text: str, compact: str) -> int:
    if "..." not in text:
        return compact.find(text)
    first, _, rest = text.partition("...")
    at = compact.find(first)
    while at >= 0:
        after = at + len(first)
        window = compact[after : after + GAP_HAN + len(rest)]
        if _find_han(rest, window) >= 0:
            return at
        at = compact.find(first, at + 1)
    return -1


class IntentClassifier:
    """Scores every intent's phrases (all languages at once: buyers mix them) and picks one."""

    def __init__(self, lexicons: Sequence[Lexicon]):
        intent_phrases = [
            phrase
            for lexicon in lexicons
            for phrases in lexicon.intents.values()
            for phrase in phrases
        ]
        # The intent phrases, delivered claims and not-received phrases, found in one pass.
        self._phrases = PhraseIndex(
            (
                intent_phrases,
                [p for lexicon in lexicons for p in lexicon.delivered_claim],
                [p for lexicon in lexicons for p in lexicon.not_received],
            )
        )
        # Each intent phrase's "<intent>:<phrase>" (IntentReading.phrases), by identity: the
        # index reports the phrases it holds, all in this list.
        self._labels = {
            id(phrase): f"{phrase.intent.value}:{phrase.text}"
            for phrase in intent_phrases
            if phrase.intent is not None
        }
        self._negations = frozenset(word for lexicon in lexicons for word in lexicon.negations)

    def classify(self, words: Words, folded: str, *, has_numbers: bool) -> IntentReading:
        """The intent of a message given its words and folded text.

        `has_numbers`: the message carries a tracking or order number, which on its own (or
        with a greeting or thanks) means the buyer is asking where that parcel is.
        """
        scores: dict[Intent, float] = {}
        phrases: list[str] = []
        intents, claims, not_received = self._phrases.matches(words.corrected, folded)
        labels = self._labels
        for phrase, _ in intents:
            intent = phrase.intent
            if intent is not None:
                scores[intent] = scores.get(intent, 0.0) + phrase.weight
                phrases.append(labels[id(phrase)])
        delivered_not_received = bool(not_received) and self._claimed(words.corrected, claims)
        if delivered_not_received:
            scores[Intent.WHERE_IS_MY_ORDER] = scores.get(Intent.WHERE_IS_MY_ORDER, 0.0) + 2.0
        decided = _decide(scores, has_numbers)
        return IntentReading(
            decided,
            delivered_not_received and decided is Intent.WHERE_IS_MY_ORDER,
            scores,
            tuple(sorted(phrases)),
        )

    def _claimed(self, words: Sequence[str], claims: Sequence[tuple[Phrase, int]]) -> bool:
        """Whether a "delivered" claim found is not negated ("not delivered")."""
        for phrase, at in claims:
            if phrase.han:
                return True
            before = words[max(0, at - NEGATION_REACH) : at]
            if not self._negations.intersection(before):
                return True
        return False


def _decide(scores: dict[Intent, float], has_numbers: bool) -> Intent:
    if not scores:  # no phrase found (most messages with a number): nothing below applies
        return Intent.WHERE_IS_MY_ORDER if has_numbers else Intent.OTHER
    # The best-scoring action, the earlier one among equals.
    best_score, best_action = scores.get(ACTIONS[0], 0.0), ACTIONS[0]
    for action in ACTIONS[1:]:
        score = scores.get(action, 0.0)
        if score > best_score:
            best_score, best_action = score, action
    if best_score >= THRESHOLD:
        return best_action
    if scores.get(Intent.WHERE_IS_MY_ORDER, 0.0) >= THRESHOLD or has_numbers:
        return Intent.WHERE_IS_MY_ORDER
    thanks = scores.get(Intent.THANKS, 0.0)
    greeting = scores.get(Intent.GREETING, 0.0)
    if max(thanks, greeting) >= THRESHOLD:
        return Intent.THANKS if thanks >= greeting else Intent.GREETING
    return Intent.OTHER
