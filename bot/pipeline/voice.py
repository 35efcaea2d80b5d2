"""say: how anything tells a buyer something, recorded in the conversation and queued to send.

The bot's reply to a turn, a person's reply from the console and a proactive update all go the
same way, inside the caller's transaction: each message becomes an outgoing message of the
conversation (queued) and then a row of the outbox pointing at it, keyed `{key}:{index}` so
saying the same thing twice queues it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.instagram.messages import ButtonTemplate, GenericTemplate, MediaMessage, OutgoingMessage
from bot.pipeline.outbox import Outbox, Purpose
from conversations.models import Author, Conversation, Delivery, Direction, MessageKind
from conversations.store import ConversationStore


@dataclass(frozen=True, slots=True)
class Said:
    """One message said: its row in the conversation, and its outbox row (None: queued before
    under the same key)."""

    message_id: int
    outbox_id: int | None


def outgoing_kind(message: OutgoingMessage) -> MessageKind:
    if isinstance(message, GenericTemplate | ButtonTemplate):
        return MessageKind.TEMPLATE
    if isinstance(message, MediaMessage):
        return MessageKind.MEDIA
    return MessageKind.TEXT


async def say(
    session: AsyncSession,
    outbox: Outbox,
    conversation: Conversation,
    messages: Sequence[OutgoingMessage],
    *,
    author: Author,
    purpose: Purpose,
    key: str,
    at: datetime,
    recorded_at: datetime | None = None,
    based_on: Mapping[str, Any] | None = None,
    author_ref: str | None = None,
    source_ref: str | None = None,
    expires_at: datetime | None = None,
    touch_conversation: bool = True,
) -> list[Said]:
    """Record `messages` as `author`'s, said `at` (recorded at `recorded_at`, by default `at`),
    and queue each under the idempotency key `{key}:{index}`.

    `author_ref` (the person who wrote it) is kept on the message and on its outbox row; past
    `expires_at` the sender holds a message instead of sending it. `touch_conversation=False`
    leaves the conversation's times alone, for a caller that has just moved them (`bot_turn`).
    Raises ValueError for an author that does not send through the outbox (see Outbox.enqueue).
    """
    store = ConversationStore(session)
    said: list[Said] = []
    for index, message in enumerate(messages):
        payload = message.model_dump(mode="json")
        if author_ref is not None:
            payload = {**payload, "author_ref": author_ref}
        recorded = await store.add_message(
            conversation.id,
            direction=Direction.OUT,
            author=author,
            kind=outgoing_kind(message),
            text=getattr(message, "text", None),
            payload=payload,
            based_on=based_on,
            status=Delivery.QUEUED,
            created_at=at,
            recorded_at=at if recorded_at is None else recorded_at,
            touch_conversation=touch_conversation,
        )
        assert recorded is not None  # no mid yet, so never a duplicate
        queued = await outbox.enqueue(
            session,
            idempotency_key=f"{key}:{index}",
            account_id=conversation.account_id,
            recipient_id=conversation.igsid,
            conversation_id=conversation.id,
            conversation_message_id=recorded.id,
            message=message,
            purpose=purpose,
            author=author,
            author_ref=author_ref,
            source_ref=source_ref,
            expires_at=expires_at,
        )
        said.append(Said(recorded.id, queued))
    return said


__all__ = ["Said", "outgoing_kind", "say"]
