"""The webhook over HTTP: handshake, signature, refusal of bad bodies, durable storage, 200."""

from __future__ import annotations

import contextlib
import json
import sqlite3

from sqlalchemy import select
from sqlalchemy import text as text_sql

from bot.app.database import migrate
from bot.pipeline.spool import spool_path
from bot.pipeline.tables import InboxEvent
from bot.routes.webhook import MAX_BODY_BYTES
from tests.bot.harness import (
    ACCOUNT,
    APP_SECRET,
    SECOND_SECRET,
    VERIFY_TOKEN,
    WEBHOOK,
    echo_item,
    encode,
    envelope,
    item,
    new_mid,
    now_ms,
    running_wismo,
    signed_headers,
    text,
)


async def stored_events(wismo) -> list[InboxEvent]:
    await wismo.stored()
    async with wismo.sessions() as session:
        return list(await session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


async def test_handshake_echoes_the_challenge_as_plain_text(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        response = await wismo.handshake("<b>1158201444</b>")
        assert response.status_code == 200
        assert response.text == "<b>1158201444</b>"
        assert response.headers["Content-Type"].startswith("text/plain")


async def test_handshake_with_a_wrong_token_or_mode_is_forbidden(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        for params in (
            {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
            {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
            {"hub.mode": "subscribe", "hub.challenge": "1"},
            {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
            {},
        ):
            response = await wismo.http.get(wismo.url + WEBHOOK, params=params)
            assert response.status_code == 403, params
            assert "1" not in response.text


async def test_unsigned_or_wrongly_signed_posts_are_forbidden_and_nothing_is_stored(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        raw = encode(envelope(text("7100000000000001", "hi")))
        attempts = [
            {"Content-Type": "application/json"},
            signed_headers(raw, "not-the-secret"),
            {"X-Hub-Signature-256": "sha256=" + "0" * 64},
            {
                "X-Hub-Signature": signed_headers(raw)["X-Hub-Signature-256"].replace(
                    "sha256", "sha1"
                )
            },
            {"X-Hub-Signature-256": signed_headers(raw + b" ")["X-Hub-Signature-256"]},
        ]
        for headers in attempts:
            response = await wismo.http.post(wismo.url + WEBHOOK, content=raw, headers=headers)
            assert response.status_code == 403
        assert await stored_events(wismo) == []


async def test_either_configured_secret_is_accepted(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        assert (
            await wismo.post(envelope(text("7100000000000001", "a")), secret=APP_SECRET)
        ).status_code == 200
        assert (
            await wismo.post(envelope(text("7100000000000001", "b")), secret=SECOND_SECRET)
        ).status_code == 200
        assert len(await stored_events(wismo)) == 2


async def test_signed_bodies_that_are_not_instagram_webhooks_get_200_and_are_kept_as_ignored(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        reasons = ["not valid JSON", "not an Instagram", "not a JSON object"]
        for raw in [
            b"{not json",
            b'{"object": "page", "entry": [{"id": "1", "messaging": []}]}',
            b"[]",
        ]:
            response = await wismo.post(raw)
            assert response.status_code == 200
        events = await stored_events(wismo)
        assert [event.kind for event in events] == ["ignored"] * 3
        assert [
            reason
            for event, reason in zip(events, reasons, strict=True)
            if reason in event.payload["reason"]
        ] == reasons


async def test_a_valid_post_is_stored_before_the_200_and_handled_after_it(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        response = await wismo.post(envelope(text("7100000000000001", "where is my parcel?")))
        assert response.status_code == 200
        (event,) = await stored_events(wismo)
        assert event.kind == "message"
        assert event.igsid == "7100000000000001"
        assert event.processed_at is None  # nothing was done inside the request
        assert wismo.fake.requests == []  # and no Graph call was made before the answer


async def test_duplicates_in_one_post_and_in_later_posts_are_stored_once(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        message = text("7100000000000001", "hello")
        read = item("7100000000000001", {"mid": new_mid()}, key="read")
        assert (await wismo.post(envelope(message, message, read))).status_code == 200
        assert (await wismo.post(envelope(read, message))).status_code == 200
        assert len(await stored_events(wismo)) == 2


async def test_a_batch_of_a_thousand_of_the_longest_escaped_texts_is_accepted(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        # 1000 characters of Chinese each, escaped as \uXXXX as Meta sends them: ~6 MiB.
        longest = "货" * 1000
        items = [text(f"71000000000{index:05d}", longest) for index in range(1000)]
        raw = json.dumps(envelope(*items), ensure_ascii=True).encode()
        assert 6_000_000 < len(raw) <= MAX_BODY_BYTES
        response = await wismo.http.post(
            wismo.url + WEBHOOK, content=raw, headers=signed_headers(raw)
        )
        assert response.status_code == 200
        assert len(await stored_events(wismo)) == 1000


async def test_a_body_over_the_limit_gets_413_before_it_is_read(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        raw = b"{" + b" " * MAX_BODY_BYTES + b"}"
        declared = await wismo.http.post(
            wismo.url + WEBHOOK, content=raw, headers=signed_headers(raw)
        )
        assert declared.status_code == 413

        async def chunks():
            for _ in range(20):  # 20 MiB, no Content-Length
                yield b" " * (1024 * 1024)

        chunked = await wismo.http.post(wismo.url + WEBHOOK, content=chunks())
        assert chunked.status_code == 413
        assert await stored_events(wismo) == []


async def test_unknown_event_kinds_are_stored_and_acknowledged(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        body = {
            "object": "instagram",
            "entry": [
                {
                    "id": ACCOUNT,
                    "time": now_ms(),
                    "messaging": [{"sender": {"id": "7"}, "timestamp": now_ms(), "new_thing": {}}],
                },
                {
                    "id": "0",
                    "time": 1,
                    "changes": [{"field": "messages", "value": {"timestamp": "1"}}],
                },
            ],
        }
        assert (await wismo.post(body)).status_code == 200
        assert sorted(event.kind for event in await stored_events(wismo)) == ["test", "unknown"]


async def test_text_with_nul_and_non_ascii_is_stored_on_every_database(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        raw = json.dumps(envelope(text("7100000000000001", "我的货到哪儿了\u0000?"))).encode()
        assert (await wismo.post(raw)).status_code == 200
        (event,) = await stored_events(wismo)
        assert event.payload["message"]["text"] == "我的货到哪儿了\ufffd?"


async def test_echo_events_belong_to_the_buyers_conversation(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        assert (await wismo.post(envelope(echo_item("7100000000000009", "hi")))).status_code == 200
        (event,) = await stored_events(wismo)
        assert (event.kind, event.igsid) == ("echo", "7100000000000009")


async def test_when_the_post_cannot_be_stored_it_is_not_acknowledged(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        spool = spool_path(database_url)
        if spool is None:  # PostgreSQL: the spool is a table of the database
            async with wismo.engine.begin() as connection:
                await connection.execute(text_sql("DROP TABLE spooled_deliveries"))
        else:
            with contextlib.closing(sqlite3.connect(spool)) as connection:
                connection.execute("DROP TABLE spooled_deliveries")
        response = await wismo.post(envelope(text("7100000000000001", "hi")))
        assert response.status_code == 503  # Meta will deliver it again


async def test_on_sqlite_a_post_waits_in_the_spool_while_the_inbox_cannot_take_it(
    aiohttp_server, tmp_path
):
    url = f"sqlite+aiosqlite:///{tmp_path / 'migrated-later.db'}"
    async with running_wismo(aiohttp_server, url, workers=False) as wismo:
        raw = encode(envelope(text("7100000000000001", "hi")))
        response = await wismo.http.post(
            wismo.url + WEBHOOK, content=raw, headers=signed_headers(raw)
        )
        assert response.status_code == 200  # durable in the spool file
        assert (tmp_path / "migrated-later.db-spool").exists()
        health = (await wismo.http.get(wismo.url + "/healthz")).json()
        assert health["status"] == "unhealthy"  # the inbox's tables are missing
        await migrate(wismo.engine)
        (event,) = await stored_events(wismo)
        assert event.igsid == "7100000000000001"
