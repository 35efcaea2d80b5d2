"""Notifier: turns the tracking service's status changes into updates, and decides each one.

Two steps per round, each in short transactions of its own:

1. Ingest. Read status changes after the durable cursor (`changes_after`), map each to a
   milestone, and write a pending notice per active subscription of that number and channel
   (unique per subscription, channel and milestone: a milestone is told once), moving the
   cursor in the same transaction. Changes recorded before a subscription existed are not
   news to its buyer (they had just been told) and are skipped.
2. Decide. A subscription's pending notices become due when its burst window, counted from
   the first of them, has passed; then only the latest is told and the others are dropped as
   `burst`. In the buyer's night (quiet hours) they wait until morning. A DM goes through the
   outbox only while the buyer's 24-hour window is open; otherwise it is held (recorded in the
   conversation, told at the buyer's next message). Emails go to the email queue, texts to
   the SMS queue (bot/sms, only for conversations with SMS consent).

Updates have their own budget (`rate`, and at most `in_flight` update DMs unfinished in the
outbox), so a backlog of them waits here, in `update_notices`, and never in front of replies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.instagram.messages import QuickReply
from bot.instagram.window import WindowPolicy
from bot.pipeline.doorbell import Doorbell
from bot.pipeline.loop import SupervisedLoop
from bot.pipeline.outbox import Outbox, Purpose
from bot.pipeline.processor import paused
from bot.pipeline.tables import UNFINISHED_SEND_STATES, OutboxMessage
from bot.replies.updates import UpdateReplies
from bot.updates.dm import enqueue_update, record_held
from bot.updates.milestones import milestone_of
from bot.updates.options import UpdateOptions
from bot.updates.subscriptions import Subscription, subscription_of
from bot.updates.tables import PENDING_NOTICE_STATES, UpdateCursor, UpdateNotice, UpdateSubscription
from carriers.lookup import StatusChange
from carriers.models import TERMINAL_STATUSES, Shipment
from carriers.service import normalise_number
from conversations.models import Author
from conversations.store import ConversationStore
from foundation.database import in_literals, table_of, unordered
from foundation.upserts import upsert

log = logging.getLogger(__name__)

CURSOR = "notifier"
INGEST_BATCH = 200
DECIDE_BATCH = 200

_notices = table_of(UpdateNotice)
# A milestone is noticed once per subscription and channel.
_ADD_NOTICE = (
    upsert(_notices)
    .on_conflict_do_nothing("subscription_id", "channel", "milestone")
    .returning(_notices.c.id)
)
_cursors = table_of(UpdateCursor)
_MOVE_CURSOR = upsert(_cursors)
# The cursor only moves forward (CASE, not max()/greatest(): one spelling for both databases).
_MOVE_CURSOR = _MOVE_CURSOR.on_conflict_do_update(
    ("name",),
    {
        "position": case(
            (_MOVE_CURSOR.excluded.position > _cursors.c.position, _MOVE_CURSOR.excluded.position),
            else_=_cursors.c.position,
        ),
        "updated_at": _MOVE_CURSOR.excluded.updated_at,
    },
)


class ChangeFeed(Protocol):
    """What the notifier needs of carriers.service.TrackingService."""

    async def changes_after(self, cursor: int, limit: int = 100) -> list[StatusChange]: ...


class EmailChannel(Protocol):
    """Queues an update email (bot.updates.email.EmailQueue)."""

    async def queue(
        self,
        session: AsyncSession,
        *,
        notice_id: int,
        subscription: Subscription,
        shipment: Shipment,
        at: datetime,
    ) -> int | str:
        """The queued email's id, or why none can go (a reason slug)."""
        ...


class SmsChannel(EmailChannel, Protocol):
    """Queues an update text (bot.sms.queue.SmsQueue) for conversations with SMS consent."""

    async def wants(self, session: AsyncSession, conversation_id: int, number: str) -> bool:
        """Whether this conversation's parcel may get texts at all (someone opted in)."""
        ...

    async def offer(
        self, session: AsyncSession, conversation_id: int, language: str | None
    ) -> QuickReply | None:
        """The "Text me updates" quick reply for a conversation without SMS consent."""
        ...


