"""Context words around a number: tracking cues, "not a tracking number" cues, carrier names.

See docs/tracking-number-formats.md, Cue words.

The lexicon comes from `data/wismo/cues.json`. All phrases of every language are compiled into one
alternation (longest first, so "订单号" wins over the "单号" inside it) and matched on the folded
view of a message; Latin-script phrases only as whole words.
"""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from carriers.numbers.text import Normaliser

BEFORE = 60
"""How far before a number (in characters) a cue still speaks about it."""
AFTER = 40
"""How far after; a cue after the number counts at 1.5 times its distance."""
_AFTER_WEIGHT = 1.5
_LONGEST_PHRASE = 64  # no cue phrase is longer, so hits starting earlier end out of reach
TRACKING = "tracking"


@dataclass(frozen=True, slots=True)
class Cue:
    """What one phrase says: a tracking cue, a kind of other number, carriers it names."""

    tracking: bool
    not_tracking: frozenset[str]
    carriers: frozenset[str]

    @property
    def negative(self) -> bool:
        return bool(self.not_tracking) and not self.tracking and not self.carriers


@dataclass(slots=True)  # not frozen: made per cue found in a message, never changed
class CueHit:
    start: int
    end: int
    cue: Cue


@dataclass(slots=True)  # made per message, never changed: plain is cheaper than frozen
class Surroundings:
    """What the words near one number say about it."""

    nearest: Cue | None
    carriers: frozenset[str]  # every carrier named within reach

    @property
    def supported(self) -> bool:
        return self.nearest is not None and not self.nearest.negative

    @property
    def contradicted(self) -> bool:
        return self.nearest is not None and self.nearest.negative


class CueIndex:
    """The cue hits of one message, queried per number."""

    def __init__(self, hits: Sequence[CueHit]) -> None:
        self._hits = hits
        self._starts = [hit.start for hit in hits]

    def around(self, start: int, end: int) -> Surroundings:
        """The cues within reach of the number at normalised span `start:end`."""
        hits = self._hits
        nearest: tuple[float, Cue] | None = None
        carriers: set[str] = set()
        first = bisect.bisect_left(self._starts, start - BEFORE - _LONGEST_PHRASE)
        for hit in hits[first:]:
            if hit.start > end + AFTER:
                break
            if hit.end <= start:
                distance = float(start - hit.end)
            elif hit.start >= end:
                distance = (hit.start - end) * _AFTER_WEIGHT
            else:
                continue
            carriers.update(hit.cue.carriers)
            if nearest is None or distance < nearest[0]:
                nearest = (distance, hit.cue)
        return Surroundings(nearest[1] if nearest else None, frozenset(carriers))


_WORD = re.compile(r"[a-z0-9&]+")
_START = operator.attrgetter("start")
_BETWEEN_WORDS = re.compile(r"[\s\-]+")


_SEPARATOR = r"[\s\-]+"  # what may stand between a phrase's words in a message


def longest_first(phrases: Iterable[str]) -> str:
    """`phrases` as one pattern, their words separated by _SEPARATOR, matching at each position
    the longest phrase there ("订单号" over the "单号" inside it) as an alternation of them
    longest first would, but built as a trie: the engine follows one branch per character
    instead of trying every phrase. A phrase's characters are never a separator, so
    at most one branch of a node can go on: the phrases matching at one place are prefixes of
    each other, and greedy optional tails pick the longest."""
    trie: dict[str, dict[str, Any]] = {}
    for phrase in phrases:
        node = trie
        for index, word in enumerate(phrase.split(" ")):
            for unit in ([_SEPARATOR] if index else []) + list(word):
                node = node.setdefault(unit, {})
        node[""] = {}  # a phrase ends here
    return _greedy(trie)


