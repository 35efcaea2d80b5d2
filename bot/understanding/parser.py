"""One buyer message understood: tracking and order numbers, intent and answer language."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.understanding.intent import IntentClassifier, Speller, Words
from bot.understanding.language import (
    CONFIDENT,
    NO_EVIDENCE,
    LanguageGuess,
    LanguageIdentifier,
    choose_language,
    language_code,
)
from bot.understanding.lexicon import Aspect, Intent, Lexicon, load_lexicons
from bot.understanding.model import NUMBER_MARK, IntentModels, load_models, model_text
from bot.understanding.orders import DEFAULT_SHAPES, OrderNumber, OrderNumberFinder
from bot.understanding.reader import IntentReader
from bot.understanding.text import MAX_TABLE_ENTRIES, fold, words
from carriers.numbers.detector import Detection, FoundNumber, LikelyTypo, NumberDetector
from carriers.numbers.text import plain

# Instagram caps a DM at 1,000 bytes; anything far longer is not a buyer's chat message.
MAX_TEXT_CHARS = 4000
# Share of control, private-use, unassigned or replacement characters that marks binary junk.
MAX_JUNK_SHARE = 0.1
JUNK_CATEGORIES = frozenset({"Cc", "Co", "Cs", "Cn"})
# Links are printable ASCII; this stops where a link runs into Chinese text ("…123打不开").
URL = re.compile(r"(?:https?://|www\.)[!-~]+", re.IGNORECASE)
# A name in an email address says nothing of the language or the intent.
EMAIL = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Everything one message says that the dialogue acts on.

    `language` is the language to answer in (always set); `detected_language` and
    `language_confidence` say what the message itself showed (None / 0.0: nothing).
    `delivered_not_received` is the "tracking says delivered but I have nothing" case of
    where_is_my_order. `aspect` says which side of where_is_my_order the message asks about
    (None for every other intent); `intent_confidence` is the intent model's probability.
    """

    tracking_numbers: tuple[FoundNumber, ...]
    likely_typos: tuple[LikelyTypo, ...]
    order_numbers: tuple[OrderNumber, ...]
    intent: Intent
    delivered_not_received: bool
    language: str
    detected_language: str | None
    language_confidence: float
    aspect: Aspect | None = None
    intent_confidence: float = 0.0


@dataclass(slots=True)  # private and never changed: plain is cheaper to build than frozen
class _Prepared:
    """A message read up to the intent: numbers, folded and number-marked text, words."""

    orders: tuple[OrderNumber, ...]
    detection: Detection
    folded: str
    marked: str
    words: Words
    guess: LanguageGuess
    has_numbers: bool


class MessageParser:
    """Combines the number detector, order numbers, intent and language for one message."""

    def __init__(
        self,
        detector: NumberDetector,
        orders: OrderNumberFinder,
        speller: Speller,
        intents: IntentReader,
        languages: LanguageIdentifier,
        *,
        default_language: str = "en",
    ):
        self._detector = detector
        self._orders = orders
        self._speller = speller
        self._intents = intents
        self._languages = languages
        self._default_language = language_code(default_language) or "en"

    def parse(
        self,
        text: str,
        *,
        previous_language: str | None = None,
        tracking_context: bool = False,
    ) -> ParseResult:
        """Understand one message. Never raises: junk, huge or empty input gives an empty result.

        `previous_language`: the conversation's last known language (any common tag).
        `tracking_context`: the conversation is already about a parcel, so a bare number that
        needs a cue is accepted.
        """
        previous = language_code(previous_language)
        prepared = self._prepare(text, tracking_context)
        if prepared is None:
            return self._empty(previous)
        reading = self._intents.read(
            prepared.words, prepared.folded, prepared.marked, has_numbers=prepared.has_numbers
        )
        guess, detection = prepared.guess, prepared.detection
        return ParseResult(
            tracking_numbers=detection.tracking_numbers,
            likely_typos=detection.likely_typos,
            order_numbers=prepared.orders,
            intent=reading.intent,
            delivered_not_received=reading.delivered_not_received,
            language=choose_language(guess, previous, self._default_language),
            detected_language=guess.code,
            language_confidence=guess.confidence,
            aspect=reading.aspect,
            intent_confidence=reading.confidence,
        )

    def model_slots(self, text: str) -> list[int]:
        """The feature slots the intent and aspect models read for `text` (for training)."""
        prepared = self._prepare(text, tracking_context=False)
        if prepared is None:
            return []
        return self._intents.slots(
            prepared.words, prepared.folded, prepared.marked, has_numbers=prepared.has_numbers
        )

    def _prepare(self, text: str, tracking_context: bool) -> _Prepared | None:
        """Numbers found and blanked, words read, language guessed; None for junk input."""
        if not _worth_reading(text):
            return None
        # A plain message folds by str.lower() (see text.fold). Folding is one character to at
        # most one, and blanking and marking only write " " and "#", which fold to themselves:
        # when no character folds away, the whole message folded once serves the order finder
        # and, blanked where the numbers are, the words and the models.
        fold_text = str.lower if plain(text) else fold
        whole = fold_text(text)
        orders = self._orders.find(text, whole)
        detection = self._detector.detect(
            text,
            excluded_spans=tuple((order.start, order.end) for order in orders) if orders else (),
            tracking_context=tracking_context,
        )
        numbers, typos = detection.tracking_numbers, detection.likely_typos
        has_numbers = bool(orders or numbers or typos)
        spans = (
            [(order.start, order.end) for order in orders]
            + [(found.start, found.end) for found in numbers]
            + [(typo.start, typo.end) for typo in typos]
            if has_numbers
            else []
        )
        # A link holds "://" or "www.": without a "/" or a "." there is none to look for.
        links = list(URL.finditer(text)) if "/" in text or "." in text else []
        unlinked = _without_links(text, links)
        prose = _masked(unlinked, spans)
        if unlinked is text and len(whole) == len(text):
            folded = _masked(whole, spans)
            marked_source = _masked(whole, spans, NUMBER_MARK) if spans else folded
        else:
            folded = fold_text(prose)
            marked_source = fold_text(_masked(unlinked, spans, NUMBER_MARK)) if spans else folded
        typed = words(folded)
        split = self._speller.split(typed)
        guess = self._languages.identify(prose, split, _url_words(links) if links else ())
        # Typos are corrected towards the message's language when it is clear, so a French
        # "robe" does not become a Portuguese "robo".
        sure = guess.candidates if guess.confidence >= CONFIDENT else ()
        return _Prepared(
            orders=orders,
            detection=detection,
            folded=folded,
            marked=model_text(marked_source),
            words=Words(tuple(typed), split, self._speller.correct_all(split, sure)),
            guess=guess,
            has_numbers=has_numbers,
        )

    def _empty(self, previous: str | None) -> ParseResult:
        guess: LanguageGuess = NO_EVIDENCE
        return ParseResult(
            tracking_numbers=(),
            likely_typos=(),
            order_numbers=(),
            intent=Intent.OTHER,
            delivered_not_received=False,
            language=choose_language(guess, previous, self._default_language),
            detected_language=None,
            language_confidence=0.0,
        )


