"""`wismo meta` as processes against the fake Graph API and a running wismo's webhook; the token
job in-process with a controllable clock; a refresh failure on /healthz and /metrics."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.accounts import AccountStore, SecretBox, TokenKind, new_key
from bot.accounts.tokens import MetaAccess, TokenKeeper
from bot.app.token_job import TokenJob
from tests.bot.harness import ACCOUNT, APP_SECRET, VERIFY_TOKEN, Wismo, running_wismo
from tests.fakes.graph_api import FakeGraphApi, start_graph_api

ROOT = Path(__file__).resolve().parents[3]
CHECKS = (
    "token",
    "account",
    "permissions",
    "subscriptions",
    "conversations",
    "webhook handshake",
    "webhook self-test",
)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def line(self, name: str) -> str:
        found = [line.strip() for line in self.out.splitlines() if f" {name}:" in line]
        assert len(found) == 1, self.out
        return found[0]


@dataclass
class Setup:
    wismo: Wismo
    fake: FakeGraphApi
    env: dict[str, str]
    key: str

    async def meta(self, *args: str, **env: str) -> Run:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--env-file",
            "",
            "meta",
            *args,
            cwd=ROOT,
            env={**self.env, **env},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode is not None
        return Run(process.returncode, out.decode(), err.decode())

    def store(self) -> AccountStore:
        return AccountStore(
            self.wismo.sessions, SecretBox(SecretStr(self.key)), clock=lambda: datetime.now(UTC)
        )


@pytest.fixture
async def setup(aiohttp_server: Any, database_url: str) -> AsyncIterator[Setup]:
    fake = FakeGraphApi(account_id=ACCOUNT, app_secret=APP_SECRET)
    async with running_wismo(aiohttp_server, database_url, fake=fake, workers=False) as wismo:
        key = new_key()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WISMO_", "META_"))}
        env.update(
            WISMO_DATABASE_URL=database_url,
            WISMO_SECRET_KEY=key,
            WISMO_PUBLIC_URL=wismo.url,
            META_APP_SECRET=APP_SECRET,
            META_VERIFY_TOKEN=VERIFY_TOKEN,
            META_GRAPH_URL=fake.url,
        )
        yield Setup(wismo, fake, env, key)


async def connected(setup: Setup) -> str:
    """Connect a fresh short-lived token; returns the long-lived token it was exchanged for."""
    short = setup.fake.issue_token("short_lived")
    run = await setup.meta("connect", "--token", short)
    assert run.code == 0, run.out + run.err
    return list(setup.fake.tokens)[-1]


# Each command runs as a process (seconds apiece); what it does to the store is the same on
# both backends, which the connect and healthy-check tests and the store's own tests cover.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_connect_exchanges_a_short_lived_token_stores_it_sealed_and_subscribes(
    setup: Setup,
) -> None:
    short = setup.fake.issue_token("short_lived")
    run = await setup.meta("connect", "--token", short)
    assert run.code == 0, run.err
    assert f"connected {ACCOUNT} @fake_shop" in run.out
    assert "expires in 60 days" in run.out
    assert short not in run.out + run.err
    assert setup.fake.subscribed_fields >= {"messages", "messaging_postbacks"}
    long = list(setup.fake.tokens)[-1]
    assert setup.fake.tokens[long].kind == "long_lived"
    (creds,), _ = await setup.store().credentials()
    assert creds.token.get_secret_value() == long
    assert creds.account.token_kind is TokenKind.LONG_LIVED
    async with setup.wismo.engine.connect() as connection:
        raw = await connection.exec_driver_sql("SELECT token_ciphertext FROM instagram_accounts")
        assert long not in raw.scalar_one()


@SQLITE_ONLY
async def test_connecting_again_replaces_the_token(setup: Setup) -> None:
    first = await connected(setup)
    second = await connected(setup)
    assert first != second
    (creds,), _ = await setup.store().credentials()
    assert creds.token.get_secret_value() == second
    listing = await setup.meta("accounts")
    assert listing.code == 0
    assert ACCOUNT in listing.out
    assert "@fake_shop" in listing.out
    assert "active" in listing.out
    assert first not in listing.out
    assert second not in listing.out


async def test_check_of_a_healthy_account_is_all_green(setup: Setup) -> None:
    await connected(setup)
    run = await setup.meta("check")
    assert run.code == 0, run.out + run.err
    for name in CHECKS:
        assert run.line(name).startswith("✓"), run.out
    assert run.out.count("✓") == len(CHECKS)
    as_json = await setup.meta("check", "--json", "--account", ACCOUNT)
    verdict = json.loads(as_json.out)
    assert verdict["ok"] is True
    assert [check["name"] for check in verdict["checks"]] == list(CHECKS)


@SQLITE_ONLY
async def test_a_page_token_connects_through_facebook_login_and_checks_green(setup: Setup) -> None:
    setup.fake.use_flavour("facebook_login")
    setup.fake.require_appsecret_proof = True
    page_token = setup.fake.issue_token("page")
    run = await setup.meta("connect", "--token", page_token, "--flavour", "facebook_login")
    assert run.code == 0, run.out + run.err
    assert "(Facebook Login," in run.out
    (creds,), _ = await setup.store().credentials()
    assert (creds.account.account_id, creds.account.token_kind) == (ACCOUNT, TokenKind.PAGE)
    assert creds.token.get_secret_value() == page_token  # a Page token is stored as it is
    check = await setup.meta("check")
    assert check.code == 0, check.out + check.err
    assert check.out.count("✓") == len(CHECKS)


BROKEN: dict[str, tuple[Callable[[FakeGraphApi, str], None], str, dict[str, str]]] = {
    "expired token": (lambda fake, token: fake.expire_token(token), "token", {}),
    "missing permission": (
        lambda fake, token: fake.revoke_permission("instagram_business_manage_messages", token),
        "permissions",
        {},
    ),
    "not subscribed": (lambda fake, _: fake.unsubscribe(), "subscriptions", {}),
    "messaging not allowed": (lambda fake, _: fake.disallow_messaging(), "conversations", {}),
    "handshake fails": (
        lambda fake, _: None,
        "webhook handshake",
        {"META_VERIFY_TOKEN": "not-the-service-s"},
    ),
}


@SQLITE_ONLY
@pytest.mark.parametrize("state", list(BROKEN))
async def test_check_of_a_broken_account_exits_1_with_the_matching_red_line(
    setup: Setup, state: str
) -> None:
    token = await connected(setup)
    breaks, name, env = BROKEN[state]
    breaks(setup.fake, token)
    run = await setup.meta("check", **env)
    assert run.code == 1, run.out + run.err
    line = run.line(name)
    assert line.startswith("✗")
    assert "fix:" in line
    assert token not in run.out + run.err


@SQLITE_ONLY
async def test_subscribe_and_refresh_commands(setup: Setup) -> None:
    await connected(setup)
    setup.fake.unsubscribe()
    run = await setup.meta("subscribe")
    assert run.code == 0
    assert "✓" in run.out
    assert "messages" in setup.fake.subscribed_fields
    # Just exchanged: younger than 24 hours, Meta would refuse.
    run = await setup.meta("refresh")
    assert run.code == 0
    assert "less than 24 hours old" in run.out


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def _stored(
    sessions: Any, http: httpx.AsyncClient, fake: FakeGraphApi, clock: Clock, *, age: timedelta
) -> tuple[AccountStore, TokenKeeper, str]:
    box = SecretBox(SecretStr(new_key()))
    store = AccountStore(sessions, box, clock=clock)
    token = fake.issue_token("long_lived", age=age)
    await store.connect(
        ACCOUNT,
        token=SecretStr(token),
        graph_url=fake.url,
        token_kind=TokenKind.LONG_LIVED,
        token_expires_at=clock() - age + timedelta(days=60),
    )
    access = MetaAccess(http, "v25.0", (SecretStr(APP_SECRET),), clock)
    return store, TokenKeeper(store, access), token


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def test_the_job_refreshes_a_token_before_expiry_once_a_day(
    aiohttp_server: Any, sessions: Any, http: httpx.AsyncClient
) -> None:
    clock = Clock()
    fake = await start_graph_api(aiohttp_server, account_id=ACCOUNT, clock=clock)
    store, keeper, old = await _stored(sessions, http, fake, clock, age=timedelta(days=40))
    job = TokenJob(keeper, clock=clock)
    await job.round()  # 20 days left: not due yet
    (creds,), _ = await store.credentials()
    assert creds.token.get_secret_value() == old
    clock.now += timedelta(hours=23)
    await job.round()
    assert job.rounds == 1  # less than a day since the last run
    clock.now += timedelta(days=5)  # 14 days left
    await job.round()
    (creds,), _ = await store.credentials()
    assert creds.token.get_secret_value() != old
    assert creds.account.token_expires_at == clock.now + timedelta(days=60)
    assert creds.account.last_error is None


async def test_a_failed_refresh_shows_on_healthz_and_metrics(
    aiohttp_server: Any, database_url: str, http: httpx.AsyncClient
) -> None:
    clock = Clock()
    fake = FakeGraphApi(account_id=ACCOUNT, app_secret=APP_SECRET, clock=clock)
    async with running_wismo(
        aiohttp_server,
        database_url,
        fake=fake,
        workers=False,
        clock=clock,
        WISMO_METRICS_TOKEN="metrics-token",
    ) as wismo:
        store, keeper, token = await _stored(
            wismo.sessions, http, fake, clock, age=timedelta(days=50)
        )
        fake.expire_token(token)
        assert await keeper.run_once() == (0, 1)
        assert await keeper.run_once() == (0, 1)  # noted again, logged once
        account = await store.get(ACCOUNT)
        assert account is not None
        assert (account.last_error or "").startswith("token refresh")
        health = (await wismo.http.get(wismo.url + "/healthz")).json()
        assert health["status"] == "degraded"
        assert health["tokens"]["refresh_failed"] == [ACCOUNT]
        metrics = await wismo.http.get(
            wismo.url + "/metrics", headers={"Authorization": "Bearer metrics-token"}
        )
        text = metrics.text
        assert f'wismo_instagram_token_refresh_failed{{account="{ACCOUNT}"}} 1.0' in text
        assert f'wismo_instagram_token_days_left{{account="{ACCOUNT}"}} 10.0' in text