def _greedy(node: dict[str, dict[str, Any]]) -> str:
    branches = [
        (unit if unit == _SEPARATOR else re.escape(unit)) + _greedy(child)
        for unit, child in sorted(node.items())
        if unit
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # Where a phrase ends, a longer one is tried first.
    return "(?:" + body + ")?" if "" in node else body


class Lexicon:
    """Every cue phrase of every language, compiled once.

    Latin-script phrases are looked up by words (a dict of word tuples), so "ups" never matches
    inside "groups"; other scripts have no spaces between words and are matched as substrings by
    one alternation of plain literals, which the regex engine scans quickly by first character.
    """

    def __init__(
        self,
        tracking: Iterable[str],
        not_tracking: Mapping[str, Iterable[str]],
        carriers: Mapping[str, Iterable[str]],
        normaliser: Normaliser,
    ) -> None:
        def fold(phrase: str) -> str:
            return " ".join(normaliser.fold(phrase).replace("-", " ").split())

        tracking_phrases = {fold(phrase) for phrase in tracking}
        kinds: dict[str, set[str]] = {}
        for kind, phrases in not_tracking.items():
            for phrase in phrases:
                kinds.setdefault(fold(phrase), set()).add(kind)
        named: dict[str, set[str]] = {}
        for slug, names in carriers.items():
            for name in names:
                named.setdefault(fold(name), set()).add(slug)
        cues = {
            phrase: Cue(
                tracking=phrase in tracking_phrases,
                not_tracking=frozenset(kinds.get(phrase, ())),
                carriers=frozenset(named.get(phrase, ())),
            )
            for phrase in tracking_phrases | set(kinds) | set(named)
            if phrase
        }
        self._words: dict[tuple[str, ...], Cue] = {}
        scripts: dict[str, Cue] = {}
        for phrase, cue in cues.items():
            words = tuple(_WORD.findall(phrase))
            if phrase.isascii() and " ".join(words) == phrase:
                self._words[words] = cue
            else:
                scripts[phrase] = cue
        self._longest_from: dict[str, int] = {}  # first word -> longest phrase starting with it
        for words in self._words:
            self._longest_from[words[0]] = max(self._longest_from.get(words[0], 0), len(words))
        self._scripts = scripts
        self._script_pattern = re.compile(longest_first(scripts) or r"(?!)")

    @classmethod
    def from_json(cls, data: Mapping[str, Any], normaliser: Normaliser) -> Lexicon:
        """Build from the parsed `cues.json` (shaped as schema.CueFile, which the tests check
        the shipped file against); raises KeyError, TypeError or AttributeError on another
        shape."""
        tracking = [phrase for phrases in data["tracking"].values() for phrase in phrases]
        not_tracking: dict[str, list[str]] = {}
        for kind, languages in data["not_tracking"].items():
            not_tracking[kind] = [phrase for phrases in languages.values() for phrase in phrases]
        return cls(tracking, not_tracking, data["carriers"], normaliser)

    def index(self, folded: str) -> CueIndex:
        """Every cue in a message's folded view, longest phrase first, in text order."""
        hits = [
            CueHit(match.start(), match.end(), self._script_cue(match.group()))
            for match in self._script_pattern.finditer(folded)
        ]
        texts = _WORD.findall(folded)
        longest_from = self._longest_from
        # Most words start no phrase: only those that do are tried, and only then are the
        # words' spans worked out.
        starts = [index for index, text in enumerate(texts) if text in longest_from]
        if starts:
            self._add_word_hits(folded, texts, starts, hits)
        hits.sort(key=_START)
        return CueIndex(hits)

    def _script_cue(self, found: str) -> Cue:
        """The cue a match of the script pattern stands for: itself when it is written as the
        phrase is (the phrases are folded with one space between words, so no separator needs
        rewriting), else with its separators made one space."""
        cue = self._scripts.get(found)
        return cue if cue is not None else self._scripts[_BETWEEN_WORDS.sub(" ", found)]

    def _add_word_hits(
        self, folded: str, texts: Sequence[str], starts: Sequence[int], hits: list[CueHit]
    ) -> None:
        """The Latin-script phrases at `starts` (indices of words some phrase starts with),
        longest first; the words of a phrase found start no other. A phrase's words must be
        separated by spaces or dashes alone; the words' spans are worked out when a phrase is
        first found."""
        phrases = self._words
        spans: list[tuple[int, int]] | None = None
        free = 0  # the first word not inside a phrase found
        for index in starts:
            if index < free:
                continue
            for size in range(min(self._longest_from[texts[index]], len(texts) - index), 0, -1):
                cue = phrases.get(tuple(texts[index : index + size]))
                if cue is None:
                    continue
                if spans is None:
                    spans = [match.span() for match in _WORD.finditer(folded)]
                if size > 1 and not _separated(folded, spans, index, index + size - 1):
                    continue
                hits.append(CueHit(spans[index][0], spans[index + size - 1][1], cue))
                free = index + size
                break


def _separated(folded: str, spans: Sequence[tuple[int, int]], first: int, last: int) -> bool:
    """Whether words first to last (indices into `spans`) are separated by spaces or dashes
    alone."""
    for at in range(first, last):
        if _BETWEEN_WORDS.fullmatch(folded, spans[at][1], spans[at + 1][0]) is None:
            return False
    return True
