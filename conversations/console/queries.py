"""The console's reads: the conversation list and its search, the hand-off inbox, figures, export.

Every read takes the accounts the reader may see (`scope`; None is every account) and filters
on them in SQL, so a merchant never receives another account's rows. The list pages by keyset
on (last_message_at, id) using ix_conversations_last_message (or, for one merchant's accounts,
ix_conversations_account_last_message): each page costs the same however deep it is. Message
text is searched through the trigram full-text index on SQLite (conversations_0003) and with
ILIKE on PostgreSQL, which its trigram index answers (conversations_0005).

On PostgreSQL a search is a union of one newest-first, limited query per way of matching
(username, order or tracking number, message text), each with every filter. A single query
ORing them makes PostgreSQL build each way's whole match set first and then walk the list:
~45 ms for one order number, ~250 ms for a word in every other message, at 100,000
conversations. Apart, each way is planned on its own statistics: a number or a rare word is
looked up in its index, a common word found by walking the newest conversations until the
page is full. A page then costs a few milliseconds (bench/README.md, console).
"""

from __future__ import annotations

import base64
import statistics
from collections import Counter
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.console.errors import BadInput
from conversations.console.inputs import instant_in_range, row_id
from conversations.console.tables import HandBackRow
from conversations.models import Author, Conversation, Message
from conversations.store import ConversationStore, _conversation
from conversations.tables import ConversationRow, MessageRow, ReferenceRow

WISMO_INTENT = "where_is_my_order"
PAGE_SIZE = 50
_PEOPLE = (Author.MERCHANT.value, Author.ECHO.value)


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    """What the list shows; every field narrows it."""

    query: str | None = None
    needs_person: bool = False
    has_exception: bool = False
    unresolved: bool = False
    language: str | None = None
    since: datetime | None = None  # last message at or after
    until: datetime | None = None  # last message before


@dataclass(frozen=True, slots=True)
class ListItem:
    conversation: Conversation
    preview: str | None
    preview_author: str | None
    references: tuple[tuple[str, str], ...]
    has_exception: bool


@dataclass(frozen=True, slots=True)
class Page:
    items: Sequence[ListItem]
    next_cursor: str | None


def encode_cursor(at: datetime, conversation_id: int) -> str:
    raw = f"{at.astimezone(UTC).isoformat()}|{conversation_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """The (last_message_at, id) a cursor stands for, or None when it is not one of ours
    (including one whose time or id is out of range: it cannot have come from a page)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, number = raw.partition("|")
        parsed = datetime.fromisoformat(at)
    except (ValueError, UnicodeDecodeError):
        return None
    found = row_id(number)
    if parsed.tzinfo is None or found is None or not instant_in_range(parsed):
        return None
    return parsed, found


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _number_forms(term: str) -> list[str]:
    """How an order or tracking number typed into the search box may have been stored."""
    squeezed = "".join(term.split())
    forms = {term, squeezed, squeezed.upper(), squeezed.lstrip("#"), squeezed.lstrip("#").upper()}
    forms |= {f"#{form}" for form in list(forms) if form and not form.startswith("#")}
    return sorted(form for form in forms if form)


def _scoped(query: Select[Any], scope: frozenset[str] | None) -> Select[Any]:
    if scope is None:
        return query
    return query.where(ConversationRow.account_id.in_(sorted(scope)))


_LISTED = (ConversationRow.last_message_at.is_not(None),)
_NEWEST_FIRST = (ConversationRow.last_message_at.desc(), ConversationRow.id.desc())


def _by_username(username: str) -> ColumnElement[bool]:
    """The username itself or one it begins (ix_conversations_username serves both)."""
    return or_(
        ConversationRow.username == username,
        and_(
            ConversationRow.username > username,
            ConversationRow.username < username + "\uffff",
        ),
    )


