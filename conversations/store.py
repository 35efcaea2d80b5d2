"""ConversationStore: reads and writes conversations and messages inside the caller's session.

The store is bound to one session so that recording a buyer's message can share a transaction
with whatever else that unit of work writes (the bot's inbox and outbox). It returns frozen
values from conversations.models, never ORM rows.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Label,
    Result,
    Update,
    and_,
    bindparam,
    case,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal, _TraverseInternalsType

from conversations.models import (
    Author,
    Conversation,
    Delivery,
    Direction,
    Message,
    MessageKind,
)
from conversations.tables import ConversationRow, MessageRow, ReferenceRow
from foundation.database import UtcDateTime, table_of
from foundation.upserts import upsert

# Statements are Core on the tables (not the ORM classes: no bulk-ORM machinery); the
# inserts run for every message are built once.
_conversations = table_of(ConversationRow)
_messages = table_of(MessageRow)
_references = table_of(ReferenceRow)
_opening = upsert(_conversations)
# A no-op update on conflict, so RETURNING yields the row whether new or not.
_OPEN = _opening.on_conflict_do_update(
    ("account_id", "igsid"), {"account_id": _opening.excluded.account_id}
).returning(*_conversations.columns)
# A message without a mid never conflicts (NULLs are distinct in a unique index).
_ADD_MESSAGE = upsert(_messages).on_conflict_do_nothing("mid").returning(_messages.c.id)
_ADD_REFERENCE = upsert(_references).on_conflict_do_nothing("conversation_id", "kind", "value")


_AT = bindparam("at", type_=UtcDateTime())
_BUYER_AT = bindparam("buyer_at", type_=UtcDateTime())


def _later(column: Any, at: Any = _AT) -> Any:
    """`column` moved forward to `at` (by default the :at parameter) if that is later:
    events arrive out of order."""
    return case((or_(column.is_(None), column < at), at), else_=column)


_c = _conversations.c
_BY_ID = select(_conversations).where(_c.id == bindparam("row_id"))
_BY_BUYER = select(_conversations).where(
    _c.account_id == bindparam("account_id"), _c.igsid == bindparam("igsid")
)


@functools.cache
def _touch(opens_window: bool, author: Author) -> Update:
    """Move the conversation :row_id's times to :at for a message by `author`."""
    changes: dict[str, Any] = {"last_message_at": _later(_c.last_message_at)}
    if opens_window:
        changes["last_buyer_at"] = _later(_c.last_buyer_at)
    if author is Author.BUYER:
        changes.update(resolved=False, resolved_at=None)
    elif author in (Author.MERCHANT, Author.ECHO):
        changes["last_merchant_at"] = _later(_c.last_merchant_at)
    return update(_conversations).where(_c.id == bindparam("row_id")).values(changes)


