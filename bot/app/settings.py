"""Settings: every knob wismo reads, validated once at start-up from a plain mapping."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from bot.app.event_loop import EventLoopChoice
from bot.app.order_patterns import OrderNumberPatterns
from bot.app.sources import SettingsGroup, SourceSettings
from bot.errors import ConfigurationInvalid
from stores.api_versions import SHOPIFY as SHOPIFY_API_VERSION
from stores.models import StoreKind

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///wismo.db"


def _csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


OptionalSecret = Annotated[SecretStr | None, Field(default=None)]
CommaSeparated = Annotated[tuple[str, ...], BeforeValidator(_csv)]
CommaSeparatedSecrets = Annotated[tuple[SecretStr, ...], BeforeValidator(_csv)]


class CoreSettings(SettingsGroup):
    """The service itself: its database, where it listens, its logs, API token and public URL."""

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="WISMO_DATABASE_URL")
    host: str = Field("127.0.0.1", alias="WISMO_HOST")
    port: int = Field(8080, alias="WISMO_PORT", ge=0, le=65535)
    log_level: str = Field("INFO", alias="WISMO_LOG_LEVEL")
    # The event loop of serve, demo and chat: auto (uvloop where installed), uvloop, asyncio.
    event_loop: EventLoopChoice = Field("auto", alias="WISMO_EVENT_LOOP")
    api_token: OptionalSecret = Field(None, alias="WISMO_API_TOKEN")
    # Encrypts stored Instagram tokens (bot/accounts); required once any account is stored.
    secret_key: OptionalSecret = Field(None, alias="WISMO_SECRET_KEY")
    # Where buyers' email links and the carriers' push callbacks reach this service.
    public_base_url: str = Field("http://127.0.0.1:8080", alias="WISMO_PUBLIC_URL")
    # Conversations handled at once (and messages sent at once) per process.
    workers: int = Field(8, alias="WISMO_WORKERS", ge=1, le=256)
    # Buyers silent this many days are forgotten, old orders anonymised (0 keeps everything).
    retention_days: int = Field(365, alias="WISMO_RETENTION_DAYS", ge=0, le=36500)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value


class DialogueSettings(SettingsGroup):
    """How the bot talks: the store's name, the default language, what order numbers look like."""

    # Unset: replies name no shop (never a stand-in like "our shop"); `wismo serve` warns.
    store_name: str = Field("", alias="WISMO_STORE_NAME")
    default_language: str = Field("en", alias="WISMO_DEFAULT_LANGUAGE")
    # The shop's shipping times per destination (CSV; bot/dialogue/shipping.py), for buyers who
    # ask before ordering; unset: an honest general answer and a person.
    delivery_times: Path | None = Field(None, alias="WISMO_DELIVERY_TIMES")
    order_example: str = Field("#1001", alias="WISMO_ORDER_EXAMPLE", min_length=1, max_length=40)
    order_number_patterns: OrderNumberPatterns = Field((), alias="WISMO_ORDER_NUMBER_PATTERNS")
    # After a hand-off, the bot stays quiet until a person has been silent this long.
    handoff_quiet_hours: float = Field(24.0, alias="WISMO_HANDOFF_QUIET_HOURS", gt=0)
    # A buyer's story that mentions the shop: "thanks" (a short thank-you) or "none" (no reply).
    story_mention_reply: Literal["thanks", "none"] = Field(
        "thanks", alias="WISMO_STORY_MENTION_REPLY"
    )


class ConsoleSettings(SettingsGroup):
    """The merchant console, its read-only API and /metrics."""

    metrics_token: OptionalSecret = Field(None, alias="WISMO_METRICS_TOKEN")
    trusted_proxies: CommaSeparated = Field((), alias="WISMO_TRUSTED_PROXIES")
    console_idle_minutes: float = Field(60.0, alias="WISMO_CONSOLE_IDLE_MINUTES", gt=0)
    console_session_hours: float = Field(12.0, alias="WISMO_CONSOLE_SESSION_HOURS", gt=0)
    console_login_attempts: int = Field(5, alias="WISMO_CONSOLE_LOGIN_ATTEMPTS", ge=1)
    console_stale_days: int = Field(5, alias="WISMO_CONSOLE_STALE_DAYS", ge=1)
    # An active account with no webhook delivery for this long raises the silence alarm
    # (console banner, /metrics); 0 turns it off.
    silence_alert_hours: float = Field(48.0, alias="WISMO_SILENCE_ALERT_HOURS", ge=0)


