"""Odd bytes and values on the console and the API get a clear 4xx, never a 500."""

from __future__ import annotations

import base64

import httpx
import pytest

from conversations.store import ConversationStore
from tests.console.harness import API_TOKEN, add_user, console_wismo, merchant, seed_conversation

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
BEYOND_INT64 = "99999999999999999999"


def cursor_of(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


HUGE_CURSORS = [
    cursor_of(f"2026-03-01T12:00:00+00:00|{BEYOND_INT64}"),
    cursor_of("2026-03-01T12:00:00+00:00|-99999999999999999999"),
    cursor_of("9999-12-31T23:59:59.999999+00:00|1"),
    cursor_of("0001-01-01T00:00:00-23:59|1"),
    "%%%not-base64",
]
ODD_QUERIES = [
    {"q": "order\x00#1042"},
    {"language": "en\x00"},
    {"to": "9999-12-31"},
    {"from": "0001-01-01"},
    {"from": "9999-12-31", "to": "0001-01-01"},
    *({"cursor": cursor} for cursor in HUGE_CURSORS),
]


def raw_request(url: str, method: str, path: str, headers: list[tuple[bytes, bytes]]):
    """A request whose header values are raw bytes (not UTF-8), as a hostile client sends."""
    return httpx.Request(method, url + path, headers=headers)


async def send(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    return await client.send(request)


async def test_non_utf8_cookie_authorization_and_csrf_headers_are_refused(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await add_user(wismo, "anna")
        bad = b"\xff\xfe\x80"
        async with httpx.AsyncClient(base_url=wismo.url, timeout=30) as client:
            cookie = await send(
                client,
                raw_request(
                    wismo.url,
                    "GET",
                    "/console/conversations",
                    [(b"Cookie", b"wismo_session=" + bad)],
                ),
            )
            assert cookie.status_code == 303  # no session: to the login page
            login = await send(
                client,
                raw_request(
                    wismo.url, "POST", "/console/login", [(b"Cookie", b"wismo_login_csrf=" + bad)]
                ),
            )
            assert login.status_code == 403
            api = await send(
                client,
                raw_request(
                    wismo.url,
                    "GET",
                    "/api/v1/conversations",
                    [(b"Authorization", b"Bearer " + bad)],
                ),
            )
            assert api.status_code == 401
            metrics = await send(
                client,
                raw_request(wismo.url, "GET", "/metrics", [(b"Authorization", b"Bearer " + bad)]),
            )
            assert metrics.status_code in (401, 403)
        async with merchant(wismo) as anna:
            await anna.login("anna")
            seeded = await seed_conversation(wismo)
            response = await anna.http.send(
                anna.http.build_request(
                    "POST",
                    f"/console/conversations/{seeded.conversation_id}/resolve",
                    headers=[(b"X-CSRF-Token", bad)],
                )
            )
            assert response.status_code == 403


@pytest.mark.parametrize(
    "conversation_id", [BEYOND_INT64, "-" + BEYOND_INT64, "9223372036854775808"]
)
async def test_ids_beyond_int64_are_not_found(aiohttp_server, database_url, conversation_id):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            await anna.page("/console/conversations")
            assert (await anna.page(f"/console/conversations/{conversation_id}")).status_code == 404
            resolved = await anna.post(f"/console/conversations/{conversation_id}/resolve")
            assert resolved.status_code == 404
        async with httpx.AsyncClient(base_url=wismo.url, headers=AUTH, timeout=30) as api:
            found = await api.get(f"/api/v1/conversations/{conversation_id}")
            assert found.status_code == 404
            assert found.json() == {"error": "no such conversation"}


async def test_odd_filters_dates_and_cursors_get_a_clear_answer(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await add_user(wismo, "anna")
        await seed_conversation(wismo)
        async with (
            merchant(wismo) as anna,
            httpx.AsyncClient(base_url=wismo.url, headers=AUTH, timeout=30) as api,
        ):
            await anna.login("anna")
            for params in ODD_QUERIES:
                for path in ("/console/conversations", "/console/figures", "/console/export"):
                    page = await anna.page(path, **params)
                    assert page.status_code in (200, 400), (path, params, page.status_code)
                listed = await api.get("/api/v1/conversations", params=params)
                assert listed.status_code in (200, 400), (params, listed.text)
                if listed.status_code == 400:
                    assert "error" in listed.json()


async def test_nul_and_control_characters_in_forms_are_not_a_500(aiohttp_server, database_url):
    async with console_wismo(aiohttp_server, database_url) as wismo:
        await add_user(wismo, "anna")
        seeded = await seed_conversation(wismo)
        async with merchant(wismo) as stranger:
            refused = await stranger.login("an\x00na", "pass\x00word")
            assert refused.status_code == 401
        async with merchant(wismo) as anna:
            assert (await anna.login("anna")).status_code == 303
            replied = await anna.reply(seeded.conversation_id, "hello\x00 there")
            assert replied.status_code == 303
        async with wismo.sessions() as session:
            messages = await ConversationStore(session).transcript(seeded.conversation_id)
        assert messages[-1].text == "hello there"
