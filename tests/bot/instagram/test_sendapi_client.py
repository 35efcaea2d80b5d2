"""SendApiClient against a fake Graph API on loopback: what it sends, and what each answer means."""

from __future__ import annotations

import logging
import traceback
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from bot.errors import SendAmbiguous, SendError, SendFinal, SendRetryable
from bot.instagram.messages import QuickReply, TextMessage, text_messages
from bot.instagram.sendapi import SendApiClient, SendResult, SentMessage
from tests.fakes.graph_api import (
    BAD_GATEWAY,
    INVALID_JSON_REPLY,
    RATE_LIMITED,
    TEMPORARY,
    TOKEN_INVALID,
    WINDOW_CLOSED,
    Fault,
    start_graph_api,
)

TOKEN = "IGAAT-very-secret-token-0123456789"
BUYER = "7100000000000001"
OTHER_BUYER = "7100000000000002"


@pytest.fixture
async def fake(aiohttp_server):
    return await start_graph_api(aiohttp_server, token=TOKEN)


@pytest.fixture
async def http():
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


def client_for(fake, http, *, account_id=None, token=TOKEN, graph_url=None) -> SendApiClient:
    return SendApiClient(
        http,
        graph_url=graph_url or fake.url,
        version=fake.version,
        account_id=account_id or fake.account_id,
        access_token=SecretStr(token),
    )


@pytest.fixture
def client(fake, http) -> SendApiClient:
    return client_for(fake, http)


# -- what goes on the wire ---------------------------------------------------------------------


async def test_a_text_is_delivered_and_its_message_id_returned(fake, client) -> None:
    result = await client.send(BUYER, TextMessage(text="Your parcel is out for delivery."))

    [delivered] = fake.delivered
    assert result == SendResult(message_id=delivered.message_id, recipient_id=BUYER)
    assert delivered.text == "Your parcel is out for delivery."
    assert (delivered.messaging_type, delivered.tag) == ("RESPONSE", None)


async def test_the_request_goes_to_the_versioned_account_messages_endpoint(fake, client) -> None:
    message = TextMessage(text="hello")
    await client.send(BUYER, message)

    [request] = fake.requests
    assert (request.method, request.path) == ("POST", f"/v25.0/{fake.account_id}/messages")
    assert request.body == SendApiClient.request_body(BUYER, message)
    assert request.header("Content-Type") == "application/json"


async def test_the_token_travels_only_in_the_authorization_header(fake, client) -> None:
    await client.send(BUYER, TextMessage(text="hello"))

    [request] = fake.requests
    assert request.header("Authorization") == f"Bearer {TOKEN}"
    assert request.query == {}
    assert TOKEN not in request.path
    assert TOKEN.encode() not in request.raw


async def test_the_me_alias_works_as_account_id(fake, http) -> None:
    await client_for(fake, http, account_id="me").send(BUYER, TextMessage(text="hi"))
    assert fake.requests[0].path == "/v25.0/me/messages"


async def test_a_trailing_slash_in_the_graph_url_is_harmless(fake, http) -> None:
    await client_for(fake, http, graph_url=fake.url + "/").send(BUYER, TextMessage(text="hi"))
    assert fake.requests[0].path == f"/v25.0/{fake.account_id}/messages"


async def test_a_human_agent_reply_is_sent_with_its_tag(fake, client) -> None:
    await client.send(BUYER, TextMessage(text="Hi, this is Anna."), tag="HUMAN_AGENT")

    [delivered] = fake.delivered
    assert (delivered.messaging_type, delivered.tag) == ("MESSAGE_TAG", "HUMAN_AGENT")


async def test_a_long_reply_split_into_messages_is_accepted_part_by_part(fake, client) -> None:
    reply = "\n".join(f"包裹 {n}：已到达深圳转运中心，预计三天后送达。🚚" for n in range(60))
    quick = [
        QuickReply(title="请帮我转接人工客服，我想问一下关于我的包裹的问题", payload="HANDOFF")
    ]
    messages = text_messages(reply, quick)

    results = [await client.send(BUYER, message) for message in messages]

    assert len(results) == len(messages) > 2
    assert [d.text for d in fake.delivered] == [m.text for m in messages]
    assert (
        fake.delivered[-1].message["quick_replies"][0]["title"]
        == "请帮我转接人工客服，我想问一下关于我的…"
    )


@pytest.mark.parametrize("action", ["mark_seen", "typing_on", "typing_off"])
async def test_a_sender_action_is_a_request_of_its_own(fake, client, action) -> None:
    await client.sender_action(BUYER, action)

    [request] = fake.requests
    assert request.body == {"recipient": {"id": BUYER}, "sender_action": action}
    assert fake.delivered == []


async def test_an_unknown_sender_action_is_refused_before_any_request(fake, client) -> None:
    with pytest.raises(ValueError, match="react"):
        await client.sender_action(BUYER, "react")
    assert fake.requests == []


# -- each answer, classified -------------------------------------------------------------------


