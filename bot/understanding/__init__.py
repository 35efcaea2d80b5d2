"""Understanding a buyer's message: order numbers, intent and language, with the number detector."""

from bot.understanding.language import LANGUAGES, LanguageGuess, choose_language, language_code
from bot.understanding.lexicon import Aspect, Intent
from bot.understanding.orders import (
    DEFAULT_SHAPES,
    InvalidOrderPattern,
    OrderNumber,
    OrderNumberFinder,
    normalise_order_number,
)
from bot.understanding.parser import MessageParser, ParseResult, build_message_parser

__all__ = [
    "DEFAULT_SHAPES",
    "LANGUAGES",
    "Aspect",
    "Intent",
    "InvalidOrderPattern",
    "LanguageGuess",
    "MessageParser",
    "OrderNumber",
    "OrderNumberFinder",
    "ParseResult",
    "build_message_parser",
    "choose_language",
    "language_code",
    "normalise_order_number",
]
