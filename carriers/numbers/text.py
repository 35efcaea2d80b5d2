"""Normalising chat text for number matching, keeping the way back to original offsets.

The traps handled are in docs/tracking-number-formats.md, Characters.

Three aligned views of one message are built with `str.translate` (every mapping is one character
to one character, or a deletion applied identically to all three), so an index into any view is an
index into the others, and `origin` maps it back to the buyer's text.
"""

from __future__ import annotations

import functools
import re
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


# Characters that every view, and the understanding's folding, keep as they are: printable
# ASCII (whose letters only change case), the Arabic letters no view folds, the pictographs and
# emoji, and the CJK ideographs (with the hexagram signs between their two blocks). A text of
# these alone is normalised and folded by str.upper() and str.lower(), C-level passes, instead
# of a translate table's look-up per character (for a text past ASCII, str.translate has no
# fast path). tests/carriers/test_plain_text.py checks every code point against the tables.
_PLAIN_BESIDE_CJK = (
    r"\x20-\x7e\u0621\u0627\u0628\u062a-\u063f\u0641-\u0648\u064a\U0001f300-\U0001faff"
)
_CJK_FIRST, _CJK_LAST = "\u3400", "\u9fff"
PLAIN_CHARACTERS = _PLAIN_BESIDE_CJK + r"\u3400-\u9fff"
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# How many texts with a CJK ideograph are checked by collecting their characters before the
# class with the ideographs is compiled: `wismo parse` reads one message, a service thousands.
CJK_TEXTS_BEFORE_COMPILING = 64


@functools.cache
def _not_plain_beside_cjk() -> re.Pattern[str]:
    return re.compile(f"[^{_PLAIN_BESIDE_CJK}]")


class _CjkCheck:
    """Whether a text is plain from its first CJK ideograph on. The class with the ideographs
    takes the compiler ~3 ms (0.4 ms without them), so the first texts are checked by collecting
    the characters the smaller class does not take, and the full class is compiled only once a
    process has met CJK_TEXTS_BEFORE_COMPILING of them. Either way gives the same answer."""

    def __init__(self) -> None:
        self._checked = 0
        self._pattern: re.Pattern[str] | None = None

    def plain_from(self, text: str, start: int) -> bool:
        if self._pattern is None:
            self._checked += 1
            if self._checked <= CJK_TEXTS_BEFORE_COMPILING:
                rest = "".join(_not_plain_beside_cjk().findall(text, start))
                return min(rest) >= _CJK_FIRST and max(rest) <= _CJK_LAST
            self._pattern = re.compile(f"[^{PLAIN_CHARACTERS}]")
        return self._pattern.search(text, start) is None


_CJK = _CjkCheck()


def plain(text: str) -> bool:
    """Whether every character of `text` is in PLAIN_CHARACTERS."""
    if text.isascii():
        return _ASCII_CONTROL.search(text) is None
    found = _not_plain_beside_cjk().search(text)
    if found is None:
        return True
    if not _CJK_FIRST <= found.group() <= _CJK_LAST:
        return False
    return _CJK.plain_from(text, found.start())


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


_Views = tuple[str | None, str | None, str | None]
_UPPER, _CASED, _FOLDED = 0, 1, 2
# Far more characters than any set of buyers writes; a table this full is emptied and refilled.
MAX_TABLE_ENTRIES = 1 << 16


# Blanks, line breaks and dashes take one ASCII form in every view.
_FORMS: dict[int, _Views] = {
    **{ord(char): (" ", " ", " ") for char in _BLANKS},
    **{ord(char): ("\n", "\n", "\n") for char in _LINE_BREAKS},
    **{ord(char): ("-", "-", "-") for char in _DASHES},
}


def _views(code: int) -> _Views:
    """What one code point becomes in the upper, cased and folded views (None: removed)."""
    form = _FORMS.get(code)
    if form is not None:
        return form
    char = chr(code)
    if code in _FULL_WIDTH:
        char = chr(code - 0xFEE0)
        return char.upper(), char, char.lower()
    if code < 0x80:
        return char.upper(), char, char.lower()
    if any(code in block for block in _SCANNED):
        return _unicode_views(char)
    return char, char, char


def _unicode_views(char: str) -> _Views:
    """_views of a character past ASCII: format characters removed, digits as ASCII, spaces as
    " ", Latin letters with their ASCII base in upper and cased, letters folded."""
    category = unicodedata.category(char)
    if category == "Cf":
        return None, None, None
    if category == "Nd":
        digit = str(unicodedata.decimal(char))
        return digit, digit, digit
    if category == "Zs":
        return " ", " ", " "
    if category[0] != "L":
        return char, char, char
    base = unicodedata.normalize("NFD", char)[0]
    if base.isascii() and base.isalpha():
        # "não", "número": the word stays one word instead of leaving an ASCII stub ("N")
        # that could be glued onto a number.
        return base.upper(), base, _fold_letter(char)
    return char, char, _fold_letter(char)


class _Table(dict[int, str | None]):
    """One view's `str.translate` table, filled the first time each character is seen.

    Filling lazily keeps start-up free of a scan over Unicode (`wismo parse` reads one message,
    and the scan took longer than the rest of loading the detector); a running process soon
    holds every character its buyers write, and normalising is then C-speed.
    """

    def __init__(self, view: int) -> None:
        super().__init__()
        self._view = view

    def __missing__(self, code: int) -> str | None:
        if len(self) >= MAX_TABLE_ENTRIES:
            self.clear()  # bounded: a stream of every code point cannot grow it without end
        mapped = self[code] = _views(code)[self._view]
        return mapped


class Normaliser:
    """The three views' translation tables, filled as characters are first seen."""

    def __init__(self) -> None:
        self._upper = _Table(_UPPER)
        self._cased = _Table(_CASED)
        self._folded = _Table(_FOLDED)

    def fold(self, text: str) -> str:
        """`normalise(text).folded` alone (lower case, accents stripped), without the other
        views."""
        return text.translate(self._folded)

    def normalise(self, text: str) -> NormalisedText:
        if plain(text):
            # Every view keeps each character, only changing the case of ASCII letters.
            return NormalisedText(
                original=text,
                upper=text.upper(),
                cased=text,
                origin=range(len(text)),
                _folding=self._folded,
                _folded=text.lower(),
            )
        upper = text.translate(self._upper)
        origin: Sequence[int]
        if len(upper) == len(text):
            origin = range(len(text))
        else:
            table = self._upper  # a removed character is removed from every view
            origin = [index for index, char in enumerate(text) if table[ord(char)] is not None]
        return NormalisedText(
            original=text,
            upper=upper,
            cased=text.translate(self._cased),
            origin=origin,
            _folding=self._folded,
        )
