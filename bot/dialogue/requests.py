"""Several requests in one message: the ones the assistant cannot answer, to quote to a person
while it answers the rest ("where is YT…? and will I have to pay import duties?", "where is
YT…? can I change the address?")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.dialogue.exchange import has_real_text
from bot.dialogue.handoff import HANDOFF_INTENTS
from bot.replies.composer import HandoffReason
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


@dataclass(frozen=True, slots=True)
class Request:
    """A clause a person should answer, as the buyer wrote it, and why it goes to a person."""

    text: str
    reason: HandoffReason


class OtherRequests:
    """Reads a message clause by clause with the message parser: a clause asking what only a
    person can do (a refund, a cancellation, a change, a person), or a question that names no
    parcel or order and is not about where an order is, is one the assistant cannot answer."""

    def __init__(self, parser: MessageParser) -> None:
        self._parser = parser

    def several(self, text: str) -> bool:
        """Whether `text` holds more than one clause (so more than one request may be in it)."""
        return len(clauses(text)) > 1

    def unanswered(self, text: str, language: str | None) -> list[Request]:
        """The requests in a message of several clauses that a person should answer."""
        parts = clauses(text)
        if len(parts) < 2:
            return []
        found = [request for part in parts if (request := self._beyond_us(part, language))]
        return found[:MAX_QUOTED]

    def _beyond_us(self, clause: str, language: str | None) -> Request | None:
        if not has_real_text(clause):
            return None
        parsed = self._parser.parse(clause, previous_language=language, tracking_context=True)
        if parsed.tracking_numbers or parsed.order_numbers or parsed.likely_typos:
            return None
        if parsed.intent in HANDOFF_INTENTS:
            return Request(clause, HANDOFF_INTENTS[parsed.intent])
        if parsed.intent is Intent.OTHER and parsed.aspect is None and is_question(clause):
            return Request(clause, HandoffReason.QUESTION)
        return None


__all__ = ["MAX_QUOTED", "OtherRequests", "Request", "clauses", "is_question"]
