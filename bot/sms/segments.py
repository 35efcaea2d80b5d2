"""SMS segments: how many parts a text is sent (and billed) as, in GSM-7 or UCS-2.

A text whose every character is in the GSM 03.38 basic set or its extension table goes as
GSM-7: 160 septets in one segment, 153 per segment once split (the rest carries the
concatenation header); an extension character (€ [ ] { } \\ ^ ~ | and form feed) takes two
septets, and the pair is never split across segments. Any other character makes the whole text
UCS-2: 70 UTF-16 code units in one segment, 67 per segment once split; a character outside the
Basic Multilingual Plane (most emoji) takes two units and is never split. docs/sms.md, Segments.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION: Final = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
MAX_SEGMENTS: Final = 3
"""Never more than this many segments per update (the issue's limit; each is billed)."""


class Encoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True, slots=True)
class Segments:
    """How a text goes: its encoding, its length in that encoding's units, its segments."""

    encoding: Encoding
    units: int
    count: int


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


# Lookalikes a Latin-script text may use to stay GSM-7 (what Twilio calls Smart Encoding).
_LOOKALIKES: Final = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u2013": "-",
    "\u2014": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u00ab": '"',
    "\u00bb": '"',
}


def gsm7_lookalike(text: str) -> str | None:
    """`text` with accents the GSM-7 set lacks dropped (á → a, ã → a, ê → e) and typographic
    punctuation made plain, when that makes all of it GSM-7; None when it cannot (Arabic,
    Chinese, emoji). Characters GSM-7 has (é, ü, ñ, à, Ç) are kept as they are."""
    out: list[str] = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(char)
            continue
        plain = _LOOKALIKES.get(char)
        if plain is None:
            base = unicodedata.normalize("NFD", char)[0]
            plain = base if base != char and base in GSM7_BASIC else None
        if plain is None:
            return None
        out.append(plain)
    return "".join(out)


def _widths(text: str, encoding: Encoding) -> list[int]:
    """Each character's width in units: septets for GSM-7, UTF-16 code units for UCS-2."""
    if encoding is Encoding.GSM7:
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _pack(widths: list[int], part: int) -> int:
    """Segments needed when no character may be split between two of them."""
    count, used = 1, 0
    for width in widths:
        if used + width > part:
            count, used = count + 1, 0
        used += width
    return count


def count(text: str) -> Segments:
    """The encoding, length and segment count of `text` (an empty text is one segment)."""
    encoding = Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2
    widths = _widths(text, encoding)
    units = sum(widths)
    single, part = (
        (GSM7_SINGLE, GSM7_PART) if encoding is Encoding.GSM7 else (UCS2_SINGLE, UCS2_PART)
    )
    segments = 1 if units <= single else _pack(widths, part)
    return Segments(encoding, units, segments)


def truncate(text: str, segments: int, ellipsis: str = "…") -> str:
    """`text` cut (ending in `ellipsis`) so that it fits in `segments` segments.

    Cutting can only keep or narrow the encoding, never widen it, except through the ellipsis:
    a GSM-7 text is cut with "..." so that it stays GSM-7.
    """
    if count(text).count <= segments:
        return text
    mark = ellipsis if not is_gsm7(text) or is_gsm7(ellipsis) else "..."
    low, high = 0, len(text)
    while low < high:  # the longest prefix that still fits with the mark
        middle = (low + high + 1) // 2
        if count(text[:middle].rstrip() + mark).count <= segments:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + mark


__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "MAX_SEGMENTS",
    "Encoding",
    "Segments",
    "count",
    "gsm7_lookalike",
    "is_gsm7",
    "truncate",
]