class MetaSettings(SettingsGroup):
    """Meta and Instagram: who signs the webhooks, the Send API's token, host and pace."""

    meta_app_secrets: CommaSeparatedSecrets = Field(alias="META_APP_SECRET", min_length=1)
    meta_verify_token: SecretStr = Field(alias="META_VERIFY_TOKEN")
    meta_access_token: SecretStr = Field(alias="META_ACCESS_TOKEN")
    meta_graph_url: str = Field("https://graph.instagram.com", alias="META_GRAPH_URL")
    meta_graph_version: str = Field("v25.0", alias="META_GRAPH_VERSION")
    meta_ig_account_id: str = Field("me", alias="META_IG_ACCOUNT_ID")
    # The Instagram app ID: with it the console's accounts page offers Instagram Business Login
    # (redirect URL: WISMO_PUBLIC_URL/console/accounts/oauth/callback).
    meta_app_id: str | None = Field(None, alias="META_APP_ID")
    # Where Business Login's authorization code is exchanged (a proxy or test double may stand in).
    meta_oauth_token_url: str = Field(
        "https://api.instagram.com/oauth/access_token", alias="META_OAUTH_TOKEN_URL"
    )
    # Send API calls per second per Instagram account, per `wismo serve` process (Meta: 100/s).
    send_rate: float = Field(50.0, alias="WISMO_SEND_RATE", gt=0, le=300)
    # mark_seen when a buyer's message is taken, typing_on when its answer takes over a second:
    # "on" or "off" (bot/pipeline/sender_actions.py).
    sender_actions: bool = Field(True, alias="WISMO_SENDER_ACTIONS")


class TrackingSettings(SourceSettings):
    """Tracking: which sources to try first, the cache's freshness and the sources' budgets
    (each source's own settings are declared with it, in bot/app/sources.py)."""

    # The sandbox (made-up parcels) only when listed: `wismo demo` lists it.
    providers: CommaSeparated = Field((), alias="WISMO_PROVIDERS")
    # Overrides of the tracking cache's freshness table, e.g. "in_transit=6h,not_found=30m".
    tracking_freshness: str = Field("", alias="WISMO_TRACKING_FRESHNESS")
    # Daily call budgets per tracking source, e.g. "dhl=1000,aftership=500" ("none" lifts one).
    source_budgets: str = Field("", alias="WISMO_SOURCE_BUDGETS")
    # How long a buyer may wait while a number just registered with 17TRACK or AfterShip is
    # read back (docs/tracking-sources.md, First lookups); 0: answer "not found yet" at once.
    first_lookup_seconds: float = Field(3.0, alias="WISMO_FIRST_LOOKUP_SECONDS", ge=0, le=10)


class UpdatesSettings(SettingsGroup):
    """Proactive updates: which milestones are told, when, how fast, and how long polled."""

    updates_dm: bool = Field(True, alias="WISMO_UPDATES_DM")
    updates_email: bool = Field(False, alias="WISMO_UPDATES_EMAIL")
    updates_milestones: CommaSeparated = Field(("all",), alias="WISMO_UPDATES_MILESTONES")
    updates_quiet_hours: str = Field("21:00-08:00", alias="WISMO_UPDATES_QUIET_HOURS")
    updates_time_zone: str = Field("UTC", alias="WISMO_UPDATES_TIME_ZONE")
    updates_time_zones: str = Field("", alias="WISMO_UPDATES_TIME_ZONES")
    updates_burst_seconds: float = Field(300.0, alias="WISMO_UPDATES_BURST_SECONDS", ge=0)
    updates_rate: float = Field(2.0, alias="WISMO_UPDATES_RATE", gt=0)
    updates_in_flight: int = Field(4, alias="WISMO_UPDATES_IN_FLIGHT", ge=1, le=256)
    updates_tick_seconds: float = Field(5.0, alias="WISMO_UPDATES_TICK_SECONDS", gt=0)
    updates_poll: bool = Field(True, alias="WISMO_UPDATES_POLL")
    updates_poll_seconds: float = Field(60.0, alias="WISMO_UPDATES_POLL_SECONDS", gt=0)
    updates_poll_min_minutes: float = Field(15.0, alias="WISMO_UPDATES_POLL_MIN_MINUTES", gt=0)
    updates_poll_max_hours: float = Field(12.0, alias="WISMO_UPDATES_POLL_MAX_HOURS", gt=0)
    updates_quota_backoff: float = Field(4.0, alias="WISMO_UPDATES_QUOTA_BACKOFF", ge=1)
    updates_follow_days: float = Field(45.0, alias="WISMO_UPDATES_FOLLOW_DAYS", gt=0)


