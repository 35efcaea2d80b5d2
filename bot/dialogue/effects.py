"""The writes a dialogue reply needs, applied by the worker with the reply (responder.Effect)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.models import Conversation
from conversations.store import ConversationStore


@dataclass(frozen=True, slots=True)
class RememberProfile:
    """The buyer's Instagram username and name, read from the User Profile API."""

    username: str | None
    name: str | None

    async def apply(self, session: AsyncSession, conversation: Conversation, at: datetime) -> None:
        await ConversationStore(session).set_profile(
            conversation.id, username=self.username, name=self.name
        )


__all__ = ["RememberProfile"]
