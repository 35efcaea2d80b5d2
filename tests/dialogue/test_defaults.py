"""Safe defaults (issue 14): without a store name no reply names a shop (never "our shop");
the sandbox answers only when listed; with no tracking source, a buyer is told so honestly and
offered a person, and `wismo serve` says both at start."""

from __future__ import annotations

import pytest

from bot.app.settings import Settings
from bot.cli.serve import start_warnings
from tests.bot.processes import server_env, start_server
from tests.dialogue.buyers import CATALOGS, Buyer, shop

PARCEL = "YT2430421272039912"
HELLO = {"en": "hello", "zh-Hans": "你好", "es": "hola"}
WHERE = {
    "en": f"where is my parcel {PARCEL}",
    "zh-Hans": f"我的快递 {PARCEL} 到哪儿了",
    "es": f"hola, ¿dónde está mi paquete {PARCEL}?",
}
REQUIRED = {
    "WISMO_DATABASE_URL": "sqlite+aiosqlite:///unused.db",
    "META_APP_SECRET": "s",
    "META_VERIFY_TOKEN": "v",
    "META_ACCESS_TOKEN": "a",
}


def test_the_defaults_name_no_shop_and_use_no_sandbox() -> None:
    settings = Settings.from_mapping(REQUIRED)
    assert settings.store_name == ""
    assert settings.providers == ()
    assert start_warnings(settings) == [
        "WISMO_STORE_NAME is not set: replies name no shop",
        "no tracking source is configured (WISMO_PROVIDERS, or a source's credentials): "
        "buyers asking about a parcel are told tracking is not connected yet and offered "
        "a person",
    ]
    named = Settings.from_mapping(
        {**REQUIRED, "WISMO_STORE_NAME": "Lumen & Co", "WISMO_PROVIDERS": "sandbox"}
    )
    assert start_warnings(named) == []


@pytest.mark.parametrize("language", sorted(HELLO))
async def test_without_a_store_name_replies_name_no_shop(
    aiohttp_server, sqlite_url, language
) -> None:
    t = CATALOGS.translation(language)
    async with shop(aiohttp_server, sqlite_url, WISMO_STORE_NAME="") as wismo:
        buyer = Buyer(wismo, f"76000000000{sorted(HELLO).index(language)}1")
        hello = await buyer.asks(HELLO[language])
        assert "our shop" not in hello
        assert "Test Shop" not in hello
        assert (
            t.gettext(
                "Hi! I'm the shop's automated assistant. Send me your order number (for example "
                "{example}) or your tracking number and I'll tell you where your parcel is.",
                example="#1001",
            )
            in hello
        )
        person = await buyer.asks("can I talk to a human?")
        assert "our shop" not in person


@pytest.mark.parametrize("language", sorted(WHERE))
async def test_with_no_tracking_source_a_parcel_is_answered_honestly(
    aiohttp_server, sqlite_url, language
) -> None:
    t = CATALOGS.translation(language)
    async with shop(aiohttp_server, sqlite_url, WISMO_PROVIDERS="") as wismo:
        buyer = Buyer(wismo, f"76000000000{sorted(WHERE).index(language)}2")
        answered = await buyer.asks(WHERE[language])
        assert (
            t.gettext(
                "I can't look up tracking in this chat yet: the shop hasn't connected a tracking "
                "service. Ask for a person here and the shop will check your parcel for you."
            )
            in answered
        )
        # No made-up parcel: the sandbox's story of this number is not told.
        assert t.gettext("Latest updates:") not in answered


async def test_serve_warns_at_start_about_a_missing_store_name_and_tracking_source(
    tmp_path, sqlite_url
) -> None:
    log = tmp_path / "serve.log"
    env = server_env(sqlite_url, "http://127.0.0.1:9")
    server = await start_server(env, log)
    try:
        written = log.read_text()
    finally:
        await server.stop()
    assert "wismo: warning: WISMO_STORE_NAME is not set: replies name no shop" in written
    assert "wismo: warning: no tracking source is configured" in written
