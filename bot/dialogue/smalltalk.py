"""Small talk: greetings, thanks, a message with nothing to read, and anything else, each
answered with what the assistant does."""

from __future__ import annotations

from bot.dialogue.exchange import Exchange
from bot.replies.chat import ChatReplies
from bot.replies.composer import ComposedReply
from bot.replies.orders import OrderReplies


class SmallTalk:
    def __init__(self, chat: ChatReplies, orders: OrderReplies) -> None:
        self._chat = chat
        self._orders = orders

    def nothing_to_read(self, exchange: Exchange, *, referral: bool) -> ComposedReply:
        """A message without text: hello the first time (or from an ad or a link), else (a
        picture or a sticker alone, which we cannot read) say what we can read."""
        if referral or not exchange.state.greeted:
            return self._chat.greeting(exchange.language, first_time=True)
        return self._orders.ask_for_number(exchange.language)

    def greeting(self, exchange: Exchange) -> ComposedReply:
        return self._chat.greeting(exchange.language, first_time=not exchange.state.greeted)

    def thanks(self, exchange: Exchange) -> ComposedReply:
        return self._chat.thanks(exchange.language)

    def other(self, exchange: Exchange) -> ComposedReply:
        return self._chat.other(exchange.language)


__all__ = ["SmallTalk"]
