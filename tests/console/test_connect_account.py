"""Connecting an Instagram account from the console's accounts page by pasting a token: the
same path as `wismo meta connect` (owner, long-lived exchange, sealed store, subscription),
against the fake Graph API; only a user of every account may, and only with the CSRF token."""

from __future__ import annotations

import contextlib
from urllib.parse import parse_qs, urlsplit

import httpx
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import select

from bot.accounts import Flavour, SecretBox, new_key
from bot.accounts.tables import InstagramAccount
from bot.app.console_connect import GRAPH_HOSTS, graph_url_for
from bot.instagram.oauth import AUTHORIZE_URL
from tests.bot.harness import ACCOUNT, Wismo
from tests.console.harness import add_user, console_wismo, merchant
from tests.fakes.graph_api import BUSINESS_USERNAME, FAKE_APP_ID

FORM = 'action="/console/accounts/connect"'
REDIRECT = "https://shop.example/console/accounts/oauth/callback"


async def stored(wismo: Wismo) -> list[InstagramAccount]:
    async with wismo.sessions() as session:
        return list(await session.scalars(select(InstagramAccount)))


async def test_a_pasted_token_connects_its_account_and_is_stored_sealed(
    aiohttp_server, database_url
):
    key = new_key()
    async with console_wismo(aiohttp_server, database_url, WISMO_SECRET_KEY=key) as wismo:
        token = wismo.fake.issue_token("short_lived")
        await add_user(wismo, "ops", all_accounts=True)
        async with merchant(wismo) as ops:
            await ops.login("ops")
            before = await ops.page("/console/accounts")
            assert FORM in before.text
            response = await ops.post(
                "/console/accounts/connect", {"token": f" {token}\n", "flavour": "instagram_login"}
            )
            listed = await ops.page("/console/accounts")
        rows = await stored(wismo)
        subscribed = set(wismo.fake.subscribed_fields)

    assert response.status_code == 200
    assert f'Connected <span class="account-name">@{BUSINESS_USERNAME}</span> ({ACCOUNT})' in (
        response.text
    )
    assert "Subscribed to its webhooks" in response.text
    assert token not in response.text
    assert f"@{BUSINESS_USERNAME}" in listed.text
    assert token not in listed.text
    [row] = rows
    assert row.account_id == ACCOUNT
    assert row.username == BUSINESS_USERNAME
    assert row.token_kind == "long_lived"  # the short-lived token was exchanged
    assert row.token_expires_at is not None
    assert token not in row.token_ciphertext
    opened = SecretBox(SecretStr(key)).open(row.token_ciphertext, what="token")
    assert opened.get_secret_value() != token  # the long-lived one is stored
    assert opened.get_secret_value() in wismo.fake.tokens
    assert subscribed


async def test_a_refused_token_is_explained_in_plain_words_and_nothing_is_stored(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url, WISMO_SECRET_KEY=new_key()) as wismo:
        await add_user(wismo, "ops", all_accounts=True)
        async with merchant(wismo) as ops:
            await ops.login("ops")
            await ops.page("/console/accounts")
            bogus = "IGQVJ-not-a-real-token-0123456789"
            response = await ops.post(
                "/console/accounts/connect", {"token": bogus, "flavour": "instagram_login"}
            )
            empty = await ops.post(
                "/console/accounts/connect", {"token": "  ", "flavour": "instagram_login"}
            )
            odd = await ops.post("/console/accounts/connect", {"token": bogus, "flavour": "x"})
        rows = await stored(wismo)

    assert response.status_code == 400
    assert "Not connected: Meta refused this token" in response.text
    assert "expired" in response.text
    assert bogus not in response.text
    assert "Paste an access token first." in empty.text
    assert "Pick Instagram Login or Facebook Login." in odd.text
    assert rows == []


