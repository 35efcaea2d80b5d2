"""An update's text: the DM's news in short, the tracking link, how to opt out; one segment
when a form of it fits, never more than three, in every language."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import pytest

from bot.replies.catalogs import Catalogs, load_catalogs
from bot.sms.keywords import Keyword
from bot.sms.segments import MAX_SEGMENTS, Encoding, count
from bot.sms.wording import PHRASES, SmsWording
from carriers.models import Shipment

LANGUAGES = ["en", "es", "fr", "de", "pt", "ar", "zh-Hans", "zh-Hant"]


@functools.cache
def _wording(store: str = "Test Shop") -> SmsWording:
    return SmsWording(_catalogs(), lambda: datetime.now(UTC), store)


@functools.cache
def _catalogs() -> Catalogs:
    return load_catalogs(default_language="en")


def _shipment(status: str, **extra: object) -> Shipment:
    return Shipment.model_validate(
        {
            "number": "1Z999AA10123456784",
            "carrier": "ups",
            "status": status,
            "source": "sandbox",
            "checked_at": "2026-12-06T10:00:00Z",
            **extra,
        }
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "status", ["in_transit", "out_for_delivery", "delivered", "failed_attempt", "exception"]
)
def test_an_update_fits_in_three_segments_with_its_link_and_opt_out(language, status):
    text = _wording().update(language, _shipment(status))
    assert count(text).count <= MAX_SEGMENTS
    assert "https://www.ups.com/track?tracknum=1Z999AA10123456784" in text
    assert text.startswith("Test Shop")
    assert text.endswith(PHRASES[language]["footer"]) or text.endswith(
        _plain(PHRASES[language]["footer"])
    )


def _plain(text: str) -> str:
    from bot.sms.segments import gsm7_lookalike

    return gsm7_lookalike(text) or text


@pytest.mark.parametrize("language", ["en", "es", "fr", "de", "pt"])
def test_a_latin_update_is_one_gsm7_segment(language):
    text = _wording().update(language, _shipment("out_for_delivery"))
    assert count(text).encoding is Encoding.GSM7
    assert count(text).count == 1


def test_a_long_store_name_is_cut_to_three_segments():
    text = _wording("A very long store name " * 30).update("zh-Hans", _shipment("delivered"))
    assert count(text).count == MAX_SEGMENTS


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_phrase(language):
    assert set(PHRASES[language]) == set(PHRASES["en"])
    for keyword in Keyword:
        assert "Test Shop" in _wording().keyword_reply(language, keyword)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_text_me_updates_button_fits_instagrams_title_limit(language):
    assert len(PHRASES[language]["button"]) <= 20
