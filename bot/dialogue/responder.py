"""DialogueResponder: from a buyer's turn to the reply, routed to the flow that answers it.

The order of precedence in one message: a request for a person (or for a refund, a
cancellation or a change, which only a person can do) wins; then "stop updates"; then
tracking numbers; then order numbers; then an answer to a pending proof request; then likely
typos; then a question about shipping times to a country, before buying (`shipping`); then
"where is it?" about the conversation's last subject or the buyer's linked orders; then small
talk. A question the assistant cannot answer, asked beside one it can ("where is
it? and will I pay duties?"), is quoted to a person after the answer. A story mention
without text is not a question: a thank-you at most.
Reactions never reach the responder. The flows only read; every write goes back in the Reply.

The flows, one module each: `parcels` (tracking numbers), `orders` and `verification` (order
numbers, proofs, "where is it?"), `handoff`, `not_received` (delivered but not received) and
`smalltalk`; `exchange` is what one turn gathers on its way to the Reply.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.dialogue.exchange import Exchange, has_words
from bot.dialogue.handoff import HANDOFF_INTENTS, Handoffs
from bot.dialogue.orders import OrderFlow
from bot.dialogue.parcels import ParcelFlow
from bot.dialogue.requests import OtherRequests
from bot.dialogue.shipping import ShippingFlow, asks_shipping_time
from bot.dialogue.smalltalk import STORY_MENTION, SmallTalk
from bot.dialogue.sms_opt_in import SMS_OPT_IN_PAYLOAD, SmsOptIn
from bot.dialogue.state import DialogueState
from bot.dialogue.verification import ProfileReader, VerificationPolicy, proof_like
from bot.pipeline.dialogue_port import Reply, Turn, TurnKind
from bot.replies.composer import ComposedReply, HandoffReason, ReplyKind
from bot.replies.payloads import REFRESH_PREFIX, STOP_UPDATES_PAYLOAD, TALK_TO_PERSON_PAYLOAD
from bot.replies.updates import UpdateReplies
from bot.understanding import MessageParser, ParseResult
from bot.understanding.lexicon import Intent
from bot.updates.stop import is_stop_request
from carriers.lookup import TrackingLookup
from conversations.models import Conversation

NOT_COMBINED = frozenset({ReplyKind.HANDOFF, ReplyKind.UPDATES_STOPPED})
"""Replies after which other questions in the message are not handed over separately."""


class DialogueResponder:
    """The wismo dialogue, one turn at a time; see the module docstring."""

    def __init__(
        self,
        *,
        parser: MessageParser,
        parcels: ParcelFlow,
        orders: OrderFlow,
        handoffs: Handoffs,
        small_talk: SmallTalk,
        updates: UpdateReplies,
        clock: Callable[[], datetime],
        shipping: ShippingFlow | None = None,
        sms: SmsOptIn | None = None,
    ) -> None:
        self._parser = parser
        self._parcels = parcels
        self._orders = orders
        self._handoffs = handoffs
        self._small_talk = small_talk
        self._updates = updates
        self._clock = clock
        self._sms = sms
        self._requests = OtherRequests(parser)
        self._shipping = shipping

    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        if turn.kind is TurnKind.EDIT:
            return Reply()  # the edited message was answered already; its new text is recorded
        exchange = Exchange(
            conversation,
            DialogueState.load(conversation.state),
            self._clock(),
            conversation.language,
        )
        composed = await self._answer(turn, exchange)
        if composed is None:
            return Reply()
        return exchange.reply(composed)

    async def _answer(self, turn: Turn, exchange: Exchange) -> ComposedReply | None:
        """A tap is answered by its payload; a message by what it says."""
        payload = turn.payload or ""
        if payload == TALK_TO_PERSON_PAYLOAD:
            return self._handoffs.hand_off(exchange, HandoffReason.BUYER_ASKED)
        if payload == STOP_UPDATES_PAYLOAD:
            return self._stop(exchange)
        if payload == SMS_OPT_IN_PAYLOAD and self._sms is not None:
            return self._sms.ask(exchange)
        if payload.startswith(REFRESH_PREFIX):
            numbers = [n for n in payload.removeprefix(REFRESH_PREFIX).split(",") if n]
            if not numbers:
                return self._orders.ask_for_number(exchange)
            return await self._parcels.refresh(exchange, numbers)
        text = turn.text or ""
        if not text.strip() and any(a.type == STORY_MENTION for a in turn.attachments):
            return self._small_talk.story_mention(exchange)
        if not text.strip():
            return self._small_talk.nothing_to_read(
                exchange, referral=turn.kind is TurnKind.REFERRAL
            )
        subject = exchange.state.current_subject(exchange.now)
        parsed = self._parser.parse(
            text, previous_language=exchange.language, tracking_context=subject is not None
        )
        exchange.understood(parsed, text)
        answered = await self._route(exchange, parsed, text)
        if answered.kind in NOT_COMBINED:
            return answered
        others = self._requests.unanswered(text, exchange.language)
        if not others:
            return answered
        # The reason recorded: what only a person can do, if asked, else a question.
        reasons = [r.reason for r in others if r.reason is not HandoffReason.QUESTION]
        quoted = [request.text for request in others]
        reason = reasons[0] if reasons else HandoffReason.QUESTION
        return answered.followed_by(self._handoffs.questions(exchange, quoted, reason))

    async def _route(self, exchange: Exchange, parsed: ParseResult, text: str) -> ComposedReply:
        """The flow for a message, in the order of precedence of the module docstring."""
        intent = parsed.intent
        # With a tracking number beside it, a person's request is quoted after the answer.
        beside = parsed.tracking_numbers and (
            intent is Intent.HUMAN or self._requests.several(text)
        )
        if intent in HANDOFF_INTENTS and not beside:
            return self._handoffs.hand_off(exchange, HANDOFF_INTENTS[intent])
        # "Text me updates at +1 415 …" (bot/dialogue/sms_opt_in.py): not a stop, and its number
        # is no tracking or order number.
        if self._sms is not None and await self._sms.applies(exchange, text):
            return await self._sms.opt_in(exchange, text)
        # The updates' own stop words agree with the intent lexicon on what "stop" means.
        if intent is Intent.STOP_UPDATES or is_stop_request(text, None):
            return self._stop(exchange)
        not_received = parsed.delivered_not_received
        if parsed.tracking_numbers:
            parcels = self._parcels.in_message(parsed)
            return await self._parcels.track(exchange, parcels, not_received=not_received)
        if parsed.order_numbers:
            return await self._orders.order(exchange, parsed.order_numbers[0].number, text)
        pending = exchange.state.pending_order
        if pending is not None and proof_like(text):
            return await self._orders.order(exchange, pending, text)
        if parsed.likely_typos:
            return self._orders.likely_typos(exchange, parsed.likely_typos)
        shipping_to = asks_shipping_time(text) if self._shipping is not None else None
        if self._shipping is not None and shipping_to is not None:
            return self._shipping.answer(exchange, shipping_to)
        asked = intent is Intent.WHERE_IS_MY_ORDER or parsed.aspect is not None
        # "📦❓😡" with a parcel in the conversation asks about that parcel.
        wordless = not has_words(text) and exchange.state.current_subject(exchange.now)
        if asked or not_received or wordless:
            return await self._orders.where_is_it(exchange, not_received=not_received)
        if intent is Intent.GREETING:
            return self._small_talk.greeting(exchange)
        if intent is Intent.THANKS:
            return self._small_talk.thanks(exchange)
        if pending is not None:
            return self._orders.ask_for_proof(exchange, pending)
        return self._small_talk.other(exchange)

    def _stop(self, exchange: Exchange) -> ComposedReply:
        exchange.based_on["stop_updates"] = True
        return self._updates.updates_stopped(exchange.language)


__all__ = [
    "DialogueResponder",
    "ProfileReader",
    "TrackingLookup",
    "VerificationPolicy",
]
