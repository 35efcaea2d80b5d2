"""Normalising chat text for number matching, keeping the way back to original offsets.

The traps handled are in docs/tracking-number-formats.md, Characters.

Three aligned views of one message are built with `str.translate` (every mapping is one character
to one character, or a deletion applied identically to all three), so an index into any view is an
index into the others, and `origin` maps it back to the buyer's text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Planes 0 and 1 hold every decimal digit and format character in use; U+E0000… are the tag
# characters inside emoji flag sequences.
_SCANNED = (range(0x20000), range(0xE0000, 0xE0080))
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
_LINE_BREAKS = "\r\x85\u2028\u2029"
_BLANKS = "\t\x0b\x0c"
_FULL_WIDTH = range(0xFF01, 0xFF5F)
_ARABIC_ALEFS = {"\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627", "\u0671": "\u0627"}


@dataclass(slots=True)
class NormalisedText:
    """One message in three aligned views.

    `upper`: letters upper-cased (accented Latin letters as their ASCII base), every decimal
    digit as ASCII, full-width forms as ASCII,
    spaces as " ", dashes as "-", line breaks as "\\n", invisible format characters removed.
    `cased`: the same with letter case kept (URLs are case-sensitive). `folded`: the same in lower
    case with Latin accents and Arabic hamza seats stripped, for matching words; only cue words
    are matched on it, so it is made the first time it is read.
    """

    original: str
    upper: str
    cased: str
    origin: Sequence[int]
    _folding: Mapping[int, str | None] = field(repr=False, compare=False)
    _folded: str | None = field(default=None, repr=False, compare=False)

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = self.original.translate(self._folding)
        return self._folded

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span in the original text covering normalised characters `start:end`."""
        if start >= end:
            position = self.origin[start] if start < len(self.origin) else len(self.original)
            return position, position
        return self.origin[start], self.origin[end - 1] + 1


def _fold_letter(char: str) -> str:
    if char in _ARABIC_ALEFS:
        return _ARABIC_ALEFS[char]
    base = unicodedata.normalize("NFD", char)[0]
    lower = base.lower()
    return lower if len(lower) == 1 else base


_Table = dict[int, str | None]


def _scan_unicode(upper: _Table, cased: _Table, folded: _Table) -> set[int]:
    """Fill the tables from the scanned Unicode blocks; the code points to delete."""
    deleted: set[int] = set()
    for block in _SCANNED:
        for code in block:
            char = chr(code)
            category = unicodedata.category(char)
            if category == "Cf":
                deleted.add(code)
            elif category == "Nd" and code > 0x7F:
                digit = str(unicodedata.decimal(char))
                upper[code] = cased[code] = folded[code] = digit
            elif category == "Zs" and char != " ":
                upper[code] = cased[code] = folded[code] = " "
            elif category[0] == "L" and code > 0x7F and code not in _FULL_WIDTH:
                _add_letter(code, char, upper, cased, folded)
    for code in deleted:
        upper[code] = cased[code] = folded[code] = None
    return deleted


def _add_letter(code: int, char: str, upper: _Table, cased: _Table, folded: _Table) -> None:
    fold = _fold_letter(char)
    if fold != char:
        folded[code] = fold
    base = unicodedata.normalize("NFD", char)[0]
    if base.isascii() and base.isalpha():
        # "não", "número": the word stays one word instead of leaving an ASCII
        # stub ("N") that could be glued onto a number.
        upper[code] = base.upper()
        cased[code] = base


def _add_ascii_forms(upper: _Table, cased: _Table, folded: _Table) -> None:
    """Blanks, line breaks and dashes as one ASCII form; full-width forms and letters as ASCII."""
    for char in _BLANKS:
        upper[ord(char)] = cased[ord(char)] = folded[ord(char)] = " "
    for char in _LINE_BREAKS:
        upper[ord(char)] = cased[ord(char)] = folded[ord(char)] = "\n"
    for char in _DASHES:
        upper[ord(char)] = cased[ord(char)] = folded[ord(char)] = "-"
    for code in _FULL_WIDTH:
        if code in upper:
            continue
        ascii_char = chr(code - 0xFEE0)
        upper[code] = ascii_char.upper()
        cased[code] = ascii_char
        folded[code] = ascii_char.lower()
    for code in range(ord("a"), ord("z") + 1):
        upper[code] = chr(code).upper()
        folded[code - 32] = chr(code)


class Normaliser:
    """Builds the translation tables once (about 20 ms); `normalise` is then C-speed."""

    def __init__(self) -> None:
        upper: _Table = {}
        cased: _Table = {}
        folded: _Table = {}
        deleted = _scan_unicode(upper, cased, folded)
        _add_ascii_forms(upper, cased, folded)
        self._upper = upper
        self._cased = cased
        self._folded = folded
        self._deleted = frozenset(deleted)

    def normalise(self, text: str) -> NormalisedText:
        upper = text.translate(self._upper)
        origin: Sequence[int]
        if len(upper) == len(text):
            origin = range(len(text))
        else:
            deleted = self._deleted
            origin = [index for index, char in enumerate(text) if ord(char) not in deleted]
        return NormalisedText(
            original=text,
            upper=upper,
            cased=text.translate(self._cased),
            origin=origin,
            _folding=self._folded,
        )
