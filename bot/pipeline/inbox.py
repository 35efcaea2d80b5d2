"""The durable inbox: webhook events stored before the 200, then handed out one lane at a time.

A lane is one conversation (Instagram account + buyer). Workers lease whole lanes, so a
conversation's events are handled one at a time and in timestamp order, while different
conversations proceed in parallel, in one process or several.

Why this is exactly-once: the transaction that records an event's effects (its conversation
messages, its outbox rows) starts by re-checking the lane's lease token and then marks the event
processed with `WHERE processed_at IS NULL`. Both are conditional writes, so at most one worker's
effects ever commit, and a crash before the commit leaves the event pending for the next worker.
Leases are taken with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so processes sharing a database
never wait on each other's lanes; a lease expires after `lease_seconds` if its holder died.
On SQLite (one process by design) `recover()` frees every lease at start-up instead.

Every write transaction here begins with a write, so SQLite takes its write lock up front and
waits for it with the busy timeout instead of failing on a stale read snapshot.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Result,
    Select,
    String,
    Update,
    bindparam,
    case,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.instagram.events import EventKind, InboundEvent
from bot.pipeline.tables import InboxEvent, InboxLane, OutboxMessage
from conversations.models import Conversation
from conversations.store import conversation_columns, conversation_from
from conversations.tables import ConversationRow
from foundation.database import UtcDateTime, table_of
from foundation.upserts import upsert

log = logging.getLogger(__name__)


class Completion(StrEnum):
    """What marking an event processed came to."""

    DONE = "done"
    DRAINED = "drained"  # done, and the lane had nothing left: its lease is released
    ALREADY_DONE = "already_done"  # another worker handled it first: record nothing
    LEASE_LOST = "lease_lost"  # another worker owns the lane now: stop working on it


@dataclass(frozen=True, slots=True)
class Lease:
    """The right to handle one lane's events until `until`, proven by `token`. `first` is the
    lane's next event as the claim read it (None: ask `Inbox.next_event`)."""

    lane_key: str
    token: str
    until: datetime
    first: StoredEvent | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    kind: EventKind
    account_id: str
    igsid: str | None
    occurred_at: datetime
    received_at: datetime
    standby: bool
    payload: dict[str, Any]
    attempts: int
    # False when, as the event was read, no unsend or edit of its message had arrived
    # (`Inbox.news_about` need not be asked); True when there was, or when not looked at.
    may_have_news: bool = True
    # The buyer's conversation as the event was read (`conversation_read`), None when there
    # was none yet; not looked up when `conversation_read` is False.
    conversation: Conversation | None = None
    conversation_read: bool = False

    @property
    def at(self) -> datetime:
        """When the event happened as far as the conversation goes: Meta's time, but never
        later than it arrived, so a clock running ahead cannot stretch the buyer's 24-hour
        window (docs/instagram.md, The 24-hour window). `occurred_at`, Meta's own, still
        orders the lane's events."""
        return min(self.occurred_at, self.received_at)


_EDIT_NUMBERS = range(11)
"""`num_edit` values looked for: Meta allows 5 edits of a message (docs/instagram.md, Limits);
0 stands for a count it did not give; a margin above."""


def _news_keys(mid: Any) -> list[Any]:
    """The dedupe keys an unsend or an edit of the message `mid` is stored under
    (docs/instagram.md, Dedupe keys): strings for a str, SQL for a column expression."""
    return ["deleted:" + mid, *("edit:" + mid + f":{n}" for n in _EDIT_NUMBERS)]


@dataclass(frozen=True, slots=True)
class MessageNews:
    """What the inbox holds about one buyer message beyond the message itself, whether handled
    or not: whether the buyer unsent it, and its latest edited text (None: not edited)."""

    unsent: bool
    edited_text: str | None


@dataclass(frozen=True, slots=True)
class InboxBacklog:
    pending: int
    oldest_received_at: datetime | None


