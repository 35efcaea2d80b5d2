"""AccountApiClient against the fake Graph API on loopback, as each host answers, healthy and broken."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from bot.errors import SendFinal, SendRetryable
from bot.instagram.account_api import (
    PAGE_FIELDS,
    WEBHOOK_FIELDS,
    AccountApiClient,
    LongLivedToken,
    Subscriptions,
    TokenOwner,
    flavour_of,
)
from bot.instagram.messages import TextMessage
from bot.instagram.sendapi import SendApiClient
from tests.fakes.graph_api import FAKE_APP_ID, TEMPORARY, start_graph_api

TOKEN = "IGAAT-very-secret-token-0123456789"
APP_SECRET = "fake-app-secret-4242"
BUYER = "7100000000000001"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def fake(aiohttp_server, clock):
    return await start_graph_api(aiohttp_server, token=TOKEN, app_secret=APP_SECRET, clock=clock)


@pytest.fixture
async def fb_fake(fake):
    fake.use_flavour("facebook_login")
    return fake


@pytest.fixture
async def http():
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


def ig_client(fake, http, clock, *, token=TOKEN, secret=APP_SECRET) -> AccountApiClient:
    return AccountApiClient(
        http,
        graph_url=fake.url,
        version=fake.version,
        access_token=SecretStr(token),
        account_id=fake.account_id,
        app_secret=SecretStr(secret) if secret else None,
        clock=clock,
    )


def fb_client(
    fake, http, clock, *, token=TOKEN, secret=APP_SECRET, app_id=FAKE_APP_ID
) -> AccountApiClient:
    return AccountApiClient(
        http,
        graph_url=fake.url,
        version=fake.version,
        access_token=SecretStr(token),
        flavour="facebook_login",
        app_id=app_id,
        app_secret=SecretStr(secret) if secret else None,
        clock=clock,
    )


def test_the_flavour_follows_the_graph_host() -> None:
    assert flavour_of("https://graph.instagram.com") == "instagram_login"
    assert flavour_of("https://graph.facebook.com/") == "facebook_login"


# -- Instagram Login ---------------------------------------------------------------------------


async def test_the_owner_is_the_user_id_webhooks_carry_not_me_id(fake, http, clock) -> None:
    owner = await ig_client(fake, http, clock).owner()

    assert owner == TokenOwner(account_id=fake.account_id, username="fake_shop")
    [request] = fake.requests
    assert (request.path, request.query["fields"]) == ("/v25.0/me", "user_id,username")
    assert request.header("Authorization") == f"Bearer {TOKEN}"
    assert "access_token" not in request.query


async def test_a_short_lived_token_is_exchanged_for_one_of_60_days(fake, http, clock) -> None:
    short = fake.issue_token("short_lived")

    long_lived = await ig_client(fake, http, clock, token=short).exchange_token()

    assert long_lived.expires_at == clock.now + timedelta(days=60)
    assert fake.tokens[long_lived.token.get_secret_value()].kind == "long_lived"
    [request] = fake.requests
    assert request.path == "/access_token"
    assert request.query["grant_type"] == "ig_exchange_token"
    assert request.query["client_secret"] == APP_SECRET
    assert short not in repr(long_lived)
    assert long_lived.token.get_secret_value() not in repr(long_lived)


async def test_the_exchanged_token_works_for_the_send_api(fake, http, clock) -> None:
    short = fake.issue_token("short_lived")
    long_lived = await ig_client(fake, http, clock, token=short).exchange_token()

    sender = SendApiClient(
        http,
        graph_url=fake.url,
        version=fake.version,
        account_id=fake.account_id,
        access_token=long_lived.token,
    )
    await sender.send(BUYER, TextMessage(text="hello"))
    assert len(fake.delivered) == 1


async def test_exchanging_needs_the_app_secret(fake, http, clock) -> None:
    with pytest.raises(ValueError, match="app secret"):
        await ig_client(fake, http, clock, secret=None).exchange_token()
    assert fake.requests == []


async def test_a_wrong_app_secret_is_refused_for_good(fake, http, clock) -> None:
    short = fake.issue_token("short_lived")
    client = ig_client(fake, http, clock, token=short, secret="not-the-secret")
    with pytest.raises(SendFinal):
        await client.exchange_token()


async def test_a_token_a_day_old_is_refreshed_for_another_60_days(fake, http, clock) -> None:
    old = fake.issue_token("long_lived", age=timedelta(days=30))
    client = ig_client(fake, http, clock, token=old)
    assert client.refresh_allowed(clock.now - timedelta(days=30))

    renewed = await client.refresh_token()

    assert renewed.expires_at == clock.now + timedelta(days=60)
    assert renewed.token.get_secret_value() != old
    [request] = fake.requests
    assert (request.path, request.query["grant_type"]) == (
        "/refresh_access_token",
        "ig_refresh_token",
    )


async def test_a_token_younger_than_24_hours_is_not_refreshed(fake, http, clock) -> None:
    young = fake.issue_token("long_lived", age=timedelta(hours=23))
    client = ig_client(fake, http, clock, token=young)
    assert not client.refresh_allowed(clock.now - timedelta(hours=23))

    with pytest.raises(SendFinal) as raised:
        await client.refresh_token()
    assert raised.value.reason == "invalid_request"


async def test_an_expired_token_is_token_invalid_for_every_call(fake, http, clock) -> None:
    fake.expire_token()
    client = ig_client(fake, http, clock)
    for call in (client.owner, client.refresh_token, client.subscriptions, client.subscribe):
        with pytest.raises(SendFinal) as raised:
            await call()
        assert (raised.value.code, raised.value.subcode) == (190, 463)
        assert (raised.value.reason, raised.value.scope) == ("token_invalid", "account")
        assert TOKEN not in str(raised.value)
        assert TOKEN not in repr(raised.value)


async def test_the_expiry_follows_the_clock(fake, http, clock) -> None:
    client = ig_client(fake, http, clock)
    await client.owner()
    clock.now += timedelta(days=59)
    with pytest.raises(SendFinal, match="token_invalid"):
        await client.owner()


async def test_subscribing_sends_the_readme_fields_and_reads_them_back(fake, http, clock) -> None:
    client = ig_client(fake, http, clock)
    assert await client.subscriptions() == Subscriptions(frozenset())

    await client.subscribe()
    found = await client.subscriptions()

    assert found.subscribed
    assert found.missing() == ()
    post = next(r for r in fake.requests if r.method == "POST")
    assert post.path == f"/v25.0/{fake.account_id}/subscribed_apps"
    assert post.query["subscribed_fields"] == ",".join(WEBHOOK_FIELDS)


async def test_an_unsubscribed_account_shows_every_field_missing(fake, http, clock) -> None:
    client = ig_client(fake, http, clock)
    await client.subscribe()
    fake.unsubscribe()

    found = await client.subscriptions()

    assert not found.subscribed
    assert found.missing() == WEBHOOK_FIELDS


async def test_subscribing_without_the_messaging_permission_is_refused(fake, http, clock) -> None:
    fake.revoke_permission("instagram_business_manage_messages")
    with pytest.raises(SendFinal) as raised:
        await ig_client(fake, http, clock).subscribe()
    assert (raised.value.reason, raised.value.scope) == ("permission_missing", "account")


async def test_the_conversations_probe_reads_one_page(fake, http, clock) -> None:
    fake.add_message(BUYER, "where is my parcel", from_business=False)

    assert await ig_client(fake, http, clock).conversations_probe() == 1
    [request] = fake.requests
    assert request.path == f"/v25.0/{fake.account_id}/conversations"
    assert request.query["platform"] == "instagram"


async def test_messaging_not_allowed_fails_the_probe_and_sends(fake, http, clock) -> None:
    fake.disallow_messaging()
    with pytest.raises(SendFinal) as raised:
        await ig_client(fake, http, clock).conversations_probe()
    assert (raised.value.code, raised.value.subcode) == (200, 2534041)
    assert raised.value.reason == "messaging_disabled_by_owner"

    sender = SendApiClient(
        http,
        graph_url=fake.url,
        version=fake.version,
        account_id=fake.account_id,
        access_token=SecretStr(TOKEN),
    )
    with pytest.raises(SendFinal, match="messaging_disabled_by_owner"):
        await sender.send(BUYER, TextMessage(text="hello"))


async def test_a_missing_messaging_permission_fails_the_probe(fake, http, clock) -> None:
    fake.revoke_permission("instagram_business_manage_messages")
    with pytest.raises(SendFinal) as raised:
        await ig_client(fake, http, clock).conversations_probe()
    assert (raised.value.code, raised.value.reason) == (10, "permission_denied")


async def test_a_transient_graph_failure_is_retryable(fake, http, clock) -> None:
    fake.inject(TEMPORARY, endpoint="read")
    with pytest.raises(SendRetryable):
        await ig_client(fake, http, clock).conversations_probe()


async def test_an_unreachable_host_is_retryable_without_the_token(http, clock) -> None:
    client = AccountApiClient(
        http,
        graph_url="http://127.0.0.1:9",
        version="v25.0",
        access_token=SecretStr(TOKEN),
        app_secret=SecretStr(APP_SECRET),
        clock=clock,
    )
    with pytest.raises(SendRetryable) as raised:
        await client.refresh_token()
    assert raised.value.__cause__ is None
    assert TOKEN not in str(raised.value)


async def test_facebook_only_calls_are_refused_with_instagram_login(fake, http, clock) -> None:
    client = ig_client(fake, http, clock)
    for call in (client.permissions, client.debug_token, client.pages):
        with pytest.raises(ValueError):
            await call()
    assert fake.requests == []


async def test_the_token_never_reaches_logs_or_reprs(fake, http, clock, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    client = ig_client(fake, http, clock)
    fake.expire_token()
    with pytest.raises(SendFinal):
        await client.refresh_token()
    assert TOKEN not in repr(client)
    assert TOKEN not in "".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))


# -- Facebook Login ----------------------------------------------------------------------------


async def test_the_page_and_its_instagram_account_own_a_page_token(fb_fake, http, clock) -> None:
    owner = await fb_client(fb_fake, http, clock).owner()

    assert owner == TokenOwner(fb_fake.account_id, "fake_shop", fb_fake.page_id, "Fake Shop")
    [request] = fb_fake.requests
    assert request.query["fields"] == "id,name,instagram_business_account{id,username}"


async def test_a_page_without_instagram_account_is_not_connectable(fb_fake, http, clock) -> None:
    fb_fake.unlink_page()
    with pytest.raises(SendFinal) as raised:
        await fb_client(fb_fake, http, clock).owner()
    assert (raised.value.reason, raised.value.scope) == ("page_not_linked", "account")


async def test_every_call_carries_the_appsecret_proof(fb_fake, http, clock) -> None:
    fb_fake.require_appsecret_proof = True
    client = fb_client(fb_fake, http, clock)

    await client.owner()
    await client.permissions()
    await client.subscribe()
    await client.subscriptions()
    await client.debug_token()

    expected = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    assert all(r.status == 200 for r in fb_fake.requests)
    assert [r.query["appsecret_proof"] for r in fb_fake.requests[:4]] == [expected] * 4


async def test_a_missing_or_wrong_proof_is_refused(fb_fake, http, clock) -> None:
    fb_fake.require_appsecret_proof = True
    with pytest.raises(SendFinal, match="invalid_request"):
        await fb_client(fb_fake, http, clock, secret=None).owner()
    with pytest.raises(SendFinal, match="invalid_request"):
        await fb_client(fb_fake, http, clock, secret="wrong-secret").owner()


async def test_permissions_list_granted_and_declined(fb_fake, http, clock) -> None:
    client = fb_client(fb_fake, http, clock)
    assert (await client.permissions()).missing(client.required_permissions) == ()

    fb_fake.revoke_permission("instagram_manage_messages")
    permissions = await client.permissions()

    assert permissions.missing(client.required_permissions) == ("instagram_manage_messages",)
    assert permissions.declined == {"instagram_manage_messages"}


async def test_debug_token_tells_a_page_token_never_expires(fb_fake, http, clock) -> None:
    info = await fb_client(fb_fake, http, clock).debug_token()

    assert (info.valid, info.kind, info.expires_at) == (True, "PAGE", None)
    assert "instagram_manage_messages" in info.scopes
    [request] = fb_fake.requests
    assert request.header("Authorization") == f"Bearer {FAKE_APP_ID}|{APP_SECRET}"
    assert request.query["input_token"] == TOKEN


async def test_debug_token_reports_an_expired_token_as_invalid(fb_fake, http, clock) -> None:
    user = fb_fake.issue_token("user")
    fb_fake.expire_token(user)

    info = await fb_client(fb_fake, http, clock, token=user).debug_token()

    assert not info.valid
    assert (info.error_code, info.error_subcode) == (190, 463)
    assert info.expires_at is not None
    assert info.expires_at < clock.now


async def test_a_user_token_is_exchanged_and_lists_its_pages(fb_fake, http, clock) -> None:
    user = fb_fake.issue_token("user")
    long_lived = await fb_client(fb_fake, http, clock, token=user).exchange_token()
    assert isinstance(long_lived, LongLivedToken)
    assert long_lived.expires_at == clock.now + timedelta(seconds=5183944)
    request = fb_fake.requests[-1]
    assert request.path == "/v25.0/oauth/access_token"
    assert (request.query["grant_type"], request.query["client_id"]) == (
        "fb_exchange_token",
        FAKE_APP_ID,
    )

    [page] = await fb_client(
        fb_fake, http, clock, token=long_lived.token.get_secret_value()
    ).pages()

    assert page.instagram == TokenOwner(
        fb_fake.account_id, "fake_shop", fb_fake.page_id, "Fake Shop"
    )
    assert await fb_client(fb_fake, http, clock, token=page.token.get_secret_value()).owner()


async def test_the_page_is_subscribed_with_page_fields_only(fb_fake, http, clock) -> None:
    client = fb_client(fb_fake, http, clock)
    await client.subscribe()
    assert (await client.subscriptions()).missing(PAGE_FIELDS) == ()
    post = next(r for r in fb_fake.requests if r.method == "POST")
    assert post.path == "/v25.0/me/subscribed_apps"

    with pytest.raises(SendFinal, match="invalid_request"):
        await client.subscribe(WEBHOOK_FIELDS)


async def test_an_expired_page_token_is_token_invalid(fb_fake, http, clock) -> None:
    fb_fake.expire_token()
    with pytest.raises(SendFinal) as raised:
        await fb_client(fb_fake, http, clock).permissions()
    assert (raised.value.reason, raised.value.scope) == ("token_invalid", "account")


async def test_refresh_is_instagram_login_only(fb_fake, http, clock) -> None:
    with pytest.raises(ValueError):
        await fb_client(fb_fake, http, clock).refresh_token()
