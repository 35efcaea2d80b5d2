"""The per-order proof limit holds when many buyers guess at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from stores.attempts import failures_since, matched, reserve_attempt
from stores.tables import VerificationAttemptRow

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


async def guess(sessions, asker: str) -> int | None:
    return await reserve_attempt(sessions, "1012", asker, at=T0, since=T0 - DAY, limit=10)


async def test_forty_buyers_guessing_at_once_record_no_more_than_ten_failures(sessions):
    reserved = await asyncio.gather(*(guess(sessions, f"conversation:{n}") for n in range(40)))
    assert sum(attempt is not None for attempt in reserved) == 10
    async with sessions() as session:
        assert await failures_since(session, "1012", T0 - DAY) == 10
        rows = list(await session.scalars(select(VerificationAttemptRow)))
    assert len(rows) == 10  # the refused ones left nothing behind


async def test_a_reserved_attempt_whose_proof_matched_is_no_failure(sessions):
    attempt = await guess(sessions, "conversation:1")
    assert attempt is not None
    await matched(sessions, attempt)
    async with sessions() as session:
        assert await failures_since(session, "1012", T0 - DAY) == 0


async def test_failures_older_than_the_window_leave_room_for_new_guesses(sessions):
    for n in range(10):
        await reserve_attempt(
            sessions, "1012", f"conversation:{n}", at=T0 - 2 * DAY, since=T0 - 3 * DAY, limit=10
        )
    assert await guess(sessions, "conversation:99") is not None
