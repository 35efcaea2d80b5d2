"""WISMO_RETENTION_DAYS: buyers silent longer are forgotten, old orders anonymised, once a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app.retention import RETENTION_JOB, Forgotten, Retention, RetentionJob
from bot.pipeline.tables import InboxEvent, OutboxMessage
from bot.sms.tables import SmsConsent, SmsPrompt, SmsStatusEvent
from conversations.models import Author, Direction, MessageKind
from conversations.store import ConversationStore
from conversations.tables import MessageRow, ReferenceRow
from stores.attempts import failures_since, reserve_attempt
from stores.repository import OrderRepository
from tests.bot.harness import running_wismo, wait_until
from tests.stores.builders import order

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "17841400000000001"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def conversation(sessions, igsid: str, *, said_at: datetime) -> int:
    async with sessions() as session, session.begin():
        store = ConversationStore(session)
        opened = await store.open(ACCOUNT, igsid, said_at)
        await store.add_message(
            opened.id,
            direction=Direction.IN,
            author=Author.BUYER,
            kind=MessageKind.TEXT,
            text="my email is mia@example.com",
            mid=f"mid-{igsid}",
            created_at=said_at,
            recorded_at=said_at,
            opens_window=True,
        )
        await store.add_reference(opened.id, "order", "1003", said_at)
        return opened.id


async def inbox_event(sessions, key: str, *, received_at: datetime) -> None:
    async with sessions() as session, session.begin():
        session.add(
            InboxEvent(
                dedupe_key=key,
                lane_key=f"{ACCOUNT}/7500000000000001",
                account_id=ACCOUNT,
                igsid="7500000000000001",
                kind="message",
                standby=False,
                occurred_at=received_at,
                received_at=received_at,
                payload={"message": {"text": "my phone is 415 555 0134"}},
                available_at=received_at,
                attempts=1,
                processed_at=received_at,
                outcome="handled",
            )
        )


async def count(sessions, column, *where) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count(column)).where(*where)) or 0)


async def test_buyers_silent_longer_than_the_retention_are_forgotten(sessions):
    old = await conversation(sessions, "7500000000000001", said_at=NOW - timedelta(days=400))
    recent = await conversation(sessions, "7500000000000002", said_at=NOW - timedelta(days=30))
    await inbox_event(sessions, "old", received_at=NOW - timedelta(days=400))
    await inbox_event(sessions, "recent", received_at=NOW - timedelta(days=1))
    repository = OrderRepository(sessions)
    await repository.upsert(
        [
            order(
                "1001",
                email="old@example.com",
                phone="+1 415 555 0134",
                postal_code="94105",
                instagram_username="old.buyer",
                ordered_at=NOW - timedelta(days=500),
            ),
            order("1002", email="new@example.com", ordered_at=NOW - timedelta(days=10)),
        ]
    )
    await reserve_attempt(
        sessions,
        "1001",
        "conversation:1",
        at=NOW - timedelta(days=400),
        since=NOW - timedelta(days=401),
        limit=10,
    )

    forgotten = await Retention(sessions, days=365, clock=lambda: NOW, batch=1).run_once()

    assert forgotten == Forgotten(conversations=1, inbox_events=1, orders=1)
    async with sessions() as session:
        store = ConversationStore(session)
        assert await store.get(old) is None
        assert await store.get(recent) is not None
    assert await count(sessions, MessageRow.id, MessageRow.conversation_id == old) == 0
    assert await count(sessions, ReferenceRow.id, ReferenceRow.conversation_id == old) == 0
    assert await count(sessions, MessageRow.id, MessageRow.conversation_id == recent) == 1
    assert await count(sessions, InboxEvent.id) == 1
    anonymised, kept = await repository.get("1001"), await repository.get("1002")
    assert anonymised is not None
    assert kept is not None
    assert (anonymised.email, anonymised.phone, anonymised.postal_code) == (None, None, None)
    assert anonymised.instagram_username is None
    assert kept.email == "new@example.com"
    async with sessions() as session:
        assert await failures_since(session, "1001", NOW - timedelta(days=1000)) == 0
    # Run again: nothing more to do.
    again = await Retention(sessions, days=365, clock=lambda: NOW).run_once()
    assert again == Forgotten()


async def test_sms_records_go_with_the_retention_but_an_active_consent_stays(sessions):
    old = await conversation(sessions, "7500000000000004", said_at=NOW - timedelta(days=400))
    long_ago = NOW - timedelta(days=400)
    async with sessions() as session, session.begin():
        session.add(SmsPrompt(conversation_id=old, asked_at=long_ago))
        session.add(SmsStatusEvent(provider_id="SM1", status="delivered", received_at=long_ago))
        session.add(SmsStatusEvent(provider_id="SM2", status="sent", received_at=NOW))
        for phone, stopped_at in (
            ("+14155550134", long_ago),  # stopped long ago: goes
            ("+14155550135", NOW - timedelta(days=3)),  # stopped lately: the stop stays
            ("+14155550136", None),  # active: the record of consent stays
        ):
            session.add(
                SmsConsent(
                    phone=phone,
                    conversation_id=old,
                    source="dm",
                    granted_at=long_ago,
                    stopped_at=stopped_at,
                    stop_source="keyword" if stopped_at else None,
                    updated_at=long_ago,
                )
            )

    forgotten = await Retention(sessions, days=365, clock=lambda: NOW).run_once()

    assert forgotten == Forgotten(conversations=1, sms_records=2)
    assert await count(sessions, SmsPrompt.conversation_id) == 0
    assert await count(sessions, SmsStatusEvent.id) == 1
    async with sessions() as session:
        phones = set(await session.scalars(select(SmsConsent.phone)))
    assert phones == {"+14155550135", "+14155550136"}


async def test_zero_days_keeps_everything(sessions):
    await conversation(sessions, "7500000000000003", said_at=NOW - timedelta(days=4000))
    assert await Retention(sessions, days=0, clock=lambda: NOW).run_once() == Forgotten()
    assert await count(sessions, MessageRow.id) == 1


async def test_the_job_runs_at_start_and_then_once_a_day_by_the_clock(sessions):
    clock = Clock()
    await conversation(sessions, "7500000000000004", said_at=NOW - timedelta(days=364))
    job = RetentionJob(Retention(sessions, days=365, clock=clock), clock=clock)
    await job.round()
    assert (job.rounds, job.last) == (1, Forgotten())
    clock.now += timedelta(days=2)  # the conversation is now 366 days silent
    await job.round()
    assert job.rounds == 2
    assert job.last.conversations == 1
    clock.now += timedelta(hours=1)
    await job.round()
    assert job.rounds == 2  # less than a day since the last run
    assert await count(sessions, OutboxMessage.id) == 0


async def test_a_running_wismo_runs_the_job_with_its_workers(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, WISMO_RETENTION_DAYS="30") as wismo:
        job = wismo.app[RETENTION_JOB]
        await wait_until(lambda: _ran(job))
    async with running_wismo(aiohttp_server, database_url, WISMO_RETENTION_DAYS="0") as wismo:
        assert RETENTION_JOB not in wismo.app


async def _ran(job: RetentionJob) -> bool:
    return job.rounds == 1
