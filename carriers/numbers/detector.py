"""Finding tracking numbers in a buyer's message: the detector and its results.

The steps are in docs/tracking-number-formats.md, Pipeline.

`load_detector()` reads the shipped specs once; callers keep the detector (it holds no per-message
state and is safe to share). `NumberDetector.detect` normalises the text, reads links, enumerates
bounded candidates, validates them against every format, weighs the context, and returns the
accepted numbers and the near misses worth asking the buyer about.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Literal, TypeVar

from carriers.numbers.candidates import MAX_LENGTH, MIN_LENGTH, Candidate, candidates
from carriers.numbers.cues import CueIndex, Lexicon, Surroundings
from carriers.numbers.links import Link, LinkReader, LinkValue
from carriers.numbers.lookalikes import lookalike_spans, phone_shaped
from carriers.numbers.scoring import SHARED_MATHS, Support, confidence, effective_evidence
from carriers.numbers.specs import (
    OWN_DIRECTORY,
    TYPO_LENGTH,
    CarrierShare,
    Evaluation,
    Evidence,
    FormatSpec,
    Outcome,
    SpecInvalid,
    anonymous_pattern,
    load_formats,
)
from carriers.numbers.text import NormalisedText, Normaliser

MAX_TEXT_LENGTH = 10_000
"""Characters of a message that are scanned; the rest is ignored."""
MAX_CANDIDATES = 5_000
"""Candidate strings examined per message: a real message yields a few dozen, while pasted
garbage (thousands of spaced digits) could yield hundreds of thousands."""
LINK_FORMAT = "link"
"""The format of a value taken from a tracking link that fits no known format."""
_LINK_CONFIDENCE = 0.9
_NAMED_ELSEWHERE = 0.6  # weight of a carrier nobody named when another candidate was named
_SHAPE_ONLY = frozenset({Evidence.WEAK, Evidence.NAMED})
_DIGIT_TYPO = frozenset({Support.CUE, Support.CONTEXT, Support.WHOLE})
_SEPARATORS = re.compile(r"[ .\-]+")
_SEPARATOR_CHARS = frozenset(" .-")
_ALPHANUMERIC = re.compile(r"[^\W_]")
_DIGIT = re.compile(r"[0-9]")
_COMPACT = re.compile(r"[0-9A-Z]+(?:-[0-9])?")
_K = TypeVar("_K")
_V = TypeVar("_V")
CACHED_CANDIDATES = 1 << 14
"""Candidate strings whose verdicts, and accepted strings whose scorings, a detector remembers
(each emptied when full): a buyer's number comes back in the next messages, and its pieces with
it."""


@dataclass(frozen=True, slots=True)
class CarrierCandidate:
    carrier: str  # a slug from carriers.catalog
    confidence: float  # 0..1


@dataclass(frozen=True, slots=True)
class FoundNumber:
    """A tracking number in the text."""

    number: str  # normalised: upper case, no separators
    format: str  # stable format id ("ups", "usps_20", "s10", "cainiao_lp", …, or "link")
    carriers: tuple[CarrierCandidate, ...]  # best first; empty only for an unknown link value
    checksum: Literal["valid", "none"]  # "none": the format has no check digit
    start: int  # span in the original text
    end: int


@dataclass(frozen=True, slots=True)
class LikelyTypo:
    """A string shaped like a known format that fails it: ask the buyer to check it."""

    number: str
    format: str
    carriers: tuple[CarrierCandidate, ...]
    reason: str  # TYPO_CHECK_DIGIT, TYPO_LENGTH, or e.g. "S10 country code unknown"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Detection:
    tracking_numbers: tuple[FoundNumber, ...] = ()
    likely_typos: tuple[LikelyTypo, ...] = ()


NOTHING = Detection()
"""What most messages hold (frozen, so one is shared rather than one made per message)."""


@dataclass(slots=True)
class _Accepted:
    number: str
    format: str
    carriers: tuple[CarrierCandidate, ...]
    checksum: Literal["valid", "none"]
    start: int  # normalised
    end: int
    odd_joins: int = 0
    top: float = 0.0
    reason: str = ""  # why a near miss is one; empty for accepted numbers


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What a candidate string is whatever its message: the formats it is valid in, whether it
    is read as a near miss and as which one, and its digit shapes."""

    valid: tuple[Evaluation, ...]
    near_miss: bool  # judged as a near miss (see NumberDetector._judge), not as a number
    typo: tuple[str, tuple[CarrierCandidate, ...], str] | None  # format, carriers, reason
    digits: bool  # digits only
    degenerate: bool  # see _degenerate
    phone: bool  # digits only, and shaped like a phone number


