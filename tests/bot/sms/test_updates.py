"""SMS updates end to end: a running wismo, a loopback AfterShip and a fake Twilio.

A buyer who opted in gets each milestone once by text; nobody else gets any; STOP (ours in
the buyer's language, or Twilio's own) is honoured until START; the buyer's night is kept
quiet; delivery status callbacks are recorded; unsigned webhooks are refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from bot.sms.options import INBOUND_PATH, STATUS_PATH
from bot.sms.segments import count
from bot.updates.tables import UpdateNotice
from stores.importer import OrderImporter
from stores.repository import OrderRepository
from tests.bot.harness import Clock, wait_until
from tests.bot.sms.harness import BUYER, NUMBER, PHONE, PUBLIC, running_sms_shop
from tests.fakes.twilio import FakeTwilio, twilio_signature

SECOND = "YT2515300000000302"


async def _sms_notices(shop) -> list[UpdateNotice]:
    async with shop.shop.wismo.sessions() as session:
        rows = await session.scalars(
            select(UpdateNotice).where(UpdateNotice.channel == "sms").order_by(UpdateNotice.id)
        )
        return list(rows)


async def test_a_buyer_who_opted_in_gets_each_milestone_once_by_text(aiohttp_server, database_url):
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        await sms.follow()
        await sms.opt_in()
        await sms.shop.set_status(NUMBER, "in_transit")
        await sms.wait_sent(1)
        [text] = sms.twilio.sent
        assert text.to == PHONE
        assert NUMBER in text.body
        assert text.body.startswith("Test Shop: ")
        assert text.body.endswith("Reply STOP to opt out.")
        assert count(text.body).count == 1
        assert text.status_callback == PUBLIC + STATUS_PATH
        row = await sms.wait_texts(state="sent")
        assert (row.provider_id, row.milestone, row.segments) == (text.sid, "shipped", 1)
        # Another scan in transit is no new milestone; the same milestone is never told twice.
        await sms.shop.set_status(NUMBER, "in_transit", step=1)
        await sms.shop.set_status(NUMBER, "out_for_delivery", step=2)
        await sms.wait_sent(2)
        await sms.shop.wismo.wait_settled()
        assert len(sms.twilio.sent) == 2
        assert [n.milestone for n in await _sms_notices(sms)] == ["shipped", "out_for_delivery"]


async def test_no_text_goes_to_a_buyer_who_did_not_opt_in(aiohttp_server, database_url):
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        await sms.follow()
        await sms.shop.set_status(NUMBER, "in_transit")
        await wait_until(lambda: sms._told(BUYER, NUMBER + " has shipped"))
        assert await _sms_notices(sms) == []
        assert sms.twilio.attempts == 0


async def test_nothing_is_texted_when_sms_is_not_configured(aiohttp_server, database_url):
    async with running_sms_shop(aiohttp_server, database_url, WISMO_UPDATES_SMS="false") as sms:
        await sms.follow()
        await sms.opt_in()
        await sms.shop.set_status(NUMBER, "in_transit")
        await wait_until(lambda: sms._told(BUYER, NUMBER + " has shipped"))
        assert await _sms_notices(sms) == []
        response = await sms.text_in("STOP")
        assert response.status_code == 404
        assert sms.twilio.attempts == 0


async def test_a_stop_in_the_buyers_language_holds_every_text_until_start(
    aiohttp_server, database_url
):
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        await sms.follow()
        await sms.opt_in()
        response = await sms.text_in("ALTO")
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/xml")
        assert "<Message>Test Shop: te has dado de baja" in response.text
        consent = await sms.consent()
        assert consent is not None
        assert (consent.active, consent.stop_source) == (False, "keyword")
        await sms.shop.set_status(NUMBER, "in_transit")
        await wait_until(lambda: _dropped(sms, "sms_stopped"))
        assert sms.twilio.attempts == 0
        # A new opt-in in the DM cannot lift the owner's stop; START from the phone does.
        await sms.opt_in()
        assert not (await sms.consent()).active
        response = await sms.text_in("inicio")
        assert "vuelves a recibir" in response.text
        assert (await sms.consent()).active
        await sms.shop.set_status(NUMBER, "out_for_delivery", step=1)
        await sms.wait_sent(1)


async def _dropped(sms, reason: str) -> bool:
    return any(n.state == "dropped" and n.reason == reason for n in await _sms_notices(sms))


async def test_twilios_advanced_opt_out_stop_is_honoured_and_not_answered_twice(
    aiohttp_server, database_url
):
    twilio = FakeTwilio(advanced_opt_out=True)
    async with running_sms_shop(aiohttp_server, database_url, twilio=twilio) as sms:
        await sms.follow()
        await sms.opt_in()
        response = await sms.text_in("STOP")
        assert response.status_code == 200
        assert "<Message>" not in response.text  # Twilio has answered already
        consent = await sms.consent()
        assert (consent.active, consent.stop_source) == (False, "provider")
        await sms.shop.set_status(NUMBER, "in_transit")
        await wait_until(lambda: _dropped(sms, "sms_stopped"))
        assert twilio.attempts == 0


async def test_a_send_twilio_refuses_with_21610_stops_the_number(aiohttp_server, database_url):
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        await sms.follow()
        await sms.follow(SECOND)
        await sms.opt_in()
        sms.twilio.opted_out.add(PHONE)  # the buyer opted out with Twilio, not with us
        await sms.shop.set_status(NUMBER, "in_transit")
        row = await sms.wait_texts(state="failed")
        assert (row.error_code, row.reason) == (21610, "unsubscribed")
        consent = await sms.consent()
        assert (consent.active, consent.stop_source) == (False, "provider")
        await sms.shop.set_status(SECOND, "in_transit")
        await wait_until(lambda: _dropped(sms, "sms_stopped"))
        assert sms.twilio.attempts == 1


async def test_a_21610_refusal_is_recorded_only_together_with_the_numbers_stop(
    aiohttp_server, database_url, caplog
):
    """Both in one transaction: a reader that sees the refusal sees the stop (this test's
    sibling above once read the consent between the two), and a failed write keeps neither."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the refused write is a SQLite trigger")
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        await sms.follow()
        await sms.opt_in()
        sms.twilio.opted_out.add(PHONE)
        async with sms.shop.wismo.sessions() as session, session.begin():
            await session.execute(
                text(
                    "CREATE TRIGGER refuse_stops BEFORE UPDATE ON sms_consents "
                    "BEGIN SELECT RAISE(ABORT, 'the disk refused the write'); END"
                )
            )
        await sms.shop.set_status(NUMBER, "in_transit")

        async def refused_by_the_trigger() -> bool:
            # The sender's round, and not another loop's (their rounds may fail and retry too).
            return any(
                record.getMessage().startswith("SmsSender: round failed")
                and "the disk refused the write" in str(record.exc_info and record.exc_info[1])
                for record in caplog.records
            )

        await wait_until(refused_by_the_trigger)
        assert sms.twilio.attempts == 1
        [row] = await sms.texts()
        assert row.state == "sending"  # not "failed" without the stop: recovered later
        assert (await sms.consent()).active


