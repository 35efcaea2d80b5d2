"""Sender actions around a buyer's turn: mark_seen before the reply, typing_on only while an
answer is late, none when turned off, and never at the expense of the reply."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.instagram.messages import text_messages
from bot.pipeline.dialogue_port import Reply, Turn
from conversations.models import Conversation
from tests.bot.harness import (
    FAST,
    Wismo,
    envelope,
    item,
    now_ms,
    running_wismo,
    text,
    wait_until,
)
from tests.fakes.graph_api import FakeGraphApi, Fault

BUYER = "7100000000000101"
SLOW = replace(FAST, typing_after_seconds=0.1)


class GatedResponder:
    """Answers "re: <text>" once the test opens `gate`; `entered` is set when a turn arrives."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()

    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        self.entered.set()
        await self.gate.wait()
        return Reply(messages=text_messages(f"re: {turn.text}"))


class InstantResponder:
    """Answers at once, without awaiting anything."""

    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        return Reply(messages=text_messages(f"re: {turn.text}"))


def posts(fake: FakeGraphApi) -> list[str]:
    """What reached the messages endpoint, in order: each sender action's name, or "message"."""
    return [
        str(request.body.get("sender_action", "message"))
        for request in fake.requests
        if request.method == "POST"
        and request.path.endswith("/messages")
        and isinstance(request.body, dict)
    ]


async def answered(wismo: Wismo, count: int) -> None:
    await wismo.fake.wait_for_delivered(count)
    await wismo.fake.drain_echoes()
    await wismo.wait_settled()


async def test_a_quick_answer_is_marked_seen_before_the_reply_and_shows_no_typing(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, responder=InstantResponder()) as wismo:
        mid = await wismo.say(BUYER, "where is my parcel?")
        await answered(wismo, 1)
        assert posts(wismo.fake) == ["mark_seen", "message"]
        (seen,) = wismo.fake.sender_actions
        assert seen.body == {"recipient": {"id": BUYER}, "sender_action": "mark_seen"}

        # Reads and reactions are not turns; the echo of our reply was not one either.
        await wismo.post(envelope(item(BUYER, {"mid": mid}, key="read")))
        reaction = {"mid": mid, "action": "react", "reaction": "love", "emoji": "❤"}
        await wismo.post(envelope(item(BUYER, reaction, key="reaction")))
        await wismo.say(BUYER, "thanks")  # the next turn is marked seen again
        await answered(wismo, 2)
        assert posts(wismo.fake) == ["mark_seen", "message", "mark_seen", "message"]


async def test_a_slow_answer_shows_typing_before_the_reply(aiohttp_server, database_url):
    responder = GatedResponder()
    async with running_wismo(
        aiohttp_server, database_url, responder=responder, tuning=SLOW
    ) as wismo:
        await wismo.say(BUYER, "1Z999AA10123456784")
        await wismo.fake.wait_for(lambda: len(wismo.fake.sender_actions) == 2)
        assert posts(wismo.fake) == ["mark_seen", "typing_on"]

        responder.gate.set()
        await answered(wismo, 1)
        assert posts(wismo.fake) == ["mark_seen", "typing_on", "message"]


async def test_turned_off_no_sender_action_is_sent(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, WISMO_SENDER_ACTIONS="off") as wismo:
        await wismo.say(BUYER, "hi")
        await answered(wismo, 1)
        await wismo.say(BUYER, "where is it?")
        await answered(wismo, 2)
        assert posts(wismo.fake) == ["message", "message"]


async def test_failing_sender_actions_leave_the_reply_untouched(aiohttp_server, database_url):
    responder = GatedResponder()
    async with running_wismo(
        aiohttp_server, database_url, responder=responder, tuning=SLOW
    ) as wismo:
        wismo.fake.inject(Fault.graph_error(2, status=500), times=2, sender_actions=True)
        await wismo.say(BUYER, "where is my order")
        await wismo.fake.wait_for(
            lambda: [r.status for r in wismo.fake.sender_actions] == [500, 500]
        )

        responder.gate.set()
        (delivered,) = await wismo.fake.wait_for_delivered(1)
        await wismo.wait_settled()
        assert delivered.text == "re: where is my order"
        (row,) = await wismo.outbox()
        assert (row.state, row.attempts) == ("sent", 1)


async def test_a_hanging_sender_action_does_not_hold_up_the_reply(aiohttp_server, database_url):
    responder = GatedResponder()
    async with running_wismo(aiohttp_server, database_url, responder=responder) as wismo:
        wismo.fake.inject(Fault(status=200, delay=3.0), sender_actions=True)
        await wismo.say(BUYER, "hello")

        async def arrived() -> bool:  # the fake tells of a request only once it answers it
            return len(wismo.fake.sender_actions) == 1

        await wait_until(arrived)

        responder.gate.set()
        await wismo.fake.wait_for_delivered(1, timeout=2.0)
        (seen,) = wismo.fake.sender_actions
        assert seen.status is None  # still hanging when the reply went out


async def test_a_message_handled_after_its_window_closed_gets_no_sender_action(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        late = now_ms() - 24 * 3600 * 1000  # held back by Meta, or by a backlog, for a day
        await wismo.post(envelope(text(BUYER, "where is it?", at=late)))
        await wismo.wait_settled()
        (row,) = await wismo.outbox()
        assert (row.state, row.reason) == ("held", "window_closed")
        assert posts(wismo.fake) == []
