"""Answers that respond to the question asked (issue 14), end to end in English, Chinese and
Spanish: follow-ups about the parcel just described, several requests in one message, timelines
that keep the carrier's meaning, links to the carrier that has the parcel now, and the
conversation's language kept for short messages."""

from __future__ import annotations

import pytest

from bot.replies.wording import STATUS_HEADLINES, STATUS_LABELS
from carriers.models import Status
from tests.dialogue.buyers import CATALOGS, Buyer, shop
from tests.replies.voice import contradictions, says

CUSTOMS_TO_USPS = "YT2430421272039912"  # China → US: import customs cleared, handed to USPS
UNCLAIMED = "9400111899223397845629"  # USPS: not collected from the post office, going back
COLISSIMO = "YT2430621272041023"  # handed to Colissimo, then quiet for 16 days
LA_POSTE = "LX123456785CN"  # a China Post number, delivered by La Poste

WHERE = {
    "en": "where is my parcel {number}",
    "zh-Hans": "我的快递 {number} 到哪儿了",
    "es": "hola, ¿dónde está mi paquete {number}?",
}
WHEN = {
    "en": "when will it arrive?",
    "zh-Hans": "我的包裹什么时候能到？",
    "es": "¿cuándo llegará mi paquete?",
}
LOST = {"en": "is it lost?", "zh-Hans": "快递丢了吗", "es": "¿mi paquete se perdió?"}
WHY_BACK = {
    "en": "why is it being sent back?",
    "zh-Hans": "我的包裹为什么退回",
    "es": "¿por qué devolvieron mi paquete?",
}
DUTIES = {
    "en": (
        "where is my parcel {number} and will I have to pay import duties?",
        "will I have to pay import duties?",
    ),
    "zh-Hans": ("我的包裹 {number} 到哪了？还有要交关税吗？", "要交关税吗？"),
    "es": (
        "¿dónde está mi paquete {number}? ¿tengo que pagar impuestos de aduana?",
        "¿tengo que pagar impuestos de aduana?",
    ),
}
CHANGE = {
    "en": (
        "where is my parcel {number}? can I change the delivery address?",
        "can I change the delivery address?",
    ),
    "zh-Hans": ("我的包裹 {number} 到哪了？可以改地址吗？", "可以改地址吗？"),
    "es": (
        "¿dónde está mi paquete {number}? ¿puedo cambiar la dirección?",
        "¿puedo cambiar la dirección?",
    ),
}
LANGUAGES = sorted(WHERE)


def gettext(language: str, message: str, **fields: object) -> str:
    return CATALOGS.translation(language).gettext(message, **fields)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_follow_up_gets_the_part_that_answers_it_not_the_card_again(
    aiohttp_server, sqlite_url, language
) -> None:
    t = CATALOGS.translation(language)
    async with shop(aiohttp_server, sqlite_url) as wismo:
        buyer = Buyer(wismo, f"7500000000000{LANGUAGES.index(language)}01")
        card = await buyer.asks(WHERE[language].format(number=CUSTOMS_TO_USPS))
        assert t.gettext("Latest updates:") in card

        when = await buyer.asks(WHEN[language])
        assert when != card
        assert t.gettext("Latest updates:") not in when
        assert says(t, "That's the carrier's estimate, from its latest scan: {scan}.", when)
        assert says(t, "Estimated delivery: {dates}", when)

        lost = await buyer.asks(LOST[language])
        assert lost not in {when, card}
        assert says(t, "Its latest scan is recent ({scan}), so it isn't lost.", lost)
        # When to worry: the day from which the shop should ask the carrier.
        assert says(
            t,
            "If there's still no new scan by {date}, ask for a person here and the shop "
            "can open an inquiry with the carrier.",
            lost,
        )
        for answer in (card, when, lost):
            assert contradictions(t, answer) == []
        replies = await buyer.bot_replies()
        assert [r.based_on and r.based_on.get("follow_up") for r in replies[-2:]] == [
            "delivery_time",
            "delay",
        ]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_why_a_parcel_goes_back_is_answered_from_its_scans(
    aiohttp_server, sqlite_url, language
) -> None:
    t = CATALOGS.translation(language)
    async with shop(aiohttp_server, sqlite_url) as wismo:
        buyer = Buyer(wismo, f"7500000000000{LANGUAGES.index(language)}02")
        card = await buyer.asks(WHERE[language].format(number=UNCLAIMED))
        reason = t.gettext("It wasn't collected from the pickup point or post office in time.")
        assert reason in card
        assert contradictions(t, card) == []
        why = await buyer.asks(WHY_BACK[language])
        assert why != card
        assert reason in why
        assert t.gettext("Latest updates:") not in why


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("asked", "reason", "igsid"),
    [(DUTIES, "question", "75000000000000"), (CHANGE, "cancel_or_change", "75500000000000")],
    ids=["question", "change"],
)
async def test_a_question_beside_a_tracking_number_gets_the_parcel_and_is_quoted_to_a_person(
    aiohttp_server, sqlite_url, language, asked, reason, igsid
) -> None:
    message, question = asked[language]
    async with shop(aiohttp_server, sqlite_url) as wismo:
        buyer = Buyer(wismo, f"{igsid}{LANGUAGES.index(language)}03")
        answered = await buyer.asks(message.format(number=CUSTOMS_TO_USPS))
        # The parcel is answered …
        assert gettext(language, STATUS_HEADLINES[Status.IN_TRANSIT]) in answered
        # … and what it cannot answer goes to a person, quoted.
        assert gettext(language, "I've passed this to a person at the shop:") in answered
        assert f"“{question}”" in answered
        conversation = await buyer.conversation()
        assert conversation.handoff_reason == reason
        reply = (await buyer.bot_replies())[-1]
        assert reply.based_on is not None
        assert reply.based_on["questions"] == [question]


