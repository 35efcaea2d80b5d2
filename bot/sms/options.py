"""SmsOptions: the SMS channel's settings, validated once and turned into values."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.settings import Settings
from bot.errors import ConfigurationInvalid

INBOUND_PATH = "/sms/twilio/inbound"
STATUS_PATH = "/sms/twilio/status"


@dataclass(frozen=True, slots=True)
class SmsOptions:
    """Twilio's credentials and sender, the pace and daily budget (see .env.example)."""

    account_sid: str
    auth_token: str
    sender: str | None
    messaging_service_sid: str | None
    base_url: str
    public_url: str
    rate: float = 1.0
    daily_budget: int | None = 500
    default_region: str | None = None

    @property
    def status_callback(self) -> str:
        return self.public_url.rstrip("/") + STATUS_PATH


def sms_options_from(settings: Settings) -> SmsOptions | None:
    """The SMS options, or None when SMS updates are off (nothing is ever sent then).

    Raises ConfigurationInvalid when WISMO_UPDATES_SMS is on without the account SID, the auth
    token, a From number or Messaging Service SID, or the store's name (every text opens with
    it: carriers want the sender named, docs/sms.md).
    """
    s = settings
    if not s.updates_sms:
        return None
    missing = [
        name
        for name, value in (
            ("TWILIO_ACCOUNT_SID", s.twilio_account_sid),
            ("TWILIO_AUTH_TOKEN", s.twilio_auth_token),
            (
                "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID",
                s.twilio_from or (s.twilio_messaging_service_sid),
            ),
            ("WISMO_STORE_NAME", s.store_name.strip()),
        )
        if not value
    ]
    if missing:
        raise ConfigurationInvalid(
            f"setting WISMO_UPDATES_SMS is on but {', '.join(missing)} is not set"
        )
    assert s.twilio_account_sid is not None
    assert s.twilio_auth_token is not None
    return SmsOptions(
        account_sid=s.twilio_account_sid,
        auth_token=s.twilio_auth_token.get_secret_value(),
        sender=s.twilio_from,
        messaging_service_sid=s.twilio_messaging_service_sid,
        base_url=s.twilio_base_url,
        public_url=s.public_base_url,
        rate=s.sms_rate,
        daily_budget=s.sms_daily_budget or None,
        default_region=s.sms_default_region,
    )


__all__ = ["INBOUND_PATH", "STATUS_PATH", "SmsOptions", "sms_options_from"]
