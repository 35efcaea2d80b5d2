"""The fake Graph API behaves like Meta where our tests rely on it: validation, echoes, faults."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import signal
import sys
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.fakes.graph_api import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_TOKEN,
    WINDOW_CLOSED,
    FakeGraphApi,
    running_graph_api,
    sign,
    start_graph_api,
)

BUYER = "7100000000000001"
SECRET = "example-app-secret-do-not-use"
AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
# An echo webhook in Meta's documented shape (docs/instagram.md, Delivery semantics).
ECHO_FIXTURE = Path(__file__).resolve().parent / "data" / "echo.json"


class WebhookReceiver:
    """A stand-in for wismo's webhook: records what arrives, answers a scripted status."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.statuses: list[int] = []
        self.arrived = asyncio.Event()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.read(), dict(request.headers)))
        self.arrived.set()
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    def bodies(self) -> list[dict]:
        return [json.loads(raw) for raw, _ in self.received]


@pytest.fixture
async def receiver(aiohttp_server) -> WebhookReceiver:
    receiver = WebhookReceiver()
    app = web.Application()
    app.router.add_post("/webhooks/instagram", receiver.handle)
    server = await aiohttp_server(app)
    receiver.url = str(server.make_url("/webhooks/instagram"))
    return receiver


@pytest.fixture
async def fake(aiohttp_server) -> FakeGraphApi:
    return await start_graph_api(aiohttp_server)


@pytest.fixture
async def http():
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


def text_body(text="Your parcel is out for delivery.", **extra):
    return {
        "recipient": {"id": BUYER},
        "messaging_type": "RESPONSE",
        "message": {"text": text},
        **extra,
    }


async def post(http, fake, body, *, headers=AUTH, path=None):
    url = fake.url + (path or f"/{fake.version}/{fake.account_id}/messages")
    return await http.post(url, json=body, headers=headers)


# -- sends -------------------------------------------------------------------------------------


async def test_a_valid_send_is_answered_with_recipient_and_message_id(fake, http) -> None:
    response = await post(http, fake, text_body())

    assert response.status_code == 200
    answer = response.json()
    assert answer == {"recipient_id": BUYER, "message_id": fake.delivered[0].message_id}
    assert answer["message_id"].startswith("aWdf")


async def test_message_ids_are_unique(fake, http) -> None:
    for _ in range(5):
        await post(http, fake, text_body())
    assert len({d.message_id for d in fake.delivered}) == 5


async def test_every_request_is_recorded_with_body_headers_time_and_answer(fake, http) -> None:
    await post(http, fake, text_body("hello"))

    [recorded] = fake.requests
    assert recorded.body == text_body("hello")
    assert recorded.header("authorization") == AUTH["Authorization"]
    assert recorded.received_at.tzinfo is not None
    assert recorded.status == 200
    assert fake.sends == [recorded]


async def test_a_sender_action_is_answered_with_the_recipient_only(fake, http) -> None:
    response = await post(http, fake, {"recipient": {"id": BUYER}, "sender_action": "typing_on"})

    assert response.json() == {"recipient_id": BUYER}
    assert fake.delivered == []
    assert len(fake.sender_actions) == 1


