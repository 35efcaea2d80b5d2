"""Delivered but not received: first the steps that find most parcels, said again a person."""

from __future__ import annotations

from bot.dialogue.exchange import Exchange
from bot.dialogue.handoff import Handoffs
from bot.replies.chat import ChatReplies
from bot.replies.composer import ComposedReply, HandoffReason
from carriers.lookup import Found


class NotReceived:
    def __init__(self, replies: ChatReplies, handoffs: Handoffs) -> None:
        self._replies = replies
        self._handoffs = handoffs

    def answer(self, exchange: Exchange, found: Found) -> ComposedReply:
        """The steps the first time for this parcel; a hand-off when the buyer says it again."""
        number = found.shipment.number
        if exchange.state.not_received_told == number:
            return self._handoffs.hand_off(exchange, HandoffReason.NOT_RECEIVED)
        exchange.state = exchange.state.but(not_received_told=number)
        return self._replies.delivered_not_received(exchange.language, found.shipment)


__all__ = ["NotReceived"]
