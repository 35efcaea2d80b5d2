"""The shared client-credentials token: fetched once, cached by the clock, renewed on 401."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.errors import MalformedResponse, SourceRateLimited, SourceRejected, SourceUnavailable
from carriers.http import SourceHttp
from carriers.oauth import CredentialStyle, OAuthClient
from tests.carriers.source_server import (
    Clock,
    FakeSource,
    Reply,
    ServerFactory,
    answer,
    held,
    start,
    text,
    token,
)

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
CLIENT_ID = "made-up-client-id"
CLIENT_SECRET = "made-up-client-secret"
OK = answer({"ok": True})


@pytest.fixture
async def fake(aiohttp_server: ServerFactory) -> FakeSource:
    return await start(aiohttp_server)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def client(
    http: httpx.AsyncClient,
    fake: FakeSource,
    clock: Clock,
    style: CredentialStyle = CredentialStyle.FORM,
    scope: str | None = None,
) -> OAuthClient:
    return OAuthClient(
        SourceHttp(http, "example"),
        token_url=f"{fake.url}/token",
        client_id=SecretStr(CLIENT_ID),
        client_secret=SecretStr(CLIENT_SECRET),
        clock=clock,
        style=style,
        scope=scope,
    )


async def call(oauth: OAuthClient, fake: FakeSource) -> int:
    return (await oauth.request("GET", f"{fake.url}/api")).status


async def test_the_first_call_fetches_a_token_and_sends_it_as_a_bearer(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", token("token-1"))
    fake.on("/api", OK)
    assert await call(client(http, fake, clock, scope="tracking"), fake) == 200
    [asked] = fake.to("/token")
    assert asked.method == "POST"
    assert asked.headers["content-type"] == "application/x-www-form-urlencoded"
    assert asked.form == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "tracking",
    }
    assert asked.basic_auth is None
    [used] = fake.to("/api")
    assert used.bearer == "token-1"


async def test_basic_style_sends_the_credentials_in_the_authorization_header_only(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", token())
    fake.on("/api", OK)
    await call(client(http, fake, clock, style=CredentialStyle.BASIC), fake)
    [asked] = fake.to("/token")
    assert asked.basic_auth == (CLIENT_ID, CLIENT_SECRET)
    assert asked.form == {"grant_type": "client_credentials"}


async def test_the_token_is_reused_until_shortly_before_it_expires(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", token("token-1", expires_in=3600), token("token-2", expires_in=3600))
    fake.on("/api", OK)
    oauth = client(http, fake, clock)
    await call(oauth, fake)
    clock.advance(seconds=3539)
    await call(oauth, fake)
    assert len(fake.to("/token")) == 1
    clock.advance(seconds=2)  # inside the last minute of the token's life
    await call(oauth, fake)
    assert len(fake.to("/token")) == 2
    assert [request.bearer for request in fake.to("/api")] == ["token-1", "token-1", "token-2"]


async def test_a_lifetime_sent_as_a_string_is_understood(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", token("token-1", expires_in="14399"), token("token-2"))
    fake.on("/api", OK)
    oauth = client(http, fake, clock)
    await call(oauth, fake)
    clock.advance(hours=3)
    await call(oauth, fake)
    assert len(fake.to("/token")) == 1


async def test_a_token_without_a_lifetime_is_kept_only_briefly(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", answer({"access_token": "token-1"}), token("token-2"))
    fake.on("/api", OK)
    oauth = client(http, fake, clock)
    await call(oauth, fake)
    clock.advance(minutes=2)
    await call(oauth, fake)
    clock.advance(minutes=4)
    await call(oauth, fake)
    assert [request.bearer for request in fake.to("/api")] == ["token-1", "token-1", "token-2"]


async def test_concurrent_callers_share_one_token_request(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    release = asyncio.Event()
    fake.on("/token", held(release, token("shared")))
    fake.on("/api", OK)
    oauth = client(http, fake, clock)
    calls = [asyncio.create_task(call(oauth, fake)) for _ in range(5)]
    await fake.wait_for("/token", 1)
    release.set()
    assert await asyncio.gather(*calls) == [200] * 5
    assert len(fake.to("/token")) == 1
    assert {request.bearer for request in fake.to("/api")} == {"shared"}


async def test_a_cached_token_the_api_refuses_is_renewed_once_and_the_call_repeated(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", token("token-1"), token("token-2"))
    fake.on("/api", OK, answer({}, status=401), OK)
    oauth = client(http, fake, clock)
    await call(oauth, fake)
    assert await call(oauth, fake) == 200
    assert [request.bearer for request in fake.to("/api")] == ["token-1", "token-1", "token-2"]
    assert len(fake.to("/token")) == 2


async def test_callers_refused_together_share_one_renewal(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", token("token-1"), token("token-2"))
    oauth = client(http, fake, clock)
    fake.on("/api", OK)
    await call(oauth, fake)

    async def refuse_the_first_token(request: web.Request) -> web.StreamResponse:
        bearer = request.headers["Authorization"].partition(" ")[2]
        return await (answer({}, status=401) if bearer == "token-1" else OK)(request)

    fake.replies["/api"] = [refuse_the_first_token]
    results = await asyncio.gather(*(call(oauth, fake) for _ in range(4)))
    assert results == [200] * 4
    assert len(fake.to("/token")) == 2


async def test_a_fresh_token_the_api_refuses_is_final_and_not_renewed(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", token())
    fake.on("/api", answer({}, status=401))
    with pytest.raises(SourceRejected) as refused:
        await call(client(http, fake, clock), fake)
    assert not refused.value.retryable
    assert "401" in refused.value.reason
    assert len(fake.to("/token")) == 1
    assert len(fake.to("/api")) == 1


async def test_a_renewed_token_that_is_refused_again_is_final(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", token("token-1"), token("token-2"))
    fake.on("/api", OK, answer({}, status=401))
    oauth = client(http, fake, clock)
    await call(oauth, fake)
    with pytest.raises(SourceRejected):
        await call(oauth, fake)
    assert len(fake.to("/api")) == 3
    assert len(fake.to("/token")) == 2


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"error": "invalid_client", "error_description": "bad " + CLIENT_SECRET}),
        (400, {"error": "invalid_grant"}),
        (401, {"response": {"errors": [{"code": "10401", "message": "ClientId is Invalid"}]}}),
        (401, {"errors": [{"code": "NOT.AUTHORIZED.ERROR", "message": "Unauthorized"}]}),
        (403, None),
    ],
    ids=["rfc6749", "bad-grant", "ups-envelope", "fedex-envelope", "no-body"],
)
async def test_refused_credentials_are_rejected_with_the_code_but_never_the_secret(
    status: int, body: object, http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", answer(body, status=status) if body else text("Forbidden", status=status))
    with pytest.raises(SourceRejected) as refused:
        await call(client(http, fake, clock), fake)
    assert not refused.value.retryable
    assert str(status) in refused.value.reason
    assert CLIENT_SECRET not in str(refused.value)
    assert CLIENT_ID not in str(refused.value)
    assert fake.to("/api") == []


async def test_a_failing_token_endpoint_is_an_outage_and_is_asked_again_next_time(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", text("down", status=503), token("token-1"))
    fake.on("/api", OK)
    oauth = client(http, fake, clock)
    with pytest.raises(SourceUnavailable) as down:
        await call(oauth, fake)
    assert down.value.retryable
    assert await call(oauth, fake) == 200
    assert len(fake.to("/token")) == 2


async def test_an_unreachable_token_endpoint_is_an_outage(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    oauth = client(http, fake, clock)
    api = f"{fake.url}/api"
    await fake.server.close()
    with pytest.raises(SourceUnavailable, match="network error"):
        await oauth.request("GET", api)


async def test_a_throttled_token_endpoint_says_when_to_retry(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", answer({}, status=429, **{"Retry-After": "30"}))
    with pytest.raises(SourceRateLimited) as limited:
        await call(client(http, fake, clock), fake)
    assert limited.value.retry_after == 30


@pytest.mark.parametrize(
    "reply",
    [
        text("<html>login</html>"),
        answer({"token_type": "Bearer", "expires_in": 3599}),
        answer({"access_token": "", "expires_in": 3599}),
        answer({"access_token": "t", "expires_in": "soon"}),
    ],
    ids=["html", "no-token", "empty-token", "bad-lifetime"],
)
async def test_a_token_answer_of_the_wrong_shape_is_malformed(
    reply: Reply, http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    fake.on("/token", reply)
    with pytest.raises(MalformedResponse):
        await call(client(http, fake, clock), fake)
    assert fake.to("/api") == []


async def test_a_caller_giving_up_does_not_cancel_the_token_request_others_wait_for(
    http: httpx.AsyncClient, fake: FakeSource, clock: Clock
) -> None:
    release = asyncio.Event()
    fake.on("/token", held(release, token("shared")))
    fake.on("/api", OK)
    oauth = client(http, fake, clock)
    impatient = asyncio.create_task(call(oauth, fake))
    patient = asyncio.create_task(call(oauth, fake))
    await fake.wait_for("/token", 1)
    impatient.cancel()
    release.set()
    assert await patient == 200
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert len(fake.to("/token")) == 1
