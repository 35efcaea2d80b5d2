"""An account that cannot send (token invalid, blocked) pauses only its own sends: its replies are
held with the reason, logged once and shown on /healthz and /metrics; a new token or a probe
that goes through sends each held reply once, in order, those whose window closed meanwhile
dropped (a person's reply may still go as HUMAN_AGENT). A real app on loopback, the fake Graph
API, a controllable clock."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any

from pydantic import SecretStr

from bot.accounts import AccountStatus, AccountStore, SecretBox, TokenKind, new_key
from bot.instagram.messages import TextMessage, text_messages
from bot.pipeline.dialogue_port import Reply, Turn
from bot.pipeline.outbox import Outbox, Purpose
from bot.pipeline.sender import PROBE_EVERY
from conversations.models import Author, Conversation, Delivery, Direction, MessageKind
from conversations.store import ConversationStore
from tests.bot.harness import (
    ACCOUNT,
    FAST,
    Clock,
    entry,
    new_mid,
    running_wismo,
    wait_until,
    webhook,
)

KEY = new_key()
SECOND = "17841400000000002"
STALE_TOKEN = "fake-expired-token-of-the-second-account"  # a test credential Meta refuses (190)
NEW_TOKEN = "fake-new-token-of-the-second-account"  # a test credential
BUYER_A, BUYER_B, BUYER_C = "7100000000000001", "7100000000000002", "7100000000000003"
METRICS_TOKEN = "metrics-token"  # a test credential


class Repeating:
    async def respond(self, turn: Turn, conversation: Conversation) -> Reply:
        return Reply(messages=text_messages(f"re: {turn.text}"))


def store(wismo: Any) -> AccountStore:
    return AccountStore(wismo.sessions, SecretBox(SecretStr(KEY)), clock=Clock())


async def connect(wismo: Any, account_id: str, token: str) -> None:
    """What `wismo meta connect` does from another process: store the account's token."""
    await store(wismo).connect(
        account_id,
        token=SecretStr(token),
        graph_url=wismo.fake.url,
        token_kind=TokenKind.LONG_LIVED,
    )


async def states(wismo: Any, account_id: str) -> list[tuple[str, str | None]]:
    return [(row.state, row.reason) for row in await wismo.outbox() if row.account_id == account_id]


def sends_with(wismo: Any, token: str) -> list[str]:
    return [
        request.body["message"]["text"]
        for request in wismo.fake.sends
        if request.header("Authorization") == f"Bearer {token}"
    ]


def pause_logs(caplog: Any) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "bot.pipeline.sender" and "paused" in record.getMessage()
    ]


async def test_an_invalid_token_holds_only_its_accounts_replies_until_a_new_token_sends_each_once(
    aiohttp_server, database_url, caplog
):
    caplog.set_level(logging.INFO, logger="bot.pipeline.sender")
    async with running_wismo(
        aiohttp_server, database_url, responder=Repeating(), echoes=False, WISMO_SECRET_KEY=KEY
    ) as wismo:
        await connect(wismo, SECOND, STALE_TOKEN)  # the fake knows no such token: 190

        # Two replies at once, maybe both in flight when the token is refused: one pause.
        await wismo.post(webhook(entry(SECOND, BUYER_B, "one"), entry(SECOND, BUYER_C, "three")))
        await wait_until(
            lambda: _all(wismo, SECOND, [("held", "token_invalid"), ("held", "token_invalid")])
        )
        await wismo.post(webhook(entry(SECOND, BUYER_B, "two"), entry(ACCOUNT, BUYER_A, "hi")))
        await wismo.fake.wait_for_delivered(1)
        await wait_until(lambda: _all(wismo, SECOND, [("held", "token_invalid")] * 3))

        assert wismo.delivered_to(BUYER_A) == ["re: hi"]  # the other account is unaffected
        # Whichever met the dead token first paused the account; the other was held unsent.
        stale = sends_with(wismo, STALE_TOKEN)
        assert stale
        assert len(set(stale)) == len(stale)
        assert set(stale) <= {"re: one", "re: three"}
        assert len(pause_logs(caplog)) == 1
        paused = await store(wismo).get(SECOND)
        assert paused is not None
        assert (paused.status, paused.status_reason) == (AccountStatus.PAUSED, "token_invalid")
        assert paused.last_error is not None
        assert "190" in paused.last_error
        assert paused.last_error_at is not None
        transcript = await _transcript(wismo, SECOND, BUYER_B)
        assert [
            (m.status, m.status_reason) for m in transcript if m.direction is Direction.OUT
        ] == [
            (Delivery.HELD, "token_invalid"),
            (Delivery.HELD, "token_invalid"),
        ]

        wismo.fake.add_account(SECOND, NEW_TOKEN)
        await connect(wismo, SECOND, NEW_TOKEN)
        await wait_until(lambda: _all(wismo, SECOND, [("sent", None)] * 3))

        assert wismo.delivered_to(BUYER_B) == ["re: one", "re: two"]
        assert wismo.delivered_to(BUYER_C) == ["re: three"]
        assert sorted(sends_with(wismo, NEW_TOKEN)) == ["re: one", "re: three", "re: two"]
        assert await states(wismo, SECOND) == [("sent", None)] * 3
        resumed = await store(wismo).get(SECOND)
        assert resumed is not None
        assert resumed.status is AccountStatus.ACTIVE
        assert len(pause_logs(caplog)) == 1