# An accepted string's format, ranked carriers, checksum and top confidence (see _score).
_Score = tuple[str, tuple[CarrierCandidate, ...], Literal["valid", "none"], float]
# What _score's result depends on: the string, its supports, the carriers named near it, and
# whether a negative cue is nearest.
_ScoreKey = tuple[str, frozenset[Support], frozenset[str], bool]


class _Memo(dict[_K, _V]):
    """Results of `compute` by key, worked out the first time a key comes; emptied when it
    holds CACHED_CANDIDATES, so a stream of new strings cannot grow it without end."""

    def __init__(self, compute: Callable[[_K], _V]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: _K) -> _V:
        if len(self) >= CACHED_CANDIDATES:
            self.clear()
        value = self[key] = self._compute(key)
        return value


class _Spans:
    """Non-overlapping sorted spans answering "does [start, end) touch any of them?" in log n."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [span[0] for span in merged]
        self._ends = [span[1] for span in merged]

    def touches(self, start: int, end: int) -> bool:
        if not self._starts:
            return False
        index = bisect.bisect_left(self._starts, end) - 1
        return index >= 0 and self._ends[index] > start


_NO_SPANS = _Spans(())  # never changed once built: one serves every message without exclusions

_LIST_JOIN = re.compile(
    r"[ ,;/&+:]*(?:AND|UND|ET|Y|E|OU|OR|ODER|O|و|和|及|跟|与|與|、)?[ ,;/&+:、]*"
)


def _listed_after(accepted: Sequence[_Accepted], candidate: Candidate, upper: str) -> bool:
    """Whether the candidate follows an accepted number in a list ("0034… und 0680…", "A, B"):
    the cue that announced the first announces the rest."""
    return any(
        item.end <= candidate.start and _LIST_JOIN.fullmatch(upper, item.end, candidate.start)
        for item in accepted
    )


def _degenerate(number: str) -> bool:
    """One repeated digit, or a run counting up or down ("000000000000", "1234567890")."""
    if not number.isdigit() or len(number) < 2:
        return False
    if number.isascii():
        # Counting up (or down) by one, wrapping after 9, is a piece of "01234567890123…".
        turns = len(number) // 10 + 2
        return (
            number == number[0] * len(number)
            or number in "0123456789" * turns
            or number in "9876543210" * turns
        )
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(number)}
    return steps in ({0}, {1}, {9})


def _ranked(scores: dict[str, tuple[float, int]]) -> tuple[CarrierCandidate, ...]:
    ordered = sorted(scores.items(), key=lambda item: (-item[1][0], item[1][1]))
    return tuple(CarrierCandidate(slug, round(score, 3)) for slug, (score, _) in ordered)


@dataclass(slots=True)
class _Message:
    """Everything about one message that the candidates are judged against.

    The cue index is built when a candidate first needs it: a message with digits but no
    candidate long enough ("order 1042") never pays for it.
    """

    text: NormalisedText
    lexicon: Lexicon
    excluded: _Spans
    first_word: int  # normalised index of the first letter or digit, or -1
    last_word: int
    tracking_context: bool
    _cues: CueIndex | None = None

    @property
    def cues(self) -> CueIndex:
        if self._cues is None:
            self._cues = self.lexicon.index(self.text.folded)
        return self._cues


# A length's alternation, its formats in order, and each format's place by its group's name.
_Bucket = tuple[re.Pattern[str], tuple[FormatSpec, ...], dict[str, int]]


class _Buckets(dict[int, _Bucket | None]):
    """Per candidate length, the formats that can match that many characters behind one
    alternation (None when none can), compiled the first time a candidate of that length
    comes.

    Each format is one named group of the alternation: a full match is made by the first
    format that fits, so the group that matched says which formats before it need not be
    tried.
    """

    def __init__(self, formats: Sequence[FormatSpec]) -> None:
        super().__init__()
        self._formats = formats

    def __missing__(self, length: int) -> _Bucket | None:
        fitting = tuple(
            spec for spec in self._formats if spec.min_length <= length <= spec.max_length
        )
        bucket: _Bucket | None = None
        if fitting and MIN_LENGTH <= length <= MAX_LENGTH:
            names = {f"f{place}": place for place in range(len(fitting))}
            combined = "|".join(
                f"(?P<{name}>{anonymous_pattern(spec.compact_source)})"
                for name, spec in zip(names, fitting, strict=True)
            )
            bucket = (re.compile(combined, re.ASCII), fitting, names)
        self[length] = bucket
        return bucket


class NumberDetector:
    """Finds tracking numbers in chat text; build it once with `load_detector()`."""

    def __init__(
        self,
        formats: Sequence[FormatSpec],
        lexicon: Lexicon,
        links: LinkReader,
        normaliser: Normaliser,
    ) -> None:
        self.formats = tuple(formats)
        self._lexicon = lexicon
        self._links = links
        self._normaliser = normaliser
        # Formats grouped by the candidate lengths they can match, each group behind one
        # alternation, so most candidates cost a single regex call; compiled when a candidate
        # of that length first comes (compiling them all took a fifth of `wismo parse`'s
        # start-up).
        self._by_length = _Buckets(self.formats)
        self._wrong_length = tuple(spec for spec in self.formats if spec.wrong_length is not None)
        self._any_wrong_length: re.Pattern[str] | None = None
        # Each candidate string's verdict (it depends on the string alone), worked out once;
        # bounded like the other per-string caches.
        self._verdicts = _Memo[str, _Verdict](self._judge_string)
        # And how a string reads when accepted, which depends on its message only through the
        # key's parts (see _ScoreKey).
        self._scores = _Memo[_ScoreKey, _Score | None](self._score_key)

    def detect(
        self,
        text: str,
        *,
        excluded_spans: Sequence[tuple[int, int]] = (),
        tracking_context: bool = False,
    ) -> Detection:
        """Tracking numbers and likely typos in `text`, in the order they appear.

        `excluded_spans` (original offsets) are things the caller already knows are something
        else, such as the store's order numbers. `tracking_context` says the conversation is
        already about a tracking number, which is enough support for a bare number. Numbers are
        reported once each, at their first occurrence. Never raises on any input.
        """
        if text.isascii() and "/" not in text and "www." not in text and not _DIGIT.search(text):
            # Normalising leaves ASCII digits, "/" and "www." as they are and makes no others,
            # so this is the no-link, no-digit case below without normalising.
            return NOTHING
        # Instagram caps a DM at 1,000 characters; past this a "message" is a paste of something
        # else, and scanning all of it would only let garbage cost time.
        normalised = self._normaliser.normalise(text[:MAX_TEXT_LENGTH])
        if not normalised.upper.strip():
            return NOTHING
        links = self._links.read(normalised)
        if not links and _DIGIT.search(normalised.upper) is None:
            # Every candidate holds a digit, so without a link there is nothing to find: most
            # chat lines ("hi", "where is my parcel?") stop here.
            return NOTHING
        scan = _blank(normalised.upper, links)
        found_candidates = candidates(scan, normalised.cased, MAX_CANDIDATES)
        if not found_candidates and not links:
            return NOTHING  # digits, but nothing long enough to be a number ("order 1042")
        first = _ALPHANUMERIC.search(normalised.upper)
        last = _ALPHANUMERIC.search(normalised.upper[::-1])
        message = _Message(
            text=normalised,
            lexicon=self._lexicon,
            excluded=_Spans(excluded_spans) if excluded_spans else _NO_SPANS,
            first_word=first.start() if first else -1,
            last_word=len(normalised.upper) - 1 - last.start() if last else -1,
            tracking_context=tracking_context,
        )
        accepted = self._link_numbers(links, message)
        judged = [
            candidate
            for candidate in found_candidates
            if not excluded_spans
            or not message.excluded.touches(
                *normalised.original_span(candidate.start, candidate.end)
            )
        ]
        typos = self._judge_all(judged, scan, message, accepted)
        if not accepted and not typos:
            return NOTHING  # most messages with digits: nothing to choose between
        chosen = _choose(_without_lists(accepted, scan), ())
        kept_typos = _choose(typos, chosen)
        return Detection(
            tracking_numbers=tuple(
                FoundNumber(
                    item.number,
                    item.format,
                    item.carriers,
                    item.checksum,
                    *normalised.original_span(item.start, item.end),
                )
                for item in _first_occurrences(chosen)
            ),
            likely_typos=tuple(
                LikelyTypo(
                    item.number,
                    item.format,
                    item.carriers,
                    item.reason,
                    *normalised.original_span(item.start, item.end),
                )
                for item in _first_occurrences(kept_typos)
            ),
        )

    def _judge_all(
        self, judged: Sequence[Candidate], scan: str, message: _Message, accepted: list[_Accepted]
    ) -> list[_Accepted]:
        """Judge the candidates in order, adding the numbers found to `accepted` (which holds
        the links' already); return the near misses.

        Look-alikes only take candidates away, and judging one reads only the numbers accepted
        before it: when judging every candidate finds nothing (a message with digits, mostly),
        judging fewer finds nothing either, and the look-alikes are never looked for. When
        something is found, they are, and if a candidate touches one, the candidates are judged
        again without those.
        """
        links_found = len(accepted)
        typos: list[_Accepted] = []
        for candidate in judged:
            self._judge(candidate, message, accepted, typos)
        if not accepted and not typos:
            return typos
        vetoed = _Spans((span.start, span.end) for span in lookalike_spans(scan))
        kept = [
            candidate for candidate in judged if not vetoed.touches(candidate.start, candidate.end)
        ]
        if len(kept) < len(judged):
            del accepted[links_found:]
            typos.clear()
            for candidate in kept:
                self._judge(candidate, message, accepted, typos)
        return typos

    def _link_numbers(self, links: Sequence[Link], message: _Message) -> list[_Accepted]:
        """The numbers the message's tracking links carry."""
        accepted = []
        for link in links:
            for value in link.values:
                found = self._link_value(value, message)
                if found is not None:
                    accepted.append(found)
        return accepted

    def _judge_string(self, text: str) -> _Verdict:
        """`text`'s verdict (see _Verdict); through self._verdicts, once per string."""
        evaluations = self._evaluate(text)
        valid = tuple(e for e in evaluations if e.outcome is Outcome.VALID)
        # "LX123456789CN" fits DHL eCommerce's generic shape, but it is an S10 number with a
        # wrong check digit: a near miss of a checked format outweighs a shape-only match.
        near_miss = not valid or (
            all(e.spec.evidence in _SHAPE_ONLY for e in valid)
            and any(e.typo_reason is not None for e in evaluations)
        )
        digits = text.isdigit()
        return _Verdict(
            valid,
            near_miss,
            self._typo(text, evaluations) if near_miss else None,
            digits,
            _degenerate(text),
            digits and phone_shaped(text),
        )

    def _score_key(self, key: _ScoreKey) -> _Score | None:
        """How a string reads when accepted (see _score); through self._scores, once per key."""
        text, supports, named, blocked = key
        return _score(text, self._verdicts[text].valid, supports, named, blocked=blocked)

    def _evaluate(self, text: str) -> list[Evaluation]:
        bucket = self._by_length[len(text)]
        if bucket is None:
            return []
        match = bucket[0].fullmatch(text)
        if match is None or match.lastgroup is None:
            return []
        # The formats before the one that matched cannot match.
        return [
            evaluation
            for spec in bucket[1][bucket[2][match.lastgroup] :]
            if (evaluation := spec.evaluate_compact(text)) is not None
        ]

    def _link_value(self, value: LinkValue, message: _Message) -> _Accepted | None:
        piece = self._normaliser.normalise(value.text).upper
        compact = "".join(_SEPARATORS.split(piece.strip()))
        if piece.rstrip()[-2:-1] == "-" and piece.rstrip()[-1:].isdigit():
            compact = compact[:-1] + "-" + compact[-1]  # keep LaserShip's "-1"
        if not (MIN_LENGTH <= len(compact) <= MAX_LENGTH) or _COMPACT.fullmatch(compact) is None:
            return None
        if not any(char.isdigit() for char in compact) or _degenerate(compact):
            return None
        if message.excluded.touches(*message.text.original_span(value.start, value.end)):
            return None
        valid = self._verdicts[compact].valid
        supports = {Support.LINK}
        named = frozenset({value.carrier}) if value.carrier else frozenset()
        if valid:
            return self._accept(
                compact,
                supports,
                named,
                blocked=False,
                start=value.start,
                end=value.end,
                odd_joins=0,
            )
        carriers = (CarrierCandidate(value.carrier, _LINK_CONFIDENCE),) if value.carrier else ()
        return _Accepted(
            compact, LINK_FORMAT, carriers, "none", value.start, value.end, 0, _LINK_CONFIDENCE
        )

    def _judge(
        self,
        candidate: Candidate,
        message: _Message,
        accepted: list[_Accepted],
        typos: list[_Accepted],
    ) -> None:
        verdict = self._verdicts[candidate.text]
        if verdict.near_miss:
            typo = verdict.typo
            # Any long digit run fits some shape (FedEx 34 takes every 34-digit string starting
            # 0-8), so an all-digit near miss needs the same support a bare checksum does.
            if typo is not None and (
                not verdict.digits
                or (self._supports(candidate, message) & _DIGIT_TYPO and not verdict.degenerate)
            ):
                typos.append(
                    _Accepted(
                        candidate.text,
                        typo[0],
                        typo[1],
                        "none",
                        candidate.start,
                        candidate.end,
                        candidate.odd_joins,
                        reason=typo[2],
                    )
                )
            return
        if verdict.degenerate:
            return
        surroundings = message.cues.around(candidate.start, candidate.end)
        supports = self._supports(candidate, message, surroundings)
        if verdict.phone:
            supports.add(Support.PHONE_SHAPED)
        elif _listed_after(accepted, candidate, message.text.upper):
            supports.add(Support.CUE)
        found = self._accept(
            candidate.text,
            supports,
            surroundings.carriers,
            blocked=surroundings.contradicted,
            start=candidate.start,
            end=candidate.end,
            odd_joins=candidate.odd_joins,
        )
        if found is not None:
            accepted.append(found)

    def _accept(
        self,
        text: str,
        supports: set[Support],
        named: frozenset[str],
        *,
        blocked: bool,
        start: int,
        end: int,
        odd_joins: int,
    ) -> _Accepted | None:
        """`text` at [start, end) accepted (see _score), or None."""
        score = self._scores[text, frozenset(supports), named, blocked]
        if score is None:
            return None
        return _Accepted(text, score[0], score[1], score[2], start, end, odd_joins, score[3])

    @staticmethod
    def _supports(
        candidate: Candidate, message: _Message, surroundings: Surroundings | None = None
    ) -> set[Support]:
        around = surroundings or message.cues.around(candidate.start, candidate.end)
        supports: set[Support] = set()
        if around.supported:
            supports.add(Support.CUE)
        if message.tracking_context:
            supports.add(Support.CONTEXT)
        if message.first_word >= candidate.start and message.last_word < candidate.end:
            supports.add(Support.WHOLE)
        return supports

    def _typo(
        self, text: str, evaluations: Sequence[Evaluation]
    ) -> tuple[str, tuple[CarrierCandidate, ...], str] | None:
        """The format, carriers and reason of `text` as a near miss, or None."""
        for evaluation in evaluations:
            reason = evaluation.typo_reason
            if reason is not None:
                return evaluation.spec.key, _shared(evaluation.carriers()), reason
        if self._any_wrong_length is None:
            self._any_wrong_length = re.compile(
                "|".join(
                    f"(?:{spec.wrong_length.pattern})"
                    for spec in self._wrong_length
                    if spec.wrong_length is not None
                )
                or r"(?!)",
                re.ASCII,
            )
        if self._any_wrong_length.fullmatch(text) is None:
            return None
        for spec in self._wrong_length:
            if spec.wrong_length is not None and spec.wrong_length.fullmatch(text):
                return spec.key, _shared(spec.default_carriers), TYPO_LENGTH
        return None


def _shared(shares: Iterable[CarrierShare]) -> tuple[CarrierCandidate, ...]:
    return tuple(CarrierCandidate(share.carrier, round(share.share, 3)) for share in shares)


def _score(
    text: str,
    valid: Sequence[Evaluation],
    supports: set[Support] | frozenset[Support],
    named: frozenset[str],
    *,
    blocked: bool,
) -> _Score | None:
    """How an accepted `text` reads (its format, ranked carriers, checksum and top
    confidence), or None when no format it is valid in is supported enough."""
    scored: list[tuple[Evaluation, float | None]] = []
    for evaluation in valid:
        spec = evaluation.spec
        evidence = effective_evidence(spec.evidence, spec.has_checksum, len(text))
        own = set(supports)
        if named and spec.slugs & named:
            own.add(Support.CARRIER)
        score: float | None
        if evidence is not Evidence.DISTINCTIVE and blocked and Support.LINK not in own:
            score = None
        else:
            score = confidence(evidence, spec.has_checksum, own)
        scored.append((evaluation, score))
    best = max((score for _, score in scored if score is not None), default=None)
    if best is None:
        return None
    shares = [evaluation.carriers() for evaluation, _ in scored]
    any_named = bool(named) and any(share.carrier in named for own in shares for share in own)
    scores: dict[str, tuple[float, int]] = {}
    formats: dict[str, Evaluation] = {}
    order = 0
    for (evaluation, own_score), own_shares in zip(scored, shares, strict=True):
        if own_score is None and not evaluation.spec.has_checksum:
            continue
        # A format that was not supported alone but whose check digit holds on the same digits
        # is another carrier the number may belong to: keep it, ranked low.
        score = own_score if own_score is not None else best * SHARED_MATHS
        for share in own_shares:
            if share.carrier in named:
                value = score
            else:
                value = score * share.share * (_NAMED_ELSEWHERE if any_named else 1.0)
            if share.carrier not in scores or value > scores[share.carrier][0]:
                scores[share.carrier] = (value, scores.get(share.carrier, (0.0, order))[1])
                formats[share.carrier] = evaluation
            order += 1
    carriers = _ranked(scores)
    top = formats[carriers[0].carrier]
    return (
        top.spec.key,
        carriers,
        "valid" if top.spec.has_checksum else "none",
        carriers[0].confidence,
    )


def _blank(upper: str, links: Sequence[Link]) -> str:
    if not links:
        return upper
    pieces = []
    position = 0
    for link in links:
        pieces.append(upper[position : link.start])
        pieces.append("\n" * (link.end - link.start))
        position = link.end
    pieces.append(upper[position:])
    return "".join(pieces)


def _choose(items: Sequence[_Accepted], taken: Sequence[_Accepted]) -> list[_Accepted]:
    """Longest match first (fewest odd joins before that), then confidence; no overlaps."""
    chosen: list[_Accepted] = []
    occupied = [(item.start, item.end) for item in taken]

    # A near miss on the check digit explains a string better than a wrong length does.
    def rank(item: _Accepted) -> tuple[int, bool, int, float, int]:
        return (
            item.odd_joins,
            item.reason == TYPO_LENGTH,
            -len(item.number),
            -item.top,
            item.start,
        )

    for item in sorted(items, key=rank):
        if any(item.start < end and start < item.end for start, end in occupied):
            continue
        chosen.append(item)
        occupied.append((item.start, item.end))
    return sorted(chosen, key=lambda item: item.start)


def _without_lists(items: list[_Accepted], scan: str) -> list[_Accepted]:
    """Drop matches that are several accepted numbers typed one after another.

    "3982597916 9074833784" is two DHL numbers, though the 20 digits also pass USPS 20's check
    (about one pair in five passes some 20-digit format): a list beats a longer join. Only parts
    typed as one unbroken group count, so an irregularly spaced long label stays whole.
    """

    if len(items) < 3:
        return items  # a list needs a whole and two parts

    def tiled(whole: _Accepted) -> bool:
        parts = sorted(
            (
                item
                for item in items
                if whole.start <= item.start
                and item.end <= whole.end
                and (item.start, item.end) != (whole.start, whole.end)
                and not _SEPARATOR_CHARS & set(scan[item.start : item.end])
            ),
            key=lambda item: item.start,
        )
        reach = {whole.start: 0}  # where a chain of parts (and the separators after) ends
        for part in parts:
            if part.start in reach:
                end = part.end
                while end < whole.end and scan[end] in _SEPARATOR_CHARS:
                    end += 1
                reach[end] = max(reach.get(end, 0), reach[part.start] + 1)
        return reach.get(whole.end, 0) >= 2

    return [item for item in items if not tiled(item)]


def _first_occurrences(items: Iterable[_Accepted]) -> list[_Accepted]:
    seen: set[str] = set()
    unique = []
    for item in items:
        if item.number not in seen:
            seen.add(item.number)
            unique.append(item)
    return unique


def load_detector(data: Traversable | None = None) -> NumberDetector:
    """A detector over the specs shipped in `carriers/data` (or another copy of that layout).

    Raises SpecInvalid when the data is unreadable or inconsistent.
    """
    root = data if data is not None else files("carriers") / "data"
    normaliser = Normaliser()
    own = root / OWN_DIRECTORY
    try:
        lexicon = Lexicon.from_json(json.loads((own / "cues.json").read_text("utf-8")), normaliser)
        links = LinkReader.from_json(json.loads((own / "links.json").read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SpecInvalid(f"context data: {exc}") from exc
    return NumberDetector(load_formats(root), lexicon, links, normaliser)


__all__ = [
    "CarrierCandidate",
    "Detection",
    "FoundNumber",
    "LikelyTypo",
    "NumberDetector",
    "load_detector",
]
