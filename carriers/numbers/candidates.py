"""Candidate strings in normalised text: spaced, dashed and glued numbers, bounded.

See docs/tracking-number-formats.md, Characters and Boundaries.

A run is a stretch of letters and digits where groups are separated by at most three spaces,
dashes or dots. A candidate is a contiguous piece of a run that starts and ends at a group edge or
at a letter/digit transition inside a group ("NO.1Z…", "单号LP…" once CJK has broken the run),
with its separators removed. Candidates are at most `MAX_LENGTH` characters, so the work per
message grows linearly with its length: no regex ever sees an unbounded string.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

MIN_LENGTH = 8
MAX_LENGTH = 42  # the longest format (DHL eCommerce: 2 + 39) plus a little
_MAX_GROUP = 60  # longer groups are hashes or garbage, not a number with something glued on
_MAX_LEADING_WORD = 6  # "CNUSUP 0001…", "GFUS 0101…", "JJD 0002…"

# A run, cut before every word (a group of three letters or more after anything but a lone
# dash): no candidate reaches past a word (_candidates_from stops at one), so the words of a
# sentence are never cut into atoms, and a stretch of words without a digit is skipped whole.
# The lookahead skips, in the engine, every start with fewer than MIN_LENGTH run characters
# ahead (most runs are words): a run that long always passes it, so every such run is still
# matched whole; what else matches is shorter than MIN_LENGTH and skipped by `candidates`.
_RUN = re.compile(
    rf"[A-Z0-9](?=[A-Z0-9 .\-]{{{MIN_LENGTH - 1}}})"
    r"[A-Z0-9]*(?:(?:-|[ .\-]{1,3}(?![A-Z]{3,}(?![A-Z0-9])))[A-Z0-9]+)*"
)
_GROUP = re.compile(r"[A-Z0-9]+")
_ATOM = re.compile(r"[0-9]+|[A-Z]+")
_DIGIT = re.compile(r"[0-9]")
_CASE_TURN = re.compile(r"[a-z](?=[A-Z])")


@dataclass(slots=True)  # not frozen: a few per message, never changed, cheaper to make
class Candidate:
    """A possible number: its compact text and its span in the normalised message."""

    text: str
    start: int
    end: int
    odd_joins: int  # letter groups joined across a separator ("IN GM…"): fewer is likelier


# An atom: a run of digits or of letters inside a group, as a tuple (made by the thousand, so
# not an object with named fields): where it starts and ends, its text, whether it is digits,
# the index of its group in the run, and the length of that group if it is letters only, else 0.
_Atom = tuple[int, int, str, bool, int, int]
_START: Final = 0
_END: Final = 1
_TEXT: Final = 2
_DIGITS: Final = 3
_GROUP_INDEX: Final = 4
_GROUP_LETTERS: Final = 5


def _stretches(upper: str, cased: str, start: int, end: int) -> Iterator[list[_Atom]]:
    """The atoms of a run, in stretches that an overlong group (a hash, garbage) separates."""
    atoms: list[_Atom] = []
    for index, group in enumerate(_GROUP.finditer(upper, start, end)):
        text = group.group()
        if len(text) > _MAX_GROUP:
            if atoms:
                yield atoms
            atoms = []
        elif text.isdigit():  # one atom of digits: the common case, no need to cut it
            atoms.append((*group.span(), text, True, index, 0))
        else:
            _add_atoms(atoms, upper, cased, group, index)
    if atoms:
        yield atoms


def _add_atoms(
    atoms: list[_Atom], upper: str, cased: str, group: re.Match[str], index: int
) -> None:
    """The atoms of a group that is not all digits: its letters (cut where their case turns
    from lower to upper) and digits."""
    text = group.group()
    letters = len(text) if text.isalpha() else 0
    spans = [group.span()] if letters else [a.span() for a in _ATOM.finditer(upper, *group.span())]
    for atom_start, atom_end in spans:
        if upper[atom_start].isdigit():
            atoms.append((atom_start, atom_end, upper[atom_start:atom_end], True, index, letters))
        elif _CASE_TURN.search(cased, atom_start, atom_end) is None:  # one piece (most)
            atoms.append((atom_start, atom_end, upper[atom_start:atom_end], False, index, letters))
        else:
            for piece_start, piece_end in _case_pieces(cased, atom_start, atom_end):
                piece = upper[piece_start:piece_end]
                atoms.append((piece_start, piece_end, piece, False, index, letters))


def _case_pieces(cased: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Split letters where lower case turns upper ("numberLP"): a word glued to a prefix.

    A letter atom's characters in `cased` are ASCII letters (the normaliser maps every letter it
    upper-cases to A-Z to its ASCII base in both views), so the turn is [a-z][A-Z].
    """
    piece = start
    for turn in _CASE_TURN.finditer(cased, start, end):
        yield piece, turn.end()
        piece = turn.end()
    yield piece, end


