"""Odd values inside signed webhook bodies never fail the worker nor the delivery: the event is
stored (NUL and lone surrogates replaced where the database cannot store them), kept as unknown
where it cannot be understood, and a buyer's text is still answered. A buyer's timestamp ahead
of the receive time is clamped to it, so it cannot stretch the 24-hour window."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.pipeline.tables import InboxEvent
from tests.bot.harness import ACCOUNT, encode, envelope, new_mid, now_ms, running_wismo, text

BUYER = "7300000000000001"


def body_with(item_json: str) -> bytes:
    """A webhook body whose one messaging item is `item_json`, verbatim (bytes no encoder would
    write: lone surrogates, deep nesting)."""
    entry = '{"id":"' + ACCOUNT + '","time":' + str(now_ms()) + ',"messaging":[' + item_json + "]}"
    return ('{"object":"instagram","entry":[' + entry + "]}").encode()


def message_json(text_json: str, *, timestamp: str | None = None, extra: str = "") -> str:
    parties = json.dumps({"id": BUYER}), json.dumps({"id": ACCOUNT})
    message = '{"mid":"' + new_mid() + '","text":' + text_json + extra + "}"
    return (
        '{"sender":'
        + parties[0]
        + ',"recipient":'
        + parties[1]
        + ',"timestamp":'
        + (timestamp or str(now_ms()))
        + ',"message":'
        + message
        + "}"
    )


async def events(wismo) -> list[InboxEvent]:
    """The inbox's events, but the echoes of the replies."""
    async with wismo.sessions() as session:
        return list(
            await session.scalars(
                select(InboxEvent).where(InboxEvent.kind != "echo").order_by(InboxEvent.id)
            )
        )


async def test_a_timestamp_that_is_not_a_number_is_kept_as_unknown_and_never_fails(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        response = await wismo.post(body_with(message_json('"hi"', timestamp="[-1]")))
        assert response.status_code == 200
        await wismo.wait_settled()
        (event,) = await events(wismo)
        assert (event.kind, event.outcome, event.attempts) == ("unknown", "unknown", 0)
        assert event.payload["timestamp"] == [-1]
        assert not wismo.fake.delivered


async def test_deep_nesting_with_nul_is_stored_and_the_text_answered(aiohttp_server, database_url):
    nested = "[" * 700 + '"\\u0000"' + "]" * 700
    async with running_wismo(aiohttp_server, database_url) as wismo:
        raw = body_with(message_json('"hi\\u0000 there"', extra=f',"x":{nested}'))
        response = await wismo.post(raw)
        assert response.status_code == 200
        await wismo.wait_settled()
        (event,) = await events(wismo)
        assert (event.kind, event.outcome, event.attempts) == ("message", "message", 0)
        assert event.payload["message"]["text"] == "hi\ufffd there"
        assert "[nested too deeply: dropped]" in json.dumps(event.payload["message"]["x"])
        assert len(wismo.delivered_to(BUYER)) == 1
        (buyer, _bot) = await wismo.transcript(BUYER)
        assert buyer.text == "hi\ufffd there"


async def test_a_lone_surrogate_in_text_is_replaced_and_the_text_answered(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        response = await wismo.post(body_with(message_json('"where \\ud800 is it"')))
        assert response.status_code == 200
        await wismo.wait_settled()
        (event,) = await events(wismo)
        assert (event.outcome, event.attempts) == ("message", 0)
        assert len(wismo.delivered_to(BUYER)) == 1
        (buyer, _bot) = await wismo.transcript(BUYER)
        assert buyer.text == "where \ufffd is it"
        json.dumps(event.payload).encode()  # storable anywhere: valid UTF-8 once encoded


async def test_a_timestamp_in_the_future_is_clamped_to_when_it_arrived(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        two_hours_ahead = now_ms() + int(timedelta(hours=2).total_seconds() * 1000)
        await wismo.post(encode(envelope(text(BUYER, "hi", at=two_hours_ahead))))
        await wismo.wait_settled()
        (event,) = await events(wismo)
        assert event.occurred_at > event.received_at  # Meta's time, kept to order the lane
        conversation = await wismo.conversation(BUYER)
        assert conversation is not None
        assert conversation.last_buyer_at is not None
        assert conversation.last_buyer_at <= event.received_at
        buyer, reply = await wismo.transcript(BUYER)
        assert buyer.created_at <= event.received_at
        assert reply.created_at < event.received_at + timedelta(minutes=1)