async def test_help_is_answered_in_the_keywords_language(aiohttp_server, database_url):
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        response = await sms.text_in("帮助")
        assert "<Message>Test Shop：包裹短信通知" in response.text
        response = await sms.text_in("where is my parcel")
        assert response.text.endswith("<Response></Response>")


def _local(clock: Clock, zone: str, hour: int) -> None:
    """Move `clock` so that it is `hour`:00 today in `zone`."""
    now = datetime.now(UTC)
    local = now.astimezone(ZoneInfo(zone))
    target = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    clock.offset = target.astimezone(UTC) - now


async def test_texts_wait_for_the_end_of_the_buyers_night(aiohttp_server, database_url):
    clock = Clock()
    _local(clock, "Europe/Berlin", 23)  # the parcel goes to Germany
    async with running_sms_shop(
        aiohttp_server,
        database_url,
        clock=clock,
        WISMO_UPDATES_QUIET_HOURS="21:00-08:00",
        WISMO_UPDATES_DM="false",
    ) as sms:
        await sms.follow()
        await sms.opt_in()
        await sms.shop.set_status(NUMBER, "in_transit")

        async def waiting() -> bool:
            notices = await _sms_notices(sms)
            return bool(notices) and notices[0].reason == "quiet_hours"

        await wait_until(waiting)
        [notice] = await _sms_notices(sms)
        assert notice.due_at.astimezone(ZoneInfo("Europe/Berlin")).hour == 8
        assert sms.twilio.attempts == 0
        clock.offset += timedelta(hours=9, minutes=1)  # 08:01 in Berlin
        await sms.wait_sent(1)


