"""Settings: every knob wismo reads, validated once at start-up from a plain mapping."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from bot.errors import ConfigurationInvalid
from stores.models import StoreKind
from stores.shopify import API_VERSION as SHOPIFY_API_VERSION

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///wismo.db"


def _csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


OptionalSecret = Annotated[SecretStr | None, Field(default=None)]
CommaSeparated = Annotated[tuple[str, ...], BeforeValidator(_csv)]


def _order_number_patterns(value: Any) -> Any:
    """A JSON array of regular expressions, or one expression (which may use "|")."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [text] if text else []
    return value


def _compiling(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from exc
    return patterns


# How the store's order numbers look (replacing "#1042", "SH-1042" and Amazon's 3-7-7 ids); a
# group named "number" marks the part to keep. Keyword cues ("order 1042") always apply.
OrderNumberPatterns = Annotated[
    tuple[str, ...], BeforeValidator(_order_number_patterns), AfterValidator(_compiling)
]


class Settings(BaseModel):
    """Flat settings keyed by their public environment names (the names are a contract)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="WISMO_DATABASE_URL")
    host: str = Field("127.0.0.1", alias="WISMO_HOST")
    port: int = Field(8080, alias="WISMO_PORT", ge=0, le=65535)
    log_level: str = Field("INFO", alias="WISMO_LOG_LEVEL")
    store_name: str = Field("our shop", alias="WISMO_STORE_NAME")
    default_language: str = Field("en", alias="WISMO_DEFAULT_LANGUAGE")
    order_example: str = Field("#1001", alias="WISMO_ORDER_EXAMPLE", min_length=1, max_length=40)
    order_number_patterns: OrderNumberPatterns = Field((), alias="WISMO_ORDER_NUMBER_PATTERNS")
    providers: tuple[str, ...] = Field(("sandbox",), alias="WISMO_PROVIDERS")
    api_token: OptionalSecret = Field(None, alias="WISMO_API_TOKEN")
    # --- merchant console and /metrics (issue 6) ---
    metrics_token: OptionalSecret = Field(None, alias="WISMO_METRICS_TOKEN")
    trusted_proxies: CommaSeparated = Field((), alias="WISMO_TRUSTED_PROXIES")
    console_idle_minutes: float = Field(60.0, alias="WISMO_CONSOLE_IDLE_MINUTES", gt=0)
    console_session_hours: float = Field(12.0, alias="WISMO_CONSOLE_SESSION_HOURS", gt=0)
    console_login_attempts: int = Field(5, alias="WISMO_CONSOLE_LOGIN_ATTEMPTS", ge=1)
    console_stale_days: int = Field(5, alias="WISMO_CONSOLE_STALE_DAYS", ge=1)
    # --- end of console settings ---

    meta_app_secrets: tuple[SecretStr, ...] = Field(alias="META_APP_SECRET", min_length=1)
    meta_verify_token: SecretStr = Field(alias="META_VERIFY_TOKEN")
    meta_access_token: SecretStr = Field(alias="META_ACCESS_TOKEN")
    meta_graph_url: str = Field("https://graph.instagram.com", alias="META_GRAPH_URL")
    meta_graph_version: str = Field("v25.0", alias="META_GRAPH_VERSION")
    meta_ig_account_id: str = Field("me", alias="META_IG_ACCOUNT_ID")
    # Send API calls per second per Instagram account, per `wismo serve` process (Meta: 100/s).
    send_rate: float = Field(50.0, alias="WISMO_SEND_RATE", gt=0, le=300)
    # Conversations handled at once (and messages sent at once) per process.
    workers: int = Field(8, alias="WISMO_WORKERS", ge=1, le=256)
    # After a hand-off, the bot stays quiet until a person has been silent this long.
    handoff_quiet_hours: float = Field(24.0, alias="WISMO_HANDOFF_QUIET_HOURS", gt=0)

    aftership_api_key: OptionalSecret = Field(None, alias="AFTERSHIP_API_KEY")
    aftership_base_url: str = Field("https://api.aftership.com", alias="AFTERSHIP_BASE_URL")
    aftership_webhook_secret: OptionalSecret = Field(None, alias="AFTERSHIP_WEBHOOK_SECRET")
    seventeentrack_api_key: OptionalSecret = Field(None, alias="SEVENTEENTRACK_API_KEY")
    seventeentrack_base_url: str = Field("https://api.17track.net", alias="SEVENTEENTRACK_BASE_URL")
    kuaidi100_api_key: OptionalSecret = Field(None, alias="KUAIDI100_API_KEY")
    kuaidi100_customer: OptionalSecret = Field(None, alias="KUAIDI100_CUSTOMER")
    kuaidi100_base_url: str = Field("https://poll.kuaidi100.com", alias="KUAIDI100_BASE_URL")
    kuaidi100_push_salt: OptionalSecret = Field(None, alias="KUAIDI100_PUSH_SALT")
    dhl_api_key: OptionalSecret = Field(None, alias="DHL_API_KEY")
    dhl_base_url: str = Field("https://api-eu.dhl.com", alias="DHL_BASE_URL")
    ups_client_id: OptionalSecret = Field(None, alias="UPS_CLIENT_ID")
    ups_client_secret: OptionalSecret = Field(None, alias="UPS_CLIENT_SECRET")
    ups_base_url: str = Field("https://onlinetools.ups.com", alias="UPS_BASE_URL")
    fedex_client_id: OptionalSecret = Field(None, alias="FEDEX_CLIENT_ID")
    fedex_client_secret: OptionalSecret = Field(None, alias="FEDEX_CLIENT_SECRET")
    fedex_base_url: str = Field("https://apis.fedex.com", alias="FEDEX_BASE_URL")
    usps_client_id: OptionalSecret = Field(None, alias="USPS_CLIENT_ID")
    usps_client_secret: OptionalSecret = Field(None, alias="USPS_CLIENT_SECRET")
    usps_base_url: str = Field("https://apis.usps.com", alias="USPS_BASE_URL")
    public_base_url: str = Field("http://127.0.0.1:8080", alias="WISMO_PUBLIC_URL")
    # Overrides of the tracking cache's freshness table, e.g. "in_transit=6h,not_found=30m".
    tracking_freshness: str = Field("", alias="WISMO_TRACKING_FRESHNESS")
    # Daily call budgets per tracking source, e.g. "dhl=1000,aftership=500" ("none" lifts one).
    source_budgets: str = Field("", alias="WISMO_SOURCE_BUDGETS")

    # --- Proactive updates (issue 7) ---------------------------------------------------------
    updates_dm: bool = Field(True, alias="WISMO_UPDATES_DM")
    updates_email: bool = Field(False, alias="WISMO_UPDATES_EMAIL")
    updates_milestones: tuple[str, ...] = Field(("all",), alias="WISMO_UPDATES_MILESTONES")
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
    smtp_host: str | None = Field(None, alias="WISMO_SMTP_HOST")
    smtp_port: int = Field(587, alias="WISMO_SMTP_PORT", ge=1, le=65535)
    smtp_user: str | None = Field(None, alias="WISMO_SMTP_USER")
    smtp_password: OptionalSecret = Field(None, alias="WISMO_SMTP_PASSWORD")
    smtp_tls: str = Field("starttls", alias="WISMO_SMTP_TLS", pattern="^(starttls|tls|none)$")
    email_from: str | None = Field(None, alias="WISMO_EMAIL_FROM")
    email_rate: float = Field(1.0, alias="WISMO_EMAIL_RATE", gt=0)
    unsubscribe_secret: OptionalSecret = Field(None, alias="WISMO_UNSUBSCRIBE_SECRET")
    # --- end of proactive updates ------------------------------------------------------------

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

    @field_validator("meta_app_secrets", "providers", "updates_milestones", mode="before")
    @classmethod
    def _split_csv(cls, value: Any) -> Any:
        return _csv(value)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

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


__all__ = ["DEFAULT_DATABASE_URL", "OrderNumberPatterns", "Settings"]
