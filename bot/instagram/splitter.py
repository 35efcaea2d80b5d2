"""Splits a long reply into parts that each fit Instagram's 1000-byte text limit."""

from __future__ import annotations

import re
from collections.abc import Callable

import regex

TEXT_LIMIT_BYTES = 1000
"""Instagram rejects a text message longer than this many UTF-8 bytes (not characters)."""

_MIN_LIMIT = 4  # the longest UTF-8 encoding of one code point; below it no split can succeed

# A sentence ends with Latin punctuation followed by whitespace, or with a CJK/Arabic/Devanagari
# terminator (these scripts put no space after it). Abbreviations like "No. 5" may be cut there,
# which only matters for a line that is too long anyway.
_SENTENCE = re.compile(
    r".*?(?:[.!?…]+[\"'”’»)\]]*\s+|[。！？!?؟۔।]+[」』”’\")\]]*\s*|\Z)",
    re.DOTALL,
)
_WORD = re.compile(r"\S*\s*")
_GRAPHEME = regex.compile(r"\X")


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _sentences(text: str) -> list[str]:
    return _SENTENCE.findall(text)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _graphemes(text: str) -> list[str]:
    return _GRAPHEME.findall(text)


def _code_points(text: str) -> list[str]:
    return list(text)


# From the most natural boundary to the last resort. Each splitter keeps the separators, so the
# pieces concatenate back to their input exactly.
_LEVELS: tuple[Callable[[str], list[str]], ...] = (
    _lines,
    _sentences,
    _words,
    _graphemes,
    _code_points,
)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Split `text` into parts of at most `limit` UTF-8 bytes each, in order.

    Parts are packed greedily and cut at the most natural boundary that works: between lines,
    else between sentences, else between words, else between user-perceived characters
    (grapheme clusters, so an emoji ZWJ sequence, a flag or a letter with its combining marks
    stays whole), and only for a single grapheme longer than `limit` between code points. A
    string is never cut inside a UTF-8 sequence. Whitespace at each cut and around each part is
    dropped, and blank parts are not returned: `split_text("  ")` is `[]`.

    Raises ValueError when `limit` is below 4 bytes, too small to hold any character.
    """
    if limit < _MIN_LIMIT:
        raise ValueError(f"limit must be at least {_MIN_LIMIT} bytes, got {limit}")
    parts: list[str] = []
    current: list[str] = []
    current_bytes = 0
    # A stack of (piece, level) still to place. A piece too big for any part is replaced by its
    # pieces at the next, finer level; the part before it is closed first, so that the cut which
    # separates them stays at the coarser, more natural boundary.
    pending = [(piece, 0) for piece in reversed(_lines(text))]
    while pending:
        piece, level = pending.pop()
        if not current:
            piece = piece.lstrip()
            if not piece:
                continue
        visible = _size(piece.rstrip())
        if visible > limit:
            if current:
                parts.append("".join(current).strip())
                current, current_bytes = [], 0
            # A code point is at most 4 bytes and limit >= 4, so the finest level always fits.
            finer = _LEVELS[level + 1](piece)
            pending.extend((sub, level + 1) for sub in reversed(finer) if sub)
        elif current_bytes + visible <= limit:
            current.append(piece)
            current_bytes += _size(piece)
        else:
            parts.append("".join(current).strip())
            current, current_bytes = [], 0
            pending.append((piece, level))
    if current:
        parts.append("".join(current).strip())
    return [part for part in parts if part]


__all__ = ["TEXT_LIMIT_BYTES", "split_text"]