async def test_a_single_question_about_the_parcel_is_not_handed_over(
    aiohttp_server, sqlite_url
) -> None:
    async with shop(aiohttp_server, sqlite_url) as wismo:
        buyer = Buyer(wismo, "750000000000000004")
        answered = "\n".join(
            await buyer.says(f"where is my parcel {CUSTOMS_TO_USPS}? when will it arrive?")
        )
        assert "I've passed this to a person" not in answered
        assert (await buyer.conversation()).handoff_reason is None


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_timeline_keeps_customs_and_the_hand_over_with_its_number(
    aiohttp_server, sqlite_url, language
) -> None:
    t = CATALOGS.translation(language)
    async with shop(aiohttp_server, sqlite_url) as wismo:
        buyer = Buyer(wismo, f"7500000000000{LANGUAGES.index(language)}05")
        card = await buyer.asks(WHERE[language].format(number=CUSTOMS_TO_USPS))
        assert t.gettext("Customs cleared") in card
        assert (
            t.gettext(
                "Handed to {carrier}, number {number}",
                carrier="USPS",
                number="9261290339920510293847",
            )
            in card
        )
        # The link is the last-mile carrier's page for its own number.
        assert "https://tools.usps.com/go/TrackConfirmAction?tLabels=9261290339920510293847" in card
        assert "yuntrack.com" not in card