_EVENTS = table_of(InboxEvent).c
_LANES = table_of(InboxLane)
_HELD = (
    select(_LANES.c.lane_key)
    .where(_LANES.c.lane_key == bindparam("lane"), _LANES.c.lease_token == bindparam("token"))
    .with_for_update()  # PostgreSQL: the lane's row is locked; SQLite renders nothing
)
_COMPLETE = (
    update(table_of(InboxEvent))
    .where(_EVENTS.id == bindparam("event_id"), _EVENTS.processed_at.is_(None), _HELD.exists())
    .values(processed_at=bindparam("at"), outcome=bindparam("result"))
)
_RELEASE_DRAINED = (
    update(_LANES)
    .where(
        _LANES.c.lane_key == bindparam("lane"),
        _LANES.c.lease_token == bindparam("token"),
        ~select(_EVENTS.id)
        .where(_EVENTS.lane_key == bindparam("lane"), _EVENTS.processed_at.is_(None))
        .exists(),
    )
    .values(lease_owner=None, lease_token=None, lease_until=None)
)


def _claim(skip_locked: bool) -> Update:
    """The claim: lanes whose head event is due and whose lease is free or expired, oldest
    first; on PostgreSQL lanes another transaction is claiming are skipped, not waited for."""
    pending = (
        select(_EVENTS.lane_key, func.min(_EVENTS.id).label("first_id"))
        .where(_EVENTS.processed_at.is_(None))
        .group_by(_EVENTS.lane_key)
        # Only the lane's head can be waiting for a retry, and it blocks the lane.
        .having(func.max(_EVENTS.available_at) <= bindparam("now"))
        .subquery()
    )
    free = (
        select(_LANES.c.lane_key)
        .join(pending, pending.c.lane_key == _LANES.c.lane_key)
        .where(_LANES.c.lease_until.is_(None) | (_LANES.c.lease_until < bindparam("now")))
        .order_by(pending.c.first_id)
        .limit(bindparam("limit"))
    )
    if skip_locked:
        free = free.with_for_update(of=_LANES, skip_locked=True)
    return (
        update(_LANES)
        .where(_LANES.c.lane_key.in_(free.scalar_subquery()))
        .values(
            lease_owner=bindparam("owner"),
            lease_token=bindparam("token"),
            lease_until=bindparam("until"),
        )
        .returning(_LANES.c.lane_key)
    )


_CLAIM = {skip_locked: _claim(skip_locked) for skip_locked in (False, True)}


def _news_exists() -> ColumnElement[bool]:
    """Whether an unsend or an edit of the message that the event is (its dedupe key is
    "message:<mid>") has arrived: the keys `news_about` reads, worked out in SQL, so the worker
    reads the message and learns whether there is news in one statement."""
    news = table_of(InboxEvent).alias("news")
    mid = func.substr(_EVENTS.dedupe_key, len("message:") + 1, type_=String)
    return (
        select(news.c.id)
        .where(news.c.account_id == _EVENTS.account_id, news.c.dedupe_key.in_(_news_keys(mid)))
        .exists()
    )


_CONVERSATION = "conversation_"
_conversations = table_of(ConversationRow)


def _read_events() -> Select[Any]:
    """Pending events as a worker reads them: what handling needs, whether news of them has
    arrived, and the buyer's conversation."""
    return (
        select(
            _EVENTS.id,
            _EVENTS.lane_key,
            _EVENTS.kind,
            _EVENTS.account_id,
            _EVENTS.igsid,
            _EVENTS.occurred_at,
            _EVENTS.received_at,
            _EVENTS.standby,
            _EVENTS.payload,
            _EVENTS.attempts,
            _news_exists().label("has_news"),
            *conversation_columns(_CONVERSATION),
        )
        .select_from(table_of(InboxEvent))
        .outerjoin(
            _conversations,
            (_conversations.c.account_id == _EVENTS.account_id)
            & (_conversations.c.igsid == _EVENTS.igsid),
        )
        .where(_EVENTS.processed_at.is_(None))
    )


_NEXT_EVENT = (
    _read_events()
    .where(_EVENTS.lane_key == bindparam("lane"))
    .order_by(_EVENTS.occurred_at, _EVENTS.id)
    .limit(1)
)
_head = table_of(InboxEvent).alias("head")
_HEADS = _read_events().where(
    _EVENTS.lane_key.in_(bindparam("lanes", expanding=True)),
    _EVENTS.id
    == select(_head.c.id)
    .where(_head.c.lane_key == _EVENTS.lane_key, _head.c.processed_at.is_(None))
    .order_by(_head.c.occurred_at, _head.c.id)
    .limit(1)
    .scalar_subquery(),
)
"""The next event of each of the :lanes, as `_NEXT_EVENT` reads one lane's."""
_outbox = table_of(OutboxMessage).c


