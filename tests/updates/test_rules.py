"""The pure rules of proactive updates: stop requests, milestones, quiet hours, tokens."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.app.settings import Settings
from bot.errors import ConfigurationInvalid
from bot.updates import is_stop_request
from bot.updates.milestones import Milestone, milestone_of, parse_milestones
from bot.updates.options import options_from
from bot.updates.quiet import QuietHours, parse_hours
from bot.updates.tokens import unsubscribe_token, verified_subscription
from carriers.lookup import StatusChange, Trigger
from carriers.models import Status
from tests.bot.harness import settings
from tests.carriers.tracking_fakes import shipment

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "stop",
        "STOP!!",
        "Stop 🙏",
        "please stop sending me updates",
        "unsubscribe",
        "不用了",
        "不用了，谢谢",
        "别发了",
        "停止通知",
        "不要再發了",
        "取消訂閱",
        "basta",
        "Detener avisos",
        "deja de enviarme mensajes",
        "pare",
        "Parar avisos",
        "não quero mais",
        "arrêter",
        "Arrêter les alertes",
        "stopp",
        "Keine Updates mehr",
        "bitte abbestellen",
        "توقف",
        "إيقاف التحديثات",
    ],
)
def test_a_stop_request_is_recognised_in_every_supported_language(text: str) -> None:
    assert is_stop_request(text, None)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "where is my parcel?",
        "my parcel stopped moving in Madrid",
        "para cuando llega mi pedido",
        "the tracking has not changed since monday and I want to know when it will stop at my door",
        "我的包裹到哪了",
        "wo ist mein paket",
        "hello",
    ],
)
def test_a_message_that_only_mentions_stopping_is_not_a_stop_request(text: str | None) -> None:
    assert not is_stop_request(text, None)


def test_the_stop_quick_reply_is_recognised_by_its_payload_whatever_its_title() -> None:
    assert is_stop_request("Arrêter les alertes", "STOP_UPDATES")
    assert is_stop_request(None, "STOP_UPDATES")
    assert not is_stop_request("Refresh", "REFRESH:YT1")


def _change(old: Status | None, new: Status) -> StatusChange:
    return StatusChange(
        id=1,
        number="YT1",
        carrier=None,
        old_status=old,
        old_reason=None,
        new_status=new,
        new_reason=None,
        source="aftership",
        trigger=Trigger.REFRESH,
        shipment=shipment("YT1", new, source="aftership", checked_at=NOW),
        occurred_at=None,
        recorded_at=NOW,
    )


@pytest.mark.parametrize(
    ("old", "new", "milestone"),
    [
        (None, Status.IN_TRANSIT, Milestone.SHIPPED),
        (Status.INFO_RECEIVED, Status.IN_TRANSIT, Milestone.SHIPPED),
        (Status.OUT_FOR_DELIVERY, Status.IN_TRANSIT, None),
        (Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Milestone.OUT_FOR_DELIVERY),
        (Status.OUT_FOR_DELIVERY, Status.DELIVERED, Milestone.DELIVERED),
        (Status.IN_TRANSIT, Status.AVAILABLE_FOR_PICKUP, Milestone.AVAILABLE_FOR_PICKUP),
        (Status.OUT_FOR_DELIVERY, Status.FAILED_ATTEMPT, Milestone.FAILED_ATTEMPT),
        (Status.IN_TRANSIT, Status.EXCEPTION, Milestone.EXCEPTION),
        (Status.EXCEPTION, Status.RETURNING, Milestone.RETURNING),
        (Status.RETURNING, Status.RETURNED, Milestone.RETURNING),
        (None, Status.INFO_RECEIVED, Milestone.FIRST_NEWS),  # after "not found yet"
        (Status.PENDING, Status.INFO_RECEIVED, Milestone.FIRST_NEWS),
        (Status.IN_TRANSIT, Status.INFO_RECEIVED, None),
        (Status.IN_TRANSIT, Status.UNKNOWN, None),
    ],
)
def test_status_changes_map_to_milestones(old, new, milestone) -> None:
    assert milestone_of(_change(old, new)) is milestone


def test_milestones_are_configured_by_name() -> None:
    assert parse_milestones(("all",)) == frozenset(Milestone)
    assert parse_milestones(("delivered", "exception")) == {
        Milestone.DELIVERED,
        Milestone.EXCEPTION,
    }
    with pytest.raises(ValueError, match="unknown milestone"):
        parse_milestones(("teleported",))


def test_quiet_hours_follow_the_destination_country_then_the_language() -> None:
    quiet = QuietHours(hours=(time(21), time(8)))
    # 12:00 UTC is 20:00 in Shanghai (not quiet) and 04:00 in Los Angeles … New York 07:00.
    assert quiet.quiet_until(NOW, "zh-Hans", None) is None
    assert quiet.quiet_until(NOW, "zh-Hans", "US") == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    # 22:00 UTC: 23:00 in Berlin, quiet until 08:00 Berlin = 07:00 UTC next day.
    late = NOW.replace(hour=22)
    assert quiet.quiet_until(late, "de", None) == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    # English says nothing of where: the default zone (UTC) decides.
    assert quiet.quiet_until(late, "en", None) == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_time_zone_guesses_can_be_overridden_and_quiet_hours_turned_off() -> None:
    quiet = QuietHours(hours=(time(21), time(8)), overrides={"en": "Asia/Tokyo"})
    assert quiet.zone_for("en", None).key == "Asia/Tokyo"
    assert QuietHours(hours=None).quiet_until(NOW, "en", None) is None
    assert parse_hours("off") is None
    assert parse_hours("22:30-07:15") == (time(22, 30), time(7, 15))
    with pytest.raises(ValueError, match="HH:MM"):
        parse_hours("late")


def test_unsubscribe_tokens_are_signed_per_subscription() -> None:
    token = unsubscribe_token(b"secret", 42)
    assert verified_subscription(b"secret", token) == 42
    assert verified_subscription(b"other", token) is None
    assert verified_subscription(b"secret", token.replace("42.", "43.")) is None
    assert verified_subscription(b"secret", token[:-2]) is None


def test_email_needs_its_smtp_host_sender_and_secret() -> None:
    base = settings("sqlite+aiosqlite:///x.db").model_dump(by_alias=True)
    values = {key: str(value) for key, value in base.items() if isinstance(value, str)}
    values.update(
        META_APP_SECRET="s", META_VERIFY_TOKEN="v", META_ACCESS_TOKEN="t", WISMO_UPDATES_EMAIL="1"
    )
    with pytest.raises(ConfigurationInvalid, match="WISMO_SMTP_HOST"):
        options_from(Settings.from_mapping(values))
    values.update(
        WISMO_SMTP_HOST="smtp.example",
        WISMO_EMAIL_FROM="u@shop.example",
        WISMO_UNSUBSCRIBE_SECRET="x",
    )
    assert options_from(Settings.from_mapping(values)).email_enabled
    values["WISMO_UPDATES_QUIET_HOURS"] = "whenever"
    with pytest.raises(ConfigurationInvalid, match="WISMO_UPDATES_QUIET_HOURS"):
        options_from(Settings.from_mapping(values))
