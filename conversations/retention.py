"""Forgetting conversations: the ones silent since before a cutoff, with everything they hold
(messages, references, hand-backs), for the data-retention job (WISMO_RETENTION_DAYS)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.console.tables import HandBackRow
from conversations.tables import ConversationRow, MessageRow, ReferenceRow


async def silent_since(session: AsyncSession, before: datetime, *, limit: int) -> list[int]:
    """Ids of up to `limit` conversations with nothing said since `before` (never said
    anything: opened before it)."""
    last = func.coalesce(ConversationRow.last_message_at, ConversationRow.created_at)
    ids = await session.scalars(
        select(ConversationRow.id).where(last < before).order_by(ConversationRow.id).limit(limit)
    )
    return list(ids)


async def forget(session: AsyncSession, conversation_ids: Sequence[int]) -> None:
    """Delete these conversations and everything of theirs in this package's tables, in the
    caller's transaction (children first, whatever the database's foreign-key settings)."""
    if not conversation_ids:
        return
    for table in (MessageRow, ReferenceRow, HandBackRow):
        await session.execute(delete(table).where(table.conversation_id.in_(conversation_ids)))
    await session.execute(delete(ConversationRow).where(ConversationRow.id.in_(conversation_ids)))


__all__ = ["forget", "silent_since"]
