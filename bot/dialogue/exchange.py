"""One turn being answered: what was understood so far, and what the reply will record.

Each flow reads the exchange and adds to it (the state to keep, the effects to apply, what the
reply was based on, the numbers to reference and follow); `reply` turns it into the Reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.dialogue.state import DialogueState
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

    def understood(self, parsed: ParseResult) -> None:
        """Take what the parser read: its language answers, and it goes into `based_on`."""
        self.parsed = parsed
        self.language = parsed.language
        self.based_on.update(_understood(parsed))

    def reply(self, composed: ComposedReply) -> Reply:
        """The Reply that sends `composed` and records everything this exchange gathered."""
        state = self.state.but(greeted=True)
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


__all__ = ["Exchange"]
