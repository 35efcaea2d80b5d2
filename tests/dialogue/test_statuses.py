"""Every status and exception reason the sandbox shows is answered with its own headline, in
every language, within Instagram's limits (checked on every delivery by `Buyer`), in one voice
(no contradiction pair, no sentence twice: tests/replies/voice.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.replies.answer import headline
from carriers.errors import SourceError, TrackingNotFound
from carriers.models import TrackingQuery
from carriers.sandbox import Sandbox, scenarios
from tests.dialogue.buyers import CATALOGS, Buyer, shop
from tests.replies.voice import contradictions

# The progressing parcel changes status every 15 minutes: its headline is not fixed.
PROGRESSING = "9400111899223398112508"
TYPED = [s.number for s in scenarios() if s.number != PROGRESSING]
PROBES = {
    "en": "where is my parcel {number}",
    "es": "hola, ¿dónde está mi paquete {number}?",
    "pt": "olá, onde está a minha encomenda {number}?",
    "fr": "bonjour, où est mon colis {number} ?",
    "de": "hallo, wo ist mein Paket {number}?",
    "ar": "مرحبا، أين طردي {number}",
    "zh-Hans": "我的快递 {number} 到哪儿了",
    "zh-Hant": "我的包裹 {number} 到哪裡了？",
}


async def expected_opening(number: str, language: str) -> str:
    """What the answer must say about `number`: its headline, or why there is none."""
    t = CATALOGS.translation(language)
    try:
        shipment = await Sandbox(clock=lambda: datetime.now(UTC)).track(
            TrackingQuery(number=number)
        )
    except TrackingNotFound:
        return t.gettext("I can't find any tracking for {number} yet.", number=number)
    except SourceError:
        return t.gettext(
            "I couldn't get tracking for {number} from the carrier just now. This is usually "
            "temporary: please try again in a few minutes.",
            number=number,
        )
    return headline(t, shipment)


@pytest.mark.parametrize("language", sorted(PROBES))
async def test_every_situation_is_explained_in_every_language(
    aiohttp_server, sqlite_url, language
) -> None:
    async with shop(aiohttp_server, sqlite_url) as wismo:
        for index, number in enumerate(TYPED):
            buyer = Buyer(wismo, f"76{index:05d}{sorted(PROBES).index(language)}")
            answered = await buyer.says(PROBES[language].format(number=number))
            assert (await buyer.conversation()).language == language, number
            said = "\n".join(answered)
            assert await expected_opening(number, language) in said, number
            assert contradictions(CATALOGS.translation(language), said) == [], number
            reply = (await buyer.bot_replies())[-1]
            assert reply.based_on is not None
            assert reply.based_on["shipments"][0]["number"] == number


async def test_every_status_and_reason_of_the_model_is_among_the_situations() -> None:
    from carriers.models import ExceptionReason, Status

    sandbox = Sandbox(clock=lambda: datetime.now(UTC))
    statuses, reasons = set(), set()
    for number in TYPED:
        try:
            shipment = await sandbox.track(TrackingQuery(number=number))
        except (TrackingNotFound, SourceError):
            continue
        statuses.add(shipment.status)
        if shipment.exception_reason is not None:
            reasons.add(shipment.exception_reason)
    assert statuses == set(Status) - {Status.UNKNOWN}
    assert reasons == set(ExceptionReason)
