"""Writing an update into a conversation: recorded as the bot's message, and queued or held."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.instagram.messages import TextMessage
from bot.pipeline.outbox import Outbox, Purpose
from conversations.models import Author, Conversation, Delivery, Direction, MessageKind
from conversations.store import ConversationStore


async def enqueue_update(
    session: AsyncSession,
    outbox: Outbox,
    conversation: Conversation,
    messages: Sequence[TextMessage],
    *,
    key: str,
    based_on: Mapping[str, Any],
    at: datetime,
    expires_at: datetime | None = None,
) -> tuple[int | None, int | None]:
    """Record the messages in the conversation and queue them (Purpose.UPDATE, the bot's, so
    never HUMAN_AGENT); `key` makes this idempotent. Returns the first outbox row's id and the
    first conversation message's id."""
    store = ConversationStore(session)
    first_outbox: int | None = None
    first_message: int | None = None
    for index, message in enumerate(messages):
        recorded = await store.add_message(
            conversation.id,
            direction=Direction.OUT,
            author=Author.BOT,
            kind=MessageKind.TEXT,
            text=message.text,
            payload=message.model_dump(mode="json"),
            based_on=based_on,
            status=Delivery.QUEUED,
            created_at=at,
            recorded_at=at,
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
            purpose=Purpose.UPDATE,
            author=Author.BOT,
            source_ref=key[:255],
            expires_at=expires_at,
        )
        if first_outbox is None:
            first_outbox, first_message = queued, recorded.id
    return first_outbox, first_message


async def record_held(
    session: AsyncSession,
    conversation: Conversation,
    messages: Sequence[TextMessage],
    *,
    reason: str,
    based_on: Mapping[str, Any],
    at: datetime,
) -> int | None:
    """Record an update that may not go now as a held message of the conversation (the
    console shows it, and why); returns the first message's id."""
    store = ConversationStore(session)
    first: int | None = None
    for message in messages:
        recorded = await store.add_message(
            conversation.id,
            direction=Direction.OUT,
            author=Author.BOT,
            kind=MessageKind.TEXT,
            text=message.text,
            payload=message.model_dump(mode="json"),
            based_on=based_on,
            status=Delivery.HELD,
            status_reason=reason,
            created_at=at,
            recorded_at=at,
            touch_conversation=False,
        )
        if first is None and recorded is not None:
            first = recorded.id
    return first


__all__ = ["enqueue_update", "record_held"]