INVALID_BODIES = {
    "no recipient": {"message": {"text": "hi"}},
    "empty recipient": {"recipient": {"id": ""}, "message": {"text": "hi"}},
    "neither message nor action": {"recipient": {"id": BUYER}},
    "action with message": {
        "recipient": {"id": BUYER},
        "sender_action": "typing_on",
        "message": {"text": "hi"},
    },
    "action with messaging_type": {
        "recipient": {"id": BUYER},
        "sender_action": "mark_seen",
        "messaging_type": "RESPONSE",
    },
    "unknown action": {"recipient": {"id": BUYER}, "sender_action": "dance"},
    "text over 1000 bytes": text_body("包" * 334),
    "blank text": text_body("   "),
    "text and attachment": {
        "recipient": {"id": BUYER},
        "message": {
            "text": "hi",
            "attachment": {"type": "image", "payload": {"url": "https://a.example/x.png"}},
        },
    },
    "unknown messaging_type": text_body(messaging_type="PROMOTION"),
    "a tag other than HUMAN_AGENT": text_body(messaging_type="MESSAGE_TAG", tag="ACCOUNT_UPDATE"),
    "MESSAGE_TAG without a tag": text_body(messaging_type="MESSAGE_TAG"),
    "a tag on a RESPONSE": text_body(tag="HUMAN_AGENT"),
    "14 quick replies": {
        "recipient": {"id": BUYER},
        "message": {
            "text": "Pick",
            "quick_replies": [
                {"content_type": "text", "title": f"o{n}", "payload": f"P{n}"} for n in range(14)
            ],
        },
    },
    "a 21-character quick-reply title": {
        "recipient": {"id": BUYER},
        "message": {
            "text": "Pick",
            "quick_replies": [{"content_type": "text", "title": "x" * 21, "payload": "P"}],
        },
    },
    "a 1001-character payload": {
        "recipient": {"id": BUYER},
        "message": {
            "text": "Pick",
            "quick_replies": [{"content_type": "text", "title": "x", "payload": "P" * 1001}],
        },
    },
    "11 generic elements": {
        "recipient": {"id": BUYER},
        "message": {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "generic",
                    "elements": [{"title": "t", "subtitle": "s"}] * 11,
                },
            }
        },
    },
    "an element with only a title": {
        "recipient": {"id": BUYER},
        "message": {
            "attachment": {
                "type": "template",
                "payload": {"template_type": "generic", "elements": [{"title": "t"}]},
            }
        },
    },
    "4 buttons": {
        "recipient": {"id": BUYER},
        "message": {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": "Held by customs",
                    "buttons": [{"type": "postback", "title": "b", "payload": "B"}] * 4,
                },
            }
        },
    },
    "a call button": {
        "recipient": {"id": BUYER},
        "message": {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": "Call us",
                    "buttons": [{"type": "phone_number", "title": "Call", "payload": "+1555"}],
                },
            }
        },
    },
    "a relative image url": {
        "recipient": {"id": BUYER},
        "message": {"attachment": {"type": "image", "payload": {"url": "/img/label.png"}}},
    },
}


@pytest.mark.parametrize("case", sorted(INVALID_BODIES))
async def test_a_malformed_send_is_refused_like_meta_does(fake, http, case) -> None:
    response = await post(http, fake, INVALID_BODIES[case])

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100
    assert error["message"].startswith("(#100)")
    assert error["fbtrace_id"]
    assert fake.delivered == []


async def test_a_body_that_is_not_json_is_refused(fake, http) -> None:
    response = await http.post(
        f"{fake.url}/{fake.version}/me/messages", content=b"recipient=1", headers=AUTH
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100


async def test_a_buyer_the_account_does_not_know_gives_2534014(aiohttp_server, http) -> None:
    fake = await start_graph_api(aiohttp_server, known_recipients={"7100000000000009"})
    response = await post(http, fake, text_body())
    error = response.json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 2534014)


# -- authentication and paths ------------------------------------------------------------------


async def test_a_missing_token_is_refused(fake, http) -> None:
    response = await post(http, fake, text_body(), headers={})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 2500


async def test_a_wrong_token_is_refused_with_190(fake, http) -> None:
    response = await post(http, fake, text_body(), headers={"Authorization": "Bearer nope"})
    error = response.json()["error"]
    assert (error["code"], error["type"]) == (190, "OAuthException")


async def test_a_token_in_the_query_is_accepted_as_graph_does(fake, http) -> None:
    url = f"{fake.url}/{fake.version}/me/messages"
    response = await http.post(url, params={"access_token": DEFAULT_TOKEN}, json=text_body())
    assert response.status_code == 200