class _Qualified(ColumnElement[Any]):
    """`element`, with its columns named by their tables even in a RETURNING clause, where
    SQLite's compiler leaves table names out, also inside subqueries (whose columns can then
    name the wrong table, or be refused as ambiguous)."""

    __visit_name__ = "wismo_qualified"
    inherit_cache = True
    # SQLAlchemy's cache key covers it (its own attribute, declared as an instance one).
    _traverse_internals: _TraverseInternalsType = [  # noqa: RUF012
        ("element", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, element: ColumnElement[Any]) -> None:
        self.element = element
        self.type = element.type


@compiles(_Qualified)
def _render_qualified(element: _Qualified, compiler: SQLCompiler, **kw: Any) -> str:
    kw.pop("include_table", None)
    return str(compiler.process(element.element, **kw))


@functools.cache
def _bot_turn(
    with_state: bool, with_language: bool, after_buyer: bool, note: ColumnElement[Any] | None
) -> Update:
    """The bot's turn at :at on the conversation :row_id unless a person has had it since
    before :quiet_since; sets the hand-off (:new_handoff_at, :new_handoff_reason) and, when
    asked, :new_state and :new_language. With `after_buyer`, also what the buyer's message at
    :buyer_at that it answers does (as `_touch(True, Author.BUYER)`), in the same UPDATE.
    Returns the row's id and `note` (an expression over the row, read as the row is updated)."""
    quiet_since = bindparam("quiet_since", type_=UtcDateTime())
    free = or_(
        _c.handoff_at.is_(None),
        and_(
            _c.handoff_at < quiet_since,
            or_(_c.last_merchant_at.is_(None), _c.last_merchant_at < quiet_since),
        ),
    )
    # The reply is never earlier than the message it answers (:at >= :buyer_at), so moving
    # last_message_at to :at covers both.
    values: dict[str, Any] = {
        "last_message_at": _later(_c.last_message_at),
        "handoff_at": bindparam("new_handoff_at", type_=UtcDateTime()),
        "handoff_reason": bindparam("new_handoff_reason", type_=_c.handoff_reason.type),
    }
    if after_buyer:
        values["last_buyer_at"] = _later(_c.last_buyer_at, _BUYER_AT)
        values.update(resolved=False, resolved_at=None)
    if with_state:
        values["state"] = bindparam("new_state", type_=_c.state.type)
    if with_language:
        values["language"] = bindparam("new_language", type_=_c.language.type)
    statement = update(_conversations).where(_c.id == bindparam("row_id"), free).values(values)
    if note is None:
        return statement.returning(_c.id)
    return statement.returning(_c.id, _Qualified(note).label("note"))


@dataclass(frozen=True, slots=True)
class BotTurn:
    """What `ConversationStore.bot_turn` came to."""

    taken: bool  # False: a person has the conversation, and the bot's turn changed nothing
    noted: Any = None  # the value of the `note` asked for, when taken


_m = _messages.c
_DELIVERY = {
    "status": bindparam("new_status", type_=_m.status.type),
    "status_reason": bindparam("new_reason", type_=_m.status_reason.type),
}
_SET_DELIVERY = update(_messages).where(_m.id == bindparam("row_id")).values(_DELIVERY)
# The mid only when no other message has it.
_SET_DELIVERY_AND_MID = (
    update(_messages)
    .where(
        _m.id == bindparam("row_id"),
        ~select(_m.id).where(_m.mid == bindparam("new_mid"), _m.id != bindparam("row_id")).exists(),
    )
    .values({**_DELIVERY, "mid": bindparam("new_mid", type_=_m.mid.type)})
)


def _conversation(row: Any) -> Conversation:
    """From an ORM row or a result row with the table's columns."""
    return Conversation(
        id=row.id,
        account_id=row.account_id,
        igsid=row.igsid,
        username=row.username,
        name=row.name,
        language=row.language,
        created_at=row.created_at,
        last_message_at=row.last_message_at,
        last_buyer_at=row.last_buyer_at,
        last_merchant_at=row.last_merchant_at,
        buyer_read_at=row.buyer_read_at,
        state=MappingProxyType(dict(row.state or {})),
        handoff_at=row.handoff_at,
        handoff_reason=row.handoff_reason,
        resolved=row.resolved,
        resolved_at=row.resolved_at,
        delivery_issue=row.delivery_issue,
        delivery_issue_at=row.delivery_issue_at,
    )


class _Prefixed:
    """A result row's `prefix`-labelled columns, read as attributes without the prefix."""

    __slots__ = ("_mapping", "_prefix")

    def __init__(self, mapping: Mapping[str, Any], prefix: str) -> None:
        self._mapping = mapping
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        return self._mapping[self._prefix + name]


def conversation_columns(prefix: str) -> list[Label[Any]]:
    """The conversations table's columns labelled `prefix` + name, for a read of something
    else that brings its conversation along (joined outer: a row may have none)."""
    return [column.label(prefix + column.key) for column in _conversations.columns]


def conversation_from(row: Any, prefix: str) -> Conversation | None:
    """The conversation a row read with `conversation_columns(prefix)` brought; None when it
    had none."""
    mapping = row._mapping
    if mapping[prefix + "id"] is None:
        return None
    return _conversation(_Prefixed(mapping, prefix))


def _message(row: MessageRow) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        direction=Direction(row.direction),
        author=Author(row.author),
        kind=MessageKind(row.kind),
        mid=row.mid,
        text=row.text,
        payload=MappingProxyType(dict(row.payload or {})),
        based_on=MappingProxyType(dict(row.based_on)) if row.based_on is not None else None,
        status=Delivery(row.status),
        status_reason=row.status_reason,
        created_at=row.created_at,
        edited_at=row.edited_at,
        deleted_at=row.deleted_at,
    )