def _filters(
    criteria: ConversationFilter, numbers: Sequence[str], before: tuple[datetime, int] | None
) -> list[ColumnElement[bool]]:
    """The list's conditions other than the search: `numbers` are those in exception, `before`
    the (last_message_at, id) the page starts after."""
    filters: list[ColumnElement[bool]] = []
    if criteria.needs_person:
        filters.append(ConversationRow.handoff_at.is_not(None))
    if criteria.unresolved:
        filters.append(ConversationRow.resolved.is_(False))
    if criteria.language:
        filters.append(ConversationRow.language == criteria.language)
    if criteria.since is not None:
        filters.append(ConversationRow.last_message_at >= criteria.since)
    if criteria.until is not None:
        filters.append(ConversationRow.last_message_at < criteria.until)
    if criteria.has_exception:
        filters.append(
            ConversationRow.id.in_(
                select(ReferenceRow.conversation_id).where(ReferenceRow.value.in_(numbers))
            )
        )
    if before is not None:
        at, last_id = before
        filters.append(
            or_(
                ConversationRow.last_message_at < at,
                and_(ConversationRow.last_message_at == at, ConversationRow.id < last_id),
            )
        )
    return filters


class ConsoleQueries:
    """Reads for the console within one session; `scope` limits every read to those accounts."""

    def __init__(self, session: AsyncSession, scope: frozenset[str] | None) -> None:
        self._session = session
        self._scope = scope
        self._dialect = session.get_bind().dialect.name

    # --- the conversation list -------------------------------------------------------------

    def _text_matches(self, term: str) -> Any:
        """Message ids whose text contains `term` (case-insensitive)."""
        if self._dialect == "sqlite" and len(term) >= 3:
            phrase = '"' + term.replace('"', '""') + '"'
            return MessageRow.id.in_(
                select(literal_column("rowid"))
                .select_from(text("messages_fts"))
                .where(text("messages_fts MATCH :phrase").bindparams(phrase=phrase))
            )
        if self._dialect == "postgresql":
            return MessageRow.text.ilike(_like_pattern(term), escape="\\")
        return MessageRow.text.like(_like_pattern(term), escape="\\")

    def _search(self, term: str) -> Any:
        username = term.lstrip("@").lower()
        by_reference = select(ReferenceRow.conversation_id).where(
            ReferenceRow.value.in_(_number_forms(term))
        )
        by_text = select(MessageRow.conversation_id).where(self._text_matches(term))
        return or_(
            _by_username(username),
            ConversationRow.id.in_(by_reference),
            ConversationRow.id.in_(by_text),
        )

    def _search_apart(
        self, term: str, filters: Sequence[ColumnElement[bool]], limit: int
    ) -> Subquery:
        """PostgreSQL's search (see the module's docstring): the ids of the first `limit`
        conversations each way of matching finds under `filters`, newest first."""
        ways = (
            _by_username(term.lstrip("@").lower()),
            ConversationRow.id.in_(
                select(ReferenceRow.conversation_id).where(
                    ReferenceRow.value.in_(_number_forms(term))
                )
            ),
            exists().where(
                MessageRow.conversation_id == ConversationRow.id, self._text_matches(term)
            ),
        )
        return union(
            *(
                _scoped(select(ConversationRow.id).where(*_LISTED, way, *filters), self._scope)
                .order_by(*_NEWEST_FIRST)
                .limit(limit)
                for way in ways
            )
        ).subquery("matches")

    async def page(
        self,
        criteria: ConversationFilter,
        *,
        exception_numbers: Collection[str] = (),
        cursor: str | None = None,
        limit: int = PAGE_SIZE,
    ) -> Page:
        """One page of conversations, newest first. `exception_numbers` are the tracking
        numbers currently in exception (the tracking service knows them, we do not). Raises
        BadInput for a cursor no page gave."""
        numbers = sorted(set(exception_numbers))
        before = decode_cursor(cursor) if cursor else None
        if cursor and before is None:
            raise BadInput("cursor is not one a page of this list gave")
        filters = _filters(criteria, numbers, before)
        query = _scoped(select(ConversationRow).where(*_LISTED), self._scope)
        term = (criteria.query or "").strip()
        if term and self._dialect == "postgresql":
            # Statements are prepared; a generic plan, made once for any term, would walk all
            # 100,000 conversations for a word found nowhere (340 ms). Plan for this term.
            await self._session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
            matches = self._search_apart(term, filters, limit + 1)
            query = query.join(matches, matches.c.id == ConversationRow.id)
        elif term:
            query = query.where(self._search(term))
        rows = list(
            await self._session.scalars(
                query.where(*filters).order_by(*_NEWEST_FIRST).limit(limit + 1)
            )
        )
        more = len(rows) > limit
        conversations = [_conversation(row) for row in rows[:limit]]
        items = await self._decorate(conversations, set(numbers))
        last = conversations[-1] if conversations else None
        next_cursor = (
            encode_cursor(last.last_message_at, last.id)
            if more and last is not None and last.last_message_at is not None
            else None
        )
        return Page(items, next_cursor)

    async def _decorate(
        self, conversations: Sequence[Conversation], exception_numbers: set[str]
    ) -> list[ListItem]:
        ids = [conversation.id for conversation in conversations]
        if not ids:
            return []
        newest = (
            select(
                MessageRow.conversation_id,
                MessageRow.text,
                MessageRow.author,
                func.row_number()
                .over(
                    partition_by=MessageRow.conversation_id,
                    order_by=(MessageRow.created_at.desc(), MessageRow.id.desc()),
                )
                .label("rank"),
            )
            .where(MessageRow.conversation_id.in_(ids))
            .subquery()
        )
        previews = {
            row.conversation_id: (row.text, row.author)
            for row in await self._session.execute(
                select(newest.c.conversation_id, newest.c.text, newest.c.author).where(
                    newest.c.rank == 1
                )
            )
        }
        references: dict[int, list[tuple[str, str]]] = {}
        for conversation_id, kind, value in await self._session.execute(
            select(ReferenceRow.conversation_id, ReferenceRow.kind, ReferenceRow.value)
            .where(ReferenceRow.conversation_id.in_(ids))
            .order_by(ReferenceRow.id)
        ):
            references.setdefault(conversation_id, []).append((kind, value))
        return [
            ListItem(
                conversation=conversation,
                preview=previews.get(conversation.id, (None, None))[0],
                preview_author=previews.get(conversation.id, (None, None))[1],
                references=tuple(references.get(conversation.id, [])),
                has_exception=any(
                    value in exception_numbers for _, value in references.get(conversation.id, [])
                ),
            )
            for conversation in conversations
        ]

    # --- one conversation -------------------------------------------------------------------

    async def conversation(self, conversation_id: int) -> Conversation | None:
        """The conversation, or None when it does not exist or is outside the scope."""
        found = await ConversationStore(self._session).get(conversation_id)
        if found is None or (self._scope is not None and found.account_id not in self._scope):
            return None
        return found

    async def transcript(self, conversation_id: int) -> list[Message]:
        return await ConversationStore(self._session).transcript(conversation_id)

    async def references(self, conversation_id: int) -> list[tuple[str, str]]:
        return await ConversationStore(self._session).references(conversation_id)

    # --- the hand-off inbox -----------------------------------------------------------------

    async def waiting(self, limit: int = 200) -> list[Conversation]:
        """Conversations waiting for a person, the longest-waiting first."""
        rows = await self._session.scalars(
            _scoped(
                select(ConversationRow).where(ConversationRow.handoff_at.is_not(None)),
                self._scope,
            )
            .order_by(ConversationRow.handoff_at, ConversationRow.id)
            .limit(limit)
        )
        return [_conversation(row) for row in rows]

    # --- export -----------------------------------------------------------------------------

    async def export(
        self, since: datetime, until: datetime, batch: int = 200
    ) -> AsyncIterator[tuple[Conversation, list[Message], list[tuple[str, str]]]]:
        """Conversations with a message in [since, until), newest first, with transcripts."""
        before: tuple[datetime, int] | None = None
        while True:
            query = _scoped(
                select(ConversationRow).where(
                    ConversationRow.last_message_at >= since,
                    ConversationRow.created_at < until,
                ),
                self._scope,
            )
            if before is not None:
                at, last_id = before
                query = query.where(
                    or_(
                        ConversationRow.last_message_at < at,
                        and_(ConversationRow.last_message_at == at, ConversationRow.id < last_id),
                    )
                )
            rows = list(
                await self._session.scalars(
                    query.order_by(
                        ConversationRow.last_message_at.desc(), ConversationRow.id.desc()
                    ).limit(batch)
                )
            )
            if not rows:
                return
            conversations = [_conversation(row) for row in rows]
            ids = [conversation.id for conversation in conversations]
            messages: dict[int, list[Message]] = {}
            store = ConversationStore(self._session)
            for conversation_id in ids:
                messages[conversation_id] = [
                    message
                    for message in await store.transcript(conversation_id)
                    if since <= message.created_at < until
                ]
            references: dict[int, list[tuple[str, str]]] = {}
            for conversation_id, kind, value in await self._session.execute(
                select(ReferenceRow.conversation_id, ReferenceRow.kind, ReferenceRow.value)
                .where(ReferenceRow.conversation_id.in_(ids))
                .order_by(ReferenceRow.id)
            ):
                references.setdefault(conversation_id, []).append((kind, value))
            for conversation in conversations:
                yield conversation, messages[conversation.id], references.get(conversation.id, [])
            last = conversations[-1]
            assert last.last_message_at is not None
            before = (last.last_message_at, last.id)

    # --- figures ----------------------------------------------------------------------------

    async def figures(self, since: datetime, until: datetime) -> Figures:
        """The period's "where is my order" figures (what each one means: see `Figures`)."""
        active = await self._buyer_messages(since, until)
        ids = sorted(active)
        wismo, numbers = await self._wismo_conversations(ids)
        replies = await self._replies(ids, since, until)
        per_day: Counter[date] = Counter()
        for conversation_id in wismo:
            for day in {at.date() for at in active[conversation_id]}:
                per_day[day] += 1
        handed_now = await self._handed_over(wismo)
        without_person = 0
        latencies: list[float] = []
        for conversation_id in wismo:
            answers = replies.get(conversation_id, [])
            people = any(author in _PEOPLE for _, author in answers)
            bot = any(author == Author.BOT.value for _, author in answers)
            if bot and not people and conversation_id not in handed_now:
                without_person += 1
            first_in = min(active[conversation_id])
            after = [at for at, _ in answers if at >= first_in]
            if after:
                latencies.append((min(after) - first_in).total_seconds())
        return Figures(
            since=since,
            until=until,
            per_day=sorted(per_day.items()),
            conversations=len(wismo),
            resolved_without_person=without_person,
            handoffs=await self._handoffs(since, until),
            first_reply_median=statistics.median(latencies) if latencies else None,
            first_reply_p90=_percentile(latencies, 0.9),
            tracking_numbers=frozenset(numbers),
        )

    async def _buyer_messages(self, since: datetime, until: datetime) -> dict[int, list[datetime]]:
        """When buyers wrote in the period, by conversation."""
        active: dict[int, list[datetime]] = {}
        query = (
            select(MessageRow.conversation_id, MessageRow.created_at)
            .join(ConversationRow, ConversationRow.id == MessageRow.conversation_id)
            .where(
                MessageRow.author == Author.BUYER.value,
                MessageRow.created_at >= since,
                MessageRow.created_at < until,
            )
        )
        for conversation_id, at in await self._session.execute(_scoped(query, self._scope)):
            active.setdefault(conversation_id, []).append(at)
        return active

    async def _wismo_conversations(self, ids: Sequence[int]) -> tuple[set[int], set[str]]:
        """Which of the conversations were about an order (a reference, or a bot reply to that
        intent), and the tracking numbers they named."""
        wismo: set[int] = set()
        numbers: set[str] = set()
        intent = MessageRow.based_on["intent"].as_string()
        for chunk in _chunks(ids):
            for conversation_id, kind, value in await self._session.execute(
                select(ReferenceRow.conversation_id, ReferenceRow.kind, ReferenceRow.value).where(
                    ReferenceRow.conversation_id.in_(chunk)
                )
            ):
                wismo.add(conversation_id)
                if kind != "order":
                    numbers.add(value)
            for (conversation_id,) in await self._session.execute(
                select(MessageRow.conversation_id)
                .where(
                    MessageRow.conversation_id.in_(chunk),
                    MessageRow.author == Author.BOT.value,
                    intent == WISMO_INTENT,
                )
                .distinct()
            ):
                wismo.add(conversation_id)
        return wismo, numbers

    async def _replies(
        self, ids: Sequence[int], since: datetime, until: datetime
    ) -> dict[int, list[tuple[datetime, str]]]:
        """The bot's and people's messages in the period, by conversation: (when, author)."""
        replies: dict[int, list[tuple[datetime, str]]] = {}
        for chunk in _chunks(ids):
            for conversation_id, at, author in await self._session.execute(
                select(MessageRow.conversation_id, MessageRow.created_at, MessageRow.author).where(
                    MessageRow.conversation_id.in_(chunk),
                    MessageRow.author.in_([Author.BOT.value, *_PEOPLE]),
                    MessageRow.created_at >= since,
                    MessageRow.created_at < until,
                )
            ):
                replies.setdefault(conversation_id, []).append((at, author))
        return replies

    async def _handed_over(self, wismo: set[int]) -> set[int]:
        """The conversations now with a person: among `wismo`, or all of them when `wismo` is
        too long to list in a query."""
        return {
            row.id
            for row in await self._session.scalars(
                _scoped(
                    select(ConversationRow).where(ConversationRow.handoff_at.is_not(None)),
                    self._scope,
                ).where(ConversationRow.id.in_(sorted(wismo)) if len(wismo) < 5000 else text("1=1"))
            )
        }

    async def _handoffs(self, since: datetime, until: datetime) -> list[tuple[str, int]]:
        """Hand-offs that began in the period by reason: those still open and those a person
        ended from the console (the bot taking a conversation back after the quiet period
        keeps no record of its reason)."""
        seen: set[tuple[int, datetime]] = set()
        reasons: Counter[str] = Counter()
        current = _scoped(
            select(
                ConversationRow.id, ConversationRow.handoff_at, ConversationRow.handoff_reason
            ).where(ConversationRow.handoff_at >= since, ConversationRow.handoff_at < until),
            self._scope,
        )
        ended = select(
            HandBackRow.conversation_id, HandBackRow.handoff_at, HandBackRow.handoff_reason
        ).where(HandBackRow.handoff_at >= since, HandBackRow.handoff_at < until)
        if self._scope is not None:
            ended = ended.where(HandBackRow.account_id.in_(sorted(self._scope)))
        for query in (current, ended):
            for conversation_id, at, reason in await self._session.execute(query):
                if (conversation_id, at) not in seen:
                    seen.add((conversation_id, at))
                    reasons[reason or "unknown"] += 1
        return reasons.most_common()


