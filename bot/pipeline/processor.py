"""EventProcessor: what handling one inbox event means, kind by kind.

Handling has two phases. First, outside any transaction, the responder is asked what to
answer (it may take seconds: orders, carriers). Then one transaction fences the lane's lease,
marks the event processed, records it in the conversation and enqueues the reply in the
outbox: all of it or none of it, which is what makes each event's effects happen once.

Echoes are recorded as outgoing messages and never answered; one that is not ours means a
person replied from the Instagram app, which hands the conversation off so the bot stays quiet.
Standby events (another app owns the thread) are recorded and never answered. Events for an
Instagram account that is not connected (SendApis knows none for their entry.id) are kept with
the outcome `unknown_account`: no conversation is opened and the responder is not asked.

Edits and unsends are respected whatever order they arrive in. A buyer's message whose unsend
is already in the inbox is recorded as unsent and never answered (`unsent`); one whose edits
are already there is answered in its latest words. An edit of a message answered already is
answered as a correction (a MESSAGE turn with `corrects`); an edit whose original has not
arrived waits for it a little (`waiting_for_original`), then is kept for the original to pick
up. An unsend holds the replies to its message that have not gone out (`unsent_by_buyer`).
While the responder works on a buyer's message or tap, SenderActions (when given) marks it seen
and shows typing if the answer is late.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.instagram.events import EventKind, Message, MessageEdit, MessagingItem
from bot.pipeline.dialogue_port import Attachment, Reply, Responder, Turn, TurnKind
from bot.pipeline.doorbell import Doorbell
from bot.pipeline.inbox import Completion, Inbox, Lease, StoredEvent
from bot.pipeline.outbox import Outbox, Purpose
from bot.pipeline.sender import SendApis
from bot.pipeline.sender_actions import SenderActions
from bot.pipeline.voice import say
from conversations.models import Author, Conversation, Delivery, Direction, MessageKind
from conversations.policy import PolicyNotices
from conversations.store import ConversationStore
from foundation.database import single_statement_sessions

log = logging.getLogger(__name__)

_TURN_KINDS = {
    EventKind.MESSAGE: TurnKind.MESSAGE,
    EventKind.POSTBACK: TurnKind.POSTBACK,
    EventKind.REFERRAL: TurnKind.REFERRAL,
}
# A buyer's message or tap is marked seen and may show typing; echoes, reads, reactions, edits
# and referrals are not something the buyer is waiting on an answer to.
_ACTION_KINDS = frozenset({EventKind.MESSAGE, EventKind.POSTBACK})
UNKNOWN_ACCOUNT = "unknown_account"
"""The outcome of an event for an Instagram account that is not connected."""
UNSENT = "unsent_by_buyer"
"""Why a reply was held: the buyer unsent the message it answered before it went out."""
EDIT_WAITS = 4
"""How many times an edit whose original is not recorded yet is looked at again (after 1, 2,
4 and 8 s) before it is kept for the original to pick up."""


class NotYet(Exception):
    """The event cannot be handled before another one: try it again after `seconds`."""

    def __init__(self, reason: str, seconds: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.seconds = seconds


_IGNORED = {
    EventKind.HANDOVER: "ignored_handover",
    EventKind.OPTIN: "ignored_optin",
    EventKind.CHANGE: "ignored_change",
    EventKind.TEST: "dashboard_test",
    EventKind.UNKNOWN: "unknown",
    EventKind.IGNORED: "ignored",
}


@dataclass(frozen=True, slots=True)
class _Plan:
    item: MessagingItem
    conversation: Conversation | None  # None for an echo: it is matched to our sends first
    reply: Reply | None
    unsent: bool = False  # the buyer unsent this message before it was handled
    edited_text: str | None = None  # its latest edit, arrived before it was handled


_Apply = Callable[[AsyncSession, StoredEvent, _Plan], Awaitable[int]]


class TurnUpdatesPort(Protocol):
    """What a buyer's turn does to proactive updates (bot.updates.turns implements it)."""

    @property
    def waiting(self) -> ColumnElement[bool] | None:
        """Whether updates wait to be told at the conversation's next turn: SQL over the
        conversation's row, built once, read by the statement that takes the bot's turn (None:
        none ever do)."""
        ...

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
        """Act on the reply inside the turn's transaction, before its messages are queued;
        returns how many messages it queued itself (ahead of the reply's). `waiting` is what
        `waiting` read as the turn was taken."""
        ...


