"""Delivery times before purchase (issue 14): "how long does shipping to Brazil take?" is
answered from the shop's table in the buyer's language, the quiet cross-border stretch told up
front; without a table, an honest general answer and a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue.shipping import EU, ShippingTable, load_table
from bot.errors import ConfigurationInvalid
from bot.replies.shipping import quiet_leg
from tests.dialogue.buyers import CATALOGS, Buyer, shop

TABLE = Path(__file__).resolve().parents[2] / "bot" / "devtools" / "demo_delivery_times.csv"
ASKED = {
    "en": ("how long does shipping to Brazil take?", "Brazil"),
    "zh-Hans": ("寄到巴西要多久？", "巴西"),
    "es": ("¿cuánto tarda el envío a Brasil?", "Brasil"),
}
LANGUAGES = sorted(ASKED)


def test_the_table_gives_a_country_its_own_rows_else_its_regions_else_everywheres() -> None:
    table = load_table(TABLE)
    assert [row.method for row in table.to("US")] == ["Standard (tracked)", "Express (DHL)"]
    assert "DE" in EU
    assert [(row.min_days, row.max_days) for row in table.to("DE")] == [(8, 15), (3, 6)]
    assert [(row.min_days, row.max_days) for row in table.to("JP")] == [(10, 25)]
    assert ShippingTable(()).to("JP") == []


def test_a_malformed_table_stops_start_up_naming_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "times.csv"
    bad.write_text("destination,method,min_days,max_days,quiet\nBR,Standard,30,15,yes\n")
    with pytest.raises(ConfigurationInvalid, match="line 2"):
        load_table(bad)
    with pytest.raises(ConfigurationInvalid, match="cannot read"):
        load_table(tmp_path / "missing.csv")


@pytest.mark.parametrize("language", LANGUAGES)
async def test_shipping_times_are_answered_from_the_shops_table_quiet_leg_first(
    aiohttp_server, sqlite_url, language
) -> None:
    t = CATALOGS.translation(language)
    asked, country = ASKED[language]
    async with shop(aiohttp_server, sqlite_url, WISMO_DELIVERY_TIMES=str(TABLE)) as wismo:
        buyer = Buyer(wismo, f"77000000000{LANGUAGES.index(language)}1")
        answered = await buyer.asks(asked)
        assert t.gettext("Shipping to {country}:", country=country) in answered
        times = t.gettext(
            "{method}: {low}–{high} business days after dispatch",
            method="Standard (tracked)",
            low=15,
            high=30,
        )
        assert times in answered
        # The quiet stretch is told before the times.
        assert answered.index(quiet_leg(t)) < answered.index(times)
        assert (await buyer.conversation()).language == language


@pytest.mark.parametrize("language", LANGUAGES)
async def test_without_a_table_the_answer_is_general_honest_and_offers_a_person(
    aiohttp_server, sqlite_url, language
) -> None:
    t = CATALOGS.translation(language)
    async with shop(aiohttp_server, sqlite_url) as wismo:
        buyer = Buyer(wismo, f"77000000000{LANGUAGES.index(language)}2")
        answered = await buyer.asks(ASKED[language][0])
        assert (
            t.gettext(
                "I don't have this shop's shipping times. As a rough guide, parcels usually "
                "take 2–7 days within a country and 1–4 weeks from abroad."
            )
            in answered
        )
        assert quiet_leg(t) in answered
        assert t.gettext("Ask for a person here if you'd like the shop's own answer.") in answered
        person = t.pgettext("button", "Talk to a person")
        assert person in [reply.title for reply in buyer.last_quick_replies()]
