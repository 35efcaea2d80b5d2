"""Small talk: greetings, thanks, a message with nothing to read, and anything else, each
answered with what the assistant does; a story mention gets a thank-you at most."""

from __future__ import annotations

from bot.dialogue.exchange import Exchange
from bot.replies.chat import ChatReplies
from bot.replies.composer import ComposedReply
from bot.replies.orders import OrderReplies

STORY_MENTION = "story_mention"
"""The attachment type of a buyer's story that mentions the shop (docs/instagram.md, Message
properties)."""


class SmallTalk:
    """`thank_story_mentions` False: a story mention gets no reply at all."""

    def __init__(
        self, chat: ChatReplies, orders: OrderReplies, *, thank_story_mentions: bool = True
    ) -> None:
        self._chat = chat
        self._orders = orders
        self._thank_story_mentions = thank_story_mentions

    def story_mention(self, exchange: Exchange) -> ComposedReply | None:
        """A buyer mentioned the shop in their story: that is not a question, so it is never
        answered with a request for a number; a short thank-you, or nothing."""
        if not self._thank_story_mentions:
            return None
        return self._chat.story_mention(exchange.language)

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


__all__ = ["STORY_MENTION", "SmallTalk"]
