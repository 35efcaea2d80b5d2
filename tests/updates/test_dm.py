"""Proactive DM updates end to end: a buyer follows a parcel, the carrier scans it, wismo tells."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.bot.harness import envelope, item, new_mid, wait_until
from tests.updates.harness import running_shop, tracking

BUYER = "7100000000000001"
NUMBER = "YT2515300000000101"
PUSH_SECRET = "aftership-webhook-secret"


async def push(shop, number: str, status: str, *, step: int = 0) -> None:
    """AfterShip pushes a tracking update to wismo's push route, signed as AfterShip signs."""
    body = json.dumps({"event": "tracking_update", "msg": tracking(number, status, step=step)})
    raw = body.encode()
    signature = base64.b64encode(hmac.new(PUSH_SECRET.encode(), raw, hashlib.sha256).digest())
    response = await shop.wismo.http.post(
        shop.wismo.url + "/webhooks/aftership",
        content=raw,
        headers={"Content-Type": "application/json", "aftership-hmac-sha256": signature.decode()},
    )
    assert response.status_code == 200, response.text


async def _follow(shop, number: str = NUMBER, igsid: str = BUYER) -> None:
    await shop.wismo.say(igsid, f"track {number}")
    await wait_until(lambda: _has(shop, igsid, f"following {number}"))


async def _has(shop, igsid: str, text: str) -> bool:
    return any(text in t for t in shop.texts(igsid))


async def _states(shop, number: str = NUMBER) -> list[tuple[str, str, str | None]]:
    return [(n.milestone, n.state, n.reason) for n in await shop.notices(number)]


async def test_a_followed_parcel_that_ships_is_told_by_dm_while_the_window_is_open(
    aiohttp_server, database_url
):
    async with running_shop(aiohttp_server, database_url) as shop:
        await _follow(shop)
        await shop.set_status(NUMBER, "in_transit")
        await wait_until(lambda: _has(shop, BUYER, "has shipped"))
        await shop.wismo.wait_settled()
        [update] = [d for d in shop.wismo.fake.delivered if "has shipped" in (d.text or "")]
        assert update.tag is None  # never HUMAN_AGENT
        assert update.messaging_type == "RESPONSE"
        assert await _states(shop) == [("shipped", "queued", None)]
        outbox = [row for row in await shop.wismo.outbox() if row.purpose == "update"]
        assert [row.state for row in outbox] == ["sent"]
        transcript = await shop.wismo.transcript(BUYER)
        assert transcript[-1].based_on["update"] == "shipped"
        assert transcript[-1].status.value == "sent"


async def test_each_milestone_is_told_once_however_often_the_status_repeats(
    aiohttp_server, database_url
):
    async with running_shop(aiohttp_server, database_url) as shop:
        await _follow(shop)
        await shop.set_status(NUMBER, "in_transit", step=1)
        await wait_until(lambda: _has(shop, BUYER, "has shipped"))
        await shop.set_status(NUMBER, "out_for_delivery", step=2)
        await wait_until(lambda: _has(shop, BUYER, "out for delivery"))
        await shop.set_status(NUMBER, "in_transit", step=3)  # back at the depot …
        await shop.set_status(NUMBER, "out_for_delivery", step=4)  # … and out again
        await shop.set_status(NUMBER, "delivered", step=5)
        await wait_until(lambda: _has(shop, BUYER, "delivered"))
        await shop.wismo.wait_settled()
        updates = [t for t in shop.texts(BUYER) if "following" not in t]
        assert sum("out for delivery" in t for t in updates) == 1
        assert sum("has shipped" in t for t in updates) == 1
        assert [m for m, _, _ in await _states(shop)] == [
            "shipped",
            "out_for_delivery",
            "delivered",
        ]


async def test_with_the_window_closed_an_update_is_held_then_told_first_at_the_next_message(
    aiohttp_server, database_url
):
    async with running_shop(aiohttp_server, database_url) as shop:
        await _follow(shop)
        await shop.wismo.wait_settled()
        shop.clock.offset += timedelta(hours=25)  # the buyer's 24-hour window has closed
        await shop.set_status(NUMBER, "out_for_delivery")
        await wait_until(lambda: _held(shop))
        assert not await _has(shop, BUYER, "out for delivery")
        transcript = await shop.wismo.transcript(BUYER)
        assert transcript[-1].status.value == "held"
        assert transcript[-1].status_reason == "window_closed"

        await shop.wismo.say(BUYER, "hello again", at=_ms(shop.clock()))
        await wait_until(lambda: _has(shop, BUYER, "answer to: hello again"))
        await shop.wismo.wait_settled()
        after = shop.texts(BUYER)[1:]
        assert after[0].startswith("Since we last spoke")
        assert "out for delivery" in after[0]
        assert after[1] == "answer to: hello again"
        assert await _states(shop) == [("out_for_delivery", "told", "window_closed")]

        # Told once: the next message gets only its answer.
        await shop.wismo.say(BUYER, "thanks", at=_ms(shop.clock()))
        await wait_until(lambda: _has(shop, BUYER, "answer to: thanks"))
        assert sum(t.startswith("Since we last spoke") for t in shop.texts(BUYER)) == 1