async def test_delivery_status_callbacks_are_recorded_and_never_go_back(
    aiohttp_server, database_url
):
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        text = await sms.first_text_sent()
        for status in ("sent", "delivered", "sent"):  # the last one arrives late
            assert (await sms.twilio.report(text, status)).status_code == 204
        row = await sms.wait_texts(state="delivered")
        assert row.provider_status == "delivered"
        assert [e.status for e in await sms.events()] == ["sent", "delivered", "sent"]


async def test_an_undelivered_text_keeps_its_error_code(aiohttp_server, database_url):
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        text = await sms.first_text_sent()
        await sms.twilio.report(text, "undelivered", error_code=30003)
        row = await sms.wait_texts(state="undelivered")
        assert row.error_code == 30003


async def test_webhooks_with_a_bad_signature_are_refused(aiohttp_server, database_url):
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        await sms.follow()
        await sms.opt_in()
        forged = await sms.text_in("ALTO", signature="bm90IHR3aWxpbw==")
        assert forged.status_code == 403
        assert (await sms.consent()).active
        await sms.shop.set_status(NUMBER, "in_transit")
        await sms.wait_sent(1)
        await sms.wait_texts(state="sent")
        params = {"MessageSid": sms.twilio.sent[0].sid, "MessageStatus": "failed"}
        unsigned = await sms.twilio.post_signed(PUBLIC + STATUS_PATH, params, signature="x")
        assert unsigned.status_code == 403
        # Signed for another URL (a replay against another endpoint) is refused too.
        other = await sms.twilio.post_signed(
            PUBLIC + STATUS_PATH,
            params,
            signature=twilio_signature(PUBLIC + INBOUND_PATH, params, sms.twilio.auth_token),
        )
        assert other.status_code == 403
        assert await sms.events() == []
        assert (await sms.texts())[0].state == "sent"


async def test_a_throttled_send_is_retried_later(aiohttp_server, database_url):
    clock = Clock()
    async with running_sms_shop(aiohttp_server, database_url, clock=clock) as sms:
        await sms.follow()
        await sms.opt_in()
        sms.twilio.fail_next(1, status=429, code=20429, retry_after="60")
        await sms.shop.set_status(NUMBER, "in_transit")
        row = await sms.wait_texts(state="queued", reason="retry_429")
        assert row.next_attempt_at >= clock() + timedelta(seconds=50)
        clock.offset += timedelta(minutes=2)
        await sms.wait_sent(1)
        assert sms.twilio.attempts == 2


async def test_the_daily_budget_holds_texts_until_the_next_utc_day(aiohttp_server, database_url):
    clock = Clock()
    async with running_sms_shop(
        aiohttp_server, database_url, clock=clock, WISMO_SMS_DAILY_BUDGET="1"
    ) as sms:
        await sms.follow()
        await sms.follow(SECOND)
        await sms.opt_in()
        await sms.shop.set_status(NUMBER, "in_transit")
        await sms.wait_sent(1)
        await sms.shop.set_status(SECOND, "in_transit")
        row = await sms.wait_texts(state="queued", reason="daily_budget")
        assert row.next_attempt_at.date() == (clock() + timedelta(days=1)).date()
        assert len(sms.twilio.sent) == 1
        clock.offset += timedelta(days=1)
        await sms.wait_sent(2)