async def test_a_closed_window_is_final_and_nothing_is_delivered(fake, client) -> None:
    fake.inject(WINDOW_CLOSED)

    with pytest.raises(SendFinal) as caught:
        await client.send(BUYER, TextMessage(text="Your parcel arrived"))

    error = caught.value
    assert (error.code, error.subcode, error.reason) == (10, 2534022, "window_closed")
    assert (error.http_status, error.scope) == (403, "recipient")
    assert error.fbtrace_id
    assert fake.delivered == []


async def test_a_wrong_token_is_final_for_the_whole_account(fake, http) -> None:
    client = client_for(fake, http, token="IGAAT-some-other-token")

    with pytest.raises(SendFinal) as caught:
        await client.send(BUYER, TextMessage(text="hello"))

    assert (caught.value.code, caught.value.reason, caught.value.scope) == (
        190,
        "token_invalid",
        "account",
    )


async def test_a_scripted_token_error_is_final(fake, client) -> None:
    fake.inject(TOKEN_INVALID)
    with pytest.raises(SendFinal, match="token_invalid"):
        await client.send(BUYER, TextMessage(text="hello"))


async def test_throttling_is_retryable_after_the_wait_meta_asks_for(fake, client) -> None:
    fake.inject(Fault(**{**RATE_LIMITED.__dict__, "headers": {"Retry-After": "7"}}))

    with pytest.raises(SendRetryable) as caught:
        await client.send(BUYER, TextMessage(text="hello"))

    assert (caught.value.code, caught.value.subcode) == (613, 2534040)
    assert caught.value.retry_after == 7.0
    assert caught.value.scope == "account"


async def test_a_rate_limited_fake_answers_613_past_its_rate(aiohttp_server, http) -> None:
    fake = await start_graph_api(aiohttp_server, token=TOKEN, rate_limit=2)
    client = client_for(fake, http)
    await client.send(BUYER, TextMessage(text="one"))
    await client.send(BUYER, TextMessage(text="two"))

    with pytest.raises(SendRetryable, match="rate_limited"):
        await client.send(BUYER, TextMessage(text="three"))
    assert len(fake.delivered) == 2


async def test_a_temporary_error_is_retryable_then_the_send_succeeds(fake, client) -> None:
    fake.inject(TEMPORARY)

    with pytest.raises(SendRetryable, match="service_unavailable"):
        await client.send(BUYER, TextMessage(text="hello"))
    result = await client.send(BUYER, TextMessage(text="hello"))

    assert [d.message_id for d in fake.delivered] == [result.message_id]


async def test_a_gateway_error_without_json_is_retryable(fake, client) -> None:
    fake.inject(BAD_GATEWAY)

    with pytest.raises(SendRetryable) as caught:
        await client.send(BUYER, TextMessage(text="hello"))

    assert (caught.value.reason, caught.value.http_status, caught.value.code) == (
        "server_error",
        502,
        None,
    )


async def test_invalid_json_reply_is_ambiguous_and_the_message_did_go_out(fake, client) -> None:
    fake.inject(INVALID_JSON_REPLY)

    with pytest.raises(SendAmbiguous) as caught:
        await client.send(BUYER, TextMessage(text="Your parcel arrived"))

    assert (caught.value.code, caught.value.subcode) == (1, 1357046)
    assert [d.text for d in fake.delivered] == ["Your parcel arrived"]


async def test_a_timeout_after_sending_is_ambiguous(fake) -> None:
    fake.delay_next(1.0)
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=0.2)) as impatient:
        with pytest.raises(SendAmbiguous, match="timeout"):
            await client_for(fake, impatient).send(BUYER, TextMessage(text="hello"))
    assert len(fake.delivered) == 1


async def test_a_connection_dropped_before_the_answer_is_ambiguous(fake, client) -> None:
    fake.disconnect_next(deliver=True)

    with pytest.raises(SendAmbiguous, match="connection_lost"):
        await client.send(BUYER, TextMessage(text="hello"))
    assert len(fake.delivered) == 1


async def test_a_success_without_a_message_id_is_ambiguous(fake, client) -> None:
    fake.inject(Fault(status=200, body=b'{"recipient_id": "7100000000000001"}', deliver=True))

    with pytest.raises(SendAmbiguous, match="malformed_success"):
        await client.send(BUYER, TextMessage(text="hello"))


async def test_an_unreachable_graph_api_is_retryable(http, unused_tcp_port) -> None:
    client = SendApiClient(
        http,
        graph_url=f"http://127.0.0.1:{unused_tcp_port}",
        version="v25.0",
        account_id="me",
        access_token=SecretStr(TOKEN),
    )
    with pytest.raises(SendRetryable, match="unreachable"):
        await client.send(BUYER, TextMessage(text="hello"))


async def test_a_failed_sender_action_raises_like_a_send(fake, client) -> None:
    fake.inject(WINDOW_CLOSED, sender_actions=True)
    with pytest.raises(SendFinal, match="window_closed"):
        await client.sender_action(BUYER, "typing_on")


# -- the token never leaks ---------------------------------------------------------------------

