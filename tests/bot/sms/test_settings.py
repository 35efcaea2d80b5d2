"""SMS updates are off unless configured, and on only with what every text needs."""

from __future__ import annotations

import pytest

from bot.app.settings import Settings
from bot.errors import ConfigurationInvalid
from bot.sms.options import sms_options_from
from tests.bot.sms.harness import SMS

REQUIRED = {
    "WISMO_DATABASE_URL": "sqlite+aiosqlite:///unused.db",
    "META_APP_SECRET": "s",
    "META_VERIFY_TOKEN": "v",
    "META_ACCESS_TOKEN": "a",
}


def test_without_the_switch_nothing_is_ever_texted() -> None:
    assert sms_options_from(Settings.from_mapping(REQUIRED)) is None


def test_texts_need_the_store_name_because_each_opens_with_it() -> None:
    with pytest.raises(ConfigurationInvalid, match="WISMO_STORE_NAME"):
        sms_options_from(Settings.from_mapping({**REQUIRED, **SMS}))
    named = Settings.from_mapping({**REQUIRED, **SMS, "WISMO_STORE_NAME": "Lumen Shop"})
    assert sms_options_from(named) is not None


def test_texts_need_the_providers_credentials() -> None:
    without_token = {key: value for key, value in SMS.items() if key != "TWILIO_AUTH_TOKEN"}
    with pytest.raises(ConfigurationInvalid, match="TWILIO_AUTH_TOKEN"):
        sms_options_from(
            Settings.from_mapping({**REQUIRED, **without_token, "WISMO_STORE_NAME": "Lumen"})
        )