@dataclass(frozen=True, slots=True)
class Figures:
    """A period's figures over its "where is my order" conversations: those in which the buyer
    wrote during the period and that are about an order (a number was recorded for them, or a
    bot reply was based on the where-is-my-order intent).

    `resolved_without_person`: the bot answered in the period, no person wrote, and it is not
    waiting for a person. First-reply time: from the buyer's first message in the period to
    the first answer (bot or person) after it.
    """

    since: datetime
    until: datetime
    per_day: list[tuple[date, int]]
    conversations: int
    resolved_without_person: int
    handoffs: list[tuple[str, int]]
    first_reply_median: float | None
    first_reply_p90: float | None
    tracking_numbers: frozenset[str] = field(default_factory=frozenset)

    @property
    def resolved_share(self) -> float | None:
        return self.resolved_without_person / self.conversations if self.conversations else None


def _percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(share * 1000) * len(ordered) // 1000))
    return ordered[min(rank, len(ordered)) - 1]


def _chunks(ids: Sequence[int], size: int = 500) -> list[Sequence[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def days_between(since: datetime, until: datetime) -> list[date]:
    days = []
    day = since.date()
    while datetime.combine(day, datetime.min.time(), UTC) < until:
        days.append(day)
        day += timedelta(days=1)
    return days


__all__ = [
    "PAGE_SIZE",
    "WISMO_INTENT",
    "ConsoleQueries",
    "ConversationFilter",
    "Figures",
    "ListItem",
    "Page",
    "days_between",
    "decode_cursor",
    "encode_cursor",
]
