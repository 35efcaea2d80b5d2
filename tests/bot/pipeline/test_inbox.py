"""The inbox's leases: one worker per conversation, order kept, and effects committed once."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlalchemy import select

from bot.instagram.events import parse_webhook
from bot.instagram.messages import TextMessage
from bot.pipeline.inbox import Completion, Inbox
from bot.pipeline.outbox import Outbox, Purpose
from bot.pipeline.tables import InboxEvent, OutboxMessage
from conversations.models import Author
from conversations.store import ConversationStore
from tests.bot.harness import ACCOUNT, Clock, echo_item, envelope, item, now_ms, text


def events(*items):
    return parse_webhook(json.dumps(envelope(*items)).encode(), Clock()())


async def test_appending_reports_only_new_events(sessions):
    inbox = Inbox(sessions, clock=Clock())
    message = text("7100000000000001", "hi")
    assert await inbox.append(events(message), Clock()()) == 1
    assert await inbox.append(events(message, text("7100000000000001", "again")), Clock()()) == 1


async def test_a_lane_is_leased_to_one_worker_at_a_time(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock, lease_seconds=30)
    await inbox.append(
        events(text("7100000000000001", "a"), text("7100000000000002", "b")), clock()
    )
    first = await inbox.claim("worker-1", 10)
    assert len(first) == 2
    assert await inbox.claim("worker-2", 10) == []
    await inbox.release(first[0])
    (again,) = await inbox.claim("worker-2", 10)
    assert again.lane_key == first[0].lane_key


async def test_concurrent_claims_never_share_a_lane(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    await inbox.append(events(*(text(f"71000000000{n:05d}", "hi") for n in range(40))), clock())
    claims = await asyncio.gather(*(inbox.claim(f"worker-{n}", 7) for n in range(8)))
    lanes = [lease.lane_key for claim in claims for lease in claim]
    assert len(lanes) == len(set(lanes)) == 40


async def test_a_dead_workers_lease_expires_and_its_late_commit_is_refused(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock, lease_seconds=30)
    await inbox.append(events(text("7100000000000001", "hi")), clock())
    (stale,) = await inbox.claim("worker-1", 1)
    event = await inbox.next_event(stale)
    assert event is not None
    clock.offset = timedelta(seconds=31)
    (fresh,) = await inbox.claim("worker-2", 1)
    async with sessions() as session, session.begin():
        assert await inbox.complete(session, stale, event.id, "handled") is Completion.LEASE_LOST
    async with sessions() as session, session.begin():
        assert await inbox.complete(session, fresh, event.id, "handled") is Completion.DONE
    async with sessions() as session, session.begin():
        assert await inbox.complete(session, fresh, event.id, "handled") is Completion.ALREADY_DONE


async def test_racing_commits_of_one_event_produce_its_effects_once(sessions):
    """Even two holders of a valid lease (a takeover mid-handling) commit the effects once."""
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    outbox = Outbox(sessions, clock=clock)
    await inbox.append(events(text("7100000000000001", "hi")), clock())
    (lease,) = await inbox.claim("worker-1", 1)
    event = await inbox.next_event(lease)
    assert event is not None

    async def handle(n: int) -> Completion:
        async with sessions() as session, session.begin():
            completion = await inbox.complete(session, lease, event.id, "handled")
            if completion is Completion.DONE:
                await outbox.enqueue(
                    session,
                    idempotency_key=f"effect-{n}",
                    account_id="a",
                    recipient_id="b",
                    conversation_id=1,
                    message=TextMessage(text="reply"),
                    purpose=Purpose.REPLY,
                    author=Author.BOT,
                )
            return completion

    results = await asyncio.gather(*(handle(n) for n in range(6)))
    assert results.count(Completion.DONE) == 1
    assert len(await _outbox_rows(sessions)) == 1


async def _outbox_rows(sessions):
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage)))


async def test_events_come_out_in_timestamp_order_whatever_the_arrival_order(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    base = now_ms()
    await inbox.append(events(text("7100000000000001", "third", at=base + 3)), clock())
    await inbox.append(
        events(
            text("7100000000000001", "first", at=base + 1),
            text("7100000000000001", "second", at=base + 2),
        ),
        clock(),
    )
    (lease,) = await inbox.claim("worker", 1)
    seen = []
    while (event := await inbox.next_event(lease)) is not None:
        seen.append(event.payload["message"]["text"])
        async with sessions() as session, session.begin():
            assert await inbox.complete(session, lease, event.id, "handled") is Completion.DONE
    assert seen == ["first", "second", "third"]


async def test_a_postponed_event_holds_back_its_conversation_until_due(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    base = now_ms()
    await inbox.append(
        events(
            text("7100000000000001", "first", at=base),
            text("7100000000000001", "second", at=base + 1),
        ),
        clock(),
    )
    (lease,) = await inbox.claim("worker", 1)
    event = await inbox.next_event(lease)
    assert event is not None
    await inbox.postpone(lease, event.id, "RuntimeError", timedelta(seconds=10))
    assert await inbox.claim("worker", 1) == []  # "second" must not overtake "first"
    clock.offset = timedelta(seconds=11)
    (lease,) = await inbox.claim("worker", 1)
    retried = await inbox.next_event(lease)
    assert retried is not None
    assert (retried.id, retried.attempts) == (event.id, 1)


async def test_an_event_given_up_is_marked_failed_and_the_lane_moves_on(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    await inbox.append(events(text("7100000000000001", "poison")), clock())
    (lease,) = await inbox.claim("worker", 1)
    event = await inbox.next_event(lease)
    assert event is not None
    await inbox.postpone(lease, event.id, "RuntimeError", None)
    async with sessions() as session:
        row = await session.get(InboxEvent, event.id)
        assert row is not None
        assert (row.outcome, row.error, row.processed_at is not None) == (
            "failed",
            "RuntimeError",
            True,
        )
    assert (await inbox.backlog()).pending == 0


async def test_recover_frees_every_lease_for_a_restarted_lone_process(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    await inbox.append(events(text("7100000000000001", "hi")), clock())
    assert len(await inbox.claim("dead", 1)) == 1
    assert await inbox.recover() == 1
    assert len(await inbox.claim("alive", 1)) == 1


async def test_a_lease_is_renewed_only_by_its_holder(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock, lease_seconds=30)
    await inbox.append(events(text("7100000000000001", "hi")), clock())
    (lease,) = await inbox.claim("worker", 1)
    clock.offset = timedelta(seconds=20)
    assert await inbox.renew(lease)
    clock.offset = timedelta(seconds=45)
    assert await inbox.claim("other", 1) == []  # renewed until 50 s
    clock.offset = timedelta(seconds=51)
    assert len(await inbox.claim("other", 1)) == 1
    assert not await inbox.renew(lease)


async def test_backlog_and_purge(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    await inbox.append(
        events(text("7100000000000001", "a"), text("7100000000000002", "b")), clock()
    )
    backlog = await inbox.backlog()
    assert backlog.pending == 2
    assert backlog.oldest_received_at is not None
    assert backlog.oldest_received_at.tzinfo is not None
    (lease, _) = await inbox.claim("worker", 2)
    event = await inbox.next_event(lease)
    assert event is not None
    async with sessions() as session, session.begin():
        await inbox.complete(session, lease, event.id, "handled")
    assert await inbox.purge(clock() - timedelta(days=7)) == 0
    assert await inbox.purge(clock() + timedelta(seconds=1)) == 1
    assert (await inbox.backlog()).pending == 1


async def test_the_echo_of_a_send_already_recorded_is_stored_handled(sessions):
    """Its handling would only find it ours: it never takes a worker's turn."""
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    buyer = "7100000000000001"
    async with sessions() as session, session.begin():
        session.add(
            OutboxMessage(
                idempotency_key="reply-1",
                account_id=ACCOUNT,
                recipient_id=buyer,
                conversation_id=1,
                purpose="reply",
                author="bot",
                message={"text": "Your parcel is on its way."},
                state="sent",
                message_id="m_ours",
                attempts=1,
                next_attempt_at=clock(),
                created_at=clock(),
                updated_at=clock(),
            )
        )
    ours = echo_item(buyer, "Your parcel is on its way.", mid="m_ours")
    a_persons = echo_item(buyer, "Hi, this is Ana from the shop", mid="m_typed_in_the_app")
    assert await inbox.append(events(ours, a_persons), clock()) == 1
    async with sessions() as session:
        stored = {
            row.dedupe_key: (row.processed_at is not None, row.outcome)
            for row in await session.scalars(select(InboxEvent))
        }
    assert stored == {
        "message:m_ours": (True, "echo"),
        "message:m_typed_in_the_app": (False, None),
    }
    (lease,) = await inbox.claim("worker", 5)
    event = await inbox.next_event(lease)
    assert event is not None
    assert event.payload["message"]["mid"] == "m_typed_in_the_app"