async def test_another_account_or_version_is_refused(fake, http) -> None:
    other_account = await post(http, fake, text_body(), path=f"/{fake.version}/1784/messages")
    other_version = await post(http, fake, text_body(), path="/v19.0/me/messages")
    assert other_account.json()["error"]["code"] == 100
    assert other_version.status_code == 400
    assert fake.delivered == []


# -- scripted faults ---------------------------------------------------------------------------


async def test_fail_next_refuses_that_many_sends_then_recovers(fake, http) -> None:
    fake.fail_next(2, status=500, times=2)

    statuses = [(await post(http, fake, text_body())).status_code for _ in range(3)]

    assert statuses == [500, 500, 200]
    assert len(fake.delivered) == 1
    assert [r.status for r in fake.requests] == [500, 500, 200]


async def test_a_fault_can_target_one_buyer(fake, http) -> None:
    fake.inject(WINDOW_CLOSED, recipient_id="7100000000000002")

    first = await post(http, fake, text_body())
    second = await post(http, fake, {**text_body(), "recipient": {"id": "7100000000000002"}})

    assert (first.status_code, second.status_code) == (200, 403)
    assert second.json()["error"]["error_subcode"] == 2534022


async def test_sender_actions_do_not_use_up_faults_meant_for_sends(fake, http) -> None:
    fake.fail_next(2, status=500)

    action = await post(http, fake, {"recipient": {"id": BUYER}, "sender_action": "mark_seen"})
    send = await post(http, fake, text_body())

    assert (action.status_code, send.status_code) == (200, 500)


async def test_faults_carry_headers(fake, http) -> None:
    fake.fail_next(4, headers={"Retry-After": "12"})
    response = await post(http, fake, text_body())
    assert response.headers["Retry-After"] == "12"


async def test_a_deliver_then_fail_fault_delivers_and_answers_the_error(fake, http) -> None:
    fake.deliver_then_fail_next()

    response = await post(http, fake, text_body("hello"))

    assert response.status_code == 500
    error = response.json()["error"]
    assert (error["code"], error["error_subcode"]) == (1, 1357046)
    assert [d.text for d in fake.delivered] == ["hello"]


async def test_a_dropped_connection_is_recorded_without_an_answer(fake, http) -> None:
    fake.disconnect_next(deliver=False)

    with pytest.raises(httpx.RemoteProtocolError):
        await post(http, fake, text_body())

    await fake.wait_for_requests(1, timeout=5)
    assert fake.requests[0].status is None
    assert fake.requests[0].dropped
    assert fake.delivered == []


async def test_waiting_for_what_never_happens_times_out(fake) -> None:
    with pytest.raises(TimeoutError):
        await fake.wait_for_delivered(1, timeout=0.1)


# -- echo webhooks -----------------------------------------------------------------------------


async def test_each_delivered_message_is_echoed_signed_like_meta(fake, http, receiver) -> None:
    fake.deliver_echoes(receiver.url, SECRET)

    answer = (await post(http, fake, text_body("Votre colis est arrivé 📦"))).json()
    await fake.drain_echoes()

    [(raw, headers)] = receiver.received
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == expected == sign(raw, SECRET)
    assert headers["User-Agent"] == "facebookexternalua"
    # Non-ASCII travels escaped, as on Meta's wire.
    assert b"\\u00e9" in raw
    assert "é".encode() not in raw
    [entry] = json.loads(raw)["entry"]
    [event] = entry["messaging"]
    assert entry["id"] == DEFAULT_ACCOUNT_ID
    assert event["sender"] == {"id": DEFAULT_ACCOUNT_ID}
    assert event["recipient"] == {"id": BUYER}
    assert event["message"] == {
        "mid": answer["message_id"],
        "text": "Votre colis est arrivé 📦",
        "is_echo": True,
    }
    assert [echo.status for echo in fake.echoes] == [200]


