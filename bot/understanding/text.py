"""Text folding for matching: offsets kept for spans, accents and case folded for lexicons."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from carriers.numbers.text import plain

# Dashes NFKC leaves alone (docs/tracking-number-formats.md, Characters); all become "-" so patterns
# see one form.
DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
ARABIC_LETTER_FOLDS = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ؤ": "و",
    "ئ": "ي",
}
ARABIC_PUNCTUATION = {"،": ",", "؛": ";", "؟": "?"}
TATWEEL = "\u0640"
# Elided French/Italian-style articles keep a word boundary ("l'adresse"); other apostrophes
# join ("where's" -> "wheres") because buyers drop them as often as they type them.
ELISION = re.compile(r"\b(qu|[cdjlmnst])'(?=\w)")
APOSTROPHES = re.compile(r"[’'`´ʼ]")
# A word: a run of letters; anything else (\W, digits and "_") separates words.
LETTERS = re.compile(r"[^\W\d_]+")
# The CJK unified ideographs (is_han), as a character class.
HAN_CLASS = "[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002fa1f]"


@dataclass(frozen=True, slots=True)
class MappedText:
    """A working copy of a text with, for each of its characters, the offset it came from."""

    text: str
    offsets: Sequence[int]
    source_length: int

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The span in the original text covering working-text characters [start, end)."""
        if start >= end:
            at = self.offsets[start] if start < len(self.offsets) else self.source_length
            return at, at
        return self.offsets[start], self.offsets[end - 1] + 1


def fold_char(char: str) -> str:
    """One character folded for matching, always to zero or one character so offsets hold.

    Invisible format marks vanish, every Unicode digit becomes ASCII, full-width forms become
    ASCII, Unicode spaces and dashes become " " and "-", letters lose case and accents.
    """
    if char < "\x80":
        return " " if char in "\t\r\n\v\f" else char.lower()
    category = unicodedata.category(char)
    if category == "Cf":
        return ""
    if category == "Nd":
        return str(unicodedata.decimal(char))
    if category == "Zs" or char in "\t\r\n\v\f":
        return " "
    if char in DASHES:
        return "-"
    code = ord(char)
    if 0xFF01 <= code <= 0xFF5E:
        char = chr(code - 0xFEE0)
    if char in ARABIC_LETTER_FOLDS:
        return ARABIC_LETTER_FOLDS[char]
    if char in ARABIC_PUNCTUATION:
        return ARABIC_PUNCTUATION[char]
    if char == TATWEEL or category == "Mn":
        return ""
    lowered = char.lower()
    if len(lowered) != 1:
        return char
    decomposed = unicodedata.normalize("NFD", lowered)
    return decomposed[0] if decomposed else lowered


class _FoldTable(dict[int, str]):
    """fold_char as a `str.translate` table, filled the first time each character is seen.

    Filling lazily keeps start-up free of a scan over Unicode (`wismo parse` reads one message);
    a long-running process soon holds every character its buyers write, and translating a
    message is then one C-level pass.
    """

    def __missing__(self, code: int) -> str:
        if len(self) >= MAX_TABLE_ENTRIES:
            self.clear()  # bounded: a stream of every code point cannot grow it without end
        folded = self[code] = fold_char(chr(code))
        return folded


# Far more characters than any set of buyers writes, and a few MB at most.
MAX_TABLE_ENTRIES = 1 << 16
_FOLD = _FoldTable()


def map_text(text: str) -> MappedText:
    """Fold every character of `text` (see fold_char) and remember where each one came from."""
    # fold_char keeps every plain character but for an ASCII letter's case (checked by
    # tests/understanding/test_text.py).
    return mapped(text, text.lower() if plain(text) else text.translate(_FOLD))


def mapped(text: str, folded: str) -> MappedText:
    """`text` folded as `folded` (what map_text or fold make of it), with where each folded
    character came from."""
    if len(folded) == len(text):
        # Every character folds to exactly one: offsets are the identity.
        return MappedText(folded, range(len(text)), len(text))
    offsets = [index for index, char in enumerate(text) if _FOLD[ord(char)]]
    return MappedText(folded, offsets, len(text))


def fold(text: str) -> str:
    """`text` folded for lexicon matching, without offsets (see fold_char). A message's plain
    text (carriers.numbers.text.plain) folds by str.lower() alone, as the parser does."""
    return text.translate(_FOLD)


def words(folded: str) -> list[str]:
    """The words of an already folded text: letters only, apostrophes resolved, digits dropped."""
    resolved = (
        APOSTROPHES.sub("", ELISION.sub(r"\1 ", APOSTROPHES.sub("'", folded)))
        if APOSTROPHES.search(folded)
        else folded
    )
    return LETTERS.findall(resolved)


@functools.cache
def wide_class(source: str) -> re.Pattern[str]:
    """A character class over wide ranges of code points (HAN_CLASS), compiled the first time
    a text outside ASCII needs it: the regex compiler marks every code point of such a range
    one by one, ~4 ms for the Chinese ones, which an ASCII message would pay for nothing."""
    return re.compile(source)


def han_characters(text: str) -> list[str]:
    """The Chinese characters of `text`, in order."""
    return wide_class(HAN_CLASS).findall(text) if not text.isascii() else []


def has_han(text: str) -> bool:
    """Whether `text` holds a Chinese character."""
    return not text.isascii() and wide_class(HAN_CLASS).search(text) is not None


def is_han(char: str) -> bool:
    """True for a CJK unified ideograph (the characters Chinese is written in)."""
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2FA1F


def is_arabic_letter(char: str) -> bool:
    code = ord(char)
    return (0x0620 <= code <= 0x064A or 0x066E <= code <= 0x06D3 or 0x06FA <= code <= 0x06FF) and (
        unicodedata.category(char) == "Lo"
    )


# is_arabic_letter as a character class, to find them in a whole text in one pass.
ARABIC_LETTER = re.compile(
    "[" + "".join(chr(code) for code in range(0x0620, 0x0700) if is_arabic_letter(chr(code))) + "]"
)


def has_letters(word: str) -> bool:
    return any(char.isalpha() for char in word)
