"""The flows a buyer expects, end to end: signed webhooks in, the fake Graph API's deliveries out,
over the real dialogue, orders (the demo orders) and tracking service (the sandbox source)."""

from __future__ import annotations

import pytest

from bot.replies.payloads import REFRESH_PREFIX, TALK_TO_PERSON_PAYLOAD
from conversations.store import ConversationStore
from tests.dialogue.buyers import CATALOGS, Buyer, shop

PARCEL = "YT2430421272039912"  # order #1001's parcel


async def test_a_tracking_number_is_answered_with_where_the_parcel_is(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7400000000000001")
        answered = await buyer.says(f"where is my parcel? {PARCEL}")
        assert answered
        assert PARCEL in answered[0]
        titles = [reply.title for reply in buyer.last_quick_replies()]
        assert titles == ["Refresh", "Talk to a person"]
        # The merchant sees what the reply was based on.
        reply = (await buyer.bot_replies())[-1]
        assert reply.based_on is not None
        assert reply.based_on["intent"] == "where_is_my_order"
        assert reply.based_on["tracking_numbers"][0]["number"] == PARCEL
        snapshot = reply.based_on["shipments"][0]
        assert snapshot["number"] == PARCEL
        assert snapshot["source"] == "sandbox"
        assert snapshot["found"] is True
        async with wismo.sessions() as session:
            references = await ConversationStore(session).references(reply.conversation_id)
        assert ("tracking", PARCEL) in references


async def test_without_a_number_the_buyer_is_asked_for_one_then_later_questions_use_it(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7400000000000002")
        asked = await buyer.says("where's my stuff??")
        assert "order number (for example #1001)" in asked[0]
        first = await buyer.says(PARCEL)
        assert PARCEL in first[0]
        # Nothing new since: said so, with the latest scan, not the same card again.
        again = "\n".join(await buyer.says("any update?"))
        assert PARCEL in again
        assert "There's no new scan since my last answer." in again
        assert "Latest updates:" not in again


async def test_a_number_with_a_wrong_check_digit_is_quoted_back_to_check(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7400000000000003")
        answered = await buyer.says("my tracking is 1Z999AA10123456785")
        assert "1Z999AA10123456785" in answered[0]
        assert "check it against your shipping confirmation" in "\n".join(answered)


async def test_asking_for_a_person_hands_off_and_the_bot_stays_quiet_until_handed_back(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7400000000000004")
        handed = await buyer.says("can I talk to a real person please")
        assert "Test Shop team to reply to you here" in handed[0]
        conversation = await buyer.conversation()
        assert conversation.handoff_reason == "buyer_asked"
        assert await buyer.says(PARCEL) == []
        async with wismo.sessions() as session, session.begin():
            await ConversationStore(session).hand_back(conversation.id)
        assert PARCEL in (await buyer.says(PARCEL))[0]


@pytest.mark.parametrize(
    ("message", "reason", "wording"),
    [
        ("I want a refund for order 1001", "refund_or_return", "Refunds and returns"),
        ("please cancel my order", "cancel_or_change", "Cancellations and address changes"),
        ("quiero cambiar la dirección de envío", "cancel_or_change", "cambios de dirección"),
    ],
)
async def test_what_only_a_person_can_do_is_handed_to_a_person(
    aiohttp_server, database_url, message, reason, wording
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7400000000000005")
        answered = await buyer.says(message)
        assert wording in answered[0]
        assert (await buyer.conversation()).handoff_reason == reason


async def test_quick_replies_refresh_and_reach_a_person(aiohttp_server, database_url) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7400000000000006")
        first = await buyer.says(PARCEL)
        refresh, person = buyer.last_quick_replies()
        assert refresh.payload == f"{REFRESH_PREFIX}{PARCEL}"
        assert await buyer.taps(refresh) == first
        assert person.payload == TALK_TO_PERSON_PAYLOAD
        handed = await buyer.taps(person)
        assert "reply to you here" in handed[0]


async def test_greetings_thanks_and_small_talk_are_short_and_on_topic(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7400000000000007")
        hello = await buyer.says("hi!")
        assert hello == [
            "Hi! I'm Test Shop's automated assistant. Send me your order number (for example "
            "#1001) or your tracking number and I'll tell you where your parcel is."
        ]
        assert (await buyer.says("hello again"))[0].startswith("Hi again!")
        assert (await buyer.says("thanks a lot"))[0].startswith("You're welcome!")
        other = await buyer.says("do you sell gift cards?")
        assert other[0].startswith("I'm Test Shop's automated assistant")


async def test_orders_that_have_not_shipped_or_were_cancelled_say_so(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        wismo.fake.profiles["7400000000000008"] = {"username": "ollie.smith"}
        unshipped = await Buyer(wismo, "7400000000000008").says("order #1004?")
        assert unshipped[0].startswith("Your order 1004 hasn't shipped yet")
        wismo.fake.profiles["7400000000000009"] = {"username": "sofia.rossi.mi"}
        cancelled = await Buyer(wismo, "7400000000000009").says("order #1011?")
        assert cancelled[0].startswith("Order 1011 was cancelled, so it won't be shipped.")


async def test_a_partly_shipped_order_lists_its_parcel_and_says_the_rest_is_coming(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        wismo.fake.profiles["7400000000000010"] = {"username": "liam.b.outdoors"}
        answered = await Buyer(wismo, "7400000000000010").says("where is #1012")
        text = "\n".join(answered)
        assert "Order 1012 was sent in 1 parcel:" in text
        assert "RB917302543CN" in text
        assert "Part of your order hasn't shipped yet." in text


@pytest.mark.parametrize(
    ("message", "language"),
    [
        (f"where is my parcel {PARCEL}", "en"),
        (f"hola, ¿dónde está mi paquete? {PARCEL}", "es"),
        (f"olá, onde está a minha encomenda {PARCEL}", "pt"),
        (f"bonjour, où est mon colis {PARCEL}", "fr"),
        (f"hallo, wo ist mein Paket {PARCEL}", "de"),
        (f"مرحبا، أين طردي {PARCEL}", "ar"),
        (f"我的快递到哪儿了 {PARCEL}", "zh-Hans"),
        (f"我的包裹到哪裡了？{PARCEL}", "zh-Hant"),
    ],
)
async def test_every_reply_is_in_the_buyers_language(
    aiohttp_server, database_url, message, language
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7400000000000011")
        answered = await buyer.says(message)
        assert answered
        assert (await buyer.conversation()).language == language
        person = CATALOGS.translation(language).pgettext("button", "Talk to a person")
        assert person in [reply.title for reply in buyer.last_quick_replies()]


@pytest.mark.parametrize("message", ["stop", "不用了", "STOP please"])
async def test_a_buyer_who_says_stop_gets_no_more_updates(
    aiohttp_server, database_url, message
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7400000000000012")
        await buyer.says(PARCEL)
        answered = await buyer.says(message)
        language = (await buyer.conversation()).language
        stopped = CATALOGS.translation(language).gettext(
            "OK, I won't send you any more updates about your parcels. You can still ask me "
            "about them here any time."
        )
        assert answered == [stopped]
        reply = (await buyer.bot_replies())[-1]
        assert reply.based_on is not None
        assert reply.based_on["stop_updates"] is True