def _is_junk(char: str) -> bool:
    return char == "\ufffd" or (
        unicodedata.category(char) in JUNK_CATEGORIES and char not in "\t\n\r"
    )


class _JunkTable(dict[int, str]):
    """A `str.translate` table keeping one character per junk character and dropping the rest,
    so a message's junk is counted in one pass; filled as characters are first seen."""

    def __missing__(self, code: int) -> str:
        if len(self) >= MAX_TABLE_ENTRIES:
            self.clear()  # bounded, like the folding table
        kept = self[code] = chr(code) if _is_junk(chr(code)) else ""
        return kept


_JUNK = _JunkTable()


def _worth_reading(text: str) -> bool:
    if not text or len(text) > MAX_TEXT_CHARS or text.isspace():
        return False
    if text.isprintable() and "\ufffd" not in text:
        return True  # no control, private-use, surrogate or unassigned character at all
    return len(text.translate(_JUNK)) <= MAX_JUNK_SHARE * len(text)


def _url_words(links: Sequence[re.Match[str]]) -> list[str]:
    """Words in the paths of links ("…/pakete-empfangen/verfolgen"): weak language evidence."""
    return [word for match in links for word in words(fold(match.group()))]


def _blanked(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def _without_links(text: str, links: Sequence[re.Match[str]]) -> str:
    """`text` with email addresses and URLs blanked (same length), so their letters do not read
    as words; `links` are URL's matches in `text`."""
    if "@" in text:
        # Blanking an address can end a link inside it ("a@www.shop.com"): look again.
        return URL.sub(_blanked, EMAIL.sub(_blanked, text))
    return URL.sub(_blanked, text) if links else text


def _masked(unlinked: str, spans: Sequence[tuple[int, int]], mark: str = " ") -> str:
    """`unlinked` (see _without_links) with numbers blanked, or their first character made
    `mark`."""
    masked = unlinked
    for start, end in spans:  # a few at most: slicing beats a list of every character
        masked = masked[:start] + mark + " " * (end - start - 1) + masked[end:]
    return masked


def build_message_parser(
    detector: NumberDetector,
    *,
    order_shapes: Sequence[str] = (),
    default_language: str = "en",
    lexicons: Sequence[Lexicon] | None = None,
    models: IntentModels | None = None,
) -> MessageParser:
    """A parser over the shipped lexicons and models; `order_shapes` replace the default order
    shapes.

    Raises InvalidOrderPattern when an order shape is not a valid regular expression.
    """
    lexicons = tuple(lexicons if lexicons is not None else load_lexicons())
    speller = Speller({lexicon.language: lexicon.vocabulary() for lexicon in lexicons})
    return MessageParser(
        detector,
        OrderNumberFinder(lexicons, tuple(order_shapes) or DEFAULT_SHAPES),
        speller,
        IntentReader(models or load_models(), IntentClassifier(lexicons)),
        LanguageIdentifier(lexicons),
        default_language=default_language,
    )