async def test_the_echo_has_the_shape_of_the_reference_fixture(fake, http, receiver) -> None:
    fixture = json.loads(ECHO_FIXTURE.read_text())["body"]
    fake.deliver_echoes(receiver.url, SECRET)

    await post(http, fake, text_body())
    await fake.drain_echoes()

    [body] = receiver.bodies()
    assert body.keys() == fixture.keys()
    assert body["entry"][0].keys() == fixture["entry"][0].keys()
    event, reference = body["entry"][0]["messaging"][0], fixture["entry"][0]["messaging"][0]
    assert event.keys() == reference.keys()
    assert event["message"].keys() == reference["message"].keys()
    assert len(str(event["timestamp"])) == 13


async def test_a_template_is_echoed_as_an_attachment(fake, http, receiver) -> None:
    fake.deliver_echoes(receiver.url, SECRET)
    template = {
        "type": "template",
        "payload": {
            "template_type": "button",
            "text": "Held by customs",
            "buttons": [{"type": "postback", "title": "Talk to a person", "payload": "HANDOFF"}],
        },
    }
    await post(http, fake, {"recipient": {"id": BUYER}, "message": {"attachment": template}})
    await fake.drain_echoes()

    [body] = receiver.bodies()
    assert body["entry"][0]["messaging"][0]["message"]["attachments"] == [template]


async def test_the_echo_can_arrive_before_the_send_is_answered(fake, http, receiver) -> None:
    fake.deliver_echoes(receiver.url, SECRET, before_response=True)

    answer = (await post(http, fake, text_body())).json()

    [body] = receiver.bodies()  # already there when the answer comes back
    assert body["entry"][0]["messaging"][0]["message"]["mid"] == answer["message_id"]


async def test_the_ambiguous_fault_is_echoed_too(fake, http, receiver) -> None:
    fake.deliver_echoes(receiver.url, SECRET)
    fake.deliver_then_fail_next()

    await post(http, fake, text_body())
    await fake.drain_echoes()

    assert len(receiver.received) == 1


async def test_refused_sends_and_sender_actions_are_not_echoed(fake, http, receiver) -> None:
    fake.deliver_echoes(receiver.url, SECRET)
    fake.inject(WINDOW_CLOSED)

    await post(http, fake, text_body())
    await post(http, fake, {"recipient": {"id": BUYER}, "sender_action": "typing_on"})
    await fake.drain_echoes()

    assert receiver.received == []


async def test_a_refused_echo_is_delivered_again(fake, http, receiver) -> None:
    fake.deliver_echoes(receiver.url, SECRET)
    receiver.statuses = [500, 503]

    await post(http, fake, text_body())
    await fake.drain_echoes()

    assert [echo.status for echo in fake.echoes] == [500, 503, 200]
    assert len({raw for raw, _ in receiver.received}) == 1


async def test_an_unreachable_webhook_is_recorded_not_raised(fake, http, unused_tcp_port) -> None:
    fake.deliver_echoes(f"http://127.0.0.1:{unused_tcp_port}/webhooks/instagram", SECRET)

    response = await post(http, fake, text_body())
    await fake.drain_echoes()

    assert response.status_code == 200
    assert [echo.status for echo in fake.echoes] == [None] * fake.echo_attempts
    assert all(echo.error for echo in fake.echoes)


async def test_a_person_replying_in_the_instagram_app_is_echoed(fake, receiver) -> None:
    fake.deliver_echoes(receiver.url, SECRET)

    mid = await fake.human_reply(BUYER, "Hi, Anna here. Let me check.")
    await fake.drain_echoes()

    [body] = receiver.bodies()
    message = body["entry"][0]["messaging"][0]["message"]
    assert message == {"mid": mid, "text": "Hi, Anna here. Let me check.", "is_echo": True}
    assert fake.delivered == []


# -- the Conversations API ---------------------------------------------------------------------