class EmailSettings(SettingsGroup):
    """Email for proactive updates: the SMTP server, the sender, its pace, unsubscribe links."""

    smtp_host: str | None = Field(None, alias="WISMO_SMTP_HOST")
    smtp_port: int = Field(587, alias="WISMO_SMTP_PORT", ge=1, le=65535)
    smtp_user: str | None = Field(None, alias="WISMO_SMTP_USER")
    smtp_password: OptionalSecret = Field(None, alias="WISMO_SMTP_PASSWORD")
    smtp_tls: str = Field("starttls", alias="WISMO_SMTP_TLS", pattern="^(starttls|tls|none)$")
    email_from: str | None = Field(None, alias="WISMO_EMAIL_FROM")
    email_rate: float = Field(1.0, alias="WISMO_EMAIL_RATE", gt=0)
    unsubscribe_secret: OptionalSecret = Field(None, alias="WISMO_UNSUBSCRIBE_SECRET")


class SmsSettings(SettingsGroup):
    """SMS updates through Twilio (docs/sms.md): off unless WISMO_UPDATES_SMS and credentials."""

    updates_sms: bool = Field(False, alias="WISMO_UPDATES_SMS")
    twilio_account_sid: str | None = Field(None, alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: OptionalSecret = Field(None, alias="TWILIO_AUTH_TOKEN")
    twilio_from: str | None = Field(None, alias="TWILIO_FROM")
    twilio_messaging_service_sid: str | None = Field(None, alias="TWILIO_MESSAGING_SERVICE_SID")
    twilio_base_url: str = Field("https://api.twilio.com", alias="TWILIO_BASE_URL")
    # Texts handed to the provider per second, and segments per UTC day (0: no budget).
    sms_rate: float = Field(1.0, alias="WISMO_SMS_RATE", gt=0)
    sms_daily_budget: int = Field(500, alias="WISMO_SMS_DAILY_BUDGET", ge=0)
    # Where a number written without "+" is read (ISO country), e.g. "US"; empty: needs "+".
    sms_default_region: str | None = Field(None, alias="WISMO_SMS_DEFAULT_REGION")


class StoreSettings(SettingsGroup):
    """The store connection orders are looked up in: csv, Shopify, WooCommerce or Magento."""

    store_source: StoreKind = Field(StoreKind.CSV, alias="WISMO_STORE_SOURCE")
    store_cache_ttl: float = Field(120.0, alias="WISMO_STORE_CACHE_TTL", ge=0)
    shopify_shop: str | None = Field(None, alias="SHOPIFY_SHOP")
    shopify_access_token: OptionalSecret = Field(None, alias="SHOPIFY_ACCESS_TOKEN")
    shopify_api_version: str = Field(SHOPIFY_API_VERSION, alias="SHOPIFY_API_VERSION")
    woocommerce_url: str | None = Field(None, alias="WOOCOMMERCE_URL")
    woocommerce_consumer_key: OptionalSecret = Field(None, alias="WOOCOMMERCE_CONSUMER_KEY")
    woocommerce_consumer_secret: OptionalSecret = Field(None, alias="WOOCOMMERCE_CONSUMER_SECRET")
    magento_url: str | None = Field(None, alias="MAGENTO_URL")
    magento_access_token: OptionalSecret = Field(None, alias="MAGENTO_ACCESS_TOKEN")


# pydantic orders the fields of the last base first: listed last-first, the groups keep the order
# in which a setting's error is reported first (core, then dialogue, console, Meta, …).
class Settings(
    StoreSettings,
    SmsSettings,
    EmailSettings,
    UpdatesSettings,
    TrackingSettings,
    MetaSettings,
    ConsoleSettings,
    DialogueSettings,
    CoreSettings,
):
    """Every setting, by feature group, keyed by its public environment name (a contract)."""

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> Settings:
        """Build settings from environment-style names.

        Raises ConfigurationInvalid with one line naming the first bad or missing setting.
        """
        cleaned = {key: value for key, value in values.items() if value != ""}
        try:
            return cls.model_validate(cleaned)
        except ValidationError as exc:
            raise ConfigurationInvalid(_one_line(exc)) from exc


def _one_line(exc: ValidationError) -> str:
    first = exc.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else "settings"
    if first["type"] == "missing":
        return f"setting {name} is required but not set"
    return f"setting {name} is invalid: {first['msg']}"


__all__ = [
    "DEFAULT_DATABASE_URL",
    "ConsoleSettings",
    "CoreSettings",
    "DialogueSettings",
    "EmailSettings",
    "MetaSettings",
    "OrderNumberPatterns",
    "Settings",
    "SmsSettings",
    "StoreSettings",
    "TrackingSettings",
    "UpdatesSettings",
]
