"""The outbox: every outgoing message is written here first, then sent, and its fate recorded.

Rows are enqueued inside the transaction that decided to send them (a handled webhook event, a
merchant's reply, a proactive update), so a message exists if and only if its cause was
committed. The sender worker claims due rows, one per buyer at a time and in order, so the
parts of a long answer never overtake each other.

States: queued → sending → sent | failed | held; or sending → ambiguous (the call failed in a
way that may hide a delivery) → sent, when its echo or the Conversations API shows it went out,
else sending again. A `sending` row whose lease expired belongs to a process that died mid-call:
it becomes ambiguous too, never blindly resent. Every transition also updates the message's
delivery status in the conversation, in the same transaction.

A message refused because its Instagram account cannot send at all (SendAccountBlocked) is held
with the account's reason (one of ACCOUNT_BLOCKED_REASONS): those rows are the account's pause,
in either setup (with or without stored accounts), and nothing else records it. While any is
held, the account's queued messages are not claimed but held too (`hold_queued`); the oldest is
leased as a probe once it has been held for a while; `resume` queues them all again, each as
due as it was, in their original order.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    FromClause,
    Integer,
    Result,
    Update,
    bindparam,
    case,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.instagram.graph_errors import ACCOUNT_BLOCKED_REASONS
from bot.instagram.messages import OutgoingMessage, TextMessage, parse_outgoing
from bot.pipeline.tables import HELD_SEND_STATES, UNFINISHED_SEND_STATES, OutboxMessage
from conversations.models import Author, Delivery
from conversations.store import ConversationStore
from conversations.tables import ConversationRow
from foundation.database import (
    UtcDateTime,
    in_literals,
    single_statement_sessions,
    table_of,
    within,
)
from foundation.upserts import upsert

log = logging.getLogger(__name__)


class Purpose(StrEnum):
    """Why a message exists."""

    REPLY = "reply"  # the bot answering a buyer's turn
    UPDATE = "update"  # a proactive shipping update (the buyer did not just ask)
    MERCHANT = "merchant"  # a person's message typed in the console


class SendState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    AMBIGUOUS = "ambiguous"
    SENT = "sent"
    HELD = "held"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed outbox row: the sender holds it until `lease_token` is released."""

    id: int
    account_id: str
    recipient_id: str
    conversation_id: int
    conversation_message_id: int | None
    purpose: Purpose
    author: Author
    message: OutgoingMessage
    text: str | None
    state: SendState
    attempts: int  # times claimed, this time included
    first_attempt_at: datetime | None
    expires_at: datetime | None
    lease_token: str
    # The conversation as the claim found it: whether it still exists, and when the buyer
    # last opened Meta's 24-hour window (what the sender decides with, without reading it).
    conversation_found: bool
    last_buyer_at: datetime | None
    probe: bool = False  # the oldest message held for its paused account, tried to see if it works


@dataclass(frozen=True, slots=True)
class AccountHold:
    """An Instagram account whose sends are paused, read back from the messages held for it.

    `reason` is the newest hold's; `held` counts the held messages by reason; `since` is when
    the oldest of them was held.
    """

    account_id: str
    reason: str
    held: Mapping[str, int]
    since: datetime


@dataclass(frozen=True, slots=True)
class OutboxBacklog:
    queued: int
    sending: int
    ambiguous: int
    oldest_created_at: datetime | None


