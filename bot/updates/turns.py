"""TurnUpdates: what a buyer's turn does to proactive updates, inside the turn's transaction.

The pipeline's TurnUpdatesPort, passed to the EventProcessor by bot/app: called once the
bot's reply is decided and before its messages are queued. A reply that asks to stop ends the
conversation's subscriptions; numbers it follows are subscribed to; and updates held while the
buyer's window was closed are told first, as one "Since we last spoke, …" message queued ahead
of the reply, then marked told.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.pipeline.dialogue_port import Reply
from bot.pipeline.outbox import Outbox, SendState
from bot.pipeline.tables import OutboxMessage
from bot.replies.updates import UpdateReplies
from bot.updates.dm import enqueue_update
from bot.updates.options import UpdateOptions
from bot.updates.subscriptions import follow, stop_conversation
from bot.updates.tables import UpdateNotice, UpdateSubscription
from carriers.models import Shipment
from conversations.models import Conversation
from conversations.tables import ConversationRow
from foundation.database import table_of

Clock = Callable[[], datetime]


def _told_next_turn() -> ColumnElement[bool]:
    """The notices of a conversation that its next turn tells: held while the buyer's window
    was closed, or queued but held by the sender; of subscriptions that were not stopped."""
    held_by_sender = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.id == UpdateNotice.outbox_id,
            OutboxMessage.state == SendState.HELD.value,
        )
        .exists()
    )
    return and_(
        UpdateNotice.channel == "dm",
        UpdateSubscription.stopped_at.is_(None),
        or_(UpdateNotice.state == "held", and_(UpdateNotice.state == "queued", held_by_sender)),
    )


_TOLD = _told_next_turn()
_WAITING = (
    select(UpdateNotice.id)
    .join(UpdateSubscription, UpdateSubscription.id == UpdateNotice.subscription_id)
    .where(UpdateNotice.conversation_id == table_of(ConversationRow).c.id, _TOLD)
    .exists()
)
"""Whether the conversation whose row the bot's turn updates has notices to tell: read by
that UPDATE (conversations/store.py, `bot_turn`), so a turn with none reads no notices."""


class TurnUpdates:
    def __init__(self, replies: UpdateReplies, outbox: Outbox, options: UpdateOptions) -> None:
        self._replies = replies
        self._outbox = outbox
        self._options = options

    @property
    def waiting(self) -> ColumnElement[bool] | None:
        """SQL over the conversation's row: whether updates wait for its next turn (None
        when updates are not told by DM)."""
        return _WAITING if self._options.dm else None

    async def before_reply(
        self,
        session: AsyncSession,
        *,
        key: str,
        conversation: Conversation,
        reply: Reply,
        at: datetime,
        buyer_turn: bool,
        waiting: bool,
    ) -> int:
        """Apply the reply's `stop_updates` and `follow`, then (for a buyer's own turn, when
        `waiting` says some are) queue what was held for them. Returns how many messages it
        queued."""
        language = reply.language or conversation.language
        if reply.stop_updates:
            await stop_conversation(session, conversation.id, at)
            return 0
        if reply.follow:
            await follow(session, conversation, reply.follow, language=language, at=at)
        if not buyer_turn or not self._options.dm or not waiting:
            return 0
        return await self._carry_over(session, key, conversation, language, at)

    async def _carry_over(
        self,
        session: AsyncSession,
        key: str,
        conversation: Conversation,
        language: str | None,
        at: datetime,
    ) -> int:
        notice = UpdateNotice
        rows = (
            await session.scalars(
                select(notice)
                .join(UpdateSubscription, UpdateSubscription.id == notice.subscription_id)
                .where(notice.conversation_id == conversation.id, _TOLD)
                .order_by(notice.subscription_id, notice.change_id)
                .with_for_update()
            )
        ).all()
        if not rows:
            return 0
        latest: dict[int, UpdateNotice] = {}
        grouped: dict[int, list[int]] = defaultdict(list)
        for row in rows:
            latest[row.subscription_id] = row  # ordered by change: the last one is the newest
            grouped[row.subscription_id].append(row.id)
        shipments = [Shipment.model_validate(row.shipment) for row in latest.values()]
        composed = self._replies.since_we_last_spoke(language, shipments)
        ids = [row.id for row in rows]
        await enqueue_update(
            session,
            self._outbox,
            conversation,
            composed.messages(),
            key=f"{key}:since",
            based_on={
                "updates": "since_we_last_spoke",
                "notices": ids,
                "numbers": [shipment.number for shipment in shipments],
            },
            at=at,
        )
        await session.execute(
            update(UpdateNotice).where(UpdateNotice.id.in_(ids)).values(state="told", decided_at=at)
        )
        return len(composed.parts)


__all__ = ["TurnUpdates"]