def _ours(mid: str) -> ColumnElement[bool]:
    """Whether the event is the echo of a send whose result we recorded (the bind `mid` is its
    mid, NULL for any other event): handling it would only find it ours, so it is stored
    handled, in the INSERT itself. The echo of a message still in flight is left to the worker,
    which matches it by content (Outbox.match_echo); so is everything else. (Each use has its
    own bind: a bind used twice miscounts the parameters of a many-row INSERT on asyncpg.)"""
    return select(_outbox.id).where(_outbox.message_id == bindparam(mid)).exists()


_STORE_EVENTS = (
    upsert(InboxEvent)
    .values(
        processed_at=case(
            (_ours("echo_mid"), bindparam("settled_at", type_=UtcDateTime())), else_=None
        ),
        outcome=case((_ours("echo_mid_"), bindparam("settled_as", type_=String())), else_=None),
    )
    .on_conflict_do_nothing("dedupe_key")
    .returning(_EVENTS.dedupe_key, _EVENTS.lane_key, _EVENTS.processed_at)
)
_OPEN_LANES = upsert(_LANES).on_conflict_do_nothing("lane_key")
"""Statements built once: each call only binds its values (bind names differ from the
columns an UPDATE sets, which SQLAlchemy reserves)."""


def _stored(row: Any) -> StoredEvent:
    """An event from its row of `_NEXT_EVENT`."""
    return StoredEvent(
        id=row.id,
        kind=EventKind(row.kind),
        account_id=row.account_id,
        igsid=row.igsid,
        occurred_at=row.occurred_at,
        received_at=row.received_at,
        standby=row.standby,
        payload=row.payload,
        attempts=row.attempts,
        may_have_news=bool(row.has_news),
        conversation=conversation_from(row, _CONVERSATION),
        conversation_read=True,
    )


def _edited_text(payload: Any) -> str | None:
    edit = payload.get("message_edit") if isinstance(payload, dict) else None
    text = edit.get("text") if isinstance(edit, dict) else None
    return text if isinstance(text, str) and text else None


def _echo_mid(event: InboundEvent) -> str | None:
    """The mid of an echo that is a plain message (not an edit, not the account messaging
    itself): one that may be one of our own sends."""
    if event.kind is not EventKind.ECHO:
        return None
    message = event.payload.get("message")
    if not isinstance(message, dict) or message.get("is_self"):
        return None
    mid = message.get("mid")
    return mid if isinstance(mid, str) and mid else None


def _rowcount(result: Result[Any]) -> int:
    """Rows matched by an UPDATE or DELETE (what conditional writes are checked with)."""
    return int(cast(CursorResult[Any], result).rowcount)


