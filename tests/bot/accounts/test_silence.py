"""The silence alarm: an active account that has had webhook deliveries and then none for
longer than its usual quiet is silent; one that never had any, or is paused or disconnected,
is not. Last deliveries come from the inbox, at most once a minute, and outlive its purge."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import delete, update

from bot.accounts import (
    SHORTCUT_ID,
    Account,
    AccountStatus,
    AccountStore,
    SecretBox,
    TokenKind,
    new_key,
)
from bot.accounts.deliveries import silent_for
from bot.accounts.tables import InstagramAccount
from bot.app.silence import DeliveryWatch
from bot.pipeline.tables import InboxEvent

ACCOUNT = "17841400000000001"
SECOND = "17841400000000002"
START = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
USUAL_QUIET = timedelta(hours=48)
_events = itertools.count(1)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


async def connect(store: AccountStore, account_id: str, username: str) -> None:
    await store.connect(
        account_id,
        token=SecretStr(f"token-of-{username}"),
        graph_url="https://graph.instagram.com",
        token_kind=TokenKind.LONG_LIVED,
        username=username,
    )


async def deliver(sessions, account_id: str, at: datetime) -> None:
    """A webhook delivery for `account_id` stored in the inbox at `at`."""
    number = next(_events)
    async with sessions() as session, session.begin():
        session.add(
            InboxEvent(
                dedupe_key=f"silence-test-{number}",
                lane_key=f"{account_id}:7100",
                account_id=account_id,
                igsid="7100",
                kind="message",
                standby=False,
                occurred_at=at,
                received_at=at,
                payload={},
                available_at=at,
                attempts=0,
            )
        )


async def silence(watch: DeliveryWatch, store: AccountStore) -> dict[str, timedelta | None]:
    return {
        quiet.account.account_id: quiet.silent_for
        for quiet in await watch.quiet(await accounts(store))
    }


async def accounts(store: AccountStore) -> list[Account]:
    return await store.accounts()


def make(sessions, clock: Clock) -> tuple[AccountStore, DeliveryWatch]:
    store = AccountStore(sessions, SecretBox(SecretStr(new_key())), clock=clock)
    return store, DeliveryWatch(sessions, clock=clock, threshold=USUAL_QUIET)


async def test_an_active_account_is_silent_once_its_quiet_outlasts_the_usual(sessions):
    clock = Clock()
    store, watch = make(sessions, clock)
    await connect(store, ACCOUNT, "fake_shop")
    await deliver(sessions, ACCOUNT, START)

    clock.now = START + USUAL_QUIET
    assert await silence(watch, store) == {ACCOUNT: None}

    clock.now = START + USUAL_QUIET + timedelta(minutes=5)
    assert await silence(watch, store) == {ACCOUNT: USUAL_QUIET + timedelta(minutes=5)}

    await deliver(sessions, ACCOUNT, clock.now)  # Meta delivers again: the alarm ends
    clock.now += timedelta(minutes=1)
    assert await silence(watch, store) == {ACCOUNT: None}


async def test_never_delivered_paused_and_disconnected_accounts_raise_no_alarm(sessions):
    clock = Clock()
    store, watch = make(sessions, clock)
    for account_id, name in ((ACCOUNT, "paused_shop"), (SECOND, "gone_shop"), ("3", "new_shop")):
        await connect(store, account_id, name)
    await deliver(sessions, ACCOUNT, START)
    await deliver(sessions, SECOND, START)
    async with sessions() as session, session.begin():
        await session.execute(
            update(InstagramAccount)
            .where(InstagramAccount.account_id == ACCOUNT)
            .values(status=AccountStatus.PAUSED.value, status_reason="token_invalid")
        )
    await store.disconnect(SECOND, "replaced")

    clock.now = START + timedelta(days=30)
    assert await silence(watch, store) == {ACCOUNT: None, SECOND: None, "3": None}
    assert silent_for(AccountStatus.ACTIVE, START, clock.now, None) is None  # alarm off


async def test_the_inbox_is_read_at_most_once_a_minute(sessions):
    clock = Clock()
    store, watch = make(sessions, clock)
    await connect(store, ACCOUNT, "fake_shop")
    await deliver(sessions, ACCOUNT, START - timedelta(days=3))
    clock.now = START
    assert await silence(watch, store) == {ACCOUNT: timedelta(days=3)}

    await deliver(sessions, ACCOUNT, START)
    clock.now = START + timedelta(seconds=59)
    assert await silence(watch, store) != {ACCOUNT: None}  # not read again yet
    clock.now = START + timedelta(seconds=60)
    assert await silence(watch, store) == {ACCOUNT: None}


async def test_the_last_delivery_outlives_the_inbox_purge(sessions):
    clock = Clock()
    store, watch = make(sessions, clock)
    await connect(store, ACCOUNT, "fake_shop")
    await deliver(sessions, ACCOUNT, START)
    await watch.refresh()
    async with sessions() as session, session.begin():
        await session.execute(delete(InboxEvent))  # the 7-day purge

    clock.now = START + timedelta(days=10)
    assert await silence(watch, store) == {ACCOUNT: timedelta(days=10)}
    # Another process's watch, started after the purge, reads the same from the table.
    fresh = DeliveryWatch(sessions, clock=clock, threshold=USUAL_QUIET)
    assert await silence(fresh, store) == {ACCOUNT: timedelta(days=10)}


async def test_deliveries_for_unclaimed_account_ids_count_for_the_one_account_shortcut(
    sessions,
):
    clock = Clock()
    store, watch = make(sessions, clock)
    await connect(store, SHORTCUT_ID, "shortcut_shop")
    await connect(store, SECOND, "second_shop")
    await deliver(sessions, ACCOUNT, START)  # no stored account has this id: `me` answers it
    await deliver(sessions, SECOND, START - timedelta(days=5))

    clock.now = START + timedelta(hours=1)
    assert await silence(watch, store) == {SECOND: timedelta(days=5, hours=1), SHORTCUT_ID: None}
