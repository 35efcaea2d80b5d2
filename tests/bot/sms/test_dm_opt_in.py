"""Opting in to update texts from the Instagram conversation, through the real dialogue."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.dialogue.sms_opt_in import SMS_OPT_IN_PAYLOAD
from bot.sms.consent import StopSource, of_phone, stop
from bot.sms.tables import SmsConsent, SmsMessage
from tests.bot.harness import Clock, envelope, item, new_mid, running_wismo, wait_until
from tests.bot.sms.harness import PHONE, SMS
from tests.fakes.twilio import ACCOUNT_SID, FakeTwilio

BUYER = "7100000000000077"
SETTINGS = {**SMS, "TWILIO_BASE_URL": "http://127.0.0.1:9", "TWILIO_ACCOUNT_SID": ACCOUNT_SID}


async def _answer(wismo, text: str, **message) -> str:
    before = len(wismo.delivered_to(BUYER))
    body = {"mid": new_mid(), "text": text, **message}
    response = await wismo.post(envelope(item(BUYER, body)))
    assert response.status_code == 200

    async def answered() -> bool:
        return len(wismo.delivered_to(BUYER)) > before

    await wait_until(answered)
    return " ".join(t or "" for t in wismo.delivered_to(BUYER)[before:])


def _at_night_in_new_york() -> Clock:
    """A clock inside New York's night (21:00-08:00), less than a day ahead so the buyer's
    24-hour window stays open."""
    clock = Clock()
    local = datetime.now(UTC).astimezone(ZoneInfo("America/New_York"))
    if 8 <= local.hour < 21:
        night = local.replace(hour=22, minute=30, second=0, microsecond=0)
        clock.offset = night - local
    return clock


async def _consents(wismo) -> list[SmsConsent]:
    async with wismo.sessions() as session:
        return list(await session.scalars(select(SmsConsent).order_by(SmsConsent.id)))


async def test_text_me_updates_at_a_number_records_the_opt_in(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, dialogue=True, **SETTINGS) as wismo:
        said = await _answer(wismo, "Can you text me updates at +1 415 555 0123?")
        assert "I'll text updates about your parcels to +1 415-555-0123" in said
        conversation = await wismo.conversation(BUYER)
        [consent] = await _consents(wismo)
        assert (consent.phone, consent.source, consent.conversation_id) == (
            PHONE,
            "dm",
            conversation.id,
        )
        assert consent.granted_at is not None
        assert consent.stopped_at is None


async def test_the_button_asks_for_the_number_and_the_next_message_gives_it(
    aiohttp_server, database_url
):
    async with running_wismo(aiohttp_server, database_url, dialogue=True, **SETTINGS) as wismo:
        said = await _answer(wismo, "Text me updates", quick_reply={"payload": SMS_OPT_IN_PAYLOAD})
        assert "Which mobile number should I text the updates to?" in said
        said = await _answer(wismo, "+1 415 555 0123")
        assert "+1 415-555-0123" in said
        [consent] = await _consents(wismo)
        assert (consent.phone, consent.source) == (PHONE, "quick_reply")


async def test_an_invalid_number_is_refused_and_nothing_recorded(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, dialogue=True, **SETTINGS) as wismo:
        said = await _answer(wismo, "send me an sms at +1 415 555 01")
        assert "doesn't look like a mobile number I can text" in said
        assert await _consents(wismo) == []


async def test_a_number_that_sent_stop_stays_stopped(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, dialogue=True, **SETTINGS) as wismo:
        async with wismo.sessions() as session, session.begin():
            await stop(session, PHONE, source=StopSource.KEYWORD, at=datetime.now(UTC))
        said = await _answer(wismo, "text me updates at +1 415 555 0123")
        assert "That number opted out of our texts" in said
        async with wismo.sessions() as session:
            consent = await of_phone(session, PHONE)
        assert consent is not None
        assert not consent.active


async def test_an_opt_in_in_spanish_is_answered_in_spanish(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, dialogue=True, **SETTINGS) as wismo:
        said = await _answer(wismo, "Mándame las novedades por SMS al +34 612 345 678 por favor")
        assert "te enviaré por SMS las novedades de tus paquetes al +34 612 34 56 78" in said


async def test_without_sms_configured_the_buyer_is_told_so(aiohttp_server, database_url):
    async with running_wismo(aiohttp_server, database_url, dialogue=True) as wismo:
        said = await _answer(wismo, "text me updates at +1 415 555 0123")
        assert "we don't send updates by text" in said
        assert await _consents(wismo) == []


async def test_without_sms_configured_a_number_without_a_word_of_texts_is_no_opt_in(
    aiohttp_server, database_url
):
    """The bot never asks for a number when SMS is off, so a number alone is not an answer to
    it (and the phone number search is not run: bot/dialogue/sms_opt_in.py)."""
    async with running_wismo(aiohttp_server, database_url, dialogue=True) as wismo:
        said = await _answer(wismo, "you can call me at +1 415 555 0123")
        assert "we don't send updates by text" not in said
        assert await _consents(wismo) == []


async def test_an_opt_in_is_confirmed_by_one_text_with_help_and_stop(aiohttp_server, database_url):
    twilio = FakeTwilio()
    server = await aiohttp_server(twilio.app())
    settings = {**SETTINGS, "TWILIO_BASE_URL": str(server.make_url("")).rstrip("/")}
    # Night in New York, inside the default quiet hours: the confirmation still goes at once,
    # since it answers what the buyer has just asked.
    clock = _at_night_in_new_york()
    async with running_wismo(
        aiohttp_server, database_url, dialogue=True, clock=clock, **settings
    ) as wismo:
        await _answer(wismo, "text me updates at +1 415 555 0123")

        async def sent() -> bool:
            return len(twilio.sent) == 1

        await wait_until(sent)
        [text] = twilio.sent
        assert text.to == PHONE
        assert text.body.startswith("Test Shop: you'll get texts about your parcels.")
        assert "Reply HELP for help, STOP to opt out." in text.body
        # Saying it again in the same conversation records it again but texts no second time.
        await _answer(wismo, "please text me updates at +1 415 555 0123")
        await wismo.wait_settled()
        async with wismo.sessions() as session:
            rows = (await session.scalars(select(SmsMessage))).all()
        assert [(r.milestone, r.state) for r in rows] == [("opt_in", "sent")]
