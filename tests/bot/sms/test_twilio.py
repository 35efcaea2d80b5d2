"""The Twilio client against a fake Twilio on 127.0.0.1, and Twilio's webhook signature."""

from __future__ import annotations

import contextlib

import httpx
import pytest

from bot.sms.errors import ProviderRejected, ProviderUnavailable, RecipientRefused
from bot.sms.twilio import Twilio, signature
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, FakeTwilio, twilio_signature

BUYER = "+14155550123"
CALLBACK = "https://shop.example/sms/twilio/status"


@contextlib.asynccontextmanager
async def _twilio(aiohttp_server, **client_options):
    """A fake Twilio and a client of it (sending from FROM unless told otherwise)."""
    fake = FakeTwilio()
    server = await aiohttp_server(fake.app())
    options = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, **client_options}
    if "messaging_service_sid" not in options:
        options.setdefault("sender", FROM)
    async with httpx.AsyncClient(timeout=5.0) as http:
        yield fake, Twilio(http, base_url=str(server.make_url("")), **options)


@pytest.fixture
async def twilio(aiohttp_server):
    async with _twilio(aiohttp_server) as pair:
        yield pair


async def test_a_text_is_created_with_its_status_callback(twilio):
    fake, client = twilio
    accepted = await client.send(BUYER, "Your parcel is out for delivery", status_callback=CALLBACK)
    [sent] = fake.sent
    assert accepted.message_id == sent.sid
    assert accepted.message_id.startswith("SM")
    assert accepted.status == "queued"
    assert (sent.to, sent.sender, sent.status_callback) == (BUYER, FROM, CALLBACK)


async def test_a_messaging_service_sends_instead_of_a_from_number(aiohttp_server):
    async with _twilio(aiohttp_server, messaging_service_sid="MG" + "0" * 32) as (fake, client):
        accepted = await client.send(BUYER, "hello", status_callback=None)
    assert fake.sent[0].service == "MG" + "0" * 32
    assert fake.sent[0].sender is None
    assert accepted.segments is None  # a service picks the sender later: Twilio says 0


async def test_throttling_is_unavailable_with_its_retry_after(twilio):
    fake, client = twilio
    fake.fail_next(1, status=429, code=20429, retry_after="7")
    with pytest.raises(ProviderUnavailable) as raised:
        await client.send(BUYER, "hello", status_callback=None)
    assert (raised.value.status, raised.value.code, raised.value.retry_after) == (429, 20429, 7.0)


async def test_an_unsubscribed_recipient_is_refused_with_21610(twilio):
    fake, client = twilio
    fake.opted_out.add(BUYER)
    with pytest.raises(RecipientRefused) as raised:
        await client.send(BUYER, "hello", status_callback=None)
    assert raised.value.code == 21610


async def test_an_invalid_number_is_refused_with_21211(twilio):
    _, client = twilio
    with pytest.raises(RecipientRefused) as raised:
        await client.send("4155550123", "hello", status_callback=None)
    assert raised.value.code == 21211


async def test_wrong_credentials_are_our_problem_not_the_recipients(aiohttp_server):
    async with _twilio(aiohttp_server, auth_token="wrong") as (_, client):
        with pytest.raises(ProviderRejected) as raised:
            await client.send(BUYER, "hello", status_callback=None)
    assert (raised.value.status, raised.value.code) == (401, 20003)


async def test_an_unreachable_twilio_is_unavailable():
    async with httpx.AsyncClient(timeout=1.0) as http:
        client = Twilio(
            http,
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            sender=FROM,
            base_url="http://127.0.0.1:9",
        )
        with pytest.raises(ProviderUnavailable):
            await client.send(BUYER, "hello", status_callback=None)


def test_the_signature_matches_twilios_documented_example():
    # The example of Twilio's webhook-security page: URL with a query, five parameters.
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert signature(url, params, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert twilio_signature(url, params, "12345") == signature(url, params, "12345")


async def test_a_signature_is_checked_over_url_and_every_parameter(twilio):
    _, client = twilio
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    good = twilio_signature(CALLBACK, params, AUTH_TOKEN)
    assert client.signature_valid(CALLBACK, params, good)
    assert not client.signature_valid(CALLBACK, {**params, "MessageStatus": "failed"}, good)
    assert not client.signature_valid(CALLBACK + "?x=1", params, good)
    assert not client.signature_valid(CALLBACK, params, twilio_signature(CALLBACK, params, "x"))
    assert not client.signature_valid(CALLBACK, params, None)
    assert not client.signature_valid(CALLBACK, params, "")