def _rowcount(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


# Statements are Core on the table (not the ORM class: no bulk-ORM machinery) and the ones
# run per message are built once, below, so a call only binds its values.
_outbox = table_of(OutboxMessage)
_c = _outbox.c
_conversations = table_of(ConversationRow)
_NOW = bindparam("now", type_=UtcDateTime())


def _unfinished(table: FromClause = _outbox) -> ColumnElement[bool]:
    """Queued, sending or ambiguous, as ix_outbox_messages_unfinished and _due state it."""
    return in_literals(table.c.state, UNFINISHED_SEND_STATES)


def _in_state(*states: SendState) -> ColumnElement[bool]:
    """Of these unfinished states, stated so that the unfinished indexes serve the read."""
    return within(_c.state, UNFINISHED_SEND_STATES, *(state.value for state in states))


def _held_for_account() -> ColumnElement[bool]:
    return in_literals(_c.state, HELD_SEND_STATES) & _c.reason.in_(sorted(ACCOUNT_BLOCKED_REASONS))


def _earlier_unfinished() -> ColumnElement[bool]:
    """An earlier message to the same buyer is not finished: this one must wait for it."""
    earlier = _outbox.alias("earlier")
    return exists().where(
        earlier.c.account_id == _c.account_id,
        earlier.c.recipient_id == _c.recipient_id,
        earlier.c.id < _c.id,
        _unfinished(earlier),
    )


def _lease(which: ColumnElement[bool]) -> Update:
    """Lease the rows `which` picks to :owner with :token until :lease_until, and return
    them: queued (or held, for a probe) ones become sending, ambiguous ones stay ambiguous."""
    return (
        update(_outbox)
        .where(which)
        .values(
            state=case(
                (
                    _c.state.in_([SendState.QUEUED.value, SendState.HELD.value]),
                    SendState.SENDING.value,
                ),
                else_=_c.state,
            ),
            lease_owner=bindparam("owner"),
            lease_token=bindparam("token"),
            lease_until=bindparam("until", type_=UtcDateTime()),
            attempts=_c.attempts + 1,
            first_attempt_at=func.coalesce(_c.first_attempt_at, _NOW),
            updated_at=_NOW,
        )
        .returning(
            _c.id,
            _c.account_id,
            _c.recipient_id,
            _c.conversation_id,
            _c.conversation_message_id,
            _c.purpose,
            _c.author,
            _c.message,
            _c.text,
            _c.state,
            _c.attempts,
            _c.first_attempt_at,
            _c.expires_at,
            select(_conversations.c.id)
            .where(_conversations.c.id == _c.conversation_id)
            .scalar_subquery()
            .label("found_conversation_id"),
            select(_conversations.c.last_buyer_at)
            .where(_conversations.c.id == _c.conversation_id)
            .scalar_subquery()
            .label("last_buyer_at"),
        )
    )


def _claim(*, skip_locked: bool, paused: bool) -> Update:
    """Lease up to :limit due messages, each the oldest unfinished one for its buyer; with
    `paused`, not the queued ones of the :paused accounts."""
    due = (
        select(_c.id)
        .where(
            _in_state(SendState.QUEUED, SendState.AMBIGUOUS),
            _c.next_attempt_at <= _NOW,
            _c.lease_until.is_(None) | (_c.lease_until < _NOW),
            ~_earlier_unfinished(),
        )
        .order_by(_c.next_attempt_at, _c.id)
        .limit(bindparam("limit", type_=Integer()))
    )
    if paused:
        due = due.where(
            ~(
                _c.account_id.in_(bindparam("paused", expanding=True))
                & (_c.state == SendState.QUEUED.value)
            )
        )
    if skip_locked:  # PostgreSQL: claimers running at once take different rows
        due = due.with_for_update(of=_outbox, skip_locked=True)
    return _lease(_c.id.in_(due.scalar_subquery()))


_CLAIMS = {
    (skip_locked, paused): _claim(skip_locked=skip_locked, paused=paused)
    for skip_locked in (False, True)
    for paused in (False, True)
}
# The oldest message held for each paused account, once it has been held since :held_before.
_CLAIM_PROBES = _lease(
    _c.id.in_(
        select(func.min(_c.id)).where(_held_for_account()).group_by(_c.account_id).scalar_subquery()
    )
    & _held_for_account()
    & (_c.updated_at <= bindparam("held_before", type_=UtcDateTime()))
    & ~_earlier_unfinished()
)
_ENQUEUE = upsert(_outbox).on_conflict_do_nothing("idempotency_key").returning(_c.id)
_IN_FLIGHT = [SendState.SENDING.value, SendState.AMBIGUOUS.value]
_NO_LEASE: dict[str, Any] = {"lease_owner": None, "lease_token": None, "lease_until": None}
_MARK_SENT = (
    update(_outbox)
    .where(
        _c.id == bindparam("item_id"),
        _c.lease_token == bindparam("item_token"),
        _c.state.in_(_IN_FLIGHT),
    )
    .values(
        state=SendState.SENT.value,
        message_id=bindparam("mid"),
        tag=bindparam("sent_tag"),
        reason=bindparam("sent_reason"),
        sent_at=_NOW,
        updated_at=_NOW,
        **_NO_LEASE,
    )
)
_RELEASE = (
    update(_outbox)
    .where(
        _c.id == bindparam("item_id"),
        _c.lease_token == bindparam("item_token"),
        _c.state != SendState.SENDING.value,
    )
    .values(**_NO_LEASE)
)
_BY_MID = select(_c.id).where(_c.message_id == bindparam("mid"))
_IN_FLIGHT_TO = (
    select(_c.id, _c.text, _c.conversation_message_id)
    .where(
        _c.account_id == bindparam("account_id"),
        _c.recipient_id == bindparam("recipient_id"),
        _in_state(SendState.SENDING, SendState.AMBIGUOUS),
    )
    .order_by(_c.id)
    .limit(1)
)
_CONFIRM_BY_ECHO = (
    update(_outbox)
    .where(_c.id == bindparam("item_id"), _c.state.in_(_IN_FLIGHT))
    .values(
        state=SendState.SENT.value,
        message_id=bindparam("mid"),
        reason="confirmed_by_echo",
        sent_at=_NOW,
        updated_at=_NOW,
        **_NO_LEASE,
    )
)


def text_of(message: OutgoingMessage) -> str | None:
    """The text the buyer sees as a message's text (what its echo carries), if any."""
    return message.text if isinstance(message, TextMessage) else None


class Outbox:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        lease_seconds: float = 60.0,
    ) -> None:
        self._sessions = sessions
        # Claims are one UPDATE … RETURNING each, the most frequent statement of a sender.
        self._claims = single_statement_sessions(sessions)
        self._clock = clock
        self._lease = timedelta(seconds=lease_seconds)

    async def enqueue(
        self,
        session: AsyncSession,
        *,
        idempotency_key: str,
        account_id: str,
        recipient_id: str,
        conversation_id: int,
        message: OutgoingMessage,
        purpose: Purpose,
        author: Author,
        conversation_message_id: int | None = None,
        author_ref: str | None = None,
        source_ref: str | None = None,
        not_before: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> int | None:
        """Add a message to send, inside the caller's transaction.

        Returns its id, or None when a message with this idempotency key already exists.
        `author` decides the window rules (only Author.MERCHANT may use HUMAN_AGENT);
        `not_before` delays it, and past `expires_at` it is held instead of sent.
        """
        if author not in (Author.BOT, Author.MERCHANT):
            raise ValueError(f"only the bot or a merchant sends through the outbox, not {author}")
        now = self._clock()
        created: int | None = await session.scalar(
            _ENQUEUE,
            {
                "idempotency_key": idempotency_key,
                "account_id": account_id,
                "recipient_id": recipient_id,
                "conversation_id": conversation_id,
                "conversation_message_id": conversation_message_id,
                "purpose": purpose.value,
                "author": author.value,
                "author_ref": author_ref,
                "source_ref": source_ref,
                "message": message.model_dump(mode="json"),
                "text": text_of(message),
                "state": SendState.QUEUED.value,
                "attempts": 0,
                "next_attempt_at": max(not_before, now) if not_before is not None else now,
                "expires_at": expires_at,
                "created_at": now,
                "updated_at": now,
            },
        )
        return created

    async def claim(
        self, owner: str, limit: int, *, paused: Collection[str] = ()
    ) -> list[Outgoing]:
        """Lease up to `limit` due messages, each the oldest unfinished one for its buyer.

        A queued message becomes `sending`; an ambiguous one stays ambiguous (the sender must
        settle it before anything else goes to that buyer). Queued messages of the `paused`
        accounts are left alone (their ambiguous ones are still settled).
        """
        if limit <= 0:
            return []
        params: dict[str, Any] = {"limit": limit}
        if paused:
            params["paused"] = sorted(paused)
        async with self._claims() as session, session.begin():
            skip_locked = session.get_bind().dialect.name == "postgresql"
            return await self._take(session, _CLAIMS[skip_locked, bool(paused)], owner, params)

    async def claim_probes(self, owner: str, every: timedelta) -> list[Outgoing]:
        """Lease, as a probe, the oldest message held for each paused account once it has
        been held for `every` (so an account is tried at most that often) and no earlier
        message to its buyer is unfinished."""
        held_before = self._clock() - every
        async with self._claims() as session, session.begin():
            return await self._take(
                session, _CLAIM_PROBES, owner, {"held_before": held_before}, probe=True
            )

    async def _take(
        self,
        session: AsyncSession,
        lease: Update,
        owner: str,
        params: Mapping[str, Any],
        *,
        probe: bool = False,
    ) -> list[Outgoing]:
        """Run a `_lease` statement with `params` for its own placeholders."""
        now = self._clock()
        token = uuid.uuid4().hex
        claimed = await session.execute(
            lease,
            {**params, "now": now, "owner": owner, "token": token, "until": now + self._lease},
        )
        items = [
            Outgoing(
                id=found.id,
                account_id=found.account_id,
                recipient_id=found.recipient_id,
                conversation_id=found.conversation_id,
                conversation_message_id=found.conversation_message_id,
                purpose=Purpose(found.purpose),
                author=Author(found.author),
                message=parse_outgoing(_json(found.message)),
                text=found.text,
                state=SendState(found.state),
                attempts=found.attempts,
                first_attempt_at=found.first_attempt_at,
                expires_at=found.expires_at,
                lease_token=token,
                conversation_found=found.found_conversation_id is not None,
                last_buyer_at=found.last_buyer_at,
                probe=probe,
            )
            for found in claimed
        ]
        return sorted(items, key=lambda item: item.id)

    async def begin_resend(self, item: Outgoing) -> bool:
        """An ambiguous message proved undelivered: mark it sending again. False: lease lost."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(_outbox)
                .where(
                    _c.id == item.id,
                    _c.lease_token == item.lease_token,
                    _c.state == SendState.AMBIGUOUS.value,
                )
                .values(
                    state=SendState.SENDING.value, lease_until=now + self._lease, updated_at=now
                )
            )
            return _rowcount(result) == 1

    async def mark_sent(
        self, item: Outgoing, message_id: str, *, tag: str | None, reason: str | None = None
    ) -> bool:
        """Meta accepted the message as `message_id`. False when its echo already said so."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                _MARK_SENT,
                {
                    "item_id": item.id,
                    "item_token": item.lease_token,
                    "mid": message_id,
                    "sent_tag": tag,
                    "sent_reason": reason,
                    "now": now,
                },
            )
            if _rowcount(result) != 1:
                return False
            await _record_delivery(
                session, item.conversation_message_id, Delivery.SENT, mid=message_id
            )
            return True

    async def retry_later(
        self,
        item: Outgoing,
        delay: timedelta,
        *,
        reason: str,
        code: int | None = None,
        subcode: int | None = None,
    ) -> None:
        """A try failed but may work later: queue the message again after `delay`."""
        await self._later(
            item, SendState.QUEUED, delay, reason=reason, error_code=code, error_subcode=subcode
        )

    async def recheck_later(self, item: Outgoing, delay: timedelta, *, reason: str) -> None:
        """Settle an ambiguous message after `delay` (its echo may still come)."""
        await self._later(item, SendState.AMBIGUOUS, delay, reason=reason)

    async def _later(
        self, item: Outgoing, state: SendState, delay: timedelta, **values: object
    ) -> None:
        """Give the leased `item` back in `state`, due again after `delay`."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(_outbox)
                .where(_c.id == item.id, _c.lease_token == item.lease_token)
                .values(
                    state=state.value,
                    next_attempt_at=now + delay,
                    updated_at=now,
                    **values,
                    **_NO_LEASE,
                )
            )

    async def finish(
        self,
        item: Outgoing,
        state: SendState,
        *,
        reason: str,
        code: int | None = None,
        subcode: int | None = None,
        delivery_issue: str | None = None,
    ) -> None:
        """The message will not be sent: FAILED (Meta refused it) or HELD (we chose not to).

        `delivery_issue` also marks the conversation as one whose messages cannot be delivered
        (window closed, buyer unavailable …) until the buyer writes again.
        """
        if state not in (SendState.FAILED, SendState.HELD):
            raise ValueError(f"finish() ends a message as failed or held, not {state}")
        await self._close(
            item, state, reason=reason, code=code, subcode=subcode, delivery_issue=delivery_issue
        )

    async def hold_for_account(
        self, item: Outgoing, *, reason: str, code: int | None = None, subcode: int | None = None
    ) -> None:
        """Hold the message until its account works again; `reason`, one of
        ACCOUNT_BLOCKED_REASONS, says why it does not."""
        if reason not in ACCOUNT_BLOCKED_REASONS:
            raise ValueError(f"{reason} is not a reason that pauses an account")
        await self._close(item, SendState.HELD, reason=reason, code=code, subcode=subcode)

    async def hold_queued(self, account_id: str, reason: str) -> int:
        """Hold the paused account's queued messages with its `reason` (what it waits for shows
        on each of them); their due time is kept for when it resumes. Returns how many."""
        if reason not in ACCOUNT_BLOCKED_REASONS:
            raise ValueError(f"{reason} is not a reason that pauses an account")
        now = self._clock()
        other = _outbox.alias("other")
        # Only while the account is still paused: a resume elsewhere may have just ended it.
        still_paused = exists().where(
            other.c.account_id == account_id,
            in_literals(other.c.state, HELD_SEND_STATES),
            other.c.reason.in_(sorted(ACCOUNT_BLOCKED_REASONS)),
        )
        async with self._sessions() as session, session.begin():
            return await _hold_queued(
                session, (_c.account_id == account_id) & still_paused, reason, now
            )

    async def _close(
        self,
        item: Outgoing,
        state: SendState,
        *,
        reason: str,
        code: int | None,
        subcode: int | None,
        delivery_issue: str | None = None,
    ) -> None:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(_outbox)
                .where(_c.id == item.id, _c.lease_token == item.lease_token)
                .values(
                    state=state.value,
                    reason=reason,
                    error_code=code,
                    error_subcode=subcode,
                    updated_at=now,
                    **_NO_LEASE,
                )
            )
            if _rowcount(result) != 1:
                return
            delivery = Delivery.FAILED if state is SendState.FAILED else Delivery.HELD
            await _record_delivery(session, item.conversation_message_id, delivery, reason=reason)
            if delivery_issue is not None:
                await ConversationStore(session).set_delivery_issue(
                    item.conversation_id, delivery_issue, now
                )

    async def cancel(self, session: AsyncSession, source_ref: str, *, reason: str) -> int:
        """Inside the caller's transaction: hold, with `reason`, the messages caused by
        `source_ref` that have not gone out yet and are not in flight (one being sent cannot be
        called back). Returns how many."""
        return await _hold_queued(session, _c.source_ref == source_ref, reason, self._clock())

    async def resume(self, account_id: str) -> int:
        """The account works again: queue every message held for it, each as due as it was
        (sent in their original order: each buyer's oldest first, as always). Returns how
        many."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            resumed = (
                await session.execute(
                    update(_outbox)
                    .where(_c.account_id == account_id, _held_for_account())
                    .values(
                        state=SendState.QUEUED.value,
                        attempts=0,
                        reason=None,
                        error_code=None,
                        error_subcode=None,
                        updated_at=now,
                    )
                    .returning(_c.conversation_message_id)
                )
            ).all()
            for (conversation_message_id,) in resumed:
                await _record_delivery(session, conversation_message_id, Delivery.QUEUED)
            return len(resumed)

    async def paused_accounts(self) -> list[AccountHold]:
        """The accounts whose sends are paused, by account id."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    _c.account_id,
                    _c.reason,
                    func.count(),
                    func.min(_c.updated_at),
                    func.max(_c.updated_at),
                )
                .where(_held_for_account())
                .group_by(_c.account_id, _c.reason)
            )
            found: dict[str, list[tuple[str, int, datetime, datetime]]] = {}
            for account_id, reason, count, first, last in rows:
                found.setdefault(account_id, []).append((reason, int(count), first, last))
        return [
            AccountHold(
                account_id=account_id,
                reason=max(groups, key=lambda group: group[3])[0],
                held={reason: count for reason, count, _, _ in groups},
                since=min(group[2] for group in groups),
            )
            for account_id, groups in sorted(found.items())
        ]

    async def release(self, item: Outgoing) -> None:
        """Give a claimed message back untouched (the sender is stopping)."""
        async with self._sessions() as session, session.begin():
            await session.execute(_RELEASE, {"item_id": item.id, "item_token": item.lease_token})

    async def match_echo(
        self,
        session: AsyncSession,
        *,
        account_id: str,
        recipient_id: str,
        mid: str,
        text: str | None,
    ) -> bool:
        """Inside the caller's transaction: is this echo one of our own messages?

        Yes when we already stored `mid` from a send result, or when the buyer's message in
        flight (sending, or ambiguous) has the same text; that message is then marked sent with
        this mid. The echo can arrive before the Send API's answer, which is why the in-flight
        message is matched by content. One message per buyer is in flight at a time, so the
        content only has to tell ours from a person's typed at the same moment.
        """
        if await session.scalar(_BY_MID, {"mid": mid}):
            return True
        in_flight = (
            await session.execute(
                _IN_FLIGHT_TO, {"account_id": account_id, "recipient_id": recipient_id}
            )
        ).first()
        if in_flight is None or in_flight.text != text:
            return False
        result = await session.execute(
            _CONFIRM_BY_ECHO, {"item_id": in_flight.id, "mid": mid, "now": self._clock()}
        )
        if _rowcount(result) != 1:
            # The sender recorded its answer meanwhile; it carries this mid if it was ours.
            found = await session.scalar(_BY_MID, {"mid": mid})
            return found is not None
        await _record_delivery(session, in_flight.conversation_message_id, Delivery.SENT, mid=mid)
        return True

    async def known_mids(self, mids: Sequence[str]) -> set[str]:
        """Which of these mids are already accounted for: one of our sends, or a message the
        conversation recorded (a person's reply seen through its echo)."""
        if not mids:
            return set()
        async with self._sessions() as session:
            found = await session.scalars(select(_c.message_id).where(_c.message_id.in_(mids)))
            ours = {mid for mid in found if mid is not None}
            return ours | await ConversationStore(session).known_mids(mids)

    async def in_flight_owners(self) -> set[str]:
        """Who holds the sends in flight (lease owners, bot/pipeline/owner.py)."""
        async with self._sessions() as session:
            found = await session.scalars(
                select(_c.lease_owner).where(_in_state(SendState.SENDING)).distinct()
            )
            return {owner for owner in found if owner is not None}

    async def recover(
        self, *, every_in_flight: bool = False, dead_owners: Collection[str] = ()
    ) -> int:
        """Turn sends whose process died mid-call into ambiguous ones, to be settled first.

        With `every_in_flight` (a lone process starting up) every `sending` row counts as
        interrupted; otherwise those whose lease expired, and those held by `dead_owners`
        (processes known to be gone) at once.
        """
        now = self._clock()
        interrupted = _in_state(SendState.SENDING)
        if not every_in_flight:
            gone = _c.lease_until < now
            if dead_owners:
                gone = gone | _c.lease_owner.in_(sorted(dead_owners))
            interrupted = interrupted & gone
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(_outbox)
                .where(interrupted)
                .values(
                    state=SendState.AMBIGUOUS.value,
                    reason="interrupted",
                    next_attempt_at=now,
                    updated_at=now,
                    **_NO_LEASE,
                )
            )
            if every_in_flight:
                await session.execute(
                    update(_outbox).where(_in_state(SendState.AMBIGUOUS)).values(**_NO_LEASE)
                )
            return _rowcount(result)

    async def backlog(self) -> OutboxBacklog:
        async with self._sessions() as session:
            rows = await session.execute(
                select(_c.state, func.count(), func.min(_c.created_at))
                .where(_unfinished())
                .group_by(_c.state)
            )
            counts: dict[str, int] = {}
            oldest: list[datetime] = []
            for state, count, first in rows:
                counts[state] = int(count)
                if first is not None:
                    oldest.append(first)
        return OutboxBacklog(
            queued=counts.get(SendState.QUEUED.value, 0),
            sending=counts.get(SendState.SENDING.value, 0),
            ambiguous=counts.get(SendState.AMBIGUOUS.value, 0),
            oldest_created_at=min(oldest) if oldest else None,
        )


