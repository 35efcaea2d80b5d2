"""Several requests in one message: the questions the assistant cannot answer, to quote to a
person while it answers the rest ("where is YT…? and will I have to pay import duties?")."""

from __future__ import annotations

import re

from bot.dialogue.exchange import has_real_text
from bot.understanding import MessageParser
from bot.understanding.lexicon import Intent

_SENTENCE_END = re.compile(r"(?<=[?？!！。؟\n])")
_CLAUSE = re.compile(
    r"[,，]?\s+(?i:and|also|plus|y|también|et|aussi|und|auch|e|também|و)\s+(?=\S)"
    r"|[,，]?(?:还有|還有|另外|而且|并且|並且)"
)
_QUESTION_END = re.compile(r"(?:[?？؟]|[吗嗎呢])\s*$")

MAX_QUOTED = 3
"""Questions quoted to a person from one message; more is a paste of something else."""


def clauses(text: str) -> list[str]:
    """`text` cut into sentences, and sentences into clauses at "and", "also", "还有" …"""
    parts: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        parts += [part.strip() for part in _CLAUSE.split(sentence) if part.strip()]
    return parts


def is_question(clause: str) -> bool:
    return clause.startswith("¿") or _QUESTION_END.search(clause) is not None


class OtherRequests:
    """Reads a message clause by clause with the message parser: a question that names no
    parcel or order and is not about where an order is, is one the assistant cannot answer."""

    def __init__(self, parser: MessageParser) -> None:
        self._parser = parser

    def unanswered(self, text: str, language: str | None) -> list[str]:
        """The questions in a message of several clauses that a person should answer."""
        parts = clauses(text)
        if len(parts) < 2:
            return []
        found = [part for part in parts if self._beyond_us(part, language)]
        return found[:MAX_QUOTED]

    def _beyond_us(self, clause: str, language: str | None) -> bool:
        if not is_question(clause) or not has_real_text(clause):
            return False
        parsed = self._parser.parse(clause, previous_language=language, tracking_context=True)
        if parsed.tracking_numbers or parsed.order_numbers or parsed.likely_typos:
            return False
        return parsed.intent is Intent.OTHER and parsed.aspect is None


__all__ = ["MAX_QUOTED", "OtherRequests", "clauses", "is_question"]