async def test_conversations_are_listed_and_filtered_by_buyer(fake, http) -> None:
    fake.add_message(BUYER, "hi", from_business=False)
    fake.add_message("7100000000000002", "hello", from_business=False)
    url = f"{fake.url}/{fake.version}/me/conversations"

    every = (await http.get(url, params={"platform": "instagram"}, headers=AUTH)).json()
    one = (await http.get(url, params={"user_id": BUYER}, headers=AUTH)).json()

    assert len(every["data"]) == 2
    assert len(one["data"]) == 1
    assert set(one["data"][0]) == {"id", "updated_time"}


async def test_a_conversation_lists_its_newest_20_messages_first(fake, http) -> None:
    mids = [fake.add_message(BUYER, f"m{n}", from_business=n % 2 == 0) for n in range(25)]
    url = f"{fake.url}/{fake.version}/me/conversations"
    conversation = (await http.get(url, params={"user_id": BUYER}, headers=AUTH)).json()["data"][0]

    detail = (
        await http.get(
            f"{fake.url}/{fake.version}/{conversation['id']}",
            params={"fields": "messages{id,created_time,from,to,message}"},
            headers=AUTH,
        )
    ).json()

    data = detail["messages"]["data"]
    assert [m["id"] for m in data] == mids[::-1][:20]
    assert data[0]["message"] == "m24"
    assert data[0]["from"] == {"username": "fake_shop", "id": DEFAULT_ACCOUNT_ID}
    assert data[0]["to"] == {"data": [{"username": f"buyer_{BUYER}", "id": BUYER}]}
    assert data[0]["created_time"].endswith("+0000")


async def test_a_message_is_read_by_its_mid(fake, http) -> None:
    mid = fake.add_message(BUYER, "Where is my order?", from_business=False)

    message = (
        await http.get(
            f"{fake.url}/{fake.version}/{mid}",
            params={"fields": "id,created_time,from,to,message"},
            headers=AUTH,
        )
    ).json()

    assert message["message"] == "Where is my order?"
    assert message["from"]["id"] == BUYER


async def test_an_unknown_node_is_a_graph_error(fake, http) -> None:
    response = await http.get(f"{fake.url}/{fake.version}/nothing", headers=AUTH)
    error = response.json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 33)


# -- other ways to run it ----------------------------------------------------------------------


async def test_running_graph_api_serves_on_a_free_loopback_port(http) -> None:
    async with running_graph_api(token="t") as fake:
        assert fake.url.startswith("http://127.0.0.1:")
        response = await post(http, fake, text_body(), headers={"Authorization": "Bearer t"})
        assert response.status_code == 200


@pytest.mark.slow
async def test_it_runs_as_a_process_scripted_over_http(tmp_path, http, receiver) -> None:
    record = tmp_path / "requests.jsonl"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.graph_api",
        "--port",
        "0",
        "--record",
        str(record),
        "--webhook-url",
        receiver.url,
        "--app-secret",
        SECRET,
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=20)
        url = line.decode().strip()
        assert url.startswith("http://127.0.0.1:")
        messages = f"{url}/v25.0/me/messages"

        await http.post(f"{url}/_fake/faults", json={"code": 10, "subcode": 2534022, "status": 403})
        refused = await http.post(messages, json=text_body(), headers=AUTH)
        accepted = await http.post(messages, json=text_body("hello"), headers=AUTH)

        assert refused.status_code == 403
        assert accepted.status_code == 200
        delivered = (await http.get(f"{url}/_fake/delivered")).json()
        assert [d["message"]["text"] for d in delivered] == ["hello"]
        lines = [json.loads(line) for line in record.read_text().splitlines()]
        assert [entry["status"] for entry in lines] == [403, 200]
        assert lines[1]["body"] == text_body("hello")
        await asyncio.wait_for(receiver.arrived.wait(), timeout=10)
        assert receiver.bodies()[0]["entry"][0]["messaging"][0]["message"]["text"] == "hello"
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=20) == 0
