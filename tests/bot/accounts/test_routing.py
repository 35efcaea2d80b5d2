"""Each account's buyers are answered with that account's own token; an event for an account
that is not connected is kept and flagged, never answered. A real app on loopback, the fake
Graph API serving two business accounts, tokens stored sealed with WISMO_SECRET_KEY."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import select

from bot.accounts import REFRESH, AccountStatus, AccountStore, SecretBox, TokenKind, new_key
from bot.app.factory import create_app
from bot.errors import ConfigurationInvalid
from bot.instagram.messages import text_messages
from bot.pipeline.dialogue_port import Reply, Turn
from bot.pipeline.processor import UNKNOWN_ACCOUNT
from bot.pipeline.tables import InboxEvent
from conversations.models import Conversation
from conversations.store import ConversationStore
from foundation.database import create_engine
from tests.bot.harness import (
    ACCOUNT,
    Clock,
    entry,
    running_wismo,
    settings,
    wait_until,
    webhook,
)
from tests.fakes.graph_api import DEFAULT_TOKEN, FakeGraphApi

KEY = new_key()
SECOND = "17841400000000002"
SECOND_TOKEN = "fake-token-of-the-second-account"  # a test credential
UNKNOWN = "17841400000000009"
BUYER_A, BUYER_B, BUYER_C = "7100000000000001", "7100000000000002", "7100000000000003"


class Repeating:
    """Answers "re: <text>" and records every turn it was asked about."""

    def __init__(self) -> None:
        self.turns: list[Turn] = []

    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        self.turns.append(turn)
        return Reply(messages=text_messages(f"re: {turn.text}"))


def just_issued(fake: FakeGraphApi) -> FakeGraphApi:
    """The fake with its own token issued just now: Meta refreshes no token younger than
    24 hours, so the token job leaves it as it is (these tests are about routing)."""
    state = fake.tokens[fake.token]
    state.issued_at = fake.clock()
    state.expires_at = state.issued_at + timedelta(days=60)
    return fake


async def connect(wismo: Any, account_id: str, token: str) -> None:
    """What `wismo meta connect` will do from another process: store the account's token."""
    wismo.fake.add_account(account_id, token)
    await AccountStore(wismo.sessions, SecretBox(SecretStr(KEY)), clock=Clock()).connect(
        account_id,
        token=SecretStr(token),
        graph_url=wismo.fake.url,
        token_kind=TokenKind.LONG_LIVED,
    )


def answers(fake: FakeGraphApi) -> dict[str, tuple[str, str | None, str]]:
    """Per buyer: the text sent, the token it was sent with, and the path it went to."""
    return {
        request.body["recipient"]["id"]: (
            request.body["message"]["text"],
            request.header("Authorization"),
            request.path,
        )
        for request in fake.sends
    }


async def inbox_outcomes(wismo: Any, account_id: str) -> list[str | None]:
    async with wismo.sessions() as session:
        return list(
            await session.scalars(
                select(InboxEvent.outcome).where(InboxEvent.account_id == account_id)
            )
        )


async def test_each_account_is_answered_with_its_own_token_and_an_unknown_one_is_flagged(
    aiohttp_server, database_url
):
    responder = Repeating()
    async with running_wismo(
        aiohttp_server,
        database_url,
        responder=responder,
        echoes=False,
        fake=just_issued(FakeGraphApi(account_id=ACCOUNT)),
        WISMO_SECRET_KEY=KEY,
    ) as wismo:
        await connect(wismo, SECOND, SECOND_TOKEN)

        response = await wismo.post(
            webhook(
                entry(ACCOUNT, BUYER_A, "where is my parcel?"),
                entry(SECOND, BUYER_B, "¿dónde está mi pedido?"),
                entry(UNKNOWN, BUYER_C, "hello?"),
            )
        )
        assert response.status_code == 200
        await wismo.wait_settled()

        assert answers(wismo.fake) == {
            BUYER_A: (
                "re: where is my parcel?",
                f"Bearer {DEFAULT_TOKEN}",
                f"/v25.0/{ACCOUNT}/messages",
            ),
            BUYER_B: (
                "re: ¿dónde está mi pedido?",
                f"Bearer {SECOND_TOKEN}",
                f"/v25.0/{SECOND}/messages",
            ),
        }
        assert await inbox_outcomes(wismo, UNKNOWN) == [UNKNOWN_ACCOUNT]
        assert {turn.account_id for turn in responder.turns} == {ACCOUNT, SECOND}
        async with wismo.sessions() as session:
            assert await ConversationStore(session).find(UNKNOWN, BUYER_C) is None


async def test_a_token_connected_while_running_answers_within_seconds(aiohttp_server, database_url):
    clock = Clock()
    async with running_wismo(
        aiohttp_server,
        database_url,
        responder=Repeating(),
        clock=clock,
        echoes=False,
        WISMO_SECRET_KEY=KEY,
    ) as wismo:
        await wismo.post(webhook(entry(SECOND, BUYER_B, "before")))
        await wismo.wait_settled()
        await connect(wismo, SECOND, SECOND_TOKEN)
        clock.offset += REFRESH

        await wismo.post(webhook(entry(SECOND, BUYER_B, "after")))
        await wismo.wait_settled()

        assert answers(wismo.fake) == {
            BUYER_B: ("re: after", f"Bearer {SECOND_TOKEN}", f"/v25.0/{SECOND}/messages")
        }
        assert await inbox_outcomes(wismo, SECOND) == [UNKNOWN_ACCOUNT, "message"]


