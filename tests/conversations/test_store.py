"""ConversationStore: conversations per account and buyer, their messages, and console reads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Integer, literal_column

from conversations.db import Base
from conversations.models import Author, Delivery, Direction, MessageKind
from conversations.store import ConversationStore
from conversations.tables import TEXT_SEARCH_INDEX

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "17841400000000001"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def buyer_says(
    store: ConversationStore, conversation_id: int, text: str, minute: float, mid: str | None
):
    return await store.add_message(
        conversation_id,
        direction=Direction.IN,
        author=Author.BUYER,
        kind=MessageKind.TEXT,
        text=text,
        mid=mid,
        created_at=at(minute),
        recorded_at=at(minute),
    )


async def test_opening_a_conversation_twice_at_once_gives_the_same_one(sessions):
    async def open_one():
        async with sessions() as session, session.begin():
            return await ConversationStore(session).open(ACCOUNT, "7100000000000001", T0)

    opened = await asyncio.gather(*(open_one() for _ in range(5)))
    assert len({conversation.id for conversation in opened}) == 1
    async with sessions() as session, session.begin():
        other = await ConversationStore(session).open("17841400000000002", "7100000000000001", T0)
    assert other.id != opened[0].id  # the same buyer with another account is another thread


async def test_a_message_is_stored_once_per_mid(sessions):
    async with sessions() as session, session.begin():
        store = ConversationStore(session)
        conversation = await store.open(ACCOUNT, "7100000000000001", T0)
        first = await buyer_says(store, conversation.id, "hi", 1, "aWdfM1")
        again = await buyer_says(store, conversation.id, "hi", 1, "aWdfM1")
        assert first is not None
        assert again is None
        assert [m.mid for m in await store.transcript(conversation.id)] == ["aWdfM1"]


async def test_times_only_move_forward_when_events_arrive_out_of_order(sessions):
    async with sessions() as session, session.begin():
        store = ConversationStore(session)
        conversation = await store.open(ACCOUNT, "7100000000000001", T0)
        await buyer_says(store, conversation.id, "later", 10, "aWdfL")
        await store.opened_window(conversation.id, at(10))
        await buyer_says(store, conversation.id, "earlier", 5, "aWdfE")
        await store.opened_window(conversation.id, at(5))
        current = await store.get(conversation.id)
        assert current is not None
        assert (current.last_message_at, current.last_buyer_at) == (at(10), at(10))
        assert [m.text for m in await store.transcript(conversation.id)] == ["earlier", "later"]


async def test_a_resolved_conversation_reopens_when_the_buyer_writes_again(sessions):
    async with sessions() as session, session.begin():
        store = ConversationStore(session)
        conversation = await store.open(ACCOUNT, "7100000000000001", T0)
        await store.resolve(conversation.id, at(1))
        assert (await store.get(conversation.id)).resolved
        await buyer_says(store, conversation.id, "it has still not arrived", 60, "aWdfR")
        current = await store.get(conversation.id)
        assert not current.resolved
        assert current.resolved_at is None


async def test_hand_off_keeps_its_first_time_and_a_persons_messages_count(sessions):
    async with sessions() as session, session.begin():
        store = ConversationStore(session)
        conversation = await store.open(ACCOUNT, "7100000000000001", T0)
        assert await store.hand_off(conversation.id, "buyer_asked", at(1))
        assert not await store.hand_off(conversation.id, "merchant_replied", at(5))
        await store.add_message(
            conversation.id,
            direction=Direction.OUT,
            author=Author.ECHO,
            kind=MessageKind.TEXT,
            text="Anna here",
            mid="aWdfANNA",
            status=Delivery.SENT,
            created_at=at(7),
            recorded_at=at(7),
        )
        current = await store.get(conversation.id)
        assert (current.handoff_at, current.handoff_reason, current.last_merchant_at) == (
            at(1),
            "buyer_asked",
            at(7),
        )
        await store.hand_back(conversation.id)
        assert not (await store.get(conversation.id)).handed_off


async def test_the_bot_turn_moves_the_buyers_times_with_its_own_even_when_a_person_has_it(
    sessions,
):
    """`bot_turn(buyer_at=…)` does in one UPDATE what the buyer's message would have done to the
    conversation, and still does it when the turn is not taken (a person has it)."""
    noted = literal_column("7", Integer)
    async with sessions() as session, session.begin():
        store = ConversationStore(session)
        free = await store.open(ACCOUNT, "7100000000000001", T0)
        await store.resolve(free.id, at(1))
        await store.add_message(
            free.id,
            direction=Direction.IN,
            author=Author.BUYER,
            kind=MessageKind.TEXT,
            text="where is it?",
            mid="aWdfF",
            created_at=at(10),
            recorded_at=at(10),
            touch_conversation=False,
        )
        turn = await store.bot_turn(
            free.id, at=at(11), quiet_since=at(-60), state={"step": 1}, buyer_at=at(10), note=noted
        )
        assert (turn.taken, turn.noted) == (True, 7)
        current = await store.get(free.id)
        assert (current.last_buyer_at, current.last_message_at) == (at(10), at(11))
        assert (current.resolved, current.resolved_at, dict(current.state)) == (
            False,
            None,
            {"step": 1},
        )

        taken = await store.open(ACCOUNT, "7100000000000002", T0)
        await store.resolve(taken.id, at(1))
        assert await store.hand_off(taken.id, "buyer_asked", at(5))
        turn = await store.bot_turn(
            taken.id, at=at(11), quiet_since=at(-60), state={"step": 1}, buyer_at=at(10)
        )
        assert not turn.taken
        current = await store.get(taken.id)
        assert (current.last_buyer_at, current.last_message_at) == (at(10), at(10))
        assert (current.resolved, dict(current.state)) == (False, {})


async def test_edits_keep_the_earlier_text_and_unsends_drop_it(sessions):
    async with sessions() as session, session.begin():
        store = ConversationStore(session)
        conversation = await store.open(ACCOUNT, "7100000000000001", T0)
        await buyer_says(store, conversation.id, "order 1023", 1, "aWdfE")
        edited = await store.apply_edit("aWdfE", "order 10234", at(2))
        assert edited is not None
        assert (edited.text, edited.payload["edits"], edited.edited_at) == (
            "order 10234",
            [{"text": "order 1023"}],
            at(2),
        )
        assert await store.apply_edit("aWdfUNKNOWN", "x", at(2)) is None
        assert await store.mark_deleted("aWdfE", at(3))
        gone = await store.message_by_mid("aWdfE")
        assert (gone.text, gone.deleted_at) == (None, at(3))


async def test_delivery_status_dialogue_state_and_references(sessions):
    async with sessions() as session, session.begin():
        store = ConversationStore(session)
        conversation = await store.open(ACCOUNT, "7100000000000001", T0)
        reply = await store.add_message(
            conversation.id,
            direction=Direction.OUT,
            author=Author.BOT,
            kind=MessageKind.TEXT,
            text="Your parcel is on its way",
            based_on={"intent": "where_is_my_order", "numbers": ["YT2229521272164446"]},
            status=Delivery.QUEUED,
            created_at=at(1),
            recorded_at=at(1),
        )
        await store.set_delivery(reply.id, Delivery.SENT, mid="aWdfSENT")
        await store.save_dialogue(conversation.id, state={"step": "answered"}, language="zh-Hans")
        await store.add_reference(conversation.id, "tracking", "YT2229521272164446", at(1))
        await store.add_reference(conversation.id, "tracking", "YT2229521272164446", at(2))
        await store.set_profile(conversation.id, username="Buyer.Name", name="Buyer")
        sent = await store.message(reply.id)
        assert (sent.status, sent.mid, sent.based_on["numbers"]) == (
            Delivery.SENT,
            "aWdfSENT",
            ["YT2229521272164446"],
        )
        current = await store.get(conversation.id)
        assert (current.state, current.language, current.username) == (
            {"step": "answered"},
            "zh-Hans",
            "buyer.name",
        )
        assert await store.references(conversation.id) == [("tracking", "YT2229521272164446")]
        assert await store.known_mids(["aWdfSENT", "aWdfOTHER"]) == {"aWdfSENT"}


async def test_the_console_pages_through_conversations_newest_first(sessions):
    async with sessions() as session, session.begin():
        store = ConversationStore(session)
        for n in range(7):
            conversation = await store.open(ACCOUNT, f"71000000000000{n:02d}", T0)
            # Two conversations share a time: the id breaks the tie, so no page skips one.
            await buyer_says(store, conversation.id, "hi", min(n, 5), f"aWdf{n}")
        await store.open(ACCOUNT, "7100000000000099", T0)  # no message yet: not listed
    async with sessions() as session:
        store = ConversationStore(session)
        pages = []
        before = None
        while page := await store.newest(3, before=before):
            pages.append([c.igsid[-2:] for c in page])
            before = (page[-1].last_message_at, page[-1].id)
    assert pages == [["06", "05", "04"], ["03", "02", "01"], ["00"]]


def _differences(connection):
    ours = set(Base.metadata.tables)

    def include_name(name, type_, parent_names):
        if type_ == "index":
            return name != TEXT_SEARCH_INDEX
        return type_ != "table" or name in ours

    context = MigrationContext.configure(
        connection, opts={"include_name": include_name, "compare_type": True}
    )
    return compare_metadata(context, Base.metadata)


async def test_the_tables_match_their_migrations(engine):
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


@pytest.mark.parametrize("count", [3])
async def test_a_transcript_is_oldest_first(sessions, count):
    async with sessions() as session, session.begin():
        store = ConversationStore(session)
        conversation = await store.open(ACCOUNT, "7100000000000001", T0)
        for n in reversed(range(count)):
            await buyer_says(store, conversation.id, f"m{n}", n, f"aWdfT{n}")
        assert [m.text for m in await store.transcript(conversation.id)] == ["m0", "m1", "m2"]