FAILURES = {
    "window_closed": lambda fake: fake.inject(WINDOW_CLOSED),
    "token_invalid": lambda fake: fake.inject(TOKEN_INVALID),
    "throttled": lambda fake: fake.inject(RATE_LIMITED),
    "bad_gateway": lambda fake: fake.inject(BAD_GATEWAY),
    "ambiguous": lambda fake: fake.inject(INVALID_JSON_REPLY),
    "dropped": lambda fake: fake.disconnect_next(),
    "meta_quotes_the_token": lambda fake: fake.inject(
        Fault.graph_error(190, message=f"Malformed access token {TOKEN}")
    ),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
async def test_the_token_is_in_no_error_text_traceback_or_log(fake, client, caplog, failure):
    FAILURES[failure](fake)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(SendError) as caught:
        await client.send(BUYER, TextMessage(text="hello"))

    printed = "".join(traceback.format_exception(caught.value))
    assert TOKEN not in printed
    assert TOKEN not in repr(caught.value)
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(client)
    assert caplog.records, "the failure was logged"


async def test_a_client_shows_no_token_in_its_repr(client) -> None:
    assert TOKEN not in repr(client)
    assert TOKEN not in str(vars(client))


# -- reading back what was sent ----------------------------------------------------------------


async def test_recent_messages_lists_the_business_messages_oldest_first(fake, client) -> None:
    start = datetime.now(UTC) - timedelta(minutes=5)
    fake.add_message(BUYER, "Where is my order #10234?", from_business=False, at=start)
    earlier = fake.add_message(BUYER, "Let me check.", from_business=True, at=start)
    first = await client.send(BUYER, TextMessage(text="It left Shenzhen."))
    second = await client.send(BUYER, TextMessage(text="It arrives Friday."))
    fake.add_message(OTHER_BUYER, "Not this conversation", from_business=True)

    found = await client.recent_messages(BUYER)

    assert [(m.message_id, m.text) for m in found] == [
        (earlier, "Let me check."),
        (first.message_id, "It left Shenzhen."),
        (second.message_id, "It arrives Friday."),
    ]
    assert all(isinstance(m, SentMessage) and m.created_at.tzinfo for m in found)


async def test_recent_messages_settles_an_ambiguous_send(fake, client) -> None:
    fake.inject(INVALID_JSON_REPLY)
    attempted_at = datetime.now(UTC)
    with pytest.raises(SendAmbiguous):
        await client.send(BUYER, TextMessage(text="Your parcel arrived"))

    found = await client.recent_messages(BUYER, since=attempted_at - timedelta(seconds=30))

    assert [m.text for m in found] == ["Your parcel arrived"]
    assert found[0].message_id == fake.delivered[0].message_id


async def test_recent_messages_since_drops_older_messages(fake, client) -> None:
    now = datetime.now(UTC)
    fake.add_message(BUYER, "old", from_business=True, at=now - timedelta(hours=2))
    fake.add_message(BUYER, "new", from_business=True, at=now - timedelta(seconds=1))

    found = await client.recent_messages(BUYER, since=now - timedelta(minutes=1))

    assert [m.text for m in found] == ["new"]


async def test_recent_messages_compares_since_at_whole_seconds(fake, client) -> None:
    sent_at = datetime(2026, 3, 1, 10, 0, 0, 100_000, tzinfo=UTC)
    fake.add_message(BUYER, "sent", from_business=True, at=sent_at)

    found = await client.recent_messages(BUYER, since=sent_at + timedelta(microseconds=500_000))

    assert [m.text for m in found] == ["sent"]


async def test_recent_messages_of_a_buyer_without_a_conversation_is_empty(fake, client) -> None:
    assert await client.recent_messages(BUYER) == []


async def test_recent_messages_uses_the_documented_conversation_calls(fake, client) -> None:
    fake.add_message(BUYER, "hi", from_business=True)
    await client.recent_messages(BUYER)

    listing, detail = fake.requests
    assert listing.path == f"/v25.0/{fake.account_id}/conversations"
    assert listing.query == {"platform": "instagram", "user_id": BUYER}
    assert detail.query == {"fields": "messages{id,created_time,from,to,message}"}
    assert detail.header("Authorization") == f"Bearer {TOKEN}"


async def test_a_throttled_lookup_is_retryable(fake, client) -> None:
    fake.inject(Fault.graph_error(613), endpoint="read")
    with pytest.raises(SendRetryable, match="rate_limited"):
        await client.recent_messages(BUYER)


async def test_a_timed_out_lookup_is_retryable_not_ambiguous(fake) -> None:
    fake.inject(Fault(status=200, delay=1.0), endpoint="read")
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=0.2)) as impatient:
        with pytest.raises(SendRetryable, match="timeout"):
            await client_for(fake, impatient).recent_messages(BUYER)


async def test_a_garbled_lookup_answer_is_retryable(fake, client) -> None:
    fake.inject(Fault(status=200, body=b'{"data": "nope"}'), endpoint="read")
    with pytest.raises(SendRetryable, match="malformed_response"):
        await client.recent_messages(BUYER)