async def test_a_changed_meta_access_token_replaces_the_stored_one_at_start(
    aiohttp_server, database_url
):
    first = just_issued(FakeGraphApi(account_id=ACCOUNT))
    async with running_wismo(aiohttp_server, database_url, fake=first, WISMO_SECRET_KEY=KEY):
        pass
    rotated = just_issued(FakeGraphApi(token="rotated-token", account_id=ACCOUNT))  # test token
    async with running_wismo(
        aiohttp_server,
        database_url,
        responder=Repeating(),
        fake=rotated,
        echoes=False,
        WISMO_SECRET_KEY=KEY,
        META_ACCESS_TOKEN="rotated-token",
    ) as wismo:
        await wismo.post(webhook(entry(ACCOUNT, BUYER_A, "hi")))
        await wismo.wait_settled()

        assert answers(rotated)[BUYER_A][1] == "Bearer rotated-token"
        store = AccountStore(wismo.sessions, SecretBox(SecretStr(KEY)), clock=Clock())
        (credentials,), _ = await store.credentials()
        assert credentials.token.get_secret_value() == "rotated-token"


async def test_healthz_and_metrics_count_the_accounts_by_status(aiohttp_server, database_url):
    async with running_wismo(
        aiohttp_server,
        database_url,
        WISMO_SECRET_KEY=KEY,
        WISMO_METRICS_TOKEN="metrics-token",  # a test credential
    ) as wismo:
        await connect(wismo, SECOND, SECOND_TOKEN)
        store = AccountStore(wismo.sessions, None, clock=Clock())
        await store.disconnect(SECOND, "testing")

        health = (await wismo.http.get(wismo.url + "/healthz")).json()
        metrics = (
            await wismo.http.get(
                wismo.url + "/metrics", headers={"Authorization": "Bearer metrics-token"}
            )
        ).text

        assert health["accounts"] == {"active": 1, "paused": 0, "disconnected": 1}
        assert 'wismo_instagram_accounts{status="active"} 1.0' in metrics
        assert 'wismo_instagram_accounts{status="disconnected"} 1.0' in metrics
        assert await store.counts() == {
            AccountStatus.ACTIVE: 1,
            AccountStatus.PAUSED: 0,
            AccountStatus.DISCONNECTED: 1,
        }


async def test_without_the_key_a_database_holding_accounts_refuses_to_start(database_url):
    engine = create_engine(database_url)
    try:
        app = create_app(settings(database_url, WISMO_SECRET_KEY=KEY), engine=engine)
        runner = web.AppRunner(app)
        await runner.setup()  # stores META_ACCESS_TOKEN's account
        await runner.cleanup()

        keyless = web.AppRunner(create_app(settings(database_url), engine=engine))
        with pytest.raises(ConfigurationInvalid, match="WISMO_SECRET_KEY"):
            await keyless.setup()
        await keyless.cleanup()
    finally:
        await engine.dispose()


def test_a_secret_key_that_is_not_one_fails_create_app(database_url):
    with pytest.raises(ConfigurationInvalid, match="WISMO_SECRET_KEY"):
        create_app(settings(database_url, WISMO_SECRET_KEY="not-a-key"), workers=False)


async def test_a_restart_with_the_same_setting_keeps_the_token_the_job_refreshed(
    aiohttp_server, database_url
):
    fake = FakeGraphApi(account_id=ACCOUNT)  # its token is two days old: Meta refreshes it
    store_of = lambda wismo: AccountStore(  # noqa: E731
        wismo.sessions, SecretBox(SecretStr(KEY)), clock=Clock()
    )

    async def stored_token(wismo: Any) -> str:
        (credentials,), _ = await store_of(wismo).credentials()
        return credentials.token.get_secret_value()

    async with running_wismo(aiohttp_server, database_url, fake=fake, WISMO_SECRET_KEY=KEY) as w:

        async def refreshed() -> bool:
            return await stored_token(w) != DEFAULT_TOKEN

        await wait_until(refreshed)
        renewed = await stored_token(w)
    later = FakeGraphApi(account_id=ACCOUNT)  # Meta, after the refresh: both tokens work
    later.add_account(ACCOUNT, renewed)
    async with running_wismo(
        aiohttp_server,
        database_url,
        responder=Repeating(),
        fake=just_issued(later),
        echoes=False,
        WISMO_SECRET_KEY=KEY,
    ) as wismo:
        await wismo.post(webhook(entry(ACCOUNT, BUYER_A, "hi")))
        await wismo.wait_settled()

        assert await stored_token(wismo) == renewed
        assert answers(later)[BUYER_A][1] == f"Bearer {renewed}"


async def test_a_token_too_young_to_refresh_is_kept_without_an_alarm(aiohttp_server, database_url):
    clock = Clock()
    async with running_wismo(
        aiohttp_server,
        database_url,
        clock=clock,
        fake=just_issued(FakeGraphApi(account_id=ACCOUNT)),
        WISMO_SECRET_KEY=KEY,
    ) as wismo:
        store = AccountStore(wismo.sessions, SecretBox(SecretStr(KEY)), clock=clock)

        async def expiry_learnt() -> bool:
            (credentials,), _ = await store.credentials()
            return credentials.account.token_expires_at is not None

        await wait_until(expiry_learnt)
        (credentials,), _ = await store.credentials()
        health = (await wismo.http.get(wismo.url + "/healthz")).json()

        assert credentials.token.get_secret_value() == DEFAULT_TOKEN
        assert credentials.account.last_error is None
        assert health["tokens"] == {"expiring": [], "refresh_failed": []}
        assert credentials.account.token_expires_at - clock() > timedelta(days=58)
