"""A webhook in, the reply out, in both API flavours: the fake Graph API answering as
graph.instagram.com (Instagram User token, `/{ig-id}/messages`) and as graph.facebook.com (Page
token, `me/messages`, an app that requires `appsecret_proof`). A real app on loopback, the
account stored sealed with WISMO_SECRET_KEY."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from bot.accounts import REFRESH, AccountStore, Flavour, SecretBox, TokenKind, new_key
from bot.instagram.messages import text_messages
from bot.pipeline.dialogue_port import Reply, Turn
from conversations.models import Conversation
from tests.bot.harness import ACCOUNT, APP_SECRET, Clock, new_mid, now_ms, running_wismo
from tests.fakes.graph_api import DEFAULT_TOKEN, FakeGraphApi

KEY = new_key()
BUYER = "7100000000000001"


class Repeating:
    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        return Reply(messages=text_messages(f"re: {turn.text}"))


def fresh_fake() -> FakeGraphApi:
    """The fake with its token issued just now, so the token job leaves it alone."""
    fake = FakeGraphApi(account_id=ACCOUNT, app_secret=APP_SECRET)
    state = fake.tokens[fake.token]
    state.issued_at = fake.clock()
    state.expires_at = state.issued_at + timedelta(days=60)
    return fake


def webhook(body: str) -> dict[str, Any]:
    item = {
        "sender": {"id": BUYER},
        "recipient": {"id": ACCOUNT},
        "timestamp": now_ms(),
        "message": {"mid": new_mid(), "text": body},
    }
    return {
        "object": "instagram",
        "entry": [{"id": ACCOUNT, "time": now_ms(), "messaging": [item]}],
    }


async def as_page_account(wismo: Any, clock: Clock) -> None:
    """What `wismo meta connect --graph-url https://graph.facebook.com` stores: the account
    reached through Facebook Login with a Page token (the fake's host is a loopback address, so
    the flavour is given rather than read from the host)."""
    wismo.fake.use_flavour("facebook_login")
    wismo.fake.require_appsecret_proof = True
    await AccountStore(wismo.sessions, SecretBox(SecretStr(KEY)), clock=clock).connect(
        ACCOUNT,
        token=SecretStr(DEFAULT_TOKEN),
        graph_url=wismo.fake.url,
        token_kind=TokenKind.PAGE,
        flavour=Flavour.FACEBOOK_LOGIN,
    )
    clock.offset += REFRESH


@pytest.mark.parametrize("flavour", ["instagram_login", "facebook_login"])
async def test_a_buyer_is_answered_as_each_graph_host_expects(
    aiohttp_server, database_url, flavour
):
    clock = Clock()
    async with running_wismo(
        aiohttp_server,
        database_url,
        responder=Repeating(),
        clock=clock,
        echoes=False,
        fake=fresh_fake(),
        WISMO_SECRET_KEY=KEY,
    ) as wismo:
        if flavour == "facebook_login":
            await as_page_account(wismo, clock)

        response = await wismo.post(webhook("where is my parcel?"))
        assert response.status_code == 200
        await wismo.wait_settled()

        (send,) = wismo.fake.sends
        assert send.body["message"]["text"] == "re: where is my parcel?"
        assert send.status == 200
        assert send.header("Authorization") == f"Bearer {DEFAULT_TOKEN}"
        if flavour == "instagram_login":
            assert send.path == f"/v25.0/{ACCOUNT}/messages"
            assert "appsecret_proof" not in send.query
        else:
            proof = hmac.new(APP_SECRET.encode(), DEFAULT_TOKEN.encode(), hashlib.sha256)
            assert send.path == "/v25.0/me/messages"
            assert send.query["appsecret_proof"] == proof.hexdigest()
