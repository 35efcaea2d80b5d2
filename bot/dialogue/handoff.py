"""Hand-offs: the conversation goes to a person, because the buyer asked for one or for what
only a person can do (a refund, a cancellation, a change), or because the bot cannot help."""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from bot.dialogue.exchange import Exchange
from bot.replies.chat import ChatReplies
from bot.replies.composer import ComposedReply, HandoffReason
from bot.understanding.lexicon import Intent

HANDOFF_INTENTS = MappingProxyType(
    {
        Intent.HUMAN: HandoffReason.BUYER_ASKED,
        Intent.REFUND_OR_RETURN: HandoffReason.REFUND_OR_RETURN,
        Intent.CANCEL_OR_CHANGE: HandoffReason.CANCEL_OR_CHANGE,
    }
)
"""The intents a person answers, and the reason recorded for each."""


class Handoffs:
    def __init__(self, replies: ChatReplies) -> None:
        self._replies = replies

    def hand_off(self, exchange: Exchange, reason: HandoffReason) -> ComposedReply:
        """Say a person will answer, and record why (the worker then keeps the bot quiet)."""
        exchange.based_on["handoff"] = reason.value
        return self._replies.handoff(exchange.language, reason)

    def questions(
        self, exchange: Exchange, questions: Sequence[str], reason: HandoffReason
    ) -> ComposedReply:
        """Requests the assistant cannot answer go to a person, quoted back to the buyer."""
        exchange.based_on["handoff"] = reason.value
        exchange.based_on["questions"] = list(questions)
        return self._replies.question_handoff(exchange.language, questions)


__all__ = ["HANDOFF_INTENTS", "Handoffs"]