async def test_a_lane_is_released_in_the_transaction_that_handles_its_last_event(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    await inbox.append(
        events(text("7100000000000001", "a"), text("7100000000000001", "b")), clock()
    )
    (lease,) = await inbox.claim("worker-1", 1)
    for expected in (False, True):
        event = await inbox.next_event(lease)
        assert event is not None
        async with sessions() as session, session.begin():
            assert await inbox.complete(session, lease, event.id, "handled") is Completion.DONE
            assert await inbox.release_drained(session, lease) is expected
    assert await inbox.next_event(lease) is None
    assert await inbox.claim("worker-2", 1) == []  # nothing pending, and the lane is free
    await inbox.append(events(text("7100000000000001", "c")), clock())
    assert len(await inbox.claim("worker-2", 1)) == 1


async def test_the_next_event_says_whether_an_unsend_or_edit_of_it_has_arrived(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    plain, unsent, edited = "7100000000000001", "7100000000000002", "7100000000000003"
    at = now_ms()
    await inbox.append(
        events(
            text(plain, "where is my parcel?", mid="m_plain", at=at),
            text(unsent, "oops", mid="m_unsent", at=at),
            item(unsent, {"mid": "m_unsent", "is_deleted": True}, at=at + 1000),
            text(edited, "wehre is it", mid="m_edited", at=at),
            item(
                edited,
                {"mid": "m_edited", "text": "where is it", "num_edit": 1},
                at=at + 1000,
                key="message_edit",
            ),
        ),
        clock(),
    )
    news = {}
    for lease in await inbox.claim("worker", 5):
        event = await inbox.next_event(lease)
        assert event is not None
        news[event.igsid] = event.may_have_news
    assert news == {plain: False, unsent: True, edited: True}


async def test_the_next_event_brings_its_buyers_conversation_as_it_is_then(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    known, new = "7100000000000001", "7100000000000002"
    async with sessions() as session, session.begin():
        opened = await ConversationStore(session).open(ACCOUNT, known, clock())
        await ConversationStore(session).save_dialogue(opened.id, state={"step": 2})
    await inbox.append(events(text(known, "hi"), text(new, "hello")), clock())
    read = {}
    for lease in await inbox.claim("worker", 5):
        event = await inbox.next_event(lease)
        assert event is not None
        assert event.conversation_read
        read[event.igsid] = event.conversation
    assert read[new] is None
    conversation = read[known]
    assert conversation is not None
    assert (conversation.id, conversation.igsid, dict(conversation.state)) == (
        opened.id,
        known,
        {"step": 2},
    )


async def test_a_claim_brings_each_lanes_next_event_as_next_event_reads_it(sessions):
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    one, two = "7100000000000001", "7100000000000002"
    at = now_ms()
    await inbox.append(
        events(
            text(one, "second", mid="m_second", at=at + 1000),
            text(one, "first", mid="m_first", at=at),
            text(two, "hello", mid="m_hello", at=at),
        ),
        clock(),
    )
    leases = await inbox.claim("worker", 5)
    assert len(leases) == 2
    for lease in leases:
        assert lease.first is not None
        assert lease.first == await inbox.next_event(lease)
    assert {lease.first.payload["message"]["text"] for lease in leases if lease.first} == {
        "first",
        "hello",
    }
