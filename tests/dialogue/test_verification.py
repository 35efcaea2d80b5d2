"""No one learns anything about an order that is not theirs: proofs, limits and lock-outs,
end to end through the real webhook, dialogue and orders (the demo orders, sandbox tracking)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from conversations.store import ConversationStore
from stores.importer import OrderImporter
from stores.repository import OrderRepository
from stores.tables import VerificationAttemptRow
from tests.bot.harness import envelope, text
from tests.dialogue.buyers import Buyer, shop

# Order #1003 in stores/demo_orders.csv: two parcels, bought by @mia.t.home.
ORDER = "1003"
PARCELS = ("9400111899223397621049", "YT2430521272040017")
ON_FILE = ("mia", "thompson", "example.com", "94105", "0134", "415", "555")
RIGHT_ZIP = "94105"  # shown by the scans of #1003's USPS parcel ("San Francisco, CA 94105")
RIGHT_PHONE = "0134"
# Order #1005: one 4PX parcel whose scans never show its postcode, 10115.
PRIVATE = "1005"
PRIVATE_ZIP = "10115"


def reveals_nothing(texts: list[str]) -> bool:
    joined = " ".join(texts).lower()
    return not any(value in joined for value in ON_FILE) and not any(
        number in joined for number in PARCELS
    )


async def test_an_order_number_alone_is_answered_only_after_a_proof(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7200000000000001")

        asked = await buyer.says(f"where is my order #{ORDER}?")
        assert len(asked) == 1
        assert ORDER in asked[0]
        assert "email address" in asked[0]
        assert "postcode or ZIP" in asked[0]
        assert reveals_nothing(asked)

        answered = await buyer.says(f"the phone ends in {RIGHT_PHONE}")
        text = "\n".join(answered)
        assert text.startswith("Thanks, that matches the order.")
        assert f"Order {ORDER} was sent in 2 parcels" in text
        assert all(number in text for number in PARCELS)
        assert RIGHT_PHONE not in text

        # Proved once, the buyer is not asked again.
        again = await buyer.says("any news on it?")
        assert "is yours" not in "\n".join(again)
        replies = await buyer.bot_replies()
        assert replies[-1].based_on is not None
        assert replies[-1].based_on["verification"] == "earlier"


async def test_a_proof_given_with_the_order_number_is_checked_at_once(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7200000000000002")
        answered = await buyer.says(f"order {ORDER}, phone ending 0134")
        assert answered[0].startswith("Thanks, that matches the order.")
        replies = await buyer.bot_replies()
        assert replies[-1].based_on is not None
        assert replies[-1].based_on["verification"] == "phone_last4"


async def test_the_senders_own_instagram_username_is_proof_enough(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        wismo.fake.profiles["7200000000000003"] = {"username": "Mia.T.Home", "name": "Mia"}
        buyer = Buyer(wismo, "7200000000000003")
        answered = await buyer.says(f"#{ORDER}")
        assert f"Order {ORDER} was sent in 2 parcels" in "\n".join(answered)
        conversation = await buyer.conversation()
        assert conversation.username == "mia.t.home"


async def test_a_linked_buyer_asking_without_a_number_gets_their_latest_order(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        wismo.fake.profiles["7200000000000004"] = {"username": "ollie.smith"}
        buyer = Buyer(wismo, "7200000000000004")
        answered = await buyer.says("where is my package??")
        assert "Your order 1004 hasn't shipped yet" in answered[0]


async def test_wrong_proofs_never_say_what_was_wrong_and_lock_the_order_after_three(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7200000000000005")
        await buyer.says(f"#{ORDER}")
        first = await buyer.says("last four 9999")
        assert "doesn't match the details on this order" in first[0]
        assert "You have 2 more tries." in first[0]
        second = await buyer.says("mia@example.org")
        assert "You have 1 more try." in second[0]
        third = await buyer.says("+1 415 555 0199")
        assert "after too many attempts" in third[0]
        assert "try again in 24 hours" in third[0]
        # Even the right detail does not open it now.
        locked = await buyer.says(f"#{ORDER} phone {RIGHT_PHONE}")
        assert "after too many attempts" in locked[0]
        assert reveals_nothing([*first, *second, *third, *locked])


async def test_failed_proofs_are_limited_per_order_across_conversations(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        for index in range(4):
            guesser = Buyer(wismo, f"73000000000000{index:02d}")
            for attempt in range(3 if index < 3 else 1):
                await guesser.says(f"#{ORDER} phone 9{index}{attempt}0")
        # Ten wrong guesses in a day: the order is locked for everyone who has to prove it …
        latecomer = Buyer(wismo, "7300000000000099")
        refused = await latecomer.says(f"#{ORDER} phone {RIGHT_PHONE}")
        assert "after too many attempts" in refused[0]
        # … but its buyer, known by their Instagram username, still gets the answer.
        wismo.fake.profiles["7300000000000098"] = {"username": "mia.t.home"}
        owner = Buyer(wismo, "7300000000000098")
        answered = await owner.says(f"#{ORDER}")
        assert f"Order {ORDER} was sent in 2 parcels" in "\n".join(answered)


async def test_an_order_with_nothing_to_prove_it_goes_to_a_person(
    aiohttp_server, database_url, tmp_path
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        orders = tmp_path / "bare.csv"
        orders.write_text("order_number,tracking_numbers\n#2001,LP00651234567890\n")
        await OrderImporter(
            OrderRepository(wismo.sessions), clock=lambda: datetime.now(UTC)
        ).import_file(orders)
        buyer = Buyer(wismo, "7200000000000006")
        answered = await buyer.says("order #2001")
        assert "LP00651234567890" not in answered[0]
        assert "reply to you here" in answered[0]
        assert (await buyer.conversation()).handed_off


@pytest.mark.parametrize(
    ("unknown", "known", "wrong"),
    [
        ("#9999", f"#{ORDER}", "last four 9999"),
        ("我的订单 #9999 到哪儿了", f"我的订单 #{ORDER} 到哪儿了", "电话尾号 9999"),
        ("hola, mi pedido 9999 no llega", f"hola, mi pedido {ORDER} no llega", "teléfono 9999"),
    ],
)
async def test_an_unknown_order_number_is_answered_exactly_like_a_known_one_before_its_proof(
    aiohttp_server, database_url, unknown, known, wrong
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        prober, buyer = Buyer(wismo, "7200000000000007"), Buyer(wismo, "7200000000000017")
        asked_unknown, asked_known = await prober.says(unknown), await buyer.says(known)
        assert asked_unknown == [asked_known[0].replace(ORDER, "9999")]
        assert "9999" in asked_unknown[0]
        failed_unknown, failed_known = await prober.says(wrong), await buyer.says(wrong)
        assert failed_unknown == failed_known
        assert "couldn't find" not in " ".join(failed_unknown)


async def test_one_buyer_may_ask_about_only_ten_order_numbers_a_day(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        prober = Buyer(wismo, "7200000000000027")
        for number in range(9000, 9010):
            asked = await prober.says(f"order #{number}")
            assert f"order {number} is yours" in asked[0]
        refused = await prober.says(f"order #{ORDER}")
        assert "after too many attempts" in refused[0]
        assert reveals_nothing(refused)
        # Numbers already asked about may be asked again (the buyer answering the prompt).
        again = await prober.says("order #9003")
        assert "order 9003 is yours" in again[0]


@pytest.mark.parametrize(
    ("opening", "zip_message", "contact_prompt", "phone_message", "thanks"),
    [
        (
            f"#{ORDER}",
            f"my zip is {RIGHT_ZIP}",
            "Anyone with the tracking number can see this order's postcode",
            f"phone ends {RIGHT_PHONE}",
            "Thanks, that matches the order.",
        ),
        (
            f"我的订单 #{ORDER} 到哪儿了",
            f"邮编 {RIGHT_ZIP}",
            "任何有运单号的人都能看到这个订单的邮编",
            f"电话尾号 {RIGHT_PHONE}",
            "谢谢",
        ),
        (
            f"hola, mi pedido {ORDER} no llega",
            f"código postal {RIGHT_ZIP}",
            "Cualquiera con el número de seguimiento puede ver el código postal",
            f"teléfono {RIGHT_PHONE}",
            "Gracias",
        ),
    ],
)
async def test_a_postcode_the_parcels_public_scans_show_is_no_proof(
    aiohttp_server, sqlite_url, opening, zip_message, contact_prompt, phone_message, thanks
) -> None:
    async with shop(aiohttp_server, sqlite_url) as wismo:
        buyer = Buyer(wismo, "7200000000000037")
        await buyer.says(opening)
        refused = await buyer.says(zip_message)
        assert contact_prompt in refused[0]
        assert reveals_nothing(refused)
        # A wrong postcode gets the very same answer, and neither costs a try.
        other = Buyer(wismo, "7200000000000038")
        await other.says(opening)
        assert await other.says(zip_message.replace(RIGHT_ZIP, "94107")) == refused
        answered = await buyer.says(phone_message)
        assert answered[0].startswith(thanks)


@pytest.mark.parametrize(
    "written", [PRIVATE_ZIP, "meine PLZ: 10115", "order #1005, postcode 10115"]
)
async def test_a_postcode_no_scan_shows_proves_the_order(
    aiohttp_server, sqlite_url, written
) -> None:
    async with shop(aiohttp_server, sqlite_url) as wismo:
        buyer = Buyer(wismo, "7200000000000047")
        await buyer.says(f"#{PRIVATE}")
        answered = await buyer.says(written)
        assert answered[0].startswith("Thanks, that matches the order.")


async def test_one_message_holding_several_details_is_one_guess_checked_as_one_proof(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7200000000000057")
        await buyer.says(f"#{PRIVATE}")
        # A wrong email, the right phone digits and the right postcode: read as the email.
        answered = await buyer.says(f"lena@example.org 6789 {PRIVATE_ZIP} {PRIVATE_ZIP[:3]}")
        assert "doesn't match the details on this order" in answered[0]
        assert "You have 2 more tries." in answered[0]
        async with wismo.sessions() as session:
            rows = list(await session.scalars(select(VerificationAttemptRow)))
        assert [(row.order_number, row.matched) for row in rows] == [(PRIVATE, False)]


async def test_attempts_are_recorded_against_the_order_not_the_buyers_details(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        buyer = Buyer(wismo, "7200000000000008")
        await buyer.says(f"#{ORDER} phone 9876")
        conversation = await buyer.conversation()
        assert "9876" not in str(conversation.state)
        async with wismo.sessions() as session:
            rows = list(await session.scalars(select(VerificationAttemptRow)))
            assert [(row.order_number, row.matched) for row in rows] == [(ORDER, False)]
            assert await ConversationStore(session).get(conversation.id) is not None


async def test_buyers_guessing_at_once_record_no_more_failures_than_the_limit(
    aiohttp_server, database_url
) -> None:
    async with shop(aiohttp_server, database_url) as wismo:
        guesses = [text(f"76000000000000{n:02d}", f"#{PRIVATE} phone 9{n:03d}") for n in range(20)]
        assert (await wismo.post(envelope(*guesses))).status_code == 200
        await wismo.wait_settled(timeout=60.0)
        async with wismo.sessions() as session:
            rows = list(await session.scalars(select(VerificationAttemptRow)))
        assert len(rows) == 10
        assert not any(row.matched for row in rows)
        answers = [m.message.get("text") or "" for m in wismo.fake.delivered]
        assert sum("after too many attempts" in answer for answer in answers) == 10