def _json(value: Any) -> str | bytes:
    return value if isinstance(value, str | bytes) else json.dumps(value)


async def _hold_queued(
    session: AsyncSession, which: ColumnElement[bool], reason: str, now: datetime
) -> int:
    """Hold, with `reason`, the queued messages `which` picks that no sender holds, and say so
    on their conversation messages. Returns how many."""
    held = (
        await session.execute(
            update(_outbox)
            .where(
                which,
                _in_state(SendState.QUEUED),
                _c.lease_token.is_(None),
            )
            .values(state=SendState.HELD.value, reason=reason, updated_at=now)
            .returning(_c.conversation_message_id)
        )
    ).all()
    for (conversation_message_id,) in held:
        await _record_delivery(session, conversation_message_id, Delivery.HELD, reason=reason)
    return len(held)


async def _record_delivery(
    session: AsyncSession,
    conversation_message_id: int | None,
    status: Delivery,
    *,
    mid: str | None = None,
    reason: str | None = None,
) -> None:
    if conversation_message_id is not None:
        await ConversationStore(session).set_delivery(
            conversation_message_id, status, mid=mid, reason=reason
        )


__all__ = ["AccountHold", "Outbox", "OutboxBacklog", "Outgoing", "Purpose", "SendState", "text_of"]
