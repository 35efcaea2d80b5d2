"""Order numbers in a buyer's message: after an order keyword, or in the store's own shapes."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.understanding.lexicon import Lexicon
from bot.understanding.text import MappedText, map_text, mapped

# Shopify-style "#1042" / "#SH-1042", a letter prefix with a dash ("SH-1042"), and Amazon's
# 3-7-7 order ids; stores replace these with WISMO_ORDER_NUMBER_PATTERNS.
DEFAULT_SHAPES: tuple[str, ...] = (
    r"#\s?(?P<number>[a-z]{0,4}-?[0-9]{3,12})",
    r"(?P<number>[a-z]{2,4}-[0-9]{3,8})",
    r"(?P<number>[0-9]{3}-[0-9]{7}-[0-9]{7})",
)
# A character each default shape needs (after folding): without it the shape is not searched.
DEFAULT_SHAPE_NEEDS = ("#", "-", "-")
# What may follow an order keyword: an optional "#", a short letter prefix, 3 to 12 digits.
KEYWORD_NUMBER = r"(?P<number>[0-9]{3}-[0-9]{7}-[0-9]{7}|[a-z]{0,4}-?[0-9]{3,12})"
BEFORE = r"(?<![a-z0-9])"
# Not followed by more of a number, a date ("2024-05-01") or a price ("129.99").
AFTER = r"(?![a-z0-9]|[-.,/][0-9])"
_DECIMAL = re.compile(r"\d")
_HASH_OR_SPACE = re.compile(r"[#\s]")
# How far before a "#" shape a tracking cue vetoes it ("tracking # 986578788855").
CUE_REACH = 24


@dataclass(frozen=True, slots=True)
class OrderNumber:
    """An order number as the store writes it (upper case, no "#" or spaces) and where it was."""

    number: str
    start: int
    end: int


class InvalidOrderPattern(ValueError):
    """A configured order-number pattern is not a valid regular expression."""


def normalise_order_number(raw: str) -> str:
    """Upper case, without "#", spaces or leading/trailing dashes; inner dashes are kept."""
    return _HASH_OR_SPACE.sub("", raw).strip("-").upper()


# A keyword's words are joined by this ("bestell nr" also matches "Bestell-Nr" and "bestellnr").
_BETWEEN_WORDS = r"[\s-]*"


def _any_of(entries: Iterable[str]) -> str:
    """A pattern matching where any of `entries` (joined as _alternation joins their words)
    begins, built as a trie: the engine follows one branch per character instead of trying every
    entry at every position. It matches at exactly the positions _alternation's does, though not
    always as far (an entry that is a prefix of another ends the match), so it only says whether
    and where some entry occurs."""
    trie: dict[str, dict[str, Any]] = {}
    for entry in {entry for entry in entries if entry}:
        node = trie
        for index, word in enumerate(entry.split()):
            for unit in ([_BETWEEN_WORDS] if index else []) + list(word):
                node = node.setdefault(unit, {})
        node[""] = {}  # an entry ends here: nothing after it needs to match
    return _trie_pattern(trie)


def _trie_pattern(node: dict[str, dict[str, Any]]) -> str:
    if "" in node:
        return ""
    branches = [
        (unit if unit == _BETWEEN_WORDS else re.escape(unit)) + _trie_pattern(child)
        for unit, child in sorted(node.items())
    ]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _alternation(entries: Iterable[str]) -> str:
    unique = sorted({entry for entry in entries if entry}, key=len, reverse=True)
    # "bestell nr" also matches "Bestell-Nr" and "bestellnr".
    return "|".join(r"[\s-]*".join(map(re.escape, entry.split())) for entry in unique)


class OrderNumberFinder:
    """Finds order numbers; keyword cues come from the lexicons, shapes from the store."""

    def __init__(self, lexicons: Sequence[Lexicon], shapes: Sequence[str] = DEFAULT_SHAPES):
        """Raises InvalidOrderPattern when a shape does not compile."""
        keywords = _alternation(entry for lexicon in lexicons for entry in lexicon.order_keywords)
        fillers = _alternation(entry for lexicon in lexicons for entry in lexicon.order_fillers)
        cues = _alternation(entry for lexicon in lexicons for entry in lexicon.tracking_cues)
        # The full keyword pattern and the cue pattern are compiled when a message first needs
        # them (most name no order keyword and hold no order-shaped number): `wismo parse`
        # reads one message.
        self._keyword_source = (
            rf"(?<![a-z])(?:{keywords})\.?(?:\s*(?:{fillers})\.?(?![a-z]))*\s*[:#]?\s*"
            rf"#?\s?{KEYWORD_NUMBER}{AFTER}"
        )
        # The keywords alone: a quick first search (the engine skips ahead by their first
        # letters), so most messages, which name no order keyword, skip the full pattern.
        self._any_keyword = re.compile(
            _any_of(entry for lexicon in lexicons for entry in lexicon.order_keywords) or r"(?!)"
        )
        self._shapes = tuple(self._compile_shape(shape) for shape in shapes)
        # The keyword number and the default shapes all hold [0-9]; a store's own shape might
        # match another script's digits, which only the check in _add sees.
        self._needs_ascii_digit = tuple(shapes) == DEFAULT_SHAPES
        # A store's own shapes are always searched.
        needs = DEFAULT_SHAPE_NEEDS if self._needs_ascii_digit else ("",) * len(self._shapes)
        self._shapes_needing = tuple(zip(self._shapes, needs, strict=True))
        self._cue_before_source = rf"(?:{cues})\s*(?:number|no|nr|num|n[º°]|[:#])?[\s.:#]*$"

    @functools.cached_property
    def _keyword(self) -> re.Pattern[str]:
        return re.compile(self._keyword_source)

    @functools.cached_property
    def _cue_before(self) -> re.Pattern[str]:
        return re.compile(self._cue_before_source, re.IGNORECASE)

    @staticmethod
    def _compile_shape(shape: str) -> re.Pattern[str]:
        try:
            return re.compile(rf"{BEFORE}(?:{shape}){AFTER}", re.IGNORECASE)
        except re.error as exc:
            raise InvalidOrderPattern(f"order number pattern {shape!r}: {exc}") from exc

    def find(self, text: str, folded: str | None = None) -> tuple[OrderNumber, ...]:
        """Every order number in `text`, in order of appearance, each once per position.

        `folded`: the caller's map_text(text).text (or fold(text)), when it has it already."""
        # Folding makes exactly the decimal digits (\d) ASCII, so without one there is nothing to
        # find for the default shapes, nor for any shape in an ASCII message (see _add).
        if (self._needs_ascii_digit or text.isascii()) and _DECIMAL.search(text) is None:
            return ()
        mapped_text = map_text(text) if folded is None else mapped(text, folded)
        found: dict[tuple[int, int], OrderNumber] = {}
        if self._any_keyword.search(mapped_text.text):
            for match in self._keyword.finditer(mapped_text.text):
                self._add(found, mapped_text, match)
        for shape, needed in self._shapes_needing:
            if needed not in mapped_text.text:
                continue
            for match in shape.finditer(mapped_text.text):
                reach = max(0, match.start() - CUE_REACH)
                if not self._cue_before.search(mapped_text.text, reach, match.start()):
                    self._add(found, mapped_text, match)
        if not found:
            return ()
        return tuple(sorted(_without_overlaps(found.values()), key=lambda order: order.start))

    @staticmethod
    def _add(
        found: dict[tuple[int, int], OrderNumber], mapped: MappedText, match: re.Match[str]
    ) -> None:
        group = "number" if "number" in match.re.groupindex else 0
        start, end = match.span(group)
        if start < 0 or start == end:
            return
        number = normalise_order_number(mapped.text[start:end])
        if not any(char.isdigit() for char in number):
            return
        span = mapped.source_span(start, end)
        found.setdefault(span, OrderNumber(number, *span))


def _without_overlaps(orders: Iterable[OrderNumber]) -> list[OrderNumber]:
    kept: list[OrderNumber] = []
    for order in sorted(orders, key=lambda item: (item.start, -(item.end - item.start))):
        if kept and order.start < kept[-1].end:
            continue
        kept.append(order)
    return kept
