"""From a signed webhook to the reply Meta receives: what is answered, once, in order, and what
is only recorded. A real app on loopback, a fake Graph API that echoes what it delivers."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.instagram.messages import text_messages
from bot.pipeline.dialogue_port import HANDOFF_PAYLOAD, GreetingResponder, Reply, Turn, TurnKind
from conversations.models import Author, Conversation, Delivery, Direction, MessageKind
from tests.bot.harness import (
    ACCOUNT,
    Clock,
    echo_item,
    envelope,
    item,
    new_mid,
    now_ms,
    running_wismo,
    text,
    wait_until,
)
from tests.fakes.graph_api import FakeGraphApi

BUYER = "7100000000000001"
OTHER = "7100000000000002"
FIXTURES = Path(__file__).resolve().parent / "data" / "instagram"


class RecordingResponder:
    """Answers every turn with "re: <text>" and records what it saw and how many ran at once."""

    def __init__(self, gate: asyncio.Event | None = None, fail_times: int = 0) -> None:
        self.turns: list[Turn] = []
        self.running: dict[str, int] = {}
        self.most_at_once: dict[str, int] = {}
        self.gate = gate
        self.fail_times = fail_times

    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        key = turn.igsid
        self.running[key] = self.running.get(key, 0) + 1
        self.most_at_once[key] = max(self.most_at_once.get(key, 0), self.running[key])
        try:
            if self.fail_times > 0:
                self.fail_times -= 1
                raise RuntimeError("the dialogue broke")
            if self.gate is not None:
                await self.gate.wait()
            await asyncio.sleep(0.005)  # stands for real work, so turns could overlap if allowed
            self.turns.append(turn)
            if turn.kind is TurnKind.EDIT:
                return Reply()
            return Reply(messages=text_messages(f"re: {turn.text}"), based_on={"seen": turn.text})
        finally:
            self.running[key] -= 1


async def test_a_buyers_message_gets_one_greeting_recorded_in_the_conversation(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        mid = await wismo.say(BUYER, "where is my package?")
        (delivered,) = await wismo.fake.wait_for_delivered(1)
        await wismo.fake.drain_echoes()
        await wismo.wait_settled()

        assert delivered.recipient_id == BUYER
        assert delivered.messaging_type == "RESPONSE"
        assert delivered.tag is None
        assert "order number" in delivered.text
        assert delivered.message["quick_replies"][0]["payload"] == HANDOFF_PAYLOAD

        buyer, bot = await wismo.transcript(BUYER)
        assert (buyer.direction, buyer.author, buyer.mid, buyer.text) == (
            Direction.IN,
            Author.BUYER,
            mid,
            "where is my package?",
        )
        assert (bot.direction, bot.author, bot.status) == (Direction.OUT, Author.BOT, Delivery.SENT)
        assert bot.mid == delivered.message_id  # its echo confirmed it and was not stored again
        assert bot.based_on == {"responder": "greeting", "step": "greeting"}
        conversation = await wismo.conversation(BUYER)
        assert conversation is not None
        assert conversation.last_buyer_at == buyer.created_at
        assert not conversation.handed_off
        (row,) = await wismo.outbox()
        assert (row.state, row.message_id, row.purpose, row.author) == (
            "sent",
            delivered.message_id,
            "reply",
            "bot",
        )


async def test_a_second_message_gets_the_shorter_reminder(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        await wismo.say(BUYER, "hi")
        await wismo.fake.wait_for_delivered(1)
        await wismo.say(BUYER, "hello??")
        await wismo.fake.wait_for_delivered(2)
        first, second = wismo.delivered_to(BUYER)
        assert first.startswith("Hi! I'm Test Shop's automated assistant")
        assert second.startswith("Please send me your order number")


async def test_our_echo_arriving_before_the_send_api_answer_is_still_ours(
    aiohttp_server, database_url
):
    fake = FakeGraphApi(account_id=ACCOUNT, echo_before_response=True)
    async with running_wismo(aiohttp_server, database_url, fake=fake) as wismo:
        fake.echo_before_response = True
        await wismo.say(BUYER, "hi")
        (delivered,) = await fake.wait_for_delivered(1)
        await wismo.wait_settled()
        transcript = await wismo.transcript(BUYER)
        assert [m.author for m in transcript] == [Author.BUYER, Author.BOT]
        assert transcript[1].mid == delivered.message_id
        conversation = await wismo.conversation(BUYER)
        assert conversation is not None
        assert not conversation.handed_off  # not mistaken for a person's reply
        (row,) = await wismo.outbox()
        assert row.message_id == delivered.message_id


async def test_a_duplicate_delivery_is_answered_once(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        message = text(BUYER, "where is my order")
        body = envelope(message)
        responses = await asyncio.gather(*(wismo.post(body) for _ in range(5)))
        assert {response.status_code for response in responses} == {200}
        await wismo.fake.wait_for_delivered(1)
        await wismo.wait_settled()
        later = await wismo.post(envelope(text(OTHER, "x"), message))  # Meta retries, batched
        assert later.status_code == 200
        await wismo.fake.wait_for_delivered(2)
        await wismo.wait_settled()
        assert len(wismo.delivered_to(BUYER)) == 1
        assert len(await wismo.transcript(BUYER)) == 2


async def test_a_conversations_events_are_handled_one_at_a_time_in_timestamp_order(
    aiohttp_server, database_url
):
    gate = asyncio.Event()
    responder = RecordingResponder(gate)
    async with running_wismo(aiohttp_server, database_url, responder=responder) as wismo:
        start = now_ms() - 10_000
        await wismo.post(envelope(text(BUYER, "first", at=start)))
        await wismo.post(envelope(text(BUYER, "fifth", at=start + 5)))
        # Meta delivers out of order, in separate POSTs and in batches.
        await wismo.post(
            envelope(text(BUYER, "fourth", at=start + 4), text(BUYER, "third", at=start + 3))
        )
        await wismo.post(envelope(text(BUYER, "second", at=start + 2)))
        gate.set()
        await wismo.fake.wait_for_delivered(5)
        await wismo.wait_settled()
        seen = [turn.text for turn in responder.turns]
        assert seen[0] in ("first", "second")  # the worker may have started before the rest came
        assert seen[1:] == sorted(
            seen[1:], key=["first", "second", "third", "fourth", "fifth"].index
        )
        assert responder.most_at_once[BUYER] == 1
        assert wismo.delivered_to(BUYER) == [f"re: {word}" for word in seen]


async def test_a_batch_is_handled_in_timestamp_order(aiohttp_server, database_url):
    responder = RecordingResponder()
    async with running_wismo(aiohttp_server, database_url, responder=responder) as wismo:
        start = now_ms() - 10_000
        words = ["one", "two", "three", "four"]
        shuffled = [2, 0, 3, 1]
        await wismo.post(envelope(*(text(BUYER, words[i], at=start + i) for i in shuffled)))
        await wismo.fake.wait_for_delivered(4)
        assert [turn.text for turn in responder.turns] == words
        transcript = await wismo.transcript(BUYER)
        assert [m.text for m in transcript if m.author is Author.BUYER] == words


async def test_different_conversations_proceed_in_parallel(aiohttp_server, database_url):
    gate = asyncio.Event()
    responder = RecordingResponder(gate)
    async with running_wismo(aiohttp_server, database_url, responder=responder) as wismo:
        buyers = [f"71000000000001{index:02d}" for index in range(4)]
        await wismo.post(envelope(*(text(buyer, "hi") for buyer in buyers)))
        await wait_until(lambda: _async(sum(responder.running.values()) == len(buyers)))
        gate.set()
        await wismo.fake.wait_for_delivered(4)


async def _async(value: bool) -> bool:
    return value


async def test_a_reply_typed_in_the_instagram_app_is_recorded_and_hands_off(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        await wismo.say(BUYER, "hi")
        await wismo.fake.wait_for_delivered(1)
        await wismo.wait_settled()
        mid = await wismo.fake.human_reply(BUYER, "Hi, this is Anna from the shop, let me check")
        await wait_until(lambda: _handed_off(wismo))
        transcript = await wismo.transcript(BUYER)
        person = transcript[-1]
        assert (person.author, person.direction, person.mid, person.status) == (
            Author.ECHO,
            Direction.OUT,
            mid,
            Delivery.SENT,
        )
        conversation = await wismo.conversation(BUYER)
        assert conversation is not None
        assert conversation.handoff_reason == "merchant_replied"

        await wismo.say(BUYER, "thanks Anna, it is order 10234")
        await wismo.wait_settled()
        assert len(wismo.delivered_to(BUYER)) == 1  # the bot stays quiet while a person talks
        assert (await wismo.transcript(BUYER))[-1].text == "thanks Anna, it is order 10234"


async def _handed_off(wismo) -> bool:
    conversation = await wismo.conversation(BUYER)
    return conversation is not None and conversation.handed_off


async def test_the_bot_comes_back_after_the_quiet_period(aiohttp_server, database_url):
    clock = Clock()
    async with running_wismo(
        aiohttp_server, database_url, clock=clock, WISMO_HANDOFF_QUIET_HOURS="1"
    ) as wismo:
        await wismo.post(envelope(echo_item(BUYER, "Hello from the shop")))
        await wait_until(lambda: _handed_off(wismo))
        await wismo.say(BUYER, "hi")
        await wismo.wait_settled()
        assert wismo.delivered_to(BUYER) == []
        clock.offset = timedelta(hours=2)
        await wismo.say(BUYER, "anyone?", at=now_ms() + 2 * 3600 * 1000)
        await wismo.fake.wait_for_delivered(1)
        conversation = await wismo.conversation(BUYER)
        assert conversation is not None
        assert not conversation.handed_off


async def test_talk_to_a_person_is_acknowledged_then_the_bot_stays_quiet(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        await wismo.say(BUYER, "hi")
        await wismo.fake.wait_for_delivered(1)
        tap = item(
            BUYER,
            {
                "mid": new_mid(),
                "text": "Talk to a person",
                "quick_reply": {"payload": HANDOFF_PAYLOAD},
            },
        )
        await wismo.post(envelope(tap))
        await wismo.fake.wait_for_delivered(2)
        assert "asked someone from Test Shop" in wismo.delivered_to(BUYER)[1]
        await wismo.fake.drain_echoes()
        await wismo.wait_settled()
        conversation = await wismo.conversation(BUYER)
        assert conversation is not None
        assert conversation.handoff_reason == "buyer_asked"
        await wismo.say(BUYER, "hello?")
        await wismo.wait_settled()
        assert len(wismo.delivered_to(BUYER)) == 2
        tapped = [m for m in await wismo.transcript(BUYER) if m.kind is MessageKind.QUICK_REPLY]
        assert tapped[0].payload["quick_reply"] == {"payload": HANDOFF_PAYLOAD}


async def test_standby_events_are_recorded_and_never_answered(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        body = {
            "object": "instagram",
            "entry": [{"id": ACCOUNT, "time": now_ms(), "standby": [text(BUYER, "hi other app")]}],
        }
        await wismo.post(body)
        await wismo.wait_settled()
        assert wismo.fake.sends == []
        (message,) = await wismo.transcript(BUYER)
        assert message.text == "hi other app"


async def test_reactions_reads_and_unsends_are_recorded_not_answered_an_edit_as_a_correction(
    aiohttp_server, database_url
):
    responder = RecordingResponder()
    async with running_wismo(aiohttp_server, database_url, responder=responder) as wismo:
        mid = await wismo.say(BUYER, "order 10243")
        (delivered,) = await wismo.fake.wait_for_delivered(1)
        await wismo.wait_settled()
        later = now_ms() + 1000
        await wismo.post(
            envelope(
                item(
                    BUYER,
                    {"mid": mid, "text": "order 10234", "num_edit": 1},
                    key="message_edit",
                    at=later,
                ),
                item(
                    BUYER,
                    {
                        "mid": delivered.message_id,
                        "action": "react",
                        "reaction": "love",
                        "emoji": "❤️",
                    },
                    key="reaction",
                    at=later + 1,
                ),
                item(BUYER, {"mid": delivered.message_id}, key="read", at=later + 2),
            )
        )
        await wismo.wait_settled()
        transcript = await wismo.transcript(BUYER)
        edited = transcript[0]
        (reaction,) = [message for message in transcript if message.kind is MessageKind.REACTION]
        assert edited.text == "order 10234"
        assert edited.payload["edits"] == [{"text": "order 10243"}]
        assert edited.edited_at is not None
        assert (reaction.kind, reaction.text, reaction.payload["reacted_mid"]) == (
            MessageKind.REACTION,
            "❤️",
            delivered.message_id,
        )
        conversation = await wismo.conversation(BUYER)
        assert conversation is not None
        assert conversation.buyer_read_at is not None
        # The edit reached the dialogue as a correction of the message; nothing else did.
        assert [(turn.kind, turn.text, turn.corrects) for turn in responder.turns] == [
            (TurnKind.MESSAGE, "order 10243", None),
            (TurnKind.MESSAGE, "order 10234", mid),
        ]
        assert [message.text for message in transcript if message.author is Author.BOT] == [
            "re: order 10243",
            "re: order 10234",
        ]
        await wismo.post(envelope(item(BUYER, {"mid": mid, "is_deleted": True}, at=later + 3)))
        await wismo.wait_settled()
        unsent = (await wismo.transcript(BUYER))[0]
        assert unsent.deleted_at is not None
        assert unsent.text is None


async def test_postbacks_and_ig_me_links_are_answered_and_open_the_window(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        postback = json.loads((FIXTURES / "postback.json").read_text())["body"]["entry"][0][
            "messaging"
        ][0]
        referral = json.loads((FIXTURES / "igme_referral_existing_thread.json").read_text())[
            "body"
        ]["entry"][0]["messaging"][0]
        postback["timestamp"] = referral["timestamp"] = now_ms()
        await wismo.post(envelope(postback, referral))
        await wismo.fake.wait_for_delivered(2)
        await wismo.wait_settled()
        conversations = [await wismo.conversation(BUYER), await wismo.conversation(OTHER)]
        assert all(c is not None and c.last_buyer_at is not None for c in conversations)
        kinds = [m.kind for m in await wismo.transcript(OTHER)]
        assert kinds[0] is MessageKind.REFERRAL


async def test_unknown_events_and_dashboard_tests_do_not_stop_the_worker(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        body = {
            "object": "instagram",
            "entry": [
                {
                    "id": ACCOUNT,
                    "time": now_ms(),
                    "messaging": [
                        {"sender": {"id": BUYER}, "timestamp": now_ms(), "new_kind": {"x": 1}}
                    ],
                },
                {
                    "id": "0",
                    "time": 1,
                    "changes": [{"field": "messages", "value": {"timestamp": "1"}}],
                },
                {"id": ACCOUNT, "time": now_ms(), "messaging": [text(BUYER, "hi")]},
            ],
        }
        await wismo.post(body)
        await wismo.fake.wait_for_delivered(1)
        await wismo.wait_settled()
        assert await wismo.conversation("0") is None


async def test_a_failing_dialogue_is_retried_and_the_buyer_still_gets_one_answer(
    aiohttp_server, database_url
):
    responder = RecordingResponder(fail_times=2)
    async with running_wismo(aiohttp_server, database_url, responder=responder) as wismo:
        await wismo.say(BUYER, "hi")
        await wismo.fake.wait_for_delivered(1)
        await wismo.wait_settled()
        assert wismo.delivered_to(BUYER) == ["re: hi"]


async def test_an_event_that_keeps_failing_is_given_up_and_the_conversation_moves_on(
    aiohttp_server, database_url
):
    responder = RecordingResponder(fail_times=3)  # the harness gives up after 3 attempts
    async with running_wismo(aiohttp_server, database_url, responder=responder) as wismo:
        await wismo.say(BUYER, "first", at=now_ms() - 1000)
        await wismo.say(BUYER, "second")
        await wismo.fake.wait_for_delivered(1)
        await wismo.wait_settled()
        assert wismo.delivered_to(BUYER) == ["re: second"]


async def test_work_left_by_a_stopped_process_is_resumed(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        await wismo.say(BUYER, "hi")
        await wismo.say(OTHER, "hello")
        assert await wismo.pending_events() == 2
    async with running_wismo(aiohttp_server, database_url) as wismo:
        await wismo.fake.wait_for_delivered(2)
        await wismo.wait_settled()


@pytest.mark.parametrize("responder", [GreetingResponder("Test Shop")])
async def test_self_messaging_echoes_are_ignored(aiohttp_server, database_url, responder):
    async with running_wismo(aiohttp_server, database_url, responder=responder) as wismo:
        selfie = {
            "sender": {"id": ACCOUNT},
            "recipient": {"id": ACCOUNT},
            "timestamp": now_ms(),
            "message": {"mid": new_mid(), "text": "test", "is_echo": True, "is_self": True},
        }
        await wismo.post(envelope(selfie))
        await wismo.wait_settled()
        assert wismo.fake.sends == []
        conversation = await wismo.conversation(ACCOUNT)
        assert conversation is None or not conversation.handed_off
