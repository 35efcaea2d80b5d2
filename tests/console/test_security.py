"""The console and the API refuse anyone who has not proved who they are, and nothing more."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiohttp import web

from conversations.console.api import PUBLIC_API_ROUTES
from conversations.console.web import PUBLIC_ROUTES, SESSION_COOKIE
from tests.bot.harness import Clock
from tests.console.harness import (
    ACCOUNT,
    OTHER_ACCOUNT,
    PASSWORD,
    add_user,
    console_wismo,
    conversation_by_id,
    merchant,
    routes_of,
    seed_conversation,
)

GUARDED_PREFIXES = ("/console", "/api/v1", "/metrics")


def guarded_routes(app: web.Application) -> list[tuple[str, str, str | None]]:
    """(method, path, name) of every route under /console, /api/v1 and /metrics, sub-apps
    included, read from the running app's router (so a new route cannot be forgotten)."""
    return routes_of(app, GUARDED_PREFIXES)


def concrete(path: str, conversation_id: int) -> str:
    return re.sub(r"\{[^}]+\}", str(conversation_id), path)


async def test_every_console_api_and_metrics_route_refuses_anonymous_requests(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        seeded = await seed_conversation(wismo)
        routes = guarded_routes(wismo.app)
        assert len(routes) >= 15  # the console's pages and forms, the API and /metrics
        checked = []
        async with httpx.AsyncClient(base_url=wismo.url, follow_redirects=False) as anonymous:
            for method, path, name in routes:
                if name in PUBLIC_ROUTES or name in PUBLIC_API_ROUTES:
                    continue
                url = concrete(path, seeded.conversation_id)
                response = await anonymous.request(
                    method, url, data={} if method == "POST" else None
                )
                if path.startswith("/console") and method == "GET":
                    assert response.status_code == 303, (method, url)
                    assert response.headers["Location"].startswith("/console/login")
                else:
                    assert response.status_code in (401, 403), (method, url, response.status_code)
                assert "buyer_one" not in response.text
                checked.append((method, path))
        assert ("POST", "/console/conversations/{conversation_id}/reply") in checked
        assert ("GET", "/api/v1/openapi.json") in checked
        assert ("GET", "/metrics") in checked
        # Only the login form and the stylesheet are open, and they show no data.
        assert {"login", "login_submit", "static"} == PUBLIC_ROUTES


async def test_a_post_without_the_sessions_csrf_token_is_refused(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await add_user(wismo, "anna")
        seeded = await seed_conversation(wismo, handoff="buyer_asked")
        routes = [
            (method, path)
            for method, path, name in guarded_routes(wismo.app)
            if method == "POST" and path.startswith("/console") and name not in PUBLIC_ROUTES
        ]
        assert len(routes) >= 4
        async with merchant(wismo) as anna:
            assert (await anna.login("anna")).status_code == 303
            for _, path in routes:
                url = concrete(path, seeded.conversation_id)
                for data in ({}, {"csrf": "forged"}):
                    response = await anna.http.post(url, data={**data, "text": "hi"})
                    assert response.status_code == 403, (url, data)
            still = await anna.page(f"/console/conversations/{seeded.conversation_id}")
            assert still.status_code == 200  # the refused logout left the session alone
        outbox = await wismo.outbox()
        assert outbox == []
        conversation = await wismo.conversation(seeded.igsid)
        assert conversation is not None
        assert conversation.handed_off
        assert not conversation.resolved


async def test_logging_in_needs_the_login_forms_csrf_token(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await add_user(wismo, "anna")
        async with httpx.AsyncClient(base_url=wismo.url) as client:
            response = await client.post(
                "/console/login", data={"username": "anna", "password": PASSWORD}
            )
        assert response.status_code == 403
        assert SESSION_COOKIE not in response.cookies


async def test_the_session_cookie_is_http_only_same_site_and_secure_behind_tls(
    aiohttp_server, database_url
):
    async with console_wismo(
        aiohttp_server, database_url, WISMO_TRUSTED_PROXIES="127.0.0.1"
    ) as wismo:
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            response = await anna.login("anna")
            cookie = response.headers["Set-Cookie"]
            assert "HttpOnly" in cookie
            assert "SameSite=Lax" in cookie
            assert "Path=/console" in cookie
            assert "Secure" not in cookie
        async with merchant(wismo) as behind_proxy:
            behind_proxy.http.headers["X-Forwarded-Proto"] = "https"
            response = await behind_proxy.login("anna")
            assert "Secure" in response.headers["Set-Cookie"]
    async with console_wismo(aiohttp_server, database_url) as wismo:  # no proxy trusted
        await add_user(wismo, "bob")
        async with merchant(wismo) as bob:
            bob.http.headers["X-Forwarded-Proto"] = "https"
            response = await bob.login("bob")
            assert "Secure" not in response.headers["Set-Cookie"]


async def test_a_session_ends_after_an_idle_hour(aiohttp_server, database_url):
    clock = Clock()
    async with console_wismo(aiohttp_server, database_url, clock=clock) as wismo:
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            clock.offset += timedelta(minutes=59)
            assert (await anna.page("/console/handoffs")).status_code == 200
            clock.offset += timedelta(minutes=61)
            response = await anna.http.get("/console/handoffs")
            assert response.status_code == 303
            assert response.headers["Location"].startswith("/console/login")
            clock.offset -= timedelta(minutes=61)  # the session is gone, not just stale
            assert (await anna.http.get("/console/handoffs")).status_code == 303


async def test_a_session_ends_after_twelve_hours_however_busy(aiohttp_server, database_url):
    clock = Clock()
    async with console_wismo(aiohttp_server, database_url, clock=clock) as wismo:
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            for _ in range(14):  # a request every 50 minutes: never idle
                clock.offset += timedelta(minutes=50)
                assert (await anna.page("/console/handoffs")).status_code == 200
            clock.offset += timedelta(minutes=50)  # 12 h 30 min after logging in
            assert (await anna.http.get("/console/handoffs")).status_code == 303


async def test_logging_out_ends_the_session_on_the_server(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            token = anna.http.cookies.get(SESSION_COOKIE)
            assert (await anna.post("/console/logout")).status_code == 303
        async with httpx.AsyncClient(base_url=wismo.url) as thief:
            thief.cookies.set(SESSION_COOKIE, token or "", path="/console")
            assert (await thief.get("/console/handoffs")).status_code == 303


async def test_failed_logins_lock_an_account_for_a_while(aiohttp_server, database_url):
    clock = Clock()
    async with console_wismo(aiohttp_server, database_url, clock=clock) as wismo:
        await add_user(wismo, "anna")
        async with merchant(wismo) as attacker:
            for _ in range(5):
                assert (await attacker.login("anna", "wrong password")).status_code == 401
            locked = await attacker.login("anna")  # even the right password
            assert locked.status_code == 429
            assert "Too many failed attempts" in locked.text
        clock.offset += timedelta(minutes=16)
        async with merchant(wismo) as anna:
            assert (await anna.login("anna")).status_code == 303


async def test_failed_logins_from_one_address_are_limited_across_accounts(
    aiohttp_server, database_url
):
    async with console_wismo(
        aiohttp_server, database_url, WISMO_TRUSTED_PROXIES="127.0.0.1"
    ) as wismo:
        await add_user(wismo, "anna")
        async with merchant(wismo, address="203.0.113.9") as attacker:
            for number in range(20):  # 20 accounts guessed once each: no account limit hit
                assert (await attacker.login(f"user{number}", "guess")).status_code == 401
            assert (await attacker.login("anna")).status_code == 429
        async with merchant(wismo, address="198.51.100.7") as anna:  # another address
            assert (await anna.login("anna")).status_code == 303


async def test_a_forwarded_address_from_an_untrusted_peer_does_not_dodge_the_limit(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await add_user(wismo, "anna")
        for number in range(20):
            async with merchant(wismo, address=f"203.0.113.{number}") as attacker:
                await attacker.login(f"user{number}", "guess")
        async with merchant(wismo, address="198.51.100.7") as anna:
            assert (await anna.login("anna")).status_code == 429  # all from 127.0.0.1


async def test_a_merchant_cannot_read_or_touch_another_accounts_conversation(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await add_user(wismo, "anna", accounts=[ACCOUNT])
        await add_user(wismo, "olga", accounts=[OTHER_ACCOUNT])
        mine = await seed_conversation(wismo, username="annas_buyer")
        theirs = await seed_conversation(
            wismo,
            account=OTHER_ACCOUNT,
            username="olgas_buyer",
            buyer_text="secret order 7777",
            references=[("order", "7777")],
            handoff="buyer_asked",
        )
        async with merchant(wismo) as anna:
            await anna.login("anna")
            listing = await anna.page("/console/conversations")
            assert "annas_buyer" in listing.text
            assert "olgas_buyer" not in listing.text
            for query in ("olgas_buyer", "7777", "secret"):
                found = await anna.page("/console/conversations", q=query)
                assert "No conversations match." in found.text, query
                assert f"/console/conversations/{theirs.conversation_id}" not in found.text
            assert "olgas_buyer" not in (await anna.page("/console/handoffs")).text
            other = f"/console/conversations/{theirs.conversation_id}"
            assert (await anna.page(other)).status_code == 404
            for action in ("reply", "hand-back", "resolve"):
                response = await anna.post(f"{other}/{action}", {"text": "hi", "nonce": "n"})
                assert response.status_code == 404, action
            for kind in ("csv", "jsonl"):
                exported = await anna.page("/console/export", format=kind)
                assert "annas_buyer" in exported.text
                assert "olgas_buyer" not in exported.text
            assert (
                await anna.page(f"/console/conversations/{mine.conversation_id}")
            ).status_code == 200
        conversation = await conversation_by_id(wismo, theirs.conversation_id)
        assert conversation is not None
        assert conversation.handed_off
        assert not conversation.resolved
        assert await wismo.outbox() == []


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


async def test_buyer_text_is_shown_escaped_on_every_page(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await add_user(wismo, "anna")
        seeded = await seed_conversation(
            wismo,
            username='"><svg onload=alert(2)>',
            buyer_text=XSS,
            references=[("order", "<b>1042</b>")],
            based_on={"intent": "<i>where</i>", "numbers": [XSS], "note": XSS},
            handoff="<u>buyer_asked</u>",
            language="<en>",
        )
        async with merchant(wismo) as anna:
            await anna.login("anna")
            pages = [
                "/console/conversations",
                "/console/conversations?q=script",
                f"/console/conversations/{seeded.conversation_id}",
                "/console/handoffs",
                "/console/figures",
                "/console/health",
            ]
            for path in pages:
                text = (await anna.page(path)).text
                for raw in ("<script>alert", "<img src=x", "<svg onload", "<b>1042", "<i>where"):
                    assert raw not in text, (path, raw)
            transcript = (await anna.page(f"/console/conversations/{seeded.conversation_id}")).text
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in transcript
            login = await anna.http.get("/console/login", params={"next": '"><script>x</script>'})
            assert "<script>x" not in login.text
            response = await anna.page("/console/conversations")
            assert "script-src" not in response.headers["Content-Security-Policy"]
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "/api/v1/x"]
)
async def test_logging_in_never_redirects_off_the_console(aiohttp_server, database_url, target):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            response = await anna.login("anna", next_path=target)
            assert response.headers["Location"] == "/console/conversations"


async def test_the_api_and_metrics_compare_tokens_and_refuse_without_one(
    aiohttp_server, database_url
):
    async with (
        console_wismo(aiohttp_server, database_url) as wismo,
        httpx.AsyncClient(base_url=wismo.url) as client,
    ):
        for path in ("/api/v1/conversations", "/metrics"):
            for header in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
                response = await client.get(path, headers=header)
                assert response.status_code == 401, (path, header)
    async with (
        console_wismo(
            aiohttp_server, database_url, WISMO_API_TOKEN="", WISMO_METRICS_TOKEN=""
        ) as wismo,
        httpx.AsyncClient(base_url=wismo.url) as client,
    ):
        for path in ("/api/v1/conversations", "/api/v1/openapi.json", "/metrics"):
            response = await client.get(path, headers={"Authorization": "Bearer x"})
            assert response.status_code == 403, path
            assert "set WISMO_" in response.text


def test_the_session_times_come_from_the_settings():
    from bot.app.console_ports import console_options  # noqa: F401  (wiring exists)
    from tests.bot.harness import settings

    configured = settings(
        "sqlite+aiosqlite:///x.db",
        WISMO_CONSOLE_IDLE_MINUTES="5",
        WISMO_CONSOLE_SESSION_HOURS="2",
        WISMO_TRUSTED_PROXIES="10.0.0.1, 10.0.0.2",
    )
    assert configured.console_idle_minutes == 5
    assert configured.console_session_hours == 2
    assert configured.trusted_proxies == ("10.0.0.1", "10.0.0.2")
    assert datetime.now(UTC)  # settings are plain values; nothing is read from the environment