def paused(conversation: Conversation, now: datetime, quiet: timedelta) -> bool:
    """Whether the bot must stay quiet: handed off, and a person was active within `quiet`."""
    if conversation.handoff_at is None:
        return False
    last_human = max(filter(None, [conversation.handoff_at, conversation.last_merchant_at]))
    return now < last_human + quiet


def _log_ignored(event: StoredEvent) -> None:
    if event.kind is EventKind.TEST:
        log.info("inbox: the App Dashboard's test webhook arrived (event %s)", event.id)
    elif event.kind is EventKind.UNKNOWN:
        log.warning("inbox: stored an event of unknown shape (event %s)", event.id)
    elif event.kind is EventKind.IGNORED:
        log.warning(
            "inbox: kept a signed webhook body wismo does not handle (event %s: %s)",
            event.id,
            event.payload.get("reason"),
        )


def _message_kind(message: Message) -> MessageKind:
    if message.is_unsupported:
        return MessageKind.UNSUPPORTED
    if message.quick_reply is not None:
        return MessageKind.QUICK_REPLY
    if message.reply_to is not None and message.reply_to.story is not None:
        return MessageKind.STORY_REPLY
    if message.attachments:
        return MessageKind.ATTACHMENT
    return MessageKind.TEXT


def _details(model: Any, *drop: str) -> dict[str, Any]:
    details: dict[str, Any] = model.model_dump(
        mode="json", exclude_none=True, exclude_defaults=True, exclude=set(drop)
    )
    return details


def _turn(event: StoredEvent, item: MessagingItem, igsid: str) -> Turn | None:
    kind = _TURN_KINDS.get(event.kind)
    if kind is None:
        return None
    common: dict[str, Any] = {
        "kind": kind,
        "account_id": event.account_id,
        "igsid": igsid,
        "occurred_at": event.at,
    }
    if item.message is not None:
        message = item.message
        return Turn(
            **common,
            mid=message.mid,
            text=message.text,
            payload=message.quick_reply.payload if message.quick_reply else None,
            attachments=tuple(
                Attachment(attachment.type, attachment.payload.url if attachment.payload else None)
                for attachment in message.attachments
            ),
            ref=message.referral.ref if message.referral else None,
            reply_to_mid=message.reply_to.mid if message.reply_to else None,
            story_reply=bool(message.reply_to and message.reply_to.story),
        )
    if item.postback is not None:
        postback = item.postback
        return Turn(
            **common,
            mid=postback.mid,
            text=postback.title,
            payload=postback.payload,
            ref=postback.referral.ref if postback.referral else None,
        )
    if item.referral is not None:
        return Turn(**common, ref=item.referral.ref)
    return None