class Inbox:
    """Stores webhook events and leases their lanes to workers."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        lease_seconds: float = 30.0,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._lease = timedelta(seconds=lease_seconds)

    async def append(self, events: Sequence[InboundEvent], received_at: datetime) -> int:
        """Store the events in one transaction; returns how many were new (not duplicates)
        and wait for a worker."""
        (stored,) = await self.append_deliveries([(events, received_at)])
        return stored

    async def append_deliveries(
        self, deliveries: Sequence[tuple[Sequence[InboundEvent], datetime]]
    ) -> list[int]:
        """Store several deliveries' events in one transaction; how many of each were new
        and wait for a worker (the echo of a send we already recorded is stored handled).

        An event that several deliveries carry counts as new for the first of them only.
        """
        rows: dict[str, dict[str, Any]] = {}
        owner: dict[str, int] = {}
        for index, (events, received_at) in enumerate(deliveries):
            for event in events:
                if event.dedupe_key in rows:
                    continue
                owner[event.dedupe_key] = index
                echo_mid = _echo_mid(event)
                rows[event.dedupe_key] = {
                    "dedupe_key": event.dedupe_key,
                    "lane_key": event.lane_key,
                    "account_id": event.account_id,
                    "igsid": event.igsid,
                    "kind": event.kind.value,
                    "standby": event.standby,
                    "occurred_at": event.occurred_at,
                    "received_at": received_at,
                    "payload": event.payload,
                    "available_at": received_at,
                    "attempts": 0,
                    # The echo of a send whose result we recorded is stored handled (_ours).
                    "echo_mid": echo_mid,
                    "echo_mid_": echo_mid,
                    "settled_at": received_at,
                    "settled_as": ("standby_" if event.standby else "") + EventKind.ECHO.value,
                }
        counts = [0] * len(deliveries)
        if not rows:
            return counts
        # A fixed order keeps two concurrent transactions with overlapping events from
        # deadlocking on the unique index.
        ordered = [rows[key] for key in sorted(rows)]
        async with self._sessions() as session, session.begin():
            inserted = (await session.execute(_STORE_EVENTS, ordered)).all()
            waiting = [(key, lane) for key, lane, settled_at in inserted if settled_at is None]
            lanes = sorted({lane for _, lane in waiting})
            if lanes:
                await session.execute(_OPEN_LANES, [{"lane_key": lane} for lane in lanes])
        for key, _ in waiting:
            counts[owner[key]] += 1
        return counts

    async def claim(self, owner: str, limit: int) -> list[Lease]:
        """Lease up to `limit` lanes whose next event is due and that no live worker holds."""
        if limit <= 0:
            return []
        now = self._clock()
        until = now + self._lease
        token = uuid.uuid4().hex
        async with self._sessions() as session, session.begin():
            statement = _CLAIM[session.get_bind().dialect.name == "postgresql"]
            claimed = await session.scalars(
                statement,
                {"now": now, "limit": limit, "owner": owner, "token": token, "until": until},
            )
            lanes = claimed.all()
            if not lanes:
                return []
            # The work comes with the claim: each lane's next event, in the same transaction.
            heads = await session.execute(_HEADS, {"lanes": lanes})
            first = {row.lane_key: _stored(row) for row in heads}
        return [Lease(lane, token, until, first.get(lane)) for lane in lanes]

    async def next_event(self, lease: Lease) -> StoredEvent | None:
        """The lane's oldest pending event by event time, or None when the lane is drained."""
        async with self._sessions() as session:
            row = (await session.execute(_NEXT_EVENT, {"lane": lease.lane_key})).first()
            return _stored(row) if row is not None else None

    async def complete(
        self, session: AsyncSession, lease: Lease, event_id: int, outcome: str
    ) -> Completion:
        """Inside the caller's transaction, mark the event processed if the lease still holds.

        Call it first in the transaction that records the event's effects, and record them only
        when it returns DONE; otherwise nothing was changed. One statement in the usual case:
        the lease check is part of the conditional write (on PostgreSQL it locks the lane's
        row, as a claim does, so a claim and a completion of the same lane never interleave).
        """
        done = await session.execute(
            _COMPLETE,
            {
                "event_id": event_id,
                "lane": lease.lane_key,
                "token": lease.token,
                "at": self._clock(),
                "result": outcome,
            },
        )
        if _rowcount(done) == 1:
            return Completion.DONE
        held = await session.scalar(_HELD, {"lane": lease.lane_key, "token": lease.token})
        return Completion.ALREADY_DONE if held is not None else Completion.LEASE_LOST

    async def release_drained(self, session: AsyncSession, lease: Lease) -> bool:
        """Inside the caller's transaction, give the lane up if it has no pending event left;
        False (lease kept) if it has."""
        result = await session.execute(
            _RELEASE_DRAINED, {"lane": lease.lane_key, "token": lease.token}
        )
        return _rowcount(result) == 1

    async def postpone(
        self, lease: Lease, event_id: int, error: str, delay: timedelta | None
    ) -> None:
        """Handling failed: try again after `delay`, or give the event up when `delay` is None.

        The lane waits meanwhile (its later events must not overtake this one); its lease is
        released so any worker can resume it.
        """
        now = self._clock()
        async with self._sessions() as session, session.begin():
            fenced = await session.execute(
                update(InboxLane)
                .where(InboxLane.lane_key == lease.lane_key, InboxLane.lease_token == lease.token)
                .values(lease_owner=None, lease_token=None, lease_until=None)
            )
            if _rowcount(fenced) != 1:
                return
            values: dict[str, Any] = {"attempts": InboxEvent.attempts + 1, "error": error[:200]}
            if delay is None:
                values.update(processed_at=now, outcome="failed")
            else:
                values["available_at"] = now + delay
            await session.execute(
                update(InboxEvent)
                .where(InboxEvent.id == event_id, InboxEvent.processed_at.is_(None))
                .values(values)
            )

    async def renew(self, lease: Lease) -> bool:
        """Extend a lease that is still ours; False when it is not any more."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(InboxLane)
                .where(InboxLane.lane_key == lease.lane_key, InboxLane.lease_token == lease.token)
                .values(lease_until=self._clock() + self._lease)
            )
            return _rowcount(result) == 1

    async def release_if_drained(self, lease: Lease) -> bool:
        """Give the lane up if it has no pending event left; False (lease kept) if it has."""
        async with self._sessions() as session, session.begin():
            return await self.release_drained(session, lease)

    async def release(self, lease: Lease) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(InboxLane)
                .where(InboxLane.lane_key == lease.lane_key, InboxLane.lease_token == lease.token)
                .values(lease_owner=None, lease_token=None, lease_until=None)
            )

    async def free_lanes_of(self, owners: Callable[[set[str]], set[str]]) -> int:
        """Free the lanes leased by those holders that `owners` picks out of the current ones
        (the dead ones: bot/pipeline/owner.py)."""
        async with self._sessions() as session:
            held = await session.scalars(
                select(InboxLane.lease_owner).where(InboxLane.lease_token.is_not(None)).distinct()
            )
            gone = owners({owner for owner in held if owner is not None})
        if not gone:
            return 0
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(InboxLane)
                .where(InboxLane.lease_owner.in_(sorted(gone)))
                .values(lease_owner=None, lease_token=None, lease_until=None)
            )
            return _rowcount(result)

    async def recover(self) -> int:
        """Free every lease: for a process that knows it is the only one (SQLite)."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(InboxLane)
                .where(InboxLane.lease_token.is_not(None))
                .values(lease_owner=None, lease_token=None, lease_until=None)
            )
            return _rowcount(result)

    async def news_about(self, account_id: str, mid: str) -> MessageNews:
        """Whether an unsend or edits of the message `mid` arrived (docs/instagram.md, Dedupe
        keys: `deleted:<mid>`, `edit:<mid>:<num_edit>`), handled or still waiting."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(InboxEvent.kind, InboxEvent.payload)
                    .where(
                        InboxEvent.account_id == account_id,
                        # Exact keys, so the unique index answers (a LIKE prefix would not,
                        # on PostgreSQL's usual collations).
                        InboxEvent.dedupe_key.in_(_news_keys(mid)),
                    )
                    .order_by(InboxEvent.occurred_at, InboxEvent.id)
                )
            ).all()
        edits = [_edited_text(payload) for kind, payload in rows if kind == EventKind.EDIT]
        texts = [text for text in edits if text is not None]
        return MessageNews(
            unsent=any(kind == EventKind.DELETED for kind, _ in rows),
            edited_text=texts[-1] if texts else None,
        )

    async def message_event_id(self, session: AsyncSession, mid: str) -> int | None:
        """The inbox event that carried the buyer message `mid`, if it is still kept."""
        found: int | None = await session.scalar(
            select(InboxEvent.id).where(InboxEvent.dedupe_key == f"message:{mid}")
        )
        return found

    async def backlog(self) -> InboxBacklog:
        async with self._sessions() as session:
            pending, oldest = (
                await session.execute(
                    select(func.count(), func.min(InboxEvent.received_at)).where(
                        InboxEvent.processed_at.is_(None)
                    )
                )
            ).one()
        return InboxBacklog(int(pending), oldest)

    async def purge(self, processed_before: datetime) -> int:
        """Delete events handled before the given time (kept that long for deduplication)."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                delete(InboxEvent).where(InboxEvent.processed_at < processed_before)
            )
            return _rowcount(result)


__all__ = ["Completion", "Inbox", "InboxBacklog", "Lease", "MessageNews", "StoredEvent"]
