"""The dialogue seam: what a buyer did (`Turn`), what to answer (`Reply`), and who decides.

The inbox worker hands every buyer turn of a conversation that is not handed off to a
`Responder`, then records the turn, the reply's messages, the new dialogue state and the
reply's `based_on` in one transaction with the event itself. A responder therefore must not
write anything itself: it returns values. It may read (orders, the tracking cache) and may be
called again for the same turn if the worker lost its lease, so it must be safe to repeat.

`GreetingResponder` is the dialogue's real first step until the full dialogue replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.instagram.messages import OutgoingMessage, QuickReply, text_messages
from conversations.models import Conversation

HANDOFF_PAYLOAD = "HANDOFF"
"""Quick-reply / postback payload of "Talk to a person".

Meta asks for a way to reach a person: docs/instagram.md, Escalation and disclosure.
"""


class TurnKind(StrEnum):
    MESSAGE = "message"  # text, quick-reply tap, attachments, story reply …
    POSTBACK = "postback"  # ice breaker, template button, menu item
    REFERRAL = "referral"  # an ig.me link (with `ref`) opened into the thread
    EDIT = "edit"  # the buyer edited an earlier message; `text` is the new text


@dataclass(frozen=True, slots=True)
class Attachment:
    type: str
    url: str | None


@dataclass(frozen=True, slots=True)
class Turn:
    """One thing the buyer did that the dialogue may answer.

    `payload` is the quick reply's or postback's payload (route on it, not on `text`, which is
    the button's visible title); `ref` is the referral's ref (an ig.me link's, or an ad's).
    `corrects` is set when the buyer edited an earlier message (`mid`) after it was answered:
    `text` is the corrected text, to be answered as a correction (kind MESSAGE).
    """

    kind: TurnKind
    account_id: str
    igsid: str
    occurred_at: datetime
    mid: str | None = None
    text: str | None = None
    payload: str | None = None
    attachments: tuple[Attachment, ...] = ()
    ref: str | None = None
    reply_to_mid: str | None = None
    story_reply: bool = False
    corrects: str | None = None


class Effect(Protocol):
    """A write a reply needs (a verification attempt, the buyer's profile), applied by the
    worker in the transaction that records the reply, so it happens once with it or not at all."""

    async def apply(
        self, session: AsyncSession, conversation: Conversation, at: datetime
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class Reply:
    """What to answer and remember; empty means "say nothing".

    `state` replaces the conversation's dialogue state (None keeps it); `handoff` hands the
    conversation to a person with that reason; `references` are (kind, value) pairs such as
    ("order", "10234") the conversation is about, for the console's search; `based_on` is
    stored beside each message of the reply so the merchant sees why the bot said it.
    `follow` are the tracking numbers the buyer asked about, to subscribe the conversation to
    their proactive updates; `stop_updates` ends every subscription of the conversation;
    `effects` are the other writes the reply needs, done with it.
    """

    messages: Sequence[OutgoingMessage] = ()
    based_on: Mapping[str, Any] | None = None
    state: Mapping[str, Any] | None = None
    language: str | None = None
    handoff: str | None = None
    references: Sequence[tuple[str, str]] = field(default=())
    follow: Sequence[str] = field(default=())
    stop_updates: bool = False
    effects: Sequence[Effect] = field(default=())


class Responder(Protocol):
    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        """The answer to `turn` in `conversation` (as it stood before the turn).

        Raising makes the worker retry the turn later with backoff, then give it up.
        """
        ...


class GreetingResponder:
    """Greets the buyer and asks for an order or tracking number; hands off on request.

    Every buyer message gets exactly one reply: the greeting first, then a shorter reminder
    of what to send. English only, in the store's name, and saying it is automated
    (docs/instagram.md, Escalation and disclosure). Quick reply "Talk to a person" is always
    offered.
    """

    def __init__(self, store_name: str) -> None:
        self._store = store_name

    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        if turn.kind is TurnKind.EDIT:
            return Reply()
        person = QuickReply(title="Talk to a person", payload=HANDOFF_PAYLOAD)
        if turn.payload == HANDOFF_PAYLOAD:
            text = (
                f"OK, I've asked someone from {self._store} to reply here. "
                "They'll answer as soon as they can."
            )
            return Reply(
                messages=text_messages(text),
                based_on={"responder": "greeting", "step": "handoff"},
                handoff="buyer_asked",
            )
        if conversation.state.get("greeted"):
            step = "ask_again"
            text = (
                "Please send me your order number (for example #10234) or the tracking "
                "number from your shipping confirmation, and I'll check where your parcel is."
            )
        else:
            step = "greeting"
            text = (
                f"Hi! I'm {self._store}'s automated assistant. Send me your order number "
                "(for example #10234) or your parcel's tracking number and I'll check "
                "where it is."
            )
        return Reply(
            messages=text_messages(text, [person]),
            based_on={"responder": "greeting", "step": step},
            state={**conversation.state, "greeted": True},
        )


__all__ = [
    "HANDOFF_PAYLOAD",
    "Attachment",
    "GreetingResponder",
    "Reply",
    "Responder",
    "Turn",
    "TurnKind",
]