async def test_without_the_secret_key_nothing_is_asked_of_meta(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        token = wismo.fake.issue_token("short_lived")
        await add_user(wismo, "ops", all_accounts=True)
        seen = len(wismo.fake.requests)
        async with merchant(wismo) as ops:
            await ops.login("ops")
            await ops.page("/console/accounts")
            response = await ops.post(
                "/console/accounts/connect", {"token": token, "flavour": "instagram_login"}
            )
        asked = len(wismo.fake.requests) - seen
        rows = await stored(wismo)
    assert response.status_code == 400
    assert "WISMO_SECRET_KEY is not set" in response.text
    assert asked == 0
    assert rows == []


async def test_connecting_needs_the_csrf_token_a_session_and_a_user_of_every_account(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url, WISMO_SECRET_KEY=new_key()) as wismo:
        token = wismo.fake.issue_token("short_lived")
        form = {"token": token, "flavour": "instagram_login"}
        await add_user(wismo, "ops", all_accounts=True)
        await add_user(wismo, "anna", accounts=[ACCOUNT])
        async with merchant(wismo) as stranger:
            anonymous = await stranger.http.post("/console/accounts/connect", data=form)
            page = await stranger.http.get("/console/accounts")
        async with merchant(wismo) as ops:
            await ops.login("ops")
            await ops.page("/console/accounts")
            no_csrf = await ops.post("/console/accounts/connect", form, csrf=False)
            forged = await ops.http.post(
                "/console/accounts/connect", data={**form, "csrf": "forged"}
            )
        async with merchant(wismo) as anna:
            await anna.login("anna")
            shown = await anna.page("/console/accounts")
            scoped = await anna.post("/console/accounts/connect", form)
        rows = await stored(wismo)

    assert anonymous.status_code == 403
    assert page.status_code == 303
    assert page.headers["Location"] == "/console/login?next=/console/accounts"
    assert no_csrf.status_code == 403
    assert forged.status_code == 403
    assert FORM not in shown.text  # a user of some accounts is not offered the form
    assert scoped.status_code == 403
    assert rows == []


def test_the_graph_host_follows_the_flavour_and_a_configured_host_of_that_flavour():
    fake = "http://127.0.0.1:8123/"
    assert graph_url_for(Flavour.INSTAGRAM_LOGIN, fake) == "http://127.0.0.1:8123"
    assert graph_url_for(Flavour.FACEBOOK_LOGIN, fake) == GRAPH_HOSTS[Flavour.FACEBOOK_LOGIN]
    proxy = "https://graph.facebook.com"
    assert graph_url_for(Flavour.FACEBOOK_LOGIN, proxy) == proxy
    assert graph_url_for(Flavour.INSTAGRAM_LOGIN, proxy) == GRAPH_HOSTS[Flavour.INSTAGRAM_LOGIN]


@contextlib.asynccontextmanager
async def business_login(aiohttp_server, database_url):
    """A wismo with META_APP_ID whose code exchange reaches the fake Graph API (through a relay:
    the setting is fixed before the fake's address is known)."""
    target: list[str] = []

    async def relay(request: web.Request) -> web.Response:
        async with httpx.AsyncClient() as http:
            answer = await http.post(target[0], data=dict(await request.post()))
        return web.Response(
            body=answer.content, status=answer.status_code, content_type="application/json"
        )

    app = web.Application()
    app.router.add_post("/oauth/access_token", relay)
    server = await aiohttp_server(app)
    async with console_wismo(
        aiohttp_server,
        database_url,
        WISMO_SECRET_KEY=new_key(),
        META_APP_ID=FAKE_APP_ID,
        META_OAUTH_TOKEN_URL=str(server.make_url("/oauth/access_token")),
        WISMO_PUBLIC_URL="https://shop.example",
    ) as wismo:
        target.append(wismo.fake.url + "/oauth/access_token")
        await add_user(wismo, "ops", all_accounts=True)
        yield wismo


async def test_instagram_login_comes_back_with_the_sessions_state_and_connects(
    aiohttp_server, database_url
):
    async with business_login(aiohttp_server, database_url) as wismo:
        async with merchant(wismo) as ops:
            await ops.login("ops")
            page = await ops.page("/console/accounts")
            start = await ops.http.get("/console/accounts/oauth/start")
            location = urlsplit(start.headers["Location"])
            query = parse_qs(location.query)
            [state] = query["state"]
            code = wismo.fake.issue_code(REDIRECT)
            back = await ops.http.get(
                "/console/accounts/oauth/callback", params={"code": code, "state": state}
            )
            again = await ops.http.get(
                "/console/accounts/oauth/callback", params={"code": code, "state": state}
            )
        rows = await stored(wismo)

    assert 'href="/console/accounts/oauth/start"' in page.text
    assert start.status_code == 303
    assert f"{location.scheme}://{location.netloc}{location.path}" == AUTHORIZE_URL
    assert query["client_id"] == [FAKE_APP_ID]
    assert query["redirect_uri"] == [REDIRECT]
    assert query["response_type"] == ["code"]
    assert query["scope"] == ["instagram_business_basic,instagram_business_manage_messages"]
    assert back.status_code == 200, back.text
    assert f"@{BUSINESS_USERNAME}</span> ({ACCOUNT})" in back.text
    assert code not in back.text
    [row] = rows
    assert (row.account_id, row.token_kind) == (ACCOUNT, "long_lived")
    assert again.status_code == 400  # a code works once
    assert "Instagram did not accept the login" in again.text


async def test_instagram_login_refuses_a_missing_or_foreign_state(aiohttp_server, database_url):
    async with business_login(aiohttp_server, database_url) as wismo:
        await add_user(wismo, "eve", all_accounts=True)
        async with merchant(wismo) as eve, merchant(wismo) as ops:
            await eve.login("eve")
            started = await eve.http.get("/console/accounts/oauth/start")
            [eves_state] = parse_qs(urlsplit(started.headers["Location"]).query)["state"]
            await ops.login("ops")
            code = wismo.fake.issue_code(REDIRECT)
            missing = await ops.http.get("/console/accounts/oauth/callback", params={"code": code})
            forged = await ops.http.get(
                "/console/accounts/oauth/callback", params={"code": code, "state": "1.abc.def"}
            )
            foreign = await ops.http.get(
                "/console/accounts/oauth/callback", params={"code": code, "state": eves_state}
            )
            denied_state = (await ops.http.get("/console/accounts/oauth/start")).headers["Location"]
            [state] = parse_qs(urlsplit(denied_state).query)["state"]
            denied = await ops.http.get(
                "/console/accounts/oauth/callback",
                params={"state": state, "error": "access_denied", "error_reason": "user_denied"},
            )
        rows = await stored(wismo)
        unused = code in wismo.fake.codes

    assert (missing.status_code, forged.status_code, foreign.status_code) == (403, 403, 403)
    assert denied.status_code == 400
    assert "Instagram did not let wismo in: user_denied." in denied.text
    assert rows == []
    assert unused  # no exchange was attempted


async def test_without_an_app_id_there_is_no_instagram_login(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url, WISMO_SECRET_KEY=new_key()) as wismo:
        await add_user(wismo, "ops", all_accounts=True)
        async with merchant(wismo) as ops:
            await ops.login("ops")
            page = await ops.page("/console/accounts")
            start = await ops.http.get("/console/accounts/oauth/start")
    assert "oauth/start" not in page.text
    assert start.status_code == 404