class EventProcessor:
    """Handles one stored event for a worker holding its lane's lease."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Inbox,
        outbox: Outbox,
        responder: Responder,
        *,
        clock: Callable[[], datetime],
        outbox_doorbell: Doorbell,
        handoff_quiet: timedelta = timedelta(hours=24),
        updates: TurnUpdatesPort | None = None,
        accounts: SendApis | None = None,
        actions: SenderActions | None = None,
    ) -> None:
        self._sessions = sessions
        # Opening a buyer's conversation is one INSERT … ON CONFLICT … RETURNING.
        self._opening = single_statement_sessions(sessions)
        self._inbox = inbox
        self._outbox = outbox
        self._responder = responder
        self._clock = clock
        self._outbox_doorbell = outbox_doorbell
        self._handoff_quiet = handoff_quiet
        self._updates = updates
        self._accounts = accounts
        self._actions = actions
        self._flagged_accounts: set[str] = set()
        self._appliers: dict[EventKind, _Apply] = {
            EventKind.MESSAGE: self._buyer_turn,
            EventKind.POSTBACK: self._buyer_turn,
            EventKind.REFERRAL: self._buyer_turn,
            EventKind.EDIT: self._edit,
            EventKind.ECHO: self._echo,
            EventKind.DELETED: self._deleted,
            EventKind.REACTION: self._reaction,
            EventKind.READ: self._read,
            EventKind.POLICY: self._policy,
        }

    async def handle(self, lease: Lease, event: StoredEvent) -> Completion:
        """Handle `event`; raises whatever the responder or the database raised (retry it)."""
        if await self._connected(event):
            outcome, plan = await self._prepare(event)
        else:
            outcome, plan = UNKNOWN_ACCOUNT, None
        enqueued = 0
        async with self._sessions() as session, session.begin():
            completion = await self._inbox.complete(session, lease, event.id, outcome)
            if completion is not Completion.DONE:
                return completion
            if plan is not None:
                enqueued = await self._appliers[event.kind](session, event, plan)
            # Giving the lane up in the same transaction saves a commit per event.
            if await self._inbox.release_drained(session, lease):
                completion = Completion.DRAINED
        log.info(
            "inbox: handled event %s",
            event.id,
            extra={"event_kind": event.kind.value, "outcome": outcome, "replies": enqueued},
        )
        if enqueued:
            self._outbox_doorbell.ring()
        return completion

    async def _connected(self, event: StoredEvent) -> bool:
        """Whether the event's account is connected; an event for another one is stored and
        flagged (outcome UNKNOWN_ACCOUNT), never answered, and logged once per account."""
        if self._accounts is None or event.kind in _IGNORED:
            return True
        if await self._accounts.for_account(event.account_id) is not None:
            return True
        if event.account_id not in self._flagged_accounts:
            self._flagged_accounts.add(event.account_id)
            log.warning(
                "inbox: events for Instagram account %s are kept unanswered: it is not connected",
                event.account_id,
            )
        return False

    async def _prepare(self, event: StoredEvent) -> tuple[str, _Plan | None]:
        """The event's outcome, and what to record (None: nothing) with the reply to send."""
        if event.kind in _IGNORED:
            _log_ignored(event)
            return _IGNORED[event.kind], None
        try:
            item = MessagingItem.model_validate(event.payload)
        except ValidationError:
            log.warning("inbox: event %s no longer parses; left unhandled", event.id)
            return "unparsable", None
        outcome = ("standby_" if event.standby else "") + event.kind.value
        if item.message_edit is not None:
            return await self._prepare_edit(event, item, item.message_edit, outcome)
        if event.kind in (EventKind.ECHO, EventKind.POLICY):
            # An echo is matched to our sends first; a policy notice is the account's.
            recorded = event.igsid is not None or event.kind is EventKind.POLICY
            return (outcome, _Plan(item, None, None)) if recorded else ("no_conversation", None)
        return await self._prepare_turn(event, item, outcome)

    async def _prepare_turn(
        self, event: StoredEvent, item: MessagingItem, outcome: str
    ) -> tuple[str, _Plan | None]:
        """A buyer's event in a conversation: recorded, and answered unless unsent first."""
        found = await self._conversation(event, item)
        if found is None:
            return "no_conversation", None
        conversation, igsid = found
        turn = _turn(event, item, igsid)
        unsent, edited_text = False, None
        if (
            turn is not None
            and item.message is not None
            and not item.message.is_deleted
            and event.may_have_news
        ):
            news = await self._inbox.news_about(event.account_id, item.message.mid)
            unsent, edited_text = news.unsent, news.edited_text
            if unsent:
                return "unsent", _Plan(item, conversation, None, unsent=True)
            if edited_text is not None:
                turn = replace(turn, text=edited_text)  # the buyer's latest words
        reply = await self._answer(event, turn, conversation)
        return outcome, _Plan(item, conversation, reply, edited_text=edited_text)

    async def _answer(
        self, event: StoredEvent, turn: Turn | None, conversation: Conversation
    ) -> Reply | None:
        """The responder's reply to `turn`; None when there is nothing to answer (standby, or
        a person has the conversation)."""
        if (
            turn is None
            or event.standby
            or paused(conversation, self._clock(), self._handoff_quiet)
        ):
            return None
        return await self._respond(event, turn, conversation)

    async def _prepare_edit(
        self, event: StoredEvent, item: MessagingItem, edit: MessageEdit, outcome: str
    ) -> tuple[str, _Plan | None]:
        """An edit: answered as a correction when it changes a recorded message's text; kept
        waiting when its original has not been recorded yet."""
        async with self._sessions() as session:
            store = ConversationStore(session)
            original = await store.message_by_mid(edit.mid)
            conversation = (
                await store.get(original.conversation_id) if original is not None else None
            )
        if original is None or conversation is None:
            if event.attempts < EDIT_WAITS:
                raise NotYet("waiting_for_original", float(2**event.attempts))
            return "waiting_for_original", None  # the original picks it up when it comes
        if original.deleted_at is not None or not edit.text or edit.text == original.text:
            return outcome, _Plan(item, conversation, None)
        correction = Turn(
            kind=TurnKind.MESSAGE,
            account_id=event.account_id,
            igsid=conversation.igsid,
            occurred_at=event.at,
            mid=edit.mid,
            text=edit.text,
            corrects=edit.mid,
        )
        return outcome, _Plan(
            item, conversation, await self._answer(event, correction, conversation)
        )

    async def _respond(self, event: StoredEvent, turn: Turn, conversation: Conversation) -> Reply:
        """The responder's reply, with the turn's sender actions around it (best-effort: they
        never delay or change the reply; bot/pipeline/sender_actions.py)."""
        if self._actions is None or event.kind not in _ACTION_KINDS:
            return await self._responder.respond(turn, conversation)
        async with self._actions.turn(
            event.account_id, turn.igsid, key=event.id, buyer_at=event.at
        ):
            return await self._responder.respond(turn, conversation)

    async def _conversation(
        self, event: StoredEvent, item: MessagingItem
    ) -> tuple[Conversation, str] | None:
        """The buyer's conversation and IGSID, opened when the event may start one; else None."""
        igsid = event.igsid
        if igsid is None:
            return None
        if event.conversation_read:
            conversation = event.conversation  # read with the event
        else:
            async with self._sessions() as session:
                conversation = await ConversationStore(session).find(event.account_id, igsid)
        if conversation is None:
            if event.kind in (EventKind.READ, EventKind.DELETED):
                return None  # nothing recorded there to update
            async with self._opening() as session, session.begin():
                conversation = await ConversationStore(session).open(
                    event.account_id, igsid, self._clock()
                )
        return conversation, igsid

    async def _buyer_turn(self, session: AsyncSession, event: StoredEvent, plan: _Plan) -> int:
        store = ConversationStore(session)
        conversation = plan.conversation
        assert conversation is not None
        item = plan.item
        at = event.at
        now = self._clock()
        # A reply's turn moves the conversation's times for the buyer's message too (one
        # UPDATE instead of two).
        answered = plan.reply is not None
        if item.message is not None:
            message = item.message
            recorded = await store.add_message(
                conversation.id,
                direction=Direction.IN,
                author=Author.BUYER,
                kind=_message_kind(message),
                mid=message.mid,
                text=message.text,
                payload=_details(message, "mid", "text"),
                created_at=at,
                recorded_at=now,
                opens_window=True,
                touch_conversation=not answered,
            )
        elif item.postback is not None:
            postback = item.postback
            recorded = await store.add_message(
                conversation.id,
                direction=Direction.IN,
                author=Author.BUYER,
                kind=MessageKind.POSTBACK,
                mid=postback.mid,
                text=postback.title,
                payload=_details(postback, "mid", "title"),
                created_at=at,
                recorded_at=now,
                opens_window=True,
                touch_conversation=not answered,
            )
        else:
            assert item.referral is not None
            recorded = await store.add_message(
                conversation.id,
                direction=Direction.IN,
                author=Author.BUYER,
                kind=MessageKind.REFERRAL,
                payload=_details(item.referral),
                created_at=at,
                recorded_at=now,
                opens_window=True,
                touch_conversation=not answered,
            )
        if recorded is None:
            return 0  # this mid was recorded before (delivered twice through different paths)
        if item.message is not None and plan.unsent:
            await store.mark_deleted(item.message.mid, at)
            return 0
        if item.message is not None and plan.edited_text is not None:
            await store.apply_edit(item.message.mid, plan.edited_text, at)
        # Every buyer message, postback and ig.me referral (re)opened Meta's 24-hour window.
        if conversation.delivery_issue is not None:
            await store.set_delivery_issue(conversation.id, None, now)
        return await self._apply_reply(session, event, plan, buyer_at=at if answered else None)

    async def _edit(self, session: AsyncSession, event: StoredEvent, plan: _Plan) -> int:
        assert plan.item.message_edit is not None
        edit = plan.item.message_edit
        await ConversationStore(session).apply_edit(edit.mid, edit.text, event.at)
        return await self._apply_reply(session, event, plan)

    async def _apply_reply(
        self,
        session: AsyncSession,
        event: StoredEvent,
        plan: _Plan,
        *,
        buyer_at: datetime | None = None,
    ) -> int:
        """Take the bot's turn and queue the reply; `buyer_at`: the buyer's message it
        answers was added without moving the conversation's times (the turn moves them)."""
        reply = plan.reply
        conversation = plan.conversation
        if reply is None or conversation is None:
            return 0
        store = ConversationStore(session)
        now = self._clock()
        # The reply comes after the turn even if Meta's clock runs ahead of ours.
        sent_at = max(now, event.at)
        turn = await store.bot_turn(
            conversation.id,
            at=sent_at,
            quiet_since=now - self._handoff_quiet,
            state=reply.state,
            language=reply.language,
            handoff=reply.handoff,
            buyer_at=buyer_at,
            note=self._updates.waiting if self._updates is not None else None,
        )
        if not turn.taken:
            # Handed off while the responder was thinking: a person has it now.
            log.info("inbox: reply to event %s dropped, conversation handed off", event.id)
            return 0
        for kind, value in reply.references:
            await store.add_reference(conversation.id, kind, value, now)
        for effect in reply.effects:
            await effect.apply(session, conversation, now)
        # --- Proactive updates: subscribe, stop, and tell what was held first ---
        told = 0
        if self._updates is not None:
            told = await self._updates.before_reply(
                session,
                key=f"event:{event.id}",
                conversation=conversation,
                reply=reply,
                at=sent_at,
                buyer_turn=event.kind is not EventKind.EDIT,
                waiting=bool(turn.noted),
            )
        # --- end of proactive updates ---
        await say(
            session,
            self._outbox,
            conversation,
            reply.messages,
            author=Author.BOT,
            purpose=Purpose.REPLY,
            key=f"event:{event.id}",
            at=sent_at,
            recorded_at=now,
            based_on=reply.based_on,
            source_ref=f"inbox:{event.id}",
            touch_conversation=False,
        )
        return told + len(reply.messages)

    async def _echo(self, session: AsyncSession, event: StoredEvent, plan: _Plan) -> int:
        message = plan.item.message
        assert message is not None
        assert event.igsid is not None
        if message.is_self:
            return 0  # the account messaging itself (Meta's self-messaging test)
        if await self._outbox.match_echo(
            session,
            account_id=event.account_id,
            recipient_id=event.igsid,
            mid=message.mid,
            text=message.text,
        ):
            return 0
        store = ConversationStore(session)
        now = self._clock()
        conversation = await store.open(event.account_id, event.igsid, now)
        recorded = await store.add_message(
            conversation.id,
            direction=Direction.OUT,
            author=Author.ECHO,
            kind=_message_kind(message),
            mid=message.mid,
            text=message.text,
            payload=_details(message, "mid", "text", "is_echo"),
            status=Delivery.SENT,
            created_at=event.at,
            recorded_at=now,
        )
        # A person answered from the Instagram app (or another tool): let them talk.
        if (
            recorded is not None
            and not event.standby
            and await store.hand_off(conversation.id, "merchant_replied", event.at)
        ):
            log.info("inbox: conversation %s handed off: a person replied", conversation.id)
        return 0

    async def _deleted(self, session: AsyncSession, event: StoredEvent, plan: _Plan) -> int:
        assert plan.item.message is not None
        mid = plan.item.message.mid
        await ConversationStore(session).mark_deleted(mid, event.at)
        answered = await self._inbox.message_event_id(session, mid)
        if answered is not None:
            held = await self._outbox.cancel(session, f"inbox:{answered}", reason=UNSENT)
            if held:
                log.info("inbox: %s replies to an unsent message held (event %s)", held, event.id)
        return 0

    async def _reaction(self, session: AsyncSession, event: StoredEvent, plan: _Plan) -> int:
        assert plan.item.reaction is not None
        reaction = plan.item.reaction
        assert plan.conversation is not None
        await ConversationStore(session).add_message(
            plan.conversation.id,
            direction=Direction.IN,
            author=Author.BUYER,
            kind=MessageKind.REACTION,
            text=reaction.emoji,
            payload={
                "action": reaction.action,
                "reaction": reaction.reaction,
                "reacted_mid": reaction.mid,
            },
            created_at=event.at,
            recorded_at=self._clock(),
        )
        return 0

    async def _policy(self, session: AsyncSession, event: StoredEvent, plan: _Plan) -> int:
        enforcement = plan.item.policy_enforcement
        assert enforcement is not None
        await PolicyNotices(session).record(
            account_id=event.account_id,
            action=enforcement.action,
            reason=enforcement.reason,
            occurred_at=event.at,
            recorded_at=self._clock(),
            source_ref=f"inbox:{event.id}",
        )
        # The merchant sees it in the console; the log line is for whoever watches the logs.
        log.warning(
            "inbox: Meta's policy enforcement for account %s: %s (%s)",
            event.account_id,
            enforcement.action,
            enforcement.reason or "no reason given",
        )
        return 0

    async def _read(self, session: AsyncSession, event: StoredEvent, plan: _Plan) -> int:
        assert plan.conversation is not None
        await ConversationStore(session).buyer_read(plan.conversation.id, event.at)
        return 0


__all__ = ["UNKNOWN_ACCOUNT", "UNSENT", "EventProcessor", "NotYet", "TurnUpdatesPort", "paused"]