LEFT_AND_SENT_BACK = {
    "LP00652234567891": ("Delivered to the mailbox", {}),
    "9400111899223397621049": ("Delivered to the mailbox", {}),
    "00340434161094042557": (
        "Ready for pickup at {place}",
        {"place": "Packstation 118 in München"},
    ),
    "RR493128572CN": ("Returning to the shop ({cause})", {"cause": "refused"}),
    "1Z999AA10123456784": ("Returning to the shop ({cause})", {"cause": "nobody was in"}),
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_timeline_says_where_a_parcel_was_left_and_why_it_went_back(
    aiohttp_server, sqlite_url, language
) -> None:
    t = CATALOGS.translation(language)
    async with shop(aiohttp_server, sqlite_url) as wismo:
        for index, (number, (label, fields)) in enumerate(LEFT_AND_SENT_BACK.items()):
            buyer = Buyer(wismo, f"7510000000{LANGUAGES.index(language)}{index:02d}")
            card = await buyer.asks(WHERE[language].format(number=number))
            said = {
                name: t.gettext(value) if name == "cause" else value
                for name, value in fields.items()
            }
            assert t.gettext(label, **said) in card, number


@pytest.mark.parametrize("language", [*LANGUAGES, "de"])
async def test_scans_that_say_the_same_collapse_into_one_line_with_their_span(
    aiohttp_server, sqlite_url, language
) -> None:
    moving_label = CATALOGS.translation(language).gettext(STATUS_LABELS[Status.IN_TRANSIT])
    where = WHERE.get(language, "hallo, wo ist mein Paket {number}?")
    async with shop(aiohttp_server, sqlite_url) as wismo:
        buyer = Buyer(wismo, f"753000000000{language}")
        card = await buyer.asks(where.format(number="4PX3001234567890CN"))
        moving = [line for line in card.splitlines() if line.endswith(f"· {moving_label}")]
        assert len(moving) == 1
        assert " – " in moving[0]


LINKS = {
    COLISSIMO: "https://www.laposte.fr/outils/suivre-vos-envois?code=6A21843095617",
    LA_POSTE: f"https://www.laposte.fr/outils/suivre-vos-envois?code={LA_POSTE}",
    "UA204813765CN": "https://tools.usps.com/go/TrackConfirmAction?tLabels=UA204813765CN",
    "LX402981735CN": "https://postnl.nl/tracktrace/?B=LX402981735CN&D=NL&T=C",
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_link_is_the_carrier_that_has_the_parcel_now(
    aiohttp_server, sqlite_url, language
) -> None:
    async with shop(aiohttp_server, sqlite_url) as wismo:
        for index, (number, link) in enumerate(LINKS.items()):
            buyer = Buyer(wismo, f"7520000000{LANGUAGES.index(language)}{index:02d}")
            card = await buyer.asks(WHERE[language].format(number=number))
            assert link in card, number
            assert "https://www.ems.com.cn/" not in card


async def test_a_stale_parcel_never_says_nothing_to_do_beside_ask_for_a_person(
    aiohttp_server, sqlite_url
) -> None:
    async with shop(aiohttp_server, sqlite_url) as wismo:
        buyer = Buyer(wismo, "750000000000000007")
        card = await buyer.asks(f"where is my parcel {COLISSIMO}")
        assert "ask for a person here" in card
        assert "nothing you need to do" not in card


@pytest.mark.parametrize("language", LANGUAGES)
async def test_short_messages_keep_the_conversations_language(
    aiohttp_server, sqlite_url, language
) -> None:
    t = CATALOGS.translation(language)
    other = "zh-Hans" if language != "zh-Hans" else "es"
    async with shop(aiohttp_server, sqlite_url) as wismo:
        buyer = Buyer(wismo, f"7500000000000{LANGUAGES.index(language)}08")
        await buyer.says(WHERE[language].format(number=CUSTOMS_TO_USPS))
        await buyer.says(WHEN[language])
        await buyer.says(LOST[other])  # one message in another language
        # An emoji-only message: the last parcel, in the conversation's language.
        again = await buyer.asks("📦❓😡")
        assert CUSTOMS_TO_USPS in again
        assert t.gettext(STATUS_HEADLINES[Status.IN_TRANSIT]) in again
        assert (await buyer.conversation()).language == language
        await buyer.says("stop")
        assert (await buyer.conversation()).language == language


AGAIN = {
    "en": "any update?",
    "zh-Hans": "我的包裹有更新吗？",
    "es": "¿alguna novedad de mi paquete?",
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_asked_again_with_nothing_new_it_says_so_instead_of_the_card(
    aiohttp_server, sqlite_url, language
) -> None:
    t = CATALOGS.translation(language)
    async with shop(aiohttp_server, sqlite_url) as wismo:
        buyer = Buyer(wismo, f"7540000000000{LANGUAGES.index(language)}")
        card = await buyer.asks(WHERE[language].format(number=COLISSIMO))
        again = await buyer.asks(AGAIN[language])
        assert again != card
        assert says(
            t, "There's no new scan since my last answer. The latest is still: {scan}.", again
        )
        assert t.gettext("Latest updates:") not in again
        assert contradictions(t, again) == []
        # Sending the number again is asking for the whole answer.
        assert await buyer.asks(WHERE[language].format(number=COLISSIMO)) == card
