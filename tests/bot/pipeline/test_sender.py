"""Sending through the outbox: retries with backoff, final failures, ambiguous sends settled
before any resend, the 24-hour window and HUMAN_AGENT, order per buyer, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.instagram.messages import TextMessage
from bot.pipeline.dialogue_port import Reply, Turn
from bot.pipeline.outbox import Outbox, Purpose
from conversations.models import Author, Conversation, Delivery, Direction, MessageKind
from conversations.store import ConversationStore
from tests.bot.harness import ACCOUNT, now_ms, running_wismo, wait_until
from tests.fakes.graph_api import RECIPIENT_UNAVAILABLE, TOKEN_INVALID, Fault

BUYER = "7100000000000001"


class ThreeParts:
    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        return Reply(messages=[TextMessage(text=f"part {n}") for n in (1, 2, 3)])


async def rows(wismo):
    return await wismo.outbox()


async def test_a_retryable_failure_is_retried_until_it_goes_through_once(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        wismo.fake.fail_next(2, status=500, times=2)
        await wismo.say(BUYER, "hi")
        await wismo.fake.wait_for_delivered(1)
        await wismo.wait_settled()
        assert len(wismo.fake.sends) == 3
        assert len(wismo.fake.delivered) == 1
        (row,) = await rows(wismo)
        assert (row.state, row.attempts) == ("sent", 3)


async def test_a_message_that_keeps_failing_is_given_up_with_its_reason(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        wismo.fake.fail_next(613, 2534040, times=100)
        await wismo.say(BUYER, "hi")
        await wismo.wait_settled()
        assert len(wismo.fake.sends) == 4  # the harness allows 4 attempts
        (row,) = await rows(wismo)
        assert (row.state, row.reason, row.error_code, row.error_subcode) == (
            "failed",
            "gave_up_rate_limited",
            613,
            2534040,
        )
        bot = (await wismo.transcript(BUYER))[-1]
        assert (bot.status, bot.status_reason) == (Delivery.FAILED, "gave_up_rate_limited")


async def test_meta_closing_the_window_is_final_and_marks_the_conversation(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        wismo.fake.fail_next(10, 2534022, status=403)
        await wismo.say(BUYER, "hi")
        await wismo.wait_settled()
        assert len(wismo.fake.sends) == 1  # never retried
        (row,) = await rows(wismo)
        assert (row.state, row.reason, row.error_code, row.error_subcode) == (
            "failed",
            "window_closed",
            10,
            2534022,
        )
        conversation = await wismo.conversation(BUYER)
        assert conversation is not None
        assert conversation.delivery_issue == "window_closed"
        # The buyer writing again reopens the window, and the reply goes out.
        await wismo.say(BUYER, "hello?")
        await wismo.fake.wait_for_delivered(1)
        await wismo.wait_settled()
        conversation = await wismo.conversation(BUYER)
        assert conversation is not None
        assert conversation.delivery_issue is None


async def test_other_final_errors_are_never_retried(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        wismo.fake.inject(Fault.graph_error(100, 2534015))
        wismo.fake.inject(RECIPIENT_UNAVAILABLE)
        await wismo.say(BUYER, "hi")
        await wismo.say("7100000000000002", "hi")
        await wismo.wait_settled()
        assert len(wismo.fake.sends) == 2
        assert sorted(row.reason for row in await rows(wismo)) == [
            "invalid_message",
            "recipient_unavailable",
        ]


async def test_a_send_answered_with_an_error_but_delivered_is_confirmed_by_its_echo(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        wismo.fake.deliver_then_fail_next()  # 1/1357046: Meta says it was sent anyway
        await wismo.say(BUYER, "hi")
        (delivered,) = await wismo.fake.wait_for_delivered(1)
        await wismo.fake.drain_echoes()
        await wismo.wait_settled()
        assert len(wismo.fake.delivered) == 1
        (row,) = await rows(wismo)
        assert (row.state, row.message_id) == ("sent", delivered.message_id)
        bot = (await wismo.transcript(BUYER))[-1]
        assert (bot.status, bot.mid) == (Delivery.SENT, delivered.message_id)


async def test_without_an_echo_an_ambiguous_send_is_settled_with_the_conversations_api(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, echoes=False) as wismo:
        wismo.fake.disconnect_next(deliver=True)  # delivered, then the connection dropped
        await wismo.say(BUYER, "hi")
        await wismo.wait_settled()
        (delivered,) = wismo.fake.delivered
        (row,) = await rows(wismo)
        assert (row.state, row.message_id, row.reason) == (
            "sent",
            delivered.message_id,
            "reconciled",
        )
        assert any(request.path.endswith("/conversations") for request in wismo.fake.requests)


async def test_an_ambiguous_send_that_did_not_go_out_is_sent_again_once(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, echoes=False) as wismo:
        wismo.fake.disconnect_next(deliver=False)
        await wismo.say(BUYER, "hi")
        await wismo.wait_settled()
        assert len(wismo.fake.sends) == 2
        assert len(wismo.fake.delivered) == 1
        (row,) = await rows(wismo)
        assert row.state == "sent"


async def test_an_earlier_copy_of_the_same_text_does_not_settle_an_ambiguous_send(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, echoes=False) as wismo:
        same = "Please send me your order number"
        conversation_id = await _open(wismo)
        await _enqueue(wismo, conversation_id, same, Author.BOT, key="first")
        await wismo.fake.wait_for_delivered(1)
        await wismo.wait_settled()
        wismo.fake.disconnect_next(deliver=False)
        await _enqueue(wismo, conversation_id, same, Author.BOT, key="second")
        await wismo.fake.wait_for_delivered(2)
        await wismo.wait_settled()
        first, second = await rows(wismo)
        assert first.message_id != second.message_id
        assert second.reason is None  # really sent again, not "reconciled" with the first copy


def _now() -> datetime:
    return datetime.now(UTC)


async def _open(wismo, igsid: str = BUYER, *, buyer_at: datetime | None = None) -> int:
    """A conversation whose buyer last wrote at `buyer_at` (now by default)."""
    async with wismo.sessions() as session, session.begin():
        store = ConversationStore(session)
        conversation = await store.open(ACCOUNT, igsid, _now())
        await store.opened_window(conversation.id, buyer_at or _now())
        return conversation.id


async def _enqueue(
    wismo,
    conversation_id: int,
    body: str,
    author: Author,
    *,
    key: str,
    expires_at: datetime | None = None,
) -> None:
    """What the console (a person) or proactive updates (the bot) will do: record and enqueue."""
    outbox = Outbox(wismo.sessions, clock=_now)
    async with wismo.sessions() as session, session.begin():
        message = await ConversationStore(session).add_message(
            conversation_id,
            direction=Direction.OUT,
            author=author,
            kind=MessageKind.TEXT,
            text=body,
            status=Delivery.QUEUED,
            created_at=_now(),
            recorded_at=_now(),
        )
        assert message is not None
        await outbox.enqueue(
            session,
            idempotency_key=key,
            account_id=ACCOUNT,
            recipient_id=BUYER,
            conversation_id=conversation_id,
            conversation_message_id=message.id,
            message=TextMessage(text=body),
            purpose=Purpose.MERCHANT if author is Author.MERCHANT else Purpose.UPDATE,
            author=author,
            expires_at=expires_at,
        )


async def test_an_automated_reply_outside_the_window_is_held_not_sent(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        await wismo.say(BUYER, "hi", at=now_ms() - 25 * 3600 * 1000)  # Meta delivered it very late
        await wismo.wait_settled()
        assert wismo.fake.sends == []
        (row,) = await rows(wismo)
        assert (row.state, row.reason) == ("held", "window_closed")
        bot = (await wismo.transcript(BUYER))[-1]
        assert (bot.status, bot.status_reason) == (Delivery.HELD, "window_closed")


async def test_the_bot_stops_half_an_hour_before_the_window_closes(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        conversation_id = await _open(wismo, buyer_at=_now() - timedelta(hours=23, minutes=45))
        await _enqueue(wismo, conversation_id, "your parcel moved", Author.BOT, key="update-1")
        await wait_until(lambda: _state(wismo, "held"))
        assert wismo.fake.sends == []


async def test_a_persons_reply_after_a_day_goes_with_human_agent(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        conversation_id = await _open(wismo, buyer_at=_now() - timedelta(days=2))
        await _enqueue(wismo, conversation_id, "Hi, Anna here", Author.MERCHANT, key="console-1")
        (delivered,) = await wismo.fake.wait_for_delivered(1)
        assert (delivered.tag, delivered.messaging_type) == ("HUMAN_AGENT", "MESSAGE_TAG")
        await wait_until(lambda: _state(wismo, "sent"))
        (row,) = await rows(wismo)
        assert row.tag == "HUMAN_AGENT"


async def test_a_persons_reply_within_the_day_goes_untagged(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        conversation_id = await _open(wismo, buyer_at=_now() - timedelta(hours=1))
        await _enqueue(wismo, conversation_id, "Hi, Anna here", Author.MERCHANT, key="console-2")
        (delivered,) = await wismo.fake.wait_for_delivered(1)
        assert (delivered.tag, delivered.messaging_type) == (None, "RESPONSE")


async def test_a_persons_reply_after_seven_days_is_held(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        conversation_id = await _open(wismo, buyer_at=_now() - timedelta(days=8))
        await _enqueue(
            wismo, conversation_id, "Sorry for the wait", Author.MERCHANT, key="console-3"
        )
        await wait_until(lambda: _state(wismo, "held"))
        assert wismo.fake.sends == []
        (row,) = await rows(wismo)
        assert row.reason == "human_agent_window_closed"


async def test_an_expired_update_is_held(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        conversation_id = await _open(wismo)
        await _enqueue(
            wismo,
            conversation_id,
            "stale news",
            Author.BOT,
            key="u",
            expires_at=_now() - timedelta(seconds=1),
        )
        await wait_until(lambda: _state(wismo, "held"))
        (row,) = await rows(wismo)
        assert row.reason == "expired"


async def _state(wismo, state: str) -> bool:
    found = await wismo.outbox()
    return bool(found) and all(row.state == state for row in found)


async def test_the_parts_of_an_answer_arrive_in_order_even_when_one_is_retried(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, responder=ThreeParts()) as wismo:
        await wismo.say(BUYER, "hi")
        await wismo.fake.wait_for_delivered(1)
        wismo.fake.fail_next(2, status=500)  # the second part fails once
        await wismo.fake.wait_for_delivered(3)
        await wismo.wait_settled()
        assert wismo.delivered_to(BUYER) == ["part 1", "part 2", "part 3"]


async def test_unsent_messages_are_sent_after_a_restart(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        conversation_id = await _open(wismo)
        await _enqueue(wismo, conversation_id, "queued before the restart", Author.BOT, key="r")
    async with running_wismo(aiohttp_server, database_url) as wismo:
        (delivered,) = await wismo.fake.wait_for_delivered(1)
        assert delivered.text == "queued before the restart"


async def test_a_send_interrupted_by_a_crash_is_settled_not_repeated(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        conversation_id = await _open(wismo)
        await _enqueue(wismo, conversation_id, "in flight when we died", Author.BOT, key="c")
        dead = Outbox(wismo.sessions, clock=_now, lease_seconds=0.1)
        claimed = await dead.claim("dead-process", 1)
        assert [item.state.value for item in claimed] == ["sending"]
    async with running_wismo(aiohttp_server, database_url, echoes=False) as wismo:
        # The dead process's call did reach Meta before it died.
        wismo.fake.add_message(BUYER, "in flight when we died", from_business=True)
        await wismo.wait_settled()
        assert wismo.fake.sends == []
        (row,) = await rows(wismo)
        assert (row.state, row.reason) == ("sent", "reconciled")


async def test_a_conversations_api_outage_leaves_the_message_unconfirmed_rather_than_doubled(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, echoes=False) as wismo:
        wismo.fake.disconnect_next(deliver=True)
        wismo.fake.inject(Fault.graph_error(100), endpoint="read", times=10)
        await wismo.say(BUYER, "hi")
        await wismo.wait_settled()
        assert len(wismo.fake.delivered) == 1
        (row,) = await rows(wismo)
        assert (row.state, row.reason) == ("failed", "delivery_unconfirmed")


async def test_an_ambiguous_send_stays_unsettled_while_its_account_cannot_even_read(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, echoes=False) as wismo:
        wismo.fake.disconnect_next(deliver=True)
        wismo.fake.inject(TOKEN_INVALID, endpoint="read", times=10)
        await wismo.say(BUYER, "hi")
        await wait_until(lambda: _reason(wismo, "token_invalid"))
        assert len(wismo.fake.delivered) == 1
        (row,) = await rows(wismo)
        assert row.state == "ambiguous"  # asked again once the account may work; never resent


async def _reason(wismo, reason: str) -> bool:
    return [row.reason for row in await rows(wismo)] == [reason]


async def test_a_message_whose_conversation_is_gone_fails_without_a_send(
    aiohttp_server, database_url
):
    """The claim reads the conversation with the message: a deleted one (retention) is seen."""
    async with running_wismo(aiohttp_server, database_url) as wismo:
        outbox = Outbox(wismo.sessions, clock=_now)
        async with wismo.sessions() as session, session.begin():
            await outbox.enqueue(
                session,
                idempotency_key="orphan-1",
                account_id=ACCOUNT,
                recipient_id=BUYER,
                conversation_id=987654,
                message=TextMessage(text="your parcel moved"),
                purpose=Purpose.UPDATE,
                author=Author.BOT,
            )
        await wait_until(lambda: _reason(wismo, "conversation_missing"))
        (row,) = await rows(wismo)
        assert row.state == "failed"
        assert wismo.fake.sends == []
