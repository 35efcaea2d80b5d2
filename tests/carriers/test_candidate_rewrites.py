"""The detector's per-message steps written for speed must find exactly what their plain forms
find: candidates (atoms as tuples, the cut rules inlined), look-alike spans (gates asked once by
their place), and Latin-script cue phrases (the phrase looked up before its separators are
checked)."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from carriers.numbers.candidates import MAX_LENGTH, MIN_LENGTH, candidates
from carriers.numbers.cues import _BETWEEN_WORDS, _WORD, Cue, Lexicon
from carriers.numbers.detector import (
    NOTHING,
    Detection,
    NumberDetector,
    _Accepted,
    _Message,
    _Spans,
    load_detector,
)
from carriers.numbers.lookalikes import (
    _CARD_CANDIDATE,
    _IBAN_CANDIDATE,
    _PATTERNS,
    Lookalike,
    _iban_valid,
    _luhn_valid,
    lookalike_spans,
)

PIECES = ["LX", "1Z", "123", "4567", "89", "0", "CN", "A", "AB", "JJD", "NO", "WORD", "numberLP"]
PIECES += ["K3XP", "YFDN", " ", "  ", "-", " - ", ".", "#", "单号", "e", "19", "2024", "+", "@"]
PIECES += ["$", "USD", "(", ")", "GB", "DE", "4111", "12-31", "SW1A 1AA", "K1A 0B1", ", 90210"]


def texts(seed: int, count: int = 4000) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 14)))


@dataclass
class Atom:
    start: int
    end: int
    text: str
    digits: bool
    group: int
    group_letters: int


def plain_candidates(upper: str, cased: str) -> list[tuple[str, int, int, int]]:
    """candidates() as first written: an object per atom, one function per rule."""
    run = re.compile(
        r"[A-Z0-9](?=[A-Z0-9 .\-]{7})"
        r"[A-Z0-9]*(?:(?:-|[ .\-]{1,3}(?![A-Z]{3,}(?![A-Z0-9])))[A-Z0-9]+)*"
    )
    found: list[tuple[str, int, int, int]] = []
    for match in run.finditer(upper):
        start, end = match.span()
        if end - start < MIN_LENGTH or not re.search("[0-9]", upper[start:end]):
            continue
        for atoms in plain_stretches(upper, cased, start, end):
            for first, head in enumerate(atoms):
                if may_start(atoms, first, head):
                    found.extend(plain_from(upper, atoms, first, head))
    return found


def plain_stretches(upper: str, cased: str, start: int, end: int) -> Iterator[list[Atom]]:
    atoms: list[Atom] = []
    for index, group in enumerate(re.compile("[A-Z0-9]+").finditer(upper, start, end)):
        text = group.group()
        if len(text) > 60:
            if atoms:
                yield atoms
            atoms = []
            continue
        letters = len(text) if text.isalpha() else 0
        for atom in re.finditer("[0-9]+|[A-Z]+", text):
            a, b = group.start() + atom.start(), group.start() + atom.end()
            if atom.group()[0].isdigit():
                atoms.append(Atom(a, b, atom.group(), True, index, letters))
                continue
            piece = a
            for turn in re.finditer("[a-z](?=[A-Z])", cased[a:b]):
                atoms.append(
                    Atom(
                        piece, a + turn.end(), upper[piece : a + turn.end()], False, index, letters
                    )
                )
                piece = a + turn.end()
            atoms.append(Atom(piece, b, upper[piece:b], False, index, letters))
    if atoms:
        yield atoms


def may_cut(atoms: list[Atom], outside: int, inside: Atom) -> bool:
    if outside < 0 or outside >= len(atoms) or atoms[outside].group != inside.group:
        return True
    return len(atoms[outside].text) >= 2


def may_start(atoms: list[Atom], first: int, head: Atom) -> bool:
    if head.group_letters > 6 or not may_cut(atoms, first - 1, head):
        return False
    if head.group_letters < 3:
        return True
    return (
        first + 1 < len(atoms) and atoms[first + 1].digits and atoms[first + 1].group != head.group
    )


def plain_from(
    upper: str, atoms: list[Atom], first: int, head: Atom
) -> Iterator[tuple[str, int, int, int]]:
    parts: list[str] = []
    length = digits = odd = 0
    previous: Atom | None = None
    for last in range(first, len(atoms)):
        atom = atoms[last]
        if previous is not None and atom.group != previous.group:
            if atom.group_letters >= 3:
                after_dash = upper[previous.end : atom.start] == "-"
                dashes_go_on = (
                    last + 1 < len(atoms) and upper[atom.end : atoms[last + 1].start] == "-"
                )
                if not after_dash or dashes_go_on:
                    break
            if (
                not previous.digits
                and not atom.digits
                and max(len(previous.text), len(atom.text)) >= 2
            ):
                odd += 1
        length += len(atom.text)
        if length > MAX_LENGTH:
            break
        parts.append(atom.text)
        digits += len(atom.text) if atom.digits else 0
        previous = atom
        if length >= MIN_LENGTH and digits >= 1 and may_cut(atoms, last + 1, atom):
            text = "".join(parts)
            yield text, head.start, atom.end, odd
            before = atoms[last - 1]
            if (
                last > first
                and atom.digits
                and len(atom.text) == 1
                and atom.group != before.group
                and upper[before.end : atom.start].strip() == "-"
            ):
                yield text[:-1] + "-" + text[-1], head.start, atom.end, odd


def test_candidates_are_what_the_plain_form_finds() -> None:
    for text in texts(seed=1):
        upper = text.upper()
        found = [(c.text, c.start, c.end, c.odd_joins) for c in candidates(upper, text, 10_000)]
        assert found == plain_candidates(upper, text), text


def plain_lookalikes(upper: str) -> list[tuple[int, int, Lookalike]]:
    """Every look-alike pattern searched, no gate asked."""
    spans = []
    for kind, source, _ in _PATTERNS:
        pattern = re.compile(source)
        for match in pattern.finditer(upper):
            group = 1 if kind is Lookalike.POSTCODE and pattern.groups == 1 else 0
            spans.append((match.start(group), match.end(group), kind))
    for match in _IBAN_CANDIDATE.finditer(upper):
        compact = match.group().replace(" ", "")
        if 15 <= len(compact) <= 34 and _iban_valid(compact):
            spans.append((match.start(), match.end(), Lookalike.IBAN))
    for match in _CARD_CANDIDATE.finditer(upper):
        if _luhn_valid(re.sub(r"[ \-]", "", match.group())):
            spans.append((match.start(), match.end(), Lookalike.CARD))
    return spans


def test_gated_lookalikes_are_every_pattern_searched() -> None:
    for text in texts(seed=2):
        upper = text.upper()
        found = [(span.start, span.end, span.kind) for span in lookalike_spans(upper)]
        assert found == plain_lookalikes(upper), text


def plain_word_cues(lexicon: Lexicon, folded: str) -> list[tuple[int, int, Cue]]:
    """Latin-script cue phrases as first matched: at each word no phrase found covers, the
    longest phrase whose words are separated by spaces or dashes alone."""
    words = list(_WORD.finditer(folded))
    hits = []
    index = 0
    while index < len(words):
        for size in range(len(words) - index, 0, -1):
            group = words[index : index + size]
            separated = all(
                _BETWEEN_WORDS.fullmatch(folded, a.end(), b.start())
                for a, b in itertools.pairwise(group)
            )
            cue = lexicon._words.get(tuple(word.group() for word in group))
            if separated and cue is not None:
                hits.append((group[0].start(), group[-1].end(), cue))
                index += size
                break
        else:
            index += 1
    return hits


def test_cue_phrases_are_what_the_plain_form_finds() -> None:
    lexicon = load_detector()._lexicon
    phrases = [" ".join(words) for words in lexicon._words] + list(lexicon._scripts)
    rng = random.Random(3)
    pieces = [*phrases, " ", "-", " , ", "x", "1234", "no", "of", "#"]
    for _ in range(3000):
        folded = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 10)))
        script = [
            (match.start(), match.end(), lexicon._scripts[_BETWEEN_WORDS.sub(" ", match.group())])
            for match in lexicon._script_pattern.finditer(folded)
        ]
        expected = sorted(script + plain_word_cues(lexicon, folded), key=lambda hit: hit[0])
        found = [(hit.start, hit.end, hit.cue) for hit in lexicon.index(folded)._hits]
        assert found == expected, folded


def test_a_message_without_a_candidate_or_link_is_nothing_found() -> None:
    detector = load_detector()
    for text in ("order 1042", "call me at 5 pm", "123 ４５６", "单号 12-34"):
        assert detector.detect(text) == Detection() == NOTHING
    assert detector.detect("order 1042 https://t.17track.net/en#nums=LX123456785CN") != NOTHING


def judged_after_vetoing(detector: NumberDetector, text: str) -> tuple[list[str], list[str]]:
    """What the detector accepts and reads as near misses when the candidates touching a
    look-alike are dropped before any is judged, as they first were."""
    normalised = detector._normaliser.normalise(text)
    scan = normalised.upper
    message = _Message(normalised, detector._lexicon, _Spans(()), 0, len(scan) - 1, False)
    vetoed = _Spans((span.start, span.end) for span in lookalike_spans(scan))
    accepted: list[_Accepted] = []
    typos: list[_Accepted] = []
    for candidate in candidates(scan, normalised.cased, 10_000):
        if not vetoed.touches(candidate.start, candidate.end):
            detector._judge(candidate, message, accepted, typos)
    return [item.number for item in accepted], [item.number for item in typos]


def test_judging_before_looking_for_lookalikes_finds_what_vetoing_first_does() -> None:
    detector = load_detector()
    rng = random.Random(9)
    pieces = ["LX123456785CN", "1Z5R89390512345670", "+44 20 7946 0958", "2024-05-01", "$129.99"]
    pieces += ["4111 1111 1111 1111", "9400111899223197428490", "DE89370400440532013000"]
    pieces += ["12345", " ", " tracking ", " call ", "#1042", "9405 5931 8759 0217 5916 00"]
    for _ in range(1500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 6)))
        normalised = detector._normaliser.normalise(text)
        message = _Message(normalised, detector._lexicon, _Spans(()), 0, len(text) - 1, False)
        found = list(candidates(normalised.upper, normalised.cased, 10_000))
        accepted: list[_Accepted] = []
        typos = detector._judge_all(found, normalised.upper, message, accepted)
        expected = judged_after_vetoing(detector, text)
        assert ([item.number for item in accepted], [item.number for item in typos]) == expected


def test_candidates_stop_at_the_limit_as_the_first_ones_of_all() -> None:
    for text in texts(seed=10, count=500):
        upper = text.upper()
        every = candidates(upper, text, 10_000)
        for limit in (1, 2, 5):
            assert candidates(upper, text, limit) == every[:limit], text