async def test_an_order_imported_with_sms_consent_gets_texts_without_asking(
    aiohttp_server, database_url
):
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        importer = OrderImporter(OrderRepository(sms.shop.wismo.sessions), clock=sms.shop.clock)
        report = await importer.import_text(
            "order_number,tracking_numbers,phone,sms_consent\n"
            f"1042,{NUMBER},+1 (415) 555-0123,2026-11-20T10:00:00Z\n"
            f"1043,{SECOND},+1 (415) 555-0199,no\n"
        )
        assert report.problems == ()
        await sms.follow()
        await sms.follow(SECOND)
        await sms.shop.set_status(NUMBER, "in_transit")
        await sms.shop.set_status(SECOND, "in_transit")
        await sms.wait_sent(1)
        await sms.shop.wismo.wait_settled()
        assert [t.to for t in sms.twilio.sent] == [PHONE]
        consent = await sms.consent()
        assert (consent.source, consent.order_number) == ("order_import", "1042")
        assert consent.granted_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
        assert await sms.consent("+14155550199") is None


async def test_reimporting_a_yes_neither_regrants_later_nor_lifts_a_stop(
    aiohttp_server, database_url
):
    """The import records consent once: an unchanged file imported again keeps the time it was
    first recorded (the consent's `granted_at` with it), and never undoes the buyer's STOP."""
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        importer = OrderImporter(OrderRepository(sms.shop.wismo.sessions), clock=sms.shop.clock)
        orders = f"order_number,tracking_numbers,phone,sms_consent\n1042,{NUMBER},{PHONE},yes\n"
        await importer.import_text(orders)
        order = await OrderRepository(sms.shop.wismo.sessions).get("1042")
        first_import = order.sms_consent_at
        await sms.follow()
        await sms.shop.set_status(NUMBER, "in_transit")
        await sms.wait_sent(1)
        assert (await sms.consent()).granted_at == first_import

        sms.shop.clock.offset += timedelta(hours=1)
        report = await importer.import_text(orders)
        assert (report.updated, report.unchanged) == (0, 1)
        await sms.shop.set_status(NUMBER, "out_for_delivery", step=1)
        await sms.wait_sent(2)
        assert (await sms.consent()).granted_at == first_import

        await sms.text_in("STOP")
        sms.shop.clock.offset += timedelta(hours=1)
        await importer.import_text(orders)
        await importer.import_text(orders.replace(",yes", f",{sms.shop.clock().isoformat()}"))
        await sms.shop.set_status(NUMBER, "delivered", step=2)
        await wait_until(lambda: _dropped(sms, "sms_stopped"))
        consent = await sms.consent()
        assert (consent.active, consent.stop_source) == (False, "keyword")
        assert len(sms.twilio.sent) == 2


async def test_an_unreadable_sms_consent_cell_is_a_problem_of_its_row(aiohttp_server, database_url):
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        importer = OrderImporter(OrderRepository(sms.shop.wismo.sessions), clock=sms.shop.clock)
        report = await importer.import_text(
            f"order_number,tracking_numbers,phone,sms_consent\n1042,{NUMBER},+14155550123,maybe\n"
        )
        [problem] = report.problems
        assert "sms_consent 'maybe' is not yes, no or an ISO 8601 date-time" in str(problem)


def _update_buttons(sms, igsid: str = BUYER) -> list[list[str]]:
    """The quick-reply payloads under each update DM the buyer got."""
    return [
        [reply["payload"] for reply in d.message.get("quick_replies", [])]
        for d in sms.shop.wismo.fake.delivered
        if d.recipient_id == igsid and NUMBER in (d.text or "")
    ]


async def test_an_update_dm_offers_texts_until_the_buyer_opts_in(aiohttp_server, database_url):
    async with running_sms_shop(aiohttp_server, database_url) as sms:
        await sms.follow()
        await sms.shop.set_status(NUMBER, "in_transit")
        await wait_until(lambda: sms._told(BUYER, NUMBER + " has shipped"))
        assert "SMS_OPT_IN" in _update_buttons(sms)[-1]
        await sms.opt_in()
        await sms.shop.set_status(NUMBER, "out_for_delivery", step=1)
        await sms.wait_sent(1)
        await sms.shop.wismo.wait_settled()
        assert "SMS_OPT_IN" not in _update_buttons(sms)[-1]
