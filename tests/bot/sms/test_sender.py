"""The SMS sender on its own: a real database, a fake Twilio on loopback, a movable clock.

What it checks again just before sending (a stopped number, the buyer's night, the day's
budget), and a process that died mid-send (never sent again)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, time, timedelta

import httpx
from sqlalchemy import select

from bot.sms.consent import ConsentSource, StopSource, grant, stop
from bot.sms.queue import OPT_IN_CONFIRMATION, queue_text
from bot.sms.sender import SmsSender
from bot.sms.tables import SmsMessage
from bot.sms.twilio import Twilio
from bot.updates.quiet import QuietHours
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, FakeTwilio

PHONE = "+14155550123"
NOON_UTC = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@contextlib.asynccontextmanager
async def _sender(aiohttp_server, sessions, clock, **options):
    fake = FakeTwilio()
    server = await aiohttp_server(fake.app())
    async with httpx.AsyncClient(timeout=5.0) as http:
        twilio = Twilio(
            http,
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            sender=FROM,
            base_url=str(server.make_url("")),
        )
        yield (
            fake,
            SmsSender(
                sessions,
                twilio,
                clock=clock,
                quiet=options.pop("quiet", QuietHours(hours=None)),
                status_callback="https://shop.example/sms/twilio/status",
                **options,
            ),
        )


async def _queue(sessions, clock, *, country=None, segments=1, consent=True, milestone=None) -> int:
    async with sessions() as session, session.begin():
        if consent:
            await grant(session, PHONE, source=ConsentSource.DM, at=clock(), conversation_id=1)
        row = SmsMessage(
            phone=PHONE,
            body="Test Shop: your parcel has shipped. Reply STOP to opt out.",
            encoding="GSM-7",
            segments=segments,
            country=country,
            milestone=milestone,
            state="queued",
            attempts=0,
            next_attempt_at=clock(),
            created_at=clock(),
        )
        session.add(row)
        await session.flush()
        return row.id


async def _row(sessions, row_id: int) -> SmsMessage:
    async with sessions() as session:
        row = await session.get(SmsMessage, row_id)
        assert row is not None
        return row


async def test_a_text_for_a_number_stopped_meanwhile_is_dropped(aiohttp_server, sessions):
    clock = Clock(NOON_UTC)
    async with _sender(aiohttp_server, sessions, clock) as (fake, sender):
        row_id = await _queue(sessions, clock)
        async with sessions() as session, session.begin():
            await stop(session, PHONE, source=StopSource.KEYWORD, at=clock())
        assert not await sender.send_one()
        assert (await _row(sessions, row_id)).state == "dropped"
        assert fake.attempts == 0


async def test_a_text_carried_into_the_buyers_night_waits_for_morning(aiohttp_server, sessions):
    clock = Clock(datetime(2026, 12, 7, 22, 30, tzinfo=UTC))  # 23:30 in Berlin
    quiet = QuietHours(hours=(time(21, 0), time(8, 0)))
    async with _sender(aiohttp_server, sessions, clock, quiet=quiet) as (fake, sender):
        row_id = await _queue(sessions, clock, country="DE")
        assert not await sender.send_one()
        row = await _row(sessions, row_id)
        assert (row.state, row.reason) == ("queued", "quiet_hours")
        assert row.next_attempt_at == datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 08:00 Berlin
        clock.now = row.next_attempt_at
        assert await sender.send_one()
        assert (await _row(sessions, row_id)).state == "sent"
        assert fake.attempts == 1


async def test_without_a_destination_the_phone_numbers_country_sets_the_night(
    aiohttp_server, sessions
):
    clock = Clock(datetime(2026, 12, 8, 3, 0, tzinfo=UTC))  # 22:00 in New York, 03:00 in London
    quiet = QuietHours(hours=(time(21, 0), time(8, 0)))
    async with _sender(aiohttp_server, sessions, clock, quiet=quiet) as (fake, sender):
        async with sessions() as session, session.begin():
            await grant(session, PHONE, source=ConsentSource.DM, at=clock(), conversation_id=1)
            row = queue_text(
                session,
                phone=PHONE,
                body="Test Shop: shipped.",
                at=clock(),
                conversation_id=1,
                language="en",
            )
            await session.flush()
            row_id = row.id
        assert not await sender.send_one()
        waiting = await _row(sessions, row_id)
        assert (waiting.country, waiting.reason) == ("US", "quiet_hours")
        assert waiting.next_attempt_at == datetime(2026, 12, 8, 13, 0, tzinfo=UTC)  # 08:00 EST
        assert fake.attempts == 0


async def test_the_confirmation_of_an_opt_in_goes_at_once_even_at_night(aiohttp_server, sessions):
    """The buyer has just asked for texts: the confirmation answers them, it is not news."""
    clock = Clock(datetime(2026, 12, 7, 22, 30, tzinfo=UTC))  # 23:30 in Berlin
    quiet = QuietHours(hours=(time(21, 0), time(8, 0)))
    async with _sender(aiohttp_server, sessions, clock, quiet=quiet) as (fake, sender):
        row_id = await _queue(sessions, clock, country="DE", milestone=OPT_IN_CONFIRMATION)
        assert await sender.send_one()
        assert (await _row(sessions, row_id)).state == "sent"
        assert fake.attempts == 1


async def test_the_daily_budget_counts_segments(aiohttp_server, sessions):
    clock = Clock(NOON_UTC)
    async with _sender(aiohttp_server, sessions, clock, daily_budget=3) as (fake, sender):
        first = await _queue(sessions, clock, segments=2)
        second = await _queue(sessions, clock, segments=2)
        assert await sender.send_one()
        assert not await sender.send_one()  # 2 + 2 > 3
        assert (await _row(sessions, first)).state == "sent"
        waiting = await _row(sessions, second)
        assert (waiting.state, waiting.reason) == ("queued", "daily_budget")
        assert waiting.next_attempt_at == datetime(2026, 12, 8, tzinfo=UTC)
        clock.now = waiting.next_attempt_at
        assert await sender.send_one()
        assert len(fake.sent) == 2


async def test_a_text_caught_mid_send_by_a_dying_process_is_never_sent_again(
    aiohttp_server, sessions
):
    clock = Clock(NOON_UTC)
    async with _sender(aiohttp_server, sessions, clock) as (fake, sender):
        row_id = await _queue(sessions, clock)
        async with sessions() as session, session.begin():
            row = await session.get(SmsMessage, row_id)
            row.state, row.lease_token = "sending", "gone"
            row.lease_until = clock() + timedelta(minutes=2)
        assert await sender.recover() == 0  # its lease still runs
        clock.now += timedelta(minutes=3)
        assert await sender.recover() == 1
        assert not await sender.send_one()
        assert (await _row(sessions, row_id)).state == "unconfirmed"
        assert fake.attempts == 0


async def test_a_rejected_request_fails_the_text_with_its_code(aiohttp_server, sessions):
    clock = Clock(NOON_UTC)
    async with _sender(aiohttp_server, sessions, clock) as (fake, sender):
        row_id = await _queue(sessions, clock)
        fake.fail_next(1, status=400, code=21603)
        assert await sender.send_one()
        row = await _row(sessions, row_id)
        assert (row.state, row.reason, row.error_code) == ("failed", "rejected", 21603)
        async with sessions() as session:
            assert (await session.scalars(select(SmsMessage))).all()[0].sent_at is None
