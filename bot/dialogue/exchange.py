"""One turn being answered: what was understood so far, and what the reply will record.

Each flow reads the exchange and adds to it (the state to keep, the effects to apply, what the
reply was based on, the numbers to reference and follow); `reply` turns it into the Reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.dialogue.state import DialogueState, Said
from bot.pipeline.dialogue_port import Effect, Reply
from bot.replies.composer import ComposedReply, ReplyKind
from bot.understanding import ParseResult
from conversations.models import Conversation


@dataclass(slots=True)
class Exchange:
    """One turn being answered: what was understood and what the reply will record."""

    conversation: Conversation
    state: DialogueState
    now: datetime
    language: str | None
    parsed: ParseResult | None = None
    effects: list[Effect] = field(default_factory=list)
    based_on: dict[str, Any] = field(default_factory=dict)
    references: list[tuple[str, str]] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    latest: dict[str, str] = field(default_factory=dict)

    def understood(self, parsed: ParseResult, text: str) -> None:
        """Take what the parser read, and it goes into `based_on`. The reply's language is the
        message's when it has real text in one (which then counts towards the conversation's
        language); a short or language-less message ("stop", "ok", emoji, a number alone)
        keeps the language the conversation is mostly in."""
        self.parsed = parsed
        if has_real_text(text) and parsed.detected_language is not None:
            self.language = parsed.language
            votes = dict(self.state.languages)
            votes[parsed.language] = votes.get(parsed.language, 0) + 1
            self.state = self.state.but(languages=votes)
        else:
            settled = self.state.conversation_language() or self.language
            self.language = settled or parsed.language
        self.based_on.update(_understood(parsed))
        self.based_on["language"] = self.language

    def reply(self, composed: ComposedReply) -> Reply:
        """The Reply that sends `composed` and records everything this exchange gathered."""
        said = Said(
            kind=composed.kind.value,
            numbers=tuple(dict.fromkeys(self.shown)),
            latest=self.latest,
        )
        state = self.state.but(greeted=True, said=said)
        handoff = self.based_on.get("handoff")
        based_on = {"responder": "dialogue", "reply": composed.kind.value, **self.based_on}
        return Reply(
            messages=composed.messages(),
            based_on=based_on,
            state=state.dump(),
            language=composed.language,
            handoff=handoff if isinstance(handoff, str) else None,
            references=tuple(dict.fromkeys(self.references)),
            follow=tuple(dict.fromkeys(self.follow)),
            stop_updates=composed.kind is ReplyKind.UPDATES_STOPPED,
            effects=tuple(self.effects),
        )


REAL_WORDS = 2
"""A message has real text with at least this many words (or Han characters): "stop" alone
says nothing about the language a conversation should switch to."""

_WORD = re.compile(r"(?<![\w])[^\W\d_]{2,}(?![\w])")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_real_text(text: str) -> bool:
    """Whether `text` has words enough to tell its language (numbers and emoji do not count)."""
    return len(_WORD.findall(text)) >= REAL_WORDS or len(_HAN.findall(text)) >= REAL_WORDS


def has_words(text: str) -> bool:
    """Whether `text` has any letter or digit (not only emoji and punctuation)."""
    return any(ch.isalnum() for ch in text)


def _understood(parsed: ParseResult) -> dict[str, Any]:
    return {
        "intent": parsed.intent.value,
        "language": parsed.language,
        "tracking_numbers": [
            {
                "number": found.number,
                "carriers": [c.carrier for c in found.carriers],
                "checksum": found.checksum,
            }
            for found in parsed.tracking_numbers
        ],
        "order_numbers": [order.number for order in parsed.order_numbers],
        "likely_typos": [typo.number for typo in parsed.likely_typos],
        "delivered_not_received": parsed.delivered_not_received,
    }


__all__ = ["REAL_WORDS", "Exchange", "has_real_text", "has_words"]