class Notifier:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        feed: ChangeFeed,
        outbox: Outbox,
        replies: UpdateReplies,
        options: UpdateOptions,
        *,
        clock: Callable[[], datetime],
        outbox_doorbell: Doorbell,
        doorbell: Doorbell | None = None,
        email: EmailChannel | None = None,
        sms: SmsChannel | None = None,
        window: WindowPolicy = WindowPolicy(),  # noqa: B008 (frozen value)
        handoff_quiet: timedelta = timedelta(hours=24),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._feed = feed
        self._outbox = outbox
        self._replies = replies
        self._options = options
        self._clock = clock
        self._outbox_doorbell = outbox_doorbell
        self.doorbell = doorbell or Doorbell()
        self._loop = SupervisedLoop(
            self._round, retry=options.tick, failed=_round_failed, doorbell=self.doorbell
        )
        self._email = email
        self._sms = sms
        self._window = window
        self._handoff_quiet = handoff_quiet
        self._monotonic = monotonic
        self._tokens = float(max(1, options.in_flight))
        self._stamp = self._monotonic()

    # --- running ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Ingest and decide until stopped; database trouble is logged and waited out."""
        await self._loop.run()

    def stop(self) -> None:
        self._loop.stop()

    async def _round(self) -> float:
        await self.ingest()
        if await self.decide() == "budget":
            # More is due but over budget: come back when a token has grown.
            return min(self._options.tick, max(0.05, 1.0 / self._options.rate))
        return self._options.tick

    # --- step 1: status changes → pending notices -----------------------------------------

    async def ingest(self) -> int:
        """Read every status change after the cursor; returns how many notices it wrote."""
        written = 0
        while True:
            async with self._sessions() as session:
                cursor = await session.scalar(
                    select(UpdateCursor.position).where(UpdateCursor.name == CURSOR)
                )
            changes = await self._feed.changes_after(cursor or 0, INGEST_BATCH)
            if not changes:
                return written
            now = self._clock()
            async with self._sessions() as session, session.begin():
                for change in changes:
                    written += await self._note(session, change, now)
                await _move_cursor(session, changes[-1].id, now)
            if len(changes) < INGEST_BATCH:
                return written

    async def _note(self, session: AsyncSession, change: StatusChange, now: datetime) -> int:
        number = normalise_number(change.number)
        rows = (
            await session.scalars(
                select(UpdateSubscription).where(
                    UpdateSubscription.number == number,
                    UpdateSubscription.stopped_at.is_(None),
                    UpdateSubscription.created_at < change.recorded_at,
                )
            )
        ).all()
        if not rows:
            return 0
        shipment = change.shipment
        terminal = change.new_status in TERMINAL_STATUSES
        milestone = milestone_of(change)
        written = 0
        for row in rows:
            if change.carrier and row.carrier and change.carrier != row.carrier:
                continue  # the same number at another carrier: another parcel
            row.status = change.new_status.value
            row.carrier = row.carrier or change.carrier
            row.country = shipment.destination_country or row.country
            row.updated_at = now
            if terminal:
                row.next_poll_at = None
            if milestone is None:
                continue
            for channel in await self._channels(session, row, number):
                enabled = milestone in self._options.milestones
                due = await session.scalar(
                    select(func.min(UpdateNotice.due_at)).where(
                        UpdateNotice.subscription_id == row.id,
                        UpdateNotice.channel == channel,
                        UpdateNotice.state == "pending",
                    )
                )
                values = {
                    "subscription_id": row.id,
                    "conversation_id": row.conversation_id,
                    "number": number,
                    "channel": channel,
                    "milestone": milestone.value,
                    "change_id": change.id,
                    "shipment": shipment.model_dump(mode="json"),
                    "state": "pending" if enabled else "dropped",
                    "reason": None if enabled else "milestone_disabled",
                    "created_at": now,
                    "due_at": due or now + self._options.burst,
                    "decided_at": None if enabled else now,
                }
                created = await session.scalar(_ADD_NOTICE, values)
                if created is not None and enabled:
                    written += 1
        return written

    async def _channels(
        self, session: AsyncSession, row: UpdateSubscription, number: str
    ) -> list[str]:
        """The channels a subscription's milestones go out on (SMS only with consent)."""
        channels = []
        if self._options.dm:
            channels.append("dm")
        if self._email is not None and row.email_stopped_at is None:
            channels.append("email")
        if self._sms is not None and await self._sms.wants(session, row.conversation_id, number):
            channels.append("sms")
        return channels

    # --- step 2: due notices → sent, held, waiting or dropped -----------------------------

    async def decide(self) -> str | None:
        """Decide every due notice the budget allows; "budget" when some had to wait for it."""
        now = self._clock()
        async with self._sessions() as session:
            due = (
                await session.execute(
                    # Through the pending notices' own index, not a walk of them all.
                    select(func.min(UpdateNotice.subscription_id), UpdateNotice.channel)
                    .where(
                        in_literals(UpdateNotice.state, PENDING_NOTICE_STATES),
                        UpdateNotice.due_at <= now,
                    )
                    .group_by(unordered(UpdateNotice.subscription_id), UpdateNotice.channel)
                    .order_by(func.min(UpdateNotice.due_at))
                    .limit(DECIDE_BATCH)
                )
            ).all()
        if not due:
            return None
        room = await self._dm_room() if any(channel == "dm" for _, channel in due) else 0
        waiting = False
        queued_dm = False
        for subscription_id, channel in due:
            if channel == "dm" and (room <= 0 or not self._take_token()):
                waiting = True
                continue
            outcome = await self._decide_one(subscription_id, channel, self._clock())
            if outcome == "queued" and channel == "dm":
                room -= 1
                queued_dm = True
            elif channel == "dm":
                self._give_back_token()
        if queued_dm:
            self._outbox_doorbell.ring()
        return "budget" if waiting else None

    async def _dm_room(self) -> int:
        async with self._sessions() as session:
            unfinished = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.purpose == Purpose.UPDATE.value,
                    in_literals(OutboxMessage.state, UNFINISHED_SEND_STATES),
                )
            )
        return self._options.in_flight - int(unfinished or 0)

    def _take_token(self) -> bool:
        now = self._monotonic()
        burst = float(max(1, self._options.in_flight))
        self._tokens = min(burst, self._tokens + (now - self._stamp) * self._options.rate)
        self._stamp = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    def _give_back_token(self) -> None:
        self._tokens = min(float(max(1, self._options.in_flight)), self._tokens + 1)

    async def _decide_one(self, subscription_id: int, channel: str, now: datetime) -> str:
        async with self._sessions() as session, session.begin():
            notices = (
                await session.scalars(
                    select(UpdateNotice)
                    .where(
                        UpdateNotice.subscription_id == subscription_id,
                        UpdateNotice.channel == channel,
                        UpdateNotice.state == "pending",
                        UpdateNotice.due_at <= now,
                    )
                    .order_by(UpdateNotice.change_id)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not notices:
                return "gone"  # another process decided them
            latest, older = notices[-1], notices[:-1]
            for notice in older:
                _decided(notice, "dropped", f"burst:{latest.id}", now)
            row = await session.get(UpdateSubscription, subscription_id)
            if row is None or row.stopped_at is not None:
                _decided(latest, "dropped", "stopped", now)
                return "dropped"
            subscription = subscription_of(row)
            quiet_until = self._options.quiet.quiet_until(
                now, subscription.language, subscription.country
            )
            if quiet_until is not None:
                latest.due_at = quiet_until
                latest.reason = "quiet_hours"
                return "waiting"
            shipment = Shipment.model_validate(latest.shipment)
            if channel == "email":
                return await self._email_one(session, latest, subscription, shipment, now)
            if channel == "sms":
                return await self._sms_one(session, latest, subscription, shipment, now)
            return await self._dm_one(session, latest, subscription, shipment, now)

    async def _dm_one(
        self,
        session: AsyncSession,
        notice: UpdateNotice,
        subscription: Subscription,
        shipment: Shipment,
        now: datetime,
    ) -> str:
        conversation = await ConversationStore(session).get(subscription.conversation_id)
        if conversation is None:
            _decided(notice, "dropped", "conversation_missing", now)
            return "dropped"
        language = subscription.language or conversation.language
        composed = self._replies.update(language, shipment)
        if self._sms is not None:
            # A buyer who has not opted in to texts is offered them under the update.
            offer = await self._sms.offer(session, conversation.id, language)
            if offer is not None:
                composed = replace(composed, quick_replies=(*composed.quick_replies, offer))
        based_on = {
            "update": notice.milestone,
            "number": notice.number,
            "notice": notice.id,
            "change": notice.change_id,
        }
        reason: str | None
        if paused(conversation, now, self._handoff_quiet):
            reason = "handed_off"
        else:
            decision = self._window.decide(Author.BOT, conversation.last_buyer_at, now)
            reason = None if decision.allowed else decision.reason or "window_closed"
        if reason is not None:
            notice.conversation_message_id = await record_held(
                session, conversation, composed.messages(), reason=reason, based_on=based_on, at=now
            )
            _decided(notice, "held", reason, now)
            log.info("updates: notice %s held (%s)", notice.id, reason)
            return "held"
        outbox_id, message_id = await enqueue_update(
            session,
            self._outbox,
            conversation,
            composed.messages(),
            key=f"update:{notice.id}",
            based_on=based_on,
            at=now,
            # Past the window the sender holds it (then it is told at the next message).
            expires_at=self._window.open_until(Author.BOT, conversation.last_buyer_at),
        )
        notice.outbox_id, notice.conversation_message_id = outbox_id, message_id
        _decided(notice, "queued", None, now)
        return "queued"

    async def _email_one(
        self,
        session: AsyncSession,
        notice: UpdateNotice,
        subscription: Subscription,
        shipment: Shipment,
        now: datetime,
    ) -> str:
        if self._email is None:
            _decided(notice, "dropped", "email_disabled", now)
            return "dropped"
        if subscription.email_stopped_at is not None:
            _decided(notice, "dropped", "unsubscribed", now)
            return "dropped"
        outcome = await self._email.queue(
            session, notice_id=notice.id, subscription=subscription, shipment=shipment, at=now
        )
        if not isinstance(outcome, str):
            notice.email_id = outcome
        return _queued(notice, outcome, now)

    async def _sms_one(
        self,
        session: AsyncSession,
        notice: UpdateNotice,
        subscription: Subscription,
        shipment: Shipment,
        now: datetime,
    ) -> str:
        """Queue the text (bot/sms/queue.py); its id is the sms_messages row's notice_id."""
        if self._sms is None:
            _decided(notice, "dropped", "sms_disabled", now)
            return "dropped"
        outcome = await self._sms.queue(
            session, notice_id=notice.id, subscription=subscription, shipment=shipment, at=now
        )
        return _queued(notice, outcome, now)


def _round_failed(exc: Exception) -> None:
    log.error("updates: notifier round failed; retrying", exc_info=exc)


def _decided(notice: UpdateNotice, state: str, reason: str | None, now: datetime) -> None:
    notice.state = state
    notice.reason = reason
    notice.decided_at = now


def _queued(notice: UpdateNotice, outcome: int | str, now: datetime) -> str:
    """A channel's queue answered with the queued row's id, or why nothing could go."""
    if isinstance(outcome, str):
        _decided(notice, "dropped", outcome, now)
        return "dropped"
    _decided(notice, "queued", None, now)
    return "queued"


async def _move_cursor(session: AsyncSession, position: int, now: datetime) -> None:
    await session.execute(_MOVE_CURSOR, {"name": CURSOR, "position": position, "updated_at": now})


async def notices_of(session: AsyncSession, conversation_id: int) -> Sequence[UpdateNotice]:
    """Every notice of a conversation, oldest first: what the console shows under "Updates"."""
    rows = await session.scalars(
        select(UpdateNotice)
        .where(UpdateNotice.conversation_id == conversation_id)
        .order_by(UpdateNotice.id)
    )
    return rows.all()


__all__ = ["CURSOR", "ChangeFeed", "EmailChannel", "Notifier", "SmsChannel", "notices_of"]