def candidates(upper: str, cased: str, limit: int) -> list[Candidate]:
    """The first `limit` candidates in the normalised text (see the module docstring), in
    order: by run, by the atom they begin at, shortest first.

    `upper` is what is matched; `cased` is the same text with its letter case, aligned with it.
    The work stops once `limit` are found (a start's own candidates, a few tens at most, are
    made before the list is cut to `limit`).
    """
    found: list[Candidate] = []
    for run in _RUN.finditer(upper):
        start, end = run.span()
        # A candidate is a piece of one run: a run shorter than the shortest has none.
        if end - start < MIN_LENGTH or _DIGIT.search(upper, start, end) is None:
            continue  # every format has a digit (GLS Track-IDs have just one)
        for atoms in _stretches(upper, cased, start, end):
            for first in range(len(atoms)):
                if _may_start(atoms, first):
                    _add_candidates_from(upper, atoms, first, found)
                    if len(found) >= limit:
                        del found[limit:]
                        return found
    return found


def _may_cut(atoms: list[_Atom], outside: int, inside: _Atom) -> bool:
    """Whether a candidate may end at `inside` when atoms[outside] is the atom just beyond it.

    Cutting inside a group is for words glued to a number ("NO1Z…", "…谢谢" aside); a single
    glued character ("A60120172242323") says the whole group is one identifier.
    """
    if outside < 0 or outside >= len(atoms):
        return True
    beyond = atoms[outside]
    return beyond[_GROUP_INDEX] != inside[_GROUP_INDEX] or len(beyond[_TEXT]) >= 2


def _may_start(atoms: list[_Atom], first: int) -> bool:
    """Whether a candidate may begin at atoms[first]: a cut before it, and a leading word short
    enough, or followed by digits typed apart from it."""
    head = atoms[first]
    letters = head[_GROUP_LETTERS]
    if letters > _MAX_LEADING_WORD or not _may_cut(atoms, first - 1, head):
        return False
    if letters < 3:
        return True
    if first + 1 == len(atoms):
        return False
    after = atoms[first + 1]
    return after[_DIGITS] and after[_GROUP_INDEX] != head[_GROUP_INDEX]


def _add_candidates_from(
    upper: str, atoms: list[_Atom], first: int, found: list[Candidate]
) -> None:
    """The candidates beginning at atoms[first], shortest first, added to `found`."""
    start = atoms[first][_START]
    parts: list[str] = []
    length = digits = odd = 0
    previous: _Atom | None = None
    for last in range(first, len(atoms)):
        atom = atoms[last]
        text = atom[_TEXT]
        if previous is not None and atom[_GROUP_INDEX] != previous[_GROUP_INDEX]:
            if atom[_GROUP_LETTERS] >= 3 and _word(upper, atoms, last, previous):
                break  # a word: numbers are never typed with words inside
            # Letters meeting letters across a separator are usually two words ("IN GM…");
            # single spaced-out letters ("J J D 0 0 0…") are a number typed char by char.
            if (
                not (previous[_DIGITS] or atom[_DIGITS])
                and max(len(previous[_TEXT]), len(text)) >= 2
            ):
                odd += 1
        length += len(text)
        if length > MAX_LENGTH:
            break
        parts.append(text)
        if atom[_DIGITS]:
            digits += len(text)
        previous = atom
        if length >= MIN_LENGTH and digits and _may_cut(atoms, last + 1, atom):
            joined = "".join(parts)
            found.append(Candidate(joined, start, atom[_END], odd))
            if last > first and _dashed_last_digit(upper, atoms[last - 1], atom):
                # LaserShip's 18-character labels end in a literal "-1".
                found.append(Candidate(joined[:-1] + "-" + joined[-1], start, atom[_END], odd))


def _dashed_last_digit(upper: str, before: _Atom, atom: _Atom) -> bool:
    """Whether `atom` is one digit typed after a dash, apart from the atom `before` it."""
    return (
        atom[_DIGITS]
        and len(atom[_TEXT]) == 1
        and atom[_GROUP_INDEX] != before[_GROUP_INDEX]
        and upper[before[_END] : atom[_START]].strip() == "-"
    )


def _word(upper: str, atoms: list[_Atom], index: int, previous: _Atom) -> bool:
    """Whether the letter group at atoms[index] is a word rather than a group of a number.

    After a space it is a word; after a dash it is the last group of a dashed number
    ("K3XP-YFDN") unless the dashes go on ("K3XP-YFDN-QQ" is some other code).
    """
    atom = atoms[index]
    if upper[previous[_END] : atom[_START]] != "-":
        return True
    return index + 1 < len(atoms) and upper[atom[_END] : atoms[index + 1][_START]] == "-"
