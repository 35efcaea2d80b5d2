"""Writing an update into a conversation: recorded as the bot's message, and queued or held."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.instagram.messages import TextMessage
from bot.pipeline.outbox import Outbox, Purpose
from bot.pipeline.voice import say
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
    said = await say(
        session,
        outbox,
        conversation,
        messages,
        author=Author.BOT,
        purpose=Purpose.UPDATE,
        key=key,
        at=at,
        based_on=based_on,
        source_ref=key[:255],
        expires_at=expires_at,
    )
    if not said:
        return None, None
    return said[0].outbox_id, said[0].message_id


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
