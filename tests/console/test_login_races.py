"""Login limits under concurrency: parallel wrong passwords never get more checks than allowed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from argon2 import PasswordHasher

from conversations.console.auth import Authenticator, LoginRefusal

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def authenticator(sessions) -> Authenticator:
    # A cheap hash keeps the test fast; the race is between counting and recording, not argon2.
    return Authenticator(
        sessions, clock=lambda: T0, hasher=PasswordHasher(time_cost=1, memory_cost=1024)
    )


async def test_thirty_parallel_wrong_passwords_check_only_five(sessions):
    auth = authenticator(sessions)
    await auth.create_user("anna", PASSWORD, accounts=["1"])
    outcomes = await asyncio.gather(
        *(auth.login("anna", f"guess {n}", address=f"198.51.100.{n}") for n in range(30))
    )
    refusals = [outcome.refusal for outcome in outcomes]
    assert refusals.count(LoginRefusal.INVALID) == 5
    assert refusals.count(LoginRefusal.RATE_LIMITED) == 25
    # Even the right password is refused now: the five failures are all recorded.
    assert (await auth.login("anna", PASSWORD, address="192.0.2.1")).refusal is (
        LoginRefusal.RATE_LIMITED
    )


async def test_thirty_parallel_guesses_from_one_address_check_only_twenty(sessions):
    auth = authenticator(sessions)
    outcomes = await asyncio.gather(
        *(auth.login(f"user{n}", "guess", address="203.0.113.9") for n in range(30))
    )
    refusals = [outcome.refusal for outcome in outcomes]
    assert refusals.count(LoginRefusal.INVALID) == 20
    assert refusals.count(LoginRefusal.RATE_LIMITED) == 10


async def test_a_right_password_among_parallel_attempts_clears_its_own_reservation(sessions):
    auth = authenticator(sessions)
    await auth.create_user("anna", PASSWORD, accounts=["1"])
    outcomes = await asyncio.gather(
        *(auth.login("anna", PASSWORD, address="198.51.100.7") for _ in range(3))
    )
    assert all(outcome.token for outcome in outcomes)
    for _ in range(5):
        assert (await auth.login("anna", "wrong", address="198.51.100.7")).refusal is (
            LoginRefusal.INVALID
        )
