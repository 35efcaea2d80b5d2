"""Edits and unsends are respected whatever order they arrive in: an edit made while its message
is answered is answered as a correction, an edit that arrives before its original is kept until
the original comes, and an unsent message is never answered (a reply still waiting is held)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.instagram.messages import text_messages
from bot.pipeline.backoff import Backoff
from bot.pipeline.dialogue_port import Reply, Turn
from bot.pipeline.tables import InboxEvent
from conversations.models import Conversation
from tests.bot.harness import (
    FAST,
    Clock,
    Wismo,
    envelope,
    item,
    new_mid,
    now_ms,
    running_wismo,
    text,
    wait_until,
)
from tests.fakes.graph_api import Fault

BUYER = "7400000000000001"


class Echoing:
    """Answers "re: <text>"; while `gate` is closed, holds the first turn it is asked."""

    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self.gate = asyncio.Event()
        self.asked = asyncio.Event()

    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        self.asked.set()
        await self.gate.wait()
        self.turns.append(turn)
        return Reply(messages=text_messages(f"re: {turn.text}"))


def edit_of(mid: str, new_text: str, *, at: int, sender: bool = True) -> dict[str, object]:
    edit = item(BUYER, {"mid": mid, "text": new_text, "num_edit": 1}, key="message_edit", at=at)
    if not sender:
        del edit["sender"]  # some edits come without a sender (docs/instagram.md, Event kinds)
    return edit


def unsend_of(mid: str, *, at: int) -> dict[str, object]:
    return item(BUYER, {"mid": mid, "is_deleted": True}, at=at)


async def outcome_of(wismo: Wismo, dedupe_key: str) -> str | None:
    async with wismo.sessions() as session:
        found: str | None = await session.scalar(
            select(InboxEvent.outcome).where(InboxEvent.dedupe_key == dedupe_key)
        )
        return found


@pytest.mark.parametrize("sender", [True, False], ids=["with sender", "without sender"])
async def test_an_edit_made_while_its_message_is_answered_is_answered_as_a_correction(
    aiohttp_server, database_url, sender
):
    clock, responder = Clock(), Echoing()
    async with running_wismo(
        aiohttp_server, database_url, responder=responder, clock=clock
    ) as wismo:
        buyer_message = text(BUYER, "order 10243")
        mid = buyer_message["message"]["mid"]
        await wismo.post(envelope(buyer_message))
        await responder.asked.wait()
        await wismo.post(envelope(edit_of(mid, "order 10234", at=now_ms(), sender=sender)))
        responder.gate.set()
        await wismo.fake.wait_for_delivered(1)
        # Without a sender the edit may have been looked at before its original was recorded:
        # it waits a second for it.
        clock.offset += timedelta(seconds=2)
        await wismo.fake.wait_for_delivered(2)
        await wismo.wait_settled()
        assert wismo.delivered_to(BUYER) == ["re: order 10243", "re: order 10234"]
        assert [turn.corrects for turn in responder.turns] == [None, mid]
        (message, *_) = await wismo.transcript(BUYER)
        assert message.text == "order 10234"


@pytest.mark.parametrize(
    ("gave_up_waiting", "edit_outcome"),
    [(False, "edit"), (True, "waiting_for_original")],
    ids=["while it waits", "after it stopped waiting"],
)
async def test_an_edit_that_arrives_before_its_original_is_folded_into_the_one_answer(
    aiohttp_server, database_url, gave_up_waiting, edit_outcome
):
    clock, responder = Clock(), Echoing()
    responder.gate.set()
    async with running_wismo(
        aiohttp_server, database_url, responder=responder, clock=clock
    ) as wismo:
        mid, sent_at = new_mid(), now_ms()
        await wismo.post(envelope(edit_of(mid, "order 10234", at=sent_at + 5000)))

        async def kept() -> bool:
            clock.offset += timedelta(seconds=3)
            return await outcome_of(wismo, f"edit:{mid}:1") == "waiting_for_original"

        if gave_up_waiting:
            await wait_until(kept)  # kept in the inbox for the original to pick up
        assert wismo.fake.delivered == []
        await wismo.post(envelope(text(BUYER, "order 10243", mid=mid, at=sent_at)))
        clock.offset += timedelta(seconds=2)  # an edit looked at first waits a second
        await wismo.wait_settled()
        # Answered once, in the buyer's latest words.
        assert wismo.delivered_to(BUYER) == ["re: order 10234"]
        (message, _reply) = await wismo.transcript(BUYER)
        assert (message.text, message.payload["edits"]) == (
            "order 10234",
            [{"text": "order 10243"}],
        )
        assert await outcome_of(wismo, f"edit:{mid}:1") == edit_outcome


async def test_an_unsent_message_still_queued_is_never_answered(aiohttp_server, database_url):
    responder = Echoing()
    async with running_wismo(aiohttp_server, database_url, responder=responder) as wismo:
        await wismo.post(envelope(text(BUYER, "first")))
        await responder.asked.wait()  # the lane is busy with the first message
        second = text(BUYER, "my order is 10243, my email is a@example.com")
        mid = second["message"]["mid"]
        await wismo.post(envelope(second))
        await wismo.post(envelope(unsend_of(mid, at=now_ms() + 10)))
        responder.gate.set()
        await wismo.wait_settled()
        assert wismo.delivered_to(BUYER) == ["re: first"]
        assert [turn.text for turn in responder.turns] == ["first"]
        unsent = [message for message in await wismo.transcript(BUYER) if message.mid == mid]
        assert [(message.text, message.deleted_at is not None) for message in unsent] == [
            (None, True)
        ]
        assert await outcome_of(wismo, f"message:{mid}") == "unsent"


async def test_an_unsend_that_arrives_before_its_message_silences_it(aiohttp_server, database_url):
    responder = Echoing()
    responder.gate.set()
    async with running_wismo(aiohttp_server, database_url, responder=responder) as wismo:
        mid, sent_at = new_mid(), now_ms()
        await wismo.say(BUYER, "hello")  # the conversation exists
        await wismo.post(envelope(unsend_of(mid, at=sent_at + 10)))
        await wismo.post(envelope(text(BUYER, "order 10243", mid=mid, at=sent_at)))
        await wismo.wait_settled()
        assert wismo.delivered_to(BUYER) == ["re: hello"]


async def test_a_reply_not_yet_sent_to_a_message_unsent_meanwhile_is_held_with_the_reason(
    aiohttp_server, database_url
):
    slow_retries = dataclasses.replace(FAST, send_backoff=Backoff(base=60.0, cap=60.0, attempts=4))
    responder = Echoing()
    responder.gate.set()
    async with running_wismo(
        aiohttp_server, database_url, responder=responder, tuning=slow_retries
    ) as wismo:
        wismo.fake.inject(Fault(status=500, body=b"busy"))  # the reply waits for its retry
        mid = await wismo.say(BUYER, "order 10243")
        await wismo.fake.wait_for_requests(1)

        async def waiting() -> bool:
            return [(row.state, row.reason) for row in await wismo.outbox()] == [
                ("queued", "server_error")
            ]

        await wait_until(waiting)
        await wismo.post(envelope(unsend_of(mid, at=now_ms() + 10)))
        await wismo.wait_settled()
        assert [(row.state, row.reason) for row in await wismo.outbox()] == [
            ("held", "unsent_by_buyer")
        ]
        assert wismo.fake.delivered == []
        reply = [m for m in await wismo.transcript(BUYER) if m.text == "re: order 10243"]
        assert [(m.status.value, m.status_reason) for m in reply] == [("held", "unsent_by_buyer")]