def _ms(moment) -> int:
    return int(moment.timestamp() * 1000)


async def _held(shop) -> bool:
    return [n.state for n in await shop.notices(NUMBER)] == ["held"]


async def test_a_burst_of_changes_becomes_one_message_about_the_latest(
    aiohttp_server, database_url
):
    async with running_shop(
        aiohttp_server, database_url, WISMO_UPDATES_BURST_SECONDS="600"
    ) as shop:
        await _follow(shop)
        await shop.set_status(NUMBER, "in_transit", step=1)
        await shop.set_status(NUMBER, "out_for_delivery", step=2)
        await shop.set_status(NUMBER, "delivered", step=3)
        await wait_until(lambda: _pending(shop, 3))
        assert len(shop.texts(BUYER)) == 1  # nothing yet: the burst window is open
        shop.clock.offset += timedelta(minutes=11)
        await wait_until(lambda: _has(shop, BUYER, "delivered"))
        await shop.wismo.wait_settled()
        assert len(shop.texts(BUYER)) == 2
        states = await _states(shop)
        assert [(m, s) for m, s, _ in states] == [
            ("shipped", "dropped"),
            ("out_for_delivery", "dropped"),
            ("delivered", "queued"),
        ]
        assert all(reason.startswith("burst:") for _, _, reason in states[:2])


async def _pending(shop, count: int) -> bool:
    return [n.state for n in await shop.notices(NUMBER)] == ["pending"] * count


async def test_in_the_buyers_night_an_update_waits_for_the_morning(aiohttp_server, database_url):
    # Quiet hours from an hour ago to an hour from now, in the buyer's zone (Berlin: the
    # parcel goes to Germany), whatever time the test runs at.
    local = datetime.now(UTC).astimezone(ZoneInfo("Europe/Berlin"))
    quiet = f"{(local - timedelta(hours=1)):%H:%M}-{(local + timedelta(hours=1)):%H:%M}"
    async with running_shop(aiohttp_server, database_url, WISMO_UPDATES_QUIET_HOURS=quiet) as shop:
        await _follow(shop)
        await shop.set_status(NUMBER, "in_transit", country="DEU")
        await wait_until(lambda: _reason(shop, "quiet_hours"))
        assert not await _has(shop, BUYER, "has shipped")
        [notice] = await shop.notices(NUMBER)
        assert notice.state == "pending"
        assert timedelta(minutes=55) < notice.due_at - shop.clock() < timedelta(minutes=65)
        shop.clock.offset += timedelta(minutes=70)
        await wait_until(lambda: _has(shop, BUYER, "has shipped"))


async def _reason(shop, reason: str) -> bool:
    return [n.reason for n in await shop.notices(NUMBER)] == [reason]


async def test_stop_ends_the_updates_of_every_parcel_of_the_conversation(
    aiohttp_server, database_url
):
    other = "YT2515300000000102"
    async with running_shop(aiohttp_server, database_url) as shop:
        await shop.wismo.say(BUYER, f"track {NUMBER} {other}")
        await wait_until(lambda: _has(shop, BUYER, "following"))
        await shop.wismo.say(BUYER, "不用了")
        await wait_until(lambda: _has(shop, BUYER, "stopped"))
        subscriptions = await shop.subscriptions()
        assert [s.stop_reason for s in subscriptions] == ["buyer_stopped", "buyer_stopped"]
        await shop.set_status(NUMBER, "in_transit")
        await shop.set_status(other, "delivered")
        # A third buyer's parcel moving proves the notifier has read past both changes.
        await _follow(shop, "YT2515300000000103", "7100000000000003")
        await shop.set_status("YT2515300000000103", "in_transit")
        await wait_until(lambda: _has(shop, "7100000000000003", "has shipped"))
        assert await shop.notices(NUMBER) == []
        assert await shop.notices(other) == []
        assert shop.texts(BUYER)[-1] == "stopped"


async def test_a_stop_quick_reply_drops_what_was_held(aiohttp_server, database_url):
    async with running_shop(aiohttp_server, database_url) as shop:
        await _follow(shop)
        await shop.wismo.wait_settled()
        shop.clock.offset += timedelta(hours=25)
        await shop.set_status(NUMBER, "failed_attempt")
        await wait_until(lambda: _held(shop))
        tap = item(
            BUYER,
            {"mid": new_mid(), "text": "Stop updates", "quick_reply": {"payload": "STOP_UPDATES"}},
            at=_ms(shop.clock()),
        )
        assert (await shop.wismo.post(envelope(tap))).status_code == 200
        await wait_until(lambda: _has(shop, BUYER, "stopped"))
        assert not any(t.startswith("Since we last spoke") for t in shop.texts(BUYER))
        assert await _states(shop) == [("failed_attempt", "dropped", "buyer_stopped")]