def _rowcount(result: Result[Any]) -> int:
    """Rows matched by an UPDATE or DELETE (what conditional writes are checked with)."""
    return int(cast(CursorResult[Any], result).rowcount)


class ConversationStore:
    """Conversations and messages, within one session (one unit of work)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, conversation_id: int) -> Conversation | None:
        row = (await self._session.execute(_BY_ID, {"row_id": conversation_id})).first()
        return _conversation(row) if row is not None else None

    async def find(self, account_id: str, igsid: str) -> Conversation | None:
        found = {"account_id": account_id, "igsid": igsid}
        row = (await self._session.execute(_BY_BUYER, found)).first()
        return _conversation(row) if row is not None else None

    async def open(self, account_id: str, igsid: str, at: datetime) -> Conversation:
        """The conversation of this buyer with this account, created at `at` if new.

        Safe when two units of work open the same conversation at once: both get the same one.
        """
        opened = {
            "account_id": account_id,
            "igsid": igsid,
            "created_at": at,
            "state": {},
            "resolved": False,
        }
        row = (await self._session.execute(_OPEN, opened)).one()
        return _conversation(row)

    async def add_message(
        self,
        conversation_id: int,
        *,
        direction: Direction,
        author: Author,
        kind: MessageKind,
        created_at: datetime,
        recorded_at: datetime,
        text: str | None = None,
        mid: str | None = None,
        payload: Mapping[str, Any] | None = None,
        based_on: Mapping[str, Any] | None = None,
        status: Delivery = Delivery.RECEIVED,
        status_reason: str | None = None,
        opens_window: bool = False,
        touch_conversation: bool = True,
    ) -> Message | None:
        """Record a message and keep the conversation's times current.

        Returns None when a message with this `mid` is already recorded (a duplicate, or the echo
        of a message stored from its send result). A buyer's message reopens a resolved
        conversation, and with `opens_window` (re)opens Meta's 24-hour window at `created_at`;
        a person's message (merchant or echo) restarts the hand-off quiet period.
        `touch_conversation=False` leaves the conversation's times alone, for a caller that
        moves them itself (`bot_turn`).
        """
        values: dict[str, Any] = {
            "conversation_id": conversation_id,
            "direction": direction.value,
            "author": author.value,
            "kind": kind.value,
            "mid": mid,
            "text": text,
            "payload": dict(payload or {}),
            "based_on": dict(based_on) if based_on is not None else None,
            "status": status.value,
            "status_reason": status_reason,
            "created_at": created_at,
            "recorded_at": recorded_at,
        }
        message_id = await self._session.scalar(_ADD_MESSAGE, values)
        if message_id is None:
            return None
        if touch_conversation:
            await self._session.execute(
                _touch(opens_window, author), {"row_id": conversation_id, "at": created_at}
            )
        return Message(
            id=message_id,
            conversation_id=conversation_id,
            direction=direction,
            author=author,
            kind=kind,
            mid=mid,
            text=text,
            payload=MappingProxyType(values["payload"]),
            based_on=MappingProxyType(values["based_on"]) if based_on is not None else None,
            status=status,
            status_reason=status_reason,
            created_at=created_at,
            edited_at=None,
            deleted_at=None,
        )

    async def bot_turn(
        self,
        conversation_id: int,
        *,
        at: datetime,
        quiet_since: datetime,
        state: Mapping[str, Any] | None = None,
        language: str | None = None,
        handoff: str | None = None,
        buyer_at: datetime | None = None,
        note: ColumnElement[Any] | None = None,
    ) -> BotTurn:
        """The bot answers at `at`: keep its dialogue state and the buyer's language (None
        leaves either as it is), and hand the conversation to a person when `handoff` says why.

        A conversation handed off earlier comes back to the bot once its person has been silent
        since `quiet_since`; while a person has it, the turn is not taken and changes nothing.
        `buyer_at`: the turn answers a buyer's message at that time, added with
        `touch_conversation=False`; its times are moved here, in the same statement (and on
        their own when the turn is not taken). `note`, an SQL expression over the
        conversation's row built once by the caller, is read in the same statement too.
        """
        values: dict[str, Any] = {
            "row_id": conversation_id,
            "at": at,
            "quiet_since": quiet_since,
            "new_handoff_at": at if handoff is not None else None,
            "new_handoff_reason": handoff,
        }
        if state is not None:
            values["new_state"] = dict(state)
        if language is not None:
            values["new_language"] = language
        if buyer_at is not None:
            values["buyer_at"] = buyer_at
        statement = _bot_turn(state is not None, language is not None, buyer_at is not None, note)
        row = (await self._session.execute(statement, values)).first()
        if row is not None:
            return BotTurn(taken=True, noted=row.note if note is not None else None)
        if buyer_at is not None:
            touch = _touch(True, Author.BUYER)
            await self._session.execute(touch, {"row_id": conversation_id, "at": buyer_at})
        return BotTurn(taken=False)

    async def _advance(self, conversation_id: int, column: Any, at: datetime) -> None:
        await self._session.execute(
            update(_conversations)
            .where(_conversations.c.id == conversation_id)
            .values({column.key: _later(column, literal(at, UtcDateTime()))})
        )

    async def opened_window(self, conversation_id: int, at: datetime) -> None:
        """The buyer did something that (re)opens Meta's 24-hour window at `at`."""
        await self._advance(conversation_id, _conversations.c.last_buyer_at, at)

    async def buyer_read(self, conversation_id: int, at: datetime) -> None:
        await self._advance(conversation_id, _conversations.c.buyer_read_at, at)

    async def message(self, message_id: int) -> Message | None:
        row = await self._session.get(MessageRow, message_id, populate_existing=True)
        return _message(row) if row is not None else None

    async def message_by_mid(self, mid: str) -> Message | None:
        row = await self._session.scalar(
            select(MessageRow)
            .where(_messages.c.mid == mid)
            .execution_options(populate_existing=True)
        )
        return _message(row) if row is not None else None

    async def known_mids(self, mids: Sequence[str]) -> set[str]:
        """Which of these mids are recorded in some conversation."""
        found = await self._session.scalars(
            select(_messages.c.mid).where(_messages.c.mid.in_(mids))
        )
        return {mid for mid in found if mid is not None}

    async def set_delivery(
        self,
        message_id: int,
        status: Delivery,
        *,
        mid: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Record where an outgoing message stands, and its mid once Meta gave one.

        The mid is not recorded when another message already has it (a person's message whose
        echo was recorded before we learnt the mid was ours): the conversation keeps one copy.
        """
        values: dict[str, Any] = {
            "row_id": message_id,
            "new_status": status.value,
            "new_reason": reason,
        }
        if mid is not None:
            result = await self._session.execute(_SET_DELIVERY_AND_MID, {**values, "new_mid": mid})
            if _rowcount(result) == 1:
                return
        await self._session.execute(_SET_DELIVERY, values)

    async def mark_deleted(self, mid: str, at: datetime) -> bool:
        """The buyer unsent the message `mid`; its text is dropped. False if it is unknown."""
        result = await self._session.execute(
            update(_messages)
            .where(_messages.c.mid == mid, _messages.c.deleted_at.is_(None))
            .values(deleted_at=at, text=None)
        )
        return bool(_rowcount(result))

    async def apply_edit(self, mid: str, text: str | None, at: datetime) -> Message | None:
        """The buyer edited the message `mid`; earlier texts are kept in payload["edits"].

        Returns the edited message, or None when `mid` is unknown.
        """
        row = await self._session.scalar(
            select(MessageRow)
            .where(_messages.c.mid == mid)
            .execution_options(populate_existing=True)
        )
        if row is None:
            return None
        if text is not None and text != row.text:
            payload = dict(row.payload or {})
            payload["edits"] = [*payload.get("edits", []), {"text": row.text}]
            row.payload = payload
            row.text = text
        row.edited_at = at
        await self._session.flush()
        return _message(row)

    async def save_dialogue(
        self,
        conversation_id: int,
        *,
        state: Mapping[str, Any] | None = None,
        language: str | None = None,
    ) -> None:
        """Store the dialogue's state and the buyer's language (None leaves either as it is)."""
        values: dict[str, Any] = {}
        if state is not None:
            values["state"] = dict(state)
        if language is not None:
            values["language"] = language
        if values:
            await self._session.execute(
                update(_conversations).where(_conversations.c.id == conversation_id).values(values)
            )

    async def set_profile(
        self, conversation_id: int, *, username: str | None, name: str | None
    ) -> None:
        # Instagram usernames are case-insensitive; one form keeps search and its index simple.
        await self._session.execute(
            update(_conversations)
            .where(_conversations.c.id == conversation_id)
            .values(username=username.lower() if username else None, name=name)
        )

    async def hand_off(self, conversation_id: int, reason: str, at: datetime) -> bool:
        """Hand the conversation to a person; False if it already was (its wait keeps running)."""
        result = await self._session.execute(
            update(_conversations)
            .where(_conversations.c.id == conversation_id, _conversations.c.handoff_at.is_(None))
            .values(handoff_at=at, handoff_reason=reason)
        )
        return bool(_rowcount(result))

    async def hand_back(self, conversation_id: int) -> None:
        await self._session.execute(
            update(_conversations)
            .where(_conversations.c.id == conversation_id)
            .values(handoff_at=None, handoff_reason=None)
        )

    async def resolve(self, conversation_id: int, at: datetime) -> None:
        await self._session.execute(
            update(_conversations)
            .where(_conversations.c.id == conversation_id)
            .values(resolved=True, resolved_at=at)
        )

    async def set_delivery_issue(
        self, conversation_id: int, reason: str | None, at: datetime
    ) -> None:
        """Note (or clear, with None) why messages to this buyer cannot be delivered."""
        await self._session.execute(
            update(_conversations)
            .where(_conversations.c.id == conversation_id)
            .values(delivery_issue=reason, delivery_issue_at=at if reason else None)
        )

    async def add_reference(
        self, conversation_id: int, kind: str, value: str, at: datetime
    ) -> None:
        """Remember that the conversation was about this order or tracking number."""
        await self._session.execute(
            _ADD_REFERENCE,
            {"conversation_id": conversation_id, "kind": kind, "value": value, "created_at": at},
        )

    async def references(self, conversation_id: int) -> list[tuple[str, str]]:
        rows = await self._session.execute(
            select(_references.c.kind, _references.c.value)
            .where(_references.c.conversation_id == conversation_id)
            .order_by(_references.c.id)
        )
        return [(kind, value) for kind, value in rows]

    async def references_since(self, conversation_id: int, kind: str, since: datetime) -> list[str]:
        """The values of this kind the conversation was first about at or after `since`."""
        values = await self._session.scalars(
            select(_references.c.value).where(
                _references.c.conversation_id == conversation_id,
                _references.c.kind == kind,
                _references.c.created_at >= since,
            )
        )
        return list(values)

    async def transcript(self, conversation_id: int) -> list[Message]:
        """Every message of the conversation, oldest first."""
        rows = await self._session.scalars(
            select(MessageRow)
            .where(_messages.c.conversation_id == conversation_id)
            .order_by(_messages.c.created_at, _messages.c.id)
            .execution_options(populate_existing=True)
        )
        return [_message(row) for row in rows]

    async def newest(
        self, limit: int, *, before: tuple[datetime, int] | None = None
    ) -> Sequence[Conversation]:
        """Conversations with messages, newest first; `before` is the last page's last
        (last_message_at, id), so every page costs the same however deep it is."""
        query = select(ConversationRow).where(_conversations.c.last_message_at.is_not(None))
        if before is not None:
            at, conversation_id = before
            query = query.where(
                or_(
                    _conversations.c.last_message_at < at,
                    and_(
                        _conversations.c.last_message_at == at,
                        _conversations.c.id < conversation_id,
                    ),
                )
            )
        rows = await self._session.scalars(
            query.order_by(
                _conversations.c.last_message_at.desc(), _conversations.c.id.desc()
            ).limit(limit)
        )
        return [_conversation(row) for row in rows]


__all__ = ["BotTurn", "ConversationStore", "conversation_columns", "conversation_from"]
