"""Connected accounts are stored with their tokens sealed, and a new token replaces the old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.accounts import (
    AccountStatus,
    AccountStore,
    Flavour,
    SecretBox,
    TokenKind,
    new_key,
)
from bot.accounts.tables import InstagramAccount
from bot.errors import ConfigurationInvalid, TokenUnreadable

ACCOUNT = "17841400000000001"
START = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(SecretStr(new_key()))


async def test_a_token_is_stored_sealed_and_read_back_in_the_clear(sessions, box):
    store = AccountStore(sessions, box, clock=Clock())

    saved = await store.connect(
        ACCOUNT,
        token=SecretStr("IGAA-secret-token"),
        graph_url="https://graph.instagram.com",
        token_kind=TokenKind.LONG_LIVED,
        username="fake_shop",
        token_expires_at=START + timedelta(days=60),
    )

    assert saved.created
    assert saved.account.flavour is Flavour.INSTAGRAM_LOGIN
    assert saved.account.status is AccountStatus.ACTIVE
    async with sessions() as session:
        stored = await session.scalar(select(InstagramAccount.token_ciphertext))
    assert stored is not None
    assert "IGAA-secret-token" not in stored
    (credentials,), unreadable = await store.credentials()
    assert unreadable == []
    assert credentials.token.get_secret_value() == "IGAA-secret-token"
    assert credentials.account.token_expires_at == START + timedelta(days=60)
    assert "IGAA-secret-token" not in repr(credentials)


async def test_a_changed_token_replaces_the_old_one_and_the_same_token_changes_nothing(
    sessions, box
):
    clock = Clock()
    store = AccountStore(sessions, box, clock=clock)
    common = {"graph_url": "https://graph.facebook.com", "token_kind": TokenKind.PAGE}
    await store.connect(ACCOUNT, token=SecretStr("EAA-first"), username="fake_shop", **common)
    await store.disconnect(ACCOUNT, "testing")

    clock.now += timedelta(hours=1)
    again = await store.connect(ACCOUNT, token=SecretStr("EAA-first"), **common)
    assert (again.created, again.token_replaced) == (False, False)
    assert again.account.status is AccountStatus.DISCONNECTED  # the same token revives nothing

    clock.now += timedelta(hours=1)
    replaced = await store.connect(ACCOUNT, token=SecretStr("EAA-second"), **common)

    assert replaced.token_replaced
    assert replaced.account.status is AccountStatus.ACTIVE
    assert replaced.account.flavour is Flavour.FACEBOOK_LOGIN
    assert replaced.account.path_id == "me"  # a Page token names its Page
    assert replaced.account.username == "fake_shop"  # kept when not given
    assert replaced.account.updated_at == START + timedelta(hours=2)
    (credentials,), _ = await store.credentials()
    assert credentials.token.get_secret_value() == "EAA-second"
    assert await store.counts() == {
        AccountStatus.ACTIVE: 1,
        AccountStatus.PAUSED: 0,
        AccountStatus.DISCONNECTED: 0,
    }


async def test_a_token_sealed_with_another_key_is_reported_not_misread(sessions, box):
    await AccountStore(sessions, box, clock=Clock()).connect(
        ACCOUNT,
        token=SecretStr("IGAA-secret-token"),
        graph_url="https://graph.instagram.com",
        token_kind=TokenKind.LONG_LIVED,
    )
    other = AccountStore(sessions, SecretBox(SecretStr(new_key())), clock=Clock())

    found, (unreadable,) = await other.credentials()

    assert found == []
    assert isinstance(unreadable, TokenUnreadable)
    assert ACCOUNT in str(unreadable)


async def test_without_a_key_tokens_can_be_neither_stored_nor_read(sessions):
    store = AccountStore(sessions, None, clock=Clock())

    with pytest.raises(ConfigurationInvalid, match="WISMO_SECRET_KEY"):
        await store.connect(
            ACCOUNT,
            token=SecretStr("IGAA-secret-token"),
            graph_url="https://graph.instagram.com",
            token_kind=TokenKind.LONG_LIVED,
        )
    with pytest.raises(ConfigurationInvalid, match="WISMO_SECRET_KEY"):
        await store.credentials()


def test_a_key_that_is_not_one_is_refused_naming_the_setting():
    with pytest.raises(ConfigurationInvalid, match="WISMO_SECRET_KEY"):
        SecretBox(SecretStr("correct horse battery staple"))
