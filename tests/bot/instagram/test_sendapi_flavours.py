"""SendApiClient in both API flavours: Facebook Login adds `appsecret_proof` to every call (sends,
sender actions, Conversations API and profile reads); Instagram Login never does."""

from __future__ import annotations

import hashlib
import hmac

import httpx
import pytest
from pydantic import SecretStr

from bot.errors import SendFinal
from bot.instagram.messages import TextMessage
from bot.instagram.sendapi import SendApiClient
from tests.fakes.graph_api import start_graph_api

TOKEN = "EAAB-page-token-0123456789"  # a test credential
APP_SECRET = "test-meta-app-secret"
BUYER = "7100000000000001"
PROOF = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
async def page_fake(aiohttp_server):
    """The fake answering as graph.facebook.com, for an app that requires appsecret_proof."""
    fake = await start_graph_api(aiohttp_server, token=TOKEN, app_secret=APP_SECRET)
    fake.use_flavour("facebook_login")
    fake.require_appsecret_proof = True
    fake.profiles[BUYER] = {"username": "buyer.one", "name": "Buyer One"}
    return fake


@pytest.fixture
async def http():
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


def page_client(fake, http, *, app_secret: str | None = APP_SECRET) -> SendApiClient:
    return SendApiClient(
        http,
        graph_url=fake.url,
        version=fake.version,
        account_id="me",
        access_token=SecretStr(TOKEN),
        flavour="facebook_login",
        app_secret=None if app_secret is None else SecretStr(app_secret),
    )


async def test_every_facebook_login_call_carries_the_appsecret_proof(page_fake, http) -> None:
    client = page_client(page_fake, http)
    await client.send(BUYER, TextMessage(text="Your parcel is on its way."))
    await client.sender_action(BUYER, "typing_on")
    sent = await client.recent_messages(BUYER)
    profile = await client.profile(BUYER)

    assert [message.text for message in sent] == ["Your parcel is on its way."]
    assert profile.username == "buyer.one"
    assert page_fake.requests
    assert all(request.query.get("appsecret_proof") == PROOF for request in page_fake.requests)
    assert all(
        request.header("Authorization") == f"Bearer {TOKEN}" for request in page_fake.requests
    )
    assert page_fake.sends[0].path == f"/{page_fake.version}/me/messages"


async def test_without_the_proof_an_app_that_requires_it_refuses_the_send(page_fake, http) -> None:
    with pytest.raises(SendFinal):
        await page_client(page_fake, http, app_secret=None).send(BUYER, TextMessage(text="hi"))
    assert page_fake.delivered == []


async def test_a_proof_from_another_apps_secret_is_refused(page_fake, http) -> None:
    with pytest.raises(SendFinal):
        await page_client(page_fake, http, app_secret="another-app").send(
            BUYER, TextMessage(text="hi")
        )


async def test_instagram_login_never_sends_a_proof(aiohttp_server, http) -> None:
    fake = await start_graph_api(aiohttp_server, token=TOKEN)
    client = SendApiClient(
        http,
        graph_url=fake.url,
        version=fake.version,
        account_id=fake.account_id,
        access_token=SecretStr(TOKEN),
        app_secret=SecretStr(APP_SECRET),
    )
    await client.send(BUYER, TextMessage(text="hi"))
    await client.recent_messages(BUYER)

    assert client.flavour == "instagram_login"
    assert all("appsecret_proof" not in request.query for request in fake.requests)


async def test_the_flavour_follows_the_host_unless_given(http) -> None:
    facebook = SendApiClient(
        http,
        graph_url="https://graph.facebook.com",
        version="v25.0",
        account_id="me",
        access_token=SecretStr(TOKEN),
    )
    instagram = SendApiClient(
        http,
        graph_url="https://graph.instagram.com",
        version="v25.0",
        account_id="me",
        access_token=SecretStr(TOKEN),
    )
    assert (facebook.flavour, instagram.flavour) == ("facebook_login", "instagram_login")