async def test_replies_whose_window_closed_while_paused_are_dropped_but_a_persons_goes_tagged(
    aiohttp_server, database_url
):
    clock = Clock()
    async with running_wismo(
        aiohttp_server,
        database_url,
        responder=Repeating(),
        clock=clock,
        echoes=False,
        tuning=dataclasses.replace(FAST, probe_every=timedelta(days=30)),
        WISMO_SECRET_KEY=KEY,
    ) as wismo:
        await connect(wismo, SECOND, STALE_TOKEN)
        await wismo.post(webhook(entry(SECOND, BUYER_B, "where is it?")))
        await wait_until(lambda: _all(wismo, SECOND, [("held", "token_invalid")]))
        await _merchant_reply(wismo, SECOND, BUYER_B, "Hi, Anna here: it left today", clock)
        await wait_until(lambda: _all(wismo, SECOND, [("held", "token_invalid")] * 2))

        clock.offset += timedelta(hours=25)  # the buyer's 24 hours pass while the account waits
        wismo.fake.add_account(SECOND, NEW_TOKEN)
        await connect(wismo, SECOND, NEW_TOKEN)
        await wait_until(lambda: _all(wismo, SECOND, [("held", "window_closed"), ("sent", None)]))

        (delivered,) = [d for d in wismo.fake.delivered if d.recipient_id == BUYER_B]
        assert (delivered.text, delivered.tag) == ("Hi, Anna here: it left today", "HUMAN_AGENT")
        assert sends_with(wismo, NEW_TOKEN) == ["Hi, Anna here: it left today"]
        bot, person = [
            m for m in await _transcript(wismo, SECOND, BUYER_B) if m.direction is Direction.OUT
        ]
        assert (bot.status, bot.status_reason) == (Delivery.HELD, "window_closed")
        assert person.status is Delivery.SENT


async def test_without_stored_accounts_a_probe_resumes_a_blocked_account_and_health_shows_it(
    aiohttp_server, database_url, caplog
):
    caplog.set_level(logging.INFO, logger="bot.pipeline.sender")
    clock = Clock()
    async with running_wismo(
        aiohttp_server,
        database_url,
        responder=Repeating(),
        clock=clock,
        echoes=False,
        WISMO_METRICS_TOKEN=METRICS_TOKEN,
    ) as wismo:
        wismo.fake.fail_next(368, times=2)  # blocked for policy: the first send and first probe
        await wismo.say(BUYER_A, "first")
        await wait_until(lambda: _all(wismo, ACCOUNT, [("held", "policy_blocked")]))
        await wismo.say(BUYER_B, "second")
        await wait_until(lambda: _all(wismo, ACCOUNT, [("held", "policy_blocked")] * 2))

        health = (await wismo.http.get(wismo.url + "/healthz")).json()
        assert health["status"] == "degraded"
        assert [(p["account_id"], p["reason"], p["held"]) for p in health["paused_accounts"]] == [
            (ACCOUNT, "policy_blocked", 2)
        ]
        metrics = (
            await wismo.http.get(
                wismo.url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
            )
        ).text
        assert 'wismo_paused_accounts{reason="policy_blocked"} 1.0' in metrics
        assert 'wismo_outbox_held_for_account_messages{reason="policy_blocked"} 2.0' in metrics

        clock.offset += PROBE_EVERY

        async def probed() -> bool:  # one probe: still blocked
            return len(wismo.fake.sends) == 2

        await wait_until(probed)
        await wait_until(lambda: _all(wismo, ACCOUNT, [("held", "policy_blocked")] * 2))
        assert [r.body["message"]["text"] for r in wismo.fake.sends] == ["re: first"] * 2

        clock.offset += PROBE_EVERY
        await wait_until(lambda: _all(wismo, ACCOUNT, [("sent", None)] * 2))
        assert wismo.delivered_to(BUYER_A) == ["re: first"]
        assert wismo.delivered_to(BUYER_B) == ["re: second"]
        assert len(wismo.fake.sends) == 4
        assert len(pause_logs(caplog)) == 1
        health = (await wismo.http.get(wismo.url + "/healthz")).json()
        assert (health["status"], health["paused_accounts"]) == ("ok", [])


async def _all(wismo: Any, account_id: str, expected: list[tuple[str, str | None]]) -> bool:
    return await states(wismo, account_id) == expected


async def _transcript(wismo: Any, account_id: str, buyer: str) -> list[Any]:
    async with wismo.sessions() as session:
        conversations = ConversationStore(session)
        found = await conversations.find(account_id, buyer)
        assert found is not None
        return await conversations.transcript(found.id)


async def _merchant_reply(wismo: Any, account_id: str, buyer: str, body: str, clock: Clock) -> None:
    """What the console does for a person's reply: record it and enqueue it."""
    async with wismo.sessions() as session, session.begin():
        conversations = ConversationStore(session)
        found = await conversations.find(account_id, buyer)
        assert found is not None
        message = await conversations.add_message(
            found.id,
            direction=Direction.OUT,
            author=Author.MERCHANT,
            kind=MessageKind.TEXT,
            text=body,
            status=Delivery.QUEUED,
            created_at=clock(),
            recorded_at=clock(),
        )
        assert message is not None
        await Outbox(wismo.sessions, clock=clock).enqueue(
            session,
            idempotency_key=f"console:{new_mid()}",
            account_id=account_id,
            recipient_id=buyer,
            conversation_id=found.id,
            conversation_message_id=message.id,
            message=TextMessage(text=body),
            purpose=Purpose.MERCHANT,
            author=Author.MERCHANT,
        )
