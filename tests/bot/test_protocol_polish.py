"""Webhook deliveries that are not questions, over real HTTP with the workers running.

Signed bodies wismo does not handle are acknowledged and kept, never refused; a story mention
is thanked at most, never asked for a number; a reaction is never answered; Meta's policy
enforcement reaches the merchant's console and /metrics.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.pipeline.tables import InboxEvent
from conversations.models import MessageKind
from tests.bot.harness import (
    ACCOUNT,
    WEBHOOK,
    encode,
    envelope,
    item,
    new_mid,
    now_ms,
    running_wismo,
)
from tests.console.harness import METRICS_TOKEN, add_user, console_wismo, merchant

BUYER = "7100000000000002"
STORY_MENTION = json.loads(
    (Path(__file__).parent / "data" / "instagram" / "story_mention.json").read_text()
)["body"]["entry"][0]["messaging"][0]["message"]["attachments"]
BLOCK_REASON = "The bot violated our Platform Policies. Common violations include spam."


def story_mention(igsid: str = BUYER) -> dict:
    return item(igsid, {"mid": new_mid(), "attachments": STORY_MENTION})


def policy_enforcement(action: str, reason: str | None = None) -> dict:
    enforcement = {"action": action} | ({"reason": reason} if reason else {})
    return {
        "recipient": {"id": ACCOUNT},
        "timestamp": now_ms(),
        "policy_enforcement": enforcement,
    }


async def inbox(wismo) -> list[InboxEvent]:
    async with wismo.sessions() as session:
        return list(await session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


async def metrics(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with httpx.AsyncClient(base_url=url) as client:
        response = await client.get(
            "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


# -- signed bodies wismo does not handle ----------------------------------------------------


async def test_a_signed_page_webhook_is_acknowledged_kept_once_and_never_answered(
    aiohttp_server, database_url
):
    page_body = {"object": "page", "entry": [{"id": "1", "time": 1, "messaging": []}]}
    async with running_wismo(aiohttp_server, database_url) as wismo:
        assert (await wismo.post(page_body)).status_code == 200
        assert (await wismo.post(page_body)).status_code == 200  # Meta's retry: stored once
        assert (await wismo.post(b"\x00not json at all")).status_code == 200
        await wismo.wait_settled()

        page, garbage = await inbox(wismo)
        assert (page.kind, page.outcome, page.payload["object"]) == ("ignored", "ignored", "page")
        assert page.payload["body"] == page_body
        assert (garbage.kind, garbage.payload["reason"]) == ("ignored", "body is not valid JSON")
        assert wismo.fake.requests == []  # nothing was sent to anyone


async def test_an_unhandled_entry_is_kept_and_the_rest_of_the_body_is_answered(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url) as wismo:
        body = envelope(item(BUYER, {"mid": new_mid(), "text": "hi"}))
        body["entry"].insert(0, {"time": now_ms(), "messaging": []})  # no id
        body["entry"].append({"id": ACCOUNT, "time": now_ms(), "surprise": {}})
        assert (await wismo.post(body)).status_code == 200
        await wismo.fake.wait_for_delivered(1)
        await wismo.fake.drain_echoes()
        await wismo.wait_settled()

        kinds = sorted(event.kind for event in await inbox(wismo))
        assert kinds == ["echo", "message", "unknown", "unknown"]


async def test_an_unsigned_or_wrongly_signed_page_webhook_is_still_forbidden(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, workers=False) as wismo:
        raw = encode({"object": "page", "entry": [{"id": "1", "messaging": []}]})
        for headers in (
            {"Content-Type": "application/json"},
            {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        ):
            response = await wismo.http.post(wismo.url + WEBHOOK, content=raw, headers=headers)
            assert response.status_code == 403
        assert await inbox(wismo) == []


# -- story mentions and reactions -----------------------------------------------------------


async def test_a_story_mention_is_thanked_and_not_asked_for_a_number(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, dialogue=True) as wismo:
        assert (await wismo.post(envelope(story_mention()))).status_code == 200
        (thanks,) = await wismo.fake.wait_for_delivered(1)
        await wismo.fake.drain_echoes()
        await wismo.wait_settled()

        assert thanks.text == (
            "Thank you for mentioning us in your story! (Test Shop's automated assistant)"
        )
        assert "number" not in thanks.text
        assert "quick_replies" not in thanks.message
        mention, _ = await wismo.transcript(BUYER)
        assert mention.kind is MessageKind.ATTACHMENT


async def test_with_story_mention_reply_none_a_story_mention_gets_no_reply(
    aiohttp_server, database_url
):
    async with running_wismo(
        aiohttp_server, database_url, dialogue=True, WISMO_STORY_MENTION_REPLY="none"
    ) as wismo:
        assert (await wismo.post(envelope(story_mention()))).status_code == 200
        await wismo.wait_settled()

        assert wismo.fake.delivered == []
        (mention,) = await wismo.transcript(BUYER)  # recorded for the merchant all the same
        assert mention.kind is MessageKind.ATTACHMENT


async def test_a_reaction_gets_no_reply(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, dialogue=True) as wismo:
        await wismo.say(BUYER, "hi")
        (greeting,) = await wismo.fake.wait_for_delivered(1)
        await wismo.fake.drain_echoes()
        await wismo.wait_settled()
        reaction = {"mid": greeting.message_id, "action": "react", "reaction": "love"}
        reaction["emoji"] = "\u2764\ufe0f"
        assert (
            await wismo.post(envelope(item(BUYER, reaction, key="reaction")))
        ).status_code == 200
        await wismo.wait_settled()

        assert len(wismo.fake.delivered) == 1
        assert (await wismo.transcript(BUYER))[-1].kind is MessageKind.REACTION


# -- Meta's policy enforcement --------------------------------------------------------------


async def test_a_policy_block_is_kept_shown_to_the_merchant_and_counted(
    aiohttp_server, database_url
):
    async with console_wismo(aiohttp_server, database_url, workers=True) as wismo:
        block = envelope(policy_enforcement("block", BLOCK_REASON))
        assert (await wismo.post(block)).status_code == 200
        assert (await wismo.post(block)).status_code == 200  # a retry is one notice
        assert (await wismo.post({"object": "page", "entry": []})).status_code == 200
        await wismo.wait_settled()
        await add_user(wismo, "anna")
        async with merchant(wismo) as anna:
            await anna.login("anna")
            blocked = (await anna.page("/console/health")).text
            counted = await metrics(wismo.url)

            assert (await wismo.post(envelope(policy_enforcement("unblock")))).status_code == 200
            await wismo.wait_settled()
            lifted = (await anna.page("/console/health")).text

        assert f"Meta blocked Instagram account {ACCOUNT}" in blocked
        assert BLOCK_REASON in blocked
        assert 'role="alert"' not in lifted  # the banner goes once Meta lifts the block
        assert lifted.count("<td>block</td>") == 1
        assert "<td>unblock</td>" in lifted
        assert counted[("wismo_instagram_policy_enforcements_total", (("action", "block"),))] == 1
        assert counted[("wismo_inbox_unhandled_events", (("kind", "ignored"),))] == 1
        assert wismo.fake.requests == []