async def test_a_backlog_of_updates_never_delays_a_buyers_reply(aiohttp_server, database_url):
    """120 buyers' parcels ship at once (pushed by AfterShip through the real push route);
    updates go at their own pace (10/s, 2 at a time), so a buyer who writes meanwhile is
    answered at once while most updates still wait their turn."""
    async with running_shop(
        aiohttp_server,
        database_url,
        WISMO_UPDATES_RATE="10",
        WISMO_UPDATES_IN_FLIGHT="2",
        AFTERSHIP_WEBHOOK_SECRET=PUSH_SECRET,
    ) as shop:
        numbers = [f"YT25153000{index:08d}" for index in range(120)]
        for index in range(0, 120, 40):
            buyers = " ".join(numbers[index : index + 40])
            await shop.wismo.say(f"72{index:014d}", f"track {buyers}")
        await wait_until(lambda: _subscribed(shop, 120), timeout=30)
        await shop.wismo.wait_settled()
        for batch in range(0, 120, 20):
            await asyncio.gather(
                *(push(shop, number, "in_transit") for number in numbers[batch : batch + 20])
            )
        await wait_until(lambda: _notices(shop, 120), timeout=30)
        await shop.wismo.say(BUYER, "where is my order?")
        # Order, not time: wait for the reply, or (were it queued behind them) every update.
        await wait_until(lambda: _replied_or_all_told(shop, 120), timeout=120)
        delivered = list(shop.wismo.fake.delivered)
        replies = [index for index, message in enumerate(delivered) if _is_reply(message)]
        assert replies, "the buyer was answered only after every update"
        reply_at = replies[0]
        told = sum(_is_update(d) for d in delivered[:reply_at])
        assert told < 80, told  # most updates were still waiting when the reply went …
        outbox = await shop.wismo.outbox()
        [reply] = [row for row in outbox if row.recipient_id == BUYER]
        ahead = [
            row.id
            for row in outbox
            if row.purpose == "update"
            and row.id < reply.id
            and (row.sent_at is None or row.sent_at > reply.created_at)
        ]
        assert len(ahead) <= 2, ahead  # … and it queued behind the 2 in flight, not behind them


def _is_reply(message) -> bool:
    return message.recipient_id == BUYER and "answer to: where is my order?" in (message.text or "")


def _is_update(message) -> bool:
    return "has shipped" in (message.text or "")


async def _replied_or_all_told(shop, count: int) -> bool:
    delivered = list(shop.wismo.fake.delivered)
    return any(map(_is_reply, delivered)) or sum(map(_is_update, delivered)) >= count


async def _subscribed(shop, count: int) -> bool:
    return len(await shop.subscriptions()) == count


async def _notices(shop, count: int) -> bool:
    return len(await shop.notices()) == count


async def test_a_milestone_turned_off_is_recorded_as_dropped_and_not_sent(
    aiohttp_server, database_url
):
    async with running_shop(
        aiohttp_server, database_url, WISMO_UPDATES_MILESTONES="delivered"
    ) as shop:
        await _follow(shop)
        await shop.set_status(NUMBER, "in_transit", step=1)
        await shop.set_status(NUMBER, "delivered", step=2)
        await wait_until(lambda: _has(shop, BUYER, "delivered"))
        assert not await _has(shop, BUYER, "has shipped")
        assert await _states(shop) == [
            ("shipped", "dropped", "milestone_disabled"),
            ("delivered", "queued", None),
        ]


async def test_a_parcel_followed_after_its_change_is_not_told_that_change_as_news(
    aiohttp_server, database_url
):
    async with running_shop(aiohttp_server, database_url) as shop:
        await shop.set_status(NUMBER, "in_transit")  # the buyer is told this in the answer
        await _follow(shop)
        await shop.set_status(NUMBER, "out_for_delivery", step=1)
        await wait_until(lambda: _has(shop, BUYER, "out for delivery"))
        assert not await _has(shop, BUYER, "has shipped")


async def test_a_carrier_push_reaches_the_buyer_without_waiting_for_the_notifiers_tick(
    aiohttp_server, database_url
):
    async with running_shop(
        aiohttp_server,
        database_url,
        AFTERSHIP_WEBHOOK_SECRET=PUSH_SECRET,
        WISMO_UPDATES_TICK_SECONDS="600",  # only the push's doorbell can send it in time
    ) as shop:
        await _follow(shop)
        await push(shop, NUMBER, "in_transit")
        await wait_until(lambda: _has(shop, BUYER, "has shipped"), timeout=5)


async def test_a_parcel_nobody_had_news_of_is_told_its_first_status_once_it_is_pushed(
    aiohttp_server, database_url
):
    async with running_shop(
        aiohttp_server, database_url, AFTERSHIP_WEBHOOK_SECRET=PUSH_SECRET
    ) as shop:
        await _follow(shop)  # AfterShip has nothing yet: the buyer heard "not found yet"
        await push(shop, NUMBER, "info_received")
        await wait_until(lambda: _has(shop, BUYER, "Label created"), timeout=5)
        assert await _states(shop) == [("first_news", "queued", None)]
